"""Training runs of the task in :mod:`benchmark.problem`: nnlib and the book-style code.

Each ``run_*(config)`` loads the data, trains ``config["epochs"]`` epochs timing each one,
then measures the test accuracy. ``config``: ``epochs``, ``subset``, ``seed``. Returns the
dict of :func:`benchmark.measure.time_epochs` plus ``test_accuracy``.
"""

from benchmark import baseline
from benchmark.measure import time_epochs
from benchmark.problem import (
    BATCH_SIZE,
    BETAS,
    DECAY,
    DTYPE,
    EPSILON,
    LEARNING_RATE,
    accuracy,
    batches,
    initial_parameters,
    load_data,
)
from nnlib import Adam, CategoricalAccuracy, CategoricalCrossentropy, Dense, Model, ReLU, Softmax


def run_nnlib(config):
    """nnlib's ``Model``, trained one epoch per ``train()`` call."""
    X, y, X_test, y_test = load_data(config["subset"], config["seed"])
    model = nnlib_model(initial_parameters(config["seed"]))
    result = time_epochs(
        lambda: model.train(X, y, epochs=1, batch_size=BATCH_SIZE, verbose=False),
        config["epochs"],
    )
    result["test_accuracy"] = accuracy(model.predict(X_test, batch_size=1000), y_test)
    return result


def nnlib_model(parameters):
    """The benchmark network as an nnlib ``Model``, with the given initial parameters."""
    model = Model()
    for index, (weights, biases) in enumerate(parameters):
        dense = Dense(*weights.shape, dtype=DTYPE)
        dense.set_parameters(weights, biases)
        model.add(dense)
        model.add(ReLU() if index < len(parameters) - 1 else Softmax())
    optimizer = Adam(LEARNING_RATE, DECAY, EPSILON, *BETAS)
    model.set(loss=CategoricalCrossentropy(), optimizer=optimizer, accuracy=CategoricalAccuracy())
    model.finalize()
    return model


def run_book_style(config):
    """The book's chapter code (:mod:`benchmark.baseline`), batch by batch."""
    X, y, X_test, y_test = load_data(config["subset"], config["seed"])
    optimizer = baseline.Optimizer_Adam(LEARNING_RATE, DECAY, EPSILON, *BETAS)
    network = baseline.Network(initial_parameters(config["seed"]), optimizer)
    steps = batches(len(X))

    def train_epoch():
        for rows in steps:
            network.train_step(X[rows], y[rows])

    result = time_epochs(train_epoch, config["epochs"])
    result["test_accuracy"] = accuracy(network.scores(X_test), y_test)
    return result
