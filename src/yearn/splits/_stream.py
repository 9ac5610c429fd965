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
    StreamPlan,
    batch_rows,
    format_bytes,
    iter_batches,
    parquet_size,
    parquet_sources,
    rss,
)
from yearn.errors import ConfigError, DataError
from yearn.splits._four_way import (
    _MIN_STRATUM,
    _precision_target,
)
from yearn.splits._hash import hash_units
from yearn.splits._stream_groups import group_text, grouped_codes, id_text
from yearn.splits._stream_previous import Previous, previous_splits
from yearn.splits._stream_report import group_column, with_metadata
from yearn.splits._stream_rows import duplicate_ids, label_codes, split_columns
from yearn.splits.checks import build_report
from yearn.splits.manifest import SPLITS, SplitManifest

__all__ = ["split_plan", "split_streaming"]

log = logging.getLogger(__name__)

#: peak bytes per example of the in-memory split (measured: 1.5M rows, 2.2 GB)
IN_MEMORY_BYTES_PER_ROW = 1500
#: bytes per example kept while streaming without a group column: the split code and the
#: manifest's split and source codes (the keys, labels and sorts spill to disk)
STREAM_BYTES_PER_ROW = 12
#: with a group column the keys, codes and the allocation's temporaries stay in memory
GROUP_BYTES_PER_ROW = 224  # measured: 150 at 20M rows without groups, + 64 for the units
SLACK = 64_000_000


#: how the streamed split computes its figures (``StreamPlan.methods``)
METHODS = (
    ("split", "exact: every id hashed, the same assignment as in memory"),
    ("report", "exact over every row"),
)


def split_plan(config: ProjectConfig, budget: int, *, force: bool = False) -> StreamPlan:
    """In memory when the estimate fits ``budget`` (and not ``force``), else streamed;
    raises :class:`ConfigError` when even streaming would not fit."""
    sizes = [parquet_size(s.path) for s in parquet_sources(config)]
    rows = sum(s.rows for s in sizes)
    baseline = rss()
    in_memory = baseline + rows * IN_MEMORY_BYTES_PER_ROW
    width = max(s.bytes(split_columns(config)) / max(s.rows, 1) for s in sizes) + 64
    largest_group = max(s.largest_group for s in sizes)
    data = sum(s.bytes(split_columns(config)) for s in sizes)
    per_row = GROUP_BYTES_PER_ROW if config.group_column else STREAM_BYTES_PER_ROW
    need = baseline + SLACK + rows * per_row + (largest_group + 1024) * width * 4
    if in_memory <= budget and not force:
        return StreamPlan("in-memory", budget, rows, data, in_memory, need, baseline)
    if need > budget:
        raise ConfigError(
            f"--memory {format_bytes(budget)} is below what streaming the split needs (about "
            f"{format_bytes(need)}: this process {format_bytes(baseline)} + {rows:,} rows x "
            f"{per_row} bytes of codes + a row group of "
            f"{largest_group:,} rows); give --memory {format_bytes(need * 1.25)} or more."
        )
    batch = batch_rows(int(budget - need), width * 4, share=0.25)
    return StreamPlan(
        "streaming", budget, rows, data, in_memory, need, baseline, batch, methods=METHODS
    )


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


def _first_pass(
    config: ProjectConfig, plan: StreamPlan, salt: str, scheme: str, target: str
) -> tuple[_Keys, list[int]]:
    keys = _Keys()
    rows_per_source = []
    task = config.task
    label = config.label_columns[0] if len(config.label_columns) == 1 else None
    for code, source in enumerate(parquet_sources(config)):
        start = 0
        columns = split_columns(config)
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
                keys.label.append(label_codes(batch.column(label), keys, str(source.path), start))
            elif label is not None and task == "regression":
                keys.label.append(batch.column(label).cast("double").to_numpy(zero_copy_only=False))
            start += n
        rows_per_source.append(start)
    return keys, rows_per_source


