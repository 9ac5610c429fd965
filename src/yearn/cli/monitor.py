"""``yearn monitor``: drift, performance and verdicts per window; ``yearn monitor audit``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION

NEEDS_ATTENTION = 3  # exit code when a window's verdict is not ok

_LOG = typer.Option(
    None,
    "--log",
    help="Request log folder or CSV/Parquet table (default: the project's request log).",
)
_WINDOW = typer.Option(
    "1d", "--window", help="Window: a duration (1d, 6h, 2w) or rows (10000rows)."
)
_RUN = typer.Option(None, "--run", help="The model's run (default: the deployed one).")
_TIME = typer.Option(None, "--time-column", help="Timestamp column (default: time/timestamp).")
_ID = typer.Option(None, "--id-column", help="Id column (default: request_id or id).")


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1%}"


def _print_result(result) -> None:
    s = result.settings
    table = Table(
        title=f"{len(result.windows)} windows of {s['rows']:,} rows vs "
        f"{s['reference_rows']:,} reference rows (run {s.get('run_id', '?')})"
    )
    metric = next((w.metrics[0].metric for w in result.windows if w.metrics), None)
    columns = ["window", "rows", "verdict", "drifted", "domain AUC", "est. accuracy"]
    columns += [f"est. {metric}"] if metric else []
    for col in [*columns, "labelled"]:
        table.add_column(
            col, justify="left" if col in ("window", "verdict", "drifted") else "right"
        )
    for w in result.windows:
        dom = w.domain
        auc = f"{dom.auc:.3f} [{dom.low:.3f}, {dom.high:.3f}]" if dom and dom.auc else "—"
        est = w.estimate
        est_s = f"{est.value:.1%} [{est.low:.1%}, {est.high:.1%}]" if est else "—"
        lab = f"{_pct(w.labelled.value)} (n={w.labelled.n})" if w.labelled else "—"
        colour = "green" if w.verdict == "ok" else "red"
        cells = [w.window, f"{w.n:,}", f"[{colour}]{w.verdict}[/]"]
        cells += [", ".join(w.drifted_columns) or "—", auc, est_s]
        if metric:
            m = w.metrics[0] if w.metrics else None
            cells.append(f"{m.value:.3f} [{m.low:.3f}, {m.high:.3f}]" if m else "—")
        table.add_row(*cells, lab)
    console.print(table)
    for name, why in result.excluded.items():
        console.print(f"not monitored: {name} ({why})", highlight=False)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
    _print_metric_estimates(result)
    for w in result.windows:
        for reason in w.reasons:
            console.print(f"{w.window}: {reason}", highlight=False)


def _print_metric_estimates(result) -> None:
    """Every label-free metric of every window with its interval (one line per window),
    the project's metric on the labelled rows, and the dev values."""
    dev = result.settings.get("dev_metrics") or {}
    for w in result.windows:
        if len(w.metrics) > 1:
            parts = "; ".join(
                f"{m.metric} {m.value:.3f} [{m.low:.3f}, {m.high:.3f}]" for m in w.metrics
            )
            console.print(f"{w.window}: estimated without labels: {parts}", highlight=False)
    for w in result.windows:
        m = w.labelled_metric
        if m is not None:
            console.print(
                f"{w.window}: labelled {m.metric} {m.value:.3f} [{m.low:.3f}, {m.high:.3f}] "
                f"on {m.n} rows",
                highlight=False,
            )
    if dev:
        shown = "; ".join(f"{k} {v:.3f}" for k, v in dev.items())
        console.print(f"dev (labelled): {shown}", highlight=False)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Watch the model in production: drift per window, accuracy with and without "
        "labels, concept drift, verdicts (exit 3 when something needs attention), audits.",
        invoke_without_command=True,
    )
    app.add_typer(group, name="monitor")

    @group.callback()
    def monitor(
        ctx: typer.Context,
        project: Path = PROJECT_OPTION,
        log: Path | None = _LOG,
        window: str = _WINDOW,
        run: str | None = _RUN,
        labels: Path | None = typer.Option(
            None, "--labels", help="CSV/Parquet of ids and true labels of some requests."
        ),
        time_column: str | None = _TIME,
        id_column: str | None = _ID,
        reference: str = typer.Option(
            "train", "--reference", help="train or dev split as the reference."
        ),
        alpha: float = typer.Option(0.05, "--alpha", help="False-alarm rate per window."),
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Drift, performance and a verdict per window of the request log."""
        ctx.obj = {
            "project": project,
            "log": log,
            "window": window,
            "run": run,
            "time_column": time_column,
            "id_column": id_column,
            "store_url": store_url,
        }
        if ctx.invoked_subcommand is not None:
            return
        from yearn.monitor import monitor_project
        from yearn.project import Project

        result, _ = monitor_project(
            Project(project, store_url=store_url),
            log_path=log,
            window=window,
            run=run,
            labels=labels,
            time_column=time_column,
            id_column=id_column,
            reference_split=reference,
            alpha=alpha,
        )
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
        else:
            _print_result(result)
        if result.needs_attention:
            raise typer.Exit(NEEDS_ATTENTION)

    @group.command("audit")
    def audit(
        ctx: typer.Context,
        n: int = typer.Option(200, "--n", help="Examples to review."),
        seed: int = typer.Option(0, "--seed", help="random_state of the random share."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """A worksheet of production examples to review: most uncertain, most drifted, random."""
        from yearn.monitor import audit_project
        from yearn.project import Project

        o = ctx.obj
        path, result, run_id = audit_project(
            Project(o["project"], store_url=o["store_url"]),
            n=n,
            log_path=o["log"],
            window=o["window"],
            run=o["run"],
            time_column=o["time_column"],
            id_column=o["id_column"],
            random_state=seed,
        )
        if as_json:
            out = {"worksheet": str(path), "audit_run": run_id, **result.to_dict()}
            typer.echo(json.dumps(out, indent=2, default=str))
        else:
            _print_result(result)
            console.print(
                f"audit worksheet: {path} (run {run_id}; open it with 'yearn ui', "
                f"page /runs/{run_id}/errors)",
                highlight=False,
            )
        if result.needs_attention:
            raise typer.Exit(NEEDS_ATTENTION)
