"""Losses: values by hand, gradients of the mean loss by finite differences, regularization."""

import numpy as np
import pytest

from nnlib import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    Softmax,
    SoftmaxCategoricalCrossentropy,
)
from tests.gradients import (
    assert_gradient_close,
    assert_unchanged,
    away_from_zero,
    numerical_gradient,
)

N_SAMPLES, N_CLASSES = 5, 4
PROBABILITIES = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4]])
SPARSE = np.array([0, 1])
ONE_HOT = np.array([[1, 0, 0], [0, 1, 0]])


def sparse_labels(rng):
    return rng.integers(0, N_CLASSES, N_SAMPLES)


def one_hot(labels, n_classes=N_CLASSES):
    return np.eye(n_classes)[labels]


def class_probabilities(rng):
    return rng.uniform(0.1, 0.9, (N_SAMPLES, N_CLASSES))  # inside the clipping range


def categorical_sparse(rng):
    return CategoricalCrossentropy(), class_probabilities(rng), sparse_labels(rng)


def categorical_one_hot(rng):
    return CategoricalCrossentropy(), class_probabilities(rng), one_hot(sparse_labels(rng))


def binary(rng):
    y_pred = class_probabilities(rng)
    return BinaryCrossentropy(), y_pred, rng.integers(0, 2, y_pred.shape)


def squared(rng):
    return MeanSquaredError(), *rng.standard_normal((2, N_SAMPLES, 3))


def absolute(rng):
    y_true = rng.standard_normal((N_SAMPLES, 3))
    return MeanAbsoluteError(), y_true + away_from_zero(rng, y_true.shape), y_true  # no kinks


label_encodings = pytest.mark.parametrize(
    "encode", [lambda labels: labels, one_hot], ids=["sparse", "one_hot"]
)

LOSS_CASES = {
    "cce_sparse": categorical_sparse,
    "cce_one_hot": categorical_one_hot,
    "bce": binary,
    "mse": squared,
    "mae": absolute,
}


@pytest.mark.parametrize(
    "loss, y_pred, y_true, expected",
    [
        (CategoricalCrossentropy(), PROBABILITIES, SPARSE, -np.log([0.7, 0.5])),
        (CategoricalCrossentropy(), PROBABILITIES, ONE_HOT, -np.log([0.7, 0.5])),
        (BinaryCrossentropy(), [[0.8, 0.4]], [[1, 0]], [-(np.log(0.8) + np.log(0.6)) / 2]),
        (MeanSquaredError(), [[1.0, 2.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 1.0]], [2.5, 1.0]),
        (MeanAbsoluteError(), [[1.0, 2.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 1.0]], [1.5, 1.0]),
    ],
    ids=["cce_sparse", "cce_one_hot", "bce", "mse", "mae"],
)
def test_sample_losses_by_hand(loss, y_pred, y_true, expected):
    y_pred = np.array(y_pred, dtype=np.float64)
    np.testing.assert_allclose(loss.forward(y_pred, y_true), expected, rtol=1e-12)
    assert loss.calculate(y_pred, y_true) == pytest.approx(np.mean(expected), rel=1e-12)


@pytest.mark.parametrize("name", LOSS_CASES)
def test_gradient_of_the_mean_loss_matches_finite_differences(name):
    loss, y_pred, y_true = LOSS_CASES[name](np.random.default_rng(0))
    dinputs = loss.backward(y_pred, y_true)
    np.testing.assert_array_equal(dinputs, loss.dinputs)
    numeric = numerical_gradient(lambda p: loss.calculate(p, y_true), y_pred)
    assert_gradient_close(dinputs.copy(), numeric)


@label_encodings
def test_softmax_cross_entropy_gradient_with_respect_to_the_scores(encode):
    rng = np.random.default_rng(1)
    scores, y_true = rng.standard_normal((N_SAMPLES, N_CLASSES)), encode(sparse_labels(rng))
    combined = SoftmaxCategoricalCrossentropy()
    combined.forward(scores, y_true)
    dinputs = combined.backward(combined.output, y_true)
    numeric = numerical_gradient(lambda z: combined.forward(z, y_true), scores)
    assert_gradient_close(dinputs.copy(), numeric)


@label_encodings
def test_softmax_cross_entropy_equals_the_separate_path(encode):
    rng = np.random.default_rng(2)
    scores, y_true = rng.standard_normal((N_SAMPLES, N_CLASSES)), encode(sparse_labels(rng))
    softmax, loss = Softmax(), CategoricalCrossentropy()
    probabilities = softmax.forward(scores)
    separate_loss = loss.calculate(probabilities, y_true)
    separate_gradient = softmax.backward(loss.backward(probabilities, y_true))

    combined = SoftmaxCategoricalCrossentropy()
    assert combined.forward(scores, y_true) == pytest.approx(separate_loss, rel=1e-12)
    np.testing.assert_allclose(combined.output, probabilities, rtol=1e-12)
    combined_gradient = combined.backward(combined.output, y_true)
    np.testing.assert_allclose(combined_gradient, separate_gradient, rtol=0, atol=1e-10)


