"""The streamed split of a project with a group column: rows become units (a group, or an
example without a group), as in :func:`~yearn.splits.four_way_split`, from per-row keys.

A unit is identified by its ``train_dev`` key (the hash of ``g:<group>`` or ``i:<id>``);
its size, target share, stratum and source (the most frequent, ties to the smallest name)
come from sorting the per-row arrays, never from the group names, which are read again
only to name a group in an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from yearn.errors import DataError
from yearn.splits.manifest import SPLITS

__all__ = ["group_text", "grouped_codes", "id_text", "unit_mode", "units_of"]


def id_text(column: Any) -> list[str]:
    """Ids as the in-memory split's hash input: ``str(id)`` of each value."""
    import pyarrow as pa

    if pa.types.is_integer(column.type) or pa.types.is_string(column.type):
        return column.cast(pa.string()).to_pylist()
    if pa.types.is_large_string(column.type):
        return column.to_pylist()
    return [None if v is None else str(v) for v in column.to_pylist()]


def group_text(column: Any) -> list[str | None]:
    """Groups as the in-memory split names them: ``str(value)``; None, NaN and blank
    strings are no group."""
    out: list[str | None] = []
    for v in column.to_pylist():
        if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()):
            out.append(None)
        else:
            out.append(str(v))
    return out


