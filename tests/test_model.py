"""Model: training reaches a stated accuracy, history, batching, shuffling, evaluation,
prediction, parameters, saving and loading, the fast softmax + cross-entropy path, the log.
"""

import re

import numpy as np
import pytest

from nnlib import (
    Adam,
    BinaryCrossentropy,
    CategoricalAccuracy,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    Linear,
    MeanSquaredError,
    Model,
    RegressionAccuracy,
    ReLU,
    Sigmoid,
    Softmax,
    SoftmaxCategoricalCrossentropy,
)

N_CLASSES = 3
HISTORY_KEYS = ["epoch", "loss", "data_loss", "regularization_loss", "accuracy", "learning_rate"]
VALIDATION_KEYS = ["val_loss", "val_accuracy"]


def spiral(n_per_class, seed, turns=0.75, noise=0.1):
    """A small three-arm spiral: X (N, 2), y (N,) sparse labels."""
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.05, 1, n_per_class), N_CLASSES)
    y = np.repeat(np.arange(N_CLASSES), n_per_class)
    angle = 2 * np.pi * (y / N_CLASSES + turns * radius)
    angle += rng.normal(0, noise, len(y))
    return np.c_[radius * np.cos(angle), radius * np.sin(angle)], y


def build(layers, loss, optimizer, accuracy):
    model = Model()
    for layer in layers:
        model.add(layer)
    model.set(loss=loss, optimizer=optimizer, accuracy=accuracy)
    model.finalize()
    return model


def make_classifier(hidden=16, seed=0, learning_rate=0.05, decay=0.0, **regularizers):
    """Dense - ReLU - Dense - Softmax with categorical cross-entropy and Adam."""
    np.random.seed(seed)  # Dense initialises its weights from NumPy's global generator
    layers = [Dense(2, hidden, **regularizers), ReLU(), Dense(hidden, N_CLASSES), Softmax()]
    optimizer = Adam(learning_rate=learning_rate, decay=decay)
    return build(layers, CategoricalCrossentropy(), optimizer, CategoricalAccuracy())


def make_regressor(*front_layers, loss=None, seed=0):
    """[front layers] - Dense - ReLU - Dense - Linear with mean squared error and Adam."""
    np.random.seed(seed)
    layers = [*front_layers, Dense(2, 8), ReLU(), Dense(8, 1), Linear()]
    loss = MeanSquaredError() if loss is None else loss
    return build(layers, loss, Adam(learning_rate=0.01), RegressionAccuracy())


def regression_data(n_samples=50):
    """X whose first column numbers the samples (to follow them through batches), y (N, 1)."""
    rng = np.random.default_rng(5)
    X = np.c_[np.arange(n_samples) / n_samples, rng.standard_normal(n_samples)]
    return X, (X @ [1.0, -0.5]).reshape(-1, 1)


class Recorder(Linear):
    """The identity, remembering every batch it sees while training."""

    def __init__(self):
        self.batches = []

    def forward(self, inputs, training=True):
        if training:
            self.batches.append(np.array(inputs, copy=True))
        return super().forward(inputs, training)


class LabelRecorder(MeanSquaredError):
    """Mean squared error, remembering every batch of targets it sees."""

    def __init__(self):
        super().__init__()
        self.labels = []

    def forward(self, y_pred, y_true):
        self.labels.append(np.array(y_true, copy=True))
        return super().forward(y_pred, y_true)


@pytest.fixture(scope="module")
def spiral_data():
    return spiral(50, seed=0), spiral(50, seed=1)


def test_adam_learns_the_spiral():
    (X, y), (X_val, y_val) = spiral(100, seed=0), spiral(100, seed=1)
    model = make_classifier(hidden=64, learning_rate=0.05, decay=5e-5)
    history = model.train(X, y, epochs=150, validation_data=(X_val, y_val), verbose=False)
    # Measured: 0.99 to 1.0 for seeds 0-9; the margin allows other BLAS roundings.
    assert history["accuracy"][-1] > 0.95
    assert history["val_accuracy"][-1] > 0.95
    assert history["loss"][-1] < history["loss"][0] / 5


