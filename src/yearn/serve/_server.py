"""``yearn serve``'s library half: find the exported model, open its request log, build the
app (and the web page for ``--web``)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yearn.errors import ConfigError
from yearn.paths import STATE_DIR, ProjectPaths

__all__ = ["ServerPlan", "plan_server", "resolve_export"]


def resolve_export(project: str | Path, model: str | Path | None, run: str | None) -> Path:
    """The export folder: ``model`` itself, or ``<project>/.yearn/exports/<run>``."""
    if (model is None) == (run is None):
        raise ConfigError(
            "give exactly one of --model DIR (an exported model folder) or --run ID (a run "
            "exported with 'yearn export --run ID')."
        )
    if model is not None:
        return Path(model)
    folder = ProjectPaths(project).exports / str(run)
    if not folder.is_dir():
        raise ConfigError(
            f"run {run!r} has no export in {folder.parent}; create it with "
            f"'yearn export --project {project} --run {run}' or pass --model DIR."
        )
    return folder


def log_root(project: str | Path, export: Path) -> Path:
    """The project whose request log gets the requests: the one holding the export
    (``<root>/.yearn/exports/<name>``), else ``project``."""
    parts = export.resolve().parts
    if STATE_DIR in parts:
        i = len(parts) - 1 - parts[::-1].index(STATE_DIR)
        return Path(*parts[:i])
    return Path(project)


@dataclass
class ServerPlan:
    """What ``yearn serve`` will run: the app and the facts it prints."""

    app: Any
    export: Path
    model_version: str
    log_folder: Path | None
    web: bool
    log_sync: str | None = None
    log_survives: str | None = None


def plan_server(
    *,
    project: str | Path = ".",
    model: str | Path | None = None,
    run: str | None = None,
    max_batch: int = 64,
    max_wait_ms: float = 5.0,
    max_body_bytes: int = 2 * 1024 * 1024,
    log: bool = True,
    log_sync: str = "process",
    web: bool = False,
    allowed_hosts: list[str] | None = None,
    freeze_heap: bool = False,
) -> ServerPlan:
    """Load the export and build the app (``web``: the browser page served at ``/web/``;
    ``freeze_heap``: see :func:`yearn.serve.create_app`, for a process that only serves;
    ``log_sync``: the request log's ``"process"`` or ``"machine"`` mode, see
    :class:`yearn.serve.RequestLog`)."""
    from yearn.serve._app import create_app, load_web_files
    from yearn.serve._log import RequestLog
    from yearn.serve._schema import columns_of
    from yearn.ship import load_exported

    export = resolve_export(project, model, run)
    exported = load_exported(export)
    _ = exported.session  # the onnxruntime session now, not on the first request
    request_log = None
    if log:
        folder = ProjectPaths(log_root(project, export)).request_log
        request_log = RequestLog(
            folder, columns_of(exported.schema), exported.classes, sync=log_sync
        )
    web_files = None
    if web:
        from yearn.ship.targets import build_web

        with tempfile.TemporaryDirectory(prefix="yearn-web-") as tmp:
            web_files = load_web_files(build_web(export, Path(tmp) / "web"))
    app = create_app(
        exported,
        max_batch=max_batch,
        max_wait_ms=max_wait_ms,
        request_log=request_log,
        max_body_bytes=max_body_bytes,
        web_files=web_files,
        allowed_hosts=allowed_hosts,
        freeze_heap=freeze_heap,
    )
    return ServerPlan(
        app=app,
        export=export,
        model_version=exported.model_version,
        log_folder=None if request_log is None else request_log.folder,
        web=web,
        log_sync=None if request_log is None else request_log.sync,
        log_survives=None if request_log is None else request_log.survives,
    )
