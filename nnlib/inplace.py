"""In-place arithmetic that gives the same bits as the book's out-of-place expressions."""

import numpy as np


def in_place(ufunc, result, operand):
    """``ufunc(result, operand)``, written into ``result``, a temporary the caller owns.

    The same operation in the same order gives the same bits in place as out of place, and
    saves allocating and filling a new array. In place only when NumPy would keep
    ``result``'s float dtype: the operand is a Python int or float (NEP 50: they adapt to
    the array) or an array of the same dtype. Otherwise (a float64 array or NumPy scalar
    with a float32 ``result``, integer arrays...) a new array is returned, exactly as the
    book's expression gives.
    """
    same_dtype = type(operand) in (int, float) or (
        isinstance(operand, np.ndarray) and operand.dtype == result.dtype
    )
    if same_dtype and result.dtype.kind == "f":
        return ufunc(result, operand, out=result)
    return ufunc(result, operand)
