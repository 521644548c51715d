"""``nnlib.diagnostics`` and the ``diagnostics=True`` option of ``Model.train`` and the spiral
loop: each value against a computation by hand, and no effect at all on training.
"""

import numpy as np
import pytest

from nnlib import (
    SGD,
    Adam,
    CategoricalAccuracy,
    CategoricalCrossentropy,
    Dense,
    Model,
    ReLU,
    Softmax,
)
from nnlib.diagnostics import (
    TrainingDiagnostics,
    alive_units,
    dead_fraction,
    gradient_norm,
    update_ratio,
)
from nnlib.spiral_training import spiral_curves, train_spiral

# Four points in the positive quadrant and a hidden layer of 4 units, two of them dead:
# unit 0 = x1 + x2 > 0, unit 1 = -(x1 + x2) < 0 (dead), unit 2 = x1 - x2 (positive on the
# first two points only), unit 3 = -x1 - 1 < 0 (dead).
X = np.array([[2.0, 1.0], [3.0, 0.5], [0.5, 2.0], [1.0, 1.5]])
Y = np.array([0, 1, 2, 1])
W1 = np.array([[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, -1.0, 0.0]])
B1 = np.array([[0.0, 0.0, 0.0, -1.0]])
W2 = np.array(
    [[0.2, -0.1, 0.3], [0.5, 0.5, -0.5], [-0.4, 0.3, 0.1], [0.1, 0.2, 0.3]], dtype=np.float64
)
B2 = np.array([[0.1, 0.0, -0.1]])


class FakeLayer:
    def __init__(self, weights, dweights=None):
        self.weights = np.array(weights, dtype=np.float64)
        self.dweights = None if dweights is None else np.array(dweights, dtype=np.float64)


def test_gradient_norm_is_the_frobenius_norm_of_dweights():
    assert gradient_norm(FakeLayer([[0.0, 0.0]], [[3.0, 4.0]])) == 5.0
    assert gradient_norm(FakeLayer(np.zeros((2, 2)), [[1.0, 1.0], [1.0, -1.0]])) == 2.0
    with pytest.raises(ValueError, match="run a backward pass"):
        gradient_norm(FakeLayer([[1.0]]))


def test_update_ratio_is_the_size_of_the_change_over_the_weights():
    assert update_ratio([[3.0, 4.0]], [[3.0, 4.5]]) == pytest.approx(0.5 / 5.0)
    assert update_ratio([[3.0, 4.0]], [[0.0, 0.0]]) == pytest.approx(1.0)
    assert update_ratio([[0.0, 0.0]], [[1.0, 0.0]]) == float("inf")
    with pytest.raises(ValueError, match=r"one shape, got \(1, 2\) and \(2, 1\)"):
        update_ratio([[1.0, 2.0]], [[1.0], [2.0]])


def test_dead_units_are_zero_on_every_sample():
    relu_output = np.maximum(0, X @ W1 + B1)
    assert alive_units(relu_output).tolist() == [True, False, True, False]
    assert dead_fraction(relu_output) == 0.5
    assert dead_fraction(relu_output[2:]) == 0.75  # unit 2 is 0 on the last two points
    with pytest.raises(ValueError, match=r"shape \(N, H\), got shape \(4,\)"):
        dead_fraction(relu_output[:, 0])


def test_end_epoch_needs_a_forward_pass_and_a_snapshot():
    tracker = TrainingDiagnostics([FakeLayer([[1.0]], [[1.0]])], [])
    with pytest.raises(RuntimeError, match="observe_activations"):
        tracker.end_epoch()


def hand_model(learning_rate):
    model = Model()
    for layer in (Dense(2, 4), ReLU(), Dense(4, 3), Softmax()):
        model.add(layer)
    model.set(
        loss=CategoricalCrossentropy(),
        optimizer=SGD(learning_rate=learning_rate),
        accuracy=CategoricalAccuracy(),
    )
    model.finalize()
    model.set_parameters([(W1, B1), (W2, B2)])
    return model


def hand_gradients(X, y):
    """dL/dW1 and dL/dW2 of the hand network, written out with NumPy."""
    z1 = X @ W1 + B1
    hidden = np.maximum(0, z1)
    scores = hidden @ W2 + B2
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities = exp / exp.sum(axis=1, keepdims=True)
    upstream = (probabilities - np.eye(3)[y]) / len(y)  # G = dL/dZ2
    dweights2 = hidden.T @ upstream
    dweights1 = X.T @ ((upstream @ W2.T) * (z1 > 0))
    return dweights1, dweights2


