"""Finite-difference helpers for the gradient tests, independent of ``nnlib.gradcheck``.

``numerical_gradient(f, x)`` never changes ``x``: it calls ``f`` on perturbed copies. To
differentiate with respect to an attribute (a layer's weights), use
``numerical_gradient_of_attribute``, which sets the attribute to each copy and restores it.
"""

import numpy as np

STEP = 1e-6
TOLERANCE = 1e-6


def numerical_gradient(f, x, h=STEP):
    """Centred differences of the scalar ``f(x)`` with respect to each element of ``x``."""
    x = np.asarray(x, dtype=np.float64)
    gradient = np.empty_like(x)
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] = x[index] + h
        plus = f(shifted)
        shifted[index] = x[index] - h
        minus = f(shifted)
        gradient[index] = (plus - minus) / (2 * h)
    return gradient


def numerical_gradient_of_attribute(f, owner, name, h=STEP):
    """Gradient of ``f()`` with respect to the array ``owner.<name>``, restored afterwards."""
    original = getattr(owner, name)

    def with_value(value):
        setattr(owner, name, value)
        return f()

    try:
        return numerical_gradient(with_value, original.copy(), h)
    finally:
        setattr(owner, name, original)


def relative_error(analytic, numeric):
    """``||a - n|| / (||a|| + ||n||)``, or 0 when both are 0."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    assert analytic.shape == numeric.shape, (analytic.shape, numeric.shape)
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


def assert_gradient_close(analytic, numeric, tolerance=TOLERANCE):
    """Fail with both gradients shown unless their relative error is below ``tolerance``."""
    error = relative_error(analytic, numeric)
    assert error < tolerance, (
        f"relative error {error:.2e}\nanalytic:\n{analytic}\nnumeric:\n{numeric}"
    )


def away_from_zero(rng, shape, low=0.2, high=1.5):
    """Random values with random signs and magnitudes in [low, high]: no kinks at 0."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def assert_unchanged(arrays, copies):
    """Each array still equals the copy taken of it earlier (nothing was changed in place)."""
    assert len(arrays) == len(copies)
    for index, (array, copy) in enumerate(zip(arrays, copies, strict=True)):
        np.testing.assert_array_equal(array, copy, err_msg=f"array {index} was changed")
