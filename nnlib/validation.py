"""Checks on what a learner passes in, raising errors that say what was expected and what came.

Every public class calls these at its boundary so that a mistake surfaces as one clear
message instead of an ``IndexError`` or a broadcasting error deep inside NumPy.
"""

import math
from numbers import Real

import numpy as np


class NotForwardedError(RuntimeError):
    """``backward`` was called before ``forward``."""


def require_forward(obj, attribute: str = "inputs") -> None:
    """Raise :class:`NotForwardedError` unless ``obj.forward`` has stored ``attribute``."""
    if getattr(obj, attribute, None) is None:
        name = type(obj).__name__
        raise NotForwardedError(
            f"{name}.backward() was called before {name}.forward(): "
            "run a forward pass first, it stores what backward needs."
        )


def as_array(values, name: str) -> np.ndarray:
    """Return ``values`` as a NumPy array, or raise TypeError naming what came."""
    if isinstance(values, np.ndarray):
        return values
    try:
        return np.asarray(values)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must be array-like, got {type(values).__name__}: {error}"
        ) from None


def check_2d(values: np.ndarray, name: str, n_columns: int | None = None) -> None:
    """Check ``values`` has shape (N, n_columns) (any N when ``n_columns`` is None)."""
    expected = f"(N, {n_columns})" if n_columns is not None else "(N, D)"
    if values.ndim != 2:
        hint = " For one sample, use x.reshape(1, -1)." if values.ndim == 1 else ""
        raise ValueError(f"{name} must have shape {expected}, got shape {values.shape}.{hint}")
    if n_columns is not None and values.shape[1] != n_columns:
        raise ValueError(
            f"{name} must have shape {expected}: {n_columns} features per sample, "
            f"got shape {values.shape} ({values.shape[1]} features)."
        )


def check_same_shape(values: np.ndarray, expected_shape: tuple, name: str) -> None:
    """Check ``values.shape == expected_shape``."""
    if values.shape != tuple(expected_shape):
        raise ValueError(
            f"{name} must have shape {tuple(expected_shape)}, got shape {values.shape}."
        )


def check_class_labels(y_true, y_pred_shape: tuple) -> np.ndarray:
    """Check class labels against predictions of shape (N, C); return them as an array.

    Sparse labels: shape (N,), integers in [0, C). One-hot labels: shape (N, C).
    """
    y_true = as_array(y_true, "y_true")
    n_samples, n_classes = y_pred_shape
    if y_true.ndim == 1:
        if not np.issubdtype(y_true.dtype, np.integer):
            raise TypeError(
                f"sparse labels y_true must be integer class indices, got dtype {y_true.dtype}."
            )
        if len(y_true) != n_samples:
            raise ValueError(
                f"y_true has {len(y_true)} labels but the predictions have {n_samples} samples."
            )
        if n_samples and (y_true.min() < 0 or y_true.max() >= n_classes):
            raise ValueError(
                f"class labels must be in [0, {n_classes}) for {n_classes} classes, "
                f"got labels from {y_true.min()} to {y_true.max()}."
            )
    elif y_true.ndim == 2:
        if y_true.shape != tuple(y_pred_shape):
            raise ValueError(
                f"one-hot labels y_true must have the predictions' shape {tuple(y_pred_shape)}, "
                f"got shape {y_true.shape}."
            )
    else:
        raise ValueError(
            f"y_true must be sparse labels of shape ({n_samples},) or one-hot labels of shape "
            f"{tuple(y_pred_shape)}, got shape {y_true.shape}."
        )
    return y_true


def check_targets(y_true, y_pred_shape: tuple) -> np.ndarray:
    """Check regression / binary targets: same shape as the predictions (N, K)."""
    y_true = as_array(y_true, "y_true")
    if y_true.shape != tuple(y_pred_shape):
        raise ValueError(
            f"y_true must have the predictions' shape {tuple(y_pred_shape)}, got shape "
            f"{y_true.shape}. For one output per sample, use y.reshape(-1, 1)."
        )
    return y_true


def check_number(value, name: str, *, low=None, high=None, low_open=False, high_open=False):
    """Check a hyper-parameter is a finite real number within bounds; return it.

    A NumPy scalar comes back as the Python number of the same value: NumPy 2 computes
    ``np.float64(0.9) * float32_array`` in float64 (NEP 50), a Python float adapts to the
    array's dtype, so the hyper-parameters never change the dtype of the arrays they scale.
    """
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        # An unbounded side is open: infinity itself is never allowed.
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        low_text = "-inf" if low is None else low
        high_text = "inf" if high is None else high
        raise ValueError(f"{name} must be in {left}{low_text}, {high_text}{right}, got {value!r}.")
    return value.item() if isinstance(value, np.generic) else value


def check_positive_int(value, name: str) -> int:
    """Check a size (number of inputs, neurons...) is a positive integer; return it."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)