def test_clipping_keeps_cross_entropy_finite_at_zero_and_one():
    y_pred = np.array([[1.0, 0.0], [0.0, 1.0]])
    y_true = np.array([1, 1])
    loss = CategoricalCrossentropy()
    sample_losses = loss.forward(y_pred, y_true)
    assert sample_losses[0] == pytest.approx(-np.log(1e-7))
    assert 0 <= sample_losses[1] < 1e-6
    assert np.all(np.isfinite(loss.backward(y_pred, y_true)))


def test_clipping_keeps_binary_cross_entropy_finite_at_zero_and_one():
    y_pred = np.array([[1.0, 0.0, 1.0, 0.0]])
    y_true = np.array([[0, 1, 1, 0]])
    loss = BinaryCrossentropy()
    assert np.all(np.isfinite(loss.forward(y_pred, y_true)))
    assert np.all(np.isfinite(loss.backward(y_pred, y_true)))


def test_softmax_cross_entropy_is_finite_for_extreme_scores():
    combined = SoftmaxCategoricalCrossentropy()
    loss = combined.forward(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), np.array([1, 1]))
    assert np.isfinite(loss)
    assert np.all(np.isfinite(combined.backward(combined.output, np.array([1, 1]))))


def test_boolean_one_hot_labels_work_like_zeros_and_ones():
    labels = np.array([[True, False, False], [False, True, False]])
    loss = CategoricalCrossentropy()
    np.testing.assert_allclose(
        loss.forward(PROBABILITIES, labels), loss.forward(PROBABILITIES, ONE_HOT)
    )
    np.testing.assert_allclose(
        loss.backward(PROBABILITIES, labels).copy(), loss.backward(PROBABILITIES, ONE_HOT)
    )


def regularized_layer(weights, biases, *regularizers):
    layer = Dense(*np.shape(weights), *regularizers)
    layer.set_parameters(np.array(weights), np.array(biases))
    return layer


def test_regularization_loss_of_a_layer_by_hand():
    layer = regularized_layer([[1.0, -2.0], [3.0, 0.5]], [[-1.0, 2.0]], 0.1, 0.2, 0.3, 0.4)
    # 0.1 * 6.5 + 0.2 * 14.25 + 0.3 * 3 + 0.4 * 5
    assert Loss().regularization_loss(layer) == pytest.approx(6.4, rel=1e-12)


def test_regularization_loss_is_zero_without_regularizers():
    layer = regularized_layer([[1.0, -2.0], [3.0, 0.5]], [[-1.0, 2.0]])
    assert Loss().regularization_loss(layer) == 0


def test_regularization_loss_sums_the_remembered_layers():
    first = regularized_layer([[1.0, -2.0]], [[0.5, 0.5]], 0.1, 0.0, 0.0, 1.0)  # 0.3 + 0.5
    second = regularized_layer([[2.0], [1.0]], [[3.0]], 0.0, 0.5, 0.2, 0.0)  # 2.5 + 0.6
    loss = MeanSquaredError()
    loss.remember_trainable_layers([first, second])
    assert loss.regularization_loss() == pytest.approx(3.9, rel=1e-12)
    y_pred, y_true = np.array([[1.0]]), np.array([[3.0]])
    data_loss, regularization = loss.calculate(y_pred, y_true, include_regularization=True)
    assert data_loss == pytest.approx(4.0)
    assert regularization == pytest.approx(3.9, rel=1e-12)


def test_accumulated_loss_is_the_mean_over_every_sample_of_the_pass():
    loss = MeanSquaredError()
    loss.calculate(np.array([[1.0], [2.0]]), np.zeros((2, 1)))  # 1, 4
    loss.calculate(np.array([[3.0], [0.0], [0.0]]), np.zeros((3, 1)))  # 9, 0, 0
    assert loss.calculate_accumulated() == pytest.approx(14 / 5)
    loss.new_pass()
    loss.calculate(np.array([[2.0]]), np.zeros((1, 1)))
    assert loss.calculate_accumulated() == pytest.approx(4.0)


@pytest.mark.parametrize("name", LOSS_CASES)
def test_losses_leave_their_arguments_alone(name):
    loss, y_pred, y_true = LOSS_CASES[name](np.random.default_rng(3))
    arguments = (y_pred.copy(), y_true.copy())
    loss.forward(y_pred, y_true)
    first_dinputs = loss.backward(y_pred, y_true)
    kept = first_dinputs.copy()
    loss.backward(y_pred * 0.5, y_true)
    assert_unchanged((y_pred, y_true, first_dinputs), (*arguments, kept))


@label_encodings
def test_softmax_cross_entropy_leaves_its_arguments_alone(encode):
    rng = np.random.default_rng(4)
    scores, y_true = rng.standard_normal((N_SAMPLES, N_CLASSES)), encode(sparse_labels(rng))
    arguments = (scores.copy(), y_true.copy())
    combined = SoftmaxCategoricalCrossentropy()
    combined.forward(scores, y_true)
    first_output = combined.output
    first_dinputs = combined.backward(first_output, y_true)
    results = (first_output.copy(), first_dinputs.copy())
    combined.forward(scores * 2, y_true)
    combined.backward(combined.output, y_true)
    assert_unchanged((scores, y_true, first_output, first_dinputs), (*arguments, *results))
