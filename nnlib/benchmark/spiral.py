"""The chapters' spiral run, timed per epoch: the speed a learner feels in the notebooks.

Dense(2, 64) - ReLU - Dense(64, 3) with softmax cross-entropy and Adam (the book's
``learning_rate=0.05, decay=5e-7``) on 300 spiral samples for 10,001 epochs, as a plain
loop over nnlib's classes: forward, loss, accuracy, backward, update. Float32 like the
chapters (which call ``nnfs.init()``); this run does not, so NumPy is left unpatched.

The same run then goes again as bare NumPy statements (``bare_spiral``), from the same
initial weights: the time NumPy itself needs for these numbers, the floor under nnlib's.
"""

import time

import numpy as np

from nnlib import Adam, Dense, ReLU, SoftmaxCategoricalCrossentropy
from nnlib.benchmark.bare_spiral import train_bare
from nnlib.datasets import spiral_data

EPOCHS = 10_001


def run_spiral(config):
    """Train with nnlib, then bare NumPy; returns nnlib's ``ms_per_epoch`` (wall),
    ``cpu_ms_per_epoch``, final ``accuracy`` and ``loss``, and the same four for the bare
    run under ``bare_numpy``. ``config``: ``seed``."""
    X, y, dense1, dense2 = spiral_problem(config["seed"])
    initial = [(dense.weights.copy(), dense.biases.copy()) for dense in (dense1, dense2)]
    wall, cpu = time.perf_counter(), time.process_time()
    result = _timing(wall, cpu, *train_nnlib(X, y, dense1, dense2, EPOCHS))
    wall, cpu = time.perf_counter(), time.process_time()
    result["bare_numpy"] = _timing(wall, cpu, *train_bare(X, y, initial, EPOCHS))
    return result


def spiral_problem(seed):
    """``(X, y, dense1, dense2)``: the data (float32) and the two layers, drawn from ``seed``."""
    np.random.seed(seed)
    X, y = spiral_data(samples=100, classes=3)
    return X.astype(np.float32), y, Dense(2, 64, dtype=np.float32), Dense(64, 3, dtype=np.float32)


def train_nnlib(X, y, dense1, dense2, epochs):
    """The chapters' loop on nnlib's classes; returns the last epoch's ``(accuracy, loss)``."""
    activation1 = ReLU()
    loss_activation = SoftmaxCategoricalCrossentropy()
    optimizer = Adam(learning_rate=0.05, decay=5e-7)
    for _ in range(epochs):
        dense1.forward(X)
        activation1.forward(dense1.output)
        dense2.forward(activation1.output)
        loss = loss_activation.forward(dense2.output, y)
        accuracy = np.mean(np.argmax(loss_activation.output, axis=1) == y)
        loss_activation.backward(loss_activation.output, y)
        dense2.backward(loss_activation.dinputs)
        activation1.backward(dense2.dinputs)
        dense1.backward(activation1.dinputs)
        optimizer.pre_update_params()
        optimizer.update_params(dense1)
        optimizer.update_params(dense2)
        optimizer.post_update_params()
    return float(accuracy), float(loss)


def _timing(wall_start, cpu_start, accuracy, loss):
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    return {
        "epochs": EPOCHS,
        "ms_per_epoch": wall / EPOCHS * 1e3,
        "cpu_ms_per_epoch": cpu / EPOCHS * 1e3,
        "accuracy": accuracy,
        "loss": loss,
    }
