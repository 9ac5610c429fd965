"""The REST API over an exported model: ``POST /predict``, ``GET /health``, ``GET /metadata``.

Written against a small protocol (``metadata``, ``schema``, ``predict_frame``) that
``yearn.ship.load_exported`` satisfies. Bad input is answered 413/415/422 with the field and
the fix, never 500; no endpoint reads a file named by the request (the web page's files, when
served, are read into memory at start-up).
"""

from __future__ import annotations

import gc
import itertools
import json
import math
import os
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from fastapi import Request
from pydantic import ValidationError

from yearn.errors import DataError, YearnError
from yearn.serve._batcher import MicroBatcher
from yearn.serve._invalid import (
    Invalid,
    error_payload,
    invalid,
    parse_json_rows,
    validation_detail,
)
from yearn.serve._lane import PredictLane, ServeApp
from yearn.serve._limits import BodyLimit, PayloadTooLarge
from yearn.serve._log import RequestLog
from yearn.serve._schema import (
    FLOAT_LIMIT,
    Column,
    columns_of,
    decode_image,
    request_models,
    rows_to_frame,
)

__all__ = ["LOOPBACK_NAMES", "ServableModel", "create_app"]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]", "testserver")
METADATA_KEYS = ("run_id", "model_version", "task", "classes", "threshold", "metric", "fingerprint")


@runtime_checkable
class ServableModel(Protocol):
    """What the server needs of a model (``yearn.ship.ExportedModel`` has it)."""

    metadata: dict[str, Any]
    schema: Any

    def predict_frame(self, frame: pd.DataFrame) -> pd.DataFrame: ...


