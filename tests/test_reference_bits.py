"""nnlib's classes give the numbers of the plain book-style reference (``reference/book_style.py``)
bit for bit, piece by piece, where the book's order of floating-point operations is kept;
``tests/test_book_fidelity.py`` does the same for whole training runs. The two speed-ups
change nothing that matters: optimizer state below the smallest normal float is flushed to
zero, and ``Model.train`` skips the first layer's ``dinputs``.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from benchmark import baseline
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
from nnlib.optimizers import FLUSH_INTERVAL
from reference import book_style

FLOATS = [np.float32, np.float64]
STATE = {
    "sgd_momentum": ("weight_momentums", "bias_momentums"),
    "adagrad": ("weight_cache", "bias_cache"),
    "rmsprop": ("weight_cache", "bias_cache"),
    "adam": ("weight_momentums", "bias_momentums", "weight_cache", "bias_cache"),
}
# name: (nnlib's optimizer, the reference's), with the same settings
OPTIMIZERS = {
    "sgd_momentum": (
        lambda: SGD(0.1, decay=0.01, momentum=0.8),
        lambda: book_style.Optimizer_SGD(0.1, decay=0.01, momentum=0.8),
    ),
    "adagrad": (
        lambda: Adagrad(0.1, decay=0.01),
        lambda: book_style.Optimizer_Adagrad(0.1, decay=0.01),
    ),
    "rmsprop": (
        lambda: RMSprop(0.01, decay=0.01),
        lambda: book_style.Optimizer_RMSprop(0.01, decay=0.01),
    ),
    "adam": (lambda: Adam(0.01, decay=0.01), lambda: book_style.Optimizer_Adam(0.01, decay=0.01)),
}


def assert_same_bits(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert (actual.dtype, actual.shape) == (expected.dtype, expected.shape)
    assert actual.tobytes() == expected.tobytes()


def subnormal_count(array):
    tiny = np.finfo(array.dtype).smallest_normal
    return int(np.count_nonzero((array != 0) & (np.abs(array) < tiny)))


# ---------------------------------------------------------------- optimizers


def run_optimizers(name, dtype, gradient_dtype, gradients, rng):
    """nnlib's optimizer and the reference's on copies of one layer; yields both after each step."""
    make_ours, make_reference = OPTIMIZERS[name]
    optimizer, reference = make_ours(), make_reference()
    ours = Dense(3, 4)
    ours.set_parameters(
        rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((1, 4)).astype(dtype)
    )
    theirs = SimpleNamespace(weights=ours.weights.copy(), biases=ours.biases.copy())
    for dweights, dbiases in gradients:
        for layer in (ours, theirs):
            layer.dweights = dweights.astype(gradient_dtype)
            layer.dbiases = dbiases.astype(gradient_dtype)
        for each, layer in ((optimizer, ours), (reference, theirs)):
            each.pre_update_params()
            each.update_params(layer)
            each.post_update_params()
        yield ours, theirs


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(
    "dtype, gradient_dtype",
    [(np.float32, np.float32), (np.float64, np.float64), (np.float32, np.float64)],
    ids=["float32", "float64", "float32_parameters_float64_gradients"],
)
def test_optimizer_matches_the_reference_bit_for_bit(name, dtype, gradient_dtype):
    rng = np.random.default_rng(0)
    steps = FLUSH_INTERVAL + 4  # includes two flushing steps (nothing to flush here)
    gradients = [(rng.standard_normal((3, 4)), rng.standard_normal((1, 4))) for _ in range(steps)]
    for ours, theirs in run_optimizers(name, dtype, gradient_dtype, gradients, rng):
        for attribute in ("weights", "biases", *STATE[name]):
            assert_same_bits(getattr(ours, attribute), getattr(theirs, attribute))


def test_adam_flushing_changes_nothing_above_the_smallest_normal():
    tiny = np.finfo(np.float32).smallest_normal
    rng = np.random.default_rng(1)
    ours = Dense(4, 8, dtype=np.float32)
    ours.set_parameters(rng.standard_normal((4, 8)).astype(np.float32), np.ones((1, 8), np.float32))
    # State mixing normal values with subnormal ones, and gradients with dead entries.
    for name in STATE["adam"]:
        shape = ours.weights.shape if name.startswith("weight") else ours.biases.shape
        values = np.abs(rng.standard_normal(shape)).astype(np.float32) * 1e-3
        values.flat[::3] = tiny / np.float32(7)
        if "momentums" in name:
            values.flat[1::4] *= -1
        setattr(ours, name, values)
    ours.dweights = rng.standard_normal((4, 8)).astype(np.float32)
    ours.dweights[:, ::2] = 0
    ours.dbiases = np.zeros((1, 8), np.float32)
    arrays = {name: value for name, value in vars(ours).items() if isinstance(value, np.ndarray)}
    theirs = SimpleNamespace(**{name: value.copy() for name, value in arrays.items()})
    Adam(0.01).update_params(ours)  # iterations == 0: a flushing step
    book_style.Optimizer_Adam(0.01).update_params(theirs)
    assert_same_bits(ours.weights, theirs.weights)
    assert_same_bits(ours.biases, theirs.biases)
    for name in STATE["adam"]:
        expected, flushed = getattr(theirs, name), getattr(ours, name)
        normal = np.abs(expected) >= tiny
        assert subnormal_count(expected) > 0  # the test does exercise the flushing
        assert_same_bits(flushed[normal], expected[normal])
        assert np.all(flushed[~normal] == 0)


@pytest.mark.parametrize("name", ["sgd_momentum", "rmsprop", "adam"])
def test_dead_units_leave_no_subnormal_state(name):
    """Gradients that stop (a dead ReLU unit) make the reference's state decay into subnormals."""
    rng = np.random.default_rng(2)
    live = [(rng.standard_normal((3, 4)), rng.standard_normal((1, 4))) for _ in range(5)]
    dead = [(np.zeros((3, 4)), np.zeros((1, 4)))] * (62 * FLUSH_INTERVAL - 4)  # ends flushing
    *_, (ours, theirs) = run_optimizers(name, np.float32, np.float32, live + dead, rng)
    # Adam's cache decays by 0.999 a step: only its momentums get there.
    decaying = STATE[name][:2]
    assert sum(subnormal_count(getattr(theirs, state)) for state in decaying) > 0
    assert_same_bits(ours.weights, theirs.weights)  # the parameters are not affected
    assert_same_bits(ours.biases, theirs.biases)
    for state in STATE[name]:
        assert subnormal_count(getattr(ours, state)) == 0


