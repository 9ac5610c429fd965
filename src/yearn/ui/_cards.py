"""The cards of the error-analysis page, built from a worksheet."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import quote

__all__ = ["card_records", "tag_palette"]

DEFAULT_TAGS = ("mislabeled", "blurry", "ambiguous")


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def card_records(view: Any, sheet: Any) -> list[dict[str, Any]]:
    """One dict per worksheet row: id, label, pred, confidence, correct, preview, metadata,
    tags, suggested tags, comment. ``preview`` is ``{"kind": "image", "src": url}`` (an
    image served by the dashboard, or the worksheet's own thumbnail) or
    ``{"kind": "text", "text": ...}``."""
    column = view.image_column(sheet)
    images = view.sheet_images(sheet)
    out = []
    for row in sheet.to_records():
        preview: dict[str, Any]
        thumb = str(row.get("preview") or "")
        served = images.get(str(row["id"]))
        if served is not None:
            preview = {"kind": "image", "path": served}
        elif thumb.startswith("data:image/"):
            preview = {"kind": "image", "src": thumb}
        else:
            preview = {"kind": "text", "text": thumb}
        meta = {k: _plain(row[k]) for k in sheet.metadata_columns if k != column and k in row}
        conf = _plain(row.get("confidence"))
        out.append(
            {
                "id": str(row["id"]),
                "split": row.get("split", ""),
                "label": str(row.get("label", "")),
                "pred": str(row.get("pred", "")),
                "confidence": conf if isinstance(conf, int | float) else None,
                "correct": bool(_plain(row.get("correct"))) if "correct" in row else None,
                "preview": preview,
                "image": row[column] if column else served,
                "metadata": meta,
                "tags": row["tags"],
                "suggested_tags": row["suggested_tags"],
                "comment": "" if row.get("comment") is None else str(row.get("comment")),
            }
        )
    return out


def image_src(run_id: str, card: dict[str, Any]) -> str:
    """The ``src`` of a card's image."""
    preview = card["preview"]
    if "path" in preview:
        return f"/runs/{quote(run_id)}/files/{quote(preview['path'])}"
    return preview.get("src", "")


def tag_palette(sheet: Any) -> list[str]:
    """Tags offered on the page, in a stable order (the first nine get the keys 1–9):
    common defaults, then suggested tags, then tags in use, each in order of appearance."""
    out = list(DEFAULT_TAGS)
    for column in ("suggested_tags", "tags"):
        for tags in sheet.tag_lists(column):
            out += [t for t in tags if t not in out]
    return out
