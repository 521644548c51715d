"""Self-check for choosing SGD's settings: nnlib's network trained on the spiral data.

The check trains with nnlib's optimizer, not the learner's, so that it judges the settings
alone: a mistake in the learner's optimizer is the business of its own check.
"""

from typing import NamedTuple

import numpy as np

import nnlib.book
from nnlib.checks.verdict import CheckFailure, isolated_numpy, self_check
from nnlib.model import TrainingDivergedError
from nnlib.optimizers import SGD
from nnlib.spiral_training import SpiralRun, train_spiral

SPIRAL_EPOCHS = 1000
MOMENTUM_TARGET = 0.75


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
