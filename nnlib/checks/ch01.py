"""Self-checks of chapter 1's exercises: loss predictions, cross-entropy and log-softmax.

The checks of the dense layer, ReLU and softmax are in :mod:`nnlib.checks.layers`; these are
the exercises chapter 1 adds: numbers predicted before a run, the planted bug of a
cross-entropy loss, and a log-softmax the chapter does not build.
"""

import math

import numpy as np

from nnlib.activations import Softmax
from nnlib.checks.expect import (
    expect_array,
    expect_number,
    expect_unchanged,
    learner_class,
    number,
)
from nnlib.checks.verdict import CheckFailure, self_check
from nnlib.losses import CategoricalCrossentropy

# The clipping bound of the book's loss: a probability of 0 counts as 1e-7.
CLIP = 1e-7
UNTRAINED_CLASSES = 10
UNTRAINED_TOLERANCE = 0.05
WORST_TOLERANCE = 0.1
# check_loss_predictions checks only the predictions it is given.
NOT_ASKED = object()


def _prediction(label: str, value) -> float:
    """``value`` as a float, or a failure saying that a single number was wanted."""
    if value is None:
        raise CheckFailure(
            f"{label} is None: no prediction stored yet",
            "replace None by your prediction, a number, before running the network.",
        )
    try:
        if np.asarray(value).dtype.kind not in "iuf":
            raise TypeError
        return float(np.asarray(value).item())
    except (TypeError, ValueError):
        raise CheckFailure(
            f"{label} is {value!r:.60}, not a single number",
            "store a plain number, e.g. 1.5 (not a string, a list or an expression's text).",
        ) from None


def _near(value: float, target: float) -> bool:
    return math.isfinite(value) and abs(value - target) < 0.01 * max(1.0, abs(target))


def _untrained_hint(value: float) -> str:
    """The concept behind a wrong prediction of the untrained network's loss."""
    classes = UNTRAINED_CLASSES
    if _near(value, math.log(3)):
        return (
            "that is the chapter's network, with 3 classes: how many classes does this one "
            "have, and what probability does an undecided network give each of them?"
        )
    if _near(value, math.log10(classes)):
        return "cross-entropy uses the natural logarithm (np.log), not log base 10."
    if _near(value, 1 / classes):
        return "that is a probability; the loss is -log of the true class's probability."
    if value > 20:
        return (
            "the loss is a mean over the samples, not a sum (the 1/N left out): it does not "
            "grow with the batch size."
        )
    return (
        "with tiny weights every score is about 0, so softmax spreads the probability "
        "evenly over the classes; the loss is -log of the true class's probability."
    )


def _worst_hint(value: float) -> str:
    """The concept behind a wrong prediction of the clipped worst-case loss."""
    if _near(value, -math.log10(CLIP)):
        return "cross-entropy uses the natural logarithm (np.log), not log base 10."
    if not math.isfinite(value):
        return "the loss clips the probabilities before the logarithm: -log(0) never happens."
    return (
        "a probability of exactly 0 is clipped before the logarithm: which value does "
        "np.clip(y_pred, 1e-7, 1 - 1e-7) turn it into?"
    )


@self_check
def check_loss_predictions(predicted_untrained_loss=NOT_ASKED, predicted_worst_loss=NOT_ASKED):
    """The predictions of exercise 1.4 given (both by default), each within its tolerance.

    The verdict says whether a prediction is within the tolerance, never the value itself.
    """
    if predicted_untrained_loss is not NOT_ASKED:
        yield (
            f"predicted_untrained_loss: the untrained {UNTRAINED_CLASSES}-class network, "
            f"within ±{UNTRAINED_TOLERANCE}"
        )
        value = _prediction("predicted_untrained_loss", predicted_untrained_loss)
        if not abs(value - math.log(UNTRAINED_CLASSES)) < UNTRAINED_TOLERANCE:
            raise CheckFailure(
                f"{number(value)} is not within ±{UNTRAINED_TOLERANCE} of the loss an "
                f"untrained {UNTRAINED_CLASSES}-class network gives",
                _untrained_hint(value),
            )
    if predicted_worst_loss is not NOT_ASKED:
        yield (
            "predicted_worst_loss: one sample whose true class gets probability 0, "
            f"within ±{WORST_TOLERANCE}"
        )
        value = _prediction("predicted_worst_loss", predicted_worst_loss)
        if not abs(value - (-math.log(CLIP))) < WORST_TOLERANCE:
            raise CheckFailure(
                f"{number(value)} is not within ±{WORST_TOLERANCE} of the clipped loss of a "
                "sample whose true class gets probability 0",
                _worst_hint(value),
            )


