"""Chapter 6's self-checks (nnlib.checks.ch06) on right, unfinished and mistaken code.

Each check passes on nnlib's reference (or the grader's reference for RMSprop with momentum),
says "not implemented yet" on the untouched exercise, and names the known mistake it
recognises in its hint.
"""

import numpy as np
import pytest

from nnlib.checks import FAILED, NOT_IMPLEMENTED, ch06
from nnlib.optimizers import RMSprop
from tests.test_checks import learner, same_as_nnlib, unfinished


def rmsprop_with(cache_update):
    """A learner's RMSprop whose caches are ``cache_update(rho, cache, gradient)``."""

    def update_params(self, layer):
        if not hasattr(layer, "weight_cache"):
            layer.weight_cache = np.zeros_like(layer.weights)
            layer.bias_cache = np.zeros_like(layer.biases)
        layer.weight_cache = cache_update(self.rho, layer.weight_cache, layer.dweights)
        layer.bias_cache = cache_update(self.rho, layer.bias_cache, layer.dbiases)
        rate = self.current_learning_rate
        layer.weights -= rate * layer.dweights / (np.sqrt(layer.weight_cache) + self.epsilon)
        layer.biases -= rate * layer.dbiases / (np.sqrt(layer.bias_cache) + self.epsilon)

    return learner(RMSprop, update_params=update_params)


def test_repaired_rmsprop_passes_on_nnlib_and_untouched():
    cls = same_as_nnlib(RMSprop, "update_params")
    assert ch06.check_repaired_rmsprop(cls, verbose=False).passed
    assert ch06.check_repaired_rmsprop(
        cls, seeds=(1, 2), steps=10, rho=0.99, decay=0.01, verbose=False
    ).passed
    untouched = learner(RMSprop, update_params=unfinished)
    assert ch06.check_repaired_rmsprop(untouched, verbose=False).status == NOT_IMPLEMENTED


@pytest.mark.parametrize(
    ("cache_update", "mistake"),
    [
        (lambda rho, c, g: rho * c + g**2, "without (1 - rho)"),
        (lambda rho, c, g: (1 - rho) * c + rho * g**2, "swapped"),
        (lambda rho, c, g: (1 - rho) * g**2, "overwritten"),
        (lambda rho, c, g: c + (1 - rho) * g**2, "summed"),
        (lambda rho, c, g: c + g**2, "without (1 - rho)"),
    ],
)
def test_repaired_rmsprop_names_the_known_mistakes(cache_update, mistake):
    result = ch06.check_repaired_rmsprop(rmsprop_with(cache_update), verbose=False)
    assert result.status == FAILED
    assert result.hint == ch06.CACHE_MISTAKES[mistake]
    assert "expected" in result.problem and "got" in result.problem


def test_predictions_right_and_known_wrong_answers():
    assert ch06.check_first_step_prediction(0.001 / np.sqrt(0.1), verbose=False).passed
    assert ch06.check_jump_prediction(0.01 / np.sqrt(10.9), verbose=False).passed
    as_adagrad = ch06.check_first_step_prediction(0.001, verbose=False)
    assert as_adagrad.status == FAILED and "cache starts at 0" in as_adagrad.hint
    cache_after = ch06.check_jump_prediction(0.01, verbose=False)
    assert cache_after.status == FAILED and "before the step" in cache_after.hint
    assert "not a number" in ch06.check_jump_prediction(None, verbose=False).problem


class MomentumBase(RMSprop):
    """The exercise's constructor: RMSprop with a ``momentum``."""

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, rho=0.9, momentum=0.9):
        super().__init__(learning_rate, decay, epsilon, rho)
        self.momentum = momentum


def momentum_with(velocity_source):
    """RMSprop with momentum whose velocity starts from ``velocity_source(layer, name)``."""

    def update_params(self, layer):
        if not hasattr(layer, "weight_cache"):
            for name in ("weight_cache", "weight_momentums"):
                setattr(layer, name, np.zeros_like(layer.weights))
            for name in ("bias_cache", "bias_momentums"):
                setattr(layer, name, np.zeros_like(layer.biases))
        for name, gradient, parameter in (
            ("weight", "dweights", "weights"),
            ("bias", "dbiases", "biases"),
        ):
            g = getattr(layer, gradient)
            cache = self.rho * getattr(layer, f"{name}_cache") + (1 - self.rho) * g**2
            velocity = self.momentum * velocity_source(layer, name) - (
                self.current_learning_rate * g / (np.sqrt(cache) + self.epsilon)
            )
            setattr(layer, f"{name}_cache", cache)
            setattr(layer, f"{name}_momentums", velocity)
            setattr(layer, parameter, getattr(layer, parameter) + velocity)

    return learner(MomentumBase, update_params=update_params)


def test_rmsprop_momentum_passes_and_names_the_velocity_from_the_weights():
    right = momentum_with(lambda layer, name: getattr(layer, f"{name}_momentums"))
    assert ch06.check_rmsprop_momentum(right, verbose=False).passed
    assert ch06.check_rmsprop_momentum(right, momentum=0.0, seeds=(4,), verbose=False).passed
    parameters = {"weight": "weights", "bias": "biases"}
    from_weights = momentum_with(lambda layer, name: getattr(layer, parameters[name]))
    result = ch06.check_rmsprop_momentum(from_weights, verbose=False)
    assert result.status == FAILED and result.hint == ch06.FROM_WEIGHTS_HINT
    untouched = learner(MomentumBase, update_params=unfinished)
    assert ch06.check_rmsprop_momentum(untouched, verbose=False).status == NOT_IMPLEMENTED
