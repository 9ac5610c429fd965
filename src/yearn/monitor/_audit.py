"""Production examples for people to review: the most uncertain, the most drifted, and a
random share (the only part that gives unbiased estimates), as an error-analysis
worksheet the dashboard's tagging page opens."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from yearn._validation import check_positive_int
from yearn.monitor._reference import CLASS_COLUMN, CONFIDENCE_COLUMN, Reference, prediction_columns
from yearn.monitor._result import MonitorResult
from yearn.monitor._table import Table, open_table, row_ids

__all__ = ["SHARES", "audit_frame", "drift_scores"]

#: Default shares of the audit: most uncertain, most drifted, random.
SHARES = {"uncertain": 0.4, "drifted": 0.3, "random": 0.3}
MAX_SHOWN_COLUMNS = 12


def _driving_columns(result: MonitorResult, top: int = 5) -> list[str]:
    """Input columns ranked by statistic / threshold over all windows (drifted first)."""
    best: dict[str, float] = {}
    for w in result.windows:
        for c in w.columns:
            if c.role == "input" and c.threshold and np.isfinite(c.value):
                best[c.column] = max(best.get(c.column, 0.0), c.value / c.threshold)
    return [c for c, _ in sorted(best.items(), key=lambda kv: -kv[1])[:top]]


def drift_scores(reference: Reference, table: Table, columns: list[str]) -> np.ndarray:
    """Per row: Σ over ``columns`` of log(production share / reference share) of its bin —
    high for rows from regions production has far more of than training."""
    score = np.zeros(table.n)
    for name in columns:
        bins = reference.bins[name]
        codes = bins.codes(table.column(name))
        keep = codes >= 0
        q = np.bincount(codes[keep], minlength=bins.counts.size) / max(int(keep.sum()), 1)
        ratio = np.log((q + 1e-4) / (bins.p + 1e-4))
        score[keep] += ratio[codes[keep]]
    return score


def audit_frame(
    reference: Reference,
    current: pd.DataFrame | str | Path | Table,
    result: MonitorResult,
    *,
    n: int = 200,
    shares: Mapping[str, float] | None = None,
    id_column: str | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Rows for review in the worksheet layout (id, split, label, pred, confidence, correct,
    metadata, preview, tags, suggested_tags, comment); ``suggested_tags`` says why each row
    was picked (``audit-uncertain`` / ``audit-drifted`` / ``audit-random``)."""
    check_positive_int("n", n)
    shares = dict(shares or SHARES)
    table = open_table(current)
    key = id_column or next((c for c in ("request_id", "id") if c in table), None)
    ids = (
        row_ids(table, key).to_numpy(dtype=object)
        if key
        else np.array([f"row-{i + 2}" for i in range(table.n)], dtype=object)
    )
    derived = prediction_columns(table)
    rng = np.random.default_rng(random_state)
    taken = np.zeros(table.n, dtype=bool)
    picks: list[tuple[np.ndarray, str]] = []
    want = {k: round(n * v / sum(shares.values())) for k, v in shares.items()}
    want["random"] = n - want.get("uncertain", 0) - want.get("drifted", 0)
    orders = {}
    if derived is not None and CONFIDENCE_COLUMN in derived:
        orders["uncertain"] = np.argsort(derived[CONFIDENCE_COLUMN].to_numpy(), kind="stable")
    drivers = _driving_columns(result)
    if drivers:
        orders["drifted"] = np.argsort(-drift_scores(reference, table, drivers), kind="stable")
    for kind in ("uncertain", "drifted"):
        if kind not in orders:
            want["random"] += want.get(kind, 0)
            continue
        order = orders[kind][~taken[orders[kind]]][: want.get(kind, 0)]
        taken[order] = True
        picks.append((order, kind))
    rest = np.flatnonzero(~taken)
    chosen = rng.choice(rest, min(want["random"], rest.size), replace=False)
    picks.append((np.sort(chosen), "random"))
    rows = np.concatenate([p for p, _ in picks])
    reasons = np.concatenate([[f"audit-{k}"] * len(p) for p, k in picks])
    frame = pd.DataFrame({"id": ids[rows], "split": "production"})
    frame["label"] = ""
    frame["pred"] = (
        derived[CLASS_COLUMN].astype(str).to_numpy()[rows] if derived is not None else ""
    )
    conf = derived.get(CONFIDENCE_COLUMN) if derived is not None else None
    frame["confidence"] = conf.to_numpy()[rows] if conf is not None else np.nan
    frame["correct"] = ""
    for extra in ("time", "timestamp"):
        if extra in table:
            frame[extra] = table.column(extra).astype(str).to_numpy()[rows]
    for name in [*drivers, *reference.inputs][:MAX_SHOWN_COLUMNS]:
        if name in table and name not in frame:
            frame[name] = table.column(name).to_numpy()[rows]
    frame["preview"] = ""
    frame["tags"] = ""
    frame["suggested_tags"] = reasons
    frame["comment"] = ""
    return frame.reset_index(drop=True)


def audit_project(
    project,
    *,
    n: int = 200,
    log_path: str | Path | None = None,
    window: str = "1d",
    run: str | None = None,
    time_column: str | None = None,
    id_column: str | None = None,
    shares: Mapping[str, float] | None = None,
    random_state: int = 0,
) -> tuple[Path, MonitorResult, str]:
    """Monitor, then write an audit worksheet as an ``audit`` run of the store
    (``.yearn/worksheets/<audit run id>.csv``, so ``yearn ui`` opens it on that run's
    errors page). Returns the worksheet path, the monitoring result and the run id."""
    from yearn.erroranalysis import Worksheet
    from yearn.monitor._project import monitor_project

    result, ref = monitor_project(
        project,
        log_path=log_path,
        window=window,
        run=run,
        time_column=time_column,
        id_column=id_column,
        random_state=random_state,
    )
    source = result.settings["log"]
    frame = audit_frame(
        ref.reference,
        source,
        result,
        n=n,
        shares=shares,
        id_column=id_column,
        random_state=random_state,
    )
    config = {"monitored_run": ref.run_id, "n": n, "shares": dict(shares or SHARES), "log": source}
    with project.require_store() as store, store.run("monitor audit", "audit", config) as audit:
        path = Worksheet(frame).save(project.paths.worksheet(audit.id))
        audit.log_artifact(path, name="audit_worksheet.csv")
        audit.log_metric("audit_rows", len(frame))
        return path, result, audit.id
