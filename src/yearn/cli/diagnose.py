"""``yearn diagnose`` and ``yearn learning-curve``."""

from __future__ import annotations

from pathlib import Path

import typer

from yearn.cli._diagnosis import print_learning_curve, print_sourced, show
from yearn.cli._options import (
    EXECUTOR_OPTION,
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    PROJECT_OPTION,
    RAY_ADDRESS_OPTION,
    STORE_URL_OPTION,
    executor_map,
    feature_screen,
)
from yearn.errors import ConfigError

_NUMBER_HELP = "error as a percent (8%) or a fraction (0.08); not both styles in one call"


def _tolerance(text: str | None) -> str | None:
    """Passed on as written: the diagnosis reads it with the rule of every rate."""
    return None if text is None else text.strip()


def register(app: typer.Typer) -> None:
    @app.command()
    def diagnose(
        run: str | None = typer.Option(None, "--run", help="Diagnose this run's predictions."),
        predictions: Path | None = typer.Option(
            None, "--predictions", help="A predictions table (Parquet or CSV)."
        ),
        project: Path = PROJECT_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        human: str | None = typer.Option(None, "--human", help=f"Human-level {_NUMBER_HELP}."),
        train: str | None = typer.Option(None, "--train", help=f"Train {_NUMBER_HELP}."),
        train_dev: str | None = typer.Option(None, "--train-dev", help="Train-dev error."),
        dev: str | None = typer.Option(None, "--dev", help="Dev error."),
        test: str | None = typer.Option(None, "--test", help="Test error."),
        n_human: int | None = typer.Option(None, "--n-human", help="Examples behind --human."),
        n_train: int | None = typer.Option(None, "--n-train", help="Train examples."),
        n_train_dev: int | None = typer.Option(None, "--n-train-dev", help="Train-dev examples."),
        n_dev: int | None = typer.Option(None, "--n-dev", help="Dev examples."),
        n_test: int | None = typer.Option(None, "--n-test", help="Test examples."),
        metric: str | None = typer.Option(
            None, "--metric", help="Metric in error form: error, 1-f1, 1-f1_macro, rmse, ..."
        ),
        task: str | None = typer.Option(
            None, "--task", help="Task of the predictions table when it has no proba: columns."
        ),
        model: str | None = typer.Option(None, "--model", help="Model to pick from the table."),
        tolerance: str | None = typer.Option(
            None, "--tolerance", help="Smallest gap worth naming (default 1% for error rates)."
        ),
        similar_ratio: float = typer.Option(
            0.5, "--similar-ratio", help="Gaps at least this share of the largest are named too."
        ),
        confidence: float = typer.Option(0.95, "--confidence", help="Interval level."),
        strict: bool = typer.Option(
            False, "--strict", help="Name a gap only if its interval lies above the tolerance."
        ),
        same_dist: bool | None = typer.Option(
            None,
            "--dev-same-distribution/--dev-other-distribution",
            help="Dev drawn from the training distribution: variance measured on train-dev + "
            "dev (default: a table whose rows all share one source).",
        ),
        baseline_error: float | None = typer.Option(
            None, "--baseline-error", help="Baseline's dev error (training-health check)."
        ),
        chart: Path | None = typer.Option(
            None, "--chart", help="Write the ladder chart (.png/.svg)."
        ),
        random_state: int = typer.Option(0, "--random-state", help="Seed of the bootstrap."),
        group_column: str | None = typer.Option(
            None, "--group-column", help="Table column of group ids: intervals count groups."
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Human → train → train-dev → dev → test: the gaps, the principal one, next steps.

        Without a source, diagnoses the project's newest completed run that wrote a
        predictions table.
        """
        from yearn.diagnose import diagnose_source

        result = diagnose_source(
            run=run,
            predictions=predictions,
            errors={"train": train, "train_dev": train_dev, "dev": dev, "test": test},
            sizes={"train": n_train, "train_dev": n_train_dev, "dev": n_dev, "test": n_test},
            project=project,
            store_url=store_url,
            human=human,
            n_human=n_human,
            metric=metric,
            task=task,
            model=model,
            dev_same_distribution=same_dist,
            baseline_error=baseline_error,
            random_state=random_state,
            group_column=group_column,
            tolerance=_tolerance(tolerance),
            confidence=confidence,
            similar_ratio=similar_ratio,
            strict=strict,
        )
        if not show(result.to_dict(), result.diagnosis, chart, as_json):
            print_sourced(result.diagnosis, result.health, result.source, chart)

    @app.command("learning-curve")
    def learning_curve_cmd(
        project: Path = PROJECT_OPTION,
        run: str | None = typer.Option(
            None, "--run", help="Train run whose model kind and settings to use (default: newest)."
        ),
        estimator: str | None = typer.Option(
            None,
            "--estimator",
            help="Use a scikit-learn model instead: logistic, lda, knn, tree, forest, ridge.",
        ),
        model: str | None = typer.Option(
            None, "--model", help="Another yearn model than the run's: mlp, linear or cnn."
        ),
        epochs: int | None = typer.Option(None, "--epochs", help="Epochs (default: the run's)."),
        lr: float | None = typer.Option(None, "--lr", help="Learning rate (default: the run's)."),
        batch_size: int | None = typer.Option(None, "--batch-size", help="Batch size."),
        width: int | None = typer.Option(None, "--width", help="Hidden width."),
        depth: int | None = typer.Option(None, "--depth", help="Hidden layers."),
        threads: int | None = typer.Option(1, "--threads", help="CPU threads torch may use."),
        metric: str | None = typer.Option(
            None, "--metric", help="Metric (default: the project's optimising metric)."
        ),
        fractions: str = typer.Option(
            "0.1,0.25,0.5,1.0", "--fractions", help="Shares of the training set."
        ),
        max_train: int | None = typer.Option(
            None, "--max-train", help="Use at most this many training rows (random)."
        ),
        target: str | None = typer.Option(
            None, "--target", help="Target error (default: the metric's human level)."
        ),
        tolerance: str | None = typer.Option(None, "--tolerance", help="Smallest useful gain."),
        chart: Path | None = typer.Option(None, "--chart", help="Write the chart (.png/.svg)."),
        random_state: int = typer.Option(0, "--random-state", help="Seed of subsets and fit."),
        executor: str = EXECUTOR_OPTION,
        ray_address: str | None = RAY_ADDRESS_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Error against training-set size, and what doubling the data would buy.

        Fitted with the diagnosed model (the newest train run's kind and settings, or
        --run's) on the features it was trained on; the same function as `yearn run`."""
        from rich.progress import Progress

        from yearn.cli._console import err_console
        from yearn.diagnose import project_learning_curve

        settings = {"epochs": epochs, "lr": lr, "batch_size": batch_size, "width": width}
        settings = {k: v for k, v in (settings | {"depth": depth}).items() if v is not None}
        if estimator is not None and (model is not None or settings):
            raise ConfigError("give --estimator (scikit-learn) or yearn's --model/settings.")
        try:
            fr = [float(f) for f in fractions.split(",") if f.strip()]
        except ValueError:
            raise ConfigError(
                f"--fractions: {fractions!r} is not a comma-separated list of numbers."
            ) from None
        with (
            feature_screen(project, keep_column),
            Progress(console=err_console, transient=True) as bar,
        ):
            task = bar.add_task("fitting on growing subsets", total=len(fr))
            result = project_learning_curve(
                project,
                run=run,
                model=model,
                settings=settings,
                estimator=estimator,
                metric=metric,
                fractions=fr,
                target_error=_tolerance(target),
                tolerance=_tolerance(tolerance),
                max_train=max_train,
                random_state=random_state,
                num_threads=threads,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                map_fn=executor_map(executor, ray_address, len(fr)),
            )
        result.save(project)  # the report shows the newest curve, however it was drawn
        if not show(result.to_dict(), result.curve, chart, as_json):
            print_learning_curve(result.curve, result.estimator, chart)
