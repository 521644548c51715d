"""The optimized paths give the numbers of the plain formulas.

Bit for bit wherever the order of floating-point operations is kept (in-place arithmetic,
column-by-column reductions, the first layer's skipped ``dinputs``); the one deliberate
difference is the flushing of optimizer state below the smallest normal float to zero.
"""

import numpy as np
import pytest

from nnlib import (
    SGD,
    Adagrad,
    Adam,
    CategoricalAccuracy,
    CategoricalCrossentropy,
    Dense,
    Model,
    ReLU,
    RMSprop,
    Softmax,
    SoftmaxCategoricalCrossentropy,
    TrainingDivergedError,
)
from nnlib.benchmark import baseline
from nnlib.optimizers import FLUSH_INTERVAL

FLOATS = [np.float32, np.float64]


def assert_same_bits(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert (actual.dtype, actual.shape) == (expected.dtype, expected.shape)
    assert actual.tobytes() == expected.tobytes()


def subnormal_count(array):
    tiny = np.finfo(array.dtype).smallest_normal
    return int(np.count_nonzero((array != 0) & (np.abs(array) < tiny)))


# ---------------------------------------------------------------- optimizers


def sgd_momentum(state, p, g, lr, t, momentum=0.8):
    state["momentums"] = momentum * state.get("momentums", np.zeros_like(p)) - lr * g
    p += state["momentums"]


def adagrad(state, p, g, lr, t, epsilon=1e-7):
    state["cache"] = state.get("cache", np.zeros_like(p))
    state["cache"] += g**2
    p += -lr * g / (np.sqrt(state["cache"]) + epsilon)


def rmsprop(state, p, g, lr, t, epsilon=1e-7, rho=0.9):
    state["cache"] = rho * state.get("cache", np.zeros_like(p)) + (1 - rho) * g**2
    p += -lr * g / (np.sqrt(state["cache"]) + epsilon)


def adam(state, p, g, lr, t, epsilon=1e-7, beta_1=0.9, beta_2=0.999):
    state["momentums"] = beta_1 * state.get("momentums", np.zeros_like(p)) + (1 - beta_1) * g
    state["cache"] = beta_2 * state.get("cache", np.zeros_like(p)) + (1 - beta_2) * g**2
    momentums_corrected = state["momentums"] / (1 - beta_1 ** (t + 1))
    cache_corrected = state["cache"] / (1 - beta_2 ** (t + 1))
    p += -lr * momentums_corrected / (np.sqrt(cache_corrected) + epsilon)


# name: (optimizer, its plain update, the state it keeps)
OPTIMIZERS = {
    "sgd_momentum": (lambda: SGD(0.1, decay=0.01, momentum=0.8), sgd_momentum, ["momentums"]),
    "adagrad": (lambda: Adagrad(0.1, decay=0.01), adagrad, ["cache"]),
    "rmsprop": (lambda: RMSprop(0.01, decay=0.01), rmsprop, ["cache"]),
    "adam": (lambda: Adam(0.01, decay=0.01), adam, ["momentums", "cache"]),
}
PREFIX = {"weights": "weight", "biases": "bias"}


def run_optimizer(name, dtype, gradient_dtype, gradients, rng):
    """Our optimizer and the plain update side by side; yields both after every step."""
    make_optimizer, plain_update, state_names = OPTIMIZERS[name]
    optimizer = make_optimizer()
    layer = Dense(3, 4)
    layer.set_parameters(
        rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((1, 4)).astype(dtype)
    )
    plain = {kind: getattr(layer, kind).copy() for kind in PREFIX}
    plain_state = {kind: {} for kind in PREFIX}
    for step, (dweights, dbiases) in enumerate(gradients):
        layer.dweights = dweights.astype(gradient_dtype)
        layer.dbiases = dbiases.astype(gradient_dtype)
        optimizer.pre_update_params()
        optimizer.update_params(layer)
        optimizer.post_update_params()
        lr = 0.1 if name in ("sgd_momentum", "adagrad") else 0.01
        lr = lr * (1.0 / (1.0 + 0.01 * step))
        for kind, gradient in (("weights", layer.dweights), ("biases", layer.dbiases)):
            plain_update(plain_state[kind], plain[kind], gradient, lr, step)
        ours = {kind: getattr(layer, kind) for kind in PREFIX}
        ours_state = {
            kind: {state: getattr(layer, f"{PREFIX[kind]}_{state}") for state in state_names}
            for kind in PREFIX
        }
        yield ours, ours_state, plain, plain_state


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(
    "dtype, gradient_dtype",
    [(np.float32, np.float32), (np.float64, np.float64), (np.float32, np.float64)],
    ids=["float32", "float64", "float32_parameters_float64_gradients"],
)
def test_optimizer_matches_the_plain_formulas_bit_for_bit(name, dtype, gradient_dtype):
    rng = np.random.default_rng(0)
    steps = FLUSH_INTERVAL + 4  # includes two flushing steps (nothing to flush here)
    gradients = [(rng.standard_normal((3, 4)), rng.standard_normal((1, 4))) for _ in range(steps)]
    for ours, ours_state, plain, plain_state in run_optimizer(
        name, dtype, gradient_dtype, gradients, rng
    ):
        for kind in PREFIX:
            assert_same_bits(ours[kind], plain[kind])
            for state, value in ours_state[kind].items():
                assert_same_bits(value, plain_state[kind][state])


def test_adam_flushing_changes_nothing_above_the_smallest_normal():
    tiny = np.finfo(np.float32).smallest_normal
    rng = np.random.default_rng(1)
    layer = Dense(4, 8, dtype=np.float32)
    layer.set_parameters(
        rng.standard_normal((4, 8)).astype(np.float32), np.ones((1, 8), np.float32)
    )
    # State mixing normal values with subnormal ones, and gradients with dead entries.
    for attribute, shape in (("weight", (4, 8)), ("bias", (1, 8))):
        for state in ("momentums", "cache"):
            values = np.abs(rng.standard_normal(shape)).astype(np.float32) * 1e-3
            values.flat[::3] = tiny / np.float32(7)
            if state == "momentums":
                values.flat[1::4] *= -1
            setattr(layer, f"{attribute}_{state}", values)
    layer.dweights = rng.standard_normal((4, 8)).astype(np.float32)
    layer.dweights[:, ::2] = 0
    layer.dbiases = np.zeros((1, 8), np.float32)
    plain = {kind: getattr(layer, kind).copy() for kind in PREFIX}
    plain_state = {
        kind: {s: getattr(layer, f"{PREFIX[kind]}_{s}").copy() for s in ("momentums", "cache")}
        for kind in PREFIX
    }
    optimizer = Adam(0.01)  # iterations == 0: a flushing step
    optimizer.update_params(layer)
    for kind, gradient in (("weights", layer.dweights), ("biases", layer.dbiases)):
        adam(plain_state[kind], plain[kind], gradient, 0.01, 0)
        assert_same_bits(getattr(layer, kind), plain[kind])
        for state, expected in plain_state[kind].items():
            ours = getattr(layer, f"{PREFIX[kind]}_{state}")
            normal = np.abs(expected) >= tiny
            assert subnormal_count(expected) > 0  # the test does exercise the flushing
            assert_same_bits(ours[normal], expected[normal])
            assert np.all(ours[~normal] == 0)


@pytest.mark.parametrize("name", ["sgd_momentum", "rmsprop", "adam"])
def test_dead_units_leave_no_subnormal_state(name):
    """Gradients that stop (a dead ReLU unit) make the plain state decay into subnormals."""
    rng = np.random.default_rng(2)
    live = [(rng.standard_normal((3, 4)), rng.standard_normal((1, 4))) for _ in range(5)]
    dead = [(np.zeros((3, 4)), np.zeros((1, 4)))] * (62 * FLUSH_INTERVAL - 4)  # ends flushing
    *_, (ours, ours_state, plain, plain_state) = run_optimizer(
        name, np.float32, np.float32, live + dead, rng
    )
    plain_subnormals = sum(
        subnormal_count(value) for states in plain_state.values() for value in states.values()
    )
    if name == "adam":  # the cache decays by 0.999 a step: only the momentums get there
        assert subnormal_count(plain_state["weights"]["momentums"]) > 0
    else:
        assert plain_subnormals > 0
    for kind in PREFIX:
        assert_same_bits(ours[kind], plain[kind])  # the parameters are not affected
        for value in ours_state[kind].values():
            assert subnormal_count(value) == 0


# ---------------------------------------------------------------- layers, activations, losses


@pytest.mark.parametrize("dtype", [np.float16, *FLOATS, np.int64])
def test_relu_backward_equals_np_where(dtype):
    rng = np.random.default_rng(3)
    if np.issubdtype(dtype, np.integer):
        inputs, dvalues = rng.integers(-3, 4, (50, 7)), rng.integers(-3, 4, (50, 7))
    else:
        specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0]
        inputs = rng.choice(specials, size=(50, 7)) * rng.random((50, 7))
        dvalues = rng.choice(specials, size=(50, 7)) * rng.random((50, 7))
        inputs[::3] = rng.standard_normal((17, 7))
    inputs, dvalues = inputs.astype(dtype), dvalues.astype(dtype)
    relu = ReLU()
    relu.forward(inputs)
    expected = np.where(inputs > 0, dvalues, 0).astype(dtype)
    assert_same_bits(relu.backward(dvalues), expected)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n_classes", [1, 2, 3, 7, 8, 10, 33])
