"""Optimizers: ``SGD`` (with momentum), ``Adagrad``, ``RMSprop``, ``Adam``.

The book's protocol, once per training step::

    optimizer.pre_update_params()          # decay: lr / (1 + decay * iterations)
    for layer in trainable_layers:
        optimizer.update_params(layer)     # uses layer.dweights, layer.dbiases
    optimizer.post_update_params()         # iterations += 1

Per-layer state lives on the layer under the book's names (``weight_momentums``,
``bias_momentums``, ``weight_cache``, ``bias_cache``), created as zeros on first use and,
as in the book, replaced by a new array every step.

Every formula keeps the book's order of operations so that results match the book's code
to the last bit; the speed comes from doing the same operations in place in temporaries
(no extra arrays, same bits) and from three things that change no bit that matters:
hyper-parameters enter as Python floats (a NumPy float64 would turn float32 work into
float64), Adam skips its first bias correction once it is exactly 1, and state below the
smallest normal float is flushed to zero (see ``_flush_subnormals``).
"""

import functools

import numpy as np

from nnlib.inplace import in_place
from nnlib.validation import check_number

# Steps between two flushes of subnormal optimizer state (see _flush_subnormals).
FLUSH_INTERVAL = 16


class Optimizer:
    """Learning rate, 1/t decay and the step counter shared by every optimizer."""

    def __init__(self, learning_rate, decay):
        self.learning_rate = check_number(learning_rate, "learning_rate", low=0, low_open=True)
        self.decay = check_number(decay, "decay", low=0)
        self.current_learning_rate = learning_rate
        self.iterations = 0

    def pre_update_params(self):
        """Set ``current_learning_rate = learning_rate / (1 + decay * iterations)``."""
        if self.decay:
            self.current_learning_rate = self.learning_rate * (
                1.0 / (1.0 + self.decay * self.iterations)
            )

    def update_params(self, layer):
        raise NotImplementedError

    def _flush_due(self):
        """Whether this step flushes subnormal state (see ``_flush_subnormals``)."""
        return self.iterations % FLUSH_INTERVAL == 0

    def _hyperparameters(self, *names):
        """The named hyper-parameters as Python floats.

        NumPy scalars (``np.float64(0.9)``) would turn float32 arithmetic into float64
        (NEP 50); Python floats adapt to the arrays' dtype, as the book's floats do.
        """
        return [float(getattr(self, name)) for name in names]

    def post_update_params(self):
        """Count the step."""
        self.iterations += 1


def _state(layer, name, like):
    """The layer's optimizer state array ``name``, created as zeros shaped like ``like``."""
    state = getattr(layer, name, None)
    if state is None:
        state = np.zeros_like(like)
        setattr(layer, name, state)
    return state


def _check_gradients(layer):
    if getattr(layer, "dweights", None) is None:
        raise RuntimeError(
            f"update_params() needs {type(layer).__name__}.dweights and dbiases: "
            "run backward() before updating."
        )


# Per parameter array: its attribute, its gradient's, its momentums' and its cache's.
_ATTRIBUTES = (
    ("weights", "dweights", "weight_momentums", "weight_cache"),
    ("biases", "dbiases", "bias_momentums", "bias_cache"),
)


def _moving_average(average, beta, weighted_values):
    """``beta * average + weighted_values`` as a new array: the book's state update.

    A new array (not ``average`` updated in place) because the book rebinds the state each
    step: a learner's reference to last step's momentums must not change under them.
    """
    return in_place(np.add, average * beta, weighted_values)


def _weighted_square(gradient, beta):
    """``(1 - beta) * gradient**2``, squaring and scaling in one temporary."""
    return in_place(np.multiply, np.square(gradient), 1 - beta)


def _flush_subnormals(state, *, nonnegative=False):
    """Set the entries of ``state`` below the smallest normal float in magnitude to 0, in place.

    Decaying optimizer state (momentums and caches of units whose gradient became 0, like
    dead ReLU units) shrinks into the subnormal range, where multiplying and dividing is
    several times slower, and stays there: ``0.9 * x`` rounds back to ``x`` for the
    smallest subnormals. Only values that small change, and they are far below anything
    that could move a parameter. The optimizers flush every ``FLUSH_INTERVAL`` steps,
    which keeps subnormals rare at a fraction of the cost. ``nonnegative`` skips the
    ``abs`` for caches (sums of squares).
    """
    if state.dtype.kind == "f":
        magnitude = state if nonnegative else np.abs(state)
        np.copyto(state, 0, where=magnitude < _smallest_normal(state.dtype))


@functools.cache
def _smallest_normal(dtype):
    return np.finfo(dtype).smallest_normal


def _scaled_corrected(momentums, correction, scale):
    """``scale * (momentums / correction)`` as a new array, in that order.

    Once ``correction`` (Adam's ``1 - beta_1**t``) rounds to 1 in the arrays' dtype, after
    about 165 steps in float32, the division changes nothing (``x / 1 == x``) and is
    skipped: one pass fewer, the same bits.
    """
    if momentums.dtype.kind == "f" and momentums.dtype.type(correction) == 1:
        return momentums * scale
    return in_place(np.multiply, momentums / correction, scale)


