"""Chapter 1's own self-checks (nnlib.checks.ch01) on right, unfinished and wrong code.

Each check passes on nnlib's reference, says "not implemented yet" on an untouched exercise,
and names the known mistake behind a wrong answer in its hint.
"""

import math

import numpy as np
import pytest

from nnlib.checks import FAILED, NOT_IMPLEMENTED, PASSED
from nnlib.checks.ch01 import check_crossentropy, check_log_softmax, check_loss_predictions
from nnlib.losses import CategoricalCrossentropy


class ReferenceLoss:
    """nnlib's cross-entropy under the book's method names, as a learner's class."""

    def forward(self, y_pred, y_true):
        return CategoricalCrossentropy().forward(y_pred, y_true)

    def calculate(self, output, y):
        return np.mean(self.forward(output, y))


class SummedLoss(ReferenceLoss):
    """The planted bug: the 1/N left out."""

    def calculate(self, output, y):
        return np.sum(self.forward(output, y))


class UnclippedLoss(ReferenceLoss):
    def forward(self, y_pred, y_true):
        if y_true.ndim == 2:
            y_true = np.argmax(y_true, axis=1)
        return -np.log(y_pred[np.arange(len(y_pred)), y_true])


class EveryRowEveryLabelLoss(ReferenceLoss):
    def forward(self, y_pred, y_true):
        return -np.log(np.clip(y_pred, 1e-7, 1 - 1e-7)[:, y_true])


class InPlaceClipLoss(ReferenceLoss):
    def forward(self, y_pred, y_true):
        np.clip(y_pred, 1e-7, 1 - 1e-7, out=y_pred)
        return CategoricalCrossentropy().forward(y_pred, y_true)


class UnfinishedLoss:
    def forward(self, y_pred, y_true):
        raise NotImplementedError()

    def calculate(self, output, y):
        raise NotImplementedError()


def reference_log_softmax(scores):
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def log_of_softmax(scores):
    exp_values = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    return np.log(exp_values / np.sum(exp_values, axis=1, keepdims=True))


def log_softmax_without_shift(scores):
    return scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))


def log10_softmax(scores):
    return reference_log_softmax(scores) / np.log(10)


def unfinished_log_softmax(scores):
    raise NotImplementedError()


def test_predictions_pass_within_their_tolerances():
    result = check_loss_predictions(math.log(10) + 0.04, -math.log(1e-7) - 0.09, verbose=False)
    assert result.status == PASSED, result.report()


@pytest.mark.parametrize(
    ("untrained", "hint"),
    [
        (1.0986, "3 classes"),
        (1.0, "natural logarithm"),
        (0.1, "that is a probability"),
        (2302.6, "the 1/N left out"),
        (0.5, "spreads the probability evenly"),
    ],
)
def test_a_wrong_untrained_prediction_names_its_mistake_but_not_the_value(untrained, hint):
    result = check_loss_predictions(untrained, verbose=False)
    assert result.status == FAILED
    assert hint in result.hint
    assert "2.30" not in result.problem + result.hint


@pytest.mark.parametrize(
    ("worst", "hint"),
    [(7.0, "natural logarithm"), (math.inf, "clips"), (10.0, "np.clip")],
)
def test_a_wrong_worst_case_prediction_points_at_the_clipping(worst, hint):
    result = check_loss_predictions(predicted_worst_loss=worst, verbose=False)
    assert result.status == FAILED
    assert hint in result.hint
    assert "16.1" not in result.problem + result.hint


def test_a_prediction_must_be_a_number():
    result = check_loss_predictions("2.3", verbose=False)
    assert result.status == FAILED and "single number" in result.problem


def test_crossentropy_passes_on_the_reference():
    for options in ({}, {"seeds": (1, 2, 3), "samples": 50, "classes": 10}, {"samples": 2}):
        result = check_crossentropy(ReferenceLoss, verbose=False, **options)
        assert result.status == PASSED, result.report()


@pytest.mark.parametrize(
    ("loss_class", "problem", "hint"),
    [
        (SummedLoss, "calculate: expected", "the 1/N is left out"),
        (UnclippedLoss, "got inf", "clip the probabilities first"),
        (EveryRowEveryLabelLoss, "shape (5, 5)", "pair row i with label i"),
        (InPlaceClipLoss, "changed in place", "np.clip returns a new array"),
    ],
)
def test_crossentropy_names_the_known_mistakes(loss_class, problem, hint):
    result = check_crossentropy(loss_class, verbose=False)
    assert result.status == FAILED
    assert problem in result.problem and hint in result.hint


def test_crossentropy_untouched():
    assert check_crossentropy(UnfinishedLoss, verbose=False).status == NOT_IMPLEMENTED


def test_log_softmax_passes_on_the_reference():
    for options in ({}, {"seeds": (1, 2, 3), "shape": (6, 10)}, {"shape": (5, 1)}):
        result = check_log_softmax(reference_log_softmax, verbose=False, **options)
        assert result.status == PASSED, result.report()


@pytest.mark.parametrize(
    ("function", "problem", "hint"),
    [
        (log_of_softmax, "-inf where -1005.01 was expected", "underflows to 0"),
        (log_softmax_without_shift, "-inf where", "overflows"),
        (log10_softmax, "log base 10", "natural logarithm"),
    ],
)
def test_log_softmax_names_the_known_mistakes(function, problem, hint):
    result = check_log_softmax(function, verbose=False)
    assert result.status == FAILED
    assert problem in result.problem and hint in result.hint


def test_log_softmax_untouched():
    assert check_log_softmax(unfinished_log_softmax, verbose=False).status == NOT_IMPLEMENTED


def test_a_prediction_left_as_none_is_not_stored_yet():
    result = check_loss_predictions(None, 16.1, verbose=False)
    assert result.status == FAILED and "no prediction stored yet" in result.problem