def test_softmax_equals_the_plain_formula(dtype, n_classes, order):
    rng = np.random.default_rng(n_classes)
    inputs = (rng.standard_normal((300, n_classes)) * rng.choice([0.01, 1, 30], (300, 1))).astype(
        dtype, order=order
    )
    inputs[::5] = 0.0
    exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
    expected = exp_values / np.sum(exp_values, axis=1, keepdims=True)
    assert_same_bits(Softmax().forward(inputs), expected)


@pytest.mark.parametrize("dtype", FLOATS)
def test_categorical_crossentropy_equals_the_plain_formula(dtype):
    rng = np.random.default_rng(4)
    probabilities = Softmax().forward(rng.standard_normal((257, 5)).astype(dtype) * 9)
    labels = rng.integers(0, 5, 257)
    loss = CategoricalCrossentropy()
    clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
    expected_losses = -np.log(clipped[range(257), labels])
    mean = loss.calculate(probabilities, labels)
    assert_same_bits(loss.forward(probabilities, labels), expected_losses)
    assert_same_bits(mean, np.mean(expected_losses))
    assert_same_bits(loss.accumulated_sum, np.sum(expected_losses))


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("labels_dtype", [np.uint8, np.int64])
@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_cross_entropy_backward_equals_the_books_formula(dtype, labels_dtype, order):
    rng = np.random.default_rng(5)
    outputs = Softmax().forward(rng.standard_normal((257, 3)).astype(dtype) * 9)
    outputs = np.asarray(outputs, order=order)
    labels = rng.integers(0, 3, 257).astype(labels_dtype)
    expected = outputs.copy()
    expected[range(257), labels] -= 1
    expected = expected / 257
    before = outputs.copy()
    combined = SoftmaxCategoricalCrossentropy()
    combined.output = outputs
    assert_same_bits(combined.backward(outputs, labels), expected)
    assert_same_bits(combined.backward(outputs, np.eye(3, dtype=int)[labels]), expected)
    assert_same_bits(outputs, before)


