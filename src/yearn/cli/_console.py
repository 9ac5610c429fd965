"""Rich consoles of the CLI layer (the library itself never prints), and small printers
shared by several commands."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def fmt_cell(value: Any, digits: int = 4) -> str:
    """A table cell: floats to ``digits`` decimals, NaN and None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def print_advice(advice: Any) -> None:
    """An advisor's verdict and its checks (✓ passed, ✗ failed, ? not measurable)."""
    console.print(f"[bold]{advice.verdict}[/bold]")
    for check in advice.checks:
        if check.passed is None:
            mark = "?"
        else:
            mark = "[green]✓[/green]" if check.passed else "[red]✗[/red]"
        console.print(f" {mark} {check.name}: {check.detail}")
