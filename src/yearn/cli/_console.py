"""Rich consoles of the CLI layer (the library itself never prints)."""

from __future__ import annotations

from rich.console import Console

console = Console()
err_console = Console(stderr=True)