def _plain(value: Any) -> Any:
    """JSON-safe: NaN/inf → None, numpy scalars → Python."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def create_app(
    model: ServableModel,
    *,
    max_batch: int = 64,
    max_wait_ms: float = 5.0,
    request_log: RequestLog | None = None,
    max_body_bytes: int = 2 * 1024 * 1024,
    max_rows: int = 1000,
    web_files: dict[str, tuple[bytes, str]] | None = None,
    allowed_hosts: list[str] | None = None,
    freeze_heap: bool = False,
) -> Any:
    """The FastAPI app serving ``model``.

    ``request_log`` receives every predicted row before its answer is sent (one write for
    all the batches finished meanwhile; fsynced first or in the background, as its ``sync``
    mode says); ``web_files`` maps names to
    ``(content, media type)`` served under ``/web/`` (``yearn serve --web``);
    ``allowed_hosts`` are the ``Host`` header values accepted (default: loopback names).
    ``freeze_heap``: at start-up, move every object then alive out of the garbage
    collector's reach (``gc.freeze``), so that a full collection walks only what requests
    allocate, not the whole heap of pandas, pyarrow and onnxruntime (100-250 ms pauses
    otherwise, measured); for a process that does nothing but serve (``yearn serve``).
    """
    from fastapi.responses import JSONResponse, RedirectResponse, Response
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    columns = columns_of(model.schema)
    by_name = {c.name: c for c in columns}
    meta = dict(model.metadata or {})
    version = str(meta.get("model_version") or meta.get("run_id") or "unknown")
    threshold = _plain(meta.get("threshold"))
    Row, PredictRequest = request_models(columns, max_rows=max_rows)
    hosts = allowed_hosts or list(LOOPBACK_NAMES)
    # request ids: 32 hex digits, a random prefix per app and a counter (cheaper than uuid4)
    id_prefix, id_counter = os.urandom(10).hex(), itertools.count()

    def predict_rows(rows: list[dict[str, Any]], metas: list[dict[str, Any]]):
        frame = rows_to_frame(columns, rows)  # one frame per batch, not per request
        out = model.predict_frame(frame)
        if "pred" not in out.columns or len(out) != len(frame):
            raise RuntimeError(
                "the model's predict_frame must return one row with 'pred' per input"
            )
        return frame, out, [_prediction(rec) for rec in out.to_dict("records")]

    def run_batch(rows: list[dict[str, Any]], metas: list[dict[str, Any]]) -> list[dict]:
        return predict_rows(rows, metas)[2]

    def run_logged_batch(rows: list[dict[str, Any]], metas: list[dict[str, Any]]):
        frame, out, predictions = predict_rows(rows, metas)
        now = time.perf_counter()
        ids = [m["request_id"] for m in metas for _ in range(m["rows"])]
        lat = [(now - m["arrived"]) * 1000.0 for m in metas for _ in range(m["rows"])]
        return predictions, (frame, out, ids, lat)

    def commit(records: list[tuple[Any, ...]]) -> None:
        assert request_log is not None
        request_log.append_tables([request_log.table(*r, version) for r in records])

    if request_log is None:
        batcher = MicroBatcher(run_batch, max_batch=max_batch, max_wait_ms=max_wait_ms)
    else:
        batcher = MicroBatcher(
            run_logged_batch, max_batch=max_batch, max_wait_ms=max_wait_ms, commit=commit
        )

    @asynccontextmanager
    async def lifespan(app: Any):
        await batcher.start()
        if freeze_heap:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            await batcher.stop()
            if request_log is not None:
                request_log.close()

    app = ServeApp(
        title=f"yearn model {version}",
        version=version,
        description=(
            f"Predictions of the exported model {version} ({meta.get('task', 'unknown task')}). "
            'POST one row or {"rows": [...]} to /predict.'
        ),
        lifespan=lifespan,
    )
    app.state.batcher = batcher
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)

    @app.exception_handler(Invalid)
    async def _on_invalid(request: Request, exc: Invalid):
        return JSONResponse(error_payload(exc), status_code=exc.status)

    @app.exception_handler(YearnError)
    async def _on_yearn_error(request: Request, exc: YearnError):
        return JSONResponse({"error": str(exc)}, status_code=422)

    @app.exception_handler(PayloadTooLarge)
    async def _too_large(request: Request, exc: PayloadTooLarge):
        return JSONResponse({"error": str(exc)}, status_code=413)

    row_schema = Row.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    req_schema = PredictRequest.model_json_schema(
        by_alias=True, ref_template="#/components/schemas/{model}"
    )
    multipart_props = {c.name: _form_field(c) for c in columns}
    body_spec = {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/PredictRequest"},
                            {"$ref": "#/components/schemas/Row"},
                        ]
                    }
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": multipart_props,
                        "additionalProperties": False,
                        "required": [c.name for c in columns if not c.nullable],
                    }
                },
            },
        },
        "responses": {
            "400": {"description": "A malformed multipart body (or a foreign Host header)."},
            "422": {"description": "Invalid input: `error` names the field and the fix."},
            "413": {"description": "The body is larger than the server's limit."},
            "415": {"description": "Send application/json or multipart/form-data."},
        },
    }

    def parse_json(raw: bytes) -> list[dict[str, Any]]:
        rows = parse_json_rows(raw, Row, PredictRequest, by_name)
        _decode_images(rows)
        return rows

    async def _parse(request: Request) -> list[dict[str, Any]]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "multipart/form-data":
            return [await _parse_form(request)]
        if ctype not in ("application/json", ""):
            raise invalid(
                ["header", "content-type"],
                f"unsupported content type {ctype!r}",
                "content_type",
                "send application/json or multipart/form-data",
                status=415,
            )
        return parse_json(await request.body())

    async def _form_values(form: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, value in form.multi_items():
            if key not in by_name:
                raise invalid(
                    ["body", key],
                    "unknown field",
                    "extra_forbidden",
                    f"the model's inputs are {', '.join(by_name)}",
                )
            col = by_name[key]
            if hasattr(value, "read"):  # an uploaded file
                if col.kind != "image":
                    raise invalid(
                        ["body", key],
                        "a file for a non-image field",
                        "type_error",
                        f"send {key} as text",
                    )
                values[key] = decode_image(await value.read(), col)
            else:  # text; an image as base64 (decoded below); a missing value: omit the field
                values[key] = _form_number(value) if col.kind == "numeric" else value
        return values

    async def _parse_form(request: Request) -> dict[str, Any]:
        async with request.form(max_files=len(columns), max_fields=len(columns) + 1) as form:
            values = await _form_values(form)
        arrays = {k: v for k, v in values.items() if isinstance(v, np.ndarray)}
        check = {k: ("" if k in arrays else v) for k, v in values.items()}
        try:
            row = Row.model_validate(check).model_dump(by_alias=True)
        except ValidationError as exc:
            raise Invalid(validation_detail(exc, by_name, ["body"])) from None
        row.update(arrays)
        return row

    def _decode_images(rows: list[dict[str, Any]]) -> None:
        for i, row in enumerate(rows):
            for col in columns:
                value = row.get(col.name)
                if col.kind == "image" and isinstance(value, str):
                    try:
                        row[col.name] = decode_image(value, col)
                    except DataError as exc:
                        raise invalid(
                            ["body", "rows", i, col.name],
                            str(exc),
                            "image_invalid",
                            "send a PNG or JPEG file base64-encoded",
                        ) from None

    async def answer(rows: list[dict[str, Any]], arrived: float) -> tuple[int, dict, str | None]:
        """Predict validated rows (through the batcher): ``(status, payload, request_id)``."""
        request_id = f"{id_prefix}{next(id_counter):012x}"
        try:
            predictions, info = await batcher.submit(
                rows, {"request_id": request_id, "rows": len(rows), "arrived": arrived}
            )
        except YearnError as exc:  # the model's own input validation
            bad = invalid(["body"], str(exc), "value_error", "see the message")
            return bad.status, error_payload(bad), None
        payload = {
            "request_id": request_id,
            "model_version": version,
            "threshold": threshold,
            "predictions": predictions,
            "batch_size": info.size,
        }
        return 200, payload, request_id

    @app.post(
        "/predict",
        summary="Predict one row or many",
        openapi_extra=body_spec,
        responses={200: {"description": "One prediction per row, in order."}},
    )
    async def predict(request: Request) -> Any:
        arrived = time.perf_counter()
        batcher.arriving += 1  # the batch being gathered may wait for this one
        try:
            rows = await _parse(request)
        finally:
            batcher.arriving -= 1
        status, payload, request_id = await answer(rows, arrived)
        headers = {"x-request-id": request_id} if request_id else None
        return JSONResponse(payload, status_code=status, headers=headers)

    # ordinary JSON requests skip FastAPI's stack (same parser, same answers): _lane.py
    app.predict_lane = PredictLane(
        parse=parse_json,
        answer=answer,
        batcher=batcher,
        allowed_hosts=hosts,
        max_body_bytes=max_body_bytes,
    )

    def log_health() -> dict[str, Any]:
        if request_log is None:
            return {"log_sync": None}
        out: dict[str, Any] = {"log_sync": request_log.sync, "log_survives": request_log.survives}
        if request_log.sync_error is not None:
            out["log_sync_error"] = request_log.sync_error
        return out

    @app.get("/health", summary="Liveness and counters")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "model_version": version,
            "batches": batcher.batches,
            "rows": batcher.rows,
            "log_writes": batcher.commits,
            **log_health(),
        }

    @app.get("/metadata", summary="The model's version, metric, threshold and fingerprint")
    async def metadata() -> dict[str, Any]:
        out = {k: meta.get(k) for k in METADATA_KEYS}
        out["model_version"] = version
        out["inputs"] = [{k: v for k, v in vars(c).items() if v not in (None, ())} for c in columns]
        return json.loads(json.dumps(out, default=_plain_default))

    if web_files:

        @app.get("/", include_in_schema=False)
        async def root() -> Any:
            return RedirectResponse("/web/")

        @app.get("/web/", include_in_schema=False)
        @app.get("/web/{name}", include_in_schema=False)
        async def web(name: str = "index.html") -> Any:
            if name not in web_files:
                return JSONResponse({"error": f"no such file {name!r}"}, status_code=404)
            content, media = web_files[name]
            return Response(content, media_type=media)

    app.openapi_schema = None
    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original_openapi()
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            defs = {**row_schema.pop("$defs", {}), **req_schema.pop("$defs", {})}
            comps.update(defs)
            comps["Row"] = row_schema
            comps["PredictRequest"] = req_schema
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    return app


def _form_number(text: str) -> Any:
    """A form field is text: a number's text becomes the number (anything else is left for
    the request model to refuse with its message)."""
    try:
        return float(text)
    except ValueError:
        return text


def _form_field(col: Column) -> dict[str, Any]:
    """The multipart/form-data schema of one input (images as files)."""
    if col.kind == "image":
        return {"type": "string", "format": "binary"}
    if col.kind == "category":
        return {"type": "string", "enum": list(col.categories)}
    return {"type": "number", "minimum": -FLOAT_LIMIT, "maximum": FLOAT_LIMIT}


def _prediction(rec: dict[str, Any]) -> dict[str, Any]:
    """One output row → ``{"pred": ..., "proba": {class: p}}`` (multi-label: ``pred`` maps
    each task to 0/1)."""
    item: dict[str, Any] = {}
    for key, value in rec.items():
        key = str(key)
        if key == "pred":
            item["pred"] = _plain(value)
        elif key.startswith("pred:"):
            item.setdefault("pred", {})[key[5:]] = _plain(value)
        elif key.startswith("proba:"):
            item.setdefault("proba", {})[key[6:]] = _plain(value)
    return item


def _plain_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def load_web_files(folder: str | Path) -> dict[str, tuple[bytes, str]]:
    """The files of a web bundle (``yearn export --target web``) read into memory."""
    import mimetypes

    folder = Path(folder)
    if not (folder / "index.html").is_file():
        raise DataError(f"{folder} has no index.html; build it with yearn export --target web.")
    types = {
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".onnx": "application/octet-stream",
        ".json": "application/json",
    }
    out = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            media = (
                types.get(path.suffix)
                or mimetypes.guess_type(path.name)[0]
                or "application/octet-stream"
            )
            out[path.name] = (path.read_bytes(), media)
    return out
