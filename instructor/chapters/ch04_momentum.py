"""Rubric of chapter 4, momentum: exercises 4.1 and 4.2; written question 4.3."""

from instructor.chapters import Part, exercise, on
from instructor.rubric import Question
from nnlib.checks import check_momentum_settings, check_sgd_momentum

EXERCISES = [
    exercise(
        "4.1",
        "Optimizer_SGD.update_params with momentum",
        [
            Part("self-check", 1, on("Optimizer_SGD", check_sgd_momentum)),
            Part(
                "10 steps with momentum 0.5 and decay, other seeds: state kept across steps",
                2,
                on(
                    "Optimizer_SGD",
                    check_sgd_momentum,
                    seeds=(1, 2, 3),
                    steps=10,
                    momentum=0.5,
                    decay=0.01,
                ),
            ),
        ],
        references=("nnlib.optimizers:SGD.update_params",),
    ),
    exercise(
        "4.2",
        "SGD settings reaching the target accuracy",
        [Part("self-check", 2, on("sgd_settings", check_momentum_settings, own=False))],
    ),
]

QUESTIONS = [Question("4.3", 2)]
