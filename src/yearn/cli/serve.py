"""``yearn serve``: a REST API (and optionally the browser page) over an exported model."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from yearn.cli._console import console, err_console
from yearn.cli._options import PROJECT_OPTION


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        model: Path | None = typer.Option(
            None, "--model", "-m", help="An exported model folder (yearn export)."
        ),
        run: str | None = typer.Option(
            None, "--run", help="A run exported with 'yearn export' (.yearn/exports/<run>)."
        ),
        project: Path = PROJECT_OPTION,
        host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (localhost)."),
        port: int = typer.Option(8000, "--port", help="Port to listen on."),
        max_batch: int = typer.Option(
            64, "--max-batch", help="Most rows one micro-batch gathers (1: no batching)."
        ),
        max_wait_ms: float = typer.Option(
            5.0, "--max-wait-ms", help="Longest a request waits for others to join its batch."
        ),
        max_body: int = typer.Option(
            2 * 1024 * 1024, "--max-body", help="Largest request body accepted, in bytes."
        ),
        web: bool = typer.Option(
            False, "--web", help="Also serve the browser page (yearn export --target web) at /web/."
        ),
        log: bool = typer.Option(
            True, "--log/--no-log", help="Append every request to the project's request log."
        ),
        log_sync: str = typer.Option(
            "process",
            "--log-sync",
            help="What an answered request's log row survives: 'process' (a killed server; "
            "fsync in the background every second, so a machine crash can lose ~1 s of "
            "answers) or 'machine' (fsync before every answer: slower).",
        ),
    ) -> None:
        """Serve an exported model: POST /predict, GET /health, GET /metadata, docs at /docs."""
        from yearn.serve import plan_server
        from yearn.ui import check_port, is_loopback

        local = is_loopback(host)
        plan = plan_server(
            project=project,
            model=model,
            run=run,
            max_batch=max_batch,
            max_wait_ms=max_wait_ms,
            max_body_bytes=max_body,
            log=log,
            log_sync=log_sync,
            web=web,
            allowed_hosts=None if local else ["*"],
            freeze_heap=True,  # this process only serves: no full-heap GC pauses
        )
        check_port(host, port)
        if not local:
            err_console.print(
                f"[yellow]warning:[/] binding to {escape(host)}: anyone who can reach this "
                f"machine on port {port} can use the model (no login, no TLS).",
                highlight=False,
            )
        shown = f"[{host}]" if ":" in host else host
        base = f"http://{shown}:{port}"
        console.print(
            f"serving {plan.model_version} at {base}/predict (docs {base}/docs"
            + (f", page {base}/web/" if plan.web else "")
            + "); Ctrl+C stops",
            highlight=False,
            soft_wrap=True,
        )
        if plan.log_folder is not None:
            console.print(
                f"request log: {escape(str(plan.log_folder))} (--log-sync {plan.log_sync}: "
                f"{plan.log_survives})",
                highlight=False,
                soft_wrap=True,
            )
        import uvicorn

        # no access log, no X-Forwarded-* rewriting (nothing reads the client's address):
        # both cost CPU on every request
        uvicorn.run(
            plan.app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
        )
