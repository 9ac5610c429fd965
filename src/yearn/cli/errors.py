"""``yearn errors sample | summary | tag``: the error-analysis worksheet from the CLI."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console, err_console
from yearn.cli._options import analysis_metric


def _warn(caught: list[warnings.WarningMessage]) -> None:
    for w in caught:
        err_console.print(f"[yellow]warning:[/] {w.message}", highlight=False)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Error analysis: sample dev errors into a worksheet, tag them, count and rank.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="errors")

    @group.command("sample")
    def sample(
        predictions: Path | None = typer.Option(
            None, "--predictions", "-p", help="Predictions table."
        ),
        run: str | None = typer.Option(None, "--run", help="Use this run's predictions."),
        project: Path | None = typer.Option(
            None, "--project", help="Use the newest run's predictions of this project."
        ),
        n: int = typer.Option(100, "--n", help="Misclassified examples to sample (all if fewer)."),
        correct: int = typer.Option(0, "--correct", help="Correctly classified ones to add."),
        out: Path = typer.Option(Path("worksheet.csv"), "--out", "-o", help=".csv or .parquet"),
        split: str = typer.Option("dev", "--split", help="Split to sample from."),
        seed: int = typer.Option(0, "--seed", help="random_state of the sample."),
        model: str | None = typer.Option(None, "--model", help="Model, when several."),
        rule: list[str] = typer.Option(
            [], "--rule", help="Suggestion rule, e.g. 'blur > 0.5 -> blurry' (repeatable)."
        ),
        auto_rules: bool = typer.Option(
            False,
            "--auto-rules",
            help="Suggest 'high/low <column>' for numeric metadata ranges enriched among the "
            "errors (Fisher's exact test, Bonferroni).",
        ),
        label_issues: bool = typer.Option(
            True,
            "--label-issues/--no-label-issues",
            help="Suggest 'possibly mislabeled' from confident learning (needs proba: columns).",
        ),
        accept: bool = typer.Option(
            False, "--accept-suggestions", help="Copy suggestions into tags (automation)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Sample misclassified examples into an editable worksheet (CSV / Parquet)."""
        from yearn.erroranalysis import sample_errors
        from yearn.project import read_predictions

        preds = read_predictions(predictions, project=project, run=run, model=model)
        predictions = preds.source
        sheet = sample_errors(preds, n=n, n_correct=correct, random_state=seed, split=split)
        flagged: list[str] = []
        caught: list[warnings.WarningMessage] = []
        if label_issues and preds.classes and any(c.startswith("proba:") for c in preds.frame):
            from yearn.labels import label_issues as find

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                flagged = [str(i) for i in find(preds).ids]
        tested = []
        if auto_rules:
            from yearn.erroranalysis import enriched_rules

            tested = enriched_rules(preds, split=split)
            rule = [*rule, *(t.rule for t in tested if t.enriched)]
        sheet.suggest(rule, mislabeled_ids=flagged)
        if accept:
            sheet.accept_suggestions()
        path = sheet.save(out)
        _warn(caught)
        n_err = int((~sheet.frame["correct"].astype(bool)).sum())
        if as_json:
            counts: dict[str, int] = {}
            for tags in sheet.tag_lists("suggested_tags"):
                for t in tags:
                    counts[t] = counts.get(t, 0) + 1
            typer.echo(
                json.dumps(
                    {
                        "worksheet": str(path),
                        "rows": len(sheet),
                        "errors": n_err,
                        "correct": len(sheet) - n_err,
                        "suggested": counts,
                        "rules_tested": [t.to_dict() for t in tested],
                    },
                    indent=2,
                )
            )
            return
        for t in tested:
            mark = "suggested" if t.enriched else "not enriched, not suggested"
            console.print(f"{mark}: {t.describe()}", highlight=False)
        console.print(
            f"wrote {path}: {n_err} misclassified + {len(sheet) - n_err} correct {split} "
            f"examples; add tags in the 'tags' column (';'-separated), then run "
            f"`yearn errors summary {path} --predictions {predictions}`.",
            highlight=False,
        )

    @group.command("summary")
    def summary(
        worksheet: Path = typer.Argument(..., help="The tagged worksheet."),
        predictions: Path | None = typer.Option(
            None, "--predictions", "-p", help="Predictions table."
        ),
        run: str | None = typer.Option(None, "--run", help="Use this run's predictions."),
        project: Path | None = typer.Option(
            None, "--project", help="Use the newest run's predictions of this project."
        ),
        split: str = typer.Option("dev", "--split"),
        model: str | None = typer.Option(None, "--model", help="Model, when several."),
        confidence: float = typer.Option(0.95, "--confidence", help="Interval level."),
        metric: str | None = typer.Option(
            None, "--metric", help="Ceilings in this metric (default: the project's, or error)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Per tag: count, share of sampled errors and the ceiling on dev error if fixed."""
        from yearn.erroranalysis import load_worksheet, summarize
        from yearn.project import read_predictions

        preds = read_predictions(predictions, project=project, run=run, model=model)
        sheet = load_worksheet(worksheet, preds)
        metric = analysis_metric(metric, predictions, project)
        result = summarize(sheet, preds, split=split, confidence=confidence, metric=metric)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        fmt = result.format_value
        table = Table(
            title=f"{split} {result.metric} {fmt(result.value)} — {result.n_sampled_errors} of "
            f"{result.n_errors} errors sampled"
        )
        for col in ("tag", "count", "share", f"ceiling ({result.metric})", f"{confidence:.0%} CI"):
            table.add_column(col, justify="left" if col == "tag" else "right")
        for t in result.tags:
            table.add_row(
                t.tag,
                str(t.count),
                f"{t.share:.0%}",
                fmt(t.ceiling_error),
                f"[{fmt(t.ceiling_low)}, {fmt(t.ceiling_high)}]",
            )
        console.print(table)
        for t in result.tags[:3]:
            console.print(result.sentence(t), highlight=False)
        for o in result.overlaps[:5]:
            console.print(f"overlap: {' & '.join(o['tags'])}: {o['count']}", highlight=False)
        for note in result.notes:
            console.print(f"note: {note}", highlight=False)

    @group.command("tag")
    def tag(
        worksheet: Path = typer.Argument(..., help="The worksheet to edit."),
        id: str | None = typer.Option(None, "--id", help="Example id."),
        tags: str | None = typer.Option(None, "--tags", help="';'-separated tags (replaces)."),
        accept: bool = typer.Option(
            False, "--accept-suggestions", help="Copy every suggestion into tags."
        ),
        predictions: Path | None = typer.Option(None, "--predictions", "-p"),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Set the tags of one example (or accept suggestions) and save atomically."""
        from yearn.erroranalysis import edit_worksheet
        from yearn.errors import ConfigError

        if not accept and (id is None or tags is None):
            raise ConfigError("give --id and --tags, or --accept-suggestions.")
        with edit_worksheet(worksheet, predictions) as sheet:  # locked read-modify-write
            if id is not None and tags is not None:
                sheet.set_tags(id, tags)
            if accept:
                sheet.accept_suggestions()
        if as_json:
            out = {"worksheet": str(worksheet)}
            if id is not None:
                out |= {"id": id, "tags": sheet.tags(id)}
            typer.echo(json.dumps(out, indent=2))
        else:
            console.print(f"saved {worksheet}", highlight=False)
