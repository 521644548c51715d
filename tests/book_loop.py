"""The book's training loop (chapters 10-15), run in a fresh process after ``nnfs.init()``,
on ``nnlib.book``'s classes or on the independent book-style ones (``reference``,
:mod:`nnlib.benchmark.book_style`).

    python tests/book_loop.py {nnlib|reference} RUN_NAME [EPOCHS]

prints the book's log lines every 100 epochs. RUNS lists the book's runs.
"""

import sys

import nnfs
import numpy as np

RUNS = {
    "sgd": ("Optimizer_SGD", {}, {}, 0),
    "sgd_decay_1e-2": ("Optimizer_SGD", {"decay": 1e-2}, {}, 0),
    "sgd_decay_1e-3": ("Optimizer_SGD", {"decay": 1e-3}, {}, 0),
    "sgd_momentum_0.5": ("Optimizer_SGD", {"decay": 1e-3, "momentum": 0.5}, {}, 0),
    "sgd_momentum_0.9": ("Optimizer_SGD", {"decay": 1e-3, "momentum": 0.9}, {}, 0),
    "adagrad": ("Optimizer_Adagrad", {"decay": 1e-4}, {}, 0),
    "rmsprop": ("Optimizer_RMSprop", {"learning_rate": 0.02, "decay": 1e-5, "rho": 0.999}, {}, 0),
    "adam": ("Optimizer_Adam", {"learning_rate": 0.05, "decay": 5e-7}, {}, 0),
    "adam_l2": (
        "Optimizer_Adam",
        {"learning_rate": 0.02, "decay": 5e-7},
        {"weight_regularizer_l2": 5e-4, "bias_regularizer_l2": 5e-4},
        0,
    ),
    "adam_l1_l2": (
        "Optimizer_Adam",
        {"learning_rate": 0.02, "decay": 5e-7},
        {
            "weight_regularizer_l1": 5e-5,
            "weight_regularizer_l2": 5e-4,
            "bias_regularizer_l1": 5e-5,
            "bias_regularizer_l2": 5e-4,
        },
        0,
    ),  # fmt: skip
    "adam_dropout": (
        "Optimizer_Adam",
        {"learning_rate": 0.05, "decay": 5e-5},
        {"weight_regularizer_l2": 5e-4, "bias_regularizer_l2": 5e-4},
        0.1,
    ),
}


def classes(implementation):
    if implementation == "nnlib":
        import nnlib.book as book

        return book
    from nnlib.benchmark import book_style

    return book_style


def main(implementation, run, epochs=10001):
    nnfs.init()
    from nnfs.datasets import spiral_data

    book = classes(implementation)
    optimizer_name, optimizer_args, regularization, dropout_rate = RUNS[run]
    X, y = spiral_data(samples=100, classes=3)
    dense1 = book.Layer_Dense(2, 64, **regularization)
    activation1 = book.Activation_ReLU()
    dropout1 = book.Layer_Dropout(dropout_rate) if dropout_rate else None
    dense2 = book.Layer_Dense(64, 3)
    loss_activation = book.Activation_Softmax_Loss_CategoricalCrossentropy()
    optimizer = getattr(book, optimizer_name)(**optimizer_args)
    for epoch in range(epochs):
        dense1.forward(X)
        activation1.forward(dense1.output)
        hidden = activation1.output
        if dropout1 is not None:
            dropout1.forward(hidden)
            hidden = dropout1.output
        dense2.forward(hidden)
        data_loss = loss_activation.forward(dense2.output, y)
        regularization_loss = loss_activation.loss.regularization_loss(
            dense1
        ) + loss_activation.loss.regularization_loss(dense2)
        loss = data_loss + regularization_loss
        predictions = np.argmax(loss_activation.output, axis=1)
        accuracy = np.mean(predictions == y)
        if not epoch % 100:
            loss_text = f"loss: {loss:.3f}"
            if regularization:  # chapters 14-15 split the loss
                loss_text += f" (data_loss: {data_loss:.3f}, reg_loss: {regularization_loss:.3f})"
            print(
                f"epoch: {epoch}, acc: {accuracy:.3f}, {loss_text}, "
                f"lr: {optimizer.current_learning_rate}"
            )
        loss_activation.backward(loss_activation.output, y)
        dense2.backward(loss_activation.dinputs)
        if dropout1 is not None:
            dropout1.backward(dense2.dinputs)
            activation1.backward(dropout1.dinputs)
        else:
            activation1.backward(dense2.dinputs)
        dense1.backward(activation1.dinputs)
        optimizer.pre_update_params()
        optimizer.update_params(dense1)
        optimizer.update_params(dense2)
        optimizer.post_update_params()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:]))
