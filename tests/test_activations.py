"""ReLU, Softmax, Sigmoid and Linear: values by hand, gradients by finite differences."""

import numpy as np
import pytest

from nnlib import Linear, ReLU, Sigmoid, Softmax
from tests.gradients import (
    assert_gradient_close,
    assert_unchanged,
    away_from_zero,
    numerical_gradient,
)

ACTIVATIONS = {"ReLU": ReLU, "Softmax": Softmax, "Sigmoid": Sigmoid, "Linear": Linear}


def forward_values(activation, inputs):
    return activation().forward(np.array(inputs, dtype=np.float64))


@pytest.mark.parametrize(
    "activation, inputs, expected",
    [
        (ReLU, [[-1.0, 0.0, 2.5]], [[0.0, 0.0, 2.5]]),
        (Softmax, [np.log([1.0, 2.0, 3.0])], [[1 / 6, 2 / 6, 3 / 6]]),
        (Softmax, [[0.0, 0.0], [5.0, 5.0]], [[0.5, 0.5], [0.5, 0.5]]),
        (Sigmoid, [[0.0, np.log(3.0), -np.log(3.0)]], [[0.5, 0.75, 0.25]]),
        (Linear, [[-1.5, 0.0, 2.0]], [[-1.5, 0.0, 2.0]]),
    ],
)
def test_forward_by_hand(activation, inputs, expected):
    np.testing.assert_allclose(forward_values(activation, inputs), expected, rtol=1e-12)


def test_softmax_rows_are_distributions():
    inputs = np.random.default_rng(0).standard_normal((20, 5)) * 3
    output = forward_values(Softmax, inputs)
    assert np.all(output > 0)
    np.testing.assert_allclose(output.sum(axis=1), 1.0, rtol=1e-12)


def test_softmax_is_invariant_to_adding_a_constant_per_row():
    inputs = np.random.default_rng(1).standard_normal((4, 3))
    shifts = np.array([[-50.0], [0.5], [7.0], [300.0]])
    np.testing.assert_allclose(
        forward_values(Softmax, inputs + shifts), forward_values(Softmax, inputs), rtol=1e-10
    )


@pytest.mark.parametrize("scale", [1e3, -1e3, 1e300])
def test_softmax_does_not_overflow(scale):
    inputs = np.array([[1.0, 2.0, 3.0]]) * scale
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        output = forward_values(Softmax, inputs)
    assert np.all(np.isfinite(output))
    np.testing.assert_allclose(output.sum(axis=1), 1.0)
    assert output.argmax() == inputs.argmax()


def test_sigmoid_outputs_are_probabilities():
    output = forward_values(Sigmoid, np.linspace(-30, 30, 61).reshape(1, -1))
    assert np.all((output > 0) & (output < 1))
    assert np.all(np.diff(output) > 0)


def test_relu_gradient_by_hand_is_zero_at_and_below_zero():
    relu = ReLU()
    relu.forward(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(relu.backward(np.array([[5.0, 6.0, 7.0]])), [[0.0, 0.0, 7.0]])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(2)
    inputs = away_from_zero(rng, (4, 5))  # ReLU has a kink at 0
    upstream = rng.standard_normal((4, 5))
    activation = ACTIVATIONS[name]()

    def objective(x):
        return np.sum(activation.forward(x) * upstream)

    activation.forward(inputs)
    dinputs = activation.backward(upstream)
    np.testing.assert_array_equal(dinputs, activation.dinputs)
    assert_gradient_close(dinputs.copy(), numerical_gradient(objective, inputs))


def softmax_backward_by_jacobian(output, dvalues):
    """The per-sample loop of the book's first Softmax backward."""
    dinputs = np.empty_like(dvalues)
    for index, (row, row_dvalues) in enumerate(zip(output, dvalues, strict=True)):
        row = row.reshape(-1, 1)
        jacobian = np.diagflat(row) - row @ row.T
        dinputs[index] = jacobian @ row_dvalues
    return dinputs


def test_softmax_backward_equals_the_jacobian_loop():
    rng = np.random.default_rng(3)
    softmax = Softmax()
    output = softmax.forward(rng.standard_normal((6, 4)))
    dvalues = rng.standard_normal((6, 4))
    np.testing.assert_allclose(
        softmax.backward(dvalues), softmax_backward_by_jacobian(output, dvalues), atol=1e-15
    )


@pytest.mark.parametrize(
    "activation, outputs, expected",
    [
        (Softmax, [[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]], [1, 0]),
        (Sigmoid, [[0.2, 0.5, 0.9]], [[0, 0, 1]]),
        (ReLU, [[0.0, 2.0]], [[0.0, 2.0]]),
        (Linear, [[-1.0, 2.0]], [[-1.0, 2.0]]),
    ],
)
def test_predictions(activation, outputs, expected):
    np.testing.assert_array_equal(activation().predictions(np.array(outputs)), expected)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_arguments_and_earlier_results_are_left_alone(name):
    rng = np.random.default_rng(4)
    inputs, dvalues = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    arguments = (inputs.copy(), dvalues.copy())
    activation = ACTIVATIONS[name]()
    output = activation.forward(inputs)
    dinputs = activation.backward(dvalues)
    results = (output.copy(), dinputs.copy())
    activation.forward(inputs * 2 + 1)
    activation.backward(dvalues - 1)
    assert_unchanged((inputs, dvalues, output, dinputs), (*arguments, *results))
