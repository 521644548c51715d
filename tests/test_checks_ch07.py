"""Chapter 7's self-checks (nnlib.checks.ch07) on right, unfinished and mistaken code.

Each check passes on a right answer, says "not implemented yet" on an untouched exercise,
and on the known mistakes names the mistake in its hint.
"""

import numpy as np
import pytest

from nnlib import Adam
from nnlib.checks import FAILED, NOT_IMPLEMENTED, PASSED
from nnlib.checks.ch07 import (
    MISTAKE_HINTS,
    check_adam_fixed,
    check_adamw,
    check_correction_hurts,
    check_first_step_prediction,
    check_second_step_prediction,
)


class SplitAdam(Adam):
    """Exercise 7.1's given update_params: zeros, update_moments, then the corrected step."""

    def update_params(self, layer):
        if not hasattr(layer, "weight_cache"):
            for name, parameters in (("weight", layer.weights), ("bias", layer.biases)):
                setattr(layer, f"{name}_momentums", np.zeros_like(parameters))
                setattr(layer, f"{name}_cache", np.zeros_like(parameters))
        self.update_moments(layer)
        step = self.iterations + 1
        for parameters, momentums, cache in (
            (layer.weights, layer.weight_momentums, layer.weight_cache),
            (layer.biases, layer.bias_momentums, layer.bias_cache),
        ):
            corrected_momentums = momentums / (1 - self.beta_1**step)
            corrected_cache = cache / (1 - self.beta_2**step)
            parameters -= (
                self.current_learning_rate
                * corrected_momentums
                / (np.sqrt(corrected_cache) + self.epsilon)
            )


def moments(cache_input):
    """An update_moments whose cache averages cache_input(gradient, first moment)**..."""

    def update_moments(self, layer):
        for name, gradient in (("weight", layer.dweights), ("bias", layer.dbiases)):
            momentums = (
                self.beta_1 * getattr(layer, f"{name}_momentums") + (1 - self.beta_1) * gradient
            )
            cache = getattr(layer, f"{name}_cache")
            fed = cache_input(gradient, momentums)
            setattr(layer, f"{name}_momentums", momentums)
            setattr(layer, f"{name}_cache", self.beta_2 * cache + (1 - self.beta_2) * fed)

    return update_moments


def unfinished(*args, **kwargs):
    raise NotImplementedError()


def fixed_adam(update_moments):
    return type("Optimizer_Adam", (SplitAdam,), {"update_moments": update_moments})


def test_fixed_adam_passes_on_the_right_moments():
    right = fixed_adam(moments(lambda gradient, momentums: gradient**2))
    assert check_adam_fixed(right, verbose=False).status == PASSED
    result = check_adam_fixed(
        right, seeds=(1, 2), steps=10, beta_1=0.8, beta_2=0.99, decay=0.01, verbose=False
    )
    assert result.status == PASSED, result.report()


def test_fixed_adam_untouched_is_not_implemented():
    assert check_adam_fixed(fixed_adam(unfinished), verbose=False).status == NOT_IMPLEMENTED


@pytest.mark.parametrize(
    ("cache_input", "named"),
    [
        (lambda gradient, momentums: momentums**2, "updated with the first moment"),
        (lambda gradient, momentums: gradient, "rather than its square"),
    ],
)
def test_fixed_adam_names_the_known_mistakes(cache_input, named):
    result = check_adam_fixed(fixed_adam(moments(cache_input)), verbose=False)
    assert result.status == FAILED
    assert "expected" in result.problem and "got" in result.problem
    assert named in result.hint


def test_fixed_adam_other_mistakes_get_the_general_hint():
    result = check_adam_fixed(
        fixed_adam(moments(lambda gradient, momentums: 2 * gradient**2)), verbose=False
    )
    assert result.status == FAILED
    assert result.hint not in MISTAKE_HINTS.values()
    assert "weight_cache" in result.problem


class AdamWBase(Adam):
    """Exercise 7.3's given constructor."""

    def __init__(self, weight_decay=0.01, **settings):
        super().__init__(**settings)
        self.weight_decay = weight_decay


def adamw(update_params):
    return type("Optimizer_AdamW", (AdamWBase,), {"update_params": update_params})