@pytest.mark.parametrize("with_validation", [False, True])
@pytest.mark.parametrize("batch_size", [None, 32])
def test_history_keys_and_values(spiral_data, with_validation, batch_size):
    (X, y), validation = spiral_data
    model = make_classifier(decay=0.01, weight_regularizer_l2=1e-3)
    epochs, steps = 4, 1 if batch_size is None else 5  # 150 samples
    history = model.train(
        X,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation if with_validation else None,
        verbose=False,
    )
    assert set(history) == set(HISTORY_KEYS + (VALIDATION_KEYS if with_validation else []))
    assert all(len(values) == epochs for values in history.values())
    assert history["epoch"] == [1, 2, 3, 4]
    expected_rates = [0.05 / (1 + 0.01 * (steps * epoch - 1)) for epoch in history["epoch"]]
    np.testing.assert_allclose(history["learning_rate"], expected_rates, rtol=1e-12)
    np.testing.assert_allclose(
        history["loss"],
        np.add(history["data_loss"], history["regularization_loss"]),
        rtol=1e-12,
    )
    assert all(value > 0 for value in history["regularization_loss"])
    assert all(0 <= value <= 1 for value in history["accuracy"])
    if with_validation:
        loss, accuracy = model.evaluate(*validation, verbose=False)
        assert history["val_loss"][-1] == pytest.approx(loss, rel=1e-12)
        assert history["val_accuracy"][-1] == pytest.approx(accuracy, rel=1e-12)


def epochs_seen(recorder, steps):
    batches = recorder.batches
    return [batches[start : start + steps] for start in range(0, len(batches), steps)]


@pytest.mark.parametrize("shuffle", [False, True])
def test_every_sample_is_used_once_per_epoch(shuffle):
    X, y = regression_data(50)
    recorder = Recorder()
    model = make_regressor(recorder)
    np.random.seed(3)
    model.train(X, y, epochs=3, batch_size=16, shuffle=shuffle, verbose=False)
    orders = []
    for epoch in epochs_seen(recorder, steps=4):
        assert [len(batch) for batch in epoch] == [16, 16, 16, 2]
        seen = np.vstack(epoch)
        order = np.rint(seen[:, 0] * 50).astype(int)
        np.testing.assert_array_equal(np.sort(order), np.arange(50))
        np.testing.assert_array_equal(seen, X[order])  # whole rows, unchanged
        orders.append(order)
    if shuffle:
        assert not np.array_equal(orders[0], np.arange(50))
        assert not np.array_equal(orders[0], orders[1])
    else:
        assert all(np.array_equal(order, np.arange(50)) for order in orders)


def test_shuffle_keeps_samples_and_labels_together():
    X, y = regression_data(20)
    recorder, loss = Recorder(), LabelRecorder()
    model = make_regressor(recorder, loss=loss)
    np.random.seed(4)
    model.train(X, y, epochs=2, batch_size=8, shuffle=True, verbose=False)
    assert len(recorder.batches) == len(loss.labels) == 6
    for batch_X, batch_y in zip(recorder.batches, loss.labels, strict=True):
        np.testing.assert_allclose(batch_y, (batch_X @ [1.0, -0.5]).reshape(-1, 1))


def test_evaluate_returns_the_loss_and_accuracy(spiral_data, capsys):
    (X, y), (X_val, y_val) = spiral_data
    model = make_classifier()
    model.train(X, y, epochs=20, verbose=False)
    probabilities = model.predict(X_val)
    expected_loss = np.mean(-np.log(np.clip(probabilities[np.arange(len(y_val)), y_val], 1e-7, 1)))
    expected_accuracy = np.mean(probabilities.argmax(axis=1) == y_val)
    capsys.readouterr()
    for batch_size in (None, 40):
        loss, accuracy = model.evaluate(X_val, y_val, batch_size=batch_size)
        assert loss == pytest.approx(expected_loss, rel=1e-10)
        assert accuracy == pytest.approx(expected_accuracy)
    assert (
        capsys.readouterr().out.splitlines()
        == [f"validation, acc: {expected_accuracy:.3f}, loss: {expected_loss:.3f}"] * 2
    )


def test_predict_is_the_same_with_and_without_batches(spiral_data):
    (X, y), _ = spiral_data
    model = make_classifier()
    whole = model.predict(X)
    assert whole.shape == (len(X), N_CLASSES)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0)
    np.testing.assert_allclose(model.predict(X, batch_size=7), whole, rtol=1e-12, atol=1e-15)


def test_parameters_copied_to_another_model_give_the_same_predictions(spiral_data):
    (X, _), _ = spiral_data
    source, target = make_classifier(seed=1), make_classifier(seed=2)
    assert not np.allclose(source.predict(X), target.predict(X))
    target.set_parameters(source.get_parameters())
    np.testing.assert_array_equal(target.predict(X), source.predict(X))


