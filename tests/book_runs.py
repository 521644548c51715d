"""The book's spiral runs of chapters 10-15, and a child process that trains them.

``RUNS``: name -> (optimizer class name, its arguments, the first layer's regularization,
dropout rate), the settings of every optimizer, regularization and dropout run of the book.

    python -m tests.book_runs {nnlib|reference} EPOCHS [RUN ...]

calls ``nnfs.init()``, then ``nnlib.spiral_training.train_spiral`` for each run in turn (every
run by default) with ``nnlib.book``'s classes or the plain reference
(``reference.book_style``), printing the book's log line every 100 epochs, and finally prints
one JSON line: {run: {"lines", "history", "layer_module"}}. ``train_spiral`` reseeds for each
run, so each one starts from the book's data and weights, as a fresh book script does.
"""

import contextlib
import io
import json
import sys

import nnfs

import nnlib.book
from nnlib.spiral_training import train_spiral
from reference import book_style

RUNS = {
    "sgd": ("Optimizer_SGD", {}, None, 0),
    "sgd_decay_1e-2": ("Optimizer_SGD", {"decay": 1e-2}, None, 0),
    "sgd_decay_1e-3": ("Optimizer_SGD", {"decay": 1e-3}, None, 0),
    "sgd_momentum_0.5": ("Optimizer_SGD", {"decay": 1e-3, "momentum": 0.5}, None, 0),
    "sgd_momentum_0.9": ("Optimizer_SGD", {"decay": 1e-3, "momentum": 0.9}, None, 0),
    "adagrad": ("Optimizer_Adagrad", {"decay": 1e-4}, None, 0),
    "rmsprop": ("Optimizer_RMSprop", {"learning_rate": 0.02, "decay": 1e-5, "rho": 0.999}, None, 0),
    "adam": ("Optimizer_Adam", {"learning_rate": 0.05, "decay": 5e-7}, None, 0),
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
    ),
    "adam_dropout": (
        "Optimizer_Adam",
        {"learning_rate": 0.05, "decay": 5e-5},
        {"weight_regularizer_l2": 5e-4, "bias_regularizer_l2": 5e-4},
        0.1,
    ),
}
IMPLEMENTATIONS = {"nnlib": nnlib.book, "reference": book_style}
PRINT_EVERY = 100


def train(implementation, run, epochs, **options):
    """One book run on ``implementation``'s classes: ``(printed lines, SpiralRun)``."""
    layers = IMPLEMENTATIONS[implementation]
    optimizer_name, optimizer_arguments, regularization, dropout_rate = RUNS[run]
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        result = train_spiral(
            getattr(layers, optimizer_name)(**optimizer_arguments),
            epochs=epochs,
            print_every=PRINT_EVERY,
            regularization=regularization,
            dropout_rate=dropout_rate,
            layers=layers,
            **options,
        )
    return log.getvalue().splitlines(), result


def main(implementation, epochs, *runs):
    nnfs.init()
    results = {}
    for run in runs or RUNS:
        lines, result = train(implementation, run, int(epochs))
        results[run] = {
            "lines": lines,
            "history": result.history,
            "layer_module": type(result.dense1).__module__,
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:])
