"""``yearn split``: draw (or grow) the four-way split of a project and show its checks."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from yearn.cli._console import console
from yearn.cli._options import (
    EXECUTOR_OPTION,
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    MEMORY_OPTION,
    PROJECT_OPTION,
    RAY_ADDRESS_OPTION,
    STORE_URL_OPTION,
    STREAM_OPTION,
    executor_map,
    feature_screen,
)
from yearn.cli._split_report import print_cv, show_split_report


def register(app: typer.Typer) -> None:
    @app.command()
    def split(
        project: Path = PROJECT_OPTION,
        fresh: bool = typer.Option(
            False, "--fresh", help="Redraw from scratch instead of growing the saved manifest."
        ),
        cross_source_groups: str = typer.Option(
            "error",
            "--cross-source-groups",
            help="Groups spanning target and training sources: 'error' or 'train' "
            "(send them wholly to train).",
        ),
        expected_error: float | None = typer.Option(
            None,
            "--expected-error",
            help="Error rate you expect, for the precision check (default 0.1; with --check "
            "the dev error measured in the table).",
        ),
        min_gain: float = typer.Option(
            0.01, "--min-gain", help="Smallest gain you want to see (0.01 = 1 point)."
        ),
        record: bool = typer.Option(
            True, "--record/--no-record", help="Record the split as a run in the store."
        ),
        show: bool = typer.Option(
            False, "--show", help="Show the saved manifest and its checks; split nothing."
        ),
        check: Path | None = typer.Option(
            None,
            "--check",
            help="Check a split made elsewhere: a predictions table (CSV/Parquet) with id, "
            "split and e.g. source / group columns; split nothing.",
        ),
        target: str | None = typer.Option(None, "--target", help="With --check: target source."),
        source_column: str = typer.Option(
            "source", "--source-column", help="With --check: the column naming the source."
        ),
        group_column: str | None = typer.Option(
            None, "--group-column", help="With --check: the column holding the group."
        ),
        metadata: str | None = typer.Option(
            None, "--metadata", help="With --check: metadata columns to compare, comma-separated."
        ),
        memory: str | None = MEMORY_OPTION,
        stream: bool = STREAM_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Split the project into train / train-dev / dev / test (dev and test from the
        target source only), save .yearn/splits.parquet and report the checks."""
        from yearn.project import Project
        from yearn.splits import check_predictions_split, manifest_path
        from yearn.splits.project import SavedSplit, split_project

        if check is not None:
            report = check_predictions_split(
                check,
                target=target,
                source_column=source_column,
                group_column=group_column,
                metadata_columns=[c.strip() for c in metadata.split(",")] if metadata else None,
                expected_error=expected_error,
                min_gain=min_gain,
            )
            if as_json:
                typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
            else:
                show_split_report(report, f"split in {check}")
            return
        expected_error = 0.1 if expected_error is None else expected_error
        if show:
            root = project.parent if project.is_file() else project
            saved = SavedSplit(Project(root).manifest(), manifest_path(root), None)
        else:
            saved = split_project(
                project,
                fresh=fresh,
                record=record,
                store_url=store_url,
                cross_source_groups=cross_source_groups,  # type: ignore[arg-type]
                expected_error=expected_error,
                min_gain=min_gain,
                memory=memory,
                stream=stream,
            )
        if as_json:
            typer.echo(json.dumps(saved.to_dict(), indent=2, default=str))
            return
        if saved.manifest.report is None:
            sizes = ", ".join(f"{k} {v:,}" for k, v in saved.manifest.sizes.items())
            console.print(f"split manifest {saved.path}: {sizes} (no checks saved with it)")
            return
        show_split_report(
            saved.manifest.report, f"split manifest {saved.path}", saved.run_id, scale=saved.scale
        )

    @app.command()
    def cv(
        project: Path = PROJECT_OPTION,
        model: str = typer.Option(
            "logistic",
            "--model",
            help="A baseline (majority, logistic, hist_gb, ridge, ...) or yearn's mlp, "
            "linear or cnn.",
        ),
        epochs: int | None = typer.Option(None, "--epochs", help="mlp/linear/cnn: epochs."),
        width: int | None = typer.Option(None, "--width", help="mlp/cnn: hidden width."),
        protocol: str = typer.Option(
            "kfold", "--protocol", help="holdout, kfold or repeated_kfold."
        ),
        n_splits: int = typer.Option(5, "--n-splits", help="Folds per repeat."),
        n_repeats: int = typer.Option(3, "--n-repeats", help="Repeats (repeated_kfold)."),
        test_size: float = typer.Option(0.2, "--test-size", help="Held-out share (holdout)."),
        metric: str | None = typer.Option(
            None, "--metric", help="Metric name (default: the project's optimising metric)."
        ),
        on: str = typer.Option(
            "train,train_dev",
            "--on",
            help="Splits to cross-validate on (default: the training distribution; never test).",
        ),
        ci: str = typer.Option("t", "--ci", help="t or corrected_t (Nadeau-Bengio)."),
        n_jobs: int = typer.Option(1, "--n-jobs", help="Folds run in this many processes."),
        seed: int = typer.Option(0, "--seed", help="random_state of the folds and model."),
        final_test: bool = typer.Option(
            False,
            "--final-test",
            help="Then refit on the --on splits and look once at test (every look is counted).",
        ),
        record: bool = typer.Option(
            True, "--record/--no-record", help="Record a run of kind 'cv' in the store."
        ),
        executor: str = EXECUTOR_OPTION,
        ray_address: str | None = RAY_ADDRESS_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Cross-validate a baseline or yearn's mlp/linear/cnn on the project's training
        distribution (holdout, K-fold or iterated K-fold): per-fold scores of the project's
        metric in error form, mean, spread and a confidence interval."""
        from yearn._validation import check_choice
        from yearn.splits.protocols import KINDS, Protocol

        check_choice("--protocol", protocol, KINDS)
        spec = Protocol(
            protocol,  # type: ignore[arg-type]
            n_splits=n_splits,
            n_repeats=n_repeats,
            test_size=test_size,
            random_state=seed,
        )
        from yearn.train import cv_project

        with feature_screen(project, keep_column):
            out = cv_project(
                project,
                model,
                protocol=spec,
                metric=metric,
                on=on,
                ci=ci,
                n_jobs=n_jobs,
                random_state=seed,
                final_test=final_test,
                record=record,
                store_url=store_url,
                settings={k: v for k, v in {"epochs": epochs, "width": width}.items() if v},
                map_fn=executor_map(executor, ray_address, n_jobs if n_jobs > 0 else 2),
            )
        if as_json:
            typer.echo(json.dumps(out, indent=2, default=str))
            return
        print_cv(out, model)
