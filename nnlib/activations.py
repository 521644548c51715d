"""Activation functions: ``ReLU``, ``Softmax``, ``Sigmoid``, ``Linear``.

Same protocol as the layers (``forward`` stores and returns ``output``, ``backward`` sets and
returns ``dinputs``), plus ``predictions(outputs)``, which ``Model`` uses to turn the last
activation's outputs into class indices or values. Shapes: (N, D) in, (N, D) out.
"""

import numpy as np

from nnlib.validation import as_array, check_2d, check_same_shape, require_forward


class _Activation:
    """Shared input and ``backward`` checks; subclasses define the maths."""

    inputs = None
    output = None

    def _check_dvalues(self, dvalues):
        require_forward(self)
        dvalues = as_array(dvalues, f"{type(self).__name__} dvalues")
        check_same_shape(dvalues, self.output.shape, f"{type(self).__name__} dvalues")
        return dvalues


class ReLU(_Activation):
    """``max(0, x)`` element-wise; its derivative is 1 where x > 0, else 0."""

    _zeros = None  # read-only zeros shaped like the last float inputs (see _zeros_like)

    def forward(self, inputs, training=True):
        """inputs: (N, D) -> output: (N, D)."""
        self.inputs = as_array(inputs, "ReLU inputs")
        self.output = np.maximum(self._zeros_like(self.inputs), self.inputs)
        return self.output

    def _zeros_like(self, inputs):
        """Zeros to compare ``inputs`` with: an array for floats, else the scalar 0.

        ``np.maximum(0, x)`` takes a slow path for the scalar (three times slower in
        float32); against an array of zeros it takes the vectorized one, with the same
        values, zeros first as there (which decides the sign of a zero result). Up to
        ``_KEEP_ZEROS_BYTES``, the zeros are kept for the next batch of the same shape.
        """
        if inputs.dtype.kind != "f":
            return 0
        zeros = self._zeros
        if zeros is None or zeros.shape != inputs.shape or zeros.dtype != inputs.dtype:
            zeros = np.zeros(inputs.shape, inputs.dtype)
            zeros.flags.writeable = False
            if zeros.nbytes <= _KEEP_ZEROS_BYTES:
                self._zeros = zeros
        return zeros

    def backward(self, dvalues):
        """dvalues: (N, D) -> dinputs: (N, D), zero where the input was <= 0."""
        dvalues = self._check_dvalues(dvalues)
        self.dinputs = _keep_where_positive(dvalues, self.inputs)
        return self.dinputs

    def predictions(self, outputs):
        return outputs


def _keep_where_positive(dvalues, inputs):
    """``np.where(inputs > 0, dvalues, 0)``, bit for bit, about three times faster.

    For floats, the kept values are selected with a bitwise AND against an integer mask of
    all ones (keep) or all zeros (+0.0), a fast integer loop where ``np.where`` is not.
    dvalues and inputs: the same shape.
    """
    mask_type = _SAME_SIZE_INTEGER.get(dvalues.dtype.char)
    if mask_type is None:
        return np.where(inputs > 0, dvalues, 0).astype(dvalues.dtype, copy=False)
    mask = (inputs > 0).astype(mask_type)
    np.negative(mask, out=mask)  # 1 -> -1: every bit set
    return np.bitwise_and(dvalues.view(mask_type), mask).view(dvalues.dtype)


# ReLU keeps its array of zeros up to this size (a few batches' worth of activations).
_KEEP_ZEROS_BYTES = 4 * 1024 * 1024
# Float type codes -> the integer type of the same size, for bitwise selection.
_SAME_SIZE_INTEGER = {"e": np.int16, "f": np.int32, "d": np.int64}
# NumPy pays a fixed cost per row when it works along the rows of an array: with fewer
# columns than this (the spiral's 3 classes), Softmax works on the transpose instead.
_NARROW = 8


def _narrow_softmax(inputs):
    """The softmax of float32/float64 inputs (N, C) with C < 8, bit for bit, but faster.

    Along the rows of (N, C), NumPy runs N short loops of C numbers; on the transposed copy
    (C, N) the same operations run as C loops of N contiguous numbers (on the spiral's
    300 x 3 float32 scores, ``Softmax.forward`` took 12.5 instead of 15.5 µs). Element by element
    they are the same operations: the maximum is exact in any order, and NumPy sums a row of
    fewer than 8 values left to right, as adding the C rows of the transpose in turn does.
    """
    scores = inputs.T.copy()
    scores -= scores.max(axis=0)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=0)
    return scores.T.copy()


class Softmax(_Activation):
    """Row-wise ``exp(x_i) / sum_j exp(x_j)``: each row becomes a probability distribution.

    The row maximum is subtracted first so that ``exp`` cannot overflow.
    """

    def forward(self, inputs, training=True):
        """inputs: (N, C) -> output: (N, C), rows summing to 1."""
        inputs = as_array(inputs, "Softmax inputs")
        check_2d(inputs, "Softmax inputs")
        self.inputs = inputs
        if inputs.dtype.char in "fd" and 0 < inputs.shape[1] < _NARROW:
            self.output = _narrow_softmax(inputs)
            return self.output
        shifted = inputs - inputs.max(axis=1, keepdims=True)
        # In place where the dtype allows (integer scores give float exponentials).
        exp_values = np.exp(shifted, out=shifted if shifted.dtype.kind == "f" else None)
        exp_values /= exp_values.sum(axis=1, keepdims=True)
        self.output = exp_values
        return self.output

    def backward(self, dvalues):
        """dvalues: (N, C) -> dinputs: (N, C).

        Each row's Jacobian is ``diag(s) - s s^T``; multiplied by that row's dvalues it
        reduces to ``s * (dvalues - sum(s * dvalues))``, so no per-sample loop is needed.
        """
        dvalues = self._check_dvalues(dvalues)
        s = self.output
        self.dinputs = s * (dvalues - np.sum(s * dvalues, axis=1, keepdims=True))
        return self.dinputs

    def predictions(self, outputs):
        """outputs: (N, C) probabilities -> (N,) class indices."""
        return np.argmax(outputs, axis=1)


class Sigmoid(_Activation):
    """``1 / (1 + exp(-x))`` element-wise, for binary (multi-label) outputs."""

    def forward(self, inputs, training=True):
        """inputs: (N, D) -> output: (N, D) in (0, 1)."""
        self.inputs = as_array(inputs, "Sigmoid inputs")
        self.output = 1 / (1 + np.exp(-self.inputs))
        return self.output

    def backward(self, dvalues):
        """dvalues: (N, D) -> dinputs = dvalues * s * (1 - s)."""
        dvalues = self._check_dvalues(dvalues)
        self.dinputs = dvalues * (1 - self.output) * self.output
        return self.dinputs

    def predictions(self, outputs):
        """outputs: (N, D) -> (N, D) of 0/1, thresholded at 0.5."""
        return (outputs > 0.5) * 1


class Linear(_Activation):
    """The identity, for regression outputs."""

    def forward(self, inputs, training=True):
        """inputs: (N, D) -> output: the same values."""
        self.inputs = as_array(inputs, "Linear inputs")
        self.output = self.inputs
        return self.output

    def backward(self, dvalues):
        """dvalues: (N, D) -> dinputs: a copy of dvalues."""
        self.dinputs = self._check_dvalues(dvalues).copy()
        return self.dinputs

    def predictions(self, outputs):
        return outputs
