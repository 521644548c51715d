"""Self-check for choosing SGD's settings: nnlib's network trained on the spiral data.

The check trains with nnlib's optimizer, not the learner's, so that it judges the settings
alone: a mistake in the learner's optimizer is the business of its own check.
"""

from typing import NamedTuple

import numpy as np

from nnlib.accuracy import CategoricalAccuracy
from nnlib.activations import ReLU, Softmax
from nnlib.checks.verdict import CheckFailure, isolated_numpy, self_check
from nnlib.datasets import spiral_data
from nnlib.layers import Dense
from nnlib.losses import CategoricalCrossentropy
from nnlib.model import Model, TrainingDivergedError
from nnlib.optimizers import SGD

SPIRAL_EPOCHS = 1000
MOMENTUM_TARGET = 0.75


class SpiralFit(NamedTuple):
    """What :func:`fit_spiral_model` gives back."""

    model: Model
    history: dict
    accuracy: float


def book_layers() -> list:
    """The book's network for the spiral data: Dense(2, 64), ReLU, Dense(64, 3), Softmax."""
    return [Dense(2, 64), ReLU(), Dense(64, 3), Softmax()]


def fit_spiral_model(
    optimizer, epochs: int = SPIRAL_EPOCHS, seed: int = 0, make_layers=book_layers
) -> SpiralFit:
    """Train a network on ``spiral_data(100, 3)`` with ``optimizer``, full batch.

    ``make_layers()`` builds the network's layers, by default :func:`book_layers`. The data
    and the initial weights come from ``np.random.seed(seed)``; NumPy's global generator is
    left as it was. Returns the model, the history of ``Model.train`` (per-epoch loss, accuracy,
    learning rate) and the final training accuracy.
    """
    with isolated_numpy():
        np.random.seed(seed)
        X, y = spiral_data(samples=100, classes=3)
        model = Model()
        for layer in make_layers():
            model.add(layer)
        model.set(
            loss=CategoricalCrossentropy(), optimizer=optimizer, accuracy=CategoricalAccuracy()
        )
        model.finalize()
        history = model.train(X, y, epochs=epochs, verbose=False)
        accuracy = float(np.mean(np.argmax(model.predict(X), axis=1) == y))
    return SpiralFit(model, history, accuracy)


@self_check
def check_momentum_settings(settings):
    """SGD settings reaching MOMENTUM_TARGET training accuracy on spiral data.

    ``settings``: a dict of some of ``learning_rate``, ``decay``, ``momentum``.
    """
    allowed = ("learning_rate", "decay", "momentum")
    yield f"the settings are a dict of some of: {', '.join(allowed)}"
    if not isinstance(settings, dict):
        raise CheckFailure(
            f"the settings are a {type(settings).__name__}, expected a dict",
            'write them as {"learning_rate": ..., "decay": ..., "momentum": ...}.',
        )
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise CheckFailure(f"unknown settings: {', '.join(map(repr, unknown))}")
    yield (
        f"nnlib's SGD(**settings) trains the spiral network to a training accuracy of at "
        f"least {MOMENTUM_TARGET} in {SPIRAL_EPOCHS} epochs"
    )
    try:
        optimizer = SGD(**settings)
    except (TypeError, ValueError) as error:
        raise CheckFailure(f"SGD refused these settings: {error}") from None
    try:
        accuracy = fit_spiral_model(optimizer).accuracy
    except TrainingDivergedError:
        raise CheckFailure(
            "training diverged (the loss became NaN or infinite)", "lower the learning rate."
        ) from None
    if accuracy < MOMENTUM_TARGET:
        raise CheckFailure(
            f"training accuracy {accuracy:.3f} after {SPIRAL_EPOCHS} epochs, below "
            f"{MOMENTUM_TARGET}",
            "plot the loss: a slow descent wants more momentum or a larger rate, a jumpy "
            "one a smaller rate or more decay.",
        )
