"""The chapters' spiral run, timed per epoch: the speed a learner feels in the notebooks.

Dense(2, 64) - ReLU - Dense(64, 3) with softmax cross-entropy and Adam (the book's
``learning_rate=0.05, decay=5e-7``) on 300 spiral samples for 10,001 epochs, as a plain
loop over nnlib's classes: forward, loss, accuracy, backward, update. Float32 like the
chapters (which call ``nnfs.init()``); this run does not, so NumPy is left unpatched.
"""

import time

import numpy as np

from nnlib import Adam, Dense, ReLU, SoftmaxCategoricalCrossentropy
from nnlib.datasets import spiral_data

EPOCHS = 10_001


def run_spiral(config):
    """Train once; returns ``ms_per_epoch`` (wall), ``cpu_ms_per_epoch`` and the final
    ``accuracy`` and ``loss``. ``config``: ``seed``."""
    np.random.seed(config["seed"])
    X, y = spiral_data(samples=100, classes=3)
    X = X.astype(np.float32)
    dense1, activation1 = Dense(2, 64, dtype=np.float32), ReLU()
    dense2 = Dense(64, 3, dtype=np.float32)
    loss_activation = SoftmaxCategoricalCrossentropy()
    optimizer = Adam(learning_rate=0.05, decay=5e-7)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(EPOCHS):
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
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "epochs": EPOCHS,
        "ms_per_epoch": wall / EPOCHS * 1e3,
        "cpu_ms_per_epoch": cpu / EPOCHS * 1e3,
        "accuracy": float(accuracy),
        "loss": float(loss),
    }
