"""Exact duplicate rows (over the feature columns) within and across splits, by hashing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yearn.profile._context import ProfileContext
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult


def row_hashes(ctx: ProfileContext) -> np.ndarray:
    """A 64-bit hash of every row's feature values (missing values hash alike).

    Each column is hashed with ``pd.util.hash_pandas_object`` (numbers as floats,
    categories as their codes) and the column hashes are combined as pandas combines them.
    """
    out = np.zeros(ctx.n, dtype=np.uint64)
    mult = np.uint64(1000003)
    for k, view in enumerate(ctx.views()):
        if view.kind in ("numeric", "categorical"):
            col = pd.Series(view.values)
        else:
            col = pd.Series(view.values, dtype=object).astype(str).where(~view.missing, "")
        h = pd.util.hash_pandas_object(col, index=False).to_numpy()
        with np.errstate(over="ignore"):
            out = (out ^ h) * mult
            mult += np.uint64(82520 + 2 * k)
    return out


def _examples(ctx: ProfileContext, rows: np.ndarray, keys: np.ndarray, limit: int = 5):
    """Up to ``limit`` groups of duplicate rows as lists of row positions (and ids)."""
    out = []
    order = np.argsort(keys[rows], kind="stable")
    sorted_rows, sorted_keys = rows[order], keys[rows][order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], sorted_rows.size], strict=True):
        members = sorted_rows[s:e][:5].tolist()
        item = {"rows": members}
        if ctx.id_column:
            item["ids"] = ctx.frame[ctx.id_column].iloc[members].astype(str).tolist()
        codes, names = ctx.group_codes
        item["groups"] = sorted({names[c] for c in codes[members]})
        out.append(item)
        if len(out) >= limit:
            break
    return out


@register
class DuplicatesCheck(Check):
    name = "duplicates"
    description = "exact duplicate rows within and across splits"

    def run(self, ctx: ProfileContext) -> CheckResult:
        if not ctx.features:
            return self.result(message="no feature columns: duplicates not checked")
        hashes = row_hashes(ctx)
        keys = pd.factorize(hashes)[0]
        counts = np.bincount(keys)
        in_dup = counts[keys] > 1
        later = np.ones(ctx.n, dtype=bool)  # rows repeating an earlier row
        later[np.unique(keys, return_index=True)[1]] = False
        gcodes, gnames = ctx.group_codes
        n_groups = len(gnames)
        pair = np.unique(keys[in_dup] * n_groups + gcodes[in_dup])
        groups_per_key = np.bincount(pair // n_groups, minlength=counts.size)
        cross = in_dup & (groups_per_key[keys] > 1)
        # rows in a duplicated group minus the distinct (hash, group) pairs = repeats
        dup_per_group = np.bincount(gcodes[in_dup], minlength=n_groups)
        pairs_per_group = np.bincount(pair % n_groups, minlength=n_groups)
        within_by_group = {
            name: int(dup_per_group[g] - pairs_per_group[g]) for g, name in enumerate(gnames)
        }
        evidence: list[dict] = []
        conflicting = 0
        if ctx.label is not None and in_dup.any():
            y, known, _ = ctx.target
            sel = in_dup & known
            if sel.any():
                yy = y[sel].astype(np.float64)
                frame = pd.DataFrame({"k": keys[sel], "y": yy})
                n_labels = frame.groupby("k")["y"].nunique()
                bad = n_labels.index[n_labels.to_numpy() > 1].to_numpy()
                conflicting = int(bad.size)
                if bad.size:
                    rows = np.flatnonzero(sel & np.isin(keys, bad[:5]))
                    for item in _examples(ctx, rows, keys):
                        evidence.append({"kind": "duplicates with different labels", **item})
        if cross.any():
            for item in _examples(ctx, np.flatnonzero(cross), keys):
                evidence.append({"kind": f"duplicate across {ctx.group_by}s", **item})
        n_within = sum(within_by_group.values())
        if n_within and not cross.any():
            for item in _examples(ctx, np.flatnonzero(in_dup), keys, 3):
                evidence.append({"kind": "duplicate within", **item})
        n_cross = int(cross.sum())
        parts = []
        severity = "info"
        if n_cross:
            severity = "error" if ctx.group_by == "split" else "warning"
            parts.append(
                f"{n_cross} rows have an exact duplicate in another {ctx.group_by}"
                + (
                    " (evaluation is contaminated: drop them from dev/test)"
                    if ctx.group_by == "split"
                    else ""
                )
            )
        if n_within:
            if severity == "info":
                severity = "warning" if n_within >= max(1, 0.01 * ctx.n) else "info"
            parts.append(f"{n_within} rows repeat an earlier row of the same {ctx.group_by}")
        if conflicting:
            severity = "error" if severity == "error" else "warning"
            parts.append(f"{conflicting} duplicated inputs carry different labels")
        message = "; ".join(parts) if parts else "no exact duplicate rows"
        return self.result(
            severity=severity,
            message=message,
            summary={
                "duplicate_rows": int(later.sum()),
                "within_by_group": within_by_group,
                "across_groups": n_cross,
                "conflicting_labels": conflicting,
            },
            evidence=evidence,
            flags=later | cross,
        )
