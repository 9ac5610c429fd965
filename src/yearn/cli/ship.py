"""``yearn export``, ``yearn predict``: ship a trained model (see docs/shipping.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from yearn.cli._console import console, err_console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION

RUN_OPTION = typer.Option(None, "--run", help="Run id (default: the newest run with a model).")


def register(app: typer.Typer) -> None:
    register_operating_point(app)
    register_export(app)
    register_compress(app)


def register_export(app: typer.Typer) -> None:
    @app.command()
    def export(
        project: Path = PROJECT_OPTION,
        run: str | None = RUN_OPTION,
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Folder to write (default: .yearn/exports/<run>)."
        ),
        threshold: float | None = typer.Option(
            None,
            "--threshold",
            help="Binary decision threshold (default: the saved operating point, else 0.5).",
        ),
        target: str = typer.Option(
            "onnx",
            "--target",
            help="onnx (the export), device (int8 model + runner needing only onnxruntime "
            "and numpy) or web (a static page running the model in the browser).",
        ),
        target_out: Path | None = typer.Option(
            None,
            "--target-out",
            help="Folder of the device/web build (default: <project>/<run>-<target>).",
        ),
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Export a run's preprocessing + network as one ONNX graph, checked against PyTorch."""
        from yearn._validation import check_choice
        from yearn.ship.targets import TARGETS, build_target

        check_choice("--target", target, TARGETS)
        from yearn.project import Project
        from yearn.ship import export_run

        result = export_run(
            Project(project, store_url=store_url), run, out=out, threshold=threshold
        )
        built = None
        if target != "onnx":  # a deliverable: a visible folder of the project by default
            built = build_target(
                result.path, target, target_out or project / f"{result.path.name}-{target}"
            )
        if as_json:
            payload = result.to_dict()
            payload["target"] = {"name": target, "path": str(built or result.path)}
            typer.echo(json.dumps(payload, indent=2))
            return
        m = result.metadata
        metric = m["metric"]
        low, high = metric["interval"]
        console.print(escape(result.sentence), highlight=False)
        console.print(
            f"dev {metric['name']} {metric['dev_value']:.4f} [{low:.4f}, {high:.4f}] "
            f"({metric['n']:,} rows); threshold {json.dumps(m['threshold'])}",
            highlight=False,
        )
        console.print(
            f"exported {m['model_version']} to {escape(str(result.path))}", highlight=False
        )
        if built is not None:
            console.print(f"{target} build in {escape(str(built))}", highlight=False)

    @app.command()
    def predict(
        model: Path = typer.Option(
            ..., "--model", "-m", help="An exported model folder (yearn export)."
        ),
        input: Path = typer.Option(
            ..., "--input", "-i", help="A .csv / .parquet file or a folder of images."
        ),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Where to write the predictions (.parquet or .csv)."
        ),
        ignore_extra: bool = typer.Option(
            False,
            "--ignore-extra",
            help="Pass columns the model was not trained on through unused.",
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Predict new rows with an exported model; inputs are checked against its schema."""
        from yearn.ship import predict_file

        result = predict_file(model, input, out=out, allow_extra=ignore_extra)
        if as_json:
            payload = result.to_dict()
            if out is None:
                payload["predictions"] = json.loads(result.table.to_json(orient="records"))
            typer.echo(json.dumps(payload, indent=2))
            return
        counts = ", ".join(f"{k}: {v:,}" for k, v in result.counts().items())
        console.print(
            f"{len(result.table):,} predictions by {result.model_version}"
            + (f" ({counts})" if counts else ""),
            highlight=False,
        )
        if out is not None:
            console.print(f"wrote {escape(str(result.out))}", highlight=False)
        else:
            console.print(result.table.head(20).to_string(index=False), highlight=False)


def register_operating_point(app: typer.Typer) -> None:
    @app.command("operating-point")
    def operating_point(
        project: Path = PROJECT_OPTION,
        run: str | None = typer.Option(None, "--run", help="Run id (default: the newest)."),
        cost_fp: float | None = typer.Option(None, "--cost-fp", help="Cost of a false alarm."),
        cost_fn: float | None = typer.Option(None, "--cost-fn", help="Cost of a miss."),
        min_precision: float | None = typer.Option(
            None, "--min-precision", help="Highest recall with at least this precision."
        ),
        max_alerts: float | None = typer.Option(
            None, "--max-alerts-per-1000", help="Highest recall with at most this many flags."
        ),
        noun: str = typer.Option("request", "--noun", help="What a row is, for the sentences."),
        no_save: bool = typer.Option(False, "--no-save", help="Show it without saving it."),
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Choose the decision threshold from costs or constraints, stated with intervals."""
        from yearn.project import Project
        from yearn.ship import choose_operating_point

        result = choose_operating_point(
            Project(project, store_url=store_url), run, cost_fp=cost_fp, cost_fn=cost_fn,
            min_precision=min_precision, max_alerts_per_1000=max_alerts, noun=noun,
            save=not no_save,
        )  # fmt: skip
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        for point in result.points:
            for sentence in point.sentences:
                console.print(escape(sentence), highlight=False)
        for caveat in result.caveats:
            console.print(f"[dim]· {escape(caveat)}[/dim]", highlight=False)
        if result.saved_as:
            console.print(
                f"saved with run {result.run_id} (as {result.saved_as}); export, predict and "
                "serve use it",
                highlight=False,
            )


def register_compress(app: typer.Typer) -> None:
    @app.command()
    def compress(
        project: Path = PROJECT_OPTION,
        run: str | None = RUN_OPTION,
        sparsity: list[float] = typer.Option(
            [0.5, 0.8], "--sparsity", help="Pruning sparsities to try (repeat the option)."
        ),
        finetune_epochs: int = typer.Option(
            2, "--finetune-epochs", help="Fine-tune after pruning."
        ),
        threads: int = typer.Option(1, "--threads", help="onnxruntime threads for the timings."),
        repeats: int = typer.Option(200, "--repeats", help="Timed calls at batch 1 (÷10 at 256)."),
        out: Path | None = typer.Option(
            None,
            "--out",
            "-o",
            help="Folder of the variants (default: .yearn/exports/<run>-variants).",
        ),
        random_state: int = typer.Option(
            0, "--random-state", help="Seed of sampling and fine-tuning."
        ),
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """int8 (dynamic, static) and pruning, measured: size, latency, dev metric vs float."""
        from rich.table import Table

        from yearn.project import Project
        from yearn.ship import compress_run

        with err_console.status("building and measuring the variants ..."):
            result = compress_run(
                Project(project, store_url=store_url), run, sparsities=tuple(sparsity),
                finetune_epochs=finetune_epochs, threads=threads, repeats=repeats, out=out,
                random_state=random_state,
            )  # fmt: skip
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        rows = result.rows()
        table = Table(title=f"variants of run {result.run_id} ({result.metric} on {result.n:,} "
                      f"{result.split} rows; {result.threads} thread(s))")  # fmt: skip
        for column in rows[0]:
            table.add_column(column, justify="left" if column in ("variant", "loss") else "right")
        for row in rows:
            table.add_row(*(str(v) for v in row.values()))
        console.print(table)
        for name, why in result.reasons.items():
            console.print(f"[dim]· {escape(name)}: {escape('; '.join(why))}[/dim]", highlight=False)
        console.print(escape(result.sentence), highlight=False)
        console.print(f"variants written under {escape(str(result.out))}", highlight=False)