def adamw_right(self, layer):
    before = layer.weights.copy()
    Adam.update_params(self, layer)
    layer.weights -= self.current_learning_rate * self.weight_decay * before


def adamw_coupled(self, layer):
    layer.dweights = layer.dweights + self.weight_decay * layer.weights
    Adam.update_params(self, layer)


def adamw_biases_decayed(self, layer):
    weights, biases = layer.weights.copy(), layer.biases.copy()
    Adam.update_params(self, layer)
    layer.weights -= self.current_learning_rate * self.weight_decay * weights
    layer.biases -= self.current_learning_rate * self.weight_decay * biases


def adamw_after_step(self, layer):
    Adam.update_params(self, layer)
    layer.weights -= self.current_learning_rate * self.weight_decay * layer.weights


def adamw_starting_rate(self, layer):
    before = layer.weights.copy()
    Adam.update_params(self, layer)
    layer.weights -= self.learning_rate * self.weight_decay * before


def adamw_power_t(self, layer):
    before = layer.weights.copy()
    self.iterations -= 1  # nnlib's Adam then corrects with the power t
    Adam.update_params(self, layer)
    self.iterations += 1
    layer.weights -= self.current_learning_rate * self.weight_decay * before


def test_adamw_passes_on_the_right_update():
    assert check_adamw(adamw(adamw_right), verbose=False).status == PASSED
    result = check_adamw(
        adamw(adamw_right),
        seeds=(1, 2),
        steps=8,
        weight_decay=0.2,
        learning_rate=0.05,
        decay=0.05,
        beta_1=0.85,
        verbose=False,
    )
    assert result.status == PASSED, result.report()


def test_adamw_untouched_is_not_implemented():
    assert check_adamw(adamw(unfinished), verbose=False).status == NOT_IMPLEMENTED


@pytest.mark.parametrize(
    ("update_params", "options", "named"),
    [
        (adamw_coupled, {}, "L2 regularization added to the gradient"),
        (adamw_biases_decayed, {}, "applied to the biases too"),
        (adamw_after_step, {}, "after Adam's step"),
        (adamw_starting_rate, {"decay": 0.1}, "scaled by learning_rate"),
        (adamw_power_t, {}, "the power t = iterations"),
    ],
)
def test_adamw_names_the_known_mistakes(update_params, options, named):
    result = check_adamw(adamw(update_params), verbose=False, **options)
    assert result.status == FAILED, result.report()
    assert "expected" in result.problem and "got" in result.problem
    assert named in result.hint


def test_adamw_starting_rate_passes_without_decay_only():
    assert check_adamw(adamw(adamw_starting_rate), verbose=False).status == PASSED


def test_predictions_pass_within_the_tolerance():
    assert check_first_step_prediction(0.0201, verbose=False).status == PASSED
    assert check_second_step_prediction(0.02 / 19, verbose=False).status == PASSED


@pytest.mark.parametrize(
    ("check", "value", "named"),
    [
        (check_first_step_prediction, 0.8, "plain SGD's step"),
        (check_first_step_prediction, 0.0632, "without the bias correction"),
        (check_second_step_prediction, 0.02, "first moment remember"),
        (check_second_step_prediction, 0.3, "write m and s"),
        (check_second_step_prediction, "0.001", "store a float"),
    ],
)
def test_predictions_fail_without_giving_the_answer(check, value, named):
    result = check(value, verbose=False)
    assert result.status == FAILED
    assert named in result.hint
    assert "0.00105" not in result.problem + result.hint


def test_ablation_passes_on_a_rate_where_the_correction_hurts():
    assert check_correction_hurts(0.02, verbose=False).status == PASSED
    assert check_correction_hurts(0.02, seeds=(8, 9, 10), verbose=False).status == PASSED


@pytest.mark.parametrize(
    ("rate", "named"),
    [
        (0.03, "find a rate on this problem"),
        (0.1, "find a rate on this problem"),
        (0.05, "the correction helps"),
        ("0.02", "store a float"),
        (2.0, "between 0 and 1"),
    ],
)
def test_ablation_refuses_the_chapters_rates_and_wrong_ones(rate, named):
    result = check_correction_hurts(rate, verbose=False)
    assert result.status == FAILED
    assert named in result.hint
