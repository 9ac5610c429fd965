"""Target leakage: a feature that alone predicts the label too well, id-like columns
(unique per row, or monotone with row order) and columns that duplicate the label."""

from __future__ import annotations

import numpy as np

from yearn.data import id_like_reason  # the rule lives in the data layer; importable here too
from yearn.profile._context import ProfileContext
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult
from yearn.profile._stats import bin_codes, single_feature_score

LEAK_AUC = 0.98  # single-feature holdout AUC at or above: almost surely a leak
STRONG_AUC = 0.90  # worth a look: is the feature known at prediction time?
LEAK_R2 = 0.95
STRONG_R2 = 0.80
MAX_ROWS = 200_000
TEXT_ROWS = 50_000  # rows for the bag-of-words test of a text column


def _duplicates_label(view, y: np.ndarray, known: np.ndarray, task: str, k: int) -> bool:
    """Whether the column is the label renamed or re-encoded (a 1-to-1 mapping)."""
    if task == "regression":
        if view.kind != "numeric":
            return False
        x, yy = view.values[known], y[known]
        ok = np.isfinite(x)
        if ok.sum() < 3 or np.std(x[ok]) == 0 or np.std(yy[ok]) == 0:
            return False
        return bool(abs(np.corrcoef(x[ok], yy[ok])[0, 1]) > 0.9999 and ok.mean() > 0.99)
    if view.kind == "categorical":
        codes, n_values = view.values[known], len(view.categories)
    elif view.kind == "numeric":
        x = view.values[known]
        if np.unique(x[:5000]).size > 2 * k or np.isnan(x).any():
            return False
        uniques, codes = np.unique(x, return_inverse=True)
        n_values = uniques.size
    else:
        return False
    if n_values < k or n_values > 2 * k or codes.size == 0 or np.any(codes < 0):
        return False
    table = np.bincount(codes * k + y[known], minlength=n_values * k).reshape(n_values, k)
    return bool(table.max(axis=1).sum() >= 0.999 * codes.size)


