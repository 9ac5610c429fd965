"""The profile of a project larger than memory: ``profile_project(..., memory="4GB")``.

When the data would not fit the budget (estimated from the Parquet footers), each source is
read in batches: summaries, class balance and exact duplicates are computed over every row
(``_sketch`` says which figures are exact and which are sketched, with their bounds); the
model-based checks run on a uniform random sample of rows whose size the result states.
Duplicates and contamination (the same id or group in two sources), which a sample cannot
answer, are counted exactly over every row from 64-bit hashes. See ``docs/scale.md``.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from yearn.config import ProjectConfig
from yearn.data.budget import StreamPlan, format_bytes, parquet_size, parquet_sources, rss
from yearn.data.spill import Partitions, partition_bits
from yearn.errors import ConfigError
from yearn.profile._registry import REGISTRY
from yearn.profile._result import CheckResult, Profile
from yearn.profile._sketch import (
    DISTINCT_CAP,
    N_BINS,
    RESERVOIR,
    TOP_K,
    CategoryStats,
    NumericStats,
    float_hash,
    hll_relative_error,
    quantile_rank_error,
    text_hash,
)
from yearn.profile._stream_checks import (
    balance_result,
    contamination_result,
    duplicates_result,
    summary_result,
)
from yearn.profile._stream_plan import streaming_plan
from yearn.splits import SPLITS as SPLIT_NAMES

__all__ = ["profile_streaming", "streaming_plan"]

log = logging.getLogger(__name__)

STREAMED = ("summary", "balance", "duplicates", "contamination")
#: what spills to disk per row: the row's hash, its position, group and label code ...
DUP_RECORD = np.dtype([("hash", "<u8"), ("row", "<i8"), ("group", "u1"), ("label", "<i4")])
#: ... and per id / group column its hash, the row's position and group
KEY_RECORD = np.dtype([("key", "<u8"), ("row", "<i8"), ("group", "u1")])


def _edges_from_footer(paths: list[Path], column: str) -> np.ndarray | None:
    """Histogram edges from the Parquet min/max statistics of every row group (None when
    some row group has none or they are not finite)."""
    import pyarrow.parquet as pq

    lo, hi = np.inf, -np.inf
    for path in paths:
        meta = pq.ParquetFile(path).metadata
        index = meta.schema.names.index(column) if column in meta.schema.names else -1
        if index < 0:
            return None
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(index).statistics
            if stats is None or not stats.has_min_max:
                if stats is not None and stats.null_count == meta.row_group(g).num_rows:
                    continue
                return None
            try:
                lo, hi = min(lo, float(stats.min)), max(hi, float(stats.max))
            except (TypeError, ValueError):
                return None
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return None
    width = (hi - lo) / N_BINS or 1.0
    return lo + width * np.arange(N_BINS + 1)


def _kind(arrow_type: Any, name: str, text_columns: tuple[str, ...]) -> str:
    import pyarrow as pa

    if name in text_columns:
        return "text"
    if pa.types.is_boolean(arrow_type) or pa.types.is_dictionary(arrow_type):
        return "categorical"
    if (
        pa.types.is_integer(arrow_type)
        or pa.types.is_floating(arrow_type)
        or pa.types.is_decimal(arrow_type)
        or pa.types.is_temporal(arrow_type)
    ):
        return "numeric"
    return "categorical"


def _as_float(column: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_temporal(column.type):
        column = pc.cast(column, pa.int64())
    return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)


def _value_counts(column: Any) -> tuple[list[str], list[int], int]:
    import pyarrow.compute as pc

    counts = pc.value_counts(column)
    values = counts.field("values").to_pylist()
    numbers = counts.field("counts").to_pylist()
    keep = [(str(v), c) for v, c in zip(values, numbers, strict=True) if v is not None]
    return [v for v, _ in keep], [c for _, c in keep], column.null_count


def _combine(out: np.ndarray | None, h: np.ndarray, k: int) -> np.ndarray:
    """Fold column ``k``'s hashes into the row hashes (as pandas combines columns)."""
    if out is None:
        return h
    with np.errstate(over="ignore"):
        return (out ^ h) * np.uint64(1000003 + 2 * k)


