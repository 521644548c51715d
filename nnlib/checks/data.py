"""Self-checks for Fashion-MNIST: scaling images, shuffling, cutting batches, the trained model.

The data checks use small made-up arrays; only the check of the trained model reads the
Fashion-MNIST test set.
"""

import numpy as np

from nnlib.checks.expect import expect_array, expect_unchanged
from nnlib.checks.verdict import CheckFailure, plural, self_check
from nnlib.datasets import load_fashion_mnist
from nnlib.datasets import prepare_images as reference_prepare_images

IMAGE_SHAPE = (28, 28)
PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
FASHION_MNIST_TARGET = 0.83


def made_up_images(seed: int, samples: int) -> np.ndarray:
    """Random uint8 images (samples, 28, 28) holding both extremes, 0 and 255."""
    images = np.random.default_rng(seed).integers(0, 256, (samples, *IMAGE_SHAPE), dtype=np.uint8)
    images[0, 0, :2] = (0, 255)
    return images


def numbered_samples(samples: int) -> tuple[np.ndarray, np.ndarray]:
    """X (samples, 3) and labels y (samples,) where row i of X is 3i, 3i+1, 3i+2 and y[i] = i.

    Any reordering can then be checked for keeping each row with its label.
    """
    X = np.arange(samples * 3, dtype=np.float32).reshape(samples, 3)
    return X, np.arange(samples)


