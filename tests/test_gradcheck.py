"""nnlib.gradcheck: relative_error, numerical_gradient, report and layer_gradients."""

import numpy as np
import pytest

from nnlib import Dense, ReLU, Sigmoid
from nnlib.gradcheck import (
    DEFAULT_TARGET,
    layer_gradients,
    numerical_gradient,
    relative_error,
    report,
)
from tests.gradients import away_from_zero


@pytest.mark.parametrize(
    "analytic, numeric, expected",
    [
        ([1.0, 2.0], [1.0, 2.0], 0.0),
        ([0.0, 0.0], [0.0, 0.0], 0.0),
        ([1.0], [-1.0], 1.0),
        ([3.0, 4.0], [0.0, 0.0], 1.0),
        ([3.0, 4.0], [3.0, 4.0 + 1e-4], 1e-4 / (5 + np.hypot(3, 4 + 1e-4))),
        ([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.0]], 1 / (np.sqrt(2) + 1)),
    ],
)
def test_relative_error_known_values(analytic, numeric, expected):
    assert relative_error(analytic, numeric) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_relative_error_is_symmetric_and_scale_free():
    a, b = np.array([1.0, -2.0, 3.0]), np.array([1.1, -2.0, 2.9])
    assert relative_error(a, b) == pytest.approx(relative_error(b, a))
    assert relative_error(1e-8 * a, 1e-8 * b) == pytest.approx(relative_error(a, b))


def test_relative_error_rejects_different_shapes():
    with pytest.raises(
        ValueError, match=r"analytic gradient has shape \(2,\), numeric has shape \(3,\)"
    ):
        relative_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    kept = x.copy()
    gradient = numerical_gradient(lambda: np.sum(x**3) + x[0, 1] * x[1, 0], x)
    expected = 3 * kept**2 + np.array([[0.0, 0.5], [-2.0, 0.0]])
    np.testing.assert_allclose(gradient, expected, rtol=1e-8)
    np.testing.assert_array_equal(x, kept)  # restored element by element


def test_numerical_gradient_step_size():
    x = np.array([2.0])
    # Centred differences of x**3 are exact up to h**2: 3 x**2 + h**2.
    assert numerical_gradient(lambda: x[0] ** 3, x, h=0.1)[0] == pytest.approx(12.01)


@pytest.mark.parametrize("x", [[1.0, 2.0], np.array([1, 2]), 3.0])
def test_numerical_gradient_needs_a_float_array(x):
    with pytest.raises(TypeError, match="x must be a float NumPy array"):
        numerical_gradient(lambda: 0.0, x)


@pytest.mark.parametrize(
    "analytic, numeric, target, verdict",
    [
        ([1.0, 2.0], [1.0, 2.0], DEFAULT_TARGET, "ok"),
        ([1.0], [-1.0], DEFAULT_TARGET, "TOO LARGE"),
        ([1.0, 1.0], [1.0, 1.01], 1e-2, "ok"),
        ([1.0, 1.0], [1.0, 1.01], 1e-3, "TOO LARGE"),
    ],
)
def test_report_prints_the_error_and_the_target(capsys, analytic, numeric, target, verdict):
    error = report("dweights", analytic, numeric, target=target)
    assert error == relative_error(analytic, numeric)
    expected = f"dweights: relative error {error:.1e} (target < {target:.0e}): {verdict}"
    assert capsys.readouterr().out == expected + "\n"


def test_report_default_target_line(capsys):
    report("dinputs", [3.0, 4.0], [0.0, 0.0])
    assert (
        capsys.readouterr().out == "dinputs: relative error 1.0e+00 (target < 1e-06): TOO LARGE\n"
    )


def regularized_dense():
    rng = np.random.default_rng(0)
    layer = Dense(3, 2, 0.1, 0.2, 0.3, 0.4)
    layer.set_parameters(away_from_zero(rng, (3, 2)), away_from_zero(rng, (1, 2)))
    return layer


@pytest.mark.parametrize(
    "make_layer, names",
    [
        (regularized_dense, {"dinputs", "dweights", "dbiases"}),
        (Sigmoid, {"dinputs"}),
    ],
)
def test_layer_gradients_agree_for_correct_layers(make_layer, names):
    inputs = away_from_zero(np.random.default_rng(1), (4, 3))
    checked = layer_gradients(make_layer(), inputs)
    assert set(checked) == names
    for analytic, numeric in checked.values():
        assert relative_error(analytic, numeric) < 1e-7


class WrongReLU(ReLU):
    """ReLU whose backward forgets to zero the negative inputs' gradient."""

    def backward(self, dvalues):
        self.dinputs = np.array(dvalues, copy=True)
        return self.dinputs


def test_layer_gradients_expose_a_wrong_backward():
    inputs = away_from_zero(np.random.default_rng(2), (4, 3))
    analytic, numeric = layer_gradients(WrongReLU(), inputs)["dinputs"]
    assert relative_error(analytic, numeric) > 0.1


def test_layer_gradients_leaves_the_parameters_as_they_were():
    layer = regularized_dense()
    weights, biases = layer.weights.copy(), layer.biases.copy()
    layer_gradients(layer, np.ones((2, 3)))
    np.testing.assert_array_equal(layer.weights, weights)
    np.testing.assert_array_equal(layer.biases, biases)