class _RowGroup:
    """One row group of a Parquet file, read one column at a time (the column is freed
    once processed); the rows picked for the sample are taken from each column read."""

    def __init__(self, handle: Any, index: int) -> None:
        self.handle = handle
        self.index = index
        self.num_rows = handle.metadata.row_group(index).num_rows
        self.names = handle.schema_arrow.names
        self.local: Any = None
        self.taken: dict[str, Any] = {}

    def sample(self, local: np.ndarray) -> None:
        """Keep the values of rows ``local`` (positions in this row group) of each column."""
        import pyarrow as pa

        self.local = pa.array(local, pa.int64()) if local.size else None

    def column(self, name: str) -> Any:
        if name not in self.names:
            raise KeyError(name)
        column = self.handle.read_row_group(self.index, columns=[name]).column(0)
        column = column.combine_chunks()
        if self.local is not None and name not in self.taken:
            self.taken[name] = column.take(self.local)
        return column

    def sampled(self) -> Any:
        """The sampled rows of every column, as an Arrow table."""
        import pyarrow as pa

        for name in self.names:
            if name not in self.taken:
                self.column(name)
        return pa.table({name: self.taken[name] for name in self.names})


class _Pass:
    """Everything gathered in one pass over the sources."""

    def __init__(
        self, config: ProjectConfig, features: list[str], plan: StreamPlan, seed: int, lookup: Any
    ):
        self.config = config
        self.lookup = lookup  # a split manifest: rows are grouped by split, else by source
        self.unit = "split" if lookup is not None else "source"
        sources = [s.name for s in parquet_sources(config)]
        self.group_names = [*SPLIT_NAMES, "(unassigned)"] if lookup is not None else sources
        self.counts = np.zeros(len(self.group_names), dtype=np.int64)
        self.source_rows: dict[str, int] = {}
        self.sample_groups: list[np.ndarray] = []
        self.features = features
        self.label = config.label_columns[0] if len(config.label_columns) == 1 else None
        self.columns = features + ([self.label] if self.label else [])
        self.feature_set = set(features)
        self.plan = plan
        self.rng = np.random.default_rng([seed, 0x5EED])
        self.seed = seed
        self.kinds: dict[str, str] = {}
        self.stats: dict[str, dict[str, Any]] = {c: {} for c in self.columns}
        self.edges: dict[str, np.ndarray | None] = {}
        self.labels: dict[str, dict[str, int]] = {}
        self.dups: Partitions | None = None  # row hash, row, group, label: by hash prefix
        self.class_index: dict[str, int] = {}
        self.groups: dict[str, int] = {}
        self.keyed = {
            role: column
            for role, column in (("id", config.id_column), ("group", config.group_column))
            if column is not None
        }
        self.keys: dict[str, Partitions] = {}  # id / group hash, row, group: by prefix

    def _spill_to(self, folder: Path) -> None:
        """The on-disk partitions of the row hashes and id / group hashes."""
        bits = partition_bits(self.plan.rows, DUP_RECORD.itemsize, self.plan.budget / 8)
        self.dups = Partitions(folder, "dups", DUP_RECORD, bits, key="hash")
        for role in self.keyed:
            self.keys[role] = Partitions(folder, f"keys-{role}", KEY_RECORD, bits)

    def run(self, sample_dir: Path) -> dict[str, Path]:
        """Read every source; returns the sample's Parquet file per source (the hashes
        spill to ``sample_dir`` too)."""
        self._spill_to(sample_dir)
        return self._read(sample_dir)

    def _read(self, sample_dir: Path) -> dict[str, Path]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        sources = parquet_sources(self.config)
        sizes = [parquet_size(s.path).rows for s in sources]
        total = sum(sizes)
        picked = np.sort(self.rng.choice(total, size=self.plan.sample_rows, replace=False))
        paths = [s.path for s in sources]
        offset = 0
        out: dict[str, Path] = {}
        for g, (source, n) in enumerate(zip(sources, sizes, strict=True)):
            self.source_rows[source.name] = n
            mine = picked[(picked >= offset) & (picked < offset + n)] - offset
            parts = []
            start = 0
            handle = pq.ParquetFile(source.path)
            for index in range(handle.metadata.num_row_groups):
                piece = _RowGroup(handle, index)
                local = mine[(mine >= start) & (mine < start + piece.num_rows)] - start
                piece.sample(local)
                codes = self._groups_of(piece, source.name, g, start, offset + start)
                self._batch(piece, codes, source.name, paths, offset + start)
                if local.size:
                    parts.append(piece.sampled())
                    self.sample_groups.append(codes[local])
                start += piece.num_rows
            offset += n
            path = sample_dir / f"{g}.parquet"
            if parts:
                pq.write_table(pa.concat_tables(parts), path)
            else:  # no sampled row from this source: keep its schema, no rows
                pq.write_table(pq.ParquetFile(source.path).schema_arrow.empty_table(), path)
            out[source.name] = path
        self.groups = {
            self.group_names[k]: int(c) for k, c in enumerate(self.counts) if c
        }  # the in-memory order: splits in order, or sources by name
        if self.lookup is None:
            self.groups = dict(sorted(self.groups.items()))
        return out

    def _groups_of(self, piece: Any, source: str, code: int, start: int, first: int) -> np.ndarray:
        """Each row's group: its source, or its split in the manifest (by id; ``first``:
        the row's position over all sources, where the manifest lists it when current)."""
        if self.lookup is None:
            codes = np.full(piece.num_rows, code, dtype=np.uint8)
        else:
            if self.config.id_column is None:
                ids = [f"{source}:{i}" for i in range(start, start + piece.num_rows)]
            else:
                ids = None
            split = (
                self.lookup.codes(ids, first)
                if ids is not None
                else self.lookup.codes_of(piece.column(self.config.id_column), first)
            )
            codes = np.where(split >= 0, split, len(SPLIT_NAMES)).astype(np.uint8)
        self.counts += np.bincount(codes, minlength=len(self.group_names))
        return codes

    def _batch(
        self, batch: Any, codes: np.ndarray, source: str, paths: list[Path], first: int
    ) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        present = np.unique(codes)
        parts = [(self.group_names[g], None if present.size == 1 else codes == g) for g in present]
        row_hash = label_column = None
        for k, name in enumerate(self.columns):
            if name not in batch.names:
                raise ConfigError(f"column {name!r} is missing from source {source!r}.")
            column = batch.column(name)
            if name == self.label:
                label_column = column
            kind = self.kinds.setdefault(name, _kind(column.type, name, self.config.text_columns))
            stats = self.stats[name]
            values = _as_float(column) if kind == "numeric" else None
            if name in self.feature_set:  # the row's hash, for the exact duplicate count
                h = float_hash(values) if values is not None else text_hash(column)
                row_hash = _combine(row_hash, h, k)
            if kind == "text":
                values = _as_float(pc.utf8_length(column.cast("string")))
            if kind == "numeric" and name not in self.edges:
                self.edges[name] = _edges_from_footer(paths, name)
            for group, mask in parts:
                rows = first + (np.arange(codes.size) if mask is None else np.flatnonzero(mask))
                if kind in ("numeric", "text"):
                    acc = stats.setdefault(
                        group,
                        NumericStats(self.edges[name], distinct=True, seed=self.seed)
                        if kind == "numeric"
                        else NumericStats(None, seed=self.seed),
                    )
                    acc.update(values if mask is None else values[mask], rows)
                else:
                    acc = stats.setdefault(group, CategoryStats(DISTINCT_CAP))
                    part = column if mask is None else column.filter(pa.array(mask))
                    acc.update(*_value_counts(part))
        label_codes = np.full(batch.num_rows, -1, dtype=np.int32)
        if label_column is not None and self.config.task in ("binary", "multiclass"):
            for group, mask in parts:
                part = label_column if mask is None else label_column.filter(pa.array(mask))
                values, counts, _ = _value_counts(part)
                per = self.labels.setdefault(group, {})
                for v, c in zip(values, counts, strict=True):
                    per[v] = per.get(v, 0) + c
                    self.class_index.setdefault(v, len(self.class_index))
            column = label_column
            distinct = pc.unique(column)
            class_codes = np.array(
                [-1 if v is None else self.class_index[str(v)] for v in distinct.to_pylist()],
                dtype=np.int32,
            )
            where = pc.index_in(column, value_set=distinct).to_numpy(zero_copy_only=False)
            label_codes = class_codes[np.nan_to_num(where, nan=0).astype(np.int64)]
        rows = first + np.arange(batch.num_rows, dtype=np.int64)
        if row_hash is not None:
            rec = np.empty(batch.num_rows, dtype=DUP_RECORD)
            rec["hash"], rec["row"], rec["group"], rec["label"] = row_hash, rows, codes, label_codes
            self.dups.append(rec)
        for role, column in self.keyed.items():
            rec = np.empty(batch.num_rows, dtype=KEY_RECORD)
            rec["key"], rec["row"], rec["group"] = text_hash(batch.column(column)), rows, codes
            self.keys[role].append(rec)


