"""Options shared by several commands."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
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
MEMORY_OPTION = typer.Option(
    None,
    "--memory",
    help="Memory budget (e.g. 4GB): Parquet data that would not fit is streamed; the "
    "output says what is exact, sketched or sampled (docs/scale.md).",
)
STREAM_OPTION = typer.Option(False, "--stream", help="With --memory: stream even data that fits.")
KEEP_COLUMN_OPTION = typer.Option(
    [],
    "--keep-column",
    help="Keep this column as a feature although the data profile flags it as leaky or "
    "id-like (repeatable; adds to [features] keep of yearn.toml).",
)


@contextmanager
def feature_screen(project: Path | None, keep: list[str], *, say: bool = True) -> Iterator[None]:
    """Within the block, ``keep`` columns stay features (``$YEARN_KEEP_COLUMNS``); with
    ``say``, the project is screened first and the left-out columns are said once."""
    from rich.markup import escape

    from yearn.cli._console import err_console
    from yearn.paths import KEEP_COLUMNS_ENV

    before = os.environ.get(KEEP_COLUMNS_ENV)
    if keep:
        os.environ[KEEP_COLUMNS_ENV] = ",".join([*filter(None, [before]), *keep])
    try:
        if say and project is not None and (project / "yearn.toml").is_file():
            from yearn.profile import screen_features

            note = screen_features(project).message
            if note:
                err_console.print(f"[yellow]features:[/] {escape(note)}", highlight=False)
        yield
    finally:
        if before is None:
            os.environ.pop(KEEP_COLUMNS_ENV, None)
        else:
            os.environ[KEEP_COLUMNS_ENV] = before


# -- training ---------------------------------------------------------------------------
MODEL_OPTION = typer.Option("mlp", "--model", "-m", help="mlp (tables), cnn (images) or linear.")
LR_OPTION = typer.Option(1e-3, "--lr", help="Learning rate (see 'yearn lr-find').")
OPTIM_OPTION = typer.Option(
    "adam", "--optimizer", help="sgd (with --momentum), adam, adamw or rmsprop."
)
CLASS_WEIGHT_OPTION = typer.Option(
    None,
    "--class-weight",
    help="balanced: weight each class by n / (classes × its count) in the loss "
    "(imbalanced classes).",
)
BATCH_OPTION = typer.Option(
    None, "--batch-size", help="Examples per mini-batch (default 32, or all when fewer)."
)
SEED_OPTION = typer.Option(0, "--random-state", help="Seed: same seed, same run.")
THREADS_OPTION = typer.Option(None, "--threads", help="CPU threads for torch while training.")


EXECUTOR_OPTION = typer.Option(
    "local", "--executor", help="Where the work runs: local (this machine) or ray."
)
RAY_ADDRESS_OPTION = typer.Option(
    None,
    "--ray-address",
    help="Ray cluster to join: auto or HOST:PORT (default: a local Ray on this machine).",
)


def executor_map(executor: str, ray_address: str | None, workers: int):
    """``None`` for the local executor (the command's own loop), else the executor's map."""
    from yearn.tune import get_executor

    runner = get_executor(executor, workers=max(1, workers), address=ray_address)
    return None if executor == "local" else runner.map


def analysis_metric(metric: str | None, predictions: Path | None, project: Path | None) -> str:
    """The metric of a per-example analysis: ``--metric``, else the project's optimising
    metric (when no ``--predictions`` table is named and a yearn.toml is there), else error."""
    if metric is None and predictions is None:
        from yearn.project import Project

        proj = Project(project or Path("."))
        metric = proj.config.metric.optimizing if proj.has_config else None
    return metric or "error"