@pytest.mark.parametrize(
    "dtypes",
    [(np.float32,) * 3, (np.float64,) * 3, (np.float32, np.float32, np.float64)],
    ids=["float32", "float64", "float64_biases"],
)
def test_dense_forward_equals_dot_plus_biases(dtypes):
    rng = np.random.default_rng(5)
    inputs_type, weights_type, biases_type = dtypes
    inputs = rng.standard_normal((9, 6)).astype(inputs_type)
    layer = Dense(6, 4)
    layer.set_parameters(
        rng.standard_normal((6, 4)).astype(weights_type),
        rng.standard_normal((1, 4)).astype(biases_type),
    )
    assert_same_bits(layer.forward(inputs), np.dot(inputs, layer.weights) + layer.biases)


def test_dense_computes_dinputs_unless_told_not_to():
    layer = Dense(3, 2)
    layer.forward(np.ones((4, 3)))
    assert layer.backward(np.ones((4, 2))).shape == (4, 3)
    weights_gradient = layer.dweights.copy()
    layer.compute_dinputs = False
    assert layer.backward(np.ones((4, 2))) is None and layer.dinputs is None
    assert_same_bits(layer.dweights, weights_gradient)


# ---------------------------------------------------------------- Model


def classification_data(seed=6, n_samples=200, n_features=20, n_classes=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)).astype(np.float32)
    y = (X[:, :n_classes] + 0.5 * rng.standard_normal((n_samples, n_classes))).argmax(axis=1)
    return X, y.astype(np.uint8)


def classifier(first_layer=Dense, seed=0, n_features=20, n_classes=5):
    np.random.seed(seed)
    model = Model()
    model.add(first_layer(n_features, 16, dtype=np.float32))
    model.add(ReLU())
    model.add(Dense(16, n_classes, dtype=np.float32))
    model.add(Softmax())
    optimizer = Adam(learning_rate=0.01, decay=1e-3)
    model.set(loss=CategoricalCrossentropy(), optimizer=optimizer, accuracy=CategoricalAccuracy())
    model.finalize()
    return model


