"""``yearn runs`` (placeholder replaced by the runs-data module)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def runs() -> None:
        """Run the whole workflow on the embedded runs (web → phone digits)."""
        raise NotImplementedError
