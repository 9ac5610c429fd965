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
        limit = ctx.options.get("imbalance_ratio", SEVERE_RATIO)
        per_group: dict[str, dict] = {}
        evidence: list[dict] = []
        groups = (
            {"all": np.arange(ctx.n), **ctx.group_indices()}
            if ctx.group_by != "all"
            else {"all": np.arange(ctx.n)}
        )
        for group, idx in groups.items():
            labels = y[idx][known[idx]]
            counts = np.bincount(labels, minlength=k)
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
        return self.result(
            severity=severity,
            message=message,
            summary={"classes": classes, "by_group": per_group},
            evidence=evidence,
        )
