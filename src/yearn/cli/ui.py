"""``yearn ui``: the dashboard (runs, overlaid curves, diagnosis, error-analysis tagging)."""

from __future__ import annotations

from pathlib import Path

import typer

from yearn.cli._console import console, err_console


def register(app: typer.Typer) -> None:
    @app.command("ui")
    def ui(
        project: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (localhost)."),
        port: int = typer.Option(8765, "--port", help="Port to listen on."),
        worksheet: Path | None = typer.Option(
            None, "--worksheet", help="A worksheet for runs without .yearn/worksheets/<run>.csv."
        ),
        store_url: str | None = typer.Option(None, "--store-url", help="Run store URL."),
    ) -> None:
        """Open the dashboard: runs, overlaid curves, diagnoses and the tagging page."""
        from yearn.ui import check_port, create_app, is_loopback

        hosts = None if is_loopback(host) else ["*"]
        app_ = create_app(project, store_url=store_url, worksheet=worksheet, allowed_hosts=hosts)
        check_port(host, port)
        if not is_loopback(host):
            err_console.print(
                f"[yellow]warning:[/] binding to {host}: anyone who can reach this machine on "
                f"port {port} can read the runs and edit the tags (no login).",
                highlight=False,
            )
        shown = f"[{host}]" if ":" in host else host
        console.print(f"yearn dashboard for {project} at http://{shown}:{port}/ (Ctrl+C stops)")
        import uvicorn

        uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False)
