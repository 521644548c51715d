"""Rubric of chapter 2, backpropagation: exercises 2.1 to 2.3; written question 2.4."""

from instructor.chapters import Part, all_of, check_dense_gradients_numerically, exercise, on
from instructor.rubric import Question
from nnlib.checks import (
    check_dense_backward,
    check_relu_backward,
    check_softmax_crossentropy_backward,
)

HIDDEN_SEEDS = (1, 2, 3)
COMBINED = "Activation_Softmax_Loss_CategoricalCrossentropy"

EXERCISES = [
    exercise(
        "2.1",
        "Layer_Dense.backward",
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
        "2.2",
        "Activation_ReLU.backward",
        [
            Part("self-check", 1, on("Activation_ReLU", check_relu_backward)),
            Part(
                "other seeds and shapes",
                1,
                on("Activation_ReLU", check_relu_backward, seeds=HIDDEN_SEEDS, shape=(3, 8)),
            ),
        ],
        references=("nnlib.activations:ReLU.backward",),
    ),
    exercise(
        "2.3",
        "Activation_Softmax_Loss_CategoricalCrossentropy.backward",
        [
            Part("self-check", 1, on(COMBINED, check_softmax_crossentropy_backward)),
            Part(
                "one sample of two classes, then many samples of ten classes",
                2,
                all_of(
                    on(
                        COMBINED,
                        check_softmax_crossentropy_backward,
                        seeds=HIDDEN_SEEDS,
                        shape=(1, 2),
                    ),
                    on(
                        COMBINED,
                        check_softmax_crossentropy_backward,
                        seeds=HIDDEN_SEEDS,
                        shape=(32, 10),
                    ),
                ),
            ),
        ],
        references=("nnlib.losses:SoftmaxCategoricalCrossentropy.backward",),
    ),
]

QUESTIONS = [Question("2.4", 2)]
