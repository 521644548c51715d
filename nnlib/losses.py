"""Losses: the ``Loss`` base, categorical and binary cross-entropy, MSE, MAE, and the
combined softmax + categorical cross-entropy with its short backward.

``forward(y_pred, y_true)`` returns per-sample losses (N,); ``calculate(output, y)`` their
mean (and accumulates it for ``calculate_accumulated``); ``backward(dvalues, y_true)`` sets
and returns ``dinputs``, the gradient of the *mean* loss with respect to the predictions.

Each formula is the book's, in the book's order of floating-point operations. The plain
reference is ``reference/book_style.py`` (the book's classes as the chapters write them);
``tests/test_reference_bits.py`` (piece by piece) and ``tests/test_book_fidelity.py`` (every
spiral run of the book) hold these classes to its numbers, bit for bit.
"""

import numpy as np

from nnlib.activations import Softmax
from nnlib.serialization import DropsPassArrays
from nnlib.validation import (
    as_array,
    check_2d,
    check_class_labels,
    check_targets,
    require_forward,
)

# Predictions are clipped away from 0 and 1 so that log() and 1/x stay finite.
CLIP = 1e-7


class Loss(DropsPassArrays):
    """Base class: mean of per-sample losses, regularization, accumulation over batches."""

    trainable_layers = ()

    def __init__(self):
        self.new_pass()

    def remember_trainable_layers(self, trainable_layers):
        """Remember the layers whose penalties ``regularization_loss()`` sums (used by Model)."""
        self.trainable_layers = list(trainable_layers)

    def regularization_loss(self, layer=None):
        """L1/L2 penalty ``l1 * sum|p| + l2 * sum(p**2)`` over weights and biases.

        With a ``layer``, that layer's penalty (the book's chapter 14); without, the sum over
        the remembered trainable layers (the book's ``Model``).
        """
        layers = [layer] if layer is not None else self.trainable_layers
        # One running sum over every term, in the book's order (it fixes the rounding).
        regularization_loss = 0
        for layer in layers:
            if layer.weight_regularizer_l1 > 0:
                regularization_loss += layer.weight_regularizer_l1 * np.sum(np.abs(layer.weights))
            if layer.weight_regularizer_l2 > 0:
                regularization_loss += layer.weight_regularizer_l2 * np.sum(
                    layer.weights * layer.weights
                )
            if layer.bias_regularizer_l1 > 0:
                regularization_loss += layer.bias_regularizer_l1 * np.sum(np.abs(layer.biases))
            if layer.bias_regularizer_l2 > 0:
                regularization_loss += layer.bias_regularizer_l2 * np.sum(
                    layer.biases * layer.biases
                )
        return regularization_loss

    def calculate(self, output, y, *, include_regularization=False):
        """Mean loss over the batch; with ``include_regularization``, ``(data, reg)``."""
        sample_losses = self.forward(output, y)
        data_loss = np.mean(sample_losses)
        self.accumulated_sum += np.sum(sample_losses)
        self.accumulated_count += len(sample_losses)
        if not include_regularization:
            return data_loss
        return data_loss, self.regularization_loss()

    def calculate_accumulated(self, *, include_regularization=False):
        """Mean loss over every batch since ``new_pass()``."""
        if self.accumulated_count == 0:
            raise RuntimeError("calculate_accumulated() needs at least one calculate() first.")
        data_loss = self.accumulated_sum / self.accumulated_count
        if not include_regularization:
            return data_loss
        return data_loss, self.regularization_loss()

    def new_pass(self):
        """Reset the accumulated sum and count (at the start of each epoch)."""
        self.accumulated_sum = 0
        self.accumulated_count = 0

    def _check_backward(self, dvalues, y_true, labels):
        dvalues = as_array(dvalues, f"{type(self).__name__} dvalues")
        check_2d(dvalues, f"{type(self).__name__} dvalues")
        checker = check_class_labels if labels else check_targets
        return dvalues, checker(y_true, dvalues.shape)


