"""The dashboard's FastAPI application: pages (Jinja2) and a small JSON API.

Pages: ``/`` runs list, ``/curves?run=A&run=B`` overlaid curves, ``/runs/{id}`` a run and
its diagnosis, ``/runs/{id}/errors`` the error-analysis (tagging) page. JSON:
``/api/runs``, ``/api/runs/{id}``, ``/api/curves``, ``/api/runs/{id}/examples``,
``GET|PUT /api/runs/{id}/examples/{example_id}/tags``, ``POST /api/runs/{id}/worksheet``.
Files: ``/static/...`` (the package's own) and ``/runs/{id}/files/{path}`` (images that the
run's worksheet refers to, inside the project folder only).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from yearn.errors import DataError, StoreError, YearnError
from yearn.paths import PREDICTIONS_ARTIFACT
from yearn.ui._cards import card_records, tag_palette
from yearn.ui._charts import build_charts
from yearn.ui._guard import WriteGuard, new_session_token
from yearn.ui._project import DashboardProject, Forbidden, NotFound

__all__ = ["create_app"]

HERE = Path(__file__).parent
MAX_BODY = 64 * 1024
MAX_TAGS = 50
#: The only names the Host header may carry by default (tests name their client explicitly).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"}


class BadRequest(YearnError):
    """A malformed request (HTTP 400/413/422)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def _status(exc: Exception) -> int:
    if isinstance(exc, BadRequest):
        return exc.status
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, DataError):
        return 422
    return 400


def _parse_tags(body: bytes) -> list[str]:
    if len(body) > MAX_BODY:
        raise BadRequest(f"request body of {len(body)} bytes is over {MAX_BODY} bytes.", 413)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f'body is not JSON ({exc}); send {{"tags": ["blurry"]}}.', 400) from None
    if not isinstance(payload, dict) or "tags" not in payload:
        raise BadRequest('send a JSON object with a "tags" list, e.g. {"tags": ["blurry"]}.')
    tags = payload["tags"]
    if isinstance(tags, str):
        from yearn.erroranalysis import parse_tag_cell

        return parse_tag_cell(tags, where="tags")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise BadRequest(f'"tags" must be a list of strings; got {json.dumps(tags)[:80]}.')
    if len(tags) > MAX_TAGS:
        raise BadRequest(f"{len(tags)} tags for one example; at most {MAX_TAGS}.")
    from yearn.erroranalysis import check_tag

    for t in tags:
        if any(bad in t for bad in (";", ",", "|", "\n")):
            raise BadRequest(f"tag {t!r} contains a separator; send each tag as its own string.")
        check_tag(t, where="tags")
    return tags


