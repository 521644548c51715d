"""Rubric of chapter 6, RMSprop: exercises 6.1 to 6.3; written question 6.4."""

from instructor.chapters import Part, exercise, on
from instructor.rubric import Question
from nnlib.checks.ch06 import (
    check_first_step_prediction,
    check_jump_prediction,
    check_repaired_rmsprop,
    check_rmsprop_momentum,
)

EXERCISES = [
    exercise(
        "6.1",
        "Find the planted bug: Optimizer_RMSprop.update_params",
        [
            Part("self-check", 1, on("Optimizer_RMSprop", check_repaired_rmsprop)),
            Part(
                "10 steps with rho=0.99 and decay, other seeds: the cache kept across steps",
                2,
                on(
                    "Optimizer_RMSprop",
                    check_repaired_rmsprop,
                    seeds=(1, 2, 3),
                    steps=10,
                    rho=0.99,
                    decay=0.01,
                ),
            ),
        ],
        references=("nnlib.optimizers:RMSprop.update_params",),
    ),
    exercise(
        "6.2",
        "Predict, then run: RMSprop's first step and a jump in the gradient",
        [
            Part(
                "the first step, within 2%",
                1,
                on("predicted_first_step", check_first_step_prediction, own=False),
            ),
            Part(
                "the step after the jump, within 2%",
                1,
                on("predicted_jump_step", check_jump_prediction, own=False),
            ),
        ],
    ),
    exercise(
        "6.3",
        "RMSprop with momentum: Optimizer_RMSprop_Momentum.update_params",
        [
            Part("self-check", 1, on("Optimizer_RMSprop_Momentum", check_rmsprop_momentum)),
            Part(
                "10 steps, other seeds, rho=0.99, momentum=0.5, decay",
                1,
                on(
                    "Optimizer_RMSprop_Momentum",
                    check_rmsprop_momentum,
                    seeds=(1, 2),
                    steps=10,
                    momentum=0.5,
                    rho=0.99,
                    decay=0.01,
                ),
            ),
            Part(
                "momentum=0 is RMSprop",
                1,
                on("Optimizer_RMSprop_Momentum", check_rmsprop_momentum, seeds=(4,), momentum=0.0),
            ),
        ],
        references=("nnlib.optimizers:RMSprop.update_params",),
    ),
]

QUESTIONS = [Question("6.4", 2)]
