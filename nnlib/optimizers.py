"""Optimizers: ``SGD`` (with momentum), ``Adagrad``, ``RMSprop``, ``Adam``.

The book's protocol, once per training step::

    optimizer.pre_update_params()          # decay: lr / (1 + decay * iterations)
    for layer in trainable_layers:
        optimizer.update_params(layer)     # uses layer.dweights, layer.dbiases
    optimizer.post_update_params()         # iterations += 1

Per-layer state lives on the layer under the book's names (``weight_momentums``,
``bias_momentums``, ``weight_cache``, ``bias_cache``), created as zeros on first use.
Every formula is written in the book's order of operations so that results match the
book's code to the last bit.
"""

import numpy as np

from nnlib.validation import check_number


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

    def post_update_params(self):
        """Count the step."""
        self.iterations += 1


def _state(layer, name, like):
    """The layer's optimizer state array ``name``, created as zeros shaped like ``like``."""
    if getattr(layer, name, None) is None:
        setattr(layer, name, np.zeros_like(like))
    return getattr(layer, name)


def _check_gradients(layer):
    if getattr(layer, "dweights", None) is None:
        raise RuntimeError(
            f"update_params() needs {type(layer).__name__}.dweights and dbiases: "
            "run backward() before updating."
        )


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
        if self.momentum:
            weight_updates = (
                self.momentum * _state(layer, "weight_momentums", layer.weights)
                - self.current_learning_rate * layer.dweights
            )
            layer.weight_momentums = weight_updates
            bias_updates = (
                self.momentum * _state(layer, "bias_momentums", layer.biases)
                - self.current_learning_rate * layer.dbiases
            )
            layer.bias_momentums = bias_updates
        else:
            weight_updates = -self.current_learning_rate * layer.dweights
            bias_updates = -self.current_learning_rate * layer.dbiases
        layer.weights += weight_updates
        layer.biases += bias_updates


class Adagrad(Optimizer):
    """Per-parameter rates: ``cache += dp**2; p -= lr * dp / (sqrt(cache) + eps)``."""

    def __init__(self, learning_rate=1.0, decay=0.0, epsilon=1e-7):
        super().__init__(learning_rate, decay)
        self.epsilon = check_number(epsilon, "epsilon", low=0, low_open=True)

    def update_params(self, layer):
        _check_gradients(layer)
        weight_cache = _state(layer, "weight_cache", layer.weights)
        bias_cache = _state(layer, "bias_cache", layer.biases)
        weight_cache += layer.dweights**2
        bias_cache += layer.dbiases**2
        layer.weights += (
            -self.current_learning_rate * layer.dweights / (np.sqrt(weight_cache) + self.epsilon)
        )
        layer.biases += (
            -self.current_learning_rate * layer.dbiases / (np.sqrt(bias_cache) + self.epsilon)
        )


class RMSprop(Optimizer):
    """Adagrad with a moving average: ``cache = rho * cache + (1 - rho) * dp**2``."""

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, rho=0.9):
        super().__init__(learning_rate, decay)
        self.epsilon = check_number(epsilon, "epsilon", low=0, low_open=True)
        self.rho = check_number(rho, "rho", low=0, high=1, high_open=True)

    def update_params(self, layer):
        _check_gradients(layer)
        layer.weight_cache = (
            self.rho * _state(layer, "weight_cache", layer.weights)
            + (1 - self.rho) * layer.dweights**2
        )
        layer.bias_cache = (
            self.rho * _state(layer, "bias_cache", layer.biases) + (1 - self.rho) * layer.dbiases**2
        )
        layer.weights += (
            -self.current_learning_rate
            * layer.dweights
            / (np.sqrt(layer.weight_cache) + self.epsilon)
        )
        layer.biases += (
            -self.current_learning_rate * layer.dbiases / (np.sqrt(layer.bias_cache) + self.epsilon)
        )


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
        step = self.iterations + 1
        for name, parameters, gradient in (
            ("weight", layer.weights, layer.dweights),
            ("bias", layer.biases, layer.dbiases),
        ):
            momentums = (
                self.beta_1 * _state(layer, f"{name}_momentums", parameters)
                + (1 - self.beta_1) * gradient
            )
            cache = (
                self.beta_2 * _state(layer, f"{name}_cache", parameters)
                + (1 - self.beta_2) * gradient**2
            )
            setattr(layer, f"{name}_momentums", momentums)
            setattr(layer, f"{name}_cache", cache)
            momentums_corrected = momentums / (1 - self.beta_1**step)
            cache_corrected = cache / (1 - self.beta_2**step)
            parameters += (
                -self.current_learning_rate
                * momentums_corrected
                / (np.sqrt(cache_corrected) + self.epsilon)
            )
