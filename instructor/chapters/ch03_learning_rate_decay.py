"""Rubric of chapter 3, learning-rate decay: exercises 3.1 and 3.2; written question 3.3."""

from instructor.chapters import Part, exercise, on
from instructor.rubric import Question
from nnlib.checks import check_sgd_decay, check_sgd_update

EXERCISES = [
    exercise(
        "3.1",
        "Optimizer_SGD.update_params",
        [
            Part("self-check", 1, on("Optimizer_SGD", check_sgd_update)),
            Part("other seeds", 1, on("Optimizer_SGD", check_sgd_update, seeds=(1, 2, 3))),
        ],
        references=("nnlib.optimizers:SGD.update_params",),
    ),
    exercise(
        "3.2",
        "learning-rate decay: pre_update_params and post_update_params",
        [
            Part("self-check", 1, on("Optimizer_SGD", check_sgd_decay)),
            Part(
                "learning_rate=0.05, decay=0.01 over 1000 steps",
                2,
                on("Optimizer_SGD", check_sgd_decay, learning_rate=0.05, decay=0.01, steps=1000),
            ),
        ],
        references=(
            "nnlib.optimizers:Optimizer.pre_update_params",
            "nnlib.optimizers:Optimizer.post_update_params",
        ),
    ),
]

QUESTIONS = [Question("3.3", 2)]
