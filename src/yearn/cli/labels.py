"""``yearn label-issues`` and ``yearn relabel``: wrong labels found, corrected, logged."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console, err_console
from yearn.cli._options import analysis_metric
from yearn.paths import ProjectPaths


def register(app: typer.Typer) -> None:
    @app.command("label-issues")
    def label_issues_cmd(
        predictions: Path | None = typer.Option(
            None, "--predictions", "-p", help="Predictions table with out-of-sample proba:."
        ),
        project: Path | None = typer.Option(
            None, "--project", help="Compute K-fold out-of-fold probabilities of this project."
        ),
        run: str | None = typer.Option(None, "--run", help="Use this run's predictions."),
        split: list[str] = typer.Option(
            [], "--split", help="Split(s) to examine (default train_dev, dev, test)."
        ),
        model: str | None = typer.Option(None, "--model", help="Model, when several."),
        folds: int = typer.Option(5, "--folds", help="K of the out-of-fold probabilities."),
        seed: int = typer.Option(0, "--seed"),
        in_sample: bool = typer.Option(
            False, "--in-sample", help="Say the probabilities are in-sample (warns)."
        ),
        threshold: float = typer.Option(
            0.25, "--relabel-threshold", help="Share of dev error that makes relabelling pay."
        ),
        human: str | None = typer.Option(
            None,
            "--human",
            help="Human-level error (5% or 0.05) that corrects the share of dev error due to "
            "labels for class overlap (default: the project's metric.human_level_error).",
        ),
        top: int = typer.Option(20, "--top", help="Rows in the table (--json: every row)."),
        metric: str | None = typer.Option(None, "--metric", help="Metric of the share."),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write all flagged rows (.csv)."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Find likely wrong labels (confident learning) and say whether relabelling pays."""
        from yearn._io import atomic_write
        from yearn.errors import ConfigError
        from yearn.labels import label_issues
        from yearn.project import read_predictions, resolve_predictions

        metric = analysis_metric(metric, predictions, project)
        if run is not None:
            predictions, _ = resolve_predictions(predictions, project=project, run=run)
            project = None
        if (predictions is None) == (project is None):
            raise ConfigError(
                "give exactly one of --predictions FILE, --run ID or --project DIR "
                "(K-fold out-of-fold probabilities)."
            )
        if predictions is not None:
            preds = read_predictions(predictions)
            splits = split or None
        else:
            from yearn.labels import project_out_of_fold

            preds = project_out_of_fold(project, n_splits=folds, random_state=seed)
            splits = split or list(preds.splits)  # out of fold: every row, test included
        if model is not None:
            preds = preds.for_model(model)
        mode = "in_sample" if in_sample else ("out_of_sample" if project else "auto")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = label_issues(
                preds,
                splits=splits,
                probabilities=mode,
                relabel_threshold=threshold,
                human_level=_human_level(human, project),
                metric=metric,
            )
        for w in caught:
            err_console.print(f"[yellow]warning:[/] {w.message}", highlight=False)
        if out is not None:
            with atomic_write(out) as tmp:
                result.issues.to_csv(tmp, index=False)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, default=str))  # every row
            return
        table = Table(title=f"{len(result.issues)} likely label issues of {result.n_examples}")
        for col in ("rank", "id", "split", "label", "suggested", "p(label)"):
            table.add_column(col)
        for row in result.issues.head(top).itertuples(index=False):
            table.add_row(
                str(row.rank),
                str(row.id),
                row.split,
                str(row.label),
                str(row.suggested),
                f"{row.self_confidence:.3f}",
            )
        console.print(table)
        if len(result.noise):
            pairs = ", ".join(
                f"{r.true}→{r.given}: {r.count} ({r.rate:.1%})"
                for r in result.noise.head(5).itertuples(index=False)
            )
            console.print(f"estimated noise (true→given): {pairs}", highlight=False)
        console.print(result.advice, highlight=False)

    @app.command("relabel")
    def relabel(
        project: Path = typer.Option(
            Path("."), "--project", help="Project folder (log lives here)."
        ),
        id: list[str] = typer.Option([], "--id", help="Example id to correct (repeatable)."),
        to: list[str] = typer.Option([], "--to", help="Its correct label (one per --id)."),
        reason: str = typer.Option("", "--reason", help="Why (kept in the log)."),
        corrections: Path | None = typer.Option(
            None, "--corrections", help="CSV with columns id, new_label (or to), reason."
        ),
        predictions: Path | None = typer.Option(
            None, "--predictions", "-p", help="Check ids against it; with --out, apply the log."
        ),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write the corrected table."),
        include_train: bool = typer.Option(False, "--include-train", help="Also correct train."),
        who: str | None = typer.Option(None, "--who", help="Who made the corrections."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Record corrections in .yearn/relabel_log.jsonl; apply the log to dev AND test."""
        import pandas as pd

        import yearn.labels as lab
        from yearn.errors import ConfigError
        from yearn.predictions import write_predictions
        from yearn.project import read_predictions

        if len(id) != len(to):
            raise ConfigError(f"give one --to per --id; got {len(id)} id(s), {len(to)} label(s).")
        preds = read_predictions(predictions) if predictions is not None else None
        new = pd.DataFrame({"id": id, "new_label": to, "reason": reason})
        if corrections is not None:
            new = pd.concat([new, lab.read_corrections_csv(corrections)], ignore_index=True)
        if new.empty and out is None:
            raise ConfigError("nothing to do: give --id/--to, --corrections, or --out to apply.")
        report: dict = {"logged": []}
        if not new.empty:
            report["logged"] = lab.record_corrections(project, new, predictions=preds, who=who)
        report["coverage"] = lab.coverage_warnings(project)
        for note in report["coverage"]:
            err_console.print(f"[yellow]warning:[/] {note}", highlight=False)
        if out is not None:
            if preds is None:
                raise ConfigError("--out needs --predictions (the table to correct).")
            result = lab.apply_corrections(preds, project, include_train=include_train)
            write_predictions(result.predictions, out)
            report |= result.to_dict() | {"out": str(out)}
            report["diagnosis"] = lab.rediagnose(preds, result.predictions, project=project)
            for note in result.warnings:
                err_console.print(f"[yellow]warning:[/] {note}", highlight=False)
        if as_json:
            typer.echo(json.dumps(report, indent=2, default=str))
            return
        if report["logged"]:
            console.print(
                f"logged {len(report['logged'])} correction(s) in "
                f"{ProjectPaths(project).relabel_log}",
                highlight=False,
            )
        if out is not None:
            console.print(
                f"wrote {out}: corrected "
                + ", ".join(f"{k} {v}" for k, v in report["changed"].items()),
                highlight=False,
            )
            for s in report["error_before"]:
                console.print(
                    f"  {s} error {report['error_before'][s]:.2%} → {report['error_after'][s]:.2%}",
                    highlight=False,
                )
            diag = report.get("diagnosis") or {}
            if diag.get("before") and diag.get("after"):
                console.print(f"diagnosis before: {diag['before']}", highlight=False)
                console.print(f"diagnosis after:  {diag['after']}", highlight=False)


def _human_level(text: str | None, project: Path | None) -> float | None:
    """--human as a fraction, else the project's human level for the error (if any)."""
    if text is not None:
        from yearn.diagnose import parse_rate

        return parse_rate("--human", text, rate=True)
    from yearn.project import Project

    here = Project(project if project is not None else ".")
    return here.config.metric.human_level_for("error") if here.has_config else None