# ---------------------------------------------------------------- layers, activations, losses


@pytest.mark.parametrize("dtype", [np.float16, *FLOATS, np.int64])
def test_relu_backward_equals_the_references(dtype):
    """The same values; the book's mask product gives -0.0 where its copy gives +0.0."""
    rng = np.random.default_rng(3)
    inputs = rng.integers(-3, 4, (50, 7)).astype(dtype)
    dvalues = rng.integers(-3, 4, (50, 7)).astype(dtype)
    if dtype != np.int64:
        inputs[::3] = rng.standard_normal((17, 7))
        inputs[1::3, :2] = [0.0, -0.0]
        dvalues = dvalues * rng.random((50, 7)).astype(dtype)
    relu, reference = ReLU(), book_style.Activation_ReLU()
    relu.forward(inputs)
    reference.forward(inputs)
    reference.backward(dvalues)
    ours = relu.backward(dvalues)
    assert ours.dtype == reference.dinputs.dtype == dtype
    assert np.array_equal(ours, reference.dinputs)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n_classes", [1, 2, 3, 7, 8, 10, 33])
def test_softmax_equals_the_references(dtype, n_classes, order):
    rng = np.random.default_rng(n_classes)
    inputs = (rng.standard_normal((300, n_classes)) * rng.choice([0.01, 1, 30], (300, 1))).astype(
        dtype, order=order
    )
    inputs[::5] = 0.0
    reference = book_style.Activation_Softmax()
    reference.forward(inputs)
    assert_same_bits(Softmax().forward(inputs), reference.output)


@pytest.mark.parametrize("dtype", FLOATS)
def test_categorical_crossentropy_equals_the_references(dtype):
    rng = np.random.default_rng(4)
    probabilities = Softmax().forward(rng.standard_normal((257, 5)).astype(dtype) * 9)
    labels = rng.integers(0, 5, 257)
    loss = CategoricalCrossentropy()
    expected_mean = book_style.Loss_CategoricalCrossentropy().calculate(probabilities, labels)
    clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
    expected_losses = -np.log(clipped[range(257), labels])
    assert_same_bits(loss.calculate(probabilities, labels), expected_mean)
    assert_same_bits(loss.forward(probabilities, labels), expected_losses)
    assert_same_bits(loss.accumulated_sum, np.sum(expected_losses))


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("labels_dtype", [np.uint8, np.int64])
@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_cross_entropy_backward_equals_the_references(dtype, labels_dtype, order):
    rng = np.random.default_rng(5)
    outputs = Softmax().forward(rng.standard_normal((257, 3)).astype(dtype) * 9)
    outputs = np.asarray(outputs, order=order)
    labels = rng.integers(0, 3, 257).astype(labels_dtype)
    reference = book_style.Activation_Softmax_Loss_CategoricalCrossentropy()
    reference.backward(outputs, labels)
    expected = reference.dinputs
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
def test_dense_forward_equals_the_references(dtypes):
    rng = np.random.default_rng(5)
    inputs_type, weights_type, biases_type = dtypes
    inputs = rng.standard_normal((9, 6)).astype(inputs_type)
    layer = Dense(6, 4)
    layer.set_parameters(
        rng.standard_normal((6, 4)).astype(weights_type),
        rng.standard_normal((1, 4)).astype(biases_type),
    )
    reference = book_style.Layer_Dense(6, 4)
    reference.weights, reference.biases = layer.weights, layer.biases
    reference.forward(inputs)
    assert_same_bits(layer.forward(inputs), reference.output)


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


def test_model_training_equals_the_reference_network():
    """Model.train against the reference's classes wired by hand (no subnormals arise here)."""
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
def test_label_checks_raise_the_clear_errors(labels, error, pattern):
    probabilities = np.full((3, 3), 1 / 3)
    combined = SoftmaxCategoricalCrossentropy()
    combined.forward(np.zeros((3, 3)), [0, 1, 2])
    for call in (
        lambda: CategoricalCrossentropy().forward(probabilities, labels),
        lambda: combined.backward(probabilities, labels),
    ):
        with pytest.raises(error, match=pattern):
            call()
