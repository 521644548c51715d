"""Chapter 9's self-checks (nnlib.checks.ch09) on right answers and on the known mistakes.

Each check passes on a right answer, says "not implemented yet" on an untouched exercise, and
on a known mistake fails with a hint that names it. The short-budget checks that train read
Fashion-MNIST from disk, as the exercise notebook does.
"""

import math

import numpy as np
import pytest

from nnlib.checks import FAILED, NOT_IMPLEMENTED, PASSED
from nnlib.checks.ch09 import (
    BOOK_RECIPE,
    CHAPTER_RECIPE,
    COSTLIEST_DROP,
    LAST_RATE,
    check_leave_one_out,
    check_pixel_standardizer,
    check_predictions,
    check_short_settings,
)


def rate_at(t):
    return 0.003 / (1 + 3e-3 * t)


def standardizer(mistake=""):
    """A learner's PixelStandardizer, right or with one known mistake."""

    class PixelStandardizer:
        def fit(self, X_train):
            axis = 1 if mistake == "per image" else 0
            self.mean = X_train.mean(axis=axis, keepdims=mistake == "per image")
            deviation = X_train.std(axis=0)
            self.scale = deviation if mistake == "no floor" else np.maximum(deviation, 0.1)
            return self

        def transform(self, X):
            if mistake == "own statistics":
                return (X - X.mean(axis=0)) / np.maximum(X.std(axis=0), 0.1)
            if mistake == "per image":
                mean = X.mean(axis=1, keepdims=True)
                return (X - mean) / np.maximum(X.std(axis=1, keepdims=True), 0.1)
            if mistake == "in place":
                X -= self.mean
                X /= self.scale
                return X
            if mistake == "unfinished":
                raise NotImplementedError()
            return (X - self.mean) / self.scale

    return PixelStandardizer


def test_predictions_pass_on_the_right_numbers():
    assert check_predictions(-math.log(0.1), LAST_RATE, verbose=False).status == PASSED


@pytest.mark.parametrize(
    ("loss", "rate", "named"),
    [
        (0.1, LAST_RATE, "probability"),
        (1.0, LAST_RATE, "log base 10"),
        (math.log(10), rate_at(32), "t = 0"),
        (math.log(10), rate_at(29), "last, smaller batch"),
        (math.log(10), rate_at(1), "not epochs"),
    ],
)
def test_predictions_name_the_known_mistakes(loss, rate, named):
    result = check_predictions(loss, rate, verbose=False)
    assert result.status == FAILED
    assert named in result.hint


def test_standardizer_passes_on_the_right_class():
    assert check_pixel_standardizer(standardizer(), verbose=False).status == PASSED
    hidden = check_pixel_standardizer(
        standardizer(), seeds=(1, 2), samples=(1, 3, 500), verbose=False
    )
    assert hidden.status == PASSED


@pytest.mark.parametrize(
    ("mistake", "named"),
    [
        ("own statistics", "their own statistics"),
        ("per image", "each image"),
        ("no floor", "floor"),
        ("in place", "changed in place"),
    ],
)
def test_standardizer_names_the_known_mistakes(mistake, named):
    result = check_pixel_standardizer(standardizer(mistake), verbose=False)
    assert result.status == FAILED
    assert named in result.hint + result.problem


def test_standardizer_untouched():
    result = check_pixel_standardizer(standardizer("unfinished"), verbose=False)
    assert result.status == NOT_IMPLEMENTED


def test_short_settings_pass_on_settings_of_ones_own():
    settings = {**CHAPTER_RECIPE, "learning_rate": 0.002, "decay": 0.0}
    result = check_short_settings({**settings, "batch_size": 128, "epochs": 2}, verbose=False)
    assert result.status == PASSED


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({**CHAPTER_RECIPE, "batch_size": 128, "epochs": 2}, "the chapter's recipe"),
        ({**BOOK_RECIPE, "batch_size": 128, "epochs": 2}, "the book's recipe"),
        ({**CHAPTER_RECIPE, "decay": 0.0, "batch_size": 64, "epochs": 2}, "more than 32"),
        ({**CHAPTER_RECIPE, "decay": 0.0, "batch_size": 128}, "no 'epochs'"),
        (
            {**CHAPTER_RECIPE, "he_init": False, "decay": 0.0, "batch_size": 128, "epochs": 2},
            "below",
        ),
    ],
)
def test_short_settings_fail_on_the_wrong_settings(settings, problem):
    result = check_short_settings(settings, verbose=False)
    assert result.status == FAILED
    assert problem in result.problem


def test_leave_one_out_passes_on_the_measured_answer():
    result = check_leave_one_out("he_init", COSTLIEST_DROP + 0.005, verbose=False)
    assert result.status == PASSED


@pytest.mark.parametrize(
    ("change", "drop", "named"),
    [
        ("standardized", 0.031, "the chapter's answer"),
        ("he_init", -COSTLIEST_DROP, "positive"),
        ("He", COSTLIEST_DROP, "by its setting"),
    ],
)
def test_leave_one_out_names_the_known_mistakes(change, drop, named):
    result = check_leave_one_out(change, drop, verbose=False)
    assert result.status == FAILED
    assert named in result.hint
