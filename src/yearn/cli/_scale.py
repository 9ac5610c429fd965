"""How a run under ``--memory`` computed its figures: in memory or streamed, and per
check whether exact, sketched (with its bound) or from a sample (with its size)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from yearn.cli._console import console

__all__ = ["show_scale"]


def _size(n: float) -> str:
    from yearn.data.budget import format_bytes

    return format_bytes(n)


def show_scale(scale: dict[str, Any]) -> None:
    """Print the plan line and the per-check method table."""
    mode = scale["mode"]
    line = (
        f"--memory {_size(scale['memory_budget'])}: {scale['rows']:,} rows, about "
        f"{_size(scale['data_bytes_estimate'])} in memory"
    )
    if mode == "streaming":
        how = (
            f"read one column of one row group at a time (row groups up to "
            f"{scale['batch_rows']:,} rows)"
            if scale.get("sample_rows")
            else f"streamed in batches of {scale['batch_rows']:,} rows"
        )
        line += f", would peak near {_size(scale['in_memory_peak_estimate'])} in memory: {how}"
        if scale.get("sample_rows"):
            line += f", model-based checks on a uniform sample of {scale['sample_rows']:,} rows"
    else:
        line += f", fits (peak near {_size(scale['in_memory_peak_estimate'])}): run in memory"
    if scale.get("note"):
        line += f" ({scale['note']})"
    console.print(line)
    methods = scale.get("methods") or {}
    if methods and mode == "streaming":
        table = Table(title="How each figure was computed")
        table.add_column("step")
        table.add_column("method", overflow="fold")
        for name, method in methods.items():
            table.add_row(name, method)
        console.print(table)
