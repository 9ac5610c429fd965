"""``yearn retrain``: retrain the deployed model's config on grown data; promote if not worse."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from yearn.cli._console import console
from yearn.cli._options import JSON_OPTION, PROJECT_OPTION, STORE_URL_OPTION


def register(app: typer.Typer) -> None:
    @app.command("retrain")
    def retrain(
        project: Path = PROJECT_OPTION,
        append: Path | None = typer.Option(
            None, "--append", help="CSV/Parquet of newly labelled rows to append to a source first."
        ),
        source: str | None = typer.Option(
            None, "--source", help="Source to append to (default: the target source)."
        ),
        run: str | None = typer.Option(
            None, "--run", help="The parent run (default: the deployed one)."
        ),
        set_: list[str] = typer.Option(
            [], "--set", help="Override a training setting: --set epochs=3."
        ),
        export: bool = typer.Option(
            False,
            "--export",
            help="Export the promoted model (yearn export) and record its folder in the lineage.",
        ),
        alpha: float = typer.Option(0.05, "--alpha", help="Level of the paired test."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Decide, but promote nothing."),
        store_url: str | None = STORE_URL_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Retrain the deployed model's config on the grown data; promote if not worse."""
        from yearn.errors import ConfigError
        from yearn.monitor import append_rows, retrain_project
        from yearn.project import Project

        proj = Project(project, store_url=store_url)
        overrides = {}
        for item in set_:
            key, sep, value = item.partition("=")
            if not sep:
                raise ConfigError(f"--set {item!r}: write it as name=value (e.g. epochs=3).")
            overrides[key.strip()] = json.loads(value) if value[:1] in "0123456789-[{tf" else value
        if append is not None and dry_run:
            raise ConfigError(
                "--dry-run changes nothing, so it cannot --append; append first "
                "(or add the rows yourself), then run --dry-run."
            )
        added = append_rows(proj, append, source) if append is not None else 0
        decision = retrain_project(
            proj, run=run, dry_run=dry_run, alpha=alpha, overrides=overrides, export=export
        )
        if as_json:
            typer.echo(
                json.dumps({**decision.to_dict(), "appended_rows": added}, indent=2, default=str)
            )
            return
        if added:
            console.print(f"appended {added} rows", highlight=False)
        console.print(decision.verdict, highlight=False)
        console.print(
            f"{decision.metric} on the new dev set ({decision.dev_rows} rows): deployed "
            f"{decision.deployed_value:.4f}, new {decision.new_value:.4f}; improvement "
            f"{decision.improvement:+.4f} [{decision.ci_low:+.4f}, {decision.ci_high:+.4f}], "
            f"p = {decision.p_value:.3g}",
            highlight=False,
        )
