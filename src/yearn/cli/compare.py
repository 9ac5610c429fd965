"""``yearn compare`` (A vs B on one split) and ``yearn plan-dev`` (dev-set size planner)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console, err_console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION
from yearn.errors import ConfigError


def _project_metric(project: Path) -> str | None:
    """The project's optimising metric when a yearn.toml is there."""
    from yearn.project import Project

    proj = Project(project)
    return proj.config.metric.optimizing if proj.has_config else None


def register(app: typer.Typer) -> None:
    @app.command()
    def compare(
        a: str = typer.Argument(..., help="Model A: a predictions table or a run id."),
        b: str = typer.Argument(..., help="Model B: a predictions table or a run id."),
        split: str | None = typer.Option(
            None, "--split", help="Split to compare on (default: the one both share, or dev)."
        ),
        metric: str | None = typer.Option(
            None,
            "--metric",
            help="Metric (default: the project's optimising metric, else error, or rmse for "
            "real-valued labels).",
        ),
        model_a: str | None = typer.Option(None, "--model-a", help="Model of A's 'model' column."),
        model_b: str | None = typer.Option(None, "--model-b", help="Model of B's 'model' column."),
        task: str | None = typer.Option(
            None, "--task", help="Task of the tables (binary, multiclass, multilabel, regression)."
        ),
        pos_label: str | None = typer.Option(
            None, "--pos-label", help="Positive class of binary metrics (default: the last)."
        ),
        alpha: float = typer.Option(0.05, "--alpha", help="Significance level (CI = 1 - alpha)."),
        resamples: int = typer.Option(2000, "--resamples", help="Bootstrap resamples."),
        seed: int = typer.Option(0, "--seed", help="random_state of the bootstrap."),
        mid_p: bool = typer.Option(False, "--mid-p", help="McNemar mid-p instead of exact p."),
        project: Path = PROJECT_OPTION,
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Compare model B against A on the same examples: difference, CI, p-value, verdict."""
        from yearn.compare import compare_predictions
        from yearn.metrics import guess_metric
        from yearn.project import resolve_predictions

        path_a, name_a = resolve_predictions(a, project=project, store_url=store_url)
        path_b, name_b = resolve_predictions(b, project=project, store_url=store_url)
        with err_console.status(f"comparing {name_b} with {name_a} ({resamples:,} resamples)…"):
            res = compare_predictions(
                path_a,
                path_b,
                split=split,
                metric=metric or _project_metric(project) or guess_metric(path_a),
                name_a=model_a or name_a,
                name_b=model_b or name_b,
                model_a=model_a,
                model_b=model_b,
                pos_label=pos_label,
                alpha=alpha,
                n_resamples=resamples,
                random_state=seed,
                mid_p=mid_p,
                task=task,
            )
        if res.split == "test":
            err_console.print(
                "[yellow]warning:[/] comparing on test is a look at test: choose between "
                "models on dev, and look at test once, at the end.",
                highlight=False,
            )
        if as_json:
            typer.echo(json.dumps(res.to_dict(), indent=2))
            return
        _show(res)

    @app.command("plan-dev")
    def plan_dev(
        error: float = typer.Option(..., "--error", help="Expected error rate (0.10 = 10%)."),
        gain: float | None = typer.Option(
            None, "--gain", help="Error drop to detect (0.001 = 0.1 point)."
        ),
        n: int | None = typer.Option(
            None, "--n", help="Dev-set size: report the smallest detectable gain instead."
        ),
        power: float = typer.Option(0.8, "--power", help="Chance of detecting the gain."),
        alpha: float = typer.Option(0.05, "--alpha", help="Significance level (two-sided)."),
        paired: bool = typer.Option(
            False, "--paired", help="Both models on the same dev set (McNemar)."
        ),
        discordance: float | None = typer.Option(
            None,
            "--discordance",
            help="Paired: share of examples on which the models disagree "
            "(default: as if their errors were independent).",
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """How many dev examples detect a given gain at a given error rate and power
        (or, with --n, the smallest gain a dev set of that size detects)."""
        from yearn.compare import detectable_gain, required_dev_size

        if (gain is None) == (n is None):
            raise ConfigError(
                "give exactly one of --gain (to get the size) or --n (to get the gain)."
            )
        kw = {"power": power, "alpha": alpha, "paired": paired, "discordance": discordance}
        plan = (
            required_dev_size(error, gain, **kw)
            if gain is not None
            else detectable_gain(n, error, **kw)
        )
        if as_json:
            typer.echo(json.dumps(plan.to_dict(), indent=2))
            return
        console.print(plan.summary, highlight=False)


def _show(res) -> None:
    from yearn.compare import format_metric

    console.print(f"[bold]{res.name_b}[/] vs [bold]{res.name_a}[/] on {res.split} (n = {res.n:,})")
    table = Table()
    table.add_column("model")
    table.add_column(res.metric, justify="right")
    table.add_row(res.name_a, format_metric(res.metric, res.value_a))
    table.add_row(res.name_b, format_metric(res.metric, res.value_b))
    console.print(table)
    if res.mcnemar is not None:
        console.print(
            f"only {res.name_a} right: {res.mcnemar.only_a:,}   only {res.name_b} right: "
            f"{res.mcnemar.only_b:,}   both right: {res.mcnemar.both_right:,}   both wrong: "
            f"{res.mcnemar.both_wrong:,}",
            highlight=False,
        )
    colour = "green" if res.better else "yellow"
    console.print(f"[bold {colour}]{res.verdict}[/]", highlight=False)
