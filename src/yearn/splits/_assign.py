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

__all__ = ["allocate", "apportion", "hash_keys", "quota_shares"]


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


def quota_shares(taken: np.ndarray, free: np.ndarray, quotas: Sequence[int]) -> np.ndarray:
    """``share[k, j]``: examples of free stratum ``k`` (``free[k]`` of them) that go to split
    ``j`` (the last column: the rest), given what the fixed units already ``taken`` of
    each quota: what each quota still wants is apportioned over the strata by size."""
    remaining = np.asarray(free, dtype=np.int64).copy()
    share = np.zeros((len(remaining), len(quotas) + 1), dtype=np.int64)
    for j, q in enumerate(quotas):
        want = min(max(int(q) - int(taken[j]), 0), int(remaining.sum()))
        share[:, j] = apportion(want, remaining)
        remaining -= share[:, j]
    share[:, -1] = remaining
    return share


def allocate(
    keys: np.ndarray,
    sizes: np.ndarray,
    strata: np.ndarray,
    fixed: np.ndarray,
    quotas: Sequence[int],
) -> np.ndarray:
    """Assign each unit a split index ``0..len(quotas)-1``; the last split takes the rest.

    ``keys`` (uint64), ``sizes`` (examples per unit) and ``strata`` (a label per unit, or
    integer codes ordered as the labels sort) describe the units; ``fixed`` holds a split
    index for units that already have one, else -1. ``quotas`` are example counts for
    every split but the last. What the fixed units leave of each quota is shared among
    the strata of the free units in proportion to their size (exact totals, largest
    remainder); within a stratum the free units fill their shares in key order, a unit
    going to the split whose cumulative share its midpoint falls in — exact when every
    unit is one example.
    """
    n_splits = len(quotas) + 1
    out = np.asarray(fixed, dtype=np.int64).copy()
    sizes = np.asarray(sizes, dtype=np.int64)
    held = out >= 0
    taken = np.bincount(out[held], weights=sizes[held], minlength=n_splits).astype(np.int64)
    free = np.flatnonzero(~held)
    if not len(free):
        return out
    strata = np.asarray(strata)  # integer codes, or labels compared as objects
    strata = strata if strata.dtype.kind in "iu" else strata.astype(object)
    inverse, codes = pd.factorize(strata[free], sort=True)
    remaining = np.bincount(inverse, weights=sizes[free], minlength=len(codes)).astype(np.int64)
    share = quota_shares(taken, remaining, quotas)
    by_stratum = np.argsort(inverse, kind="stable")
    ends = np.cumsum(np.bincount(inverse, minlength=len(codes)))
    for k in range(len(codes)):
        members = free[by_stratum[(ends[k - 1] if k else 0) : ends[k]]]
        members = members[np.argsort(keys[members], kind="stable")]
        size = sizes[members]
        midpoint = np.cumsum(size) - size / 2.0
        bounds = np.cumsum(share[k, :-1])
        out[members] = np.minimum(np.searchsorted(bounds, midpoint, side="right"), n_splits - 1)
    return out
