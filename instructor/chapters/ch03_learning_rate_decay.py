"""Rubric of chapter 3, learning-rate decay: exercises 3.1, 3.3 and 3.4; written question 3.2."""

from instructor.chapters import Part, all_of, exercise, learner_object, on
from instructor.rubric import Question
from nnlib.checks import CheckResult
from nnlib.checks.ch03 import check_decay_fix, check_rate_prediction, check_warmup


def predictions(*parts: str):
    """A part's check: the learner's stored predictions of exercise 3.3, the ``parts`` named."""

    def run(namespace: dict) -> CheckResult:
        updates = learner_object(namespace, "predicted_updates", own=False)
        last_rate = learner_object(namespace, "predicted_last_rate", own=False)
        return check_rate_prediction(updates, last_rate, parts=parts, verbose=False)

    return run


EXERCISES = [
    exercise(
        "3.1",
        "the planted bug: Optimizer_SGD with 1/t decay fixed",
        [
            Part("self-check", 1, on("Optimizer_SGD", check_decay_fix)),
            Part(
                "learning_rate=0.05, decay=0.01 over 300 steps, another seed",
                2,
                on(
                    "Optimizer_SGD",
                    check_decay_fix,
                    learning_rate=0.05,
                    decay=0.01,
                    steps=300,
                    seed=3,
                ),
            ),
        ],
        references=(
            "nnlib.optimizers:Optimizer.pre_update_params",
            "nnlib.optimizers:Optimizer.post_update_params",
            "nnlib.optimizers:SGD.update_params",
        ),
    ),
    exercise(
        "3.3",
        "predict, then run: the updates of a mini-batch run and its last rate",
        [
            Part("the number of updates, exactly", 1, predictions("updates")),
            Part("the rate of the last update, within 2%", 2, predictions("rate")),
        ],
    ),
    exercise(
        "3.4",
        "learning-rate warm-up: WarmUpSGD.pre_update_params",
        [
            Part("self-check", 1, on("WarmUpSGD", check_warmup)),
            Part(
                "a warm-up of 50 updates, learning_rate=0.5, decay=1e-3, over 200 steps",
                1,
                on(
                    "WarmUpSGD",
                    check_warmup,
                    learning_rate=0.5,
                    decay=1e-3,
                    warmup_steps=50,
                    steps=200,
                ),
            ),
            Part(
                "a warm-up of one update; a warm-up without decay",
                1,
                all_of(
                    on("WarmUpSGD", check_warmup, decay=0.5, warmup_steps=1, steps=6),
                    on("WarmUpSGD", check_warmup, decay=0.0, warmup_steps=3, steps=8),
                ),
            ),
        ],
        references=("nnlib.optimizers:Optimizer.pre_update_params",),
    ),
]

QUESTIONS = [Question("3.2", 2)]
