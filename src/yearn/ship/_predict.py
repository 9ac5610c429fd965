"""``predict_file``: batch inference of an exported model on a CSV / Parquet file or a
folder of images, into a predictions table that names the model version."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from yearn._io import atomic_write
from yearn.data import IMAGE_SUFFIXES, read_table
from yearn.errors import DataError
from yearn.ship._runtime import ExportedModel, load_exported

__all__ = ["PredictResult", "predict_file", "read_input"]


@dataclass
class PredictResult:
    """Predictions of an exported model on one input, and where they were written."""

    table: pd.DataFrame
    model_version: str
    source: str
    out: Path | None = None

    def counts(self) -> dict[str, int]:
        """Rows per predicted class (classification), else {}."""
        if "pred" not in self.table or self.table["pred"].dtype.kind == "f":
            return {}
        return {str(k): int(v) for k, v in self.table["pred"].value_counts().sort_index().items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "out": None if self.out is None else str(self.out),
            "model_version": self.model_version,
            "rows": len(self.table),
            "counts": self.counts(),
        }

    def _repr_html_(self) -> str:
        from yearn.display import html_table

        head = self.table.head(20)
        rows = [{c: str(v) for c, v in r.items()} for r in head.to_dict("records")]
        return (
            f"<p><b>{len(self.table):,} predictions by {html.escape(self.model_version)} on "
            f"{html.escape(self.source)}</b></p>" + html_table(rows, list(head.columns))
        )


def read_input(path: str | Path, model: ExportedModel) -> tuple[pd.DataFrame, Path]:
    """A table (CSV / Parquet) or a folder of images as rows for ``model``; also the
    folder relative image paths start from."""
    path = Path(path)
    images = model.schema.of_kind("image")
    if path.is_dir():
        if not images:
            raise DataError(
                f"{path}: is a folder but the model takes a table "
                f"({', '.join(model.schema.names)}); give a .csv or .parquet file."
            )
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
        )
        if not files:
            raise DataError(
                f"{path}: no image files ({', '.join(IMAGE_SUFFIXES)}); give a folder of images."
            )
        id_column = model.metadata.get("id_column") or "id"
        frame = pd.DataFrame(
            {
                id_column: [str(f.relative_to(path)) for f in files],
                images[0].name: [str(f) for f in files],
            }
        )
        return frame, path
    categorical = [c.name for c in model.schema.of_kind("category")]
    return read_table(path, text_columns=categorical), path.parent


def predict_file(
    model: str | Path | ExportedModel,
    input: str | Path,
    *,
    out: str | Path | None = None,
    allow_extra: bool = False,
) -> PredictResult:
    """Predict every row of ``input`` (CSV, Parquet, or a folder of images) with the
    exported ``model``; write Parquet (or CSV by extension) to ``out`` when given.

    Columns: the id column (the training data's id column when present, else the row
    number), ``pred`` / ``proba:<class>`` (``pred:<task>`` / ``proba:<task>``), and
    ``model_version``.
    """
    model = model if isinstance(model, ExportedModel) else load_exported(model)
    frame, base = read_input(input, model)
    preds = model.predict_frame(frame, allow_extra=allow_extra, base_dir=base, where=str(input))
    id_column = model.metadata.get("id_column")
    if not id_column or id_column not in preds.columns:  # no ids: the spreadsheet row
        preds.insert(0, "row", range(2, len(preds) + 2))
    preds["model_version"] = model.model_version
    result = PredictResult(preds, model.model_version, str(input))
    if out is not None:
        result.out = write_table(preds, out)
    return result


def write_table(frame: pd.DataFrame, out: str | Path) -> Path:
    """Parquet (default) or CSV (``.csv``), written atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        if out.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
    return out