def units_of(k_td: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit keys (sorted) and each row's unit index."""
    keys, unit_of = np.unique(k_td, return_inverse=True)
    return keys, unit_of.astype(np.int64).ravel()


def unit_mode(unit_of: np.ndarray, values: np.ndarray, n_units: int) -> np.ndarray:
    """The most frequent value per unit, ties to the smallest (``values`` are integer codes
    ordered as the names they stand for sort)."""
    width = int(values.max()) + 1 if values.size else 1
    uniq, counts = np.unique(unit_of * width + values.astype(np.int64), return_counts=True)
    unit, value = uniq // width, uniq % width
    order = np.lexsort((value, -counts, unit))
    first = order[np.r_[True, unit[order][1:] != unit[order][:-1]]]
    out = np.zeros(n_units, dtype=np.int64)
    out[unit[first]] = value[first]
    return out


def unit_fixed(
    fixed_rows: np.ndarray, unit_of: np.ndarray, n_units: int, name_of: Any
) -> np.ndarray:
    """Each unit's split in the previous manifest (-1: new); raises naming a group whose
    examples were in different splits."""
    known = fixed_rows >= 0
    pairs = np.unique(unit_of[known] * len(SPLITS) + fixed_rows[known].astype(np.int64))
    unit, split = pairs // len(SPLITS), pairs % len(SPLITS)
    twice = unit[1:][unit[1:] == unit[:-1]]
    if twice.size:
        held = sorted(SPLITS[s] for s in split[unit == twice[0]])
        raise DataError(
            f"group {name_of(int(twice[0]))!r} holds examples that the previous manifest put "
            f"in different splits ({', '.join(held)}): group ids changed since it was drawn. "
            "Split afresh (yearn split --fresh) so no group straddles splits."
        )
    out = np.full(n_units, -1, dtype=np.int64)
    out[unit] = split
    return out


def _name_of(config: Any, plan: Any, unit_of: np.ndarray, column: str) -> Any:
    """A function: unit index -> the group (or id) of its first row, read from the files."""
    from yearn.data.budget import iter_batches, parquet_sources

    def name(unit: int) -> str:
        row = int(np.flatnonzero(unit_of == unit)[0])
        start = 0
        for source in parquet_sources(config):
            for batch in iter_batches(source.path, [column], plan.batch_rows):
                if row < start + batch.num_rows:
                    return str(batch.column(0)[row - start].as_py())
                start += batch.num_rows
        return "?"

    return name


def grouped_codes(
    config: Any,
    plan: Any,
    keys: Any,
    k_td: np.ndarray,
    src: np.ndarray,
    is_target: np.ndarray,
    strata: np.ndarray,
    strata_names: list[str],
    names: list[str],
    fixed: np.ndarray,
    target: str,
    cross_source_groups: str,
    notes: list[str],
) -> tuple[np.ndarray, dict[str, int], np.ndarray]:
    """Each row's split code (index into SPLITS), the requested counts and each row's unit,
    drawn over units exactly as the in-memory split draws them."""
    from yearn.errors import ConfigError
    from yearn.splits._assign import allocate
    from yearn.splits._four_way import _STAGE1, _STAGE2, _target_counts
    from yearn.splits._inputs import resolve_count

    unit_keys, unit_of = units_of(k_td)
    n_units = unit_keys.size
    name_of = _name_of(config, plan, unit_of, config.group_column)
    sizes = np.bincount(unit_of, minlength=n_units)
    target_count = np.bincount(unit_of, weights=is_target, minlength=n_units)
    mixed = (target_count > 0) & (target_count < sizes)
    if mixed.any():
        if cross_source_groups == "error":
            shown = ", ".join(repr(name_of(int(u))) for u in np.flatnonzero(mixed)[:3])
            raise DataError(
                f"groups: {int(mixed.sum())} group(s) hold examples of both the target "
                f"source {target!r} and a training source (e.g. {shown}); a group may not "
                "straddle splits and dev/test hold only target data. Send such groups "
                "wholly to train (--cross-source-groups train) or give them distinct group "
                "ids per source."
            )
        notes.append(
            f"{int(mixed.sum())} group(s) spanning the target and training sources "
            f"({int(target_count[mixed].sum())} target examples) went wholly to train."
        )
    unit_is_target = (target_count == sizes) & ~mixed
    unit_stratum = unit_mode(unit_of, strata, n_units)
    by_name = np.argsort(np.array(names, dtype=object), kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[by_name] = np.arange(len(names))
    unit_source = by_name[unit_mode(unit_of, rank[src], n_units)]  # ties: smallest name
    unit_fixed_split = unit_fixed(fixed, unit_of, n_units, name_of)

    n_target = int(sizes[unit_is_target].sum())
    s = config.split
    counts = _target_counts(n_target, target, s.dev, s.test, s.target_to_train, notes)
    tgt = np.flatnonzero(unit_is_target)
    stage1_fixed = np.array([_STAGE1.get(x, -1) for x in SPLITS], dtype=np.int64)
    held = unit_fixed_split
    dev_test = np.isin(held[~unit_is_target], [SPLITS.index("dev"), SPLITS.index("test")])
    if dev_test.any():
        raise DataError(
            "the previous manifest has examples in dev/test that are no longer in the "
            f"target source {target!r} (or whose group now spans sources); split afresh "
            "(yearn split --fresh)."
        )
    fixed_tgt = np.where(held[tgt] >= 0, stage1_fixed[np.maximum(held[tgt], 0)], -1)
    unit_k_t = np.zeros(n_units, dtype=np.uint64)
    target_rows = np.flatnonzero(src == names.index(target))
    unit_k_t[unit_of[target_rows]] = np.concatenate(keys.k_t) if keys.k_t else []
    keys.k_t = []
    stage1 = allocate(
        unit_k_t[tgt], sizes[tgt], unit_stratum[tgt], fixed_tgt, [counts["test"], counts["dev"]]
    )
    unit_code = np.zeros(n_units, dtype=np.int8)  # SPLITS order: train 0, train_dev 1, ...
    unit_code[tgt] = np.array([3, 2, 0], dtype=np.int8)[stage1]
    pool = np.flatnonzero(unit_code == 0)
    n_pool = int(sizes[pool].sum())
    n_train_dev = resolve_count("train_dev", s.train_dev, n_pool)
    if n_train_dev >= n_pool:
        raise ConfigError(
            f"train_dev = {s.train_dev!r} asks for {n_train_dev} of the {n_pool} training "
            "examples; train-dev is a slice of train."
        )
    width = len(strata_names)
    pairs = unit_source[pool] * width + unit_stratum[pool]
    present = np.unique(pairs)
    text = [f"{names[p // width]}\x1f{strata_names[p % width]}" for p in present]
    order = np.empty(present.size, dtype=np.int64)
    order[np.argsort(np.array(text, dtype=object), kind="stable")] = np.arange(present.size)
    pool_strata = order[np.searchsorted(present, pairs)]
    stage2_fixed = np.array([_STAGE2.get(x, -1) for x in SPLITS], dtype=np.int64)
    fixed_pool = np.where(held[pool] >= 0, stage2_fixed[np.maximum(held[pool], 0)], -1)
    stage2 = allocate(unit_keys[pool], sizes[pool], pool_strata, fixed_pool, [n_train_dev])
    unit_code[pool] = np.array([1, 0], dtype=np.int8)[stage2]
    counts["train_dev"] = n_train_dev
    return unit_code[unit_of], counts, unit_of
