"""``yearn train``, ``yearn lr-find``, ``yearn scale-up``: the training engine from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from yearn.cli._console import console
from yearn.cli._options import (
    BATCH_OPTION,
    CLASS_WEIGHT_OPTION,
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    LR_OPTION,
    MODEL_OPTION,
    OPTIM_OPTION,
    PROJECT_OPTION,
    SEED_OPTION,
    STORE_URL_OPTION,
    THREADS_OPTION,
    feature_screen,
)
from yearn.cli._progress import print_history, progress_bar, progress_callback, run_summary
from yearn.paths import PREDICTIONS_ARTIFACT, ProjectPaths


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
        augment: str = typer.Option(
            "none",
            "--augment",
            help="Image training batches: none, shift, color or shift+color (docs/train.md).",
        ),
        early_stopping: int | None = typer.Option(
            None, "--early-stopping", help="Stop after N epochs without dev improvement."
        ),
        grad_clip: float | None = typer.Option(None, "--grad-clip", help="Max gradient norm."),
        loss: str | None = typer.Option(None, "--loss", help="cross_entropy, bce or mse."),
        class_weight: str | None = CLASS_WEIGHT_OPTION,
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
            augment=augment,
            early_stopping=early_stopping,
            grad_clip=grad_clip,
            loss=loss,
            class_weight=class_weight,
            random_state=random_state,
            num_threads=threads,
            precision=precision,
            stream=stream,
        )
        with feature_screen(project, keep_column), progress_bar() as progress:
            callbacks = [] if as_json else [progress_callback(progress)]
            result = train_project(
                project,
                model,
                include_test=include_test,
                resume=resume,
                callbacks=callbacks,
                store_url=store_url,
                **params,
            )
        if as_json:
            typer.echo(json.dumps(run_summary(result, model), indent=2, default=str))
            return
        print_history(result, model)
        for line in [result.stop_reason, *result.notes]:
            if line:
                console.print(f"[yellow]note:[/] {line}", highlight=False)
        console.print(
            f"predictions: {ProjectPaths('.').run_dir(result.run_id) / PREDICTIONS_ARTIFACT}"
        )

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
        console.print(f"plot: {ProjectPaths('.').run_dir(run_id) / 'lr_find.png'}")
