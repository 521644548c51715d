"""Gradient checking: compare an analytic gradient with centred finite differences.

    numeric = numerical_gradient(lambda: loss_of(x), x)
    report("dweights", analytic, numeric)      # prints the relative error and the target

Use float64 arrays: in float32 the finite differences themselves are only good to ~1e-3.
"""

import numpy as np

DEFAULT_TARGET = 1e-6


def numerical_gradient(f, x, h=1e-5):
    """Centred differences ``(f(x + h) - f(x - h)) / 2h`` for every element of ``x``.

    f: a function of no arguments returning a scalar that reads ``x``, which is changed in
    place one element at a time and restored. Returns an array shaped like ``x``.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a float NumPy array, got {type(x).__name__}.")
    gradient = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = float(f())
        x[index] = original - h
        minus = float(f())
        x[index] = original
        gradient[index] = (plus - minus) / (2 * h)
    return gradient


def relative_error(analytic, numeric):
    """``||a - n|| / max(||a|| + ||n||, 1e-12)``: 0 when equal, 1 when unrelated.

    Norms over the whole array, so elements near zero do not dominate.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(
            f"analytic gradient has shape {analytic.shape}, numeric has shape {numeric.shape}."
        )
    scale = max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12)
    return float(np.linalg.norm(analytic - numeric) / scale)


def report(name, analytic, numeric, target=DEFAULT_TARGET):
    """Print ``name: relative error 3.1e-10 (target < 1e-06): ok``; return the error."""
    error = relative_error(analytic, numeric)
    verdict = "ok" if error < target else "TOO LARGE"
    print(f"{name}: relative error {error:.1e} (target < {target:.0e}): {verdict}")
    return error


def layer_gradients(layer, inputs, seed=0, h=1e-5):
    """Analytic and numeric gradients of ``sum(layer.forward(inputs) * G)`` for a random G.

    Returns ``{name: (analytic, numeric)}`` for ``dinputs`` and, when the layer has them,
    ``dweights`` and ``dbiases``. The layer's own regularization penalty is part of the
    checked function, so L1/L2 gradient terms are checked too.
    """
    from nnlib.losses import Loss

    inputs = np.array(inputs, dtype=np.float64)
    upstream = np.random.default_rng(seed).standard_normal(layer.forward(inputs).shape)
    has_parameters = hasattr(layer, "weights")

    def objective():
        value = np.sum(layer.forward(inputs) * upstream)
        if has_parameters:
            value += Loss().regularization_loss(layer)
        return value

    layer.forward(inputs)
    layer.backward(upstream)
    checked = {"dinputs": (layer.dinputs.copy(), numerical_gradient(objective, inputs, h))}
    if has_parameters:
        analytic_weights, analytic_biases = layer.dweights.copy(), layer.dbiases.copy()
        checked["dweights"] = (analytic_weights, numerical_gradient(objective, layer.weights, h))
        checked["dbiases"] = (analytic_biases, numerical_gradient(objective, layer.biases, h))
    return checked
