"""Optimizers over several steps against their update rules written out here in NumPy.

Two Dense layers of different shapes are updated for five steps with changing gradients;
after every step their parameters and optimizer state must equal the reference's.
"""

import numpy as np
import pytest

from nnlib import SGD, Adagrad, Adam, Dense, RMSprop
from tests.gradients import assert_unchanged

STEPS = 5
SHAPES = {"weights": [(3, 2), (2, 4)], "biases": [(1, 2), (1, 4)]}
STATE_OF = {"weights": "weight", "biases": "bias"}


def sgd_rule(state, p, g, lr, t, momentum=0.0):
    if not momentum:
        return p - lr * g
    state["momentums"] = momentum * state.get("momentums", 0.0) - lr * g
    return p + state["momentums"]


def adagrad_rule(state, p, g, lr, t, epsilon=1e-7):
    state["cache"] = state.get("cache", 0.0) + g**2
    return p - lr * g / (np.sqrt(state["cache"]) + epsilon)


def rmsprop_rule(state, p, g, lr, t, epsilon=1e-7, rho=0.9):
    state["cache"] = rho * state.get("cache", 0.0) + (1 - rho) * g**2
    return p - lr * g / (np.sqrt(state["cache"]) + epsilon)


def adam_rule(state, p, g, lr, t, epsilon=1e-7, beta_1=0.9, beta_2=0.999):
    state["momentums"] = beta_1 * state.get("momentums", 0.0) + (1 - beta_1) * g
    state["cache"] = beta_2 * state.get("cache", 0.0) + (1 - beta_2) * g**2
    momentums_hat = state["momentums"] / (1 - beta_1 ** (t + 1))
    cache_hat = state["cache"] / (1 - beta_2 ** (t + 1))
    return p - lr * momentums_hat / (np.sqrt(cache_hat) + epsilon)


# name: (optimizer class, rule, learning_rate, decay, other hyper-parameters, state names)
CASES = {
    "sgd": (SGD, sgd_rule, 0.5, 0.0, {}, ()),
    "sgd_decay": (SGD, sgd_rule, 0.5, 0.1, {}, ()),
    "sgd_momentum": (SGD, sgd_rule, 0.5, 0.0, {"momentum": 0.8}, ("momentums",)),
    "sgd_momentum_decay": (SGD, sgd_rule, 0.5, 0.1, {"momentum": 0.8}, ("momentums",)),
    "adagrad": (Adagrad, adagrad_rule, 0.3, 0.0, {}, ("cache",)),
    "adagrad_decay": (Adagrad, adagrad_rule, 0.3, 0.2, {"epsilon": 1e-5}, ("cache",)),
    "rmsprop": (RMSprop, rmsprop_rule, 0.02, 0.0, {}, ("cache",)),
    "rmsprop_decay": (RMSprop, rmsprop_rule, 0.02, 0.1, {"rho": 0.7}, ("cache",)),
    "adam": (Adam, adam_rule, 0.02, 0.0, {}, ("momentums", "cache")),
    "adam_decay": (
        Adam,
        adam_rule,
        0.02,
        0.1,
        {"beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-6},
        ("momentums", "cache"),
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
def test_steps_follow_the_update_rule(name):
    optimizer_class, rule, learning_rate, decay, hyper, state_names = CASES[name]
    rng = np.random.default_rng(0)
    layers = make_layers(rng)
    reference = {
        (index, kind): getattr(layer, kind).copy()
        for index, layer in enumerate(layers)
        for kind in SHAPES
    }
    states = {key: {} for key in reference}
    optimizer = optimizer_class(learning_rate=learning_rate, decay=decay, **hyper)

    for t, gradients in enumerate(gradient_sequence(rng)):
        current_learning_rate = learning_rate / (1 + decay * t)
        for key, parameters in reference.items():
            reference[key] = rule(
                states[key], parameters, gradients[key], current_learning_rate, t, **hyper
            )
        optimizer_step(optimizer, layers, gradients)

        assert optimizer.iterations == t + 1
        assert optimizer.current_learning_rate == pytest.approx(current_learning_rate, rel=1e-15)
        for (index, kind), expected in reference.items():
            layer = layers[index]
            np.testing.assert_allclose(getattr(layer, kind), expected, rtol=1e-12, atol=1e-14)
            for state in state_names:
                attribute = getattr(layer, f"{STATE_OF[kind]}_{state}")
                assert attribute.shape == expected.shape
                np.testing.assert_allclose(attribute, states[index, kind][state], rtol=1e-12)


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
