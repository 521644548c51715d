"""Chapter 2's self-checks (nnlib.checks.ch02) on right, unfinished and wrong code.

Each check passes on nnlib's own gradients (in a learner's subclass where the check insists
on the learner's method), says "not implemented yet" on an untouched exercise, and on the
known mistakes fails with a hint naming the mistake.
"""

import numpy as np
import pytest

import nnlib.book as book
from nnlib.checks import FAILED, NOT_IMPLEMENTED, PASSED
from nnlib.checks.ch02 import (
    check_dense_backward,
    check_gradient_error,
    check_mse_backward,
    check_sigmoid_bce_backward,
)
from nnlib.gradcheck import numerical_gradient, relative_error


def learner(base, **methods):
    """A learner's subclass of ``base`` defining ``methods`` (name -> function)."""
    return type(f"My{base.__name__}", (base,), methods)


def unfinished(*args, **kwargs):
    """An exercise's code as the exercise notebook gives it."""
    raise NotImplementedError()


# --- exercise 2.1: the learner's gradient check -------------------------------------------


def gradient_error(loss, analytic, y_pred, y_true):
    numeric = numerical_gradient(lambda: np.mean(loss.forward(y_pred, y_true)), y_pred)
    return relative_error(analytic, numeric)


def gradient_error_of_the_sum(loss, analytic, y_pred, y_true):
    numeric = numerical_gradient(lambda: np.sum(loss.forward(y_pred, y_true)), y_pred)
    return relative_error(analytic, numeric)


def gradient_error_on_a_copy(loss, analytic, y_pred, y_true):
    numeric = numerical_gradient(lambda: np.mean(loss.forward(y_pred, y_true)), y_pred.copy())
    return relative_error(analytic, numeric)


def gradient_error_absolute(loss, analytic, y_pred, y_true):
    numeric = numerical_gradient(lambda: np.mean(loss.forward(y_pred, y_true)), y_pred)
    return np.max(np.abs(analytic - numeric))


@pytest.mark.parametrize("categorical", [False, True])
def test_gradient_check_passes_on_a_right_check(categorical):
    result = check_gradient_error(gradient_error, seeds=(0, 1), categorical=categorical)
    assert result.status == PASSED, result.report()


def test_gradient_check_unfinished():
    assert check_gradient_error(unfinished, verbose=False).status == NOT_IMPLEMENTED


@pytest.mark.parametrize(
    ("function", "named"),
    [
        (gradient_error_of_the_sum, "the 1/N left out"),
        (gradient_error_on_a_copy, "not a copy of it"),
        (gradient_error_absolute, "compare with the analytic gradient by relative error"),
    ],
)
def test_gradient_check_mistakes(function, named):
    result = check_gradient_error(function, verbose=False)
    assert result.status == FAILED
    assert "relative error: expected" in result.problem
    assert named in result.hint


def test_gradient_check_wants_the_function():
    result = check_gradient_error(3, verbose=False)
    assert result.status == FAILED
    assert "pass the function itself" in result.hint


# --- exercise 2.2: the dense layer's backward ----------------------------------------------


def dense_backward(self, dvalues, *, keepdims=True, averaged=False):
    self.dweights = np.dot(self.inputs.T, dvalues) / (len(dvalues) if averaged else 1)
    self.dbiases = np.sum(dvalues, axis=0, keepdims=keepdims)
    self.dinputs = np.dot(dvalues, self.weights.T)
    return self.dinputs


def test_dense_backward_passes_on_nnlib():
    layer = learner(book.Layer_Dense, backward=dense_backward)
    result = check_dense_backward(layer, seeds=(0, 1), shapes=((1, 1, 1), (7, 2, 6)))
    assert result.status == PASSED, result.report()


def test_dense_backward_unfinished():
    layer = learner(book.Layer_Dense, backward=unfinished)
    assert check_dense_backward(layer, verbose=False).status == NOT_IMPLEMENTED


def test_dense_backward_nnlib_own_method_refused():
    result = check_dense_backward(book.Layer_Dense, verbose=False)
    assert result.status == FAILED
    assert "not yours" in result.problem


@pytest.mark.parametrize(
    ("options", "gradient", "named"),
    [
        ({"keepdims": False}, "dbiases", "keepdims left out"),
        ({"averaged": True}, "dweights", "the 1/N belongs to the loss"),
    ],
)
def test_dense_backward_mistakes(options, gradient, named):
    def backward(self, dvalues):
        return dense_backward(self, dvalues, **options)

    result = check_dense_backward(learner(book.Layer_Dense, backward=backward), verbose=False)
    assert result.status == FAILED
    assert result.problem.startswith(gradient)
    assert named in result.hint
    assert "inputs.T" not in result.hint and "keepdims=True" not in result.hint