def profile_streaming(
    config: ProjectConfig,
    plan: StreamPlan,
    *,
    checks: list[str] | None = None,
    random_state: int = 0,
    n_jobs: int = 1,
    options: dict[str, Any] | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
) -> Profile:
    """The streamed profile of ``config``'s Parquet sources under ``plan`` (see the module)."""
    from yearn.data import load_project
    from yearn.profile._api import profile

    start = time.perf_counter()
    names = list(REGISTRY) if checks is None else list(checks)
    reserved = {config.id_column, config.group_column, "source", "role", "split"}
    reserved |= set(config.label_columns) | set(config.metadata_columns)
    first = parquet_sources(config)[0].path
    import pyarrow.parquet as pq

    schema = pq.ParquetFile(first).schema_arrow.names
    features = list(config.feature_columns) or [c for c in schema if c not in reserved]
    from yearn.splits import ManifestLookup, manifest_path

    lookup = ManifestLookup(config.root) if manifest_path(config.root).exists() else None
    gathered = _Pass(config, features, plan, random_state, lookup)
    with tempfile.TemporaryDirectory(prefix="yearn-sample-") as tmp:
        sample_paths = gathered.run(Path(tmp))
        _trace(f"streamed {plan.rows:,} rows")
        streamed: dict[str, CheckResult] = {}
        if "summary" in names:
            streamed["summary"] = summary_result(gathered)
        gathered.stats = {}  # the quartile samples
        if "balance" in names:
            streamed["balance"] = balance_result(gathered)
        if "duplicates" in names:
            streamed["duplicates"] = duplicates_result(gathered)
            _trace("duplicates counted")
        if "contamination" in names:
            streamed["contamination"] = contamination_result(gathered)
            _trace("contamination counted")
        sampled_names = [n for n in names if n not in STREAMED]
        sampled: dict[str, CheckResult] = {}
        if sampled_names:
            sources = tuple(
                dataclasses.replace(s, path=sample_paths[s.name]) for s in config.sources
            )
            sample_config = dataclasses.replace(config, sources=sources)
            dataset = load_project(sample_config, check_images=False, screen=False)
            _trace(f"sample of {plan.sample_rows:,} rows loaded")
            split = None
            if lookup is not None:  # the sampled rows' splits, in the sample's row order
                split = np.asarray(gathered.group_names, dtype=object)[
                    np.concatenate(gathered.sample_groups)
                ]
            part = profile(
                dataset,
                split=split,
                checks=sampled_names,
                random_state=random_state,
                max_rows=max(100, plan.sample_rows),
                n_jobs=n_jobs,
                options=options,
            )
            for r in part.results:
                r.summary = {**r.summary, "sample_rows": plan.sample_rows}
                r.message = f"{r.message} (on a uniform sample of {plan.sample_rows:,} rows)"
                if r.flags is not None:  # positions in the sample, not in the files
                    r.summary["flagged_in_sample"] = int(np.count_nonzero(r.flags))
                    r.flags = None
                sampled[r.name] = r
    results = []
    for name in names:
        result = streamed[name] if name in streamed else sampled[name]
        if on_check is not None:
            on_check(result)
        results.append(result)
    label = gathered.label
    return Profile(
        results=results,
        n_rows=plan.rows,
        n_columns=len(features),
        group_by=gathered.unit,
        groups=dict(gathered.groups),
        label=label,
        task=config.task if label else None,
        seconds=time.perf_counter() - start,
        scale={**_scale(plan, names), "grouped_by": _grouped_by(gathered.unit)},
    )


