"""``yearn slices``: high-error slices of a predictions table."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console
from yearn.cli._options import analysis_metric


def register(app: typer.Typer) -> None:
    @app.command("slices")
    def slices(
        predictions: Path | None = typer.Option(
            None, "--predictions", "-p", help="Predictions table."
        ),
        run: str | None = typer.Option(None, "--run", help="Use this run's predictions."),
        project: Path | None = typer.Option(
            None, "--project", help="Use the newest run's predictions of this project."
        ),
        split: str = typer.Option("dev", "--split", help="Split to examine."),
        column: list[str] = typer.Option(
            [], "--column", help="Column(s) to slice by (default: every metadata column)."
        ),
        model: str | None = typer.Option(None, "--model", help="Model, when several."),
        features: Path | None = typer.Option(
            None, "--features", help="CSV/Parquet with an id column: more columns to slice by."
        ),
        bins: int = typer.Option(4, "--bins", help="Quantile bins per numeric column."),
        min_size: int = typer.Option(20, "--min-size", help="Smallest slice reported."),
        pairs: bool = typer.Option(True, "--pairs/--no-pairs", help="Also pairs of conditions."),
        correction: str = typer.Option("bh", "--correction", help="bh or bonferroni."),
        alpha: float = typer.Option(0.05, "--alpha", help="Significance level after correction."),
        top: int = typer.Option(
            10, "--top", help="Slices to show in the table (--json has every row)."
        ),
        metric: str | None = typer.Option(
            None,
            "--metric",
            help="Metric: error, f1, f1_macro, roc_auc, rmse, ... (default: the project's "
            "optimising metric; error for a --predictions table).",
        ),
        n_boot: int = typer.Option(200, "--n-boot", help="Bootstrap resamples (not error)."),
        seed: int = typer.Option(0, "--seed", help="random_state of the bootstrap."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Slices (metadata conditions and pairs) ranked by excess errors, with p-values."""
        from yearn.data import read_table
        from yearn.project import read_predictions
        from yearn.slices import find_slices

        preds = read_predictions(predictions, project=project, run=run, model=model)
        feats = None if features is None else read_table(features)
        metric = analysis_metric(metric, predictions, project)
        report = find_slices(
            preds,
            features=feats,
            split=split,
            columns=column or None,
            n_bins=bins,
            min_size=min_size,
            pairs=pairs,
            correction=correction,
            alpha=alpha,
            metric=metric,
            n_boot=n_boot,
            random_state=seed,
        )
        if as_json:
            typer.echo(json.dumps(report.to_dict(), indent=2, default=str))  # every row
            return
        if not report.by_counts:
            _metric_table(report, split, top)
        else:
            table = Table(
                title=f"{split}: overall error {report.overall_error:.1%} over "
                f"{report.n_examples} rows; {report.n_tested} slices tested ({report.correction})"
            )
            for col in ("slice", "size", "error", "excess errors", "p (adjusted)"):
                table.add_column(col, justify="left" if col == "slice" else "right")
            for row in report.top(top).itertuples(index=False):
                mark = " *" if row.significant else ""
                table.add_row(
                    row.slice,
                    str(row.size),
                    f"{row.error_rate:.1%}",
                    f"{row.excess_errors:+.1f}",
                    f"{row.p_adjusted:.2g}{mark}",
                )
            console.print(table)
        console.print(f"* significant at {alpha:g} after correction", highlight=False)


def _metric_table(report, split: str, top: int) -> None:
    """The slice table under a metric other than error (slice vs rest, bootstrap 95%)."""
    name = report.metric
    table = Table(
        title=f"{split}: overall {name} {report.overall_error:.4g} over {report.n_examples} "
        f"rows; {report.n_tested} slices tested ({report.correction}); {name} of the slice "
        "vs the rest, bootstrap 95% interval of the difference"
    )
    for col in ("slice", "size", name, "rest", "excess [95%]", "p (adjusted)"):
        table.add_column(col, justify="left" if col == "slice" else "right")
    for row in report.top(top).itertuples(index=False):
        mark = " *" if row.significant else ""
        table.add_row(
            row.slice,
            str(row.size),
            f"{row.slice_error:.4g}",
            f"{row.rest_error:.4g}",
            f"{row.excess:+.4g} [{row.ci_low:+.3g}, {row.ci_high:+.3g}]",
            f"{row.p_adjusted:.2g}{mark}",
        )
    console.print(table)
    if report.not_measured:
        console.print(
            f"{len(report.not_measured)} slice(s) not measured ({name} undefined there; "
            "--json lists them)",
            highlight=False,
        )
