"""The chapters' spiral run as bare NumPy statements: what NumPy itself costs for it.

The same network, data, initial weights and numbers as ``nnlib.benchmark.spiral`` (the
final loss is the same to the bit), with everything that is not NumPy arithmetic taken
out: no classes, no input checks, no book attributes to keep, and every fast path nnlib has
plus one it does not (each layer's weights and biases updated as one array, which halves
Adam's NumPy calls). Its time per epoch is how close any NumPy code can come to the spiral
target while printing the book's numbers; ``nnlib bench`` prints it beside nnlib's.
"""

import numpy as np

from nnlib.optimizers import FLUSH_INTERVAL

# Adam as the chapters run it on the spiral.
LEARNING_RATE, DECAY, EPSILON, BETA_1, BETA_2 = 0.05, 5e-7, 1e-7, 0.9, 0.999


def train_bare(X, y, layers, epochs):
    """Train on X (N, 2) float32 and labels y (N,) for ``epochs`` epochs.

    layers: ``[(weights, biases), (weights, biases)]`` of Dense(2, H) and Dense(H, C),
    updated in place. Returns the last epoch's ``(accuracy, loss)``.
    """
    (weights1, biases1), (weights2, biases2) = layers
    n_samples, n_classes = len(X), weights2.shape[1]
    picked = np.arange(n_samples) * n_classes + y  # flat positions of [i, y[i]]
    zeros = np.zeros((n_samples, weights1.shape[1]), X.dtype)
    states = [_AdamState(weights1, biases1), _AdamState(weights2, biases2)]
    for epoch in range(epochs):
        hidden = np.dot(X, weights1)
        hidden += biases1
        activated = np.maximum(zeros, hidden)
        scores = np.dot(activated, weights2)
        scores += biases2
        probabilities = _softmax(scores)
        confidences = probabilities.take(picked)
        np.maximum(confidences, 1e-7, out=confidences)
        np.minimum(confidences, 1 - 1e-7, out=confidences)
        loss = np.mean(-np.log(confidences))
        accuracy = np.mean(np.argmax(probabilities, axis=1) == y)

        dscores = probabilities.copy()
        dscores.reshape(-1)[picked] -= 1
        dscores /= n_samples
        dweights2, dbiases2 = np.dot(activated.T, dscores), dscores.sum(axis=0, keepdims=True)
        dactivated = np.dot(dscores, weights2.T)
        mask = (hidden > 0).astype(np.int32)
        np.negative(mask, out=mask)  # 1 -> -1: all bits set, kept by the AND below
        dhidden = np.bitwise_and(dactivated.view(np.int32), mask, out=mask).view(X.dtype)
        dweights1, dbiases1 = np.dot(X.T, dhidden), dhidden.sum(axis=0, keepdims=True)
        np.dot(dhidden, weights1.T)  # dense1's dinputs, which the chapters' loop computes

        learning_rate = LEARNING_RATE * (1.0 / (1.0 + DECAY * epoch))
        states[0].step(dweights1, dbiases1, learning_rate, epoch)
        states[1].step(dweights2, dbiases2, learning_rate, epoch)
    return float(accuracy), float(loss)


def _softmax(scores):
    """Row softmax of (N, C) scores, on the transpose as ``nnlib.activations`` does."""
    columns = scores.T.copy()
    columns -= columns.max(axis=0)
    np.exp(columns, out=columns)
    columns /= columns.sum(axis=0)
    return columns.T.copy()


class _AdamState:
    """One layer's Adam momentums and cache, its weights and biases packed in one array."""

    def __init__(self, weights, biases):
        self.weights, self.biases, self.split = weights, biases, weights.size
        self.momentums = np.zeros(weights.size + biases.size, weights.dtype)
        self.cache = np.zeros_like(self.momentums)

    def step(self, dweights, dbiases, learning_rate, iterations):
        gradient = np.concatenate((dweights.reshape(-1), dbiases.reshape(-1)))
        momentums = self.momentums * BETA_1
        momentums += gradient * (1 - BETA_1)
        squares = np.square(gradient)
        squares *= 1 - BETA_2
        cache = self.cache * BETA_2
        cache += squares
        if iterations % FLUSH_INTERVAL == 0:
            np.copyto(momentums, 0, where=np.abs(momentums) < np.finfo(momentums.dtype).tiny)
            np.copyto(cache, 0, where=cache < np.finfo(cache.dtype).tiny)
        self.momentums, self.cache = momentums, cache
        step = iterations + 1
        correction = 1 - BETA_1**step
        if momentums.dtype.type(correction) == 1:
            update = momentums * -learning_rate
        else:
            update = momentums / correction
            update *= -learning_rate
        root = cache / (1 - BETA_2**step)
        np.sqrt(root, out=root)
        root += EPSILON
        update /= root
        self.weights += update[: self.split].reshape(self.weights.shape)
        self.biases += update[self.split :].reshape(self.biases.shape)
