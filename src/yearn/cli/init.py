"""``yearn init`` (placeholder replaced by the init-data module)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def init() -> None:
        """Run the whole workflow on the embedded init (web → phone digits)."""
        raise NotImplementedError
