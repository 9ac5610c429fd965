"""Exact rank selection over per-row uint64 keys read in chunks: the element (key, ties
broken by row) at given ranks within each stratum, without holding every key.

A pass counts the rows per stratum and top bits of the key (a histogram); the bucket that
holds each rank is then read back whole and sorted. Keys that are hashes spread evenly, so
a bucket holds about ``rows / 2**16`` rows; a bucket too large to hold (many equal keys,
such as a label value repeated) is split on the next bits, and a run of one key is
resolved by counting rows. The result equals sorting every stratum by (key, row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["Chunks", "at_or_after", "float_keys", "select", "select_weighted"]

#: ``chunks()`` yields ``(stratum, key, row)`` of the candidate rows, rows ascending
Chunks = Callable[[], Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]]
_HIST_CELLS = 1 << 22  # the histogram's int64 cells: 32 MB


def float_keys(values: np.ndarray) -> np.ndarray:
    """uint64 keys ordered as ``numpy.argsort`` orders the floats (-0.0 as 0.0, NaN last)."""
    v = np.asarray(values, dtype=np.float64) + 0.0
    bits = np.where(np.isnan(v), np.float64(np.nan), v).view(np.uint64)
    neg = (bits >> np.uint64(63)).astype(bool)
    out = np.where(neg, ~bits, bits | np.uint64(1 << 63))
    out[np.isnan(v)] = np.uint64(2**64 - 1)
    return out


def at_or_after(
    key: np.ndarray, row: np.ndarray, k: np.ndarray, r: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Whether each (key, row) sorts at or after the boundary (k, r); never past an end."""
    return ~end & ((key > k) | ((key == k) & (row >= r)))


def _bits(n_strata: int) -> int:
    bits = 16
    while bits > 1 and n_strata << bits > _HIST_CELLS:
        bits -= 1
    return bits


