"""Rubric of chapter 8, regularization: exercises 8.1 to 8.3 and 8.5; written question 8.4."""

from instructor.chapters import (
    Part,
    all_of,
    check_dense_gradients_numerically,
    exercise,
    learner_object,
    on,
)
from instructor.rubric import Question
from nnlib.checks import check_dense_regularization, check_dropout
from nnlib.checks.ch08 import (
    check_dropout_layer,
    check_dropout_predictions,
    check_early_stop,
    check_penalty_gradient,
    early_stop_cases,
)

ALL_REGULARIZERS = {
    "weight_regularizer_l1": 0.01,
    "weight_regularizer_l2": 0.02,
    "bias_regularizer_l1": 0.03,
    "bias_regularizer_l2": 0.04,
}
PREDICTIONS = ("predicted_kept", "predicted_largest")
# Edge cases of early stopping: one evaluation, a patience of 1, ties that are no improvement.
EARLY_STOP_EDGES = (
    ((0.5,), 3),
    ((0.5, 0.5, 0.5, 0.5), 1),
    ((3.0, 2.0, 1.0), 1),
    ((0.8, 0.6, 0.6, 0.7, 0.6, 0.55, 0.9), 3),
)


def predictions_check(namespace: dict):
    """check_dropout_predictions on the numbers the learner stored before the run."""
    predictions = {name: learner_object(namespace, name, own=False) for name in PREDICTIONS}
    return check_dropout_predictions(predictions, verbose=False)


EXERCISES = [
    exercise(
        "8.1",
        "The penalties' gradient, derived and checked",
        [
            Part("self-check", 1, on("regularization_gradient", check_penalty_gradient)),
            Part(
                "Layer_Dense.backward, other seeds, parameters of exactly 0",
                1,
                all_of(
                    on("regularization_gradient", check_penalty_gradient, seeds=(1, 2)),
                    on("Layer_Dense", check_dense_regularization, seeds=(1, 2), zeros=True),
                ),
            ),
            Part(
                "agreement with finite differences, all four regularizers",
                1,
                on("Layer_Dense", check_dense_gradients_numerically, **ALL_REGULARIZERS),
            ),
        ],
        references=("nnlib.layers:Dense.backward",),
    ),
    exercise(
        "8.2",
        "The mistake in a dropout layer",
        [
            Part("self-check", 1, on("Layer_Dropout", check_dropout_layer)),
            Part(
                "rates 0.1 and 0.5, other seeds and shapes",
                1,
                all_of(
                    on("Layer_Dropout", check_dropout_layer, seed=3, rate=0.5, shape=(300, 40)),
                    on("Layer_Dropout", check_dropout, seeds=(1, 2), rate=0.1),
                ),
            ),
            Part(
                "many passes at rate 0.5",
                1,
                on("Layer_Dropout", check_dropout, seeds=(4, 5, 6), rate=0.5),
            ),
        ],
        references=("nnlib.layers:Dropout.forward", "nnlib.layers:Dropout.backward"),
    ),
    exercise(
        "8.3",
        "Two dropout layers in a row, predicted then run",
        [Part("predictions within tolerance", 2, predictions_check)],
    ),
    exercise(
        "8.5",
        "Early stopping on the validation loss",
        [
            Part("self-check", 1, on("early_stop", check_early_stop)),
            Part(
                "noisy validation curves that turn up",
                1,
                on("early_stop", check_early_stop, cases=early_stop_cases()),
            ),
            Part(
                "one evaluation, patience 1, ties",
                1,
                on("early_stop", check_early_stop, cases=EARLY_STOP_EDGES),
            ),
        ],
        references=("nnlib.checks.ch08:reference_early_stop",),
    ),
]

QUESTIONS = [Question("8.4", 2)]
