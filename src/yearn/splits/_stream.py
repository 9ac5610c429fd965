"""The four-way split of a project larger than memory: ``split_project(..., memory="4GB")``.

The id, label and source columns are read in batches; each id is hashed per batch (the
keys of the manifest's hash scheme, as the in-memory split computes them) and only
compact per-row arrays are kept (two 64-bit keys, a stratum code, a source code). The
allocation then runs on those arrays with the in-memory engine (``_assign.allocate``), so
the same ids get the same splits, and a previous manifest's examples keep theirs. The
manifest is written batch by batch in a second pass. Groups are not streamed yet: a
project with a group column is split in memory or refused with what to do.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
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
from yearn.splits._four_way import _MIN_STRATUM, _STAGE1, _STAGE2, _target_counts
from yearn.splits._hash import hash_units
from yearn.splits._inputs import resolve_count
from yearn.splits.checks import _distribution_tests, build_report
from yearn.splits.manifest import SPLITS, SplitManifest

__all__ = [
    "Previous",
    "SplitPlan",
    "read_previous",
    "split_plan",
    "split_streaming",
    "write_streamed",
]

log = logging.getLogger(__name__)

#: peak bytes per example of the in-memory split (measured: 1.5M rows, 2.2 GB)
IN_MEMORY_BYTES_PER_ROW = 1500
#: bytes per example kept while streaming: keys, codes and the allocation's temporaries
STREAM_BYTES_PER_ROW = 160  # measured: 150 at 20M rows
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
    named = [config.id_column, *config.label_columns]
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
    need = baseline + SLACK + rows * STREAM_BYTES_PER_ROW + (largest_group + 1024) * width * 4
    if config.group_column is not None:
        if in_memory <= budget:
            return SplitPlan("in-memory", budget, rows, in_memory, need, 0, data)
        raise ConfigError(
            f"--memory {format_bytes(budget)}: the split of {rows:,} rows would need about "
            f"{format_bytes(in_memory)} in memory, and a project with a group column "
            f"({config.group_column!r}) is not split by streaming yet; give --memory "
            f"{format_bytes(in_memory * 1.1)} or run it on a larger machine."
        )
    if in_memory <= budget and not force:
        return SplitPlan("in-memory", budget, rows, in_memory, need, 0, data)
    if need > budget:
        raise ConfigError(
            f"--memory {format_bytes(budget)} is below what streaming the split needs (about "
            f"{format_bytes(need)}: this process {format_bytes(baseline)} + {rows:,} rows x "
            f"{STREAM_BYTES_PER_ROW} bytes of keys and codes + a row group of "
            f"{largest_group:,} rows); give --memory {format_bytes(need * 1.25)} or more."
        )
    batch = batch_rows(int(budget - need), width * 4, share=0.25)
    return SplitPlan("streaming", budget, rows, in_memory, need, batch, data)


def _id_text(column: Any) -> list[str]:
    """Ids as the in-memory split's hash input: ``str(id)`` of each value."""
    import pyarrow as pa

    if pa.types.is_integer(column.type) or pa.types.is_string(column.type):
        return column.cast(pa.string()).to_pylist()
    if pa.types.is_large_string(column.type):
        return column.to_pylist()
    return [None if v is None else str(v) for v in column.to_pylist()]


class _Keys:
    """Per-row arrays gathered in the first pass."""

    def __init__(self) -> None:
        self.k_td: list[np.ndarray] = []  # "train_dev" key of every row
        self.k_t: list[np.ndarray] = []  # "target" key of every row (0 off target)
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
                ids = _id_text(batch.column(config.id_column))
                blank = [i for i, v in enumerate(ids) if v is None or not v.strip()]
                if blank:
                    raise DataError(
                        f"{source.path} row {start + blank[0] + 2}: the id column "
                        f"{config.id_column!r} is empty ({len(blank)} in this batch); every "
                        "example needs a unique id (fill them in or drop id_column)."
                    )
            units = ["i:" + v for v in ids]
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
            ids = _id_text(batch.column(config.id_column))
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


@dataclasses.dataclass(frozen=True)
class Previous:
    """A saved manifest as the streaming split needs it: its settings, sha256 and the
    ``train_dev`` key and split index (into SPLITS) of each example, sorted by key."""

    settings: dict[str, Any]
    sha256: str
    keys: np.ndarray
    codes: np.ndarray


def read_previous(root: Path, salt: str, rows: int) -> Previous:
    """Read ``<root>/.yearn/splits.parquet`` in batches after checking its sha256."""
    import json

    import pyarrow.parquet as pq

    from yearn.splits.manifest import SIDECAR_NAME, _sha256, manifest_path

    path = manifest_path(root)
    sidecar = path.with_name(SIDECAR_NAME)
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    sha = _sha256(path)
    if not isinstance(meta, dict) or meta.get("sha256") != sha:
        raise DataError(
            f"{path}: its sha256 does not match the {SIDECAR_NAME} sidecar (or the sidecar is "
            "missing): the manifest was changed outside yearn. Restore it or redraw with "
            "'yearn split --fresh'."
        )
    keys, codes = [], []
    for batch in pq.ParquetFile(path).iter_batches(batch_size=rows, columns=["id", "split"]):
        ids = _id_text(batch.column(0))
        scheme = (meta.get("settings") or {}).get("hash", "blake2b")  # as it was drawn
        keys.append(hash_units(["i:" + v for v in ids], salt, "train_dev", scheme))
        split = batch.column(1).cast("string").to_pylist()
        codes.append(np.array([SPLITS.index(v) for v in split], dtype=np.int8))
    all_keys = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
    all_codes = np.concatenate(codes) if codes else np.zeros(0, np.int8)
    order = np.argsort(all_keys)
    return Previous(dict(meta.get("settings") or {}), sha, all_keys[order], all_codes[order])