def _probabilities(rng: np.random.Generator, samples: int, classes: int) -> np.ndarray:
    return Softmax().forward(rng.standard_normal((samples, classes)))


def _crossentropy_hint(got: float, sample_losses: np.ndarray) -> str:
    """The known mistake a wrong batch loss points at, or the concept when none fits."""
    samples = len(sample_losses)
    expected = float(np.mean(sample_losses))
    if samples > 1 and np.isclose(got, samples * expected, rtol=1e-6):
        return (
            f"your loss is {samples} times too large, one per sample: the 1/N is left out. "
            "The loss is the mean of the per-sample losses, so that it does not grow with "
            "the batch."
        )
    if np.isclose(got, float(np.mean(sample_losses / np.log(10))), rtol=1e-6):
        return "cross-entropy uses the natural logarithm (np.log), not log base 10."
    return (
        "calculate averages forward's per-sample losses; each one is -log of the "
        "probability the network gives the sample's true class."
    )


def _expect_sample_losses(loss, name: str, y_pred: np.ndarray, y_true: np.ndarray, hint: str):
    """forward(y_pred, y_true) against nnlib's per-sample losses; inputs left unchanged."""
    given = y_pred.copy()
    expected = CategoricalCrossentropy().forward(y_pred, y_true)
    got = loss.forward(given, y_true)
    if np.shape(got) == (len(y_pred), len(y_pred)):
        raise CheckFailure(
            f"forward returned shape {np.shape(got)}, expected ({len(y_pred)},)",
            "y_pred[:, y_true] takes every row for every label: pair row i with label i "
            "(one index array for the rows, one for the columns).",
        )
    expect_array(f"{name}.forward (per-sample losses)", got, expected, hint)
    expect_unchanged(
        "the y_pred passed to forward",
        given,
        y_pred,
        "np.clip returns a new array: clip into a new name, do not write into y_pred.",
    )
    return expected


@self_check
def check_crossentropy(Loss_CategoricalCrossentropy, *, seeds=(0,), samples=5, classes=3):
    """Loss_CategoricalCrossentropy: forward's per-sample losses and calculate's mean.

    Sparse labels, one-hot labels, and a sample whose true class gets probability 0.
    """
    cls = learner_class(Loss_CategoricalCrossentropy, "Loss_CategoricalCrossentropy")
    name = cls.__name__
    for seed in seeds:
        rng = np.random.default_rng(seed)
        y_pred = _probabilities(rng, samples, classes)
        labels = rng.integers(0, classes, samples)
        yield f"forward on {samples} samples, {classes} classes, labels as class indices"
        expected = _expect_sample_losses(
            cls(),
            name,
            y_pred,
            labels,
            "each sample's loss is -log of the probability in its row at its label's column.",
        )
        yield "calculate: one number for the batch"
        got = cls().calculate(y_pred.copy(), labels)
        try:
            value = float(np.asarray(got).item())
        except (TypeError, ValueError):
            raise CheckFailure(
                f"calculate returned shape {np.shape(got)}, expected a single number",
                "calculate reduces forward's per-sample losses to one number.",
            ) from None
        if not np.isclose(value, float(np.mean(expected)), rtol=1e-6):
            raise CheckFailure(
                f"calculate: expected {number(np.mean(expected))}, got {number(value)}",
                _crossentropy_hint(value, expected),
            )
        yield "forward with one-hot labels (N, C) gives the same losses"
        _expect_sample_losses(
            cls(),
            name,
            y_pred,
            np.eye(classes)[labels],
            "labels may come one-hot, shape (N, C): then the true class's probability is "
            "the row's sum of y_pred * y_true.",
        )
    yield "a sample whose true class gets probability 0 gives a large, finite loss"
    confident = np.array([[1.0, 0.0, 0.0], [0.2, 0.5, 0.3]])
    second_class = np.array([1, 1])
    expected = CategoricalCrossentropy().calculate(confident, second_class)
    given = confident.copy()
    got = cls().calculate(given, second_class)
    expect_unchanged(
        "the y_pred passed to calculate",
        given,
        confident,
        "np.clip returns a new array: clip into a new name, do not write into y_pred.",
    )
    value = float(np.asarray(got).item())
    if not math.isfinite(value):
        raise CheckFailure(
            f"calculate: expected {number(expected)}, got {number(value)}",
            "-log(0) is infinite and one infinite sample makes the whole mean infinite: "
            "clip the probabilities first, as the book does.",
        )
    expect_number(
        "calculate",
        value,
        expected,
        "clip to [1e-7, 1 - 1e-7] as the book does, before taking the logarithm.",
    )