def _text_score(ctx, view, rows, half, y, task, k) -> float | None:
    """Holdout AUC / R² of a bag-of-words model on one text column alone (≤ 50k rows)."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score, roc_auc_score
    from sklearn.naive_bayes import MultinomialNB

    keep = ctx.sample_rows(np.arange(rows.size), TEXT_ROWS, 12)
    rows, half = rows[keep], half[keep]
    texts = ["" if t is None or t != t else str(t) for t in view.values[rows]]
    if not any(texts) or half.all() or not half.any():
        return None
    vec = HashingVectorizer(
        n_features=2**16, alternate_sign=False, norm=None, token_pattern=r"(?u)\b\w+\b"
    )
    X = vec.transform(texts)
    yy = y[rows]
    if task == "regression":
        pred = Ridge(alpha=1.0).fit(X[half], yy[half]).predict(X[~half])
        return float(r2_score(yy[~half], pred))
    model = MultinomialNB().fit(X[half], yy[half])
    proba = np.zeros((int((~half).sum()), k))
    proba[:, model.classes_] = model.predict_proba(X[~half])
    held = yy[~half]
    if np.unique(held).size < 2:
        return None
    if k == 2:
        return float(roc_auc_score(held, proba[:, 1]))
    present = np.unique(held)
    aucs = [roc_auc_score(held == c, proba[:, c]) for c in present]
    return float(np.mean(aucs))


@register
class LeakageCheck(Check):
    name = "leakage"
    description = "each feature alone against the label on a holdout; id-like columns"

    def _without_label(self, ctx: ProfileContext) -> CheckResult:
        """No single label (none, or a multi-label set): id-like columns are still found,
        so the feature screen leaves them out of every model's features."""
        evidence = []
        for view in ctx.views(("numeric", "categorical")):
            why = id_like_reason(view) if view.n_missing < view.values.size else None
            if why:
                evidence.append({"column": view.name, "kind": "id-like", "why": why})
        id_like = [e["column"] for e in evidence]
        if not id_like:
            return self.result(message="no single label column: leakage not checked")
        return self.result(
            severity="warning",
            message=f"id-like column(s) {', '.join(id_like)}: exclude them from the features "
            "(no single label column: leakage not checked)",
            summary={"leaks": [], "id_like": id_like, "strong": [], "scores": {}},
            evidence=evidence,
        )

    def run(self, ctx: ProfileContext) -> CheckResult:
        if ctx.label is None:
            return self._without_label(ctx)
        y, known, classes = ctx.target
        task = ctx.task or "regression"
        k = len(classes)
        rows = ctx.sample_rows(np.flatnonzero(known), ctx.options.get("max_rows", MAX_ROWS), 1)
        if rows.size < 20 or (task != "regression" and k < 2):
            return self.result(
                message=f"too few labelled rows ({rows.size}) or classes to test leakage"
            )
        rng = np.random.default_rng([ctx.random_state, 11])
        half = rng.random(rows.size) < 0.5
        fit_rows = rows[half]
        metric = "r2" if task == "regression" else "auc"
        leak, strong = (LEAK_R2, STRONG_R2) if task == "regression" else (LEAK_AUC, STRONG_AUC)
        scores: dict[str, float] = {}
        evidence: list[dict] = []
        id_like: list[str] = []
        for view in ctx.views(("numeric", "categorical")):
            if view.n_missing == view.values.size:
                continue
            why = id_like_reason(view)
            codes, n_bins = bin_codes(view, rows, fit_rows)
            score = single_feature_score(
                codes,
                n_bins,
                y[rows],
                task,
                max(k, 1),
                np.flatnonzero(half),
                np.flatnonzero(~half),
            )
            scores[view.name] = round(score, 4)
            if why:
                id_like.append(view.name)
                evidence.append(
                    {"column": view.name, "kind": "id-like", "why": why, metric: round(score, 4)}
                )
            if _duplicates_label(view, y, known, task, max(k, 1)):
                evidence.append(
                    {
                        "column": view.name,
                        "kind": "duplicates label",
                        "why": "a one-to-one re-encoding of the label",
                        metric: round(score, 4),
                    }
                )
            elif score >= leak:
                evidence.append(
                    {
                        "column": view.name,
                        "kind": "near-perfect",
                        metric: round(score, 4),
                        "why": f"alone gives holdout {metric} {score:.3f} ≥ {leak}",
                    }
                )
            elif score >= strong and not why:
                evidence.append(
                    {
                        "column": view.name,
                        "kind": "strong",
                        metric: round(score, 4),
                        "why": f"alone gives holdout {metric} {score:.3f}",
                    }
                )
        for view in ctx.views(("text",)):
            score = _text_score(ctx, view, rows, half, y, task, k)
            if score is None:
                continue
            scores[view.name] = round(score, 4)
            if score >= leak:  # text is often legitimately strong: only near-perfect counts
                evidence.append(
                    {
                        "column": view.name,
                        "kind": "near-perfect",
                        metric: round(score, 4),
                        "why": f"its words alone give holdout {metric} {score:.3f} ≥ {leak}",
                    }
                )
        leaks = [e["column"] for e in evidence if e["kind"] in ("near-perfect", "duplicates label")]
        strongs = [e["column"] for e in evidence if e["kind"] == "strong"]
        if leaks:
            severity = "error"
            message = (
                f"likely target leakage: {', '.join(leaks)} predict(s) the label almost "
                "perfectly alone; drop them unless they are known at prediction time"
            )
        elif id_like:
            severity = "warning"
            message = f"id-like column(s) {', '.join(id_like)}: exclude them from the features"
        elif strongs:
            severity = "warning"
            message = (
                f"very strong single feature(s) {', '.join(strongs)}: check they are "
                "available when predicting"
            )
        else:
            severity = "info"
            best = max(scores, key=scores.get) if scores else None
            message = "no leakage found" + (
                f" (best single feature {best}: {metric} {scores[best]:.3f})" if best else ""
            )
        if id_like and leaks:
            message += f"; id-like column(s): {', '.join(id_like)}"
        top = dict(sorted(scores.items(), key=lambda kv: -np.nan_to_num(kv[1], nan=-1))[:20])
        return self.result(
            severity=severity,
            message=message,
            summary={
                "metric": metric,
                "rows_used": int(rows.size),
                "leaks": leaks,
                "id_like": id_like,
                "strong": strongs,
                "scores": top,
            },
            evidence=evidence,
        )
