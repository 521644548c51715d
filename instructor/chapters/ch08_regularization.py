"""Rubric of chapter 8, regularization: exercises 8.1 to 8.3; written question 8.4."""

import numpy as np

from instructor.chapters import Part, all_of, check_dense_gradients_numerically, exercise, on
from instructor.rubric import Question
from nnlib.checks import (
    CheckFailure,
    check_dense_regularization,
    check_dropout,
    check_regularization_loss,
    self_check,
)
from nnlib.checks.expect import attribute, expect_array

ALL_REGULARIZERS = {
    "weight_regularizer_l1": 0.01,
    "weight_regularizer_l2": 0.02,
    "bias_regularizer_l1": 0.03,
    "bias_regularizer_l2": 0.04,
}


@self_check
def check_dropout_inference(Layer_Dropout, *, seed=5, rate=0.4):
    """forward(inputs, training=False) is the identity; each training call draws a new mask."""
    name = Layer_Dropout.__name__
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(0.5, 1.5, (40, 10))
    np.random.seed(seed)
    dropout = Layer_Dropout(rate)
    yield f"{name}({rate}).forward(inputs, training=False) returns the inputs as they are"
    dropout.forward(inputs.copy(), training=False)
    expect_array(
        "self.output",
        attribute(dropout, "output", f"{name}.forward"),
        inputs,
        "at inference nothing is dropped and nothing is scaled: self.output = inputs.copy().",
    )
    yield "two training passes draw two different masks"
    first = np.array(dropout.forward(inputs.copy()), dtype=np.float64)
    second = np.array(dropout.forward(inputs.copy()), dtype=np.float64)
    if np.array_equal(first == 0, second == 0):
        raise CheckFailure(
            "both passes dropped exactly the same values",
            "draw a new mask inside forward at every training call.",
        )


EXERCISES = [
    exercise(
        "8.1",
        "Layer_Dense.backward with L1 and L2 regularization",
        [
            Part("self-check", 1, on("Layer_Dense", check_dense_regularization)),
            Part(
                "other seeds, parameters of exactly 0",
                1,
                on("Layer_Dense", check_dense_regularization, seeds=(1, 2), zeros=True),
            ),
            Part(
                "agreement with finite differences, all four regularizers",
                1,
                on("Layer_Dense", check_dense_gradients_numerically, **ALL_REGULARIZERS),
            ),
        ],
        references=("nnlib.layers:Dense.backward",),
    ),
    exercise(
        "8.2",
        "Loss.regularization_loss",
        [
            Part("self-check", 1, on("Loss", check_regularization_loss)),
            Part("other seeds", 1, on("Loss", check_regularization_loss, seeds=(1, 2, 3))),
        ],
        references=("nnlib.losses:Loss.regularization_loss",),
    ),
    exercise(
        "8.3",
        "Layer_Dropout",
        [
            Part("self-check", 1, on("Layer_Dropout", check_dropout)),
            Part(
                "inference, a new mask at every pass",
                1,
                on("Layer_Dropout", check_dropout_inference),
            ),
            Part(
                "rates 0.1 and 0.5, other seeds",
                1,
                all_of(
                    on("Layer_Dropout", check_dropout, seeds=(1, 2), rate=0.1),
                    on("Layer_Dropout", check_dropout, seeds=(1, 2), rate=0.5),
                ),
            ),
        ],
        references=("nnlib.layers:Dropout.forward", "nnlib.layers:Dropout.backward"),
    ),
]

QUESTIONS = [Question("8.4", 2)]
