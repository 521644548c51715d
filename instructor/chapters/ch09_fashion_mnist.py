"""Rubric of chapter 9, Fashion-MNIST: exercises 9.1, 9.2, 9.4 and 9.5; written questions 9.3
and 9.6."""

from instructor.chapters import Part, exercise, learner_object, on
from instructor.rubric import Question
from nnlib.checks import CheckResult
from nnlib.checks.ch09 import (
    check_leave_one_out,
    check_pixel_standardizer,
    check_predictions,
    check_short_settings,
)


def stored(check, *names: str):
    """A part's check: ``check`` on the values the learner stored under ``names``."""

    def run(namespace: dict) -> CheckResult:
        values = [learner_object(namespace, name, own=False) for name in names]
        return check(*values, verbose=False)

    return run


def short_settings(**options):
    """A part's check: check_short_settings on the learner's SHORT_SETTINGS."""

    def run(namespace: dict) -> CheckResult:
        settings = learner_object(namespace, "SHORT_SETTINGS", own=False)
        return check_short_settings(settings, verbose=False, **options)

    return run


EXERCISES = [
    exercise(
        "9.1",
        "Two numbers, before you see them",
        [
            Part(
                "self-check: the untrained loss and the last learning rate",
                2,
                stored(check_predictions, "predicted_untrained_loss", "predicted_last_rate"),
            ),
        ],
    ),
    exercise(
        "9.2",
        "The standardizer that fails quietly",
        [
            Part("self-check", 1, on("PixelStandardizer", check_pixel_standardizer)),
            Part(
                "other seeds, one row, many rows",
                2,
                on(
                    "PixelStandardizer",
                    check_pixel_standardizer,
                    seeds=(1, 2),
                    samples=(1, 3, 500),
                ),
            ),
        ],
    ),
    exercise(
        "9.4",
        "A recipe for 32 updates",
        [
            Part("self-check: budget, own settings, seed 0", 1, short_settings()),
            Part("seeds 1 and 2 reach the target too", 2, short_settings(seeds=(1, 2))),
        ],
    ),
    exercise(
        "9.5",
        "Which change matters in 32 updates?",
        [
            Part(
                "self-check: the costliest change and its cost",
                2,
                stored(check_leave_one_out, "costliest_change", "accuracy_drop"),
            ),
        ],
    ),
]

QUESTIONS = [Question("9.3", 1), Question("9.6", 2)]
