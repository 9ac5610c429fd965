"""``yearn e2e-compare``: a pipeline of hand-designed parts vs end-to-end learning, both
learning curves on dev, where they cross, and which to choose at your data size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from yearn.cli._console import console, err_console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION

WIDTH = 40


def _sizes(text: str | None) -> list[int | str] | None:
    if not text:
        return None
    try:
        return [
            "all" if v.strip().lower() == "all" else int(v.replace("_", ""))
            for v in text.split(",")
            if v.strip()
        ]
    except ValueError:
        raise typer.BadParameter(
            f"--sizes takes whole numbers separated by commas (e.g. 250,500,1000); got {text!r}."
        ) from None


def _chart(rows: list[dict[str, Any]], n_train: int) -> list[str]:
    """A text chart: one line per size, P = pipeline, E = end-to-end (error axis)."""
    values = [r[k] for r in rows for k in ("pipeline", "end_to_end")]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    lines = [f"{'size':>8}  {lo:<{WIDTH // 2}.3f}{hi:>{WIDTH // 2}.3f}  (error →)"]
    for r in rows:
        line = [" "] * (WIDTH + 1)
        p = round((r["pipeline"] - lo) / span * WIDTH)
        e = round((r["end_to_end"] - lo) / span * WIDTH)
        line[p], line[e] = "P", ("*" if p == e else "E")
        mark = " ◀ you" if r["size"] == n_train else ""
        lines.append(f"{r['size']:>8,}  {''.join(line)}{mark}")
    return lines


def _groups(out: dict) -> str:
    n, column = out["settings"].get("dev_groups"), out["settings"].get("group_column")
    return f" in {n:,} groups of {column} (the bootstrap draws groups)" if n else ""


def _print(result: Any) -> None:
    out = result.to_dict()
    console.print(f"[bold]pipeline[/]: {out['pipeline']}", highlight=False)
    console.print(f"[bold]end-to-end[/]: {out['end_to_end']}", highlight=False)
    console.print(
        f"{out['seeds']} seeds per size; dev {out['n_dev']:,} rows{_groups(out)}; "
        f"{out['metric']} (lower is better); intervals {out['confidence']:.0%} "
        "(difference: simultaneous over sizes)",
        highlight=False,
    )
    table = Table("size", "pipeline", "end-to-end", "pipeline − end-to-end", "winner")
    for r in out["curves"]:
        table.add_row(
            f"{r['size']:,}",
            f"{r['pipeline']:.4f} [{r['pipeline_low']:.4f}, {r['pipeline_high']:.4f}]",
            f"{r['end_to_end']:.4f} [{r['end_to_end_low']:.4f}, {r['end_to_end_high']:.4f}]",
            f"{r['difference']:+.4f} [{r['difference_low']:+.4f}, {r['difference_high']:+.4f}]",
            r["winner"],
        )
    console.print(table)
    for line in _chart(out["curves"], out["n_train"]):
        console.print(line, highlight=False, markup=False)
    console.print(f"[bold]{out['verdict']}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("e2e-compare")
    def e2e_compare(
        project: Path = PROJECT_OPTION,
        pipeline: str | None = typer.Option(
            None,
            "--pipeline",
            help="Your features function, FILE.py:FUNCTION or MODULE:FUNCTION: takes a "
            "DataFrame of the raw feature columns, returns numbers, one row per row. Default "
            "for images: background subtracted, HOG + intensity and edge profiles, RBF SVM.",
        ),
        intermediate: str | None = typer.Option(
            None,
            "--intermediate",
            help="A column of the data (not a model input) predicted first: the pipeline "
            "becomes inputs → this column → label.",
        ),
        sizes: str | None = typer.Option(
            None,
            "--sizes",
            help="Training-set sizes, e.g. 250,500,all (all: every train row; "
            "default: log-spaced from 10 per class, one per doubling, up to all of train).",
        ),
        seeds: int = typer.Option(3, "--seeds", help="Seeds (subsets and inits) per size."),
        model: str | None = typer.Option(
            None, "--model", help="End-to-end model: cnn (images) or mlp (default by data)."
        ),
        epochs: int | None = typer.Option(
            None,
            "--epochs",
            help="End-to-end epochs, the same at every size (default: 30 for the CNN, 10 "
            "for the MLP).",
        ),
        min_steps: int | None = typer.Option(
            None,
            "--min-steps",
            help="End-to-end optimizer steps at least (small sizes get more epochs; "
            "default: 1500 for the CNN, 0 for the MLP).",
        ),
        schedule: str | None = typer.Option(
            None,
            "--schedule",
            help="End-to-end learning-rate schedule: none, step or cosine (default: cosine "
            "for the CNN, none for the MLP).",
        ),
        augment: str | None = typer.Option(
            None,
            "--augment",
            help="End-to-end image augmentation: none, shift, color or shift+color "
            "(default for the CNN: shift+color).",
        ),
        width: int | None = typer.Option(None, "--width", help="End-to-end model width."),
        resamples: int = typer.Option(300, "--resamples", help="Bootstrap resamples."),
        executor: str = typer.Option(
            "local", "--executor", help="Where the points run: local (processes) or ray."
        ),
        workers: int = typer.Option(1, "--workers", help="Points trained in parallel."),
        ray_address: str | None = typer.Option(
            None, "--ray-address", help="With --executor ray: a cluster (auto or HOST:PORT)."
        ),
        random_state: int = typer.Option(0, "--random-state", help="Seed of the whole run."),
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Pipeline or end-to-end? Both learning curves, their crossing, and the verdict."""
        from yearn.e2e import compare_e2e, save_result

        settings = {
            "epochs": epochs,
            "model": model,
            "width": width,
            "schedule": schedule,
            "augment": augment,
            "min_steps": min_steps,
        }
        with err_console.status("training both models at every size ...") as status:

            def progress(done: int, total: int) -> None:
                status.update(f"training both models at every size: {done}/{total} fits")

            result = compare_e2e(
                project,
                pipeline=pipeline,
                intermediate=intermediate,
                sizes=_sizes(sizes),
                seeds=seeds,
                settings={k: v for k, v in settings.items() if v is not None},
                n_resamples=resamples,
                random_state=random_state,
                store_url=store_url,
                executor=executor,
                workers=workers,
                ray_address=ray_address,
                progress=progress,
            )
        save_result(project, result)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2))
            return
        _print(result)
