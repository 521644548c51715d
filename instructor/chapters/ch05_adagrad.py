"""Rubric of chapter 5, AdaGrad: exercises 5.1 and 5.2; written question 5.3."""

from instructor.chapters import Part, exercise, on
from instructor.rubric import Question
from nnlib.checks import check_adagrad, check_effective_learning_rates

EXERCISES = [
    exercise(
        "5.1",
        "Optimizer_Adagrad.update_params",
        [
            Part("self-check", 1, on("Optimizer_Adagrad", check_adagrad)),
            Part(
                "10 steps with decay, other seeds: the cache kept across steps",
                2,
                on("Optimizer_Adagrad", check_adagrad, seeds=(1, 2, 3), steps=10, decay=0.01),
            ),
        ],
        references=("nnlib.optimizers:Adagrad.update_params",),
    ),
    exercise(
        "5.2",
        "effective_learning_rates",
        [
            Part("self-check", 1, on("effective_learning_rates", check_effective_learning_rates)),
            Part(
                "other seeds, after 7 steps",
                1,
                on(
                    "effective_learning_rates",
                    check_effective_learning_rates,
                    seeds=(1, 2, 3),
                    steps=7,
                ),
            ),
        ],
    ),
]

QUESTIONS = [Question("5.3", 2)]
