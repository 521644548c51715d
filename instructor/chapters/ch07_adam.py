"""Rubric of chapter 7, Adam: exercises 7.1 to 7.4; written question 7.5."""

from instructor.chapters import Part, exercise, learner_object, on
from instructor.rubric import Question
from nnlib.checks.ch07 import (
    check_adam_fixed,
    check_adamw,
    check_correction_hurts,
    check_first_step_prediction,
    check_second_step_prediction,
)


def prediction(name: str, check, **options):
    """A part's check: ``check`` with ``options`` on the number the learner stored as ``name``."""

    def run(namespace: dict):
        return check(learner_object(namespace, name, own=False), verbose=False, **options)

    return run


EXERCISES = [
    exercise(
        "7.1",
        "Find the planted bug: Optimizer_Adam.update_moments",
        [
            Part("self-check", 1, on("Optimizer_Adam", check_adam_fixed)),
            Part(
                "beta_1=0.8, beta_2=0.99, decay=0.01 over 10 updates, other seeds",
                2,
                on(
                    "Optimizer_Adam",
                    check_adam_fixed,
                    seeds=(1, 2, 3),
                    steps=10,
                    beta_1=0.8,
                    beta_2=0.99,
                    decay=0.01,
                ),
            ),
        ],
        references=("nnlib.optimizers:Adam.update_params",),
    ),
    exercise(
        "7.2",
        "Predict, then run: Adam's first two steps",
        [
            Part(
                "first step, within 5%",
                1,
                prediction("first_step_prediction", check_first_step_prediction),
            ),
            Part(
                "second step after the gradient flips, within 5%",
                1,
                prediction("second_step_prediction", check_second_step_prediction),
            ),
        ],
    ),
    exercise(
        "7.3",
        "AdamW: decoupled weight decay",
        [
            Part("self-check", 1, on("Optimizer_AdamW", check_adamw)),
            Part(
                "learning_rate=0.05, decay=0.05, weight_decay=0.2 over 8 updates, other seeds",
                2,
                on(
                    "Optimizer_AdamW",
                    check_adamw,
                    seeds=(1, 2),
                    steps=8,
                    weight_decay=0.2,
                    learning_rate=0.05,
                    decay=0.05,
                    beta_1=0.85,
                ),
            ),
        ],
    ),
    exercise(
        "7.4",
        "Ablate the bias correction: a rate at which it hurts",
        [
            Part(
                "self-check: seeds 5, 6, 7",
                1,
                prediction("rate_correction_hurts", check_correction_hurts),
            ),
            Part(
                "other seeds: 8, 9, 10",
                1,
                prediction("rate_correction_hurts", check_correction_hurts, seeds=(8, 9, 10)),
            ),
        ],
    ),
]

QUESTIONS = [Question("7.5", 2)]
