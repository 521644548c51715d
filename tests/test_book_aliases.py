"""The book's class names are nnlib's classes; nnlib exports the PEP 8 names and the book's
default hyper-parameters.
"""

import inspect

import pytest

import nnlib
import nnlib.book

ALIASES = {
    "Layer_Dense": "Dense",
    "Layer_Dropout": "Dropout",
    "Layer_Input": "Input",
    "Activation_ReLU": "ReLU",
    "Activation_Softmax": "Softmax",
    "Activation_Sigmoid": "Sigmoid",
    "Activation_Linear": "Linear",
    "Loss": "Loss",
    "Loss_CategoricalCrossentropy": "CategoricalCrossentropy",
    "Loss_BinaryCrossentropy": "BinaryCrossentropy",
    "Loss_MeanSquaredError": "MeanSquaredError",
    "Loss_MeanAbsoluteError": "MeanAbsoluteError",
    "Activation_Softmax_Loss_CategoricalCrossentropy": "SoftmaxCategoricalCrossentropy",
    "Optimizer_SGD": "SGD",
    "Optimizer_Adagrad": "Adagrad",
    "Optimizer_RMSprop": "RMSprop",
    "Optimizer_Adam": "Adam",
    "Accuracy_Categorical": "CategoricalAccuracy",
    "Accuracy_Regression": "RegressionAccuracy",
    "Model": "Model",
}

PEP8_NAMES = [
    "Dense",
    "Dropout",
    "Input",
    "ReLU",
    "Softmax",
    "Sigmoid",
    "Linear",
    "Loss",
    "CategoricalCrossentropy",
    "BinaryCrossentropy",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "SoftmaxCategoricalCrossentropy",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "CategoricalAccuracy",
    "RegressionAccuracy",
    "Model",
]

DEFAULTS = {
    "SGD": {"learning_rate": 1.0, "decay": 0.0, "momentum": 0.0},
    "Adagrad": {"learning_rate": 1.0, "decay": 0.0, "epsilon": 1e-7},
    "RMSprop": {"learning_rate": 0.001, "decay": 0.0, "epsilon": 1e-7, "rho": 0.9},
    "Adam": {
        "learning_rate": 0.001,
        "decay": 0.0,
        "epsilon": 1e-7,
        "beta_1": 0.9,
        "beta_2": 0.999,
    },
}


@pytest.mark.parametrize("book_name, name", ALIASES.items())
def test_book_name_is_the_same_class(book_name, name):
    assert getattr(nnlib.book, book_name) is getattr(nnlib, name)
    assert book_name in nnlib.book.__all__


@pytest.mark.parametrize("name", PEP8_NAMES)
def test_top_level_exports(name):
    assert inspect.isclass(getattr(nnlib, name))
    assert name in nnlib.__all__


@pytest.mark.parametrize("name", DEFAULTS)
def test_optimizer_defaults_follow_the_book(name):
    parameters = inspect.signature(getattr(nnlib, name)).parameters
    assert list(parameters) == list(DEFAULTS[name])
    assert {key: value.default for key, value in parameters.items()} == DEFAULTS[name]


@pytest.mark.parametrize("name", DEFAULTS)
def test_optimizer_instances_carry_the_defaults(name):
    optimizer = getattr(nnlib, name)()
    for attribute, value in DEFAULTS[name].items():
        assert getattr(optimizer, attribute) == value
    assert optimizer.current_learning_rate == DEFAULTS[name]["learning_rate"]
    assert optimizer.iterations == 0
