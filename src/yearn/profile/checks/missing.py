"""Missing values per column and group, and whether missingness itself predicts the label."""

from __future__ import annotations

import numpy as np
from scipy import stats

from yearn.profile._context import ProfileContext
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult
from yearn.profile._stats import cramers_v

EFFECT_V = 0.1  # Cramér's V at or above: missingness tells something about the label
EFFECT_D = 0.2  # |Cohen's d| for regression labels
ALPHA = 0.001
TARGET_RATE = 0.01  # target missing rate (and 5× the training rate) worth injecting for


def _label_association(missing: np.ndarray, y: np.ndarray, task: str, k: int) -> dict | None:
    n_miss = int(missing.sum())
    if n_miss < 5 or n_miss > missing.size - 5:
        return None
    if task == "regression":
        a, b = y[missing], y[~missing]
        pooled = np.sqrt(
            (a.var(ddof=1) * (a.size - 1) + b.var(ddof=1) * (b.size - 1)) / (a.size + b.size - 2)
        )
        d = float((a.mean() - b.mean()) / pooled) if pooled > 0 else 0.0
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue) if pooled > 0 else 1.0
        return {
            "effect": "cohens_d",
            "value": round(d, 4),
            "p_value": p,
            "mean_when_missing": float(a.mean()),
            "mean_when_present": float(b.mean()),
            "strong": abs(d) >= EFFECT_D,
        }
    table = np.bincount(missing.astype(np.int64) * k + y, minlength=2 * k)
    table = table.reshape(2, k).astype(np.float64)
    v = cramers_v(table)
    p = 1.0
    observed = table[:, table.sum(axis=0) > 0]
    if observed.shape[1] >= 2:
        p = float(stats.chi2_contingency(observed).pvalue)
    rate = table / np.maximum(table.sum(axis=1, keepdims=True), 1)
    return {
        "effect": "cramers_v",
        "value": round(v, 4),
        "p_value": p,
        "label_rate_when_missing": rate[1].round(4).tolist(),
        "label_rate_when_present": rate[0].round(4).tolist(),
        "strong": v >= EFFECT_V,
    }


@register
class MissingCheck(Check):
    name = "missing"
    description = "missing values per column and group; does missingness predict the label"

    def run(self, ctx: ProfileContext) -> CheckResult:
        groups = ctx.group_indices()
        per_column: dict[str, dict] = {}
        any_missing = np.zeros(ctx.n, dtype=bool)
        all_missing, predictive = [], []
        evidence: list[dict] = []
        y, known, classes = ctx.target
        task = ctx.task or "regression"
        views = [ctx.view(c) for c in ctx.features]
        sides = ctx.train_target_rows()
        target_only: list[str] = []
        n_tests = max(1, sum(v.n_missing > 0 for v in views))
        for view in views:
            miss = view.missing
            if not miss.any():
                continue
            any_missing |= miss
            rates = {
                g: round(float(miss[idx].mean()), 4) if idx.size else None
                for g, idx in groups.items()
            }
            per_column[view.name] = {
                "missing": int(miss.sum()),
                "rate": round(float(miss.mean()), 4),
                "by_group": rates,
            }
            if miss.all():
                all_missing.append(view.name)
                continue
            if sides is not None:
                in_train, in_target = miss[sides[0]].mean(), miss[sides[1]].mean()
                per_column[view.name]["train_vs_target"] = [
                    round(float(in_train), 4),
                    round(float(in_target), 4),
                ]
                if in_target >= TARGET_RATE and in_train < in_target / 5:
                    target_only.append(view.name)
                    evidence.append(
                        {
                            "column": view.name,
                            "kind": "missing mostly in target",
                            "train_rate": round(float(in_train), 4),
                            "target_rate": round(float(in_target), 4),
                        }
                    )
            if ctx.label is None or known.sum() < 10:
                continue
            assoc = _label_association(miss[known], y[known], task, max(len(classes), 1))
            if assoc is None:
                continue
            per_column[view.name]["label_association"] = {
                k: v for k, v in assoc.items() if k != "strong"
            }
            if assoc["strong"] and assoc["p_value"] < ALPHA / n_tests:
                predictive.append(view.name)
                evidence.append(
                    {
                        "column": view.name,
                        "kind": "missingness predicts label",
                        **{k: v for k, v in assoc.items() if k != "strong"},
                    }
                )
        for name in all_missing:
            evidence.append(
                {
                    "column": name,
                    "kind": "all missing",
                    "why": "every value is missing; drop the column",
                }
            )
        parts = []
        if predictive:
            parts.append(
                f"missingness of {', '.join(predictive)} predicts the label: keep a "
                "missing indicator (yearn.prep adds one) and ask why values are missing"
            )
        if all_missing:
            parts.append(f"column(s) {', '.join(all_missing)} are entirely missing")
        if target_only:
            parts.append(
                f"{', '.join(target_only)} are missing far more often in the target data than "
                "in training: inject missing values into training data at the target's rates "
                "(yearn.prep.inject_missing)"
            )
        if parts:
            severity, message = "warning", "; ".join(parts)
        elif per_column:
            severity = "info"
            message = (
                f"{len(per_column)} column(s) have missing values "
                f"({int(any_missing.sum())} rows affected); none predicts the label"
            )
        else:
            severity, message = "info", "no missing values"
        return self.result(
            severity=severity,
            message=message,
            summary={
                "columns": per_column,
                "rows_with_missing": int(any_missing.sum()),
                "predictive": predictive,
                "missing_mostly_in_target": target_only,
                "all_missing": all_missing,
            },
            evidence=evidence,
            flags=any_missing,
        )
