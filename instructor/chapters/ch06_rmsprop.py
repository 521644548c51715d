"""Rubric of chapter 6, RMSprop: exercises 6.1 and 6.2; written question 6.3."""

from instructor.chapters import Part, exercise, on
from instructor.rubric import Question
from nnlib.checks import check_rmsprop, check_step_sizes
from nnlib.optimizers import SGD, Adagrad, RMSprop

# Optimizers other than the notebook's, and gradients that change sign.
HIDDEN_STEP_SIZE_CASES = (
    (SGD, {"learning_rate": 0.1, "momentum": 0.5}, (1.0, -1.0, 2.0, 0.5)),
    (Adagrad, {"learning_rate": 0.3, "decay": 0.1}, (2.0, -2.0, 0.1, 4.0)),
    (RMSprop, {"learning_rate": 0.001, "rho": 0.99}, (0.5, 0.5, -50.0, 0.5, 0.5, 0.5)),
)

EXERCISES = [
    exercise(
        "6.1",
        "Optimizer_RMSprop.update_params",
        [
            Part("self-check", 1, on("Optimizer_RMSprop", check_rmsprop)),
            Part(
                "10 steps with rho=0.99 and decay, other seeds: the cache kept across steps",
                2,
                on(
                    "Optimizer_RMSprop",
                    check_rmsprop,
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
        "step_sizes",
        [
            Part("self-check", 1, on("step_sizes", check_step_sizes)),
            Part(
                "SGD with momentum, AdaGrad with decay, gradients changing sign",
                1,
                on("step_sizes", check_step_sizes, cases=HIDDEN_STEP_SIZE_CASES),
            ),
        ],
    ),
]

QUESTIONS = [Question("6.3", 2)]
