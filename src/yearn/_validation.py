"""Parameter checks with one message shape: the parameter, what it must be, what it got."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from yearn.errors import ConfigError

__all__ = [
    "check_choice",
    "check_fraction",
    "check_number",
    "check_positive_int",
    "first_nonfinite_row",
]


def check_choice(name: str, value: Any, choices: Iterable[Any], *, error=ConfigError) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise naming the allowed ones."""
    allowed = list(choices)
    if value not in allowed:
        shown = ", ".join(repr(c) for c in allowed)
        raise error(f"{name} must be one of {shown}; got {value!r}.")
    return value


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    error=ConfigError,
) -> float:
    """Return ``value`` as a finite float within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(f"{name} must be a number; got {value!r} ({type(value).__name__}).")
    value = float(value)
    if not math.isfinite(value):
        raise error(f"{name} must be a finite number; got {value!r}.")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise error(f"{name} must be {op} {low:g}; got {value:g}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise error(f"{name} must be {op} {high:g}; got {value:g}.")
    return value


def check_fraction(name: str, value: Any, *, error=ConfigError) -> float:
    """Return ``value`` if it is a number in [0, 1]."""
    return check_number(name, value, low=0.0, high=1.0, error=error)


def check_positive_int(name: str, value: Any, *, minimum: int = 1, error=ConfigError) -> int:
    """Return ``value`` if it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise error(f"{name} must be an integer >= {minimum}; got {value}.")
    return value


def first_nonfinite_row(x: Any, chunk: int = 8192) -> int | None:
    """The first row of a float array holding NaN or inf (``None`` when every value is
    finite), without a boolean temporary the size of ``x``: one float64 sum first (a finite
    sum means finite values), else the rows chunk by chunk."""
    import numpy as np

    x = np.asarray(x)
    if x.dtype.kind not in "fc" or x.size == 0:
        return None
    if np.isfinite(x.sum(dtype=np.complex128 if x.dtype.kind == "c" else np.float64)):
        return None
    flat = x.reshape(len(x), -1)
    for start in range(0, len(flat), chunk):
        bad = ~np.isfinite(flat[start : start + chunk]).all(axis=1)
        if bad.any():
            return start + int(np.flatnonzero(bad)[0])
    return None  # the sum overflowed, yet every value is finite