class CategoricalCrossentropy(Loss):
    """``-log(p[true class])`` per sample; labels sparse (N,) or one-hot (N, C)."""

    def forward(self, y_pred, y_true):
        """y_pred: (N, C) probabilities -> (N,) losses."""
        y_pred = as_array(y_pred, "y_pred")
        check_2d(y_pred, "y_pred (predicted probabilities)")
        y_true = check_class_labels(y_true, y_pred.shape)
        y_pred_clipped = np.clip(y_pred, CLIP, 1 - CLIP)
        if y_true.ndim == 1:
            # np.arange where the book writes range(samples): the same rows, and the
            # chapters' spiral run (nnlib bench) takes 11% less time with both of these.
            correct_confidences = y_pred_clipped[np.arange(len(y_pred)), y_true]
        else:
            correct_confidences = np.sum(y_pred_clipped * y_true, axis=1)
        return -np.log(correct_confidences)

    def backward(self, dvalues, y_true):
        """dvalues: (N, C) predicted probabilities -> dinputs = -y_one_hot / y_pred / N.

        Predictions are clipped as in ``forward`` so a probability of 0 gives a large
        finite gradient rather than inf.
        """
        dvalues, y_true = self._check_backward(dvalues, y_true, labels=True)
        samples, labels = dvalues.shape
        if y_true.ndim == 1:
            y_true = np.eye(labels)[y_true]
        elif y_true.dtype == bool:  # one-hot as True/False: NumPy cannot negate booleans
            y_true = y_true.astype(dvalues.dtype)
        self.dinputs = -y_true / np.clip(dvalues, CLIP, 1 - CLIP)
        self.dinputs = self.dinputs / samples
        return self.dinputs


class BinaryCrossentropy(Loss):
    """Mean over K outputs of ``-(y log p + (1 - y) log(1 - p))``; y and p: (N, K)."""

    def forward(self, y_pred, y_true):
        """y_pred: (N, K) in (0, 1), y_true: (N, K) of 0/1 -> (N,) losses."""
        y_pred = as_array(y_pred, "y_pred")
        check_2d(y_pred, "y_pred")
        y_true = check_targets(y_true, y_pred.shape)
        y_pred_clipped = np.clip(y_pred, CLIP, 1 - CLIP)
        sample_losses = -(
            y_true * np.log(y_pred_clipped) + (1 - y_true) * np.log(1 - y_pred_clipped)
        )
        return np.mean(sample_losses, axis=-1)

    def backward(self, dvalues, y_true):
        """dvalues: (N, K) predictions -> dinputs: (N, K)."""
        dvalues, y_true = self._check_backward(dvalues, y_true, labels=False)
        samples, outputs = dvalues.shape
        clipped = np.clip(dvalues, CLIP, 1 - CLIP)
        self.dinputs = -(y_true / clipped - (1 - y_true) / (1 - clipped)) / outputs
        self.dinputs = self.dinputs / samples
        return self.dinputs


class MeanSquaredError(Loss):
    """Mean over K outputs of ``(y - p)**2``; y and p: (N, K)."""

    def forward(self, y_pred, y_true):
        """-> (N,) losses."""
        y_pred = as_array(y_pred, "y_pred")
        check_2d(y_pred, "y_pred")
        y_true = check_targets(y_true, y_pred.shape)
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        """dvalues: (N, K) predictions -> dinputs = -2 (y - p) / K / N."""
        dvalues, y_true = self._check_backward(dvalues, y_true, labels=False)
        samples, outputs = dvalues.shape
        self.dinputs = -2 * (y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples
        return self.dinputs


class MeanAbsoluteError(Loss):
    """Mean over K outputs of ``|y - p|``; y and p: (N, K)."""

    def forward(self, y_pred, y_true):
        """-> (N,) losses."""
        y_pred = as_array(y_pred, "y_pred")
        check_2d(y_pred, "y_pred")
        y_true = check_targets(y_true, y_pred.shape)
        return np.mean(np.abs(y_true - y_pred), axis=-1)

    def backward(self, dvalues, y_true):
        """dvalues: (N, K) predictions -> dinputs = -sign(y - p) / K / N."""
        dvalues, y_true = self._check_backward(dvalues, y_true, labels=False)
        samples, outputs = dvalues.shape
        self.dinputs = -np.sign(y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples
        return self.dinputs


class SoftmaxCategoricalCrossentropy(DropsPassArrays):
    """Softmax followed by categorical cross-entropy, with the short backward.

    The gradient of the mean loss with respect to the softmax *inputs* is
    ``(softmax - y_one_hot) / N``: no Jacobian needed.
    """

    def __init__(self):
        self.activation = Softmax()
        self.loss = CategoricalCrossentropy()
        self.output = None

    def forward(self, inputs, y_true):
        """inputs: (N, C) scores -> mean loss; sets ``output`` (N, C) probabilities."""
        self.activation.forward(inputs)
        self.output = self.activation.output
        return self.loss.calculate(self.output, y_true)

    def backward(self, dvalues, y_true):
        """dvalues: (N, C) softmax outputs -> dinputs: (N, C)."""
        require_forward(self, "output")
        dvalues = as_array(dvalues, "dvalues")
        check_2d(dvalues, "dvalues (softmax outputs)")
        y_true = check_class_labels(y_true, dvalues.shape)
        samples = len(dvalues)
        if y_true.ndim == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(samples), y_true] -= 1  # np.arange: see CategoricalCrossentropy
        self.dinputs = self.dinputs / samples
        return self.dinputs
