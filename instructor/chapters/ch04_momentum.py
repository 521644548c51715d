"""Rubric of chapter 4, momentum: exercises 4.1, 4.2, 4.4 and 4.6; written questions 4.3, 4.5."""

from instructor.chapters import Part, all_of, exercise, on
from instructor.rubric import Question
from nnlib.checks.ch04 import (
    check_nesterov,
    check_nesterov_on_valley,
    check_position_after,
    check_repaired_sgd,
    check_slope_prediction,
    check_valley_settings,
)

# One update, a long run with a large momentum, an uphill gradient, a large rate.
HIDDEN_POSITION_CASES = (
    {"steps": 1, "learning_rate": 0.3, "momentum": 0.9, "gradient": 2.0},
    {"steps": 200, "learning_rate": 0.01, "momentum": 0.95, "gradient": 0.3},
    {"steps": 30, "learning_rate": 0.05, "momentum": 0.5, "gradient": -0.8},
    {"steps": 3, "learning_rate": 1.0, "momentum": 0.1, "gradient": 1.5},
)
# Other starting points of the steep valley: mostly along its floor, and far up a wall.
HIDDEN_VALLEY_STARTS = ((3.0, 4.0), (5.0, -0.5))

EXERCISES = [
    exercise(
        "4.1",
        "Predict, then run: position_after and predicted_position",
        [
            Part(
                "predicted_position within 1%",
                1,
                on("predicted_position", check_slope_prediction, own=False),
            ),
            Part(
                "position_after: the self-check, then one update, 200 updates, other settings",
                1,
                all_of(
                    on("position_after", check_position_after),
                    on("position_after", check_position_after, cases=HIDDEN_POSITION_CASES),
                ),
            ),
        ],
        references=("nnlib.optimizers:SGD.update_params",),
    ),
    exercise(
        "4.2",
        "Find the planted bug: Optimizer_SGD.update_params",
        [
            Part("self-check", 1, on("Optimizer_SGD", check_repaired_sgd)),
            Part(
                "10 steps with momentum 0.5 and decay, other seeds: velocities kept per layer",
                2,
                on(
                    "Optimizer_SGD",
                    check_repaired_sgd,
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
        "4.4",
        "Momentum for a steeper valley: valley_settings",
        [
            Part("self-check", 1, on("valley_settings", check_valley_settings, own=False)),
            Part(
                "the same settings from other starting points",
                1,
                on(
                    "valley_settings",
                    check_valley_settings,
                    own=False,
                    starts=HIDDEN_VALLEY_STARTS,
                ),
            ),
        ],
    ),
    exercise(
        "4.6",
        "Nesterov's momentum: Optimizer_Nesterov.update_params",
        [
            Part("self-check", 1, on("Optimizer_Nesterov", check_nesterov)),
            Part(
                "10 steps with momentum 0.5 and decay, other seeds",
                1,
                on(
                    "Optimizer_Nesterov",
                    check_nesterov,
                    seeds=(1, 2),
                    steps=10,
                    momentum=0.5,
                    decay=0.01,
                ),
            ),
            Part(
                "60 steps on a valley against Nesterov's definition",
                1,
                on("Optimizer_Nesterov", check_nesterov_on_valley),
            ),
        ],
    ),
]

QUESTIONS = [Question("4.3", 1), Question("4.5", 2)]
