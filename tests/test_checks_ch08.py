"""Chapter 8's self-checks (nnlib.checks.ch08) on nnlib's reference and on the known mistakes.

Each check passes on code doing what nnlib does, says "not implemented yet" on an untouched
exercise, and on a known mistake fails with a hint that names it.
"""

import numpy as np
import pytest

from nnlib import Dropout
from nnlib.checks import FAILED, NOT_IMPLEMENTED, PASSED
from nnlib.checks.ch08 import (
    check_dropout_layer,
    check_dropout_predictions,
    check_early_stop,
    check_penalty_gradient,
    early_stop_cases,
    reference_early_stop,
    series_dropout_facts,
)
from nnlib.layers import Dense


def nnlib_penalty_gradient(parameters, l1, l2):
    """nnlib's own penalty gradient: a zero data gradient through its Dense."""
    layer = Dense(*parameters.shape, weight_regularizer_l1=l1, weight_regularizer_l2=l2)
    layer.set_parameters(parameters.copy(), np.zeros((1, parameters.shape[1])))
    layer.forward(np.zeros((1, parameters.shape[0])))
    layer.backward(np.zeros((1, parameters.shape[1])))
    return layer.dweights


def unfinished(*args, **kwargs):
    raise NotImplementedError()


def dropout_class(*, scaled=True, off_at_inference=True, keep_as_rate=False):
    """A learner's Layer_Dropout, right or with one of the known mistakes."""

    class Layer_Dropout:
        def __init__(self, rate):
            self.rate = rate

        def forward(self, inputs, training=True):
            self.inputs = inputs
            if not training and off_at_inference:
                self.output = inputs.copy()
                return self.output
            keep = self.rate if keep_as_rate else 1 - self.rate
            self.binary_mask = np.random.binomial(1, keep, size=inputs.shape)
            if scaled:
                self.binary_mask = self.binary_mask / keep
            self.output = inputs * self.binary_mask
            return self.output

        def backward(self, dvalues):
            self.dinputs = dvalues * self.binary_mask
            return self.dinputs

    return Layer_Dropout


def early_stop_with(*, tie_improves=False, global_best=False, extra_wait=0):
    """A learner's early_stop, right or with one of the known mistakes."""

    def early_stop(val_losses, patience):
        best, waited = 0, 0
        for index in range(1, len(val_losses)):
            improves = (
                val_losses[index] <= val_losses[best]
                if tie_improves
                else (val_losses[index] < val_losses[best])
            )
            if improves:
                best, waited = index, 0
            else:
                waited += 1
                if waited == patience + extra_wait:
                    return (int(np.argmin(val_losses)) if global_best else best), index
        return best, len(val_losses) - 1

    return early_stop


def test_penalty_gradient_passes_on_nnlib():
    assert check_penalty_gradient(nnlib_penalty_gradient, seeds=(0, 1, 2), verbose=False).passed


def test_penalty_gradient_not_implemented():
    assert check_penalty_gradient(unfinished, verbose=False).status == NOT_IMPLEMENTED


def test_penalty_gradient_names_np_sign():
    def with_np_sign(parameters, l1, l2):
        return l1 * np.sign(parameters) + 2 * l2 * parameters

    result = check_penalty_gradient(with_np_sign, verbose=False)
    assert result.status == FAILED
    assert "np.sign" in result.hint and "0" in result.hint


def test_penalty_gradient_names_the_missing_factor():
    def without_two(parameters, l1, l2):
        return l1 * np.where(parameters < 0, -1.0, 1.0) + l2 * parameters

    result = check_penalty_gradient(without_two, verbose=False)
    assert result.status == FAILED
    assert "constant factor" in result.hint


def test_dropout_layer_passes_on_nnlib_and_a_right_class():
    class Layer_Dropout(Dropout):
        """nnlib's Dropout under the learner's name."""

    assert check_dropout_layer(Layer_Dropout, verbose=False).passed
    assert check_dropout_layer(dropout_class(), seed=3, rate=0.5, verbose=False).passed


@pytest.mark.parametrize(
    ("mistake", "named"),
    [
        ({"off_at_inference": False}, "left on at inference"),
        ({"scaled": False}, "scaling is left out"),
        ({"keep_as_rate": True}, "swapped"),
    ],
)
def test_dropout_layer_names_the_mistake(mistake, named):
    result = check_dropout_layer(dropout_class(**mistake), verbose=False)
    assert result.status == FAILED
    assert named in result.hint


def test_dropout_predictions():
    facts = series_dropout_facts()
    assert facts["predicted_kept"] == pytest.approx(0.4)
    assert facts["predicted_largest"] == pytest.approx(2.5)
    assert check_dropout_predictions(facts, verbose=False).status == PASSED
    added = check_dropout_predictions({**facts, "predicted_kept": 0.3}, verbose=False)
    assert added.status == FAILED and "do not simply add up" in added.hint
    missing = check_dropout_predictions({"predicted_kept": 0.4}, verbose=False)
    assert missing.status == FAILED and "expected a number" in missing.problem


def test_early_stop_reference():
    assert reference_early_stop((1.0, 0.8, 0.6, 0.65, 0.62, 0.61, 0.7, 0.5), 3) == (2, 5)
    assert reference_early_stop((0.5,), 3) == (0, 0)
    assert reference_early_stop((0.5, 0.5, 0.5), 1) == (0, 1)


def test_early_stop_passes_on_a_right_function():
    right = early_stop_with()
    assert check_early_stop(right, verbose=False).passed
    assert check_early_stop(right, cases=early_stop_cases(), verbose=False).passed


def test_early_stop_names_the_mistakes():
    ties = check_early_stop(early_stop_with(tie_improves=True), verbose=False)
    assert ties.status == FAILED and "strictly lower" in ties.hint
    after = check_early_stop(early_stop_with(global_best=True), verbose=False)
    assert after.status == FAILED and "after the stop" in after.hint
    late = check_early_stop(early_stop_with(extra_wait=1), verbose=False)
    assert late.status == FAILED and "off by one" in late.hint
    assert check_early_stop(unfinished, verbose=False).status == NOT_IMPLEMENTED