def select(
    chunks: Chunks, n_strata: int, ranks: np.ndarray, cap: int = 1 << 21
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The element at ``ranks[s, j]`` (0-based, in (key, row) order) of each stratum ``s``:
    its key and row, and ``end`` (True where the stratum has no such rank)."""
    ranks = np.asarray(ranks, dtype=np.int64)
    if n_strata == 0:  # no free row: nothing to select
        shape = (0, ranks.shape[-1] if ranks.ndim == 2 else 0)
        return np.zeros(shape, np.uint64), np.zeros(shape, np.int64), np.zeros(shape, bool)
    ranks = ranks.reshape(n_strata, -1)
    bits = _bits(n_strata)
    shift = np.uint64(64 - bits)
    hist = np.zeros(n_strata << bits, dtype=np.int64)
    for s, key, _ in chunks():
        cell = (s.astype(np.int64) << bits) | (key >> shift).astype(np.int64)
        hist += np.bincount(cell, minlength=hist.size)
    cum = hist.reshape(n_strata, -1).cumsum(axis=1)
    keys = np.zeros(ranks.shape, dtype=np.uint64)
    rows = np.zeros(ranks.shape, dtype=np.int64)
    end = np.zeros(ranks.shape, dtype=bool)
    small: list[tuple[int, int, int, int]] = []  # (stratum, j, cell, rank within the cell)
    for s in range(n_strata):
        for j, r in enumerate(ranks[s].tolist()):
            if r >= cum[s, -1]:
                end[s, j] = True
                continue
            b = int(np.searchsorted(cum[s], r, side="right"))
            inner = r - (int(cum[s, b - 1]) if b else 0)
            cell = (s << bits) | b
            if hist[cell] <= cap:
                small.append((s, j, cell, inner))
            else:
                keys[s, j], rows[s, j] = _refine(chunks, s, b, bits, inner, cap)
    for group in _batches(small, hist, cap):
        need = np.zeros(hist.size, dtype=bool)
        need[[c for _, _, c, _ in group]] = True
        got_cell, got_key, got_row = [], [], []
        for s, key, row in chunks():
            cell = (s.astype(np.int64) << bits) | (key >> shift).astype(np.int64)
            hit = need[cell]
            got_cell.append(cell[hit])
            got_key.append(key[hit])
            got_row.append(row[hit])
        cells, ks, rs = (np.concatenate(x) for x in (got_cell, got_key, got_row))
        for s, j, cell, inner in group:
            mine = np.flatnonzero(cells == cell)
            pick = mine[np.lexsort((rs[mine], ks[mine]))[inner]]
            keys[s, j], rows[s, j] = ks[pick], rs[pick]
    return keys, rows, end


def _batches(small: list, hist: np.ndarray, cap: int) -> Iterator[list]:
    """Targets grouped so that each group's buckets hold at most ``cap`` rows in all."""
    group: list = []
    held: dict[int, int] = {}
    for target in small:
        cell = target[2]
        extra = 0 if cell in held else int(hist[cell])
        if group and sum(held.values()) + extra > cap:
            yield group
            group, held = [], {}
        group.append(target)
        held[cell] = int(hist[cell])
    if group:
        yield group


def _refine(chunks: Chunks, s: int, prefix: int, bits: int, inner: int, cap: int):
    """The ``inner``-th element of stratum ``s`` among keys whose top ``bits`` bits are
    ``prefix``, when those are too many to hold: narrow on the next bits, then sort."""
    count = cap + 1
    while count > cap and bits < 64:
        step = min(16, 64 - bits)
        hist = np.zeros(1 << step, dtype=np.int64)
        for st, key, _ in chunks():
            mine = key[(st == s) & ((key >> np.uint64(64 - bits)) == np.uint64(prefix))]
            sub = (mine >> np.uint64(64 - bits - step)) & np.uint64((1 << step) - 1)
            hist += np.bincount(sub.astype(np.int64), minlength=hist.size)
        cum = np.cumsum(hist)
        b = int(np.searchsorted(cum, inner, side="right"))
        inner -= int(cum[b - 1]) if b else 0
        prefix, bits, count = (prefix << step) | b, bits + step, int(hist[b])
    shift = np.uint64(64 - bits)
    seen = 0
    got_key, got_row = [], []
    for st, key, row in chunks():
        hit = (st == s) & ((key >> shift) == np.uint64(prefix))
        if count <= cap:
            got_key.append(key[hit])
            got_row.append(row[hit])
            continue
        found = row[hit]  # one key: rows in order
        if seen + found.size > inner:
            return np.uint64(prefix), int(found[inner - seen])
        seen += found.size
    ks, rs = np.concatenate(got_key), np.concatenate(got_row)
    pick = np.lexsort((rs, ks))[inner]
    return ks[pick], int(rs[pick])


def select_weighted(
    chunks: Callable[[], Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]],
    n_strata: int,
    bounds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units of several examples: ``chunks()`` yields (stratum, key, index, size) of each
    unit. In (key, index) order the midpoint of a unit is the size of the units before it
    plus half its own; returns, for each ``bounds[s, j]``, the first unit of stratum ``s``
    whose midpoint is at or past it (its key and index; ``end`` where none is), so that
    :func:`at_or_after` places a unit past the bounds its midpoint reaches, as
    :func:`~yearn.splits._assign.allocate` does. Keys are hashes (spread evenly)."""
    bounds = np.asarray(bounds, dtype=np.int64)
    shape = (n_strata, bounds.shape[-1] if bounds.ndim == 2 else 0)
    keys, rows = np.zeros(shape, np.uint64), np.zeros(shape, np.int64)
    end = np.zeros(shape, dtype=bool)
    if n_strata == 0:
        return keys, rows, end
    bits = _bits(n_strata)
    shift = np.uint64(64 - bits)
    weight = np.zeros(n_strata << bits, dtype=np.int64)
    for s, key, _, size in chunks():
        cell = (s.astype(np.int64) << bits) | (key >> shift).astype(np.int64)
        weight += np.bincount(cell, weights=size, minlength=weight.size).astype(np.int64)
    per = weight.reshape(n_strata, -1)
    cum = per.cumsum(axis=1)
    wanted: dict[int, list[tuple[int, int, int]]] = {}  # cell -> (stratum, j, bound)
    for s in range(n_strata):
        for j, b in enumerate(bounds[s].tolist()):
            if b <= 0:  # every unit is at or past it
                keys[s, j], rows[s, j] = 0, -1
                continue
            if b >= cum[s, -1]:
                end[s, j] = True
                continue
            first = int(np.searchsorted(cum[s], b, side="left"))  # cum_incl >= b
            after = np.flatnonzero(per[s, first + 1 :])
            cells = [first] + ([first + 1 + int(after[0])] if after.size else [])
            for c in cells:
                wanted.setdefault((s << bits) | c, []).append((s, j, b))
    if not wanted:
        return keys, rows, end
    need = np.zeros(weight.size, dtype=bool)
    need[list(wanted)] = True
    got: list[tuple[np.ndarray, ...]] = []
    for s, key, index, size in chunks():
        cell = (s.astype(np.int64) << bits) | (key >> shift).astype(np.int64)
        hit = need[cell]
        got.append((cell[hit], key[hit], index[hit], size[hit]))
    cells, ks, ix, sz = (np.concatenate([g[i] for g in got]) for i in range(4))
    done = np.zeros(shape, dtype=bool)
    for c in sorted(wanted):  # per stratum, a bound's bucket comes before the next one
        mine = np.flatnonzero(cells == c)
        mine = mine[np.lexsort((ix[mine], ks[mine]))]
        s_of, b_of = c >> bits, c & ((1 << bits) - 1)
        before = int(cum[s_of, b_of - 1]) if b_of else 0
        mid2 = 2 * (before + np.cumsum(sz[mine]) - sz[mine]) + sz[mine]  # twice the midpoint
        for s, j, b in wanted[c]:
            if done[s, j]:
                continue
            at = np.flatnonzero(mid2 >= 2 * b)
            if at.size:
                keys[s, j], rows[s, j] = ks[mine[at[0]]], ix[mine[at[0]]]
                done[s, j] = True
    end |= ~done & (bounds > 0) & ~end
    return keys, rows, end