def _ones(n: int) -> np.ndarray:
    """``n`` unit sizes of 1 without allocating them (a read-only broadcast view)."""
    return np.broadcast_to(np.int64(1), (n,))


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
    plan: StreamPlan,
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
    salt = config.split.salt
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
    if config.group_column is None:  # per-row state on disk (``_stream_spilled``)
        return _ungrouped(
            config,
            plan,
            previous,
            scheme,
            target,
            expected_error,
            min_gain,
            confidence,
            cross_source_groups,
        )
    keys, _ = _first_pass(config, plan, salt, scheme, target)
    k_td = np.concatenate(keys.k_td)
    keys.k_td = []
    k_id = np.concatenate(keys.k_id)  # each example's own key
    keys.k_id = []
    if config.id_column is not None:
        duplicate_ids(config, plan, k_id, scheme)
    src = np.concatenate(keys.source)
    keys.source = []
    names = [s.name for s in sources]
    is_target = np.isin(src, [i for i, s in enumerate(sources) if s.name == target])
    notes: list[str] = []
    strata, strata_names = _strata(config, keys, k_td.size, notes)
    fixed, growth = previous_splits(previous, k_id)
    del k_id
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


def _ungrouped(
    config,
    plan,
    previous,
    scheme,
    target,
    expected_error,
    min_gain,
    confidence,
    cross_source_groups,
):
    """The split without a group column: :func:`split_spilled`, its report from counts."""
    from yearn.splits._stream_spilled import moment_balance, report_table, split_spilled

    notes: list[str] = []
    (code, src, inputs), counts = split_spilled(config, plan, previous, scheme, target, notes)
    _trace("allocated")
    names = [s.name for s in parquet_sources(config)]
    task = config.task
    cells, labels, weights = report_table(names, inputs)
    expected_error = _precision_target(task, expected_error, notes)
    report = build_report(
        cells,
        target=target,
        labels=labels,
        task=task,
        metadata=None,
        requested=counts,
        notes=notes,
        expected_error=expected_error,
        min_gain=min_gain,
        confidence=confidence,
        weights=weights,
    )
    if inputs["moments"] is not None:
        report = dataclasses.replace(
            report, balance=moment_balance(report.balance, inputs["moments"])
        )
    if config.metadata_columns:
        evals = None if inputs["eval"] is None else inputs["eval"][2]
        report = with_metadata(config, plan, report, code, evals, task)
    table = pd.DataFrame(
        {
            "split": pd.Categorical.from_codes(code, categories=list(SPLITS)),
            "source": pd.Categorical.from_codes(src, categories=names),
            "group": pd.Categorical.from_codes(
                np.broadcast_to(np.int8(-1), code.shape), categories=pd.Index([], dtype=object)
            ),
        }
    )
    _trace("report built")
    settings = _settings(config, plan, previous, target, counts, cross_source_groups, scheme)
    return SplitManifest(table=table, settings=settings, report=report), code


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
        evaluation = (code == SPLITS.index("dev")) | (code == SPLITS.index("test"))
        eval_labels = None if labels is None else labels[evaluation]
        report = with_metadata(config, plan, report, code, eval_labels, task)
    manifest_settings = _settings(
        config, plan, previous, target, counts, cross_source_groups, scheme
    )
    return SplitManifest(table=table, settings=manifest_settings, report=report), code


def _settings(config, plan, previous, target, counts, cross_source_groups, scheme):
    """The manifest's settings (as the in-memory split records them, plus ``streamed``)."""
    settings = config.split
    return {
        "target": target,
        "dev": settings.dev,
        "test": settings.test,
        "target_to_train": settings.target_to_train,
        "train_dev": settings.train_dev,
        "salt": settings.salt,
        "stratify": bool(settings.stratify),
        "cross_source_groups": cross_source_groups,
        "task": config.task,
        "requested": counts,
        "grown_from": None if previous is None else previous.sha256,
        "streamed": plan.to_dict(),
        "hash": scheme,
    }
