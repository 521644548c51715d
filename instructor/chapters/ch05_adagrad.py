"""Rubric of chapter 5, AdaGrad: exercises 5.1, 5.3 and 5.4; written questions 5.2 and 5.5."""

from instructor.chapters import Part, exercise, on
from instructor.rubric import Question
from nnlib.checks.ch05 import (
    check_distance_prediction,
    check_rate_prediction,
    check_repaired_adagrad,
    check_warmup,
)

# Other rates, a long warm-up with decay, and a warm-up of one update (chapter 3's decay,
# one update late).
HIDDEN_WARMUP_CASES = ((2.0, 0.01, 10, 30), (1.0, 0.5, 1, 6), (0.3, 0.2, 7, 20))

EXERCISES = [
    exercise(
        "5.1",
        "Find the planted bug: Optimizer_Adagrad.update_params",
        [
            Part("self-check", 1, on("Optimizer_Adagrad", check_repaired_adagrad)),
            Part(
                "10 steps with decay, other seeds: the cache kept across steps",
                2,
                on(
                    "Optimizer_Adagrad",
                    check_repaired_adagrad,
                    seeds=(1, 2, 3),
                    steps=10,
                    decay=0.01,
                ),
            ),
        ],
        references=("nnlib.optimizers:Adagrad.update_params",),
    ),
    exercise(
        "5.3",
        "Predict, then run: one weight, 25 identical gradients",
        [
            Part(
                "effective rate after 25 updates, within 2%",
                1,
                on("predicted_rate", check_rate_prediction, own=False),
            ),
            Part(
                "distance travelled in 25 updates, within 5%",
                1,
                on("predicted_distance", check_distance_prediction, own=False),
            ),
        ],
    ),
    exercise(
        "5.4",
        "Learning-rate warm-up: Optimizer_Adagrad_Warmup.pre_update_params",
        [
            Part("self-check", 1, on("Optimizer_Adagrad_Warmup", check_warmup)),
            Part(
                "other rates, decays and warm-up lengths, a warm-up of one update",
                2,
                on("Optimizer_Adagrad_Warmup", check_warmup, cases=HIDDEN_WARMUP_CASES),
            ),
        ],
        references=("nnlib.optimizers:Optimizer.pre_update_params",),
    ),
]

QUESTIONS = [Question("5.2", 1), Question("5.5", 2)]