def test_model_records_what_a_hand_computation_gives():
    learning_rate = 0.5
    history = hand_model(learning_rate).train(X, Y, epochs=1, verbose=False, diagnostics=True)
    dweights1, dweights2 = hand_gradients(X, Y)
    norm1, norm2 = np.linalg.norm(dweights1), np.linalg.norm(dweights2)
    assert history["grad_norm_1"] == [pytest.approx(norm1, rel=1e-12)]
    assert history["grad_norm_2"] == [pytest.approx(norm2, rel=1e-12)]
    # Plain SGD: ΔW = -η dW, so the ratio is η ‖dW‖ / ‖W‖.
    ratio1 = learning_rate * norm1 / np.linalg.norm(W1)
    ratio2 = learning_rate * norm2 / np.linalg.norm(W2)
    assert history["update_ratio_1"] == [pytest.approx(ratio1, rel=1e-12)]
    assert history["update_ratio_2"] == [pytest.approx(ratio2, rel=1e-12)]
    assert history["dead_fraction_1"] == [0.5]
    assert norm1 > 0 and ratio1 != ratio2  # the numbers are not trivially equal


def test_model_dead_units_count_every_batch_of_the_epoch():
    """Unit 2 is alive on the first batch only: over the epoch it is not dead."""
    model = hand_model(learning_rate=1e-9)
    history = model.train(X, Y, epochs=2, batch_size=2, verbose=False, diagnostics=True)
    assert history["dead_fraction_1"] == [0.5, 0.5]
    # The ratio sizes the epoch's last update, made on the last batch alone.
    dweights1, _ = hand_gradients(X[2:], Y[2:])
    ratio = 1e-9 * np.linalg.norm(dweights1) / np.linalg.norm(W1)
    assert history["update_ratio_1"][0] == pytest.approx(ratio, rel=1e-6)


def make_model(seed):
    np.random.seed(seed)
    model = Model()
    for layer in (Dense(2, 16), ReLU(), Dense(16, 16), ReLU(), Dense(16, 3), Softmax()):
        model.add(layer)
    model.set(
        loss=CategoricalCrossentropy(),
        optimizer=Adam(learning_rate=0.05),
        accuracy=CategoricalAccuracy(),
    )
    model.finalize()
    return model


def test_diagnostics_change_nothing_in_training():
    rng = np.random.default_rng(0)
    X_train, y_train = rng.normal(size=(60, 2)), rng.integers(0, 3, 60)
    options = dict(epochs=5, batch_size=16, shuffle=True, verbose=False)
    plain_model, watched_model = make_model(1), make_model(1)
    np.random.seed(2)
    plain = plain_model.train(X_train, y_train, **options)
    np.random.seed(2)
    watched = watched_model.train(X_train, y_train, diagnostics=True, **options)
    assert {key: watched[key] for key in plain} == plain
    extra = sorted(set(watched) - set(plain))
    assert extra == sorted(
        ["grad_norm_1", "grad_norm_2", "grad_norm_3"]
        + ["update_ratio_1", "update_ratio_2", "update_ratio_3"]
        + ["dead_fraction_1", "dead_fraction_2"]
    )
    assert all(len(watched[key]) == 5 for key in extra)
    for (w_plain, b_plain), (w_watched, b_watched) in zip(
        plain_model.get_parameters(), watched_model.get_parameters(), strict=True
    ):
        np.testing.assert_array_equal(w_plain, w_watched)
        np.testing.assert_array_equal(b_plain, b_watched)


def test_spiral_diagnostics_match_the_runs_own_weights():
    """The last diagnosed epoch (E - 1) against a run stopped one epoch earlier."""
    epochs = 7
    kwargs = dict(print_every=None, samples=20, hidden=8, seed=3)
    before = train_spiral(SGD(learning_rate=1.0), epochs=epochs - 1, **kwargs)
    after = train_spiral(
        SGD(learning_rate=1.0), epochs=epochs, diagnostics=True, diagnose_every=3, **kwargs
    )
    assert after.diagnostics["epoch"] == [0, 3, 6]
    hidden = np.maximum(0, before.X @ before.dense1.weights + before.dense1.biases)
    assert after.diagnostics["dead_fraction_1"][-1] == np.mean(~np.any(hidden > 0, axis=0))
    change = after.dense2.weights - before.dense2.weights
    ratio = np.linalg.norm(change) / np.linalg.norm(before.dense2.weights)
    assert after.diagnostics["update_ratio_2"][-1] == pytest.approx(ratio, rel=1e-9)
    # Plain SGD with η = 1: the gradient is the change itself.
    assert after.diagnostics["grad_norm_2"][-1] == pytest.approx(np.linalg.norm(change), rel=1e-9)
    assert before.history == {key: values[:-1] for key, values in after.history.items()}


def test_spiral_curves_with_diagnostics_keeps_the_same_curves():
    options = dict(epochs=21, log_every=10, samples=20, hidden=8)
    plain = spiral_curves(0, lambda: Adam(learning_rate=0.05), **options)
    watched = spiral_curves(0, lambda: Adam(learning_rate=0.05), diagnostics=True, **options)
    assert plain["epoch"] == [0, 10, 20]
    assert {key: watched[key] for key in plain} == plain
    assert set(watched) - set(plain) == {
        "grad_norm_1",
        "grad_norm_2",
        "update_ratio_1",
        "update_ratio_2",
        "dead_fraction_1",
    }
    assert {len(values) for values in watched.values()} == {3}
