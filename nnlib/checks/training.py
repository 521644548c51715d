"""The book's spiral network trained quietly with any optimizer: for checks and exercises.

``fit_spiral_model`` gives an exercise (or a check) a whole training run in one call, its
history and its accuracy, without printing the book's log.
"""

from typing import NamedTuple

import numpy as np

import nnlib.book
from nnlib.checks.verdict import isolated_numpy
from nnlib.model import TrainingDivergedError
from nnlib.spiral_training import SpiralRun, train_spiral

SPIRAL_EPOCHS = 1000


class SpiralFit(NamedTuple):
    """What :func:`fit_spiral_model` gives back."""

    run: SpiralRun
    history: dict
    accuracy: float


def fit_spiral_model(
    optimizer, epochs: int = SPIRAL_EPOCHS, seed: int = 0, layers=nnlib.book, **network
) -> SpiralFit:
    """Train the book's spiral network with ``optimizer``, silently: ``train_spiral``.

    The data and the initial weights come from ``np.random.seed(seed)``; NumPy's global
    generator is left as it was. ``layers`` (by default ``nnlib.book``) and ``network``
    (``regularization``, ``dropout_rate``, ``hidden``...) are ``train_spiral``'s. Returns the
    run (layers, optimizer, data), its per-epoch history (loss, accuracy, learning rate...)
    and the trained network's accuracy on its training data, dropout off.
    """
    with isolated_numpy():
        run = train_spiral(
            optimizer, epochs=epochs, print_every=None, seed=seed, layers=layers, **network
        )
        if not np.isfinite(run.history["loss"][-1]):
            raise TrainingDivergedError(
                f"the loss became {run.history['loss'][-1]} in {epochs} epochs: training "
                "diverged. Try a smaller learning rate."
            )
        accuracy, _ = run.evaluate(run.X, run.y)
    return SpiralFit(run, run.history, accuracy)
