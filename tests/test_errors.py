"""Clear errors, nothing lost: every mistake raises one exception of a stated type whose
message says what was expected and what came, and never leaves a model or a file damaged.
"""

import os
import pickle
import re

import numpy as np
import pytest

from nnlib import (
    SGD,
    Adagrad,
    Adam,
    CategoricalAccuracy,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    Linear,
    MeanSquaredError,
    Model,
    ModelFileError,
    NotForwardedError,
    RegressionAccuracy,
    ReLU,
    RMSprop,
    Sigmoid,
    Softmax,
    SoftmaxCategoricalCrossentropy,
    TrainingDivergedError,
)
from tests.gradients import assert_unchanged
from tests.test_model import build, make_regressor, regression_data

PREDICTIONS = np.full((4, 3), 1 / 3)  # 4 samples, 3 classes
X_SMALL = np.arange(8.0).reshape(4, 2) / 8


def parameter_arrays(model):
    return [array for pair in model.get_parameters() for array in pair]


def small_classifier():
    np.random.seed(0)
    return build([Dense(2, 3), Softmax()], CategoricalCrossentropy(), SGD(), CategoricalAccuracy())


# ---------------------------------------------------------------- inputs of the wrong shape


@pytest.mark.parametrize(
    "inputs, pattern",
    [
        (
            np.zeros((300, 3)),
            r"\(N, 2\): 2 features per sample, got shape \(300, 3\) \(3 features\)",
        ),
        (np.zeros(2), r"\(N, 2\), got shape \(2,\)\. For one sample, use x\.reshape\(1, -1\)"),
        (np.zeros((2, 2, 2)), r"\(N, 2\), got shape \(2, 2, 2\)"),
    ],
    ids=["features", "one_dimensional", "three_dimensional"],
)
@pytest.mark.parametrize("entry", ["dense", "model_train", "model_predict"])
def test_inputs_of_the_wrong_shape(inputs, pattern, entry):
    calls = {
        "dense": lambda: Dense(2, 4).forward(inputs),
        "model_train": lambda: small_classifier().train(inputs, np.zeros(len(inputs), int)),
        "model_predict": lambda: small_classifier().predict(inputs),
    }
    with pytest.raises(ValueError, match=r"Dense inputs must have shape " + pattern):
        calls[entry]()


# ---------------------------------------------------------------- class labels

LABEL_CASES = {
    "out_of_range": (
        [0, 1, 2, 3],
        ValueError,
        r"class labels must be in \[0, 3\) for 3 classes, got labels from 0 to 3",
    ),
    "negative": ([0, -1, 2, 1], ValueError, r"must be in \[0, 3\).*got labels from -1 to 2"),
    "one_hot_width": (
        np.eye(2)[[0, 1, 1, 0]],
        ValueError,
        r"one-hot labels y_true must have the predictions' shape \(4, 3\), got shape \(4, 2\)",
    ),
    "three_dimensional": (
        np.zeros((4, 3, 1), int),
        ValueError,
        r"sparse labels of shape \(4,\) or one-hot labels of shape \(4, 3\), got shape \(4, 3, 1\)",
    ),
    "count": ([0, 1, 2], ValueError, r"y_true has 3 labels but the predictions have 4 samples"),
    "float": (
        [0.0, 1.0, 2.0, 1.0],
        TypeError,
        r"sparse labels y_true must be integer class indices, got dtype float64",
    ),
}


def combined_backward(labels):
    combined = SoftmaxCategoricalCrossentropy()
    combined.forward(np.zeros((4, 3)), [0, 1, 2, 0])
    combined.backward(combined.output, labels)


LABEL_ENTRIES = {
    "cce_forward": lambda labels: CategoricalCrossentropy().forward(PREDICTIONS, labels),
    "cce_backward": lambda labels: CategoricalCrossentropy().backward(PREDICTIONS, labels),
    "cce_calculate": lambda labels: CategoricalCrossentropy().calculate(PREDICTIONS, labels),
    "combined_forward": lambda labels: SoftmaxCategoricalCrossentropy().forward(
        np.zeros((4, 3)), labels
    ),
    "combined_backward": combined_backward,
    "model_train": lambda labels: small_classifier().train(X_SMALL, np.array(labels)),
    "model_evaluate": lambda labels: small_classifier().evaluate(X_SMALL, np.array(labels)),
}
# Model checks the number of samples itself, before the loss sees the labels.
MODEL_COUNT_PATTERN = r"X(_val)? has 4 samples but y(_val)? has 3"


