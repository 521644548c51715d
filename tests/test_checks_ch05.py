"""Chapter 5's self-checks (nnlib.checks.ch05) on right, unfinished and mistaken code.

Each check passes on nnlib's reference, says "not implemented yet" on the untouched exercise,
and names the known mistake it recognises in its hint.
"""

import numpy as np
import pytest

from nnlib.checks import FAILED, NOT_IMPLEMENTED, PASSED, ch05
from nnlib.optimizers import Adagrad
from tests.test_checks import learner, same_as_nnlib, unfinished


def adagrad_with(cache_update, root=np.sqrt):
    """A learner's AdaGrad whose caches are ``cache_update(cache, gradient)``."""

    def update_params(self, layer):
        if not hasattr(layer, "weight_cache"):
            layer.weight_cache = np.zeros_like(layer.weights)
            layer.bias_cache = np.zeros_like(layer.biases)
        layer.weight_cache = cache_update(layer.weight_cache, layer.dweights)
        layer.bias_cache = cache_update(layer.bias_cache, layer.dbiases)
        rate = self.current_learning_rate
        layer.weights -= rate * layer.dweights / (root(layer.weight_cache) + self.epsilon)
        layer.biases -= rate * layer.dbiases / (root(layer.bias_cache) + self.epsilon)

    return learner(Adagrad, update_params=update_params)


def test_repaired_adagrad_passes_on_nnlib_and_with_decay():
    cls = same_as_nnlib(Adagrad, "update_params")
    assert ch05.check_repaired_adagrad(cls, verbose=False).status == PASSED
    assert ch05.check_repaired_adagrad(
        cls, seeds=(1, 2), steps=10, decay=0.01, verbose=False
    ).passed


def test_repaired_adagrad_untouched():
    cls = learner(Adagrad, update_params=unfinished)
    assert ch05.check_repaired_adagrad(cls, verbose=False).status == NOT_IMPLEMENTED


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (adagrad_with(lambda cache, g: g**2), ch05.OVERWRITTEN_HINT),
        (adagrad_with(lambda cache, g: cache + g), ch05.NOT_SQUARED_HINT),
        (adagrad_with(lambda cache, g: cache + g**2, root=lambda c: c), ch05.NO_SQRT_HINT),
        # epsilon inside the root: rate / sqrt(cache + epsilon)
        (
            adagrad_with(lambda cache, g: cache + g**2, root=lambda c: np.sqrt(c + 1e-7) - 1e-7),
            ch05.EPSILON_HINT,
        ),
    ],
)
def test_repaired_adagrad_names_the_known_mistakes(mistake, hint):
    result = ch05.check_repaired_adagrad(mistake, verbose=False)
    assert result.status == FAILED
    assert result.hint == hint
    assert "expected" in result.problem and "got" in result.problem


def test_predictions_right_and_known_wrong_answers():
    rate, distance = ch05.constant_gradient_run(0.5, 25)
    assert rate == pytest.approx(0.4)
    assert distance == pytest.approx(sum(1 / np.sqrt(k) for k in range(1, 26)), rel=1e-6)
    assert ch05.check_rate_prediction(0.4, verbose=False).passed
    assert ch05.check_distance_prediction(8.64, verbose=False).passed
    assert ch05.check_distance_prediction(9.0, verbose=False).passed  # 2 sqrt(25) - 1, within 5%
    no_root = ch05.check_rate_prediction(0.16, verbose=False)
    assert not no_root.passed and "root" in no_root.hint
    plain_descent = ch05.check_distance_prediction(12.5, verbose=False)
    assert not plain_descent.passed and "plain gradient descent" in plain_descent.hint
    assert "not a number" in ch05.check_rate_prediction(None, verbose=False).problem


class WarmupAdagrad(Adagrad):
    """The exercise's constructor: AdaGrad with a ``warmup`` length."""

    def __init__(self, learning_rate=1.0, decay=0.0, epsilon=1e-7, warmup=10):
        super().__init__(learning_rate, decay, epsilon)
        self.warmup = warmup


def warmup_class(pre_update_params):
    return learner(WarmupAdagrad, pre_update_params=pre_update_params)


def right_warmup(self):
    self.current_learning_rate = ch05.warmup_rate(
        self.learning_rate, self.decay, self.warmup, self.iterations
    )


def typo_warmup(self):
    if self.iterations < self.warmup:
        right_warmup(self)
    else:
        after = self.iterations - self.warmup
        self.current_learning_rate = self.learning_rate * (1.0 / (1.0 / +self.decay * after))


def uncounted_warmup(self):
    if self.iterations < self.warmup:
        right_warmup(self)
    else:
        self.current_learning_rate = self.learning_rate / (1.0 + self.decay * self.iterations)


def frozen_warmup(self):
    self.current_learning_rate = self.learning_rate / self.warmup


def test_warmup_passes_and_names_the_typo_and_the_frozen_rate():
    assert ch05.check_warmup(warmup_class(right_warmup), verbose=False).passed
    typo = ch05.check_warmup(warmup_class(typo_warmup), verbose=False)
    assert typo.status == FAILED and typo.hint == ch05.TYPO_HINT
    assert "ZeroDivisionError" in typo.problem
    uncounted = ch05.check_warmup(warmup_class(uncounted_warmup), verbose=False)
    assert uncounted.status == FAILED and uncounted.hint == ch05.COUNT_HINT
    frozen = ch05.check_warmup(warmup_class(frozen_warmup), verbose=False)
    assert frozen.status == FAILED and frozen.hint == ch05.FROZEN_HINT
    untouched = ch05.check_warmup(warmup_class(unfinished), verbose=False)
    assert untouched.status == NOT_IMPLEMENTED
