"""The coverage check: a small set of distortion sources repeated over a large clean set
lets a model learn the few sources by heart (one hour of car noise under 10,000 hours of
speech; 20 cars from a video game)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from yearn._validation import check_positive_int

__all__ = ["MAX_REUSE", "Coverage", "coverage_check"]

MAX_REUSE = 50  # clean examples per distinct source above which a source is overused


@dataclass(frozen=True)
class Coverage:
    """Distinct sources against the clean volume they are spread over."""

    what: str  # what a source is ("noise clip", "original image")
    n_sources: int
    n_clean: int
    reuse: float  # clean examples per source
    max_reuse: int
    needed: int  # distinct sources for reuse <= max_reuse
    warning: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def coverage_check(
    n_sources: int,
    n_clean: int,
    *,
    what: str = "noise source",
    max_reuse: int = MAX_REUSE,
    source_amount: float | None = None,
    clean_amount: float | None = None,
    unit: str = "",
) -> Coverage:
    """Warn when each of ``n_sources`` distinct sources would be reused over more than
    ``max_reuse`` of the ``n_clean`` clean examples (or, with amounts such as seconds,
    when the clean amount exceeds ``max_reuse`` times the source amount)."""
    check_positive_int("n_sources", n_sources)
    check_positive_int("n_clean", n_clean)
    check_positive_int("max_reuse", max_reuse)
    reuse = n_clean / n_sources
    needed = math.ceil(n_clean / max_reuse)
    warning = None
    if reuse > max_reuse:
        warning = (
            f"{n_sources} distinct {what}(s) would be repeated over {n_clean} clean examples "
            f"({reuse:.0f} each, more than {max_reuse}): a model can learn them by heart and "
            f"still fail on new ones. Use at least {needed} distinct {what}s."
        )
    elif source_amount is not None and clean_amount is not None and source_amount > 0:
        ratio = clean_amount / source_amount
        if ratio > max_reuse:
            need = clean_amount / max_reuse
            warning = (
                f"{source_amount:g}{unit} of {what}s under {clean_amount:g}{unit} of clean "
                f"data ({ratio:.0f}× reuse, more than {max_reuse}×): gather at least "
                f"{need:g}{unit} of varied {what}s."
            )
    return Coverage(what, n_sources, n_clean, round(reuse, 3), max_reuse, needed, warning)
