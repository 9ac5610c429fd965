"""The four-way split of a project larger than memory: ``split_project(..., memory="4GB")``.

The id, label and source columns are read in batches; each id is hashed per batch (the
keys of the manifest's hash scheme, as the in-memory split computes them) and only
compact per-row arrays are kept (two 64-bit keys, a stratum code, a source code). The
allocation then runs on those arrays with the in-memory engine (``_assign.allocate``), so
the same ids get the same splits, and a previous manifest's examples keep theirs. The
manifest is written batch by batch in a second pass. With a group column the rows become
units first (``_stream_groups``).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pandas as pd

from yearn.config import ProjectConfig
from yearn.data.budget import (
    batch_rows,
    format_bytes,
    iter_batches,
    parquet_size,
    parquet_sources,
    rss,
)
from yearn.errors import ConfigError, DataError
from yearn.splits._assign import allocate
from yearn.splits._four_way import (
    _MIN_STRATUM,
    _STAGE1,
    _STAGE2,
    _precision_target,
    _target_counts,
)
from yearn.splits._hash import hash_units
from yearn.splits._inputs import resolve_count
from yearn.splits._stream_groups import group_text, grouped_codes, id_text
from yearn.splits._stream_previous import Previous, previous_splits
from yearn.splits._stream_report import group_column, with_metadata
from yearn.splits.checks import build_report
from yearn.splits.manifest import SPLITS, SplitManifest

__all__ = ["SplitPlan", "split_plan", "split_streaming"]

log = logging.getLogger(__name__)

#: peak bytes per example of the in-memory split (measured: 1.5M rows, 2.2 GB)
IN_MEMORY_BYTES_PER_ROW = 1500
#: bytes per example kept while streaming: keys, codes and the allocation's temporaries
STREAM_BYTES_PER_ROW = 160  # measured: 150 at 20M rows
GROUP_BYTES_PER_ROW = 64  # with a group column: the id keys, units and their sort
SLACK = 64_000_000


@dataclasses.dataclass(frozen=True)
class SplitPlan:
    """How a split runs under a budget: in memory, or streamed in batches."""

    mode: str
    budget: int
    rows: int
    in_memory_bytes: float
    stream_bytes: float
    batch_rows: int = 0
    data_bytes: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "memory_budget": self.budget,
            "rows": self.rows,
            "data_bytes_estimate": int(self.data_bytes),
            "in_memory_peak_estimate": int(self.in_memory_bytes),
            "streaming_peak_estimate": int(self.stream_bytes),
            "batch_rows": self.batch_rows,
            "sample_rows": 0,
            "methods": {
                "split": "exact: every id hashed, the same assignment as in memory",
                "report": "exact over every row",
            },
        }


def _columns(config: ProjectConfig) -> list[str]:
    named = [config.id_column, config.group_column, *config.label_columns]
    return list(dict.fromkeys(c for c in named if c is not None))


def split_plan(config: ProjectConfig, budget: int, *, force: bool = False) -> SplitPlan:
    """In memory when the estimate fits ``budget`` (and not ``force``), else streamed;
    raises :class:`ConfigError` when even streaming would not fit."""
    sizes = [parquet_size(s.path) for s in parquet_sources(config)]
    rows = sum(s.rows for s in sizes)
    baseline = rss()
    in_memory = baseline + rows * IN_MEMORY_BYTES_PER_ROW
    width = max(s.bytes(_columns(config)) / max(s.rows, 1) for s in sizes) + 64
    largest_group = max(s.largest_group for s in sizes)
    data = sum(s.bytes(_columns(config)) for s in sizes)
    per_row = STREAM_BYTES_PER_ROW + (GROUP_BYTES_PER_ROW if config.group_column else 0)
    need = baseline + SLACK + rows * per_row + (largest_group + 1024) * width * 4
    if in_memory <= budget and not force:
        return SplitPlan("in-memory", budget, rows, in_memory, need, 0, data)
    if need > budget:
        raise ConfigError(
            f"--memory {format_bytes(budget)} is below what streaming the split needs (about "
            f"{format_bytes(need)}: this process {format_bytes(baseline)} + {rows:,} rows x "
            f"{per_row} bytes of keys and codes + a row group of "
            f"{largest_group:,} rows); give --memory {format_bytes(need * 1.25)} or more."
        )
    batch = batch_rows(int(budget - need), width * 4, share=0.25)
    return SplitPlan("streaming", budget, rows, in_memory, need, batch, data)


class _Keys:
    """Per-row arrays gathered in the first pass."""

    def __init__(self) -> None:
        self.k_td: list[np.ndarray] = []  # "train_dev" key of every row
        self.k_t: list[np.ndarray] = []  # "target" key of the target source's rows
        self.k_id: list[np.ndarray] = []  # with groups: the "train_dev" key of "i:<id>"
        self.has_group: list[np.ndarray] = []
        self.source: list[np.ndarray] = []
        self.label: list[np.ndarray] = []  # label code (classification) or value
        self.classes: dict[str, int] = {}


def _label_codes(column: Any, keys: _Keys, where: str, start: int) -> np.ndarray:
    import pyarrow.compute as pc

    from yearn.data.validate import Where, normalize_labels

    if column.null_count:
        row = start + int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise DataError(
            f"{where} row {row + 2}: the label is empty; every example needs a label: fill "
            "them in or drop those rows."
        )
    distinct = pc.unique(column)
    frame = pd.DataFrame({"y": distinct.to_pandas()})
    text = normalize_labels(frame, "multiclass", ("y",), Where(where, 2))["y"].astype(str)
    codes = np.array([keys.classes.setdefault(t, len(keys.classes)) for t in text], np.int32)
    return codes[pc.index_in(column, value_set=distinct).to_numpy(zero_copy_only=False)]


def _first_pass(
    config: ProjectConfig, plan: SplitPlan, salt: str, scheme: str, target: str
) -> tuple[_Keys, list[int]]:
    keys = _Keys()
    rows_per_source = []
    task = config.task
    label = config.label_columns[0] if len(config.label_columns) == 1 else None
    for code, source in enumerate(parquet_sources(config)):
        start = 0
        columns = _columns(config)
        for batch in iter_batches(source.path, columns, plan.batch_rows):
            n = batch.num_rows
            if config.id_column is None:
                ids = [f"{source.name}:{i}" for i in range(start, start + n)]
            else:
                ids = id_text(batch.column(config.id_column))
                blank = [i for i, v in enumerate(ids) if v is None or not v.strip()]
                if blank:
                    raise DataError(
                        f"{source.path} row {start + blank[0] + 2}: the id column "
                        f"{config.id_column!r} is empty ({len(blank)} in this batch); every "
                        "example needs a unique id (fill them in or drop id_column)."
                    )
            units = ["i:" + v for v in ids]
            if config.group_column is not None:
                keys.k_id.append(hash_units(units, salt, "train_dev", scheme))
                groups = group_text(batch.column(config.group_column))
                keys.has_group.append(np.array([g is not None for g in groups], dtype=bool))
                units = [u if g is None else "g:" + g for u, g in zip(units, groups, strict=True)]
            keys.k_td.append(hash_units(units, salt, "train_dev", scheme))
            if source.name == target:  # the "target" keys of the target source's rows only
                keys.k_t.append(hash_units(units, salt, "target", scheme))
            keys.source.append(np.full(n, code, dtype=np.int16))
            if label is not None and task in ("binary", "multiclass"):
                keys.label.append(_label_codes(batch.column(label), keys, str(source.path), start))
            elif label is not None and task == "regression":
                keys.label.append(batch.column(label).cast("double").to_numpy(zero_copy_only=False))
            start += n
        rows_per_source.append(start)
    return keys, rows_per_source


def _ones(n: int) -> np.ndarray:
    """``n`` unit sizes of 1 without allocating them (a read-only broadcast view)."""
    return np.broadcast_to(np.int64(1), (n,))


def _duplicate_ids(config: ProjectConfig, plan: SplitPlan, k_td: np.ndarray, scheme: str) -> None:
    """Raise naming a repeated id (equal keys, then the ids compared in a second pass)."""
    ordered = np.sort(k_td)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return
    suspects = set(ordered[1:][same].tolist())
    del ordered, same
    seen: dict[str, str] = {}
    for source in parquet_sources(config):
        start = 0
        for batch in iter_batches(source.path, [config.id_column], plan.batch_rows):
            ids = id_text(batch.column(config.id_column))
            hashed = hash_units(["i:" + v for v in ids], config.split.salt, "train_dev", scheme)
            for i in np.flatnonzero(np.isin(hashed, list(suspects))):
                where = f"{source.name} row {start + int(i)}"
                if ids[i] in seen:
                    raise DataError(
                        f"ids: id {ids[i]!r} occurs more than once ({seen[ids[i]]} and "
                        f"{where}); ids must be unique across all sources (prefix them with "
                        "the source name if sources reuse ids)."
                    )
                seen[ids[i]] = where
            start += batch.num_rows


def _strata(config: ProjectConfig, keys: _Keys, n: int, notes: list[str]) -> tuple:
    """A stratum code per row whose order is the order of the in-memory stratum names."""
    if not config.split.stratify or not keys.label:
        return np.zeros(n, dtype=np.int32), [""]
    if config.task == "regression":
        values = np.concatenate(keys.label)
        order = np.argsort(values, kind="stable")  # pandas rank(method="first")
        ranks = np.empty(n, dtype=np.int64)
        ranks[order] = np.arange(n)
        bins = (ranks * 10 // n).astype(np.int32)
        return bins, [f"q{b}" for b in range(10)]
    names = sorted(keys.classes)  # class text, sorted as the in-memory stratum strings
    remap = np.empty(len(keys.classes), dtype=np.int32)
    for text, code in keys.classes.items():
        remap[code] = names.index(text)
    strata = remap[np.concatenate(keys.label)]
    counts = np.bincount(strata, minlength=len(names))
    tiny = counts[counts < _MIN_STRATUM]
    if tiny.sum() > 0.5 * n:
        notes.append(
            f"the split cannot be stratified by label: {len(tiny):,} of {len(names):,} classes "
            f"have fewer than {_MIN_STRATUM} examples ({int(tiny.sum()):,} of {n:,} examples), "
            "so no class can be in every split; drawn without stratification."
        )
        return np.zeros(n, dtype=np.int32), [""]
    return strata, names


def _trace(step: str) -> None:
    from yearn.data.budget import peak_rss

    log.debug("%s: memory %s (peak %s)", step, format_bytes(rss()), format_bytes(peak_rss()))


def split_streaming(
    config: ProjectConfig,
    plan: SplitPlan,
    *,
    previous: Previous | None = None,
    cross_source_groups: str = "error",
    expected_error: float | None = 0.1,
    min_gain: float = 0.01,
    confidence: float = 0.95,
) -> tuple[SplitManifest, Any]:
    """Split ``config``'s Parquet sources in batches. Returns the manifest (its table holds
    only the split and source per row, as categoricals; the ids are written by
    :func:`write_streamed`) and the per-row split codes."""
    settings = config.split
    salt = settings.salt
    if previous is not None and previous.settings.get("salt") != salt:
        raise ConfigError(
            f"the previous manifest was drawn with salt {previous.settings.get('salt')!r}, "
            f"this split asks for salt {salt!r}; split afresh (yearn split --fresh)."
        )
    sources = parquet_sources(config)
    targets = sorted({s.name for s in sources if s.role == "target"})
    if not targets:
        raise DataError(
            f"no source has role 'target' (sources: {', '.join(s.name for s in sources)}); "
            "set role = 'target' on the source the product will face in yearn.toml."
        )
    target = targets[0]
    # the previous manifest's hash scheme (format 1 without the setting: blake2b), else mix64
    scheme = "mix64" if previous is None else previous.settings.get("hash", "blake2b")
    keys, _ = _first_pass(config, plan, salt, scheme, target)
    k_td = np.concatenate(keys.k_td)
    keys.k_td = []
    n = k_td.size
    grouped = config.group_column is not None
    k_id = np.concatenate(keys.k_id) if grouped else k_td  # each example's own key
    keys.k_id = []
    if config.id_column is not None:
        _duplicate_ids(config, plan, k_id, scheme)
    src = np.concatenate(keys.source)
    keys.source = []
    names = [s.name for s in sources]
    is_target = np.isin(src, [i for i, s in enumerate(sources) if s.name == target])
    notes: list[str] = []
    strata, strata_names = _strata(config, keys, n, notes)
    fixed, growth = previous_splits(previous, k_id)
    del k_id
    if grouped:
        has_group = np.concatenate(keys.has_group)
        keys.has_group = []
        code, counts, unit_of = grouped_codes(
            config,
            plan,
            keys,
            k_td,
            src,
            is_target,
            strata,
            strata_names,
            names,
            fixed,
            target,
            cross_source_groups,
            notes,
        )
        del k_td
        return _finish(
            config,
            plan,
            previous,
            code,
            src,
            names,
            keys,
            target,
            counts,
            notes,
            growth,
            expected_error,
            min_gain,
            confidence,
            cross_source_groups,
            group=(has_group, unit_of),
        )

    counts = _target_counts(
        int(is_target.sum()), target, settings.dev, settings.test, settings.target_to_train, notes
    )
    tgt = np.flatnonzero(is_target)
    split_of = np.array(SPLITS, dtype=object)  # fixed codes index SPLITS
    stage1_fixed = np.array(
        [_STAGE1.get(s, -1) for s in split_of], dtype=np.int64
    )  # per SPLITS code
    fixed_tgt = np.where(fixed[tgt] >= 0, stage1_fixed[np.maximum(fixed[tgt], 0)], -1)
    off = fixed[~is_target]
    if np.isin(off, [SPLITS.index("dev"), SPLITS.index("test")]).any():
        raise DataError(
            "the previous manifest has examples in dev/test that are no longer in the "
            f"target source {target!r}; split afresh (yearn split --fresh)."
        )
    k_t = np.concatenate(keys.k_t)  # target rows only, in row order
    keys.k_t = []
    stage1 = allocate(k_t, _ones(tgt.size), strata[tgt], fixed_tgt, [counts["test"], counts["dev"]])
    del k_t
    # split code per row, in SPLITS order: train 0, train_dev 1, dev 2, test 3
    code = np.zeros(n, dtype=np.int8)
    code[tgt] = np.array([3, 2, 0], dtype=np.int8)[stage1]
    del stage1
    pool = np.flatnonzero(code == 0)
    n_train_dev = resolve_count("train_dev", settings.train_dev, pool.size)
    if n_train_dev >= pool.size:
        raise ConfigError(
            f"train_dev = {settings.train_dev!r} asks for {n_train_dev} of the {pool.size} "
            "training examples; train-dev is a slice of train."
        )
    # one stratum per source and label, ordered as "source\x1fstratum" strings sort
    pairs = src[pool].astype(np.int32) * np.int32(len(strata_names)) + strata[pool]
    present = np.unique(pairs)
    text = [
        f"{names[p // len(strata_names)]}\x1f{strata_names[p % len(strata_names)]}" for p in present
    ]
    rank = np.empty(present.size, dtype=np.int32)
    rank[np.argsort(np.array(text, dtype=object), kind="stable")] = np.arange(present.size)
    pool_strata = rank[np.searchsorted(present, pairs)]
    del pairs
    stage2_fixed = np.array([_STAGE2.get(s, -1) for s in split_of], dtype=np.int64)
    fixed_pool = np.where(fixed[pool] >= 0, stage2_fixed[np.maximum(fixed[pool], 0)], -1)
    stage2 = allocate(k_td[pool], _ones(pool.size), pool_strata, fixed_pool, [n_train_dev])
    code[pool] = np.array([1, 0], dtype=np.int8)[stage2]
    del stage2, k_td, pool_strata
    counts["train_dev"] = n_train_dev
    _trace("allocated")
    return _finish(
        config,
        plan,
        previous,
        code,
        src,
        names,
        keys,
        target,
        counts,
        notes,
        growth,
        expected_error,
        min_gain,
        confidence,
        cross_source_groups,
    )


def _finish(
    config,
    plan,
    previous,
    code,
    src,
    names,
    keys,
    target,
    counts,
    notes,
    growth,
    expected_error,
    min_gain,
    confidence,
    cross_source_groups,
    group=None,
):
    """The report and the manifest (without ids) from each row's split code."""
    settings = config.split
    salt = settings.salt
    scheme = "mix64" if previous is None else previous.settings.get("hash", "blake2b")
    if growth:
        notes.append(growth)
    task = config.task
    labels = None
    if keys.label and task in ("binary", "multiclass"):
        class_text = np.empty(len(keys.classes), dtype=object)
        for t, c in keys.classes.items():
            class_text[c] = t
        labels = class_text[np.concatenate(keys.label)]
    elif keys.label and task == "regression":
        labels = np.concatenate(keys.label)
    keys.label = []
    table = pd.DataFrame(
        {
            "split": pd.Categorical.from_codes(code, categories=list(SPLITS)),
            "source": pd.Categorical.from_codes(src, categories=names),
            "group": group_column(group, code.size),
        }
    )
    expected_error = _precision_target(task, expected_error, notes)
    report = build_report(
        table,
        target=target,
        labels=labels,
        task=task,
        metadata=None,
        requested=counts,
        notes=notes,
        expected_error=expected_error,
        min_gain=min_gain,
        confidence=confidence,
    )
    _trace("report built")
    if config.metadata_columns:
        report = with_metadata(config, plan, report, code, labels, task)
    manifest_settings = {
        "target": target,
        "dev": settings.dev,
        "test": settings.test,
        "target_to_train": settings.target_to_train,
        "train_dev": settings.train_dev,
        "salt": salt,
        "stratify": bool(settings.stratify),
        "cross_source_groups": cross_source_groups,
        "task": task,
        "requested": counts,
        "grown_from": None if previous is None else previous.sha256,
        "streamed": plan.to_dict(),
        "hash": scheme,
    }
    return SplitManifest(table=table, settings=manifest_settings, report=report), code
