"""The chapters' spiral run, timed per epoch: the speed a learner feels in the notebooks.

The book's Adam run (``learning_rate=0.05, decay=5e-7``) on 300 spiral samples for 10,001
epochs (``--spiral-epochs``), as chapter 7 runs it: ``nnfs.init()`` first (float32, the
book's data and weights), then ``nnlib.spiral_training.train_spiral``, silent. It runs twice:
on ``nnlib.book``'s classes, and on the plain book-style reference (``reference.book_style``),
which must end on the same numbers. The worker is a process of its own, so ``nnfs.init()``'s
patches stay there."""

import time

import nnfs

import nnlib.book
from nnlib.spiral_training import train_spiral
from reference import book_style

# The book runs chapter 10's optimizers for 10,001 epochs.
SPIRAL_EPOCHS = 10_001


def run_spiral(config):
    """``{"nnlib": timing, "book_style": timing}``; a timing holds ``epochs``,
    ``ms_per_epoch`` (wall), ``cpu_ms_per_epoch`` and the last epoch's ``accuracy`` and
    ``loss``. ``config``: ``seed`` (of the data and the weights), ``spiral_epochs``."""
    nnfs.init()
    epochs = config["spiral_epochs"]
    return {
        "nnlib": _timed_run(nnlib.book, epochs, config["seed"]),
        "book_style": _timed_run(book_style, epochs, config["seed"]),
    }


def _timed_run(layers, epochs, seed):
    optimizer = layers.Optimizer_Adam(learning_rate=0.05, decay=5e-7)
    wall, cpu = time.perf_counter(), time.process_time()
    run = train_spiral(optimizer, epochs=epochs, print_every=None, layers=layers, seed=seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "epochs": epochs,
        "ms_per_epoch": wall / epochs * 1e3,
        "cpu_ms_per_epoch": cpu / epochs * 1e3,
        "accuracy": run.history["accuracy"][-1],
        "loss": run.history["loss"][-1],
    }
