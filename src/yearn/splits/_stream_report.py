"""The streamed split's report helper: metadata tests read for dev and test rows only."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from yearn.data.budget import iter_batches, parquet_sources
from yearn.splits.checks import _distribution_tests
from yearn.splits.manifest import SPLITS

__all__ = ["with_metadata"]


def with_metadata(config, plan, report, code, eval_labels, task):
    """Dev-vs-test tests on the metadata columns, read for the dev and test rows only
    (``eval_labels``: the labels of those rows, in row order, or None)."""
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
    tests = _distribution_tests(split, eval_labels, task, metadata)
    warnings = [w for w in report.warnings if not w.startswith("dev and test differ on")]
    for t in tests:
        if not t.ok:
            warnings.append(
                f"dev and test differ on {t.column!r} ({t.test}, p = {t.p_value:.2g}); they "
                "should come from one distribution — check how the target data was collected."
            )
    return dataclasses.replace(report, distribution=tests, warnings=warnings)
