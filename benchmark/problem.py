"""The benchmark's task, identical for every implementation.

Fashion-MNIST, 784-128-128-10 with ReLU and softmax cross-entropy, Adam with the book's 1/t
learning-rate decay, batches of 128 in one fixed shuffled order, float32 throughout, weights
``0.01 * randn`` and zero biases drawn once from a seed.
"""

import numpy as np

from nnlib.datasets import load_fashion_mnist, prepare_images

LAYER_SIZES = (784, 128, 128, 10)
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
DECAY = 1e-3
EPSILON = 1e-7
BETAS = (0.9, 0.999)
DTYPE = np.float32
# Fashion-MNIST's training set: the loader verifies every file by its SHA-256.
TRAIN_SAMPLES = 60_000


def train_samples(subset=None):
    """How many samples ``load_data(subset)`` trains on, without loading anything."""
    return TRAIN_SAMPLES if subset is None else min(subset, TRAIN_SAMPLES)


def load_data(subset=None, seed=0):
    """Training and test data, never downloaded.

    Returns ``(X_train, y_train, X_test, y_test)``: X float32 (N, 784) in [-1, 1], y uint8
    (N,). The training set is its first ``subset`` samples (all when None), shuffled once
    with ``seed``; the test set is all 10,000 images. Raises ``DatasetError`` when the data
    is not on this machine.
    """
    images, labels, test_images, test_labels = load_fashion_mnist(download=False, quiet=True)
    images, labels = images[:subset], labels[:subset]
    order = np.random.default_rng(seed).permutation(len(images))
    return prepare_images(images[order]), labels[order], prepare_images(test_images), test_labels


def initial_parameters(seed=0):
    """``[(weights (D, M), biases (1, M)), ...]`` per layer, float32, like nnlib's Dense.

    Drawn from NumPy's global generator in layer order, as ``Dense`` draws them.
    """
    np.random.seed(seed)
    return [
        (
            (0.01 * np.random.randn(n_inputs, n_neurons)).astype(DTYPE),
            np.zeros((1, n_neurons), DTYPE),
        )
        for n_inputs, n_neurons in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:], strict=True)
    ]


def learning_rate(step):
    """The book's decayed learning rate at optimizer step ``step`` (0-based)."""
    return LEARNING_RATE * (1.0 / (1.0 + DECAY * step))


def batches(n_samples):
    """``slice`` objects covering ``range(n_samples)`` in batches of ``BATCH_SIZE``."""
    return [slice(start, start + BATCH_SIZE) for start in range(0, n_samples, BATCH_SIZE)]


def accuracy(scores, labels):
    """Fraction of rows of ``scores`` (N, C) whose largest entry is at ``labels`` (N,)."""
    return float(np.mean(np.argmax(scores, axis=1) == labels))
