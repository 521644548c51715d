"""nnlib: the reference neural-network library of *Neural Networks from Scratch, the course*.

PEP 8 names here; the book's names (``Layer_Dense``...) are in :mod:`nnlib.book`.
"""

from nnlib.accuracy import CategoricalAccuracy, RegressionAccuracy
from nnlib.activations import Linear, ReLU, Sigmoid, Softmax
from nnlib.layers import Dense, Dropout, Input
from nnlib.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    SoftmaxCategoricalCrossentropy,
)
from nnlib.model import Model, TrainingDivergedError
from nnlib.optimizers import SGD, Adagrad, Adam, RMSprop
from nnlib.serialization import ModelFileError
from nnlib.validation import NotForwardedError

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "BinaryCrossentropy",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "Dense",
    "Dropout",
    "Input",
    "Linear",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Model",
    "ModelFileError",
    "NotForwardedError",
    "RMSprop",
    "ReLU",
    "RegressionAccuracy",
    "Sigmoid",
    "Softmax",
    "SoftmaxCategoricalCrossentropy",
    "TrainingDivergedError",
]