@pytest.mark.parametrize("case", LABEL_CASES)
@pytest.mark.parametrize("entry", LABEL_ENTRIES)
def test_bad_class_labels(entry, case):
    labels, error, pattern = LABEL_CASES[case]
    if case == "count" and entry.startswith("model"):
        pattern = MODEL_COUNT_PATTERN
    with pytest.raises(error, match=pattern):
        LABEL_ENTRIES[entry](labels)


def test_bad_labels_leave_the_model_untouched():
    model = small_classifier()
    before = [array.copy() for array in parameter_arrays(model)]
    with pytest.raises(ValueError, match="class labels must be in"):
        model.train(X_SMALL, np.array([0, 1, 2, 5]), verbose=False)
    assert_unchanged(parameter_arrays(model), before)


@pytest.mark.parametrize(
    "y, pattern",
    [
        (np.zeros(4), r"y_true must have the predictions' shape \(4, 1\), got shape \(4,\)\. "),
        (np.zeros((4, 2)), r"y_true must have the predictions' shape \(4, 1\), got shape \(4, 2\)"),
    ],
)
def test_regression_targets_of_the_wrong_shape(y, pattern):
    with pytest.raises(ValueError, match=pattern + r".*y\.reshape\(-1, 1\)"):
        make_regressor().train(X_SMALL, y, verbose=False)


# ---------------------------------------------------------------- backward


def backward_without_forward(name):
    dvalues = np.ones((4, 3))
    if name == "SoftmaxCategoricalCrossentropy":
        SoftmaxCategoricalCrossentropy().backward(dvalues, [0, 1, 2, 0])
    else:
        STATEFUL[name]().backward(dvalues)


STATEFUL = {
    "Dense": lambda: Dense(2, 3),
    "Dropout": lambda: Dropout(0.5),
    "ReLU": ReLU,
    "Softmax": Softmax,
    "Sigmoid": Sigmoid,
    "Linear": Linear,
}


@pytest.mark.parametrize("name", [*STATEFUL, "SoftmaxCategoricalCrossentropy"])
def test_backward_before_forward(name):
    pattern = rf"{name}\.backward\(\) was called before {name}\.forward\(\)"
    with pytest.raises(NotForwardedError, match=pattern + ".*run a forward pass first"):
        backward_without_forward(name)


@pytest.mark.parametrize("name", STATEFUL)
def test_dvalues_of_the_wrong_shape(name):
    layer = STATEFUL[name]()
    inputs = np.ones((4, 2)) if name == "Dense" else np.ones((4, 3))
    layer.forward(inputs)
    with pytest.raises(ValueError, match=r"must have shape \(4, 3\), got shape"):
        layer.backward(np.ones((5, 3)) if name == "Dense" else np.ones((4, 2)))


@pytest.mark.parametrize(
    "loss, dvalues, y, pattern",
    [
        (MeanSquaredError(), np.ones(4), np.ones(4), r"dvalues must have shape \(N, D\)"),
        (MeanSquaredError(), np.ones((4, 1)), np.ones(4), r"\(4, 1\), got shape \(4,\)"),
        (CategoricalCrossentropy(), np.ones((4, 3)), [0, 1], r"2 labels but .* 4 samples"),
    ],
)
def test_loss_backward_with_mismatched_shapes(loss, dvalues, y, pattern):
    with pytest.raises(ValueError, match=pattern):
        loss.backward(dvalues, y)


# ---------------------------------------------------------------- hyper-parameters

