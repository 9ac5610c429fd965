"""``yearn mismatch`` (what separates train from target) and ``yearn synthesize``
(training data made to look like the target)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from yearn.cli._console import console, fmt_cell


def _examples_table(title: str, rows: list[dict], columns: list[str]) -> Table:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="left" if col in ("id", "source") else "right")
    for row in rows:
        table.add_row(*(fmt_cell(row.get(c)) for c in columns))
    return table


def register(app: typer.Typer) -> None:
    @app.command("mismatch")
    def mismatch(
        project: Path = typer.Option(Path("."), "--project", help="Project folder."),
        examples: int = typer.Option(
            8, "--examples", help="Examples shown on each side (--json has them all)."
        ),
        random_state: int = typer.Option(0, "--random-state", help="Seed of the classifier."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Train vs target: the domain classifier's AUC, its drivers, and the most
        target-like training examples beside the most train-like target examples."""
        from yearn.mismatch import find_mismatch, save_mismatch

        result = find_mismatch(project, n_examples=examples, random_state=random_state)
        saved = save_mismatch(project, result)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
            return
        console.print(result.message(), highlight=False)
        drivers = Table(title="Drivers (AUC drop when shuffled, held out)")
        for col in ("feature", "driver", "auc_drop", "alone_auc", "train_mean", "target_mean"):
            drivers.add_column(col, justify="left" if col == "feature" else "right")
        for d in result.drivers:
            drivers.add_row(
                d["feature"],
                "yes" if d["driver"] else "",
                *(
                    fmt_cell(d.get(c))
                    for c in ("auc_drop", "alone_auc", "train_mean", "target_mean")
                ),
            )
        console.print(drivers)
        names = result.driver_names[:5] or [d["feature"] for d in result.drivers[:3]]
        cols = ["id", "source", "label", "p_target", *names]
        console.print(
            _examples_table(
                "Most target-like training examples",
                [e.row() for e in result.target_like_train],
                cols,
            )
        )
        console.print(
            _examples_table(
                "Most train-like target examples",
                [e.row() for e in result.train_like_target],
                cols,
            )
        )
        console.print(f"saved to {saved} (the report shows it with the images)", highlight=False)

    @app.command("synthesize")
    def synthesize(
        project: Path = typer.Option(Path("."), "--project", help="Project folder."),
        like: str = typer.Option("target", "--like", help="'target' or a source name."),
        ops: str | None = typer.Option(
            None,
            "--ops",
            help="Images: blur, contrast, brightness, noise (default), rotate, jpeg. "
            "Tables: missing, noise (default both).",
        ),
        noise_folder: Path | None = typer.Option(
            None, "--noise-folder", help="Audio: folder of noise clips to mix in."
        ),
        snr: str = typer.Option("0,5,10", "--snr", help="Audio: SNRs in dB to draw from."),
        columns: str | None = typer.Option(
            None, "--columns", help="Tables: columns to distort (default: every feature)."
        ),
        n: int | None = typer.Option(
            None, "--n", help="Synthetic images (default: one per original)."
        ),
        name: str = typer.Option("synthetic", "--name", help="Name of the new train source."),
        evaluate: bool = typer.Option(
            False, "--evaluate", help="Retrain without and with it; compare the mismatch gap."
        ),
        model: str | None = typer.Option(
            None, "--model", help="With --evaluate: model (default: the newest train run's)."
        ),
        epochs: int | None = typer.Option(None, "--epochs", help="With --evaluate and --model."),
        batch_size: int | None = typer.Option(None, "--batch-size", help="With --model."),
        random_state: int = typer.Option(0, "--random-state", help="Seed."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """A new train source of training images distorted to match the target's measured
        statistics (each keeps its original's group; provenance in provenance.csv)."""
        from yearn.mismatch import evaluate_synthesis
        from yearn.mismatch import synthesize as run

        result = run(
            project,
            like=like,
            ops=ops.split(",") if ops else None,
            n=n,
            name=name,
            columns=columns.split(",") if columns else None,
            random_state=random_state,
            noise_folder=noise_folder,
            snrs=[float(v) for v in snr.split(",")],
        )
        out = {"synthesis": result.to_dict()}
        evaluation = None
        if evaluate:
            params = {k: v for k, v in (("epochs", epochs), ("batch_size", batch_size)) if v}
            evaluation = evaluate_synthesis(
                project, name, model=model, random_state=random_state, **params
            )
            out["evaluation"] = evaluation.to_dict()
        if as_json:
            typer.echo(json.dumps(out, indent=2, default=str))
            return
        console.print(
            f"wrote {result.n} {result.kind} to {result.folder} (source {result.name!r}, "
            f"ops {', '.join(result.ops)}), fitted on {result.fitted_on}; "
            f"splits: {result.splits}",
            highlight=False,
        )
        cols = list(dict.fromkeys(k for row in result.fit for k in row))
        if result.fit:
            console.print(
                _examples_table(
                    "Match to the target (KS distance: 0 = same)"
                    if result.kind == "images"
                    else "Match to the target (missing rate and spread)",
                    result.fit,
                    cols,
                )
            )
        rows = [{"op": op, **q} for op, q in result.params.items()]
        keys = list(dict.fromkeys(k for row in rows for k in row))
        title = {
            "images": "Fitted parameters (10th, 50th, 90th percentile)",
            "clips": "Parameters (as given)",
        }.get(result.kind, "Fitted parameters")
        console.print(_examples_table(title, rows, keys))
        cov = result.coverage
        console.print(
            f"coverage: {cov.n_sources} distinct {cov.what}s over {cov.n_clean} synthetic "
            f"({cov.reuse:.1f} each; limit {cov.max_reuse})",
            highlight=False,
        )
        # cov.warning reaches stderr through the library's log: printed once
        for note in result.notes:
            console.print(f"note: {note}", highlight=False)
        if evaluation is not None:
            table = Table(title=f"Retrained {evaluation.model} without / with {name!r}")
            for col in ("quantity", "before", "after", "change [95% interval]"):
                table.add_column(col, justify="left" if col == "quantity" else "right")
            for r in evaluation.rows:
                lo, hi = r["change_interval"]
                table.add_row(
                    r["quantity"],
                    f"{r['before']:.2%}",
                    f"{r['after']:.2%}",
                    f"{r['change']:+.2%} [{lo:+.2%}, {hi:+.2%}]",
                )
            console.print(table)
            console.print(evaluation.verdict, highlight=False)
