"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import typer

PROJECT_OPTION = typer.Option(
    Path("."), "--project", "-p", help="Project folder (the one with yearn.toml)."
)
STORE_URL_OPTION = typer.Option(
    None,
    "--store-url",
    envvar="YEARN_STORE_URL",
    help="Run store URL (default: SQLite in <project>/.yearn/runs.db).",
)
JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON.")