LOG_SOFTMAX_HINT = (
    "the logarithm of a quotient is a difference: never form the probabilities and then take "
    "their log."
)


@self_check
def check_log_softmax(log_softmax, *, seeds=(0,), shape=(4, 3)):
    """log_softmax(scores) against log(softmax) in float64, then on scores far apart."""
    for seed in seeds:
        scores = np.random.default_rng(seed).standard_normal(shape)
        yield f"log_softmax on a {shape} batch of ordinary scores equals log(softmax)"
        _expect_log_softmax(log_softmax, scores)
    yield "scores of 1000 and more give finite values"
    large = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -999.0]])
    _expect_log_softmax(log_softmax, large)
    yield "scores 1000 apart: the log-probability of the unlikely class is exact, not -inf"
    apart = np.array([[0.0, -1000.0, 5.0], [3.0, 3.0, -2000.0]])
    _expect_log_softmax(log_softmax, apart)


def _expect_log_softmax(log_softmax, scores: np.ndarray) -> None:
    """Compare log_softmax(scores) with the exact log-probabilities, inputs unchanged."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    expected = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    given = scores.copy()
    got = log_softmax(given)
    values = np.asarray(got, dtype=np.float64) if got is not None else None
    if values is not None and values.shape == expected.shape:
        minus_infinity = np.isneginf(values)
        if np.any(minus_infinity):
            overflowed = np.any(expected[minus_infinity] > -700)
            raise CheckFailure(
                f"log_softmax gave -inf where {number(expected[minus_infinity][0])} was expected",
                "exp of a score of 1000 overflows to inf: shift each row first, as softmax does."
                if overflowed
                else "a probability below about 1e-308 underflows to 0 and log(0) is -inf: "
                + LOG_SOFTMAX_HINT,
            )
        if np.any(np.isnan(values)) or np.any(np.isposinf(values)):
            raise CheckFailure(
                "log_softmax gave nan or inf",
                "exp of a score of 1000 overflows: shift each row first, as softmax does.",
            )
        if np.allclose(values, expected / np.log(10), rtol=1e-6, atol=1e-12) and np.any(
            expected != 0
        ):
            raise CheckFailure(
                "log_softmax gave log base 10 of the probabilities",
                "use the natural logarithm (np.log), as cross-entropy does.",
            )
    expect_array(
        "log_softmax(scores)",
        got,
        expected,
        "one log-probability per score, row by row (axis=1, keepdims=True): " + LOG_SOFTMAX_HINT,
    )
    expect_unchanged("the scores passed to log_softmax", given, scores)


__all__ = ["check_crossentropy", "check_log_softmax", "check_loss_predictions"]