def create_app(
    project_root: str | Path,
    *,
    store_url: str | None = None,
    worksheet: str | Path | None = None,
    allowed_hosts: list[str] | None = None,
) -> FastAPI:
    """The dashboard of the project at ``project_root`` as a FastAPI app.

    ``allowed_hosts`` are the names the ``Host`` header may carry (default: this machine's
    loopback names, which also keeps DNS-rebinding pages out); ``["*"]`` allows any.
    Writes go through :class:`~yearn.ui._guard.WriteGuard`: same origin only, JSON for the
    API, the session's form token for forms, bodies cut off at the size limit.
    """
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    view = DashboardProject(project_root, store_url=store_url, worksheet=worksheet)
    app = FastAPI(title="yearn dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    token = new_session_token()
    app.add_middleware(WriteGuard, token=token, max_body=MAX_BODY)
    # added last, so it runs first: a foreign Host never reaches the write checks
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or list(LOOPBACK_NAMES))
    app.state.view = view
    app.state.form_token = token
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["project"] = view.root.name
    templates.env.globals["form_token"] = token
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def page(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=code)

    @app.exception_handler(YearnError)
    async def _yearn_error(request: Request, exc: YearnError):
        status = _status(exc)
        if request.url.path.startswith(("/api/", "/static/")) or "/files/" in request.url.path:
            return JSONResponse({"error": str(exc)}, status_code=status)
        return page(request, "error.html", status, message=str(exc), status=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        message = "not found" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse({"error": f"{request.url.path}: {message}"}, exc.status_code)

    # -- pages -----------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def runs_page(request: Request):
        runs = view.runs()
        keys: list[str] = []
        for r in runs:
            for k in r.metrics:
                if k not in keys and len(keys) < 4:
                    keys.append(k)
        return page(request, "runs.html", runs=runs, keys=keys, has_store=view.has_store())

    @app.get("/curves", response_class=HTMLResponse)
    def curves_page(request: Request, run: list[str] | None = Query(None)):
        runs = {r.id: r for r in view.runs()}
        chosen = [view.run(rid).id for rid in (run or [])]
        chosen = chosen or [r.id for r in runs.values() if r.epochs][:5]
        names = {rid: runs[rid].name for rid in chosen if rid in runs}
        charts = build_charts(view.curves(list(names)), names) if names else []
        return page(request, "curves.html", charts=charts, chosen=names, runs=runs.values())

    @app.get("/monitoring", response_class=HTMLResponse)
    def monitoring_page(request: Request):
        from yearn.monitor import monitoring_html
        from yearn.project import Project

        html = monitoring_html(Project(view.root, store_url=store_url))
        return page(request, "monitoring.html", body=Markup(html) if html else None)

    @app.get("/tuning", response_class=HTMLResponse)
    def tuning_page(request: Request):
        result = view.tune_result()
        html = Markup(result._repr_html_()) if result is not None else None
        return page(request, "tuning.html", body=html)

    @app.get("/e2e", response_class=HTMLResponse)
    def e2e_page(request: Request):
        from yearn.e2e import saved_html

        html = saved_html(view.root)
        return page(request, "e2e.html", body=Markup(html) if html else None)

    @app.get("/mismatch", response_class=HTMLResponse)
    def mismatch_page(request: Request):
        from yearn.mismatch import mismatch_html

        html = mismatch_html(view.root)
        return page(request, "mismatch.html", body=Markup(html) if html else None)

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: str):
        record = view.run(run_id)
        diagnosis, why = view.diagnosis(record.id)
        charts = build_charts(view.curves([record.id]), {record.id: record.name})
        html = Markup(diagnosis._repr_html_()) if diagnosis is not None else None
        point, point_note = view.operating_point(record.id)
        return page(
            request,
            "run.html",
            run=record,
            charts=charts,
            diagnosis=html,
            no_diagnosis=why,
            operating_point=Markup(point._repr_html_()) if point is not None else None,
            operating_point_note=point_note,
            artifacts=view.artifacts(record.id),
            worksheet=view.worksheet_path(record.id),
        )

    @app.get("/runs/{run_id}/errors", response_class=HTMLResponse)
    def errors_page(request: Request, run_id: str):
        record = view.run(run_id)
        path = view.worksheet_path(record.id)
        if path is None:
            has_preds = any(a.name == PREDICTIONS_ARTIFACT for a in view.artifacts(record.id))
            return page(request, "errors.html", run=record, sheet=None, has_preds=has_preds)
        sheet = view.load_worksheet(record.id)
        cards = card_records(view, sheet)
        return page(
            request,
            "errors.html",
            run=record,
            sheet=sheet,
            path=path.relative_to(view.root) if path.is_relative_to(view.root) else path,
            cards=cards,
            palette=tag_palette(sheet),
        )

    @app.post("/runs/{run_id}/errors")
    def create_worksheet_form(run_id: str):
        view.create_worksheet(run_id)
        return RedirectResponse(f"/runs/{view.run(run_id).id}/errors", status_code=303)

    @app.get("/runs/{run_id}/files/{rel:path}")
    def project_file(run_id: str, rel: str):
        real = view.safe_file(view.run(run_id).id, rel)
        if real.suffix.lower() not in IMAGE_TYPES:
            raise Forbidden(f"{rel!r}: only images are served.")
        return FileResponse(real, headers={"Cache-Control": "no-store"})

    # -- JSON API --------------------------------------------------------------------
    @app.get("/api/runs")
    def api_runs():
        return {"runs": [r.to_dict() for r in view.runs()]}

    @app.get("/api/runs/{run_id}")
    def api_run(run_id: str):
        record = view.run(run_id)
        diagnosis, why = view.diagnosis(record.id)
        return {
            "id": record.id,
            "name": record.name,
            "kind": record.kind,
            "status": record.status,
            "config": record.config,
            "error": record.error,
            "artifacts": [a.name for a in view.artifacts(record.id)],
            "diagnosis": diagnosis.to_dict() if diagnosis is not None else None,
            "no_diagnosis": why,
        }

    @app.get("/api/curves")
    def api_curves(run: list[str] | None = Query(None)):
        if not run:
            raise BadRequest("give one or more runs: /api/curves?run=ID&run=ID.", 400)
        ids = [view.run(r).id for r in run]
        frame = view.curves(ids)
        return {"metrics": frame.to_dict(orient="records")}

    @app.get("/api/runs/{run_id}/examples")
    def api_examples(run_id: str):
        sheet = view.load_worksheet(view.run(run_id).id)
        return {"worksheet": sheet.source, "examples": card_records(view, sheet)}

    @app.post("/api/runs/{run_id}/worksheet")
    def api_create_worksheet(run_id: str):
        path = view.create_worksheet(run_id)
        return {"worksheet": str(path)}

    @app.get("/api/runs/{run_id}/examples/{example_id:path}/tags")
    def api_get_tags(run_id: str, example_id: str):
        sheet = view.load_worksheet(view.run(run_id).id)
        if example_id not in set(sheet.ids):
            raise NotFound(f"example {example_id!r} is not in the worksheet {sheet.source}.")
        return {"id": example_id, "tags": sheet.tags(example_id)}

    @app.put("/api/runs/{run_id}/examples/{example_id:path}/tags")
    async def api_put_tags(request: Request, run_id: str, example_id: str):
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY:
            raise BadRequest(f"request body of {declared} bytes is over {MAX_BODY} bytes.", 413)
        tags = _parse_tags(await request.body())
        rid = view.run(run_id).id
        saved = view.set_tags(rid, example_id, tags)
        return {"id": example_id, "tags": saved, "saved": True}

    return app
