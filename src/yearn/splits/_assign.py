"""The allocation engine behind the four-way split: hash keys, quotas and sticky filling.

Units (a group, or an example without a group) are ordered by a keyed hash of their name,
so the order depends only on the salt and the unit — never on row order or on the other
units. Within each stratum, split quotas are apportioned exactly (largest remainder) and
filled in hash order; units that already have a split (from a previous manifest) keep it
and count toward their split's quota, so appended data fills what is missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["allocate", "apportion", "hash_keys"]


def hash_keys(units: Sequence[str], salt: str, stream: str) -> np.ndarray:
    """A uint64 key per unit name: BLAKE2b keyed by ``salt`` and ``stream``.

    Stable across processes, platforms and library versions (unlike Python's ``hash``).
    """
    key = hashlib.sha256(f"{salt}\x1f{stream}".encode()).digest()
    blake = hashlib.blake2b
    raw = b"".join([blake(u.encode("utf-8"), digest_size=8, key=key).digest() for u in units])
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split the integer ``total`` over ``weights`` (integer capacities) proportionally.

    Largest-remainder rounding (ties to the lower index): the parts sum to ``total`` and
    none exceeds its capacity when ``total <= weights.sum()``.
    """
    weights = np.asarray(weights, dtype=np.int64)
    whole = int(weights.sum())
    if whole == 0 or total == 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = weights * total / whole
    parts = np.floor(exact).astype(np.int64)
    short = total - int(parts.sum())
    if short > 0:
        remainders = exact - parts
        order = np.lexsort((np.arange(len(weights)), -remainders))
        parts[order[:short]] += 1
    return parts


def allocate(
    keys: np.ndarray,
    sizes: np.ndarray,
    strata: np.ndarray,
    fixed: np.ndarray,
    quotas: Sequence[int],
) -> np.ndarray:
    """Assign each unit a split index ``0..len(quotas)-1``; the last split takes the rest.

    ``keys`` (uint64), ``sizes`` (examples per unit) and ``strata`` (int code per unit)
    describe the units; ``fixed`` holds a split index for units that already have one,
    else -1. ``quotas`` are example counts for every split but the last. Each stratum gets
    its proportional share of each quota (exact totals, largest remainder); its free units
    fill what the fixed ones leave, in key order, a unit going to the split whose
    cumulative quota its midpoint falls in — exact when every unit is one example.
    """
    n_splits = len(quotas) + 1
    out = np.asarray(fixed, dtype=np.int64).copy()
    sizes = np.asarray(sizes, dtype=np.int64)
    inverse, codes = pd.factorize(np.asarray(strata, dtype=object), sort=True)
    per_stratum = np.bincount(inverse, weights=sizes, minlength=len(codes)).astype(np.int64)
    # quota[k, j]: examples of stratum k that split j should hold (last column: the rest)
    quota = np.zeros((len(codes), n_splits), dtype=np.int64)
    remaining = per_stratum.copy()
    for j, q in enumerate(quotas):
        part = apportion(min(int(q), int(remaining.sum())), remaining)
        quota[:, j] = part
        remaining -= part
    quota[:, -1] = remaining
    by_stratum = np.argsort(inverse, kind="stable")
    ends = np.cumsum(np.bincount(inverse, minlength=len(codes)))
    for k in range(len(codes)):
        members = by_stratum[(ends[k - 1] if k else 0) : ends[k]]
        held = out[members]
        taken = np.bincount(held[held >= 0], weights=sizes[members][held >= 0], minlength=n_splits)
        deficit = np.maximum(quota[k] - taken.astype(np.int64), 0)
        free = members[held < 0]
        if not len(free):
            continue
        free = free[np.argsort(keys[free], kind="stable")]
        size = sizes[free]
        midpoint = np.cumsum(size) - size / 2.0
        bounds = np.cumsum(deficit[:-1])
        out[free] = np.minimum(np.searchsorted(bounds, midpoint, side="right"), n_splits - 1)
    return out
