"""Previews of examples for the worksheet: image thumbnail, text snippet, or row values.

- images: a metadata column whose values are paths ending in an image extension → a
  ``data:image/png;base64,...`` thumbnail (at most 64 px) when the file can be read, else
  the path itself;
- text: a string column whose values average more than 30 characters → its first 80
  characters;
- tables: ``column=value`` pairs of the other metadata columns, ``; ``-separated.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pandas as pd

from yearn.display import format_cell

__all__ = ["detect_preview_kind", "make_previews"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
THUMBNAIL_PX = 64
SNIPPET_CHARS = 80


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def detect_preview_kind(frame: pd.DataFrame, columns: tuple[str, ...]) -> tuple[str, str | None]:
    """``("image", col)``, ``("text", col)`` or ``("table", None)``."""
    for c in columns:
        col = frame[c].dropna()
        if len(col) and _is_text(col):
            values = col.astype(str).str.lower()
            if values.str.endswith(IMAGE_SUFFIXES).mean() > 0.9:
                return "image", c
    for c in columns:
        col = frame[c].dropna()
        if len(col) and _is_text(col) and col.astype(str).str.len().mean() > 30:
            return "text", c
    return "table", None


def _thumbnail(path: str, base: Path | None) -> str:
    from PIL import Image

    p = Path(path)
    if not p.is_absolute() and base is not None:
        p = base / p
    try:
        with Image.open(p) as img:
            img = img.convert("L" if img.mode in ("L", "1", "I", "F") else "RGB")
            scale = THUMBNAIL_PX / max(img.size)
            size = (max(1, round(img.size[0] * scale)), max(1, round(img.size[1] * scale)))
            img = img.resize(size, Image.Resampling.NEAREST if scale > 1 else Image.Resampling.BOX)
            buf = io.BytesIO()
            img.save(buf, format="PNG")
    except (OSError, ValueError):
        return str(path)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def make_previews(
    frame: pd.DataFrame,
    metadata_columns: tuple[str, ...],
    *,
    preview_column: str | None = None,
    base_dir: Path | None = None,
) -> list[str]:
    """One preview string per row of ``frame``."""
    if preview_column is not None:
        kind = "image" if detect_preview_kind(frame, (preview_column,))[0] == "image" else "text"
        column: str | None = preview_column
    else:
        kind, column = detect_preview_kind(frame, metadata_columns)
    if kind == "image":
        return ["" if pd.isna(v) else _thumbnail(str(v), base_dir) for v in frame[column].tolist()]
    if kind == "text":
        out = []
        for v in frame[column].tolist():
            text = "" if pd.isna(v) else " ".join(str(v).split())
            out.append(text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…")
        return out
    cols = [c for c in metadata_columns if c != column]
    values = frame[cols].to_dict(orient="records") if cols else [{}] * len(frame)
    return ["; ".join(f"{k}={format_cell(v, 3)}" for k, v in row.items()) for row in values]
