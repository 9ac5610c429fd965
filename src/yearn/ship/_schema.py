"""The input schema of an exported model and the checks that turn a table into its inputs.

A schema is the list of columns the model was trained on, each ``numeric``, ``category``
or ``image``, with what training saw (categories, whether values were missing, the image
size). :func:`frame_to_inputs` checks a new table against it and returns the arrays the
ONNX graph takes; every problem is one :class:`~yearn.errors.DataError` line naming the
column and the (spreadsheet) row, and saying what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import DataError

__all__ = ["KINDS", "ColumnSpec", "Schema", "frame_to_inputs"]

KINDS = ("numeric", "category", "image")
#: The value a missing category becomes (as in ``yearn.prep``).
MISSING = "missing"


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its name, kind, and what training saw."""

    name: str
    kind: str
    nullable: bool = False
    categories: tuple[str, ...] = ()
    height: int | None = None
    width: int | None = None
    channels: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["categories"] = list(self.categories)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnSpec:
        if data.get("kind") not in KINDS:
            raise DataError(
                f"schema column {data.get('name')!r}: unknown kind {data.get('kind')!r}."
            )
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            nullable=bool(data.get("nullable", False)),
            categories=tuple(str(c) for c in data.get("categories") or ()),
            height=data.get("height"),
            width=data.get("width"),
            channels=data.get("channels"),
        )


@dataclass(frozen=True)
class Schema:
    """The columns an exported model reads, in the order its graph takes them.

    ``passthrough`` names columns that may be present and are carried or ignored (the id
    and label columns of the training data).
    """

    columns: tuple[ColumnSpec, ...]
    passthrough: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def of_kind(self, kind: str) -> list[ColumnSpec]:
        return [c for c in self.columns if c.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": [c.to_dict() for c in self.columns],
            "passthrough": list(self.passthrough),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        return cls(
            tuple(ColumnSpec.from_dict(c) for c in data.get("columns", [])),
            tuple(data.get("passthrough", [])),
        )

    def __iter__(self):
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)


def _row(i: int) -> int:
    """Spreadsheet row of the ``i``-th data row (the header is row 1)."""
    return int(i) + 2


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…'"


def _list(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(map(str, names[:limit]))
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def check_columns(frame: pd.DataFrame, schema: Schema, *, allow_extra: bool, where: str) -> None:
    """Missing or unexpected columns, as one line."""
    missing = [c for c in schema.names if c not in frame.columns]
    if missing:
        raise DataError(
            f"{where}: column(s) {_list(missing)} missing; the model was trained on "
            f"{_list(schema.names)} — add them (same names as in training)."
        )
    known = set(schema.names) | set(schema.passthrough)
    extra = [str(c) for c in frame.columns if c not in known]
    if extra and not allow_extra:
        raise DataError(
            f"{where}: column(s) {_list(extra)} were not seen in training; drop them, or "
            "allow them (--ignore-extra / allow_extra=True) to pass them through unused."
        )


def _numbers(frame: pd.DataFrame, spec: ColumnSpec, where: str) -> np.ndarray:
    col = frame[spec.name]
    if pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col):
        raise DataError(
            f"{where}: column {spec.name!r} holds dates; the model takes numbers there — "
            "give the same numeric values as in training."
        )
    if pd.api.types.is_bool_dtype(col):
        col = col.astype(float)
    if pd.api.types.is_numeric_dtype(col):  # already numbers: nothing to parse
        values = col
        bad = np.zeros(len(col), dtype=bool)
    else:
        values = pd.to_numeric(col, errors="coerce")
        bad = (values.isna() & col.notna() & (col.astype(str).str.strip() != "")).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: column {spec.name!r}, row {_row(i)}: {_quote(col.iloc[i])} is not a "
            "number; fix the value (the model was trained on numbers in this column)."
        )
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = ~np.isfinite(arr)
    if missing.any() and not spec.nullable:
        i = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"{where}: column {spec.name!r}, row {_row(i)}: the value is missing (or "
            "infinite) but training had no missing values in this column; fill it in or "
            "drop the row."
        )
    return arr