def _trace(step: str) -> None:
    from yearn.data.budget import peak_rss

    log.debug("%s: memory %s (peak %s)", step, format_bytes(rss()), format_bytes(peak_rss()))


def _grouped_by(unit: str) -> str:
    return "split (from the saved manifest, by id)" if unit == "split" else "source"


def _scale(plan: StreamPlan, names: list[str]) -> dict[str, Any]:
    """How each figure was computed: exact, sketched (with its bound) or on a sample."""
    methods: dict[str, str] = {}
    for name in names:
        if name == "summary":
            methods[name] = (
                "exact: counts, missing, zeros, min/max, mean/std, category counts up to "
                f"{DISTINCT_CAP:,} values, histograms from Parquet min/max; sketched: quartiles "
                f"(a seeded uniform sample of {RESERVOIR:,} values per column and source: exact "
                f"below that, else rank error <= {quantile_rank_error():.2%} at 99% "
                "confidence), distinct counts "
                f"past {DISTINCT_CAP:,} (HyperLogLog, +-{hll_relative_error():.1%} at 2 sd)"
            )
        elif name == "balance":
            methods[name] = "exact: class counts over every row"
        elif name == "duplicates":
            methods[name] = (
                "exact over every row: 64-bit row hashes, sorted on disk one hash-prefix "
                f"partition at a time (a false match has probability <= {plan.rows**2 / 2**65:.1e})"
            )
        elif name == "contamination":
            methods[name] = (
                "exact over every row: 64-bit hashes of the ids/groups, sorted on disk the "
                f"same way (a false match has probability <= {plan.rows**2 / 2**65:.1e})"
            )
        else:
            methods[name] = f"uniform sample of {plan.sample_rows:,} of {plan.rows:,} rows"
    return {
        **plan.to_dict(),
        "methods": methods,
        "quantile_rank_error": quantile_rank_error(),
        "quantile_sample": RESERVOIR,
        "hll_relative_error": hll_relative_error(),
        "top_categories": TOP_K,
    }
