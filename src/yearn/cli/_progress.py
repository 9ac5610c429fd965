"""What ``yearn train`` draws while and after it trains: a Rich progress bar over epochs and
the table of the run's history."""

from __future__ import annotations

from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from yearn.cli._console import console, err_console, fmt_cell


def progress_callback(progress: Progress) -> Any:
    """A callback drawing a Rich progress bar over epochs with the loss and dev metric
    (built on demand: importing the training engine loads torch)."""
    from yearn.train import Callback

    class RichProgress(Callback):
        def __init__(self) -> None:
            self.task: Any = None

        def on_fit_start(self, state: Any) -> None:
            self.task = progress.add_task(
                "training", total=state.config.epochs, completed=state.epoch, info=""
            )

        def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
            info = f"loss {logs['train_loss']:.4f}"
            if "dev_metric" in logs:
                info += f" · dev {state.metric_label} {logs['dev_metric']:.4f}"
            progress.update(self.task, advance=1, info=info)

    return RichProgress()


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("epoch {task.completed}/{task.total}"),
        TextColumn("{task.fields[info]}"),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


def print_history(result: Any, model: str) -> None:
    """One row per epoch: loss and metric (in error form) per split."""
    from yearn.train import error_name

    table = Table(title=f"run {result.run_id}: {model}")
    cols = list(result.history[-1])
    label = error_name(result.metric)
    for col in cols:
        split, _, what = col.rpartition("_")
        head = f"{split}\n{label if what == 'metric' else what}" if split else col
        table.add_column(head, justify="right")
    for row in result.history:
        table.add_row(*(fmt_cell(row.get(c)) for c in cols))
    console.print(table)


def run_summary(result: Any, model: str) -> dict[str, Any]:
    """The ``--json`` of ``yearn train``: the run, how it stopped, its final values and history."""
    return {
        "run_id": result.run_id,
        "model": model,
        "metric": result.metric,
        "epochs_run": len(result.history),
        "best_epoch": result.best_epoch,
        "stop_reason": result.stop_reason,
        "notes": result.notes,
        "final": result.final(),
        "history": result.history,
    }
