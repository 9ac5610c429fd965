"""Class balance per group: counts, shares and the majority/minority ratio."""

from __future__ import annotations

import numpy as np

from yearn.profile._context import ProfileContext
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult

SEVERE_RATIO = 10.0  # majority / minority count at or above: severe imbalance


@register
class BalanceCheck(Check):
    name = "balance"
    description = "class counts per split with the imbalance ratio"

    def run(self, ctx: ProfileContext) -> CheckResult:
        if ctx.label is None or ctx.task not in ("binary", "multiclass"):
            return self.result(message="not a classification task: class balance not checked")
        y, known, classes = ctx.target
        k = len(classes)
        groups = (
            {"all": np.arange(ctx.n), **ctx.group_indices()}
            if ctx.group_by != "all"
            else {"all": np.arange(ctx.n)}
        )
        counts = {g: np.bincount(y[idx][known[idx]], minlength=k) for g, idx in groups.items()}
        limit = ctx.options.get("imbalance_ratio", SEVERE_RATIO)
        return self.result(**balance_from_counts(counts, classes, limit))


def balance_from_counts(
    counts_by_group: dict[str, np.ndarray], classes: list[str], limit: float = SEVERE_RATIO
) -> dict:
    """Severity, message, summary and evidence from class counts per group (``all``
    first): shared by the in-memory check and the streaming profile."""
    k = len(classes)
    per_group: dict[str, dict] = {}
    evidence: list[dict] = []
    for group, counts in counts_by_group.items():
        counts = np.asarray(counts, dtype=np.int64)
        if counts.sum() == 0:
            per_group[group] = {"n": 0}
            continue
        present = counts[counts > 0]
        ratio = float(present.max() / present.min())
        per_group[group] = {
            "n": int(counts.sum()),
            "counts": dict(zip(classes, counts.tolist(), strict=True)),
            "ratio": round(ratio, 2),
            "minority": classes[int(np.argmin(np.where(counts > 0, counts, np.inf)))],
        }
        absent = [c for c, n in zip(classes, counts, strict=True) if n == 0]
        if absent and group != "all" and counts.sum() >= 5 * k:
            evidence.append({"group": group, "kind": "class absent", "classes": absent})
        if ratio >= limit:
            evidence.append(
                {
                    "group": group,
                    "kind": "severe imbalance",
                    "ratio": round(ratio, 2),
                    "minority": per_group[group]["minority"],
                }
            )
    severe = [e for e in evidence if e["kind"] == "severe imbalance"]
    absent = [e for e in evidence if e["kind"] == "class absent"]
    if severe or absent:
        parts = []
        if severe:
            worst = max(severe, key=lambda e: e["ratio"])
            parts.append(
                f"severe class imbalance: {worst['ratio']:g}:1 in {worst['group']} "
                f"(minority {worst['minority']!r}); use a metric that sees the minority "
                "(F1, recall) and stratified splits, and weight the classes in the loss: "
                "yearn train --class-weight balanced"
            )
        if absent:
            parts.append(
                "class(es) absent from "
                + ", ".join(f"{e['group']} ({', '.join(e['classes'])})" for e in absent)
            )
        severity, message = "warning", "; ".join(parts)
    else:
        ratio = per_group["all"].get("ratio", 1.0)
        severity, message = "info", f"{k} classes, majority/minority ratio {ratio:g}"
    return {
        "severity": severity,
        "message": message,
        "summary": {"classes": classes, "by_group": per_group},
        "evidence": evidence,
    }