def as_pair(value, what: str) -> tuple[np.ndarray, np.ndarray]:
    """``value`` as ``(X, y)`` arrays, or a failure saying what came instead."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise CheckFailure(
            f"{what} gave {type(value).__name__} {value!r:.60}, expected a pair (X, y)",
            "return X_part, y_part: two arrays.",
        )
    return np.asarray(value[0]), np.asarray(value[1])


def expect_pairs_kept(X: np.ndarray, y: np.ndarray, what: str) -> None:
    """Fail unless every row of ``X`` still sits next to its label (see numbered_samples)."""
    if X.ndim != 2 or X.shape[1] != 3 or len(X) != len(y):
        raise CheckFailure(f"{what}: X has shape {X.shape} and y {y.shape}, rows do not match")
    wrong = np.flatnonzero(X[:, 0] != 3 * y)
    if len(wrong):
        raise CheckFailure(
            f"{what}: row {wrong[0]} of X belongs to sample {int(X[wrong[0], 0]) // 3} but its "
            f"label belongs to sample {int(y[wrong[0]])}",
            "reorder X and y with the same index array (X[order], y[order]).",
        )


def expect_every_sample_once(y: np.ndarray, samples: int, what: str) -> None:
    """Fail unless the labels ``y`` (see numbered_samples) are 0 .. samples-1 in some order."""
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=samples)
    if len(y) != samples or np.any(counts != 1):
        missing = int(np.sum(counts == 0))
        raise CheckFailure(
            f"{what}: {len(y)} samples, {missing} of the {samples} missing",
            "use every sample exactly once (a permutation of 0 .. N-1).",
        )


@self_check
def check_prepare_images(prepare_images, *, seeds=(0,), samples=5):
    """prepare_images(images): (N, 28, 28) uint8 -> (N, 784) float32 in [-1, 1]."""
    for seed in seeds:
        images = made_up_images(seed, samples)
        given = images.copy()
        yield (
            f"prepare_images on {plural(samples, 'image')} of 28 x 28: shape ({samples}, "
            f"{PIXELS}), float32"
        )
        prepared = np.asarray(prepare_images(given))
        if prepared.shape != (samples, PIXELS):
            raise CheckFailure(
                f"the result has shape {prepared.shape}, expected ({samples}, {PIXELS})",
                "flatten each image into one row: images.reshape(len(images), -1).",
            )
        if prepared.dtype != np.float32:
            raise CheckFailure(
                f"the result has dtype {prepared.dtype}, expected float32",
                "convert with .astype(np.float32): half the memory of float64, and the "
                "network's weights are float32 too.",
            )
        yield "pixels scaled to [-1, 1]: 0 becomes -1.0 and 255 becomes 1.0"
        expect_array(
            "the prepared images",
            prepared,
            reference_prepare_images(images),
            "subtract the middle of the range, 127.5, then divide by 127.5; keep the pixels "
            "of each image in order, row after row.",
            atol=1e-6,
        )
        yield "the images passed in are left unchanged"
        expect_unchanged("the images", given, images, "return a new array.")


@self_check
def check_shuffle_together(shuffle_together, *, seeds=(0,), samples=50):
    """shuffle_together(X, y, rng): one random order, drawn from rng, for X and y."""
    X, y = numbered_samples(samples)
    for seed in seeds:
        X_given, y_given = X.copy(), y.copy()
        yield f"shuffle_together(X, y, rng) on {samples} samples returns (X, y), same shapes"
        X_new, y_new = as_pair(
            shuffle_together(X_given, y_given, np.random.default_rng(seed)), "shuffle_together"
        )
        if X_new.shape != X.shape or y_new.shape != y.shape:
            raise CheckFailure(
                f"got X {X_new.shape} and y {y_new.shape}, expected {X.shape} and {y.shape}"
            )
        yield "every sample appears exactly once, and each row of X keeps its label"
        expect_every_sample_once(y_new, samples, "the shuffled y")
        expect_pairs_kept(X_new, y_new, "the shuffled data")
        yield "the order is shuffled, and the same seed gives the same order"
        if np.array_equal(y_new, y):
            raise CheckFailure("the samples are still in their original order")
        _, y_again = as_pair(
            shuffle_together(X.copy(), y.copy(), np.random.default_rng(seed)), "shuffle_together"
        )
        if not np.array_equal(y_again, y_new):
            raise CheckFailure(
                "two calls with generators of the same seed gave different orders",
                "draw the order from the rng argument, rng.permutation(len(X)); "
                "np.random.permutation uses NumPy's global generator instead.",
            )
        yield "X and y passed in are left unchanged"
        expect_unchanged(
            "X", X_given, X, "index with the order (X[order]) instead of shuffling in place."
        )
        expect_unchanged("y", y_given, y, "index with the order (y[order]).")


@self_check
def check_batches(batches, *, cases=((10, 4),)):
    """batches(X, y, batch_size): consecutive (X_batch, y_batch) pairs covering X once."""
    for samples, batch_size in cases:
        X, y = numbered_samples(samples)
        sizes = [min(batch_size, samples - start) for start in range(0, samples, batch_size)]
        yield (
            f"batches(X, y, {batch_size}) on {samples} samples gives batches of "
            f"{', '.join(map(str, sizes))} samples"
        )
        pairs = [as_pair(pair, "a batch") for pair in batches(X, y, batch_size)]
        got = [len(y_batch) for _, y_batch in pairs]
        if got != sizes:
            raise CheckFailure(
                f"batch sizes {got}, expected {sizes}",
                "step through the data with range(0, len(X), batch_size); the last batch "
                "holds the samples left over, and there is no empty batch.",
            )
        yield "the batches keep the order, cover every sample once, and keep X with y"
        for X_batch, y_batch in pairs:
            expect_pairs_kept(X_batch, y_batch, "a batch")
        y_all = np.concatenate([y_batch for _, y_batch in pairs])
        if not np.array_equal(y_all, y):
            raise CheckFailure(
                "the batches, one after the other, are not the samples in their order",
                "batch k is X[k * batch_size:(k + 1) * batch_size].",
            )


@self_check
def check_fashion_mnist_model(model, prepare_images, *, target=FASHION_MNIST_TARGET):
    """The trained ``model`` on the Fashion-MNIST test set, prepared by ``prepare_images``."""
    yield "the model has been trained (its optimizer made steps)"
    steps = getattr(getattr(model, "optimizer", None), "iterations", 0)
    if not steps:
        raise CheckFailure(
            "the model's optimizer has made no step: the model is untrained",
            "run the training cell to the end first.",
        )
    yield "the model predicts one class of 0-9 for each of the 10000 test images"
    _, _, X_test, y_test = load_fashion_mnist(download=False, quiet=True)
    probabilities = np.asarray(model.predict(prepare_images(X_test), batch_size=1000))
    if probabilities.shape != (len(y_test), 10):
        raise CheckFailure(
            f"model.predict gave shape {probabilities.shape}, expected ({len(y_test)}, 10)",
            "the last layer needs 10 neurons and a softmax.",
        )
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == y_test))
    yield f"test accuracy at least {target}: {accuracy:.3f}"
    if accuracy < target:
        raise CheckFailure(
            f"test accuracy {accuracy:.3f}, below {target}",
            "check that X and y are shuffled together and that every batch is used; "
            "then train for longer or with another learning rate.",
        )
