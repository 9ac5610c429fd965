"""``yearn compress``: int8 and pruning variants of a run, measured against float."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from yearn.cli._console import console, err_console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION

RUN_OPTION = typer.Option(None, "--run", help="Run id (default: the newest run with a model).")


def register(app: typer.Typer) -> None:
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
        threads: int = typer.Option(
            1, "--threads", help="onnxruntime intra-op threads, the same for every variant."
        ),
        static_format: str = typer.Option(
            "qoperator",
            "--static-format",
            help="int8-static as 'qoperator' nodes (QLinearConv, QGemm) or 'qdq' pairs.",
        ),
        per_channel: bool = typer.Option(
            False, "--per-channel", help="int8-static weights quantised per output channel."
        ),
        reduce_range: bool = typer.Option(
            False, "--reduce-range", help="int8-static with 7-bit weights (older CPUs)."
        ),
        quantize_chain: bool = typer.Option(
            True,
            "--quantize-chain/--no-quantize-chain",
            help="int8-static also over Relu/max-pooling, so activations stay int8.",
        ),
        quantize_shallow: bool = typer.Option(
            False,
            "--quantize-shallow/--keep-shallow-float",
            help="int8-static also over a leading convolution with reduction depth < 64 "
            "(slower in int8 than in float on the CPUs measured).",
        ),
        optimization: str = typer.Option(
            "all",
            "--optimization",
            help="onnxruntime graph optimisation for the timings: all, extended, basic, disable.",
        ),
        repeats: int = typer.Option(200, "--repeats", help="Timed calls at batch 1 (÷4 at 256)."),
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
                static_format=static_format, per_channel=per_channel, reduce_range=reduce_range,
                quantize_chain=quantize_chain, quantize_shallow=quantize_shallow,
                optimization=optimization,
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
        if result.saved_as:
            console.print(
                f"table saved with the runs as {escape(result.saved_as)} (kind compress); "
                "`yearn report` shows it",
                highlight=False,
            )
