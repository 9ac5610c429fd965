"""``yearn split``: draw (or grow) the four-way split of a project and show its checks."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console
from yearn.cli._options import (
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    PROJECT_OPTION,
    STORE_URL_OPTION,
    feature_screen,
)


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
        target: str | None = typer.Option(
            None, "--target", help="With --check: the target source's name."
        ),
        source_column: str = typer.Option(
            "source", "--source-column", help="With --check: the column naming the source."
        ),
        group_column: str | None = typer.Option(
            None, "--group-column", help="With --check: the column holding the group."
        ),
        metadata: str | None = typer.Option(
            None, "--metadata", help="With --check: metadata columns to compare, comma-separated."
        ),
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
                _show_report(report, f"split in {check}")
            return
        if expected_error is None:
            expected_error = 0.1
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
            )
        if as_json:
            typer.echo(json.dumps(saved.to_dict(), indent=2, default=str))
            return
        if saved.manifest.report is None:
            sizes = ", ".join(f"{k} {v:,}" for k, v in saved.manifest.sizes.items())
            console.print(f"split manifest {saved.path}: {sizes} (no checks saved with it)")
            return
        _show_report(saved.manifest.report, f"split manifest {saved.path}", saved.run_id)

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
            )
        if as_json:
            typer.echo(json.dumps(out, indent=2, default=str))
            return
        result = out["result"]
        console.print(f"[bold]{model}[/] on {', '.join(out['on'])} ({out['examples']:,} examples)")
        console.print("folds: " + "  ".join(f"{v:.4g}" for v in result["scores"]), highlight=False)
        console.print(out["summary"], highlight=False)
        if out.get("test"):
            console.print(
                f"test {out['test']['metric']}: {out['test']['value']:.4g} "
                f"(look {out['test']['looks_for_model']} at test for {model})",
                highlight=False,
            )
        for warning in out["warnings"]:
            console.print(f"[yellow]warning:[/] {warning}", highlight=False)
        if out.get("run_id"):
            console.print(f"[dim]recorded as run {out['run_id']}[/]")


def _show_report(report, title: str, run_id: str | None = None) -> None:
    sources = sorted({s for per in report.sources.values() for s in per})
    table = Table(title=title, title_justify="left")
    table.add_column("split")
    table.add_column("examples", justify="right")
    if report.requested:
        table.add_column("asked", justify="right")
    for source in sources:
        table.add_column(source, justify="right")
    for split, n in report.sizes.items():
        per = report.sources.get(split, {})
        asked = report.requested.get(split)
        table.add_row(
            split,
            f"{n:,}",
            *(() if not report.requested else ("rest" if asked is None else f"{asked:,}",)),
            *(f"{per.get(s, 0):,}" for s in sources),
        )
    console.print(table)
    if report.balance:
        columns = list(dict.fromkeys(k for per in report.balance.values() for k in per))
        regression = set(columns) <= {"n", "mean", "std"}
        hidden = len(columns) - 12 if not regression and len(columns) > 12 else 0
        if hidden:  # the most frequent classes; every class is in --json
            totals = {c: sum(per.get(c, 0) for per in report.balance.values()) for c in columns}
            columns = sorted(columns, key=lambda c: -totals[c])[:12]
        balance = Table(title="labels per split", title_justify="left")
        balance.add_column("split")
        for c in columns:
            balance.add_column(str(c), justify="right")
        if hidden:
            balance.add_column(f"{hidden:,} other classes", justify="right")
        for split, per in report.balance.items():
            total = sum(per.values()) or 1
            rest = total - sum(per.get(c, 0) for c in columns) if hidden else None
            balance.add_row(
                split,
                *(
                    f"{per.get(c, 0):.4g}"
                    if regression
                    else f"{per.get(c, 0):,} ({100 * per.get(c, 0) / total:.0f}%)"
                    for c in columns
                ),
                *(() if rest is None else (f"{rest:,} ({100 * rest / total:.0f}%)",)),
            )
        console.print(balance)
    console.print(
        f"group overlap: [bold]{report.group_overlap}[/]   "
        f"dev/test only from target: [bold]{report.dev_test_from_target}[/]"
    )
    for t in report.distribution:
        verdict = "[green]same[/]" if t.ok else "[red]differs[/]"
        console.print(f"dev vs test on {t.column!r}: {t.test} p = {t.p_value:.3g} → {verdict}")
    for note in report.notes:
        console.print(f"[dim]note:[/] {note}", highlight=False)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if run_id:
        console.print(f"[dim]recorded as run {run_id}[/]")