def _previous(previous: Previous | None, k_td: np.ndarray):
    """The split index (into SPLITS) each row had in ``previous`` (-1 when new), and a note."""
    fixed = np.full(k_td.size, -1, dtype=np.int8)
    if previous is None:
        return fixed, None
    old_keys, old_split = previous.keys, previous.codes
    if old_keys.size:
        pos = np.minimum(np.searchsorted(old_keys, k_td), old_keys.size - 1)
        known = old_keys[pos] == k_td
        fixed[known] = old_split[pos[known]]
    else:
        known = np.zeros(k_td.size, dtype=bool)
    kept = int(known.sum())
    dropped = old_keys.size - kept
    note = (
        f"grown from the previous manifest: {kept} example(s) kept their split, "
        f"{k_td.size - kept} new example(s) assigned"
        + (f", {dropped} no longer in the data dropped" if dropped else "")
        + "."
    )
    return fixed, note


def _trace(step: str) -> None:
    from yearn.data.budget import peak_rss

    log.debug("%s: memory %s (peak %s)", step, format_bytes(rss()), format_bytes(peak_rss()))


def split_streaming(
    config: ProjectConfig,
    plan: SplitPlan,
    *,
    previous: Previous | None = None,
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
    if config.id_column is not None:
        _duplicate_ids(config, plan, k_td, scheme)
    src = np.concatenate(keys.source)
    keys.source = []
    names = [s.name for s in sources]
    is_target = np.isin(src, [i for i, s in enumerate(sources) if s.name == target])
    notes: list[str] = []
    strata, strata_names = _strata(config, keys, n, notes)
    fixed, growth = _previous(previous, k_td)

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
            "group": pd.Series(pd.NA, index=pd.RangeIndex(n), dtype="string[pyarrow]"),
        }
    )
    if task == "regression" and expected_error is not None:
        notes.append(
            "precision check skipped: it reasons about an error rate, and this is a "
            "regression task."
        )
        expected_error = None
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
        report = _with_metadata(config, plan, report, code, labels, task)
    manifest_settings = {
        "target": target,
        "dev": settings.dev,
        "test": settings.test,
        "target_to_train": settings.target_to_train,
        "train_dev": settings.train_dev,
        "salt": salt,
        "stratify": bool(settings.stratify),
        "cross_source_groups": "error",
        "task": task,
        "requested": counts,
        "grown_from": None if previous is None else previous.sha256,
        "streamed": plan.to_dict(),
        "hash": scheme,
    }
    return SplitManifest(table=table, settings=manifest_settings, report=report), code


def _with_metadata(config, plan, report, code, labels, task):
    """Dev-vs-test tests on the metadata columns, read for the dev and test rows only."""
    evaluation = (code == SPLITS.index("dev")) | (code == SPLITS.index("test"))
    parts, start = [], 0
    for source in parquet_sources(config):
        for batch in iter_batches(source.path, list(config.metadata_columns), plan.batch_rows):
            keep = np.flatnonzero(evaluation[start : start + batch.num_rows])
            if keep.size:
                parts.append(batch.take(keep).to_pandas())
            start += batch.num_rows
    metadata = pd.concat(parts, ignore_index=True) if parts else None
    split = np.array(SPLITS, dtype=object)[code[evaluation]]
    tests = _distribution_tests(
        split, None if labels is None else labels[evaluation], task, metadata
    )
    warnings = [w for w in report.warnings if not w.startswith("dev and test differ on")]
    for t in tests:
        if not t.ok:
            warnings.append(
                f"dev and test differ on {t.column!r} ({t.test}, p = {t.p_value:.2g}); they "
                "should come from one distribution — check how the target data was collected."
            )
    return dataclasses.replace(report, distribution=tests, warnings=warnings)


def write_streamed(config: ProjectConfig, plan: SplitPlan, code: np.ndarray, path: Path) -> None:
    """Write the manifest table (id, split, source, group) to ``path`` batch by batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    split_type = pa.dictionary(pa.int8(), pa.string())
    splits = pa.array(list(SPLITS), pa.string())
    writer = None
    start = 0
    try:
        for source in parquet_sources(config):
            local = 0
            columns = [config.id_column] if config.id_column else []
            reader = (
                iter_batches(source.path, columns, plan.batch_rows)
                if columns
                else _row_counts(source.path, plan.batch_rows)
            )
            for batch in reader:
                n = batch if isinstance(batch, int) else batch.num_rows
                if config.id_column is None:
                    ids = pa.array([f"{source.name}:{i}" for i in range(local, local + n)])
                else:
                    column = batch.column(config.id_column)
                    ids = (
                        column
                        if pa.types.is_integer(column.type)
                        else pa.array(_id_text(column), pa.string())
                    )
                    if pa.types.is_integer(ids.type):
                        ids = ids.cast(pa.int64())
                chunk = pa.table(
                    {
                        "id": ids,
                        "split": pa.DictionaryArray.from_arrays(
                            pa.array(code[start : start + n], pa.int8()), splits
                        ),
                        "source": pa.array([source.name] * n, pa.string()),
                        "group": pa.nulls(n, pa.string()),
                    }
                )
                if writer is None:
                    schema = chunk.schema.set(1, pa.field("split", split_type))
                    writer = pq.ParquetWriter(path, schema)
                writer.write_table(chunk)
                start += n
                local += n
    finally:
        if writer is not None:
            writer.close()


def _row_counts(path: Path, rows: int):
    """Batch sizes of a file whose rows need no column read (generated ids)."""
    total = parquet_size(path).rows
    for begin in range(0, total, rows):
        yield min(rows, total - begin)
