"""Layers: ``Dense`` (fully connected), ``Dropout`` and ``Input``.

The book's protocol: ``forward(inputs, training=True)`` stores ``inputs`` and ``output`` and
returns ``output``; ``backward(dvalues)`` sets ``dinputs`` (Dense also ``dweights`` and
``dbiases``) and returns ``dinputs``. Shapes: N samples, D input features, M neurons.

Each formula is the book's, in the book's order of floating-point operations. The plain
reference is ``reference/book_style.py`` (the book's classes as the chapters write them);
``tests/test_reference_bits.py`` (piece by piece) and ``tests/test_book_fidelity.py`` (every
spiral run of the book) hold these classes to its numbers, bit for bit.
"""

import numpy as np

from nnlib.serialization import DropsPassArrays
from nnlib.validation import (
    as_array,
    check_2d,
    check_number,
    check_positive_int,
    check_same_shape,
    require_forward,
)


class Dense(DropsPassArrays):
    """A fully connected layer: ``output = inputs @ weights + biases``.

    weights: (D, M), initialised as ``0.01 * np.random.randn(D, M)`` like the book;
    biases: (1, M), zeros. ``dtype`` (e.g. ``np.float32``) casts both; by default they keep
    the dtype NumPy gives, float64, or float32 after ``nnfs.init()``.

    L1/L2 regularizer strengths (>= 0) add ``l1 * sum|w| + l2 * sum(w**2)`` to the loss
    (see ``Loss.regularization_loss``) and their gradients to ``dweights``/``dbiases``.

    ``compute_dinputs`` (default True), a public option: when False, ``backward`` skips
    ``dinputs`` (sets it to None), a third of the layer's backward work. ``Model.train`` turns
    it off for its first layer while it trains, since that layer's inputs are the data: a
    Fashion-MNIST epoch (``nnlib bench``) takes 19% less time.
    """

    compute_dinputs = True

    def __init__(
        self,
        n_inputs,
        n_neurons,
        weight_regularizer_l1=0,
        weight_regularizer_l2=0,
        bias_regularizer_l1=0,
        bias_regularizer_l2=0,
        *,
        dtype=None,
    ):
        self.n_inputs = check_positive_int(n_inputs, "n_inputs")
        self.n_neurons = check_positive_int(n_neurons, "n_neurons")
        # np.random.randn and np.zeros are looked up at call time so nnfs.init() patches apply.
        self.weights = 0.01 * np.random.randn(self.n_inputs, self.n_neurons)
        self.biases = np.zeros((1, self.n_neurons))
        if dtype is not None:
            self.weights = self.weights.astype(dtype)
            self.biases = self.biases.astype(dtype)
        self.weight_regularizer_l1 = check_number(
            weight_regularizer_l1, "weight_regularizer_l1", low=0
        )
        self.weight_regularizer_l2 = check_number(
            weight_regularizer_l2, "weight_regularizer_l2", low=0
        )
        self.bias_regularizer_l1 = check_number(bias_regularizer_l1, "bias_regularizer_l1", low=0)
        self.bias_regularizer_l2 = check_number(bias_regularizer_l2, "bias_regularizer_l2", low=0)
        self.inputs = None
        self.output = None

    def forward(self, inputs, training=True):
        """inputs: (N, D) -> output: (N, M)."""
        inputs = as_array(inputs, "Dense inputs")
        check_2d(inputs, "Dense inputs", self.n_inputs)
        self.inputs = inputs
        # np.dot (not @) so that nnfs.init()'s float64 workaround applies, as in the book.
        self.output = np.dot(inputs, self.weights) + self.biases
        return self.output

    def backward(self, dvalues):
        """dvalues: (N, M) -> dinputs: (N, D) (None without ``compute_dinputs``).

        Sets dweights (D, M) and dbiases (1, M).
        """
        require_forward(self)
        dvalues = as_array(dvalues, "Dense dvalues")
        check_same_shape(dvalues, self.output.shape, "Dense dvalues (gradient of the output)")
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        # The regularization terms' gradients, L1 then L2, as the book adds them (the order
        # fixes the rounding). L1's gradient at exactly 0 is +1, as in the book.
        if self.weight_regularizer_l1 > 0:
            dL1 = np.ones_like(self.weights)
            dL1[self.weights < 0] = -1
            self.dweights += self.weight_regularizer_l1 * dL1
        if self.weight_regularizer_l2 > 0:
            self.dweights += 2 * self.weight_regularizer_l2 * self.weights
        if self.bias_regularizer_l1 > 0:
            dL1 = np.ones_like(self.biases)
            dL1[self.biases < 0] = -1
            self.dbiases += self.bias_regularizer_l1 * dL1
        if self.bias_regularizer_l2 > 0:
            self.dbiases += 2 * self.bias_regularizer_l2 * self.biases
        self.dinputs = np.dot(dvalues, self.weights.T) if self.compute_dinputs else None
        return self.dinputs

    def get_parameters(self):
        """Return copies of ``(weights, biases)``: a snapshot that training leaves alone."""
        return self.weights.copy(), self.biases.copy()

    def set_parameters(self, weights, biases):
        """Replace the parameters by copies; shapes must stay (D, M) and (1, M).

        Float arrays keep their dtype; integers (``[[1, 0], [0, 1]]``) become the layer's
        float dtype, since training changes them by fractions.
        """
        weights = as_array(weights, "weights")
        biases = as_array(biases, "biases")
        check_same_shape(weights, (self.n_inputs, self.n_neurons), "weights")
        check_same_shape(biases, (1, self.n_neurons), "biases")
        self.weights = self._float_copy(weights)
        self.biases = self._float_copy(biases)

    def _float_copy(self, parameters):
        if parameters.dtype.kind == "f":
            return parameters.copy()
        float_type = self.weights.dtype if self.weights.dtype.kind == "f" else np.float64
        return parameters.astype(float_type)


class Dropout(DropsPassArrays):
    """Inverted dropout: zeroes a fraction ``rate`` of the inputs while training.

    Kept values are scaled by ``1 / (1 - rate)`` so the expected output equals the input,
    and inference (``training=False``) is the identity. The mask is drawn with
    ``np.random.binomial`` on NumPy's global generator, as in the book.
    """

    PASS_ARRAYS = (*DropsPassArrays.PASS_ARRAYS, "binary_mask")

    def __init__(self, rate):
        self.rate = check_number(rate, "dropout rate", low=0, high=1, high_open=True)
        self.keep_rate = 1 - self.rate
        self.inputs = None
        self.output = None

    def forward(self, inputs, training=True):
        """inputs: (N, ...) -> output: same shape; sets ``binary_mask`` (already scaled)."""
        inputs = as_array(inputs, "Dropout inputs")
        self.inputs = inputs
        if not training:
            self.binary_mask = None
            self.output = inputs.copy()
            return self.output
        self.binary_mask = np.random.binomial(1, self.keep_rate, size=inputs.shape) / self.keep_rate
        self.output = inputs * self.binary_mask
        return self.output

    def backward(self, dvalues):
        """dvalues: same shape as the inputs -> dinputs."""
        require_forward(self)
        dvalues = as_array(dvalues, "Dropout dvalues")
        check_same_shape(dvalues, self.inputs.shape, "Dropout dvalues")
        self.dinputs = dvalues if self.binary_mask is None else dvalues * self.binary_mask
        return self.dinputs


class Input(DropsPassArrays):
    """The model's first node: passes the data on as ``output``."""

    def forward(self, inputs, training=True):
        """inputs: (N, D) -> output: the same array."""
        self.output = inputs
        return self.output
