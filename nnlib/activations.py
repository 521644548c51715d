"""Activation functions: ``ReLU``, ``Softmax``, ``Sigmoid``, ``Linear``.

Same protocol as the layers (``forward`` stores and returns ``output``, ``backward`` sets and
returns ``dinputs``), plus ``predictions(outputs)``, which ``Model`` uses to turn the last
activation's outputs into class indices or values. Shapes: (N, D) in, (N, D) out.

Each formula is the book's, in the book's order of floating-point operations. The plain
reference is ``reference/book_style.py`` (the book's classes as the chapters write them);
``tests/test_reference_bits.py`` (piece by piece) and ``tests/test_book_fidelity.py`` (every
spiral run of the book) hold these classes to its numbers, bit for bit.
"""

import numpy as np

from nnlib.serialization import DropsPassArrays
from nnlib.validation import as_array, check_2d, check_same_shape, require_forward


class _Activation(DropsPassArrays):
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

    def forward(self, inputs, training=True):
        """inputs: (N, D) -> output: (N, D)."""
        self.inputs = as_array(inputs, "ReLU inputs")
        self.output = np.maximum(0, self.inputs)
        return self.output

    def backward(self, dvalues):
        """dvalues: (N, D) -> dinputs: (N, D), zero where the input was <= 0.

        The book's mask form (chapter 9: ``drelu[z > 0] = 1; drelu *= dvalues``): the same
        values as its later ``copy()`` with ``drelu[z <= 0] = 0`` (a zero may carry a minus
        sign), and 6% faster on a Fashion-MNIST epoch (``nnlib bench``).
        """
        dvalues = self._check_dvalues(dvalues)
        self.dinputs = dvalues * (self.inputs > 0)
        return self.dinputs

    def predictions(self, outputs):
        return outputs


class Softmax(_Activation):
    """Row-wise ``exp(x_i) / sum_j exp(x_j)``: each row becomes a probability distribution.

    The row maximum is subtracted first so that ``exp`` cannot overflow.
    """

    def forward(self, inputs, training=True):
        """inputs: (N, C) -> output: (N, C), rows summing to 1."""
        inputs = as_array(inputs, "Softmax inputs")
        check_2d(inputs, "Softmax inputs")
        self.inputs = inputs
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        return self.output

    def backward(self, dvalues):
        """dvalues: (N, C) -> dinputs: (N, C).

        Each row's Jacobian is ``diag(s) - s s^T``; multiplied by that row's dvalues it
        reduces to ``s * (dvalues - sum(s * dvalues))``, so no per-sample loop is needed
        (the book loops over the samples; chapter 2 shows both).
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
