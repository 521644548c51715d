"""Comparisons for the checks: each raises :class:`CheckFailure` saying expected versus got."""

import numpy as np

from nnlib.checks.verdict import CheckFailure
from nnlib.gradcheck import relative_error

# Values must agree to this relative tolerance: enough for any order of the same float64
# operations, far too tight for a wrong formula.
RTOL = 1e-6
SHOWN_VALUES = 3


def number(value) -> str:
    """A value for a message: six significant digits."""
    return f"{float(value):.6g}"


def learner_class(cls, name: str) -> type:
    """``cls`` itself, or a failure explaining that the check wants the class."""
    if not isinstance(cls, type):
        raise CheckFailure(
            f"expected the class {name}, got {type(cls).__name__} {cls!r:.60}",
            f"pass the class itself: {name}, not {name}().",
        )
    return cls


def own_method(cls: type, name: str) -> None:
    """Fail unless ``cls.name`` is the learner's code rather than inherited from nnlib."""
    for owner in cls.__mro__:
        if name in vars(owner):
            if owner.__module__.split(".")[0] == "nnlib":
                raise CheckFailure(
                    f"{cls.__name__}.{name} is nnlib's {owner.__name__}.{name}, not yours",
                    f"define {name} in your class {cls.__name__}.",
                )
            return
    raise CheckFailure(f"{cls.__name__} has no method {name}", f"define {name} in the class.")


def learner_method(cls, class_name: str, method: str):
    """Check that ``cls`` is a class whose ``method`` is the learner's own; return ``cls``.

    A step of a self-check (it yields the step's description):
    ``cls = yield from learner_method(Layer_Dense, "Layer_Dense", "backward")``.
    """
    cls = learner_class(cls, class_name)
    yield f"{cls.__name__}.{method} is your own method"
    own_method(cls, method)
    return cls


def attribute(obj, name: str, who: str, hint: str = "", owner: str = "self"):
    """``obj.name``, or a failure saying that ``who`` did not set ``owner.name``."""
    value = getattr(obj, name, None)
    if value is None:
        raise CheckFailure(f"{who} did not set {owner}.{name}", hint or f"assign {owner}.{name}.")
    return value


def same_values(got, expected) -> bool:
    """``got`` has ``expected``'s shape and values: a known mistake's result, for its hint."""
    try:
        values = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return values.shape == np.shape(expected) and bool(
        np.allclose(values, expected, rtol=1e-6, atol=1e-12)
    )


def expect_array(
    label: str, got, expected, hint: str = "", *, rtol: float = RTOL, atol: float | None = None
) -> None:
    """Fail unless ``got`` has ``expected``'s shape and values (to ``rtol`` and ``atol``).

    ``atol`` defaults to a tiny fraction of the largest expected value, so exact zeros must
    come out as (almost) zero.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        raise CheckFailure(f"{label} is missing (None)", hint)
    try:
        values = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(
            f"{label} is a {type(got).__name__}, not an array of numbers", hint
        ) from None
    if values.shape != expected.shape:
        raise CheckFailure(f"{label} has shape {values.shape}, expected {expected.shape}", hint)
    if atol is None:
        scale = float(np.max(np.abs(expected))) if expected.size else 0.0
        atol = rtol * 1e-3 * max(scale, 1e-300)
    close = np.isclose(values, expected, rtol=rtol, atol=atol)
    if close.all():
        return
    wrong = np.argwhere(~close)
    shown = "; ".join(
        f"[{', '.join(map(str, index))}]: expected {number(expected[tuple(index)])}, "
        f"got {number(values[tuple(index)])}"
        for index in wrong[:SHOWN_VALUES]
    )
    count = f"{len(wrong)} of {expected.size} values differ"
    if np.all(np.isfinite(values)):
        count += f", relative error {relative_error(values, expected):.1e}"
    raise CheckFailure(f"{label}{shown} ({count})", hint)


def expect_number(label: str, got, expected: float, hint: str = "") -> None:
    """Fail unless ``got`` is a single number close to ``expected``."""
    try:
        value = float(np.asarray(got).item())
    except (TypeError, ValueError):
        raise CheckFailure(
            f"{label} is {got!r:.60}, expected the number {expected:.6g}", hint
        ) from None
    if not np.isclose(value, expected, rtol=RTOL, atol=1e-12):
        raise CheckFailure(f"{label}: expected {number(expected)}, got {number(value)}", hint)


def expect_unchanged(label: str, array: np.ndarray, original: np.ndarray, hint: str = "") -> None:
    """Fail if ``array`` no longer equals ``original`` (the copy taken before the call)."""
    if not np.array_equal(array, original):
        raise CheckFailure(f"{label}: changed in place", hint or "work on a copy.")
