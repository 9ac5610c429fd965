"""Contaminated ids and groups: the same id or group (user, patient, base image) in more
than one of train / train-dev / dev / test."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yearn.profile._context import ProfileContext
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult


def _spanning(values: pd.Series, gcodes: np.ndarray, names: list[str]):
    """Rows whose value occurs in more than one split, and a few example values."""
    keys = pd.factorize(values)[0]
    ok = keys >= 0
    n_groups = len(names)
    n_keys = max(int(keys.max()) + 1, 1)
    seen = np.zeros(n_keys * n_groups, dtype=bool)  # (value, group) pairs present: O(rows)
    seen[keys[ok] * n_groups + gcodes[ok]] = True
    per_key = seen.reshape(n_keys, n_groups).sum(axis=1)
    bad = np.zeros(keys.size, dtype=bool)
    bad[ok] = per_key[keys[ok]] > 1
    if not bad.any():
        return bad, 0, []
    examples = []
    for value in pd.unique(values[bad])[:5]:
        rows = np.flatnonzero(bad & (values.to_numpy() == value))
        examples.append(
            {
                "value": str(value),
                "splits": sorted({names[c] for c in gcodes[rows]}),
                "rows": rows[:5].tolist(),
            }
        )
    return bad, int(pd.Series(values[bad]).nunique()), examples


@register
class ContaminationCheck(Check):
    name = "contamination"
    description = "ids and groups that appear in more than one split"

    def run(self, ctx: ProfileContext) -> CheckResult:
        if ctx.group_by == "all":
            return self.result(message="no split or source: contamination not checked")
        unit = ctx.group_by  # "split", or "source" before a split is drawn
        gcodes, names = ctx.group_codes
        flags = np.zeros(ctx.n, dtype=bool)
        summary: dict[str, int] = {}
        evidence: list[dict] = []
        for role, column in (("id", ctx.id_column), ("group", ctx.group_column)):
            if column is None or column not in ctx.frame:
                continue
            bad, n_values, examples = _spanning(ctx.frame[column], gcodes, names)
            summary[f"{role}s_in_several_{unit}s"] = n_values
            if role == "id" or unit == "split":  # a group may span sources legitimately
                flags |= bad
            evidence += [
                {"kind": f"{role} in several {unit}s", "column": column, **e} for e in examples
            ]
        if not summary:
            return self.result(message=f"no id or group column to check across {unit}s")
        if flags.any() and unit == "split":
            what = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.items() if v)
            return self.result(
                severity="error",
                message=f"contaminated splits: {what}; re-split by group so that no id or "
                "group straddles train and dev/test (yearn split --group)",
                summary=summary,
                evidence=evidence,
                flags=flags,
            )
        if flags.any():
            return self.result(
                severity="warning",
                message=f"{summary['ids_in_several_sources']} id(s) appear in more than one "
                "source: the same example may sit in training and target data — deduplicate "
                "before splitting",
                summary=summary,
                evidence=evidence,
                flags=flags,
            )
        return self.result(
            message=f"no id or group appears in more than one {unit}",
            summary=summary,
            evidence=[e for e in evidence if unit == "split"],
            flags=flags,
        )
