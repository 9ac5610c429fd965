"""Reading error values and sample sizes given by a user: ``"8%"``, ``0.08``, ``"0.08"``.

Error rates may be written as percent strings (``"8%"``) or as fractions (``0.08``), but
not both in one ladder: ``"8"`` next to ``"9%"`` could mean 8% or 800%, so it is refused.

One ambiguity rule for every rate (errors, the human level, the tolerance): a plain number
of 1 or more could be a percent or a fraction (``1`` is 1% or 100%), so it is refused with
both spellings; write ``1%`` or ``0.01`` (and ``100%`` for a total error).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from yearn.errors import ConfigError

__all__ = ["LADDER", "parse_errors", "parse_rate", "parse_sizes"]

#: The rungs of the ladder, in order; ``human`` is the human-level (Bayes proxy) error.
LADDER = ("human", "train", "train_dev", "dev", "test")
_ALIASES = {"train-dev": "train_dev", "traindev": "train_dev", "human_level": "human"}


def _rung(name: str) -> str:
    key = _ALIASES.get(str(name).strip().lower(), str(name).strip().lower())
    if key not in LADDER:
        raise ConfigError(
            f"unknown split {name!r}; the ladder is {', '.join(LADDER)} (train-dev may be "
            "written train_dev)."
        )
    return key


def _one(name: str, raw: Any) -> tuple[float, bool]:
    """Return (number as written, whether it was a percent string)."""
    if isinstance(raw, bool):
        raise ConfigError(f"--{name}: expected an error such as 8% or 0.08; got {raw!r}.")
    if isinstance(raw, numbers.Real):  # int, float and numpy scalars
        value, percent = float(raw), False
    elif isinstance(raw, str):
        text = raw.strip()
        percent = text.endswith("%")
        body = text[:-1].strip() if percent else text
        try:
            value = float(body)
        except ValueError:
            raise ConfigError(
                f"--{name}: cannot read {raw!r} as an error; write a percent (8%) or a "
                "fraction (0.08)."
            ) from None
    else:
        raise ConfigError(
            f"--{name}: expected a number or a percent string; got {type(raw).__name__}."
        )
    if not math.isfinite(value):
        raise ConfigError(f"--{name}: the error must be a finite number; got {raw!r}.")
    if value < 0:
        raise ConfigError(f"--{name}: an error cannot be negative; got {raw!r}.")
    return value, percent


def parse_errors(values: Mapping[str, Any], *, rate: bool = True) -> dict[str, float]:
    """Turn ``{"train": "8%", "dev": "10%"}`` or fractions into ``{"train": 0.08, ...}``.

    ``rate`` — the metric is an error rate in [0, 1] (classification error, 1−F1): percent
    strings are allowed and a value above 1 written without ``%`` is refused as ambiguous.
    For unbounded metrics (RMSE) numbers are taken as they are and ``%`` is refused.
    Raises :class:`~yearn.errors.ConfigError` on mixed notations, negative, non-finite
    or out-of-range values.
    """
    parsed: dict[str, tuple[float, bool]] = {}
    for name, raw in values.items():
        if raw is None:
            continue
        rung = _rung(name)
        if rung in parsed:
            raise ConfigError(f"split {rung!r} is given twice.")
        parsed[rung] = _one(rung.replace("_", "-"), raw)
    if not parsed:
        raise ConfigError(
            "no errors given; pass at least two of --human, --train, --train-dev, --dev, "
            "--test (e.g. --train 8% --dev 10%)."
        )
    percents = [k for k, (_, p) in parsed.items() if p]
    plain = [k for k, (v, p) in parsed.items() if not p and v != 0]
    if not rate:
        if percents:
            raise ConfigError(
                f"--{percents[0].replace('_', '-')}: percent strings are for error rates; "
                "this metric is not a rate, give plain numbers (e.g. 3.2 for an RMSE)."
            )
        return {k: v for k, (v, _) in _ordered(parsed)}
    if percents and plain:
        raise ConfigError(
            f"mixed notations: {', '.join(_flag(k) for k in percents)} given as percent "
            f"strings but {', '.join(f'{_flag(k)} {parsed[k][0]:g}' for k in plain)} as plain "
            "numbers, which could mean a fraction or a percent. Write every error the same "
            "way: all as percents (8%) or all as fractions (0.08)."
        )
    return {k: _as_rate(_flag(k), v, p) for k, (v, p) in _ordered(parsed)}


def _as_rate(flag: str, value: float, percent: bool) -> float:
    """The one ambiguity rule: percents up to 100%; plain numbers below 1 only."""
    if percent:
        if value > 100:
            raise ConfigError(f"{flag} {value:g}%: a rate cannot exceed 100%.")
        return value / 100.0
    if value >= 1:
        raise ConfigError(
            f"{flag} {value:g}: ambiguous — a plain number is a fraction below 1, and {value:g} "
            f"could mean {value:g}% or {value * 100:g}%: if you mean {value:g}%, write "
            f"'{value:g}%' (or {value / 100:g})"
            + (", or '100%' for a total error." if value == 1 else ".")
        )
    return value


def parse_rate(name: str, raw: Any, *, rate: bool = True) -> float:
    """One rate given alone (``--tolerance``): ``"1%"`` or ``0.01``, under the same rule.

    For a metric that is not a rate (RMSE) the number is taken as it is and ``%`` refused.
    """
    flag = name if name.startswith("-") else f"--{name}"
    value, percent = _one(flag.lstrip("-"), raw)
    if not rate:
        if percent:
            raise ConfigError(f"{flag}: a percent is for rates; this metric takes a plain number.")
        return value
    return _as_rate(flag, value, percent)


def _flag(rung: str) -> str:
    return "--" + rung.replace("_", "-")


def _ordered(parsed: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(k, parsed[k]) for k in LADDER if k in parsed]


def parse_sizes(sizes: Mapping[str, Any] | None) -> dict[str, int]:
    """Validate sample sizes per split: positive integers (``None`` entries are dropped)."""
    out: dict[str, int] = {}
    for name, raw in (sizes or {}).items():
        if raw is None:
            continue
        rung = _rung(name)
        real = isinstance(raw, numbers.Real) and not isinstance(raw, bool)
        if real and math.isfinite(float(raw)) and float(raw).is_integer():
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ConfigError(
                f"--n-{rung.replace('_', '-')}: a sample size is an integer; got {raw!r}."
            )
        if raw <= 0:
            raise ConfigError(
                f"--n-{rung.replace('_', '-')}: a sample size must be a positive number of "
                f"examples; got {raw}."
            )
        out[rung] = raw
    return out
