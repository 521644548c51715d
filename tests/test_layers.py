"""Dense, Dropout and Input: forward values by hand, gradients by finite differences."""

import numpy as np
import pytest

from nnlib import Dense, Dropout, Input
from tests.gradients import (
    assert_gradient_close,
    assert_unchanged,
    away_from_zero,
    numerical_gradient,
    numerical_gradient_of_attribute,
)

INPUTS = np.array([[1.0, 2.0], [3.0, -1.0]])
WEIGHTS = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
BIASES = np.array([[0.1, 0.2, 0.3]])

REGULARIZERS = {
    "none": {},
    "weight_l1": {"weight_regularizer_l1": 0.3},
    "weight_l2": {"weight_regularizer_l2": 0.2},
    "bias_l1": {"bias_regularizer_l1": 0.4},
    "bias_l2": {"bias_regularizer_l2": 0.5},
    "all_four": {
        "weight_regularizer_l1": 0.3,
        "weight_regularizer_l2": 0.2,
        "bias_regularizer_l1": 0.4,
        "bias_regularizer_l2": 0.5,
    },
}
PARAMETER_OF = {"dweights": "weights", "dbiases": "biases"}


def hand_dense():
    layer = Dense(2, 3)
    layer.set_parameters(WEIGHTS.copy(), BIASES.copy())
    return layer


def penalty(layer, regularizers):
    """The L1/L2 penalty written out independently of nnlib."""
    total = 0.0
    for name, parameters in (("weight", layer.weights), ("bias", layer.biases)):
        total += regularizers.get(f"{name}_regularizer_l1", 0) * np.sum(np.abs(parameters))
        total += regularizers.get(f"{name}_regularizer_l2", 0) * np.sum(parameters**2)
    return total


