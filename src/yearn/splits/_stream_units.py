"""The streamed split with a group column, its per-row state on disk.

Rows become units (a group, or an example without one) as in
the in-memory split, without holding the rows: each row's
record is spilled to an on-disk hash partition by its unit key (the ``train_dev`` key of
``g:<group>`` or ``i:<id>``), so a unit's rows share a partition and partitions come in key
order, that is in unit order. Each partition in turn gives its units' size, target share,
stratum, source and previous split (a 32-byte record per unit, spilled too); the
allocation over units is replayed from counts (:func:`select_weighted`), and a second
pass over the partitions gives each row its unit's split. In memory per row: the split
code and the manifest's codes; per unit, its split code (1 byte).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from yearn.data.budget import iter_batches, parquet_sources
from yearn.data.spill import Partitions, Spill, check_disk, partition_bits
from yearn.errors import ConfigError, DataError
from yearn.splits._assign import quota_shares
from yearn.splits._four_way import _STAGE1_CODE, _STAGE2_CODE, _target_counts
from yearn.splits._hash import hash_units
from yearn.splits._inputs import resolve_count
from yearn.splits._stream_groups import group_text, unit_fixed, unit_mode, units_of
from yearn.splits._stream_previous import growth_note, previous_splits
from yearn.splits._stream_rows import (
    batch_ids,
    batch_labels,
    name_duplicate,
    split_columns,
)
from yearn.splits._stream_select import at_or_after, select_weighted
from yearn.splits._stream_spilled import repeated_keys, row_strata, tally
from yearn.splits.manifest import SPLITS

__all__ = ["UNIT_BYTES", "split_units"]

UNIT_BYTES = 37 + 32 + 8 + 10  # on disk: the row's record, its unit, id key, label
_UNIT = np.dtype(
    [
        ("key", "<u8"),
        ("k_t", "<u8"),
        ("size", "<i8"),
        ("stratum", "<i4"),
        ("source", "<i2"),
        ("target", "?"),
        ("fixed", "i1"),
    ]
)


def _row_dtype(task: str | None) -> np.dtype:
    label = "<f8" if task == "regression" else "<i4"
    return np.dtype(
        [
            ("k_td", "<u8"),
            ("k_t", "<u8"),
            ("row", "<i8"),
            ("lab", label),
            ("src", "<i2"),
            ("fix", "i1"),
            ("grp", "?"),
        ]
    )


class _Classes:
    def __init__(self) -> None:
        self.classes: dict[str, int] = {}


def _value_at(config, plan, row: int, column: str) -> str:
    """The value of ``column`` at ``row`` (counted over all sources), read from the files."""
    start = 0
    for source in parquet_sources(config):
        for batch in iter_batches(source.path, [column], plan.batch_rows):
            if row < start + batch.num_rows:
                return str(batch.column(0)[row - start].as_py())
            start += batch.num_rows
    return "?"


def _spill(config, plan, salt, scheme, target, previous, folder: Path, rows: int):
    """Pass 1: every row's record into the unit partitions, its label into a row-ordered
    spill (for the strata), its id key into the id partitions (repeated ids)."""
    dtype = _row_dtype(config.task)
    bits = partition_bits(rows, dtype.itemsize, plan.budget / 8)
    parts = Partitions(folder, "units", dtype, bits, key="k_td")
    ids = Partitions(folder, "ids", [("key", "<u8")], partition_bits(rows, 8, plan.budget / 8))
    labels = Spill(folder / "labels.bin", [("lab", dtype["lab"]), ("src", "<i2")])
    classes = _Classes()
    kept = first = 0
    for code, source in enumerate(parquet_sources(config)):
        start = 0
        for batch in iter_batches(source.path, split_columns(config), plan.batch_rows):
            n = batch.num_rows
            names = batch_ids(config, source, batch, start)
            units = ["i:" + v for v in names]
            k_id = hash_units(units, salt, "train_dev", scheme)
            groups = group_text(batch.column(config.group_column))
            units = [u if g is None else "g:" + g for u, g in zip(units, groups, strict=True)]
            rec = np.zeros(n, dtype=dtype)
            rec["k_td"] = hash_units(units, salt, "train_dev", scheme)
            if source.name == target:
                rec["k_t"] = hash_units(units, salt, "target", scheme)
            rec["row"] = np.arange(first, first + n)
            rec["src"] = code
            rec["fix"] = previous_splits(previous, k_id)[0]
            rec["grp"] = [g is not None for g in groups]
            kept += int((rec["fix"] >= 0).sum())
            codes = batch_labels(config, source, batch, classes, start)
            if codes is not None:
                rec["lab"] = codes
            parts.append(rec)
            ids.append(np.rec.fromarrays([k_id], dtype=[("key", "<u8")]))
            lab = np.zeros(n, dtype=labels.dtype)
            lab["lab"], lab["src"] = rec["lab"], code
            labels.append(lab)
            start += n
            first += n
    note = None if previous is None else growth_note(previous, kept, first)
    return parts, ids, labels, classes.classes, note


def _units_of(part: np.ndarray, stratum, names: list[str], target_codes: list[int]):
    """The units of one partition: their records (in key order), each row's unit, and the
    first row of each unit whose examples straddle sources or splits (to name it)."""
    keys, unit_of = units_of(part["k_td"])
    n = keys.size
    st = stratum(part, part["row"])
    sizes = np.bincount(unit_of, minlength=n)
    tgt_rows = np.isin(part["src"], target_codes)
    target_count = np.bincount(unit_of, weights=tgt_rows, minlength=n)
    mixed = (target_count > 0) & (target_count < sizes)
    first_row = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_row, unit_of, part["row"])
    by_name = np.argsort(np.array(names, dtype=object), kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[by_name] = np.arange(len(names))
    units = np.zeros(n, dtype=_UNIT)
    units["key"] = keys
    units["size"] = sizes
    units["stratum"] = unit_mode(unit_of, st, n)
    units["source"] = by_name[unit_mode(unit_of, rank[part["src"]], n)]
    units["target"] = (target_count == sizes) & ~mixed
    units["k_t"][unit_of[tgt_rows]] = part["k_t"][tgt_rows]
    return units, unit_of, mixed, target_count, first_row


def split_units(config, plan, previous, scheme, target, cross_source_groups, notes, folder):
    """Each row's split code and source code and the report's inputs, and the requested
    counts, with per-row and per-unit state on disk (see the module docstring)."""
    from yearn.data.budget import parquet_size

    sources = parquet_sources(config)
    names = [s.name for s in sources]
    rows = sum(parquet_size(s.path).rows for s in sources)
    check_disk(rows * UNIT_BYTES, f"the streamed split of {rows:,} rows")
    chunk = max(plan.batch_rows, 1024)
    settings = config.split
    parts, ids, labels, classes, growth = _spill(
        config, plan, settings.salt, scheme, target, previous, folder, rows
    )
    if config.id_column is not None:
        suspects = repeated_keys(ids)
        if suspects:
            name_duplicate(config, plan, suspects, scheme)
    strata_names, stratum = row_strata(config, labels, classes, chunk, notes)
    width = len(strata_names)

    def name_of(row: int) -> str:
        return _value_at(config, plan, row, config.group_column)

    # pass A over the partitions: the units, spilled in key order
    unit_spill = Spill(folder / "units.bin", _UNIT)
    n_mixed, mixed_target, shown = 0, 0, []
    for part in parts:
        units, unit_of, mixed, target_count, first_row = _units_of(
            part, stratum, names, [i for i, n in enumerate(names) if n == target]
        )
        held = unit_fixed(
            part["fix"], unit_of, units.size, lambda u, f=first_row: name_of(int(f[u]))
        )
        if np.isin(held[~units["target"]], [SPLITS.index("dev"), SPLITS.index("test")]).any():
            raise DataError(
                "the previous manifest has examples in dev/test that are no longer in the "
                f"target source {target!r} (or whose group now spans sources); split "
                "afresh (yearn split --fresh)."
            )
        units["fixed"] = held
        n_mixed += int(mixed.sum())
        mixed_target += int(target_count[mixed].sum())
        shown += [int(r) for r in first_row[mixed][: 3 - len(shown)]]
        unit_spill.append(units)
    if n_mixed:
        if cross_source_groups == "error":
            named = ", ".join(repr(name_of(r)) for r in shown)
            raise DataError(
                f"groups: {n_mixed} group(s) hold examples of both the target source "
                f"{target!r} and a training source (e.g. {named}); a group may not straddle "
                "splits and dev/test hold only target data. Send such groups wholly to train "
                "(--cross-source-groups train) or give them distinct group ids per source."
            )
        notes.append(
            f"{n_mixed} group(s) spanning the target and training sources "
            f"({mixed_target} target examples) went wholly to train."
        )
    unit_code, counts = _allocate(
        unit_spill, chunk, width, strata_names, names, target, settings, notes
    )

    # pass B over the partitions: each row gets its unit's split
    code = np.zeros(rows, dtype=np.int8)
    offset = 0
    for part in parts:
        keys, unit_of = units_of(part["k_td"])
        code[part["row"]] = unit_code[offset + unit_of]
        offset += keys.size
    del unit_code
    for p in parts.parts:
        p.path.unlink()
    out = tally(config, labels, chunk, lambda rec, r: code[r[0] : r[0] + len(r)], classes, names)
    if growth:
        notes.append(growth)
    return out, counts


def _allocate(unit_spill, chunk, width, strata_names, names, target, settings, notes):
    """Each unit's split code (SPLITS order) and the requested counts: stage 1 over the
    target units by their ``target`` key, stage 2 over the pool by source and stratum."""
    free1, taken1 = np.zeros(width, np.int64), np.zeros(3, np.int64)
    n_target = 0
    for _, u in unit_spill.chunks(chunk):
        f1 = _STAGE1_CODE[u["fixed"]]
        t = u["target"]
        n_target += int(u["size"][t].sum())
        held = t & (f1 >= 0)
        taken1 += np.bincount(f1[held], weights=u["size"][held], minlength=3).astype(np.int64)
        free1 += np.bincount(
            u["stratum"][t & (f1 < 0)], weights=u["size"][t & (f1 < 0)], minlength=width
        ).astype(np.int64)
    s = settings
    counts = _target_counts(n_target, target, s.dev, s.test, s.target_to_train, notes)
    present1 = np.flatnonzero(free1)
    index1 = np.full(width, -1, dtype=np.int64)
    index1[present1] = np.arange(present1.size)
    share1 = quota_shares(taken1, free1[present1], [counts["test"], counts["dev"]])

    def free_target():
        for start, u in unit_spill.chunks(chunk):
            m = u["target"] & (_STAGE1_CODE[u["fixed"]] < 0)
            at = np.flatnonzero(m) + start
            yield index1[u["stratum"][m]], u["k_t"][m], at, u["size"][m]

    b1 = select_weighted(free_target, present1.size, share1[:, :-1].cumsum(1))

    def first_stage(start, u):
        s1 = _STAGE1_CODE[u["fixed"]]
        m = u["target"] & (s1 < 0)
        at = np.flatnonzero(m) + start
        s1[m] = _place(u["k_t"][m], at, index1[u["stratum"][m]], *b1)
        c = np.zeros(len(u), dtype=np.int8)
        c[u["target"]] = np.array([3, 2, 0], dtype=np.int8)[s1[u["target"]]]
        return c

    n_pairs = len(names) * width
    every, free2 = np.zeros(n_pairs, np.int64), np.zeros(n_pairs, np.int64)
    taken2 = np.zeros(2, dtype=np.int64)
    for start, u in unit_spill.chunks(chunk):
        pool = first_stage(start, u) == 0
        pair = u["source"].astype(np.int64) * width + u["stratum"]
        f2 = _STAGE2_CODE[u["fixed"]]
        every += np.bincount(pair[pool], weights=u["size"][pool], minlength=n_pairs).astype(int)
        taken2 += np.bincount(
            f2[pool & (f2 >= 0)], weights=u["size"][pool & (f2 >= 0)], minlength=2
        ).astype(np.int64)
        free2 += np.bincount(
            pair[pool & (f2 < 0)], weights=u["size"][pool & (f2 < 0)], minlength=n_pairs
        ).astype(np.int64)
    n_pool = int(every.sum())
    n_train_dev = resolve_count("train_dev", s.train_dev, n_pool)
    if n_train_dev >= n_pool:
        raise ConfigError(
            f"train_dev = {s.train_dev!r} asks for {n_train_dev} of the {n_pool} training "
            "examples; train-dev is a slice of train."
        )
    present = np.flatnonzero(every)
    text = [f"{names[p // width]}\x1f{strata_names[p % width]}" for p in present]
    rank = np.zeros(n_pairs, dtype=np.int64)
    rank[present[np.argsort(np.array(text, dtype=object), kind="stable")]] = np.arange(present.size)
    present2 = np.flatnonzero(free2)
    present2 = present2[np.argsort(rank[present2], kind="stable")]
    index2 = np.full(n_pairs, -1, dtype=np.int64)
    index2[present2] = np.arange(present2.size)
    share2 = quota_shares(taken2, free2[present2], [n_train_dev])

    def free_pool():
        for start, u in unit_spill.chunks(chunk):
            pair = u["source"].astype(np.int64) * width + u["stratum"]
            m = (first_stage(start, u) == 0) & (_STAGE2_CODE[u["fixed"]] < 0)
            yield index2[pair[m]], u["key"][m], np.flatnonzero(m) + start, u["size"][m]

    b2 = select_weighted(free_pool, present2.size, share2[:, :1])
    unit_code = np.zeros(unit_spill.rows, dtype=np.int8)
    for start, u in unit_spill.chunks(chunk):
        c = first_stage(start, u)
        pool = c == 0
        f2 = _STAGE2_CODE[u["fixed"]]
        m = pool & (f2 < 0)
        pair = u["source"].astype(np.int64) * width + u["stratum"]
        s2 = f2.copy()
        s2[m] = _place(u["key"][m], np.flatnonzero(m) + start, index2[pair[m]], *b2)
        c[pool] = np.array([1, 0], dtype=np.int8)[s2[pool]]
        unit_code[start : start + len(u)] = c
    counts["train_dev"] = n_train_dev
    return unit_code, counts


def _place(key, index, stratum, k, r, e) -> np.ndarray:
    out = np.zeros(len(key), dtype=np.int64)
    for j in range(k.shape[1]):
        out += at_or_after(key, index, k[stratum, j], r[stratum, j], e[stratum, j])
    return out
