"""``yearn demo`` (placeholder replaced by the demo-data module)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def demo() -> None:
        """Run the whole workflow on the embedded demo (web → phone digits)."""
        raise NotImplementedError
