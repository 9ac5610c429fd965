"""How a profile runs under a memory budget: in memory, or streamed in batches plus a
sample for the model-based checks (sized from the Parquet footers)."""

from __future__ import annotations

from yearn.config import ProjectConfig
from yearn.data.budget import (
    StreamPlan,
    csv_source_names,
    format_bytes,
    in_memory_size,
    manifest_memory,
    parquet_size,
    parquet_sources,
    rss,
)
from yearn.data.spill import check_disk
from yearn.errors import ConfigError
from yearn.profile._sketch import RESERVOIR

__all__ = ["streaming_plan"]

#: peak memory of the in-memory profile as a multiple of the table's in-memory size
IN_MEMORY_FACTOR = 3.0
#: memory of the model-based checks per sampled row, as a multiple of the row's size
SAMPLE_FACTOR = 12.0
#: bytes spilled to disk per row for the exact duplicate count (hash, row, group, label)
DUP_BYTES = 21
#: bytes spilled per row per id / group column for the exact contamination count
KEY_BYTES = 17
#: the share of the budget one on-disk hash partition may take while it is counted
PARTITION_SHARE = 1 / 8
MIN_SAMPLE = 1_000
#: the process (interpreter, numpy, pandas, scikit-learn) as assumed when sizing the sample
PROCESS_BYTES = 400_000_000
SLACK = 64_000_000


def streaming_plan(
    config: ProjectConfig, budget: int, max_rows: int, *, force: bool = False
) -> StreamPlan:
    """Decide in memory vs streaming from the Parquet footers (``force``: stream anyway);
    size the batches and the sample. Raises :class:`ConfigError` when even streaming would
    not fit the budget."""
    if csv_source_names(config) and not force:
        return _whole_plan(config, budget)
    sizes = [parquet_size(s.path) for s in parquet_sources(config)]
    rows = sum(s.rows for s in sizes)
    width = max((s.bytes() / max(s.rows, 1) for s in sizes), default=1.0)
    data = sum(s.bytes() for s in sizes)
    baseline = rss()
    in_memory = baseline + IN_MEMORY_FACTOR * data
    if in_memory <= budget and not force:
        return StreamPlan("in-memory", budget, rows, data, in_memory, baseline=baseline)
    largest_group = max(s.largest_group for s in sizes)
    widest = max(max(s.widths.values(), default=8.0) for s in sizes)
    keyed = sum(c is not None for c in (config.id_column, config.group_column))
    per_row = DUP_BYTES + KEY_BYTES * keyed
    numeric = len(sizes[0].fixed_width) + len(config.text_columns)  # quartile samples
    reservoirs = numeric * sum(min(RESERVOIR, s.rows) for s in sizes) * 20  # values, keys
    column = largest_group * widest * 6  # one column of a row group, its floats and hashes
    # the hashes spill to disk by hash prefix; one partition (and its sort) in memory
    partition = min(budget * PARTITION_SHARE, rows * per_row * 4.0)
    # a split manifest is read alongside the data; if the data no longer lists its ids in
    # order, every key of it is loaded instead: counted
    lookup = manifest_memory(config.root)
    fixed = SLACK + partition + reservoirs + column + lookup
    check_disk(rows * per_row, f"the streamed profile of {rows:,} rows")
    need = baseline + fixed + MIN_SAMPLE * width * SAMPLE_FACTOR
    if need > budget:
        raise ConfigError(
            f"--memory {format_bytes(budget)} is below what streaming this data needs (about "
            f"{format_bytes(need)}: this process {format_bytes(baseline)}, a partition of "
            "the hashes for the exact duplicate counts, quartile samples, a column of "
            f"a {largest_group:,}-row row group, a {MIN_SAMPLE:,}-row sample"
            + (f" and {format_bytes(lookup)} for the split manifest's keys" if lookup else "")
            + "); give "
            f"--memory {format_bytes(need * 1.25)} or more."
        )
    # sized with an assumed process size, not the measured one, so that the sample (and
    # every figure drawn from it) is the same from run to run under the same budget
    left = budget - max(PROCESS_BYTES, baseline) - fixed
    sample = int(left / (width * SAMPLE_FACTOR)) // 1000 * 1000
    sample = max(MIN_SAMPLE, min(max_rows, rows, sample))
    batch = largest_group
    return StreamPlan("streaming", budget, rows, data, in_memory, need, baseline, batch, sample)


def _whole_plan(config: ProjectConfig, budget: int) -> StreamPlan:
    """CSV sources cannot be streamed: read whole when the estimate fits ``budget``, else
    refused with the command that converts them to Parquet."""
    size = in_memory_size(config)
    baseline = rss()
    in_memory = baseline + max(IN_MEMORY_FACTOR * size.data_bytes, size.read_peak)
    if in_memory > budget:
        parquet_sources(config, why=_too_big(in_memory, budget))  # raises
    return StreamPlan(
        "in-memory",
        budget,
        size.rows,
        size.data_bytes,
        in_memory,
        baseline=baseline,
        note=size.note,
    )


def _too_big(need: float, budget: int) -> str:
    return f" (about {format_bytes(need)} to read whole, over --memory {format_bytes(budget)})"
