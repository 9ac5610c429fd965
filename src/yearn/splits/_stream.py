"""The four-way split of a project larger than memory: ``split_project(..., memory="4GB")``.

The id, label, group and source columns are read in batches; each id is hashed per batch
(the keys of the manifest's hash scheme, as the in-memory split computes them) and each
row's keys, label and source are spilled to disk (``_stream_spilled``; with a group
column, partitioned by unit, ``_stream_units``). The in-memory allocation
(``_assign.allocate``) is replayed from counts and exact rank selection over the spilled
keys, so the same ids get the same splits, and a previous manifest's examples keep theirs.
In memory per row: the split code and the manifest's codes. The manifest is written batch
by batch in a last pass.
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
    StreamPlan,
    batch_rows,
    csv_source_names,
    format_bytes,
    in_memory_size,
    manifest_memory,
    parquet_size,
    parquet_sources,
    rss,
)
from yearn.errors import ConfigError, DataError
from yearn.splits._four_way import (
    _precision_target,
)
from yearn.splits._stream_previous import Previous
from yearn.splits._stream_report import with_metadata
from yearn.splits._stream_rows import split_columns
from yearn.splits.checks import build_report
from yearn.splits.manifest import SPLITS, SplitManifest

__all__ = ["split_plan", "split_streaming"]

log = logging.getLogger(__name__)

#: peak bytes per example of the in-memory split (measured: 1.5M rows, 2.2 GB)
IN_MEMORY_BYTES_PER_ROW = 1500
#: bytes per example kept while streaming: the split code and the manifest's split and
#: source codes and their copies (the keys, labels and sorts spill to disk); measured:
#: the peak grows 16 bytes a row from 20M rows (682 MB) to 50M (1,165 MB)
STREAM_BYTES_PER_ROW = 16
GROUP_BYTES_PER_ROW = 2  # with a group column: each unit's split code, and the unit codes
SLACK = 64_000_000


#: how the streamed split computes its figures (``StreamPlan.methods``)
METHODS = (
    ("split", "exact: every id hashed, the same assignment as in memory"),
    ("report", "exact over every row"),
)


def split_plan(
    config: ProjectConfig, budget: int, *, force: bool = False, grow: bool = False
) -> StreamPlan:
    """In memory when the estimate fits ``budget`` (and not ``force``), else streamed;
    raises :class:`ConfigError` when even streaming would not fit. CSV sources are read
    whole when the estimate fits, else refused (convert them to Parquet). ``grow``: the
    saved manifest will be grown (its keys are loaded: counted in the estimate)."""
    if csv_source_names(config) and not force:
        whole = in_memory_size(config, split_columns(config))
        need = rss() + max(whole.rows * IN_MEMORY_BYTES_PER_ROW, whole.read_peak)
        if need > budget:
            why = (
                f" (about {format_bytes(need)} to read whole, over --memory {format_bytes(budget)})"
            )
            parquet_sources(config, why=why)  # raises
        return StreamPlan("in-memory", budget, whole.rows, whole.data_bytes, need, note=whole.note)
    sizes = [parquet_size(s.path) for s in parquet_sources(config)]
    rows = sum(s.rows for s in sizes)
    baseline = rss()
    in_memory = baseline + rows * IN_MEMORY_BYTES_PER_ROW
    width = max(s.bytes(split_columns(config)) / max(s.rows, 1) for s in sizes) + 64
    largest_group = max(s.largest_group for s in sizes)
    data = sum(s.bytes(split_columns(config)) for s in sizes)
    per_row = STREAM_BYTES_PER_ROW + (GROUP_BYTES_PER_ROW if config.group_column else 0)
    previous = manifest_memory(config.root) if grow else 0.0
    need = baseline + SLACK + rows * per_row + (largest_group + 1024) * width * 4 + previous
    if in_memory <= budget and not force:
        return StreamPlan("in-memory", budget, rows, data, in_memory, need, baseline)
    if need > budget:
        raise ConfigError(
            f"--memory {format_bytes(budget)} is below what streaming the split needs (about "
            f"{format_bytes(need)}: this process {format_bytes(baseline)} + {rows:,} rows x "
            f"{per_row} bytes of codes + a row group of {largest_group:,} rows"
            + (f" + {format_bytes(previous)} for the saved manifest's keys" if previous else "")
            + f"); give --memory {format_bytes(need * 1.25)} or more"
            + (", or split afresh (--fresh)." if previous else ".")
        )
    batch = batch_rows(int(budget - need), width * 4, share=0.25)
    return StreamPlan(
        "streaming", budget, rows, data, in_memory, need, baseline, batch, methods=METHODS
    )


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
    return _spilled(
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


def _spilled(
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
    """The split with its per-row state on disk (``_stream_spilled``, with a group column
    ``_stream_units``), its report from counts."""
    import tempfile

    from yearn.splits._stream_spilled import moment_balance, report_table, split_spilled
    from yearn.splits._stream_units import split_units

    notes: list[str] = []
    if config.group_column is None:
        (code, src, inputs), counts = split_spilled(config, plan, previous, scheme, target, notes)
    else:
        with tempfile.TemporaryDirectory(prefix="yearn-split-") as tmp:
            (code, src, inputs), counts = split_units(
                config, plan, previous, scheme, target, cross_source_groups, notes, Path(tmp)
            )
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
