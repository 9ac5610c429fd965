"""``yearn export``, ``yearn predict``: ship a trained model (see docs/shipping.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from yearn.cli._console import console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION

RUN_OPTION = typer.Option(None, "--run", help="Run id (default: the newest run with a model).")


def register(app: typer.Typer) -> None:
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
            f"({metric['n']:,} rows"
            + (f" in {metric['groups']:,} groups" if metric.get("groups") else "")
            + f"); threshold {json.dumps(m['threshold'])}",
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
            payload = result.to_dict()  # every row, also when written to --out
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
