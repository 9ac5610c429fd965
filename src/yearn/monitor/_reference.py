"""The reference a production window is compared with: binned columns, their null
calibrations, and a row sample for the domain classifier."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from yearn.monitor._bins import ColumnBins, build_bins
from yearn.monitor._columns import column_kind, exclusion_reason
from yearn.monitor._null import NullCalibration
from yearn.monitor._table import Table, open_table, release_memory

__all__ = [
    "CLASS_COLUMN",
    "CONFIDENCE_COLUMN",
    "Reference",
    "prediction_columns",
]

#: The monitored columns made from a model's predictions.
CLASS_COLUMN = "prediction:class"
CONFIDENCE_COLUMN = "prediction:confidence"
SAMPLE_ROWS = 20_000


def prediction_columns(table: Table) -> pd.DataFrame | None:
    """The predicted class and confidence (highest probability) of every row, from the
    ``pred`` / ``proba:<class>`` columns (regression: the predicted value); None when the
    table has no predictions."""
    probas = [c for c in table.columns if c.startswith("proba:")]
    if probas:
        p = np.column_stack([pd.to_numeric(table.column(c), errors="coerce") for c in probas])
        classes = np.array([c[len("proba:") :] for c in probas], dtype=object)
        pred = table.column("pred").astype(str) if "pred" in table else classes[p.argmax(1)]
        return pd.DataFrame({CLASS_COLUMN: np.asarray(pred), CONFIDENCE_COLUMN: p.max(axis=1)})
    if "pred" in table:
        pred = table.column("pred")
        if pd.api.types.is_float_dtype(pred):
            return pd.DataFrame({CLASS_COLUMN: pred.to_numpy()})
        return pd.DataFrame({CLASS_COLUMN: pred.astype(str).to_numpy()})
    return None


def is_input(name: str) -> bool:
    """Whether a column of a request log / predictions table is a model input."""
    return not (name.startswith(("proba:", "pred:", "label:")) or name in ("pred", "split"))


@dataclass
class Reference:
    """Binned reference columns (inputs, then predictions), what was left out and why, and
    up to ``SAMPLE_ROWS`` rows of the inputs for the domain classifier."""

    bins: dict[str, ColumnBins]
    excluded: dict[str, str]
    sample: pd.DataFrame
    random_state: int = 0
    nulls: dict[str, NullCalibration] = field(default_factory=dict)

    @property
    def inputs(self) -> list[str]:
        return [c for c in self.bins if not c.startswith("prediction:")]

    @property
    def predictions(self) -> list[str]:
        return [c for c in self.bins if c.startswith("prediction:")]

    @property
    def n(self) -> int:
        return max((b.n for b in self.bins.values()), default=0)

    def null(self, column: str) -> NullCalibration:
        if column not in self.nulls:
            self.nulls[column] = NullCalibration(self.bins[column], self.random_state)
        return self.nulls[column]

    @classmethod
    def build(
        cls,
        data: pd.DataFrame | str | Path | Table,
        *,
        predictions: pd.DataFrame | None = None,
        columns: Sequence[str] | None = None,
        exclude: Iterable[str] = (),
        sample_rows: int = SAMPLE_ROWS,
        random_state: int = 0,
    ) -> Reference:
        """Bin every monitored column of ``data`` (read one column at a time).

        ``predictions`` is the model's predictions table on reference rows (``pred`` /
        ``proba:<class>``): its predicted class and confidence are monitored too.
        ``columns`` limits the inputs; ``exclude`` names columns never monitored (ids,
        labels). Timestamps and id-like columns are left out with the reason.
        """
        table = open_table(data)
        skip = set(exclude)
        names = [c for c in (columns or table.columns) if c not in skip and is_input(c)]
        excluded = {c: "excluded by the caller" for c in table.columns if c in skip}
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(table.n, min(sample_rows, table.n), replace=False))
        bins: dict[str, ColumnBins] = {}
        sample: dict[str, np.ndarray] = {}
        for name in names:
            release_memory()  # the previous column's pages, before reading the next
            values = table.column(name)
            why = exclusion_reason(name, values)
            if why:
                excluded[name] = why
                continue
            bins[name] = build_bins(name, column_kind(values), values, random_state)
            sample[name] = values.iloc[rows].to_numpy()
        if predictions is not None:
            derived = prediction_columns(open_table(predictions))
            for name in [] if derived is None else derived.columns:
                values = derived[name]
                bins[name] = build_bins(name, column_kind(values), values, random_state)
        return cls(bins, excluded, pd.DataFrame(sample), random_state)