def test_dense_forward_by_hand():
    layer = hand_dense()
    output = layer.forward(INPUTS)
    expected = np.array([[2.1, 4.2, 1.3], [2.6, -1.8, -3.7]])
    np.testing.assert_allclose(output, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(layer.output, output)
    np.testing.assert_array_equal(layer.inputs, INPUTS)


def test_dense_backward_by_hand():
    layer = hand_dense()
    layer.forward(INPUTS)
    dinputs = layer.backward(np.ones((2, 3)))
    np.testing.assert_allclose(layer.dweights, [[4.0, 4.0, 4.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(layer.dbiases, [[2.0, 2.0, 2.0]])
    np.testing.assert_allclose(layer.dinputs, [[0.0, 3.5], [0.0, 3.5]], atol=1e-12)
    np.testing.assert_array_equal(dinputs, layer.dinputs)


def test_dense_initialisation_follows_the_book():
    np.random.seed(0)
    layer = Dense(100, 200)
    assert layer.weights.shape == (100, 200)
    assert layer.weights.dtype == np.float64
    assert 0.0095 < layer.weights.std() < 0.0105
    assert abs(layer.weights.mean()) < 0.0005
    np.testing.assert_array_equal(layer.biases, np.zeros((1, 200)))


def test_dense_dtype_option_casts_the_parameters():
    layer = Dense(3, 2, dtype=np.float32)
    assert layer.weights.dtype == np.float32
    assert layer.biases.dtype == np.float32
    assert layer.forward(np.ones((4, 3), dtype=np.float32)).dtype == np.float32


def test_dense_get_parameters_returns_what_was_set():
    layer = hand_dense()
    weights, biases = layer.get_parameters()
    np.testing.assert_array_equal(weights, WEIGHTS)
    np.testing.assert_array_equal(biases, BIASES)


@pytest.mark.parametrize("regularizers", REGULARIZERS.values(), ids=REGULARIZERS.keys())
@pytest.mark.parametrize("gradient", ["dinputs", "dweights", "dbiases"])
def test_dense_gradients_match_finite_differences(regularizers, gradient):
    rng = np.random.default_rng(1)
    layer = Dense(4, 3, **regularizers)
    # Parameters well away from 0, where the L1 penalty has its kink.
    layer.set_parameters(away_from_zero(rng, (4, 3)), away_from_zero(rng, (1, 3)))
    inputs = rng.standard_normal((5, 4))
    upstream = rng.standard_normal((5, 3))

    def objective(x=inputs):
        return np.sum(layer.forward(x) * upstream) + penalty(layer, regularizers)

    layer.forward(inputs)
    layer.backward(upstream)
    analytic = getattr(layer, gradient).copy()
    if gradient == "dinputs":
        numeric = numerical_gradient(objective, inputs)
    else:
        numeric = numerical_gradient_of_attribute(objective, layer, PARAMETER_OF[gradient])
    assert_gradient_close(analytic, numeric)


def test_dense_regularization_adds_to_the_parameter_gradients_only():
    rng = np.random.default_rng(2)
    plain, regularized = Dense(3, 2), Dense(3, 2, 0.1, 0.2, 0.3, 0.4)
    weights, biases = away_from_zero(rng, (3, 2)), away_from_zero(rng, (1, 2))
    inputs, upstream = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    for layer in (plain, regularized):
        layer.set_parameters(weights.copy(), biases.copy())
        layer.forward(inputs)
        layer.backward(upstream)
    np.testing.assert_allclose(regularized.dinputs, plain.dinputs)
    np.testing.assert_allclose(
        regularized.dweights - plain.dweights, 0.1 * np.sign(weights) + 2 * 0.2 * weights
    )
    np.testing.assert_allclose(
        regularized.dbiases - plain.dbiases, 0.3 * np.sign(biases) + 2 * 0.4 * biases
    )


def seeded_forward(layer, inputs, seed=7, training=True):
    np.random.seed(seed)
    return layer.forward(inputs, training=training)


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_dropout_gradient_with_a_fixed_mask(rate):
    rng = np.random.default_rng(3)
    inputs = rng.standard_normal((6, 5))
    upstream = rng.standard_normal((6, 5))
    layer = Dropout(rate)

    def objective(x):
        return np.sum(seeded_forward(layer, x) * upstream)

    output = seeded_forward(layer, inputs)
    assert np.any(output == 0), "the seed should drop at least one value"
    layer.backward(upstream)
    assert_gradient_close(layer.dinputs.copy(), numerical_gradient(objective, inputs))


def test_dropout_keeps_values_scaled_and_drops_the_rate():
    rate = 0.3
    inputs = np.ones((200, 500))
    output = seeded_forward(Dropout(rate), inputs, seed=1)
    kept = output != 0
    np.testing.assert_allclose(output[kept], 1 / (1 - rate))
    assert abs((1 - kept.mean()) - rate) < 0.01
    assert abs(output.mean() - 1) < 0.02


def test_dropout_backward_zeroes_the_dropped_values():
    layer = Dropout(0.5)
    output = seeded_forward(layer, np.ones((4, 6)))
    dinputs = layer.backward(np.full((4, 6), 3.0))
    np.testing.assert_allclose(dinputs, 3.0 * output)


def test_dropout_is_the_identity_when_not_training():
    inputs = np.arange(12.0).reshape(3, 4)
    layer = Dropout(0.5)
    np.testing.assert_array_equal(layer.forward(inputs, training=False), inputs)
    dvalues = np.arange(12.0).reshape(3, 4) - 5
    np.testing.assert_array_equal(layer.backward(dvalues), dvalues)


def test_dropout_rate_zero_keeps_everything():
    inputs = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(seeded_forward(Dropout(0.0), inputs), inputs)


def test_input_passes_the_data_on():
    inputs = np.arange(6.0).reshape(3, 2)
    layer = Input()
    np.testing.assert_array_equal(layer.forward(inputs), inputs)
    np.testing.assert_array_equal(layer.output, inputs)


LAYERS = {"Dense": (hand_dense, (2, 3)), "Dropout": (lambda: Dropout(0.5), (2, 2))}


@pytest.mark.parametrize("make_layer, output_shape", LAYERS.values(), ids=LAYERS.keys())
def test_layers_leave_arguments_and_earlier_results_alone(make_layer, output_shape):
    layer = make_layer()
    inputs = INPUTS.copy()
    dvalues = np.arange(float(np.prod(output_shape))).reshape(output_shape) - 2
    arguments = (inputs.copy(), dvalues.copy())
    output = seeded_forward(layer, inputs)
    dinputs = layer.backward(dvalues)
    results = (output.copy(), dinputs.copy())
    seeded_forward(layer, inputs + 1, seed=8)
    layer.backward(dvalues * 2)
    assert_unchanged((inputs, dvalues, output, dinputs), (*arguments, *results))