def _divide_by_root(update, squares, epsilon, *, squares_are_scratch=False):
    """``update / (sqrt(squares) + epsilon)``, in place in ``update`` where dtypes allow.

    ``squares_are_scratch`` lets the square root overwrite ``squares`` (a temporary).
    """
    denominator = np.sqrt(squares, out=squares if squares_are_scratch else None)
    denominator += epsilon
    return in_place(np.divide, update, denominator)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum.

    Without momentum: ``p -= lr * dp``. With momentum m in [0, 1):
    ``v = m * v - lr * dp; p += v``.
    """

    def __init__(self, learning_rate=1.0, decay=0.0, momentum=0.0):
        super().__init__(learning_rate, decay)
        self.momentum = check_number(momentum, "momentum", low=0, high=1, high_open=True)

    def update_params(self, layer):
        _check_gradients(layer)
        learning_rate, momentum = self._hyperparameters("current_learning_rate", "momentum")
        flush = self._flush_due()
        for parameters_name, gradient_name, momentums_name, _ in _ATTRIBUTES:
            parameters, gradient = getattr(layer, parameters_name), getattr(layer, gradient_name)
            if momentum:
                # v = momentum * v - lr * dp: the new momentums are also the update.
                previous = _state(layer, momentums_name, parameters)
                updates = in_place(np.subtract, previous * momentum, learning_rate * gradient)
                if flush:
                    _flush_subnormals(updates)
                setattr(layer, momentums_name, updates)
            else:
                updates = -learning_rate * gradient
            parameters += updates


class Adagrad(Optimizer):
    """Per-parameter rates: ``cache += dp**2; p -= lr * dp / (sqrt(cache) + eps)``.

    The cache only grows, so unlike the other optimizers' state it never decays into
    subnormal numbers.
    """

    def __init__(self, learning_rate=1.0, decay=0.0, epsilon=1e-7):
        super().__init__(learning_rate, decay)
        self.epsilon = check_number(epsilon, "epsilon", low=0, low_open=True)

    def update_params(self, layer):
        _check_gradients(layer)
        learning_rate, epsilon = self._hyperparameters("current_learning_rate", "epsilon")
        for parameters_name, gradient_name, _, cache_name in _ATTRIBUTES:
            parameters, gradient = getattr(layer, parameters_name), getattr(layer, gradient_name)
            cache = _state(layer, cache_name, parameters)
            cache += gradient**2
            parameters += _divide_by_root(-learning_rate * gradient, cache, epsilon)


class RMSprop(Optimizer):
    """Adagrad with a moving average: ``cache = rho * cache + (1 - rho) * dp**2``."""

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, rho=0.9):
        super().__init__(learning_rate, decay)
        self.epsilon = check_number(epsilon, "epsilon", low=0, low_open=True)
        self.rho = check_number(rho, "rho", low=0, high=1, high_open=True)

    def update_params(self, layer):
        _check_gradients(layer)
        learning_rate, epsilon, rho = self._hyperparameters(
            "current_learning_rate", "epsilon", "rho"
        )
        flush = self._flush_due()
        for parameters_name, gradient_name, _, cache_name in _ATTRIBUTES:
            parameters, gradient = getattr(layer, parameters_name), getattr(layer, gradient_name)
            cache = _moving_average(
                _state(layer, cache_name, parameters), rho, _weighted_square(gradient, rho)
            )
            if flush:
                _flush_subnormals(cache, nonnegative=True)
            setattr(layer, cache_name, cache)
            parameters += _divide_by_root(-learning_rate * gradient, cache, epsilon)


class Adam(Optimizer):
    """Momentum (first moment) plus an RMSprop cache (second moment), both bias-corrected.

    With t = iterations + 1::

        m = beta_1 * m + (1 - beta_1) * dp        m_hat = m / (1 - beta_1**t)
        v = beta_2 * v + (1 - beta_2) * dp**2     v_hat = v / (1 - beta_2**t)
        p -= lr * m_hat / (sqrt(v_hat) + eps)
    """

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, beta_1=0.9, beta_2=0.999):
        super().__init__(learning_rate, decay)
        self.epsilon = check_number(epsilon, "epsilon", low=0, low_open=True)
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, high_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0, high=1, high_open=True)

    def update_params(self, layer):
        _check_gradients(layer)
        learning_rate, epsilon, beta_1, beta_2 = self._hyperparameters(
            "current_learning_rate", "epsilon", "beta_1", "beta_2"
        )
        step, flush = self.iterations + 1, self._flush_due()
        for parameters_name, gradient_name, momentums_name, cache_name in _ATTRIBUTES:
            parameters, gradient = getattr(layer, parameters_name), getattr(layer, gradient_name)
            momentums = _moving_average(
                _state(layer, momentums_name, parameters), beta_1, gradient * (1 - beta_1)
            )
            cache = _moving_average(
                _state(layer, cache_name, parameters), beta_2, _weighted_square(gradient, beta_2)
            )
            if flush:
                _flush_subnormals(momentums)
                _flush_subnormals(cache, nonnegative=True)
            setattr(layer, momentums_name, momentums)
            setattr(layer, cache_name, cache)
            # -lr * m_hat / (sqrt(v_hat) + eps), evaluated left to right as the book does.
            update = _scaled_corrected(momentums, 1 - beta_1**step, -learning_rate)
            cache_corrected = cache / (1 - beta_2**step)
            parameters += _divide_by_root(
                update, cache_corrected, epsilon, squares_are_scratch=True
            )