HYPER_PARAMETERS = [
    (lambda: SGD(learning_rate=-0.1), r"learning_rate must be in \(0, .*got -0\.1"),
    (lambda: Adam(learning_rate=0), r"learning_rate must be in \(0, .*got 0"),
    (lambda: SGD(learning_rate="0.1"), r"learning_rate must be a finite number, got '0\.1'"),
    (
        lambda: RMSprop(learning_rate=float("nan")),
        r"learning_rate must be a finite number, got nan",
    ),
    (lambda: Adagrad(learning_rate=float("inf")), r"learning_rate must be a finite number"),
    (lambda: SGD(decay=-1e-3), r"decay must be in \[0, .*got -0\.001"),
    (lambda: Adam(decay="0"), r"decay must be a finite number, got '0'"),
    (lambda: Dropout(1.0), r"dropout rate must be in \[0, 1\), got 1\.0"),
    (lambda: Dropout(-0.1), r"dropout rate must be in \[0, 1\), got -0\.1"),
    (lambda: Dropout(None), r"dropout rate must be a finite number, got None"),
    (lambda: SGD(momentum=1.0), r"momentum must be in \[0, 1\), got 1\.0"),
    (lambda: SGD(momentum=-0.5), r"momentum must be in \[0, 1\), got -0\.5"),
    (lambda: RMSprop(rho=1.0), r"rho must be in \[0, 1\), got 1\.0"),
    (lambda: RMSprop(rho=-0.1), r"rho must be in \[0, 1\), got -0\.1"),
    (lambda: Adam(beta_1=1.0), r"beta_1 must be in \[0, 1\), got 1\.0"),
    (lambda: Adam(beta_1=-0.1), r"beta_1 must be in \[0, 1\), got -0\.1"),
    (lambda: Adam(beta_2=1.5), r"beta_2 must be in \[0, 1\), got 1\.5"),
    (lambda: Adagrad(epsilon=0), r"epsilon must be in \(0, .*got 0"),
    (lambda: RMSprop(epsilon=-1e-7), r"epsilon must be in \(0, .*got -1e-07"),
    (lambda: Adam(epsilon=0.0), r"epsilon must be in \(0, .*got 0\.0"),
    (lambda: Dense(2, 0), r"n_neurons must be a positive integer, got 0"),
    (lambda: Dense(0, 2), r"n_inputs must be a positive integer, got 0"),
    (lambda: Dense(2.5, 3), r"n_inputs must be a positive integer, got 2\.5"),
    (lambda: Dense(2, "3"), r"n_neurons must be a positive integer, got '3'"),
    (lambda: Dense(2, 3, -0.1), r"weight_regularizer_l1 must be in \[0, .*got -0\.1"),
    (lambda: Dense(2, 3, 0, -0.1), r"weight_regularizer_l2 must be in \[0, .*got -0\.1"),
    (lambda: Dense(2, 3, 0, 0, -0.1), r"bias_regularizer_l1 must be in \[0, .*got -0\.1"),
    (lambda: Dense(2, 3, 0, 0, 0, -0.1), r"bias_regularizer_l2 must be in \[0, .*got -0\.1"),
    (lambda: Dense(2, 3, float("nan")), r"weight_regularizer_l1 must be a finite number, got nan"),
]


