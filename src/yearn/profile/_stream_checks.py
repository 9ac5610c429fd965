"""The streamed checks' results: summary, class balance and exact duplicates, built from
what one pass over the sources gathered (``_stream._Pass``), in the in-memory checks'
shapes plus the figures that say which numbers are exact and which are sketched."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from yearn.profile._result import CheckResult
from yearn.profile._sketch import HLL_LG_K, N_BINS, TOP_K, CategoryStats, Distinct
from yearn.profile.checks.balance import balance_from_counts

__all__ = ["balance_result", "contamination_result", "duplicates_result", "summary_result"]


def _union(parts: list[Distinct]) -> dict[str, Any]:
    """The distinct count over several groups: exact when every part is, else HyperLogLog."""
    if all(p.exact for p in parts):
        n = len(set().union(*(p.values for p in parts)))
        return {"unique": n, "unique_exact": True}
    from datasketches import hll_sketch, hll_union

    union = hll_union(HLL_LG_K)
    for p in parts:
        if p.exact:
            sketch = hll_sketch(HLL_LG_K)
            for v in p.values:
                sketch.update(v)
            union.update(sketch)
        else:
            union.update(p.hll)
    result = union.get_result()
    return {
        "unique": round(result.get_estimate()),
        "unique_exact": False,
        "unique_bounds": [int(result.get_lower_bound(2)), math.ceil(result.get_upper_bound(2))],
    }


def _edges(lo: float, hi: float) -> np.ndarray:
    width = (hi - lo) / N_BINS or 1.0
    return lo + width * np.arange(N_BINS + 1)


def _numeric(per_group: dict, distinct: bool) -> dict[str, Any]:
    present = [a for a in per_group.values() if a.count]
    lo = min((a.min for a in present), default=0.0)
    hi = max((a.max for a in present), default=1.0)
    edges = _edges(lo, hi)
    by_group, exact_hist = {}, True
    for g, acc in per_group.items():
        row = acc.result()
        if acc.count:
            row["histogram"], exact = acc.histogram(edges)
            exact_hist &= exact
        by_group[g] = row
    sampled = any(not a.reservoir.exact for a in per_group.values())
    sketched = (["q25", "median", "q75"] if sampled else []) + ([] if exact_hist else ["histogram"])
    info: dict[str, Any] = {"by_group": by_group, "edges": edges.tolist()}
    if distinct:
        integer = all(a.integer_valued and a.distinct is not None for a in per_group.values())
        if integer and present:
            info.update(_union([a.distinct for a in per_group.values()]))
            if not info["unique_exact"]:
                sketched.append("unique")
        else:
            info["unique"] = None
    info["sketched"] = sketched
    constant = bool(present) and lo == hi
    return {**info, "_constant": constant, "_value": lo}


def _categorical(per_group: dict[str, CategoryStats]) -> dict[str, Any]:
    totals: dict[str, int] = {}
    for acc in per_group.values():
        for v, c in acc.totals().items():
            totals[v] = totals.get(v, 0) + c
    top = sorted(totals, key=lambda v: (-totals[v], v))[:TOP_K]
    by_group = {}
    for g, acc in per_group.items():
        counts = {v: acc.estimate(v) for v in top}
        by_group[g] = {
            "count": acc.count,
            "missing": acc.missing,
            "unique": acc.distinct.count(),
            "top": counts,
            "other": acc.count - sum(counts.values()),
        }
    info = {"by_group": by_group, **_union([a.distinct for a in per_group.values()])}
    exact = all(a.exact for a in per_group.values())
    info["sketched"] = [] if exact else ["top", "other", "unique"]
    if not exact:
        info["count_error"] = max(a.epsilon() * a.count for a in per_group.values())
    return {**info, "_constant": info["unique"] == 1, "_value": top[0] if top else None}


def summary_result(gathered: Any) -> CheckResult:
    """The summary check over every row (see ``_sketch`` for what is exact)."""
    columns: dict[str, dict] = {}
    evidence: list[dict] = []
    for name in gathered.columns:
        kind = gathered.kinds.get(name, "empty")
        per_group = gathered.stats[name]
        missing = sum(a.missing for a in per_group.values())
        counted = sum(a.count for a in per_group.values())
        if counted == 0:
            kind = "empty"
        info: dict[str, Any] = {"kind": kind, "missing": missing}
        if kind == "numeric":
            info.update(_numeric(per_group, distinct=True))
        elif kind == "categorical":
            info.update(_categorical(per_group))
        elif kind == "text":
            part = _numeric(per_group, distinct=False)
            info["length_by_group"], info["edges"] = part["by_group"], part["edges"]
            info["sketched"] = part["sketched"]
            part["_constant"] = False
            info.update({k: v for k, v in part.items() if k.startswith("_")})
        else:
            evidence.append(
                {"column": name, "kind": "all missing", "why": "no value at all; drop the column"}
            )
        if info.pop("_constant", False) and name != gathered.label:
            evidence.append(
                {
                    "column": name,
                    "kind": "constant",
                    "why": f"a single value ({info['_value']!s}); it carries no information "
                    "— drop it",
                }
            )
        info.pop("_value", None)
        columns[name] = info
    n = sum(gathered.groups.values())
    if evidence:
        severity = "warning"
        message = "; ".join(f"{e['column']}: {e['kind']}" for e in evidence[:8])
    else:
        severity = "info"
        message = (
            f"{len(columns)} columns over {n} rows in {len(gathered.groups)} {gathered.unit}(s)"
        )
    return CheckResult(
        name="summary",
        severity=severity,
        message=message,
        summary={
            "columns": {
                k: {kk: vv for kk, vv in v.items() if kk != "edges"} for k, v in columns.items()
            },
            "groups": dict(gathered.groups),
        },
        evidence=evidence,
        data={"columns": columns},
    )


def balance_result(gathered: Any) -> CheckResult:
    """Class balance from the exact class counts of every row."""
    task = gathered.config.task
    if gathered.label is None or task not in ("binary", "multiclass"):
        return CheckResult(
            name="balance", message="not a classification task: class balance not checked"
        )
    classes = sorted({c for per in gathered.labels.values() for c in per})
    counts = {
        g: np.array([gathered.labels.get(g, {}).get(c, 0) for c in classes], dtype=np.int64)
        for g in gathered.groups
    }
    counts = {"all": sum(counts.values()), **counts}
    return CheckResult(name="balance", **balance_from_counts(counts, classes))


def _where(rows: np.ndarray, gathered: Any) -> list[str]:
    """``source:row`` (row counted from 0 in that source's file) of global row positions."""
    names = list(gathered.source_rows)
    ends = np.cumsum(list(gathered.source_rows.values()))
    out = []
    for r in rows.tolist():
        k = int(np.searchsorted(ends, r, side="right"))
        out.append(f"{names[k]}:{r - (int(ends[k - 1]) if k else 0)}")
    return out


def _duplicates_in(part: np.ndarray, n_groups: int, labelled: bool) -> dict[str, Any]:
    """Duplicate figures of one hash partition (records: hash, row, group, label; equal
    hashes never straddle partitions): counts, and the runs (in hash order) to show."""
    order = np.argsort(part["hash"], kind="stable")  # ties in row order, as appended
    hashes = part["hash"][order]
    rows = part["row"][order]
    run = np.cumsum(np.r_[True, hashes[1:] != hashes[:-1]]) - 1
    del hashes
    sizes = np.bincount(run)
    in_dup = sizes[run] > 1
    g_sorted = part["group"][order].astype(np.int64)
    pair = np.unique(run[in_dup] * n_groups + g_sorted[in_dup])
    groups_per_run = np.bincount(pair // n_groups, minlength=sizes.size)
    cross = in_dup & (groups_per_run[run] > 1)
    out: dict[str, Any] = {
        "unique": int(sizes.size),
        "dup_per_group": np.bincount(g_sorted[in_dup], minlength=n_groups),
        "pairs_per_group": np.bincount(pair % n_groups, minlength=n_groups),
        "cross": int(cross.sum()),
        "conflicting": 0,
        "show": {"labels": [], "cross": [], "within": []},
    }

    def rows_of(runs):
        return [np.sort(rows[run == r])[:5] for r in runs]

    if labelled and in_dup.any():
        labels = part["label"][order].astype(np.int64)
        sel = in_dup & (labels >= 0)
        if sel.any():
            width = int(labels.max()) + 1
            pairs = np.unique(run[sel] * width + labels[sel])
            bad = np.flatnonzero(np.bincount(pairs // width) > 1)
            out["conflicting"] = int(bad.size)
            out["show"]["labels"] = rows_of(bad[:5])
    if out["cross"]:
        out["show"]["cross"] = rows_of(np.unique(run[cross])[:5])
    out["show"]["within"] = rows_of(np.unique(run[in_dup])[:3])
    return out


def duplicates_result(gathered: Any) -> CheckResult:
    """Exact duplicate rows over the features, within and across sources, over every row:
    the row hashes were spilled to disk by hash prefix, read one partition at a time."""
    if not gathered.features or gathered.dups is None or not gathered.dups.rows:
        return CheckResult(name="duplicates", message="no feature columns: duplicates not checked")
    n = gathered.dups.rows
    names = gathered.group_names  # group code -> name
    n_groups = len(names)
    unit = gathered.unit
    labelled = gathered.label is not None
    unique = n_cross = conflicting = 0
    dup_per_group = np.zeros(n_groups, dtype=np.int64)
    pairs_per_group = np.zeros(n_groups, dtype=np.int64)
    show: dict[str, list] = {"labels": [], "cross": [], "within": []}
    for part in gathered.dups:
        got = _duplicates_in(part, n_groups, labelled)
        unique += got["unique"]
        n_cross += got["cross"]
        conflicting += got["conflicting"]
        dup_per_group += got["dup_per_group"]
        pairs_per_group += got["pairs_per_group"]
        for kind, limit in (("labels", 5), ("cross", 5), ("within", 3)):
            show[kind] = (show[kind] + got["show"][kind])[:limit]
    within = {
        name: int(dup_per_group[g] - pairs_per_group[g])
        for g, name in enumerate(names)
        if name in gathered.groups
    }
    evidence: list[dict] = [
        {"kind": "duplicates with different labels", "rows": _where(rows, gathered)}
        for rows in show["labels"]
    ]
    evidence += [
        {"kind": f"duplicate across {unit}s", "rows": _where(rows, gathered)}
        for rows in show["cross"]
    ]
    n_within = sum(within.values())
    if n_within and not n_cross:
        evidence += [
            {"kind": "duplicate within", "rows": _where(rows, gathered)} for rows in show["within"]
        ]
    parts, severity = [], "info"
    if n_cross:
        severity = "error" if unit == "split" else "warning"
        parts.append(
            f"{n_cross} rows have an exact duplicate in another {unit}"
            + (" (evaluation is contaminated: drop them from dev/test)" if unit == "split" else "")
        )
    if n_within:
        if severity == "info":
            severity = "warning" if n_within >= max(1, 0.01 * n) else "info"
        parts.append(f"{n_within} rows repeat an earlier row of the same {unit}")
    if conflicting:
        severity = "error" if severity == "error" else "warning"
        parts.append(f"{conflicting} duplicated inputs carry different labels")
    return CheckResult(
        name="duplicates",
        severity=severity,
        message="; ".join(parts) if parts else "no exact duplicate rows",
        summary={
            "duplicate_rows": int(n - unique),
            "within_by_group": within,
            "across_groups": n_cross,
            "conflicting_labels": conflicting,
        },
        evidence=evidence,
    )


def _spanning_in(part: np.ndarray) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    """Keys of one partition (records: key, row, group) held by rows of several groups:
    how many, and the rows (and their groups) of the first five (in key order)."""
    order = np.argsort(part["key"], kind="stable")
    keys = part["key"][order]
    g = part["group"][order]
    rows = part["row"][order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    known = keys[starts] != 0  # 0: a missing id or group
    del keys
    spanning = known & (np.minimum.reduceat(g, starts) != np.maximum.reduceat(g, starts))
    ends = np.r_[starts[1:], order.size]
    shown = []
    for k in np.flatnonzero(spanning)[:5]:
        first = np.argsort(rows[starts[k] : ends[k]], kind="stable")[:5] + starts[k]
        shown.append((rows[first], g[first]))
    return int(spanning.sum()), shown


def contamination_result(gathered: Any) -> CheckResult:
    """Ids (and groups) that appear in more than one source, over every row: their hashes
    were spilled to disk by hash prefix and are read one partition at a time."""
    if not gathered.keyed:
        return CheckResult(
            name="contamination", message="no id or group column to check across sources"
        )
    names = gathered.group_names
    unit = gathered.unit
    summary: dict[str, int] = {}
    flagged = 0
    evidence: list[dict] = []
    for role, column in gathered.keyed.items():
        count, shown = 0, []
        for part in gathered.keys[role]:
            k, rows = _spanning_in(part)
            count += k
            shown = (shown + rows)[:5]
        summary[f"{role}s_in_several_{unit}s"] = count
        if role == "id" or unit == "split":  # a group may span sources legitimately
            flagged += count
        for rows, groups in shown:
            evidence.append(
                {
                    "kind": f"{role} in several {unit}s",
                    "column": column,
                    "splits": sorted({names[c] for c in groups.tolist()}),
                    "rows": _where(rows, gathered),
                }
            )
    if flagged and unit == "split":
        what = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.items() if v)
        return CheckResult(
            name="contamination",
            severity="error",
            message=f"contaminated splits: {what}; re-split by group so that no id or group "
            "straddles train and dev/test (yearn split --group)",
            summary=summary,
            evidence=evidence,
        )
    if flagged:
        return CheckResult(
            name="contamination",
            severity="warning",
            message=f"{summary['ids_in_several_sources']} id(s) appear in more than one source: "
            "the same example may sit in training and target data — deduplicate before "
            "splitting",
            summary=summary,
            evidence=evidence,
        )
    return CheckResult(
        name="contamination",
        message=f"no id or group appears in more than one {unit}",
        summary=summary,
        evidence=evidence if unit == "split" else [],
    )
