"""Invalid requests: the 4xx answer naming the field and the fix, and the JSON body parser
shared by both lanes of ``POST /predict`` (the plain ASGI one and FastAPI's)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from yearn.serve._schema import Column

__all__ = ["Invalid", "error_payload", "invalid", "parse_json_rows"]


class Invalid(Exception):
    """A request that fails validation: FastAPI-style ``detail`` entries."""

    def __init__(self, detail: list[dict[str, Any]], status: int = 422) -> None:
        super().__init__(detail[0]["msg"] if detail else "invalid request")
        self.detail, self.status = detail, status


def invalid(loc: list[Any], msg: str, kind: str, fix: str, status: int = 422) -> Invalid:
    return Invalid([{"loc": loc, "msg": msg, "type": kind, "fix": fix}], status=status)


def error_payload(exc: Invalid) -> dict[str, Any]:
    """The body of a 4xx answer: ``error`` (where, what, the fix) and every ``detail``."""
    first = exc.detail[0] if exc.detail else {"loc": [], "msg": str(exc), "fix": ""}
    where = ".".join(str(p) for p in first["loc"]) or "body"
    summary = f"{where}: {first['msg']}" + (f"; {first['fix']}" if first.get("fix") else "")
    return {"error": summary, "detail": exc.detail}


def fix_for(err: dict[str, Any], columns: dict[str, Column]) -> str:
    """The one-line fix for one pydantic error."""
    loc = [p for p in err.get("loc", ()) if isinstance(p, str) and p != "rows"]
    name = loc[-1] if loc else None
    col = columns.get(name) if name else None
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return f"remove {name!r}: the model's inputs are {', '.join(columns)}"
    if kind == "missing" and col is None and name is not None:
        return f"add {name!r}"
    if col is None:
        return 'send {"rows": [{...}, ...]} or one row {...} with the model\'s inputs'
    if kind == "missing":
        return f"add {col.name!r} ({col.kind}" + (", may be null)" if col.nullable else ")")
    if col.kind == "category":
        shown = ", ".join(repr(c) for c in col.categories[:20])
        more = " ..." if len(col.categories) > 20 else ""
        return f"send one of {shown}{more}" + (" or null" if col.nullable else "")
    if col.kind == "numeric":
        if col.nullable:
            return "send a finite number of magnitude at most 1e38, or null"
        return "send a finite number of magnitude at most 1e38 (never null: training had none)"
    return "send the image file base64-encoded (PNG or JPEG)"


def validation_detail(
    exc: ValidationError, columns: dict[str, Column], prefix: Sequence[Any]
) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = [*prefix, *err.get("loc", ())]
        out.append(
            {
                "loc": loc,
                "msg": err.get("msg", "invalid"),
                "type": err.get("type", "invalid"),
                "fix": fix_for(err, columns),
            }
        )
    return out


def parse_json_rows(
    raw: bytes,
    row_model: type[BaseModel],
    request_model: type[BaseModel],
    columns: dict[str, Column],
) -> list[dict[str, Any]]:
    """A JSON body (one row ``{...}`` or ``{"rows": [...]}``) → validated rows keyed by
    schema name; :class:`Invalid` (422) naming the field and the fix otherwise."""
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise invalid(
            ["body"],
            f"not valid JSON ({exc})",
            "json_invalid",
            'send a JSON object: one row {...} or {"rows": [...]}',
        ) from None
    many = isinstance(body, dict) and "rows" in body and "rows" not in columns
    try:
        if many:
            rows = request_model.model_validate(body).rows  # type: ignore[attr-defined]
            return [r.model_dump(by_alias=True) for r in rows]
        return [row_model.model_validate(body).model_dump(by_alias=True)]
    except ValidationError as exc:
        raise Invalid(validation_detail(exc, columns, ["body"])) from None