def test_get_parameters_is_a_snapshot():
    X, y = regression_data()
    model = make_regressor()
    snapshot = model.get_parameters()
    before = model.predict(X)
    model.train(X, y, epochs=3, verbose=False)
    assert not np.allclose(model.predict(X), before)
    model.set_parameters(snapshot)
    np.testing.assert_array_equal(model.predict(X), before)


def test_models_sharing_parameters_train_independently():
    X, y = regression_data()
    source, target = make_regressor(seed=1), make_regressor(seed=2)
    target.set_parameters(source.get_parameters())
    before = source.predict(X)
    target.train(X, y, epochs=3, verbose=False)
    np.testing.assert_array_equal(source.predict(X), before)


def test_save_and_load_parameters(spiral_data, tmp_path):
    (X, y), _ = spiral_data
    model = make_classifier(seed=1)
    model.train(X, y, epochs=5, verbose=False)
    path = tmp_path / "spiral.parms"
    model.save_parameters(path)
    fresh = make_classifier(seed=2)
    fresh.load_parameters(path)
    np.testing.assert_array_equal(fresh.predict(X), model.predict(X))


def test_saved_model_predicts_the_same_and_trains_on(spiral_data, tmp_path):
    (X, y), validation = spiral_data
    model = make_classifier(decay=1e-3)
    model.train(X, y, epochs=5, batch_size=32, verbose=False)
    path = tmp_path / "spiral.model"
    model.save(path)
    loaded = Model.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.evaluate(*validation, verbose=False) == model.evaluate(*validation, verbose=False)
    # The optimizer's state was saved too: both continue exactly alike.
    for each in (model, loaded):
        each.train(X, y, epochs=3, batch_size=32, verbose=False)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8 * 5
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_saved_model_leaves_out_the_arrays_of_the_last_pass(spiral_data, tmp_path):
    (X, y), _ = spiral_data
    np.random.seed(0)
    # Dropout has a pass array of its own, the mask.
    layers = [Dense(2, 16), ReLU(), Dropout(0.1), Dense(16, N_CLASSES), Softmax()]
    model = build(layers, CategoricalCrossentropy(), Adam(0.05), CategoricalAccuracy())
    model.train(X, y, epochs=2, batch_size=32, verbose=False)
    model.save(tmp_path / "spiral.model")
    loaded = Model.load(tmp_path / "spiral.model")
    for ours, theirs in zip(model.layers, loaded.layers, strict=True):
        for name in ("inputs", "output", "dinputs", "dweights", "dbiases", "binary_mask"):
            assert getattr(theirs, name, None) is None, (type(theirs).__name__, name)
        if isinstance(ours, Dense):
            assert ours.output is not None  # the model itself keeps its last pass
            for name in ("weights", "biases", "weight_momentums", "bias_cache"):
                np.testing.assert_array_equal(getattr(theirs, name), getattr(ours, name))
    assert loaded.loss.accumulated_count == 0


def test_saving_does_not_disturb_the_model(spiral_data, tmp_path):
    (X, y), _ = spiral_data
    model, twin = make_classifier(), make_classifier()
    model.train(X, y, epochs=2, verbose=False)
    twin.train(X, y, epochs=2, verbose=False)
    model.save(tmp_path / "spiral.model")
    for each in (model, twin):
        each.train(X, y, epochs=2, verbose=False)
    np.testing.assert_array_equal(model.predict(X), twin.predict(X))


@pytest.mark.parametrize(
    "last_layer, loss, fast_path",
    [
        (Softmax, CategoricalCrossentropy, True),
        (Sigmoid, BinaryCrossentropy, False),
        (Softmax, MeanSquaredError, False),
        (Linear, MeanSquaredError, False),
    ],
)
def test_fast_path_only_for_softmax_with_categorical_cross_entropy(last_layer, loss, fast_path):
    model = build([Dense(2, 3), last_layer()], loss(), Adam(), CategoricalAccuracy())
    combined = model.softmax_classifier_output
    assert isinstance(combined, SoftmaxCategoricalCrossentropy) if fast_path else combined is None


def gradients_of(layers):
    return [
        array.copy()
        for layer in layers
        for array in (layer.dweights, layer.dbiases, layer.dinputs)
        if array is not None
    ]


