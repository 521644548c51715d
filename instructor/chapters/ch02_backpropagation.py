"""Rubric of chapter 2, backpropagation: exercises 2.1 to 2.4; written question 2.5."""

from instructor.chapters import Part, all_of, check_dense_gradients_numerically, exercise, on
from instructor.rubric import Question
from nnlib.checks.ch02 import (
    check_dense_backward,
    check_gradient_error,
    check_mse_backward,
    check_sigmoid_bce_backward,
)

HIDDEN_SEEDS = (1, 2, 3)
SIGMOID_BCE = "Activation_Sigmoid_Loss_BinaryCrossentropy"

EXERCISES = [
    exercise(
        "2.1",
        "a gradient check of your own",
        [
            Part("self-check", 1, on("gradient_error", check_gradient_error)),
            Part(
                "other seeds and shapes, categorical cross-entropy with class indices",
                1,
                on(
                    "gradient_error",
                    check_gradient_error,
                    seeds=HIDDEN_SEEDS,
                    shape=(3, 4),
                    categorical=True,
                ),
            ),
        ],
        # The check must measure, not ask nnlib for the right gradient.
        references=(
            "nnlib.losses:MeanSquaredError.backward",
            "nnlib.losses:BinaryCrossentropy.backward",
            "nnlib.losses:CategoricalCrossentropy.backward",
        ),
    ),
    exercise(
        "2.2",
        "Layer_Dense.backward, derived",
        [
            Part("self-check", 1, on("Layer_Dense", check_dense_backward)),
            Part(
                "other seeds and shapes: one sample, one input, one neuron",
                1,
                on(
                    "Layer_Dense",
                    check_dense_backward,
                    seeds=HIDDEN_SEEDS,
                    shapes=((1, 1, 1), (7, 2, 6), (3, 5, 1)),
                ),
            ),
            Part(
                "agreement with finite differences",
                1,
                on("Layer_Dense", check_dense_gradients_numerically),
            ),
        ],
        references=("nnlib.layers:Dense.backward",),
    ),
    exercise(
        "2.3",
        "sigmoid with binary cross-entropy, derived",
        [
            Part("self-check", 1, on(SIGMOID_BCE, check_sigmoid_bce_backward)),
            Part(
                "other seeds, one sample of one output, 32 samples of 4 outputs",
                1,
                on(
                    SIGMOID_BCE,
                    check_sigmoid_bce_backward,
                    seeds=HIDDEN_SEEDS,
                    shapes=((1, 1), (32, 4)),
                ),
            ),
            Part(
                "saturated sigmoids: logits up to about ±30",
                1,
                all_of(
                    on(SIGMOID_BCE, check_sigmoid_bce_backward, shapes=((6, 2),), scale=30.0),
                    on(
                        SIGMOID_BCE,
                        check_sigmoid_bce_backward,
                        seeds=HIDDEN_SEEDS,
                        shapes=((3, 5),),
                        scale=30.0,
                    ),
                ),
            ),
        ],
        references=(
            "nnlib.losses:BinaryCrossentropy.backward",
            "nnlib.activations:Sigmoid.backward",
        ),
    ),
    exercise(
        "2.4",
        "the planted bug in Loss_MeanSquaredError.backward",
        [
            Part("self-check", 1, on("Loss_MeanSquaredError", check_mse_backward)),
            Part(
                "other seeds and shapes: one sample, 16 samples of 2 outputs",
                1,
                on(
                    "Loss_MeanSquaredError",
                    check_mse_backward,
                    seeds=HIDDEN_SEEDS,
                    shapes=((1, 1), (16, 2)),
                ),
            ),
        ],
        references=("nnlib.losses:MeanSquaredError.backward",),
    ),
]

QUESTIONS = [Question("2.5", 2)]
