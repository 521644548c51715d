"""Optimizers over several steps, against the plain book-style reference
(``reference/book_style.py``), with decay and every hyper-parameter moved off its default.

Two Dense layers of different shapes are updated for five steps with changing gradients;
after every step their parameters and optimizer state must equal the reference's, bit for bit.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from nnlib import SGD, Adagrad, Adam, Dense, RMSprop
from reference import book_style
from tests.gradients import assert_unchanged

STEPS = 5
SHAPES = {"weights": [(3, 2), (2, 4)], "biases": [(1, 2), (1, 4)]}
MOMENTUMS = ("weight_momentums", "bias_momentums")
CACHE = ("weight_cache", "bias_cache")

# name: (nnlib's class, the reference's, learning_rate, decay, other hyper-parameters, state)
CASES = {
    "sgd": (SGD, book_style.Optimizer_SGD, 0.5, 0.0, {}, ()),
    "sgd_decay": (SGD, book_style.Optimizer_SGD, 0.5, 0.1, {}, ()),
    "sgd_momentum": (SGD, book_style.Optimizer_SGD, 0.5, 0.0, {"momentum": 0.8}, MOMENTUMS),
    "sgd_momentum_decay": (
        SGD,
        book_style.Optimizer_SGD,
        0.5,
        0.1,
        {"momentum": 0.8},
        MOMENTUMS,
    ),
    "adagrad": (Adagrad, book_style.Optimizer_Adagrad, 0.3, 0.0, {}, CACHE),
    "adagrad_decay": (Adagrad, book_style.Optimizer_Adagrad, 0.3, 0.2, {"epsilon": 1e-5}, CACHE),
    "rmsprop": (RMSprop, book_style.Optimizer_RMSprop, 0.02, 0.0, {}, CACHE),
    "rmsprop_decay": (RMSprop, book_style.Optimizer_RMSprop, 0.02, 0.1, {"rho": 0.7}, CACHE),
    "adam": (Adam, book_style.Optimizer_Adam, 0.02, 0.0, {}, MOMENTUMS + CACHE),
    "adam_decay": (
        Adam,
        book_style.Optimizer_Adam,
        0.02,
        0.1,
        {"beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-6},
        MOMENTUMS + CACHE,
    ),
}


def make_layers(rng):
    layers = []
    for weight_shape, bias_shape in zip(SHAPES["weights"], SHAPES["biases"], strict=True):
        layer = Dense(*weight_shape)
        layer.set_parameters(rng.standard_normal(weight_shape), rng.standard_normal(bias_shape))
        layers.append(layer)
    return layers


def gradient_sequence(rng):
    """STEPS steps of {(layer index, "weights" or "biases"): gradient}."""
    return [
        {
            (index, kind): rng.standard_normal(shape) * (step + 1)
            for kind, shapes in SHAPES.items()
            for index, shape in enumerate(shapes)
        }
        for step in range(STEPS)
    ]


def optimizer_step(optimizer, layers, gradients):
    for index, layer in enumerate(layers):
        layer.dweights = gradients[index, "weights"]
        layer.dbiases = gradients[index, "biases"]
    optimizer.pre_update_params()
    for layer in layers:
        optimizer.update_params(layer)
    optimizer.post_update_params()


@pytest.mark.parametrize("name", CASES)
def test_steps_match_the_reference_bit_for_bit(name):
    ours, theirs, learning_rate, decay, hyper, state_names = CASES[name]
    rng = np.random.default_rng(0)
    layers = make_layers(rng)
    references = [
        SimpleNamespace(weights=layer.weights.copy(), biases=layer.biases.copy())
        for layer in layers
    ]
    optimizer = ours(learning_rate=learning_rate, decay=decay, **hyper)
    reference = theirs(learning_rate=learning_rate, decay=decay, **hyper)
    for t, gradients in enumerate(gradient_sequence(rng)):
        optimizer_step(optimizer, layers, gradients)
        optimizer_step(reference, references, gradients)
        assert optimizer.iterations == reference.iterations == t + 1
        assert optimizer.current_learning_rate == reference.current_learning_rate
        for layer, expected in zip(layers, references, strict=True):
            for attribute in ("weights", "biases", *state_names):
                ours_value, theirs_value = getattr(layer, attribute), getattr(expected, attribute)
                assert ours_value.dtype == theirs_value.dtype
                assert ours_value.tobytes() == theirs_value.tobytes(), (attribute, t)


@pytest.mark.parametrize("name", CASES)
def test_learning_rate_starts_undecayed(name):
    optimizer_class, _, learning_rate, decay, hyper, _ = CASES[name]
    optimizer = optimizer_class(learning_rate=learning_rate, decay=decay, **hyper)
    assert optimizer.iterations == 0
    assert optimizer.current_learning_rate == learning_rate
    optimizer.pre_update_params()
    assert optimizer.current_learning_rate == learning_rate


def test_update_uses_the_gradients_of_the_layer_it_is_given():
    rng = np.random.default_rng(1)
    first, second = make_layers(rng)
    untouched = second.weights.copy(), second.biases.copy()
    first.dweights, first.dbiases = np.ones((3, 2)), np.ones((1, 2))
    before = first.weights.copy()
    optimizer = SGD(learning_rate=0.1)
    optimizer.update_params(first)
    np.testing.assert_allclose(first.weights, before - 0.1)
    np.testing.assert_array_equal(second.weights, untouched[0])
    np.testing.assert_array_equal(second.biases, untouched[1])


@pytest.mark.parametrize("name", CASES)
def test_gradients_are_left_alone(name):
    optimizer_class, _, learning_rate, decay, hyper, _ = CASES[name]
    rng = np.random.default_rng(2)
    layers = make_layers(rng)
    optimizer = optimizer_class(learning_rate=learning_rate, decay=decay, **hyper)
    for gradients in gradient_sequence(rng)[:2]:
        kept = {key: value.copy() for key, value in gradients.items()}
        optimizer_step(optimizer, layers, gradients)
        assert_unchanged(list(gradients.values()), list(kept.values()))


@pytest.mark.parametrize("make", [SGD, Adagrad, RMSprop, Adam])
def test_numpy_scalar_hyperparameters_act_as_python_floats(make):
    """np.float64(0.01) * float32 array is float64 in NumPy 2: the optimizers take the value."""
    rng = np.random.default_rng(7)
    layers = []
    for learning_rate in (0.01, np.float64(0.01)):
        layer = Dense(3, 4, dtype=np.float32)
        layer.set_parameters(
            rng.standard_normal((3, 4)).astype(np.float32), np.zeros((1, 4), np.float32)
        )
        layer.weights = np.ones((3, 4), np.float32)
        layer.dweights = np.full((3, 4), 0.5, np.float32)
        layer.dbiases = np.full((1, 4), -0.5, np.float32)
        optimizer = make(learning_rate=learning_rate, decay=np.float64(1e-3))
        assert type(optimizer.learning_rate) is float and type(optimizer.decay) is float
        for _ in range(3):
            optimizer.pre_update_params()
            optimizer.update_params(layer)
            optimizer.post_update_params()
        layers.append(layer)
    python_floats, numpy_scalars = layers
    for name in ("weights", "biases"):
        ours = getattr(numpy_scalars, name)
        assert ours.dtype == np.float32
        assert ours.tobytes() == getattr(python_floats, name).tobytes()