# --- exercise 2.3: sigmoid with binary cross-entropy ---------------------------------------


class SigmoidBinaryCrossentropy:
    def forward(self, inputs, y_true):
        self.output = 1 / (1 + np.exp(-inputs))
        return book.Loss_BinaryCrossentropy().calculate(self.output, y_true)


def sigmoid_bce(scale=1.0, sign=1.0, over_outputs=True):
    def backward(self, dvalues, y_true):
        samples, outputs = dvalues.shape
        divisor = samples * outputs if over_outputs else samples
        self.dinputs = sign * scale * (dvalues - y_true) / divisor
        return self.dinputs

    return learner(SigmoidBinaryCrossentropy, backward=backward)


def test_sigmoid_bce_passes_on_the_derivative():
    result = check_sigmoid_bce_backward(
        sigmoid_bce(), seeds=(0, 1), shapes=((1, 1), (32, 4)), scale=30.0
    )
    assert result.status == PASSED, result.report()


def test_sigmoid_bce_derivative_agrees_with_nnlib_and_finite_differences():
    rng = np.random.default_rng(0)
    logits, y_true = rng.standard_normal((4, 3)), rng.integers(0, 2, (4, 3)).astype(float)
    combined = sigmoid_bce()()
    combined.forward(logits, y_true)
    combined.backward(combined.output, y_true)
    chained = book.Activation_Sigmoid()
    chained.forward(logits)
    loss = book.Loss_BinaryCrossentropy()
    chained.backward(loss.backward(chained.output, y_true))
    np.testing.assert_allclose(combined.dinputs, chained.dinputs, rtol=1e-9)
    assert gradient_error(combined, combined.dinputs, logits, y_true) < 1e-6


def test_sigmoid_bce_unfinished():
    cls = learner(SigmoidBinaryCrossentropy, backward=unfinished)
    assert check_sigmoid_bce_backward(cls, verbose=False).status == NOT_IMPLEMENTED


@pytest.mark.parametrize(
    ("cls", "named"),
    [
        (sigmoid_bce(sign=-1.0), "wrong sign"),
        (sigmoid_bce(over_outputs=False), "K times too large"),
        (sigmoid_bce(scale=5.0), "N times too large: the 1/N left out"),
    ],
)
def test_sigmoid_bce_mistakes(cls, named):
    result = check_sigmoid_bce_backward(cls, shapes=((5, 3),), verbose=False)
    assert result.status == FAILED
    assert named in result.hint


# --- exercise 2.4: the planted bug in the mean squared error -------------------------------


def mse_backward(self, dvalues, y_true, *, without_mean=False):
    samples, outputs = dvalues.shape
    self.dinputs = -2 * (y_true - dvalues) / outputs
    if not without_mean:
        self.dinputs = self.dinputs / samples
    return self.dinputs


def test_mse_passes_on_the_right_gradient():
    result = check_mse_backward(
        learner(book.Loss_MeanSquaredError, backward=mse_backward), seeds=(0, 1)
    )
    assert result.status == PASSED, result.report()


def test_mse_unfinished():
    cls = learner(book.Loss_MeanSquaredError, backward=unfinished)
    assert check_mse_backward(cls, verbose=False).status == NOT_IMPLEMENTED


def test_mse_planted_bug_named():
    def backward(self, dvalues, y_true):
        return mse_backward(self, dvalues, y_true, without_mean=True)

    result = check_mse_backward(
        learner(book.Loss_MeanSquaredError, backward=backward), verbose=False
    )
    assert result.status == FAILED
    assert "the 1/N left out" in result.hint


def test_planted_bug_relative_error_depends_on_the_batch_size_only():
    """The number question 2.5 asks about: (N - 1) / (N + 1) for a gradient N times too big."""
    rng = np.random.default_rng(3)
    for samples in (2, 8, 50):
        y_pred, y_true = rng.standard_normal((samples, 2)), rng.standard_normal((samples, 2))
        loss = book.Loss_MeanSquaredError()
        wrong = loss.backward(y_pred, y_true) * samples
        error = gradient_error(loss, wrong, y_pred, y_true)
        assert error == pytest.approx((samples - 1) / (samples + 1), rel=1e-6)
