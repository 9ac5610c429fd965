"""``yearn diagnose`` and ``yearn learning-curve``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from yearn.cli._console import console
from yearn.cli._options import (
    JSON_OPTION,
    KEEP_COLUMN_OPTION,
    PROJECT_OPTION,
    STORE_URL_OPTION,
    feature_screen,
)
from yearn.errors import ConfigError

_NUMBER_HELP = "error as a percent (8%) or a fraction (0.08); not both styles in one call"


def _tolerance(text: str | None) -> str | None:
    """Passed on as written: the diagnosis reads it with the rule of every rate."""
    return None if text is None else text.strip()


def _print_diagnosis(diag: Any, title: str) -> None:
    from yearn.diagnose import GAP_LABELS

    pct = int(diag.confidence * 100)
    table = Table(title=title, show_lines=False)
    for col in ("", "error", f"{pct}% CI", "n"):
        table.add_column(col, justify="right" if col else "left")
    for k, r in diag.errors.items():
        name = k.replace("_", "-") + (" (assumed)" if r.assumed else "")
        table.add_row(
            name,
            diag.fmt(r.value),
            diag.fmt_ci(r.ci_low, r.ci_high),
            "" if r.n is None else str(r.n),
        )
    table.add_section()
    for g in diag.gaps.values():
        if g.value is None:
            continue
        style = "bold red" if g.name in diag.principal else ""
        label = f"[{style}]{GAP_LABELS[g.name]}[/]" if style else GAP_LABELS[g.name]
        table.add_row(label, diag.fmt(g.value, signed=True), diag.fmt_ci(g.ci_low, g.ci_high), "")
    console.print(table)
    console.print(f"[bold]{diag.verdict()}[/] (tolerance {diag.fmt(diag.tolerance)})")
    if diag.gap_confidence is not None and diag.gap_confidence > diag.confidence:
        console.print(
            f"gap intervals hold together at {diag.confidence:.0%} (each at "
            f"{diag.gap_confidence:.2%}); a gap is named when above the tolerance and its "
            "interval lies above half of it",
            highlight=False,
        )
    for gap, steps in diag.recommendations.items():
        head = f" — {GAP_LABELS[gap]}" if gap in GAP_LABELS else ""
        console.print(f"[bold]next steps{head}:[/]")
        for s in steps:
            console.print(f"  • {s}", highlight=False)
    for c in diag.caveats:
        console.print(f"[yellow]note:[/] {c}", highlight=False)


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
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Human → train → train-dev → dev → test: the gaps, the principal one, next steps.

        Without a source, diagnoses the project's newest completed run that wrote a
        predictions table.
        """
        from yearn.diagnose import diagnose as from_numbers
        from yearn.diagnose import (
            diagnose_predictions,
            diagnose_run,
            error_form,
            latest_run_with_predictions,
            project_defaults,
        )

        numbers = {"train": train, "train_dev": train_dev, "dev": dev, "test": test}
        sizes = {"train": n_train, "train_dev": n_train_dev, "dev": n_dev, "test": n_test}
        given = [n for n, on in (("--run", run), ("--predictions", predictions)) if on]
        if any(v is not None for v in numbers.values()):
            given.append("errors (--train/--dev/...)")
        if not given:  # default: the project's newest run with a predictions table
            run = latest_run_with_predictions(project, store_url)
            if run is not None:
                given.append("--run")
        if len(given) != 1:
            raise ConfigError(
                "give exactly one source: --run ID, --predictions FILE, or errors such as "
                f"--train 8% --dev 10%; got {', '.join(given) or 'none'} (and the project "
                f"{project} has no completed run with a predictions table to default to)."
            )
        tol = _tolerance(tolerance)
        common: dict[str, Any] = dict(
            tolerance=tol, confidence=confidence, similar_ratio=similar_ratio, strict=strict
        )
        health = None
        source = given[0]
        if run is not None or predictions is not None:
            extra = [f"--n-{k.replace('_', '-')}" for k, v in sizes.items() if v is not None]
            if extra:
                raise ConfigError(
                    f"{', '.join(extra)}: sizes come from the predictions table itself; drop them."
                )
            kw = dict(
                common,
                human=human,
                n_human=n_human,
                model=model,
                task=task,
                random_state=random_state,
                dev_same_distribution=same_dist,
            )
            if run is not None:
                result = diagnose_run(
                    run,
                    project=project,
                    store_url=store_url,
                    baseline_error=baseline_error,
                    metric=metric,
                    **kw,
                )
                diag, health = result.diagnosis, result.health
                payload = result.to_dict()
                source = f"run {result.run_id}"
            else:
                cfg_metric, cfg_human = project_defaults(project)
                if kw["human"] is None:
                    kw["human"] = cfg_human
                if metric is None and cfg_metric not in (None, "error"):
                    metric = error_form(cfg_metric)
                diag = diagnose_predictions(predictions, metric=metric, **kw)
                payload = diag.to_dict()
                source = str(predictions)
        else:
            if model is not None or task is not None:
                raise ConfigError("--model and --task apply to predictions tables, not to errors.")
            diag = from_numbers(
                human=human,
                **numbers,
                n_human=n_human,
                **{f"n_{k}": v for k, v in sizes.items()},
                metric=metric or "error",
                dev_same_distribution=bool(same_dist),
                **common,
            )
            payload = diag.to_dict()
            source = "errors given on the command line"
        payload["source"] = source
        if chart is not None:
            diag.save_chart(chart)
            payload["chart"] = str(chart)
        if as_json:
            typer.echo(json.dumps(payload, indent=2, default=float))
            return
        overall = getattr(diag, "overall", diag)
        _print_diagnosis(overall, f"Diagnosis ({overall.metric}) — {source}")
        for name, d in getattr(diag, "tasks", {}).items():
            _print_diagnosis(d, f"task {name}")
        if health is not None:
            console.print(
                f"[bold]training health:[/] {'healthy' if health.healthy else 'problems'}"
            )
            for f in health.findings:
                mark = "[red]✗[/]" if f.problem else "•"
                console.print(f"  {mark} {f.kind}: {f.message}", highlight=False)
        if chart is not None:
            console.print(f"chart written to {chart}")

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
            )
        lc = result.curve
        payload = result.to_dict()
        if chart is not None:
            lc.save_chart(chart)
            payload["chart"] = str(chart)
        if as_json:
            typer.echo(json.dumps(payload, indent=2, default=float))
            return
        table = Table(title=f"Learning curve ({result.estimator}, {lc.metric})")
        for col in ("training examples", f"train {lc.metric}", f"dev {lc.metric}"):
            table.add_column(col, justify="right")
        for n, t, d in zip(lc.sizes, lc.train_errors, lc.dev_errors, strict=True):
            table.add_row(str(n), lc.fmt(t), lc.fmt(d))
        console.print(table)
        a, b, c = lc.fit
        console.print(
            f"power law: dev {lc.metric} ≈ {a:.3g}·n^(−{b:.2f}) + {c:.3g}", highlight=False
        )
        console.print(f"[bold]{escape(lc.verdict)}[/]", highlight=False)
        if chart is not None:
            console.print(f"chart written to {chart}")
