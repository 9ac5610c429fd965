"""``yearn train``, ``yearn lr-find``, ``yearn scale-up``: the training engine from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from yearn.cli._console import console, err_console, fmt_cell
from yearn.cli._options import (
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    PROJECT_OPTION,
    STORE_URL_OPTION,
    feature_screen,
)

MODEL_OPTION = typer.Option("mlp", "--model", "-m", help="mlp (tables), cnn (images) or linear.")
LR_OPTION = typer.Option(1e-3, "--lr", help="Learning rate (see 'yearn lr-find').")
OPTIM_OPTION = typer.Option("adam", "--optimizer", help="sgd (with --momentum), adam or adamw.")
BATCH_OPTION = typer.Option(
    None, "--batch-size", help="Examples per mini-batch (default 32, or all when fewer)."
)
SEED_OPTION = typer.Option(0, "--random-state", help="Seed: same seed, same run.")
THREADS_OPTION = typer.Option(None, "--threads", help="CPU threads for torch while training.")


def _progress_callback(progress: Progress) -> Any:
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


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("epoch {task.completed}/{task.total}"),
        TextColumn("{task.fields[info]}"),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def train(
        project: Path = PROJECT_OPTION,
        model: str = MODEL_OPTION,
        epochs: int = typer.Option(10, "--epochs", help="Passes over the train split."),
        lr: float = LR_OPTION,
        optimizer: str = OPTIM_OPTION,
        momentum: float = typer.Option(0.9, "--momentum", help="SGD momentum."),
        batch_size: int | None = BATCH_OPTION,
        weight_decay: float = typer.Option(0.0, "--weight-decay", help="L2 penalty."),
        l1: float = typer.Option(0.0, "--l1", help="L1 penalty on the weights."),
        dropout: float = typer.Option(0.0, "--dropout", help="Dropout rate (built-in models)."),
        width: int | None = typer.Option(None, "--width", help="Hidden units / channels."),
        depth: int | None = typer.Option(None, "--depth", help="Hidden layers / conv blocks."),
        activation: str = typer.Option("relu", "--activation", help="relu, gelu, tanh, silu."),
        schedule: str = typer.Option("none", "--schedule", help="none, step or cosine."),
        early_stopping: int | None = typer.Option(
            None, "--early-stopping", help="Stop after N epochs without dev improvement."
        ),
        grad_clip: float | None = typer.Option(None, "--grad-clip", help="Max gradient norm."),
        loss: str | None = typer.Option(None, "--loss", help="cross_entropy, bce or mse."),
        random_state: int = SEED_OPTION,
        resume: str | None = typer.Option(None, "--resume", help="Continue this run's checkpoint."),
        include_test: bool = typer.Option(
            False, "--include-test", help="Also predict test (recorded as a look at test)."
        ),
        threads: int | None = THREADS_OPTION,
        precision: str = typer.Option(
            "float32", "--precision", help="float32, or bf16 (CUDA autocast; error on CPU)."
        ),
        stream: bool | None = typer.Option(
            None, "--stream/--no-stream", help="Batches from host memory (default: when needed)."
        ),
        store_url: str | None = STORE_URL_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Train a model on the project's train split; curves, checkpoints, predictions."""
        from yearn.train import train_project

        params = dict(
            epochs=epochs,
            lr=lr,
            optimizer=optimizer,
            momentum=momentum,
            batch_size=batch_size,
            weight_decay=weight_decay,
            l1=l1,
            dropout=dropout,
            width=width,
            depth=depth,
            activation=activation,
            schedule=schedule,
            early_stopping=early_stopping,
            grad_clip=grad_clip,
            loss=loss,
            random_state=random_state,
            num_threads=threads,
            precision=precision,
            stream=stream,
        )
        with feature_screen(project, keep_column), _progress() as progress:
            callbacks = [] if as_json else [_progress_callback(progress)]
            result = train_project(
                project,
                model,
                include_test=include_test,
                resume=resume,
                callbacks=callbacks,
                store_url=store_url,
                **params,
            )
        summary = {
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
        if as_json:
            typer.echo(json.dumps(summary, indent=2, default=str))
            return
        table = Table(title=f"run {result.run_id}: {model}")
        from yearn.train import error_name

        cols = list(result.history[-1])
        label = error_name(result.metric)
        for col in cols:
            split, _, what = col.rpartition("_")
            head = f"{split}\n{label if what == 'metric' else what}" if split else col
            table.add_column(head, justify="right")
        for row in result.history:
            table.add_row(*(fmt_cell(row.get(c)) for c in cols))
        console.print(table)
        for line in [result.stop_reason, *result.notes]:
            if line:
                console.print(f"[yellow]note:[/] {line}", highlight=False)
        console.print(f"predictions: .yearn/artifacts/{result.run_id}/predictions.parquet")

    @app.command("lr-find")
    def lr_find_cmd(
        project: Path = PROJECT_OPTION,
        model: str = MODEL_OPTION,
        optimizer: str = OPTIM_OPTION,
        batch_size: int | None = BATCH_OPTION,
        start_lr: float = typer.Option(1e-7, "--start-lr", help="First rate of the sweep."),
        end_lr: float = typer.Option(10.0, "--end-lr", help="Last rate of the sweep."),
        steps: int = typer.Option(200, "--steps", help="Mini-batches in the sweep."),
        width: int | None = typer.Option(None, "--width"),
        depth: int | None = typer.Option(None, "--depth"),
        random_state: int = SEED_OPTION,
        threads: int | None = THREADS_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Sweep the learning rate, plot loss vs rate (PNG artefact), suggest a rate."""
        from yearn.train import lr_find_project

        with feature_screen(project, keep_column):
            result, run_id = lr_find_project(
                project,
                model,
                store_url=store_url,
                optimizer=optimizer,
                batch_size=batch_size,
                start_lr=start_lr,
                end_lr=end_lr,
                num_steps=steps,
                width=width,
                depth=depth,
                random_state=random_state,
                num_threads=threads,
            )
        if as_json:
            typer.echo(json.dumps({"run_id": run_id, **result.to_dict()}, indent=2))
            return
        console.print(
            f"suggested learning rate: [bold]{result.suggestion:.3g}[/] ({result.method}; "
            f"lowest loss at {result.min_loss_lr:.3g})"
        )
        for note in result.notes:
            console.print(f"[yellow]note:[/] {note}", highlight=False)
        console.print(f"plot: .yearn/artifacts/{run_id}/lr_find.png")

    @app.command("scale-up")
    def scale_up_cmd(
        project: Path = PROJECT_OPTION,
        model: str = MODEL_OPTION,
        epochs: int = typer.Option(10, "--epochs", help="Epochs of the first step."),
        lr: float = LR_OPTION,
        optimizer: str = OPTIM_OPTION,
        batch_size: int | None = BATCH_OPTION,
        human_level_error: float | None = typer.Option(
            None, "--human-level-error", help="Default: metric.human_level_error of yearn.toml."
        ),
        random_state: int = SEED_OPTION,
        threads: int | None = THREADS_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Grow capacity until training error reaches human level or dev error rises."""
        from yearn.train import scale_up_project

        params: dict[str, Any] = dict(
            epochs=epochs,
            lr=lr,
            optimizer=optimizer,
            batch_size=batch_size,
            random_state=random_state,
            num_threads=threads,
        )
        if human_level_error is not None:
            params["human_level_error"] = human_level_error
        with feature_screen(project, keep_column):
            result = scale_up_project(project, model, store_url=store_url, **params)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
            return
        table = Table(title=f"scale-up ({result.metric})")
        for col in ("step", "capacity", "train", "dev", "run"):
            table.add_column(col)
        for i, s in enumerate(result.steps):
            table.add_row(
                str(i + 1),
                s.capacity,
                fmt_cell(s.train_error),
                fmt_cell(s.dev_error) if s.dev_error is not None else "",
                s.run_id or "",
            )
        console.print(table)
        for note in result.notes:
            console.print(f"note: {note}", highlight=False)
        console.print(result.message, highlight=False)