def _category_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _categories(frame: pd.DataFrame, spec: ColumnSpec, where: str) -> np.ndarray:
    col = frame[spec.name]
    known = set(spec.categories)
    out = np.empty(len(col), dtype=object)
    for i, value in enumerate(col.tolist()):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            if not spec.nullable:
                raise DataError(
                    f"{where}: column {spec.name!r}, row {_row(i)}: the value is missing but "
                    "training had no missing values in this column; fill it in (one of "
                    f"{_list(list(spec.categories))}) or drop the row."
                )
            out[i] = MISSING
            continue
        text = _category_text(value)
        if text not in known:
            raise DataError(
                f"{where}: column {spec.name!r}, row {_row(i)}: category {_quote(text)} was "
                f"never seen in training (known: {_list(list(spec.categories))}); map it to "
                "a known category or retrain with such examples."
            )
        out[i] = text
    return out


def _image_arrays(values: list[np.ndarray], spec: ColumnSpec, where: str) -> np.ndarray:
    """Decoded images (yearn.serve): each a float32 (C, H, W) array in [0, 1]."""
    want = (spec.channels, spec.height, spec.width)
    for i, arr in enumerate(values):
        if arr.shape != want or not np.isfinite(arr).all():
            raise DataError(
                f"{where}: column {spec.name!r}, row {_row(i)}: a decoded image must be a "
                f"finite array of shape {want} (channels, height, width); got {arr.shape}."
            )
    return np.ascontiguousarray(np.stack(values), dtype=np.float32)


def _images(frame: pd.DataFrame, spec: ColumnSpec, where: str, base_dir: Path | None) -> np.ndarray:
    from yearn.data import load_images

    values = frame[spec.name].tolist()
    if values and all(isinstance(v, np.ndarray) for v in values):
        return _image_arrays(values, spec, where)
    paths: list[Path] = []
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == "":
            raise DataError(
                f"{where}: column {spec.name!r}, row {_row(i)}: no image path; give the path "
                "of an image file."
            )
        path = Path(str(value))
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            raise DataError(
                f"{where}: column {spec.name!r}, row {_row(i)}: image file {str(path)!r} does "
                "not exist; fix the path (relative paths start at the input file's folder)."
            )
        paths.append(path)
    grayscale = spec.channels == 1
    arrays = []
    for i, path in enumerate(paths):
        try:
            img = load_images([path], grayscale=grayscale, workers=1)
        except DataError as exc:
            raise DataError(
                f"{where}: column {spec.name!r}, row {_row(i)}: cannot decode image "
                f"{str(path)!r} ({str(exc).splitlines()[0][:120]}); replace or remove the file."
            ) from None
        h, w = img.shape[2], img.shape[3]
        if (h, w) != (spec.height, spec.width):
            raise DataError(
                f"{where}: column {spec.name!r}, row {_row(i)}: image {path.name!r} is "
                f"{h}x{w} but the model takes {spec.height}x{spec.width} (height x width); "
                "resize it as the training images were."
            )
        arrays.append(img[0])
    if not arrays:
        return np.zeros((0, spec.channels or 1, spec.height or 0, spec.width or 0), np.float32)
    return np.ascontiguousarray(np.stack(arrays), dtype=np.float32)


def frame_to_inputs(
    frame: Any,
    schema: Schema,
    *,
    allow_extra: bool = False,
    base_dir: str | Path | None = None,
    where: str = "input",
) -> dict[str, np.ndarray]:
    """Check ``frame`` against ``schema``; the graph's inputs ``numeric`` (float64, NaN for
    missing), ``categorical`` (strings) and/or ``image`` (float32 N×C×H×W in [0, 1])."""
    if hasattr(frame, "to_pandas") and not isinstance(frame, pd.DataFrame):
        frame = frame.to_pandas()
    if not isinstance(frame, pd.DataFrame):
        raise DataError(
            f"{where}: expected a table (pandas DataFrame) with named columns; got "
            f"{type(frame).__name__}."
        )
    if len(frame) == 0:
        raise DataError(f"{where}: the table has no rows; give at least one row to predict.")
    check_columns(frame, schema, allow_extra=allow_extra, where=where)
    inputs: dict[str, np.ndarray] = {}
    numeric = schema.of_kind("numeric")
    if numeric:
        inputs["numeric"] = np.column_stack([_numbers(frame, s, where) for s in numeric]).astype(
            np.float64
        )
    categorical = schema.of_kind("category")
    if categorical:
        inputs["categorical"] = np.column_stack(
            [_categories(frame, s, where) for s in categorical]
        ).astype(object)
    images = schema.of_kind("image")
    if images:
        base = Path(base_dir) if base_dir is not None else None
        inputs["image"] = _images(frame, images[0], where, base)
    return inputs
