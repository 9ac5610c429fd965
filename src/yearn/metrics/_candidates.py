"""Candidates for :func:`choose_best`: from the run store or from a table of metrics."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from yearn.errors import DataError
from yearn.metrics._registry import available_metrics, get_metric

__all__ = ["candidates_from_store", "candidates_from_table", "with_error_forms"]


def with_error_forms(metrics: dict[str, float]) -> dict[str, float]:
    """Add the missing twin of each registered metric: ``accuracy`` ↔ ``error`` and
    ``f1`` ↔ ``1-f1`` (any higher-is-better metric and its ``1-`` error form)."""
    out = dict(metrics)
    if "accuracy" in out and "error" not in out:
        out["error"] = 1.0 - out["accuracy"]
    if "error" in out and "accuracy" not in out:
        out["accuracy"] = 1.0 - out["error"]
    for name in available_metrics():
        m = get_metric(name)
        if not m.higher_is_better or name == "accuracy":
            continue
        if name in out and m.error_name not in out:
            out[m.error_name] = 1.0 - out[name]
        elif m.error_name in out and name not in out:
            out[name] = 1.0 - out[m.error_name]
    return out


def candidates_from_store(
    project: str | Path = ".",
    *,
    split: str = "dev",
    kinds: tuple[str, ...] | None = None,
    store_url: str | None = None,
) -> list[dict[str, Any]]:
    """One candidate per completed run: its metrics on ``split`` (last step) plus the
    metrics it logged without a split (such as ``latency_ms`` or ``size_mb``)."""
    from yearn.store import open_store

    store = open_store(project, url=store_url)
    try:
        runs = [
            r
            for r in store.list_runs(status="completed")
            if (kinds is None and r.kind != "split") or (kinds is not None and r.kind in kinds)
        ]
        if not runs:
            raise DataError(
                f"no completed runs{' of kind ' + '/'.join(kinds) if kinds else ''} in the run "
                "store; train or run baselines first, or give a table of candidates."
            )
        frame = store.metrics([r.id for r in runs])
    finally:
        store.close()
    names = [r.name for r in runs]
    out = []
    for run in reversed(runs):  # oldest first: ties go to the earlier run
        rows = frame[frame["run_id"] == run.id]
        metrics: dict[str, float] = {}
        for scope in (rows[rows["split"].isna()], rows[rows["split"] == split]):
            for name, group in scope.groupby("name", sort=False):
                value = group["value"].iloc[-1]
                if value is not None and math.isfinite(value):
                    metrics[str(name)] = float(value)
        label = run.name if names.count(run.name) == 1 else f"{run.name} ({run.id})"
        out.append({"name": label, "run_id": run.id, "metrics": with_error_forms(metrics)})
    return out


def candidates_from_table(path: str | Path) -> list[dict[str, Any]]:
    """Candidates from a CSV / Parquet table (a ``name`` column and one column per metric)
    or a JSON list of ``{"name": ..., "metrics": {...}}``."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found; give a table of candidates (name + metrics).")
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
        else:
            frame = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: cannot read it ({type(exc).__name__}: {exc}).") from None
    if suffix == ".json":
        if not isinstance(data, list) or not all(isinstance(c, dict) for c in data):
            raise DataError(f"{path}: expected a JSON list of {{name, metrics}} objects.")
        return [{**c, "metrics": with_error_forms(dict(c.get("metrics") or {}))} for c in data]
    if "name" not in frame:
        raise DataError(f"{path}: missing column 'name' (one row per candidate model).")
    out = []
    for _, row in frame.iterrows():
        metrics = {}
        for col in frame.columns:
            if col == "name":
                continue
            value = pd.to_numeric(pd.Series([row[col]]), errors="coerce").iloc[0]
            if pd.notna(value):
                metrics[str(col)] = float(value)
        out.append({"name": str(row["name"]), "metrics": with_error_forms(metrics)})
    return out
