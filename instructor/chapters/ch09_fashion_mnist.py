"""Rubric of chapter 9, Fashion-MNIST: exercises 9.1 to 9.3; written question 9.4."""

from instructor.chapters import Part, all_of, exercise, learner_object, on
from instructor.rubric import Question
from nnlib.checks import (
    FASHION_MNIST_TARGET,
    CheckResult,
    check_batches,
    check_fashion_mnist_model,
    check_prepare_images,
    check_shuffle_together,
)

# (samples, batch_size): an exact fit, one batch larger than the data, batches of one, and
# the training set's shape in small (a last batch of a single sample).
HIDDEN_BATCH_CASES = ((12, 4), (3, 10), (5, 1), (3 * 128 + 1, 128))


def trained_model(target: float):
    """A part's check: the learner's model on the test set, prepared by their prepare_images."""

    def run(namespace: dict) -> CheckResult:
        model = learner_object(namespace, "model", own=False)
        prepare_images = learner_object(namespace, "prepare_images")
        return check_fashion_mnist_model(model, prepare_images, target=target, verbose=False)

    return run


EXERCISES = [
    exercise(
        "9.1",
        "prepare_images",
        [
            Part("self-check", 1, on("prepare_images", check_prepare_images)),
            Part(
                "one image, then 100 images",
                1,
                all_of(
                    on("prepare_images", check_prepare_images, seeds=(1, 2), samples=1),
                    on("prepare_images", check_prepare_images, seeds=(3,), samples=100),
                ),
            ),
        ],
        references=("nnlib.datasets:prepare_images",),
    ),
    exercise(
        "9.2",
        "shuffle_together and batches",
        [
            Part(
                "self-checks",
                1,
                all_of(
                    on("shuffle_together", check_shuffle_together),
                    on("batches", check_batches),
                ),
            ),
            Part(
                "shuffling 1000 samples, other seeds",
                1,
                on("shuffle_together", check_shuffle_together, seeds=(1, 2, 3), samples=1000),
            ),
            Part(
                "batches that fit exactly, a batch larger than the data, batches of one",
                1,
                on("batches", check_batches, cases=HIDDEN_BATCH_CASES),
            ),
        ],
    ),
    exercise(
        "9.3",
        "training run reaching the test accuracy",
        [
            Part("a trained model predicting the test set", 1, trained_model(target=0.0)),
            Part(
                f"test accuracy at least {FASHION_MNIST_TARGET}",
                3,
                trained_model(target=FASHION_MNIST_TARGET),
            ),
        ],
    ),
]

QUESTIONS = [Question("9.4", 2)]