class FullBackwardDense(Dense):
    """A Dense layer that ignores being told to skip ``dinputs``."""

    compute_dinputs = property(lambda self: True, lambda self, value: None)


def parameters_of(model):
    return [array for pair in model.get_parameters() for array in pair]


def test_skipping_the_first_layers_dinputs_changes_no_parameter():
    X, y = classification_data()
    fast, full = classifier(), classifier(FullBackwardDense)
    for model in (fast, full):
        model.train(X, y, epochs=3, batch_size=32, verbose=False)
    for ours, expected in zip(parameters_of(fast), parameters_of(full), strict=True):
        assert_same_bits(ours, expected)
    assert fast.layers[0].dinputs is None and full.layers[0].dinputs is not None
    assert fast.layers[0].compute_dinputs  # restored after training


def test_model_training_equals_the_books_plain_code():
    """Every fast path at once against the chapters' code (no subnormals arise here)."""
    X, y = classification_data()
    model = classifier()
    initial = [(weights.copy(), biases.copy()) for weights, biases in model.get_parameters()]
    model.train(X, y, epochs=2, batch_size=32, verbose=False)
    network = baseline.Network(initial, baseline.Optimizer_Adam(0.01, 1e-3, 1e-7, 0.9, 0.999))
    for _ in range(2):
        for start in range(0, len(X), 32):
            network.train_step(X[start : start + 32], y[start : start + 32])
    expected = [array for dense in network.dense_layers for array in (dense.weights, dense.biases)]
    for ours, theirs in zip(parameters_of(model), expected, strict=True):
        assert_same_bits(ours, theirs)


def test_training_is_deterministic():
    X, y = classification_data()
    runs = []
    for _ in range(2):
        model = classifier()  # seeds NumPy's generator, which shuffle=True draws from
        model.train(X, y, epochs=2, batch_size=16, shuffle=True, verbose=False)
        runs.append(parameters_of(model))
    for first, second in zip(*runs, strict=True):
        assert_same_bits(first, second)


# ---------------------------------------------------------------- label checks


def bad_label_in_the_last_batch():
    X, y = classification_data()
    y = y.copy()
    y[-1] = 5
    return X, y


@pytest.mark.parametrize("labels", [np.uint8, np.int64])
def test_training_checks_every_label_before_the_first_update(labels):
    X, y = bad_label_in_the_last_batch()
    model = classifier()
    before = [array.copy() for array in parameters_of(model)]
    with pytest.raises(ValueError, match=r"class labels must be in \[0, 5\) for 5 classes"):
        model.train(X, y.astype(labels), epochs=1, batch_size=32, verbose=False)
    for ours, expected in zip(parameters_of(model), before, strict=True):
        assert_same_bits(ours, expected)


def test_direct_calls_check_labels_again_after_training():
    X, y = classification_data()
    model = classifier()
    model.train(X, y, epochs=1, batch_size=32, verbose=False)
    with pytest.raises(TrainingDivergedError):  # leaves through an exception this time
        model.train(np.full_like(X, np.nan), y, epochs=1, batch_size=32, verbose=False)
    probabilities = model.predict(X[:4])
    bad = np.array([0, 1, 2, 5], np.uint8)
    with pytest.raises(ValueError, match=r"class labels must be in \[0, 5\)"):
        model.loss.forward(probabilities, bad)
    with pytest.raises(ValueError, match=r"class labels must be in \[0, 5\)"):
        model.softmax_classifier_output.backward(probabilities, bad)


@pytest.mark.parametrize(
    "labels, error, pattern",
    [
        (np.array([0, 1, 3], np.uint8), ValueError, r"got labels from 0 to 3"),
        (np.array([0, 1], np.uint8), ValueError, r"2 labels but the predictions have 3 samples"),
        (np.array([0, 1, 2], np.float32), TypeError, r"must be integer class indices"),
        (np.array([0, -1, 2]), ValueError, r"got labels from -1 to 2"),
    ],
    ids=["uint8_too_large", "uint8_count", "float", "negative"],
)
def test_the_fast_label_check_still_raises_the_clear_errors(labels, error, pattern):
    probabilities = np.full((3, 3), 1 / 3)
    combined = SoftmaxCategoricalCrossentropy()
    combined.forward(np.zeros((3, 3)), [0, 1, 2])
    for call in (
        lambda: CategoricalCrossentropy().forward(probabilities, labels),
        lambda: combined.backward(probabilities, labels),
    ):
        with pytest.raises(error, match=pattern):
            call()