@pytest.mark.parametrize(
    "encode", [lambda y: y, lambda y: np.eye(N_CLASSES)[y]], ids=["sparse", "one_hot"]
)
def test_fast_path_gives_the_separate_paths_gradients(spiral_data, encode):
    (X, y), _ = spiral_data
    y = encode(y)
    model = make_classifier(weight_regularizer_l2=1e-3)
    dense_layers = model.trainable_layers
    output = model.forward(X, training=True)
    model.backward(output, y)
    fast = gradients_of(dense_layers)

    dvalues = model.loss.backward(output, y)
    for layer in reversed(model.layers):
        dvalues = layer.backward(dvalues)
    separate = gradients_of(dense_layers)
    assert len(fast) == len(separate) == 6
    for fast_gradient, separate_gradient in zip(fast, separate, strict=True):
        np.testing.assert_allclose(fast_gradient, separate_gradient, rtol=0, atol=1e-10)


STATS = (
    r"acc: \d\.\d{3}, loss: \d+\.\d{3} \(data_loss: \d+\.\d{3}, reg_loss: \d+\.\d{3}\), "
    r"lr: [0-9.e-]+"
)


def stats_text(history, index):
    return (
        f"acc: {history['accuracy'][index]:.3f}, loss: {history['loss'][index]:.3f} "
        f"(data_loss: {history['data_loss'][index]:.3f}, "
        f"reg_loss: {history['regularization_loss'][index]:.3f}), "
        f"lr: {history['learning_rate'][index]}"
    )


def validation_text(history, index):
    return (
        f"validation, acc: {history['val_accuracy'][index]:.3f}, "
        f"loss: {history['val_loss'][index]:.3f}"
    )


def test_full_batch_log_every_print_every_epochs_and_the_last(spiral_data, capsys):
    (X, y), _ = spiral_data
    model = make_classifier(decay=0.01)
    history = model.train(X, y, epochs=5, print_every=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"epoch: {epoch}, {stats_text(history, epoch - 1)}" for epoch in (2, 4, 5)]
    assert all(re.fullmatch(rf"epoch: \d+, {STATS}", line) for line in lines)


def test_full_batch_log_with_validation(spiral_data, capsys):
    (X, y), validation = spiral_data
    model = make_classifier()
    history = model.train(X, y, epochs=2, validation_data=validation)
    assert capsys.readouterr().out.splitlines() == [
        f"epoch: 1, {stats_text(history, 0)}",
        validation_text(history, 0),
        f"epoch: 2, {stats_text(history, 1)}",
        validation_text(history, 1),
    ]


def test_batched_log_prints_epoch_steps_training_and_validation(spiral_data, capsys):
    (X, y), validation = spiral_data  # 150 samples in batches of 40: steps 0 to 3
    model = make_classifier(decay=0.01, weight_regularizer_l1=1e-3)
    history = model.train(X, y, epochs=2, batch_size=40, print_every=2, validation_data=validation)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * 6
    for epoch in (1, 2):
        block = lines[(epoch - 1) * 6 : epoch * 6]
        assert block[0] == f"epoch: {epoch}"
        for line, step in zip(block[1:4], (0, 2, 3), strict=True):
            assert re.fullmatch(rf"step: {step}, {STATS}", line), line
        assert block[4] == f"training, {stats_text(history, epoch - 1)}"
        assert block[5] == validation_text(history, epoch - 1)


@pytest.mark.parametrize("batch_size", [None, 40])
def test_verbose_false_prints_nothing(spiral_data, capsys, batch_size):
    (X, y), validation = spiral_data
    model = make_classifier()
    model.train(X, y, epochs=2, batch_size=batch_size, validation_data=validation, verbose=False)
    model.evaluate(*validation, verbose=False)
    assert capsys.readouterr().out == ""


def test_saved_model_files_get_the_usual_permissions(tmp_path):
    make_classifier().save(tmp_path / "model.nnlib")
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    assert (tmp_path / "model.nnlib").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_diagnostics_add_per_layer_keys_and_leave_the_rest_of_the_history(spiral_data):
    (X, y), validation = spiral_data
    options = dict(epochs=3, batch_size=32, validation_data=validation, verbose=False)
    plain = make_classifier().train(X, y, **options)
    watched = make_classifier().train(X, y, diagnostics=True, **options)
    diagnostics = {"grad_norm_1", "grad_norm_2", "update_ratio_1", "update_ratio_2"}
    assert set(watched) == set(plain) | diagnostics | {"dead_fraction_1"}
    assert {key: watched[key] for key in plain} == plain
    assert all(len(watched[key]) == 3 and min(watched[key]) > 0 for key in diagnostics)
    assert all(0 <= fraction <= 1 for fraction in watched["dead_fraction_1"])
