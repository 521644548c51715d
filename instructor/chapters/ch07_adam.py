"""Rubric of chapter 7, Adam: exercises 7.1 and 7.2; written question 7.3."""

from instructor.chapters import Part, exercise, on
from instructor.rubric import Question
from nnlib.checks import check_adam_moments, check_adam_update

EXERCISES = [
    exercise(
        "7.1",
        "Optimizer_Adam.update_moments",
        [
            Part("self-check", 1, on("Optimizer_Adam", check_adam_moments)),
            Part(
                "beta_1=0.8, beta_2=0.99 over 10 calls, other seeds",
                1,
                on(
                    "Optimizer_Adam",
                    check_adam_moments,
                    seeds=(1, 2, 3),
                    steps=10,
                    beta_1=0.8,
                    beta_2=0.99,
                ),
            ),
        ],
        references=("nnlib.optimizers:Adam.update_params",),
    ),
    exercise(
        "7.2",
        "Optimizer_Adam.update_params: bias correction and step",
        [
            Part("self-check", 1, on("Optimizer_Adam", check_adam_update)),
            Part(
                "10 steps with decay, other seeds",
                2,
                on("Optimizer_Adam", check_adam_update, seeds=(1, 2, 3), steps=10, decay=0.01),
            ),
        ],
        references=("nnlib.optimizers:Adam.update_params",),
    ),
]

QUESTIONS = [Question("7.3", 2)]
