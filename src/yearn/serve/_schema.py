"""The input schema of a served model → a pydantic request model and a DataFrame.

A schema is the exported model's list of input columns (``yearn.ship``'s contract): each
has a ``name``, a ``kind`` (``numeric``, ``category`` or ``image``), ``categories``
(category), ``nullable``, and ``height`` / ``width`` / ``channels`` (image). Objects or
dicts are accepted.
"""

from __future__ import annotations

import base64
import binascii
import io
import keyword
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from yearn.errors import DataError

__all__ = ["Column", "columns_of", "decode_image", "request_models", "rows_to_frame"]

KINDS = ("numeric", "category", "image")
#: Largest magnitude a numeric input may have (float32 holds up to about 3.4e38).
FLOAT_LIMIT = 1e38


@dataclass(frozen=True)
class Column:
    """One input column of a served model."""

    name: str
    kind: str
    nullable: bool = False
    categories: tuple[str, ...] = field(default_factory=tuple)
    height: int | None = None
    width: int | None = None
    channels: int | None = None


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def columns_of(schema: Any) -> list[Column]:
    """The schema's columns as :class:`Column`; a one-line error for a malformed schema."""
    items = _get(schema, "columns", schema) if not isinstance(schema, list) else schema
    if isinstance(items, dict):  # {name: spec}
        items = [{"name": k, **dict(v)} for k, v in items.items()]
    out: list[Column] = []
    for i, item in enumerate(items or []):
        name, kind = _get(item, "name"), _get(item, "kind")
        if not isinstance(name, str) or not name:
            raise DataError(f"schema column {i} has no name; re-export the model (yearn export).")
        if kind not in KINDS:
            raise DataError(
                f"schema column {name!r} has kind {kind!r}; expected one of {', '.join(KINDS)}."
            )
        cats = tuple(str(c) for c in (_get(item, "categories") or ()))
        if kind == "category" and not cats:
            raise DataError(f"schema column {name!r} is a category without categories.")
        dims = [_get(item, k) for k in ("height", "width", "channels")]
        if kind == "image" and not all(isinstance(d, int) and d > 0 for d in dims):
            raise DataError(
                f"schema column {name!r} is an image without height, width and channels."
            )
        out.append(
            Column(
                name=name,
                kind=kind,
                nullable=bool(_get(item, "nullable", False)),
                categories=cats,
                height=dims[0] if kind == "image" else None,
                width=dims[1] if kind == "image" else None,
                channels=dims[2] if kind == "image" else None,
            )
        )
    if not out:
        raise DataError("the model's schema has no input columns; re-export it (yearn export).")
    return out


def _category_text(value: Any) -> Any:
    """Numbers sent for a category become their text (``3`` and ``3.0`` → ``"3"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value


def _field_type(col: Column) -> Any:
    if col.kind == "numeric":
        # finite and inside float32's range (the graphs compute in float32)
        # strict: a JSON number only (true/false or "1.5" are refused, as the OpenAPI schema says)
        kind: Any = Annotated[
            float, Field(strict=True, allow_inf_nan=False, ge=-FLOAT_LIMIT, le=FLOAT_LIMIT)
        ]
    elif col.kind == "category":
        kind = Annotated[Literal[col.categories], BeforeValidator(_category_text)]  # type: ignore[valid-type]
    else:
        kind = Annotated[
            str,
            Field(
                description=(
                    f"the image as base64 (PNG or JPEG); resized to "
                    f"{col.height}x{col.width}, {col.channels} channel(s)"
                ),
                max_length=16 * 1024 * 1024,
            ),
        ]
    return kind | None if col.nullable else kind


def _python_name(name: str, taken: set[str]) -> str:
    base = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "col"
    if base[0].isdigit() or keyword.iskeyword(base) or base.startswith("_"):
        base = f"f_{base.lstrip('_')}"
    candidate, k = base, 1
    while candidate in taken or candidate in {"model_config", "model_fields"}:
        candidate, k = f"{base}_{k}", k + 1
    taken.add(candidate)
    return candidate


def request_models(
    columns: Sequence[Column], *, max_rows: int = 1000
) -> tuple[type[BaseModel], type[BaseModel]]:
    """``(Row, Request)``: one row of inputs, and a request holding ``rows``.

    Field names are the schema names (aliases when not Python identifiers); unknown fields
    are refused so that a misspelled column is named in the 422.
    """
    taken: set[str] = set()
    fields: dict[str, Any] = {}
    for col in columns:
        default = None if col.nullable else ...
        fields[_python_name(col.name, taken)] = (
            _field_type(col),
            Field(default, alias=col.name, serialization_alias=col.name),
        )
    row = create_model(
        "Row",
        __config__=ConfigDict(extra="forbid", populate_by_name=False),
        **fields,
    )
    request = create_model(
        "PredictRequest",
        __config__=ConfigDict(extra="forbid"),
        rows=(list[row], Field(..., min_length=1, max_length=max_rows)),  # type: ignore[valid-type]
    )
    return row, request


def decode_image(data: bytes | str, col: Column) -> np.ndarray:
    """Image bytes (or base64 text) → float32 ``(C, H, W)`` in [0, 1], resized to the schema."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(data, str):
        text = data.split(",", 1)[1] if data.startswith("data:") else data
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise DataError(
                f"field {col.name!r}: not valid base64; send the image file's bytes "
                "base64-encoded (or use multipart/form-data)."
            ) from None
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            mode = "L" if col.channels == 1 else "RGB"
            img = img.convert(mode)
            if img.size != (col.width, col.height):
                img = img.resize((col.width, col.height), Image.Resampling.BILINEAR)
            arr = np.asarray(img, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise DataError(
            f"field {col.name!r}: the bytes are not an image PIL can decode; send a PNG or JPEG."
        ) from None
    return arr[None] if arr.ndim == 2 else np.ascontiguousarray(arr.transpose(2, 0, 1))


def rows_to_frame(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Validated rows (dicts keyed by schema name) → the frame ``predict_frame`` takes:
    numbers as float64 (NaN when null), categories as text (None when null), images as
    float32 (C, H, W) arrays."""
    rows = list(rows)
    data: dict[str, Any] = {}
    for col in columns:
        values = [r.get(col.name) for r in rows]
        if col.kind == "numeric":
            data[col.name] = np.array([np.nan if v is None else v for v in values], np.float64)
        elif col.kind == "category":
            data[col.name] = np.array(values, dtype=object)
        else:
            cells = np.empty(len(values), dtype=object)
            for i, v in enumerate(values):
                cells[i] = v if v is None or isinstance(v, np.ndarray) else decode_image(v, col)
            data[col.name] = cells
    return pd.DataFrame(data, columns=[c.name for c in columns], copy=False)