@pytest.mark.parametrize(
    "make, pattern", HYPER_PARAMETERS, ids=[p.replace("\\", "") for _, p in HYPER_PARAMETERS]
)
def test_invalid_hyper_parameters(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


@pytest.mark.parametrize(
    "option, pattern",
    [
        ({"epochs": 0}, r"epochs must be a positive integer, got 0"),
        ({"epochs": 2.5}, r"epochs must be a positive integer, got 2\.5"),
        ({"batch_size": 0}, r"batch_size must be a positive integer, got 0"),
        ({"batch_size": -8}, r"batch_size must be a positive integer, got -8"),
        ({"print_every": 0}, r"print_every must be a positive integer, got 0"),
    ],
)
def test_invalid_training_options(option, pattern):
    with pytest.raises(ValueError, match=pattern):
        small_classifier().train(X_SMALL, np.array([0, 1, 2, 0]), verbose=False, **option)


@pytest.mark.parametrize("batch_size", [0, -1])
@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_invalid_batch_size_for_prediction(method, batch_size):
    model = small_classifier()
    arguments = (X_SMALL,) if method == "predict" else (X_SMALL, np.array([0, 1, 2, 0]))
    with pytest.raises(
        ValueError, match=rf"batch_size must be a positive integer, got {batch_size}"
    ):
        getattr(model, method)(*arguments, batch_size=batch_size)


# ---------------------------------------------------------------- divergence


def test_nan_inputs_stop_training_at_the_step_that_saw_them():
    X, y = regression_data(30)
    X[25, 1] = np.nan  # in the third batch of ten
    model = make_regressor()
    with np.errstate(all="ignore"), pytest.raises(TrainingDivergedError) as caught:
        model.train(X, y, epochs=3, batch_size=10, verbose=False)
    message = str(caught.value)
    assert re.search(r"loss became nan at epoch 1, step 2", message)
    assert "smaller learning rate" in message
    assert "NaN" in message
    # The step that saw the NaN was not applied.
    assert all(np.all(np.isfinite(array)) for array in parameter_arrays(model))


def test_divergence_in_the_first_step_changes_no_parameter():
    X, y = regression_data(30)
    X[0, 0] = np.inf
    model = make_regressor()
    before = [array.copy() for array in parameter_arrays(model)]
    with np.errstate(all="ignore"), pytest.raises(TrainingDivergedError, match="epoch 1, step 0"):
        model.train(X, y, epochs=2, verbose=False)
    assert_unchanged(parameter_arrays(model), before)


def test_a_huge_learning_rate_diverges_with_a_clear_message():
    rng = np.random.default_rng(0)
    X = 100 * rng.standard_normal((20, 1))
    np.random.seed(0)
    model = build([Dense(1, 1), Linear()], MeanSquaredError(), SGD(1.0), RegressionAccuracy())
    with np.errstate(all="ignore"), pytest.raises(TrainingDivergedError) as caught:
        model.train(X, 3 * X, epochs=1000, verbose=False)
    match = re.search(r"the loss became (inf|nan) at epoch (\d+), step 0", str(caught.value))
    assert match, caught.value
    assert 1 < int(match.group(2)) < 1000
    assert "Try a smaller learning rate" in str(caught.value)
    assert isinstance(caught.value, FloatingPointError)


# ---------------------------------------------------------------- model misuse


def test_train_before_finalize():
    model = Model()
    model.add(Dense(2, 3))
    model.add(Softmax())
    model.set(loss=CategoricalCrossentropy(), optimizer=SGD(), accuracy=CategoricalAccuracy())
    with pytest.raises(RuntimeError, match=r"call model\.finalize\(\) after add\(\) and set\(\)"):
        model.train(X_SMALL, np.array([0, 1, 2, 0]))


def test_adding_a_layer_after_finalize_needs_finalize_again():
    model = small_classifier()
    model.add(ReLU())
    with pytest.raises(RuntimeError, match=r"finalize\(\)"):
        model.predict(X_SMALL)


@pytest.mark.parametrize(
    "layers, pattern",
    [
        ([], r"Model\.finalize\(\): add at least one layer first"),
        ([Dense(2, 3)], r"Model\.finalize\(\): set a loss first, e\.g\. model\.set\(loss=\.\.\.\)"),
    ],
)
def test_finalize_without_layers_or_loss(layers, pattern):
    model = Model()
    for layer in layers:
        model.add(layer)
    with pytest.raises(RuntimeError, match=pattern):
        model.finalize()


@pytest.mark.parametrize("part", ["optimizer", "accuracy"])
def test_train_without_optimizer_or_accuracy(part):
    model = Model()
    model.add(Dense(2, 3))
    model.add(Softmax())
    parts = {"optimizer": SGD(), "accuracy": CategoricalAccuracy()}
    del parts[part]
    model.set(loss=CategoricalCrossentropy(), **parts)
    model.finalize()
    with pytest.raises(RuntimeError, match=rf"set the model's {part} first: model\.set\({part}="):
        model.train(X_SMALL, np.array([0, 1, 2, 0]))


def test_add_rejects_what_is_not_a_layer():
    with pytest.raises(TypeError, match=r"expects a layer or activation .* got ndarray"):
        Model().add(np.zeros((2, 3)))


def test_training_on_no_samples_says_so():
    with pytest.raises(ValueError, match=r"(no|0|at least one) samples?"):
        small_classifier().train(np.zeros((0, 2)), np.zeros(0, int), verbose=False)


@pytest.mark.parametrize(
    "parameters, pattern",
    [
        (
            [(np.zeros((2, 3)), np.zeros((1, 3)))] * 2,
            r"expected parameters for 1 trainable layers, got 2",
        ),
        (
            [(np.zeros((3, 2)), np.zeros((1, 3)))],
            r"weights must have shape \(2, 3\), got shape \(3, 2\)",
        ),
        ([(np.zeros((2, 3)), np.zeros(3))], r"biases must have shape \(1, 3\), got shape \(3,\)"),
    ],
)
def test_set_parameters_of_the_wrong_architecture(parameters, pattern):
    with pytest.raises(ValueError, match=pattern):
        small_classifier().set_parameters(parameters)


def test_parameters_given_as_integer_lists_can_be_trained():
    model = small_classifier()
    model.set_parameters([([[1, 0, 0], [0, 1, 0]], [[0, 0, 0]])])
    model.train(X_SMALL, np.array([0, 1, 2, 0]), epochs=2, verbose=False)
    weights, biases = model.get_parameters()[0]
    assert np.issubdtype(weights.dtype, np.floating)
    assert not np.array_equal(weights, [[1, 0, 0], [0, 1, 0]])


# ---------------------------------------------------------------- model files


@pytest.fixture
def saved_model(tmp_path):
    X, y = regression_data()
    model = make_regressor()
    model.train(X, y, epochs=2, verbose=False)
    path = tmp_path / "regressor.model"
    model.save(path)
    return path


def flip_middle_byte(data):
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


DAMAGE = {
    "flipped_byte": (flip_middle_byte, r"is corrupt or truncated .*checksum does not match"),
    "truncated": (lambda data: data[: len(data) // 2], r"is corrupt or truncated"),
    "empty": (lambda data: b"", r"is not a model saved by nnlib"),
    "text": (lambda data: b'{"layers": []}\n', r"is not a model saved by nnlib"),
    "plain_pickle": (lambda data: pickle.dumps(Model()), r"is not a model saved by nnlib"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_loading_a_damaged_file(saved_model, damage):
    change, pattern = DAMAGE[damage]
    damaged = saved_model.with_name("damaged.model")
    damaged.write_bytes(change(saved_model.read_bytes()))
    kept = damaged.read_bytes()
    with pytest.raises(ModelFileError, match=pattern) as caught:
        Model.load(damaged)
    assert "damaged.model" in str(caught.value)
    assert damaged.read_bytes() == kept


def test_loading_a_parameter_file_as_a_model(tmp_path):
    path = tmp_path / "only.parms"
    make_regressor().save_parameters(path)
    with pytest.raises(ModelFileError, match=r"holds a list, expected a model \(Model\)"):
        Model.load(path)


def test_loading_a_model_file_as_parameters(saved_model):
    with pytest.raises(ModelFileError, match=r"holds a Model, expected a parameter list \(list\)"):
        make_regressor().load_parameters(saved_model)


def test_loading_parameters_from_a_damaged_file_leaves_the_model_alone(saved_model):
    parameters = saved_model.with_name("damaged.parms")
    model = make_regressor()
    model.save_parameters(parameters)
    parameters.write_bytes(flip_middle_byte(parameters.read_bytes()))
    before = model.predict(regression_data()[0])
    with pytest.raises(ModelFileError, match="corrupt or truncated"):
        model.load_parameters(parameters)
    np.testing.assert_array_equal(model.predict(regression_data()[0]), before)


def save_with(method, path):
    model = make_regressor()
    if method == "save":
        model.save(path)
    else:
        model.save_parameters(path)


@pytest.mark.parametrize("method", ["save", "save_parameters"])
def test_save_leaves_no_temporary_files(tmp_path, method):
    path = tmp_path / "out.model"
    save_with(method, path)
    save_with(method, path)  # over an existing file too
    assert sorted(os.listdir(tmp_path)) == ["out.model"]


@pytest.mark.parametrize("method", ["save", "save_parameters"])
@pytest.mark.parametrize("failing", ["pickle.dumps", "os.replace"])
def test_failed_save_keeps_the_existing_file(tmp_path, monkeypatch, method, failing):
    path = tmp_path / "out.model"
    save_with(method, path)
    kept = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    module, name = failing.split(".")
    monkeypatch.setattr({"pickle": pickle, "os": os}[module], name, fail)
    with pytest.raises(OSError, match="disk full"):
        save_with(method, path)
    monkeypatch.undo()
    assert path.read_bytes() == kept
    assert sorted(os.listdir(tmp_path)) == ["out.model"]


# ---------------------------------------------------------------- accumulation


@pytest.mark.parametrize("metric", [MeanSquaredError(), CategoricalAccuracy()])
def test_accumulated_values_need_a_calculation_first(metric):
    with pytest.raises(RuntimeError, match=r"calculate_accumulated\(\) needs at least one"):
        metric.calculate_accumulated()


def test_accuracy_with_predictions_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"predictions have shape \(3,\) but the targets .*\(4,\)"):
        CategoricalAccuracy().calculate(np.array([0, 1, 2]), np.array([0, 1, 2, 0]))
