"""The run the report is about, which columns it was trained on, and whether the feature
screen now leaves any of them out.

A train run records its input columns in its config (``columns``, ``excluded_columns``);
runs from before that are read from their saved preprocessor (``prep/prep.json``). The
report's default model is never a run trained on a column the screen now drops unless no
other run exists, and the report says so.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pandas as pd

from yearn.errors import ConfigError, StoreError
from yearn.report._sections import ProjectView, _curve_table, _final_values, error_name

__all__ = ["choose_run", "columns_fact", "run_columns", "screened_out"]

log = logging.getLogger(__name__)

PREP_ARTIFACT = "prep/prep.json"


def run_columns(store: Any, run: Any) -> list[str] | None:
    """The input columns of ``run`` (``None`` when neither recorded nor readable)."""
    recorded = (run.config or {}).get("columns")
    if recorded is not None:
        return [str(c) for c in recorded]
    try:
        path = store.artifact_path(run.id, PREP_ARTIFACT)
        prep = json.loads(path.read_text(encoding="utf-8"))
    except StoreError:
        return None  # no saved preprocessor (images, arrays): columns unknown
    except (OSError, ValueError) as exc:
        log.warning("run %s: %s unreadable (%s)", run.id, PREP_ARTIFACT, exc)
        return None
    text = (prep.get("params") or {}).get("text") or []
    return [*map(str, prep.get("numeric") or []), *map(str, prep.get("categorical") or [])] + [
        str(c) for c in text
    ]


def screened_out(store: Any, run: Any, excluded: dict[str, str]) -> list[str]:
    """Columns ``run`` was trained on that the feature screen now leaves out."""
    if not excluded:
        return []
    return [c for c in run_columns(store, run) or [] if c in excluded]


def columns_fact(store: Any, run: Any, excluded: dict[str, str]) -> str:
    """One line for the report's overview: the model's columns and any now screened out."""
    cols = run_columns(store, run)
    if cols is None:
        return "not recorded for this run"
    shown = ", ".join(cols[:12]) + (f", … ({len(cols)} in all)" if len(cols) > 12 else "")
    stale = [c for c in cols if c in excluded]
    if stale:
        shown += (
            f". WARNING: trained on {', '.join(stale)}, which the feature screen now leaves out "
            "as leaky or id-like; its results are not comparable: retrain (`yearn train`)"
        )
    return shown


def choose_run(view: ProjectView, metrics: pd.DataFrame, run: str | None) -> None:
    """Set ``view.chosen`` (see :func:`_choose`) and ``view.features``: the columns the
    reported model was trained on, with a warning when the screen now leaves one out."""
    _choose(view, metrics, run)
    model = view.model_run()
    if model is not None:
        view.features = columns_fact(view.store, model, _excluded(view))


def _choose(view: ProjectView, metrics: pd.DataFrame, run: str | None) -> None:
    """Set ``view.chosen``: ``run`` when given (a completed train run), else the train run
    with the lowest final dev value of the project's metric among those whose logged
    values meet every constraint of yearn.toml (a run that did not log a constrained
    metric cannot be shown to meet it and is left out). A run trained on a column the
    feature screen now leaves out is chosen only when no other run qualifies; ``view.why``
    says which runs were passed over and why."""
    trains = view.runs_of("train")
    by_id = {r.id: r for r in trains}
    if run is not None:
        match = [r for r in trains if r.id == run or r.id.endswith(run)]
        if len(match) != 1:
            raise ConfigError(
                f"--run {run!r}: no completed train run has that id"
                + (" (several end with it: give more of it)" if len(match) > 1 else "")
                + "; `yearn runs` lists them."
            )
        view.chosen, view.why = match[0].id, "chosen with --run"
        return
    excluded = _excluded(view)
    metric = error_name(view.config)
    finals = _final_values(metrics[metrics["run_id"].isin([r.id for r in trains])], metric)
    constraints = view.config.metric.constraints
    table = _curve_table(metrics) if constraints else {}
    ok = []
    for r in trains:
        dev = finals.get(r.id, {}).get("dev")
        if dev is None or finals[r.id].get("_metric") != metric:
            continue
        meets = True
        for c in constraints:
            per_split = table.get(r.id, {}).get(c.metric)
            if not per_split:
                meets = False
                break
            split = "dev" if "dev" in per_split else next(iter(per_split))
            meets = meets and c.satisfied(float(per_split[split][1][-1]))
        if meets:
            ok.append((float(dev), r.id))
    stale = {rid: screened_out(view.store, by_id[rid], excluded) for _, rid in ok}
    fresh = [(dev, rid) for dev, rid in ok if not stale[rid]]
    skipped = sorted({c for _, rid in ok for c in stale[rid]}), len(ok) - len(fresh)
    if fresh:
        ok = fresh
    if not ok:
        view.why = (
            "no train run has a dev "
            + metric
            + (" and meets the constraints" if constraints else "")
            + ": the last `yearn run`'s (or newest) train run"
        )
        return
    dev, best = min(ok)
    view.chosen = best
    view.why = (
        f"the lowest dev {metric} ({dev:.4g}) of {len(ok)} train run(s)"
        + (f" meeting {', '.join(map(str, constraints))}" if constraints else "")
        + "; choose another with `yearn report --run ID`"
    )
    if skipped[1] and fresh:
        view.why += (
            f"; {skipped[1]} run(s) left out of the choice: trained on "
            f"{', '.join(skipped[0])}, which the feature screen now leaves out"
        )
    elif stale.get(best):
        view.why += (
            f"; every such run was trained on {', '.join(stale[best])}, which the feature "
            "screen now leaves out: retrain (`yearn train`)"
        )


def _excluded(view: ProjectView) -> dict[str, str]:
    """Columns the project's recorded feature screen leaves out now."""
    from yearn.profile import recorded_screen

    screen = recorded_screen(view.config)
    return dict(screen.excluded) if screen is not None else {}
