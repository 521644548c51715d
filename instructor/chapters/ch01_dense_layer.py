"""Rubric of chapter 1, the dense layer and the forward pass: exercises 1.1 to 1.6, question 1.7."""

import numpy as np

from instructor.chapters import Part, exercise, learner_object, on
from instructor.rubric import Question
from nnlib.activations import Softmax
from nnlib.checks import (
    check_dense_forward,
    check_relu_forward,
    check_softmax_forward,
    self_check,
)
from nnlib.checks.ch01 import check_crossentropy, check_log_softmax, check_loss_predictions
from nnlib.checks.expect import attribute, expect_array

HIDDEN_SEEDS = (1, 2, 3)
# One sample, one input, one neuron: the shapes where a transposed product still "works".
ODD_DENSE_SHAPES = ((1, 1, 1), (7, 2, 6), (3, 5, 1))


@self_check
def check_softmax_extremes(Activation_Softmax):
    """Softmax on a single class, on very distant scores, and on one sample of many classes."""
    cases = {
        "a single class: every probability is 1": np.array([[3.0], [-2.0]]),
        "scores 10000 apart": np.array([[-1e4, 0.0, 1e4], [5e3, 5e3, -5e3]]),
        "one sample, 20 classes": np.linspace(-3, 3, 20).reshape(1, 20),
    }
    for description, inputs in cases.items():
        yield description
        softmax = Activation_Softmax()
        softmax.forward(inputs.copy())
        expect_array(
            "self.output",
            attribute(softmax, "output", f"{Activation_Softmax.__name__}.forward"),
            Softmax().forward(inputs),
            "normalise each row by its own maximum and its own sum (axis=1, keepdims=True).",
        )


def prediction(name: str):
    """A part's check: the learner's number ``name`` against its exercise 1.4 tolerance."""

    def run(namespace: dict):
        return check_loss_predictions(**{name: learner_object(namespace, name)}, verbose=False)

    return run


EXERCISES = [
    exercise(
        "1.1",
        "Layer_Dense: parameters and forward",
        [
            Part("self-check", 1, on("Layer_Dense", check_dense_forward)),
            Part(
                "other seeds and shapes: one sample, one input, one neuron",
                2,
                on("Layer_Dense", check_dense_forward, seeds=HIDDEN_SEEDS, shapes=ODD_DENSE_SHAPES),
            ),
        ],
        references=("nnlib.layers:Dense.__init__", "nnlib.layers:Dense.forward"),
    ),
    exercise(
        "1.2",
        "Activation_ReLU.forward",
        [
            Part("self-check", 1, on("Activation_ReLU", check_relu_forward)),
            Part(
                "other seeds and shapes",
                1,
                on("Activation_ReLU", check_relu_forward, seeds=HIDDEN_SEEDS, shape=(2, 9)),
            ),
        ],
        references=("nnlib.activations:ReLU.forward",),
    ),
    exercise(
        "1.3",
        "Activation_Softmax.forward",
        [
            Part("self-check", 1, on("Activation_Softmax", check_softmax_forward)),
            Part(
                "other seeds and shapes",
                1,
                on("Activation_Softmax", check_softmax_forward, seeds=HIDDEN_SEEDS, shape=(6, 10)),
            ),
            Part(
                "extreme scores and a single class",
                1,
                on("Activation_Softmax", check_softmax_extremes),
            ),
        ],
        references=("nnlib.activations:Softmax.forward",),
    ),
    exercise(
        "1.4",
        "Predict, then run: two losses",
        [
            Part(
                "the untrained 10-class network's loss, within 0.05",
                1,
                prediction("predicted_untrained_loss"),
            ),
            Part(
                "the clipped loss of a probability of 0, within 0.1",
                1,
                prediction("predicted_worst_loss"),
            ),
        ],
    ),
    exercise(
        "1.5",
        "The planted bug in Loss_CategoricalCrossentropy",
        [
            Part("self-check", 1, on("Loss_CategoricalCrossentropy", check_crossentropy)),
            Part(
                "other seeds: 50 samples of 10 classes",
                1,
                on(
                    "Loss_CategoricalCrossentropy",
                    check_crossentropy,
                    seeds=HIDDEN_SEEDS,
                    samples=50,
                    classes=10,
                ),
            ),
            Part(
                "two classes, a batch of two",
                1,
                on("Loss_CategoricalCrossentropy", check_crossentropy, samples=2, classes=2),
            ),
        ],
        references=("nnlib.losses:CategoricalCrossentropy.forward", "nnlib.losses:Loss.calculate"),
    ),
    exercise(
        "1.6",
        "A numerically stable log_softmax",
        [
            Part("self-check", 1, on("log_softmax", check_log_softmax)),
            Part(
                "other seeds and shapes",
                1,
                on("log_softmax", check_log_softmax, seeds=HIDDEN_SEEDS, shape=(6, 10)),
            ),
            Part(
                "a single class: every log-probability is 0",
                1,
                on("log_softmax", check_log_softmax, shape=(5, 1)),
            ),
        ],
        references=("nnlib.activations:Softmax.forward",),
    ),
]

QUESTIONS = [Question("1.7", 2)]
