"""Distribution shift between training data and the target source: adversarial
validation (a classifier told to separate them; AUC ≈ 0.5 means no detectable shift) with
the features that drive it, and per-feature tests chosen by type and sample size."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from yearn.profile._context import ColumnView, ProfileContext
from yearn.profile._imagestats import image_features
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult
from yearn.profile._stats import auc_ci, bin_codes, cramers_v, single_feature_score
from yearn.profile.checks.leakage import id_like_reason

ADV_ROWS = 10_000  # rows per side for the adversarial classifier (half fit, half held out)
N_THREADS = 1  # OpenMP threads of the classifier (more thrash on a busy 2-core machine)
TEST_ROWS = 10_000  # rows per side for KS / Wasserstein
PVALUE_MAX_N = 10_000  # above this many rows per side, report effect sizes only
KS_EFFECT = 0.1
JS_EFFECT = 0.1
AUC_SHIFT = 0.55  # lower end of the AUC interval above this: a detectable shift
MAX_CATEGORIES = 250
IMAGE_ROWS = 1500  # images per side whose features are compared
PERMUTATION_ROWS = 3000
PERMUTED = 12  # features whose permutation importance is measured


def _feature_test(view, ref, tgt, ref_s, tgt_s, ctx, n_tests: int) -> dict:
    """One feature's shift test (``ref_s`` / ``tgt_s``: subsamples for the number tests)."""
    report_p = min(ref.size, tgt.size) <= ctx.options.get("pvalue_max_n", PVALUE_MAX_N)
    alpha = 0.01 / max(n_tests, 1)
    if view.kind == "numeric":
        a, b = view.values[ref_s], view.values[tgt_s]
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        if a.size < 2 or b.size < 2:
            return {"column": view.name, "test": "ks", "shifted": False}
        ks = stats.ks_2samp(a, b, method="asymp")
        scale = np.std(a) or 1.0
        out = {
            "column": view.name,
            "test": "ks",
            "effect": "ks_statistic",
            "value": round(float(ks.statistic), 4),
            "wasserstein_std": round(float(stats.wasserstein_distance(a, b) / scale), 4),
            "mean_ref": float(np.mean(a)),
            "mean_target": float(np.mean(b)),
        }
        shifted = ks.statistic >= KS_EFFECT and (not report_p or ks.pvalue < alpha)
        if report_p:
            out["p_value"] = float(ks.pvalue)
    else:
        n_cat = len(view.categories)
        codes = np.where(view.values < 0, n_cat, view.values)
        ca = np.bincount(codes[ref], minlength=n_cat + 1).astype(np.float64)
        cb = np.bincount(codes[tgt], minlength=n_cat + 1).astype(np.float64)
        js = float(jensenshannon(ca / ca.sum(), cb / cb.sum(), base=2))
        table = np.vstack([ca, cb])
        out = {
            "column": view.name,
            "test": "chi2/js",
            "effect": "jensen_shannon",
            "value": round(js, 4),
            "cramers_v": round(cramers_v(table), 4),
        }
        p = 1.0
        keep = table.sum(axis=0) > 0
        if keep.sum() >= 2:
            p = float(stats.chi2_contingency(table[:, keep]).pvalue)
        shifted = js >= JS_EFFECT and (not report_p or p < alpha)
        if report_p:
            out["p_value"] = p
    out["shifted"] = bool(shifted)
    return out


def adversarial_validation(ctx, views, ref, tgt, *, scores: bool = False) -> dict:
    """The domain classifier train (0) vs target (1) on ``views``: held-out AUC with its
    interval, each feature's AUC alone and the permutation importance of the strongest.
    With ``scores``, also ``held_rows`` / ``held_side`` / ``held_proba``: the rows scored
    out of sample and their probability of being target."""
    n_adv = ctx.options.get("shift_rows", ADV_ROWS)
    ref_s, tgt_s = ctx.sample_rows(ref, n_adv, 31), ctx.sample_rows(tgt, n_adv, 32)
    rows = np.concatenate([ref_s, tgt_s])
    side = np.r_[np.zeros(ref_s.size), np.ones(tgt_s.size)].astype(np.int64)
    X = np.empty((rows.size, len(views)), dtype=np.float32)
    is_cat = np.zeros(len(views), dtype=bool)
    for j, view in enumerate(views):
        if view.kind == "categorical":
            codes = view.values[rows].astype(np.float32)
            codes[codes >= MAX_CATEGORIES] = MAX_CATEGORIES - 1
            codes[codes < 0] = np.nan
            X[:, j], is_cat[j] = codes, True
        else:
            X[:, j] = view.values[rows]
    rng = np.random.default_rng([ctx.random_state, 33])
    threads = ctx.options.get("n_threads", N_THREADS)
    fit = rng.random(rows.size) < 0.5  # fit on half, measure on the other half
    if np.unique(side[fit]).size < 2 or np.unique(side[~fit]).size < 2:
        fit = np.arange(rows.size) % 2 == 0  # tiny sides: alternate rows instead
    model = HistGradientBoostingClassifier(
        max_iter=30,
        learning_rate=0.2,
        max_leaf_nodes=15,
        early_stopping=False,
        categorical_features=is_cat if is_cat.any() else None,
        random_state=ctx.random_state,
    )
    with threadpool_limits(threads, user_api="openmp"):
        model.fit(X[fit], side[fit])
        proba = model.predict_proba(X[~fit])[:, 1]
    held = side[~fit]
    auc = float(roc_auc_score(held, proba))
    low, high = auc_ci(auc, int(held.sum()), int((1 - held).sum()))
    # each feature alone against the side (cheap, binned), then permutation importance of
    # the model on a holdout subsample for the features that separate best alone
    alone = {}
    f_rows, h_rows = np.flatnonzero(fit), np.flatnonzero(~fit)
    for view in views:
        codes, n_bins = bin_codes(view, rows, rows[f_rows])
        alone[view.name] = round(
            abs(single_feature_score(codes, n_bins, side, "binary", 2, f_rows, h_rows) - 0.5) + 0.5,
            4,
        )
    hold = np.sort(rng.permutation(h_rows)[:PERMUTATION_ROWS])
    drops = {}
    if np.unique(side[hold]).size == 2:
        top = sorted(range(len(views)), key=lambda j: -alone[views[j].name])[:PERMUTED]
        with threadpool_limits(threads, user_api="openmp"):
            base = roc_auc_score(side[hold], model.predict_proba(X[hold])[:, 1])
            for j in top if base > 0.5 else ():
                Xp = X[hold].copy()
                Xp[:, j] = rng.permutation(Xp[:, j])
                drops[views[j].name] = round(
                    float(base - roc_auc_score(side[hold], model.predict_proba(Xp)[:, 1])), 4
                )
    out = {
        "auc": round(auc, 4),
        "ci": [round(low, 4), round(high, 4)],
        "rows": [int(ref_s.size), int(tgt_s.size)],
        "importance": drops,
        "alone_auc": alone,
    }
    if scores:
        out.update(held_rows=rows[~fit], held_side=held, held_proba=proba)
    return out


def shift_views(ctx: ProfileContext):
    """``(ref, tgt, what, views)``: the training and target rows and the columns the shift
    check compares (image features of a sample when the data are images); None when the
    table has no two sides."""
    sides = ctx.train_target_rows()
    if sides is None:
        return None
    ref, tgt, what = sides
    views = [
        v
        for v in ctx.views(("numeric", "categorical"))
        if v.n_missing < v.values.size and id_like_reason(v) is None
    ]
    if ctx.image_column and ctx.image_column in ctx.frame:
        ref, tgt, image_views = _image_views(ctx, ref, tgt)
        views += image_views
        what += f" (on {ref.size} + {tgt.size} sampled images)"
    return ref, tgt, what, views


def _image_views(ctx: ProfileContext, ref: np.ndarray, tgt: np.ndarray):
    """Image features of a sample of each side as numeric columns (NaN elsewhere); the
    comparison is then restricted to the sampled rows."""
    present = ~ctx.view(ctx.image_column).missing
    n = ctx.options.get("shift_images", IMAGE_ROWS)
    ref = ctx.sample_rows(ref[present[ref]], n, 81)
    tgt = ctx.sample_rows(tgt[present[tgt]], n, 82)
    rows = np.concatenate([ref, tgt])
    paths = ctx.frame[ctx.image_column].to_numpy(dtype=object)[rows]
    views = []
    for name, values in image_features(paths).items():
        full = np.full(ctx.n, np.nan)
        full[rows] = values
        views.append(ColumnView(f"{ctx.image_column}:{name}", "numeric", full, np.isnan(full)))
    return ref, tgt, views


@register
class ShiftCheck(Check):
    name = "shift"
    description = "train vs target: adversarial validation and per-feature tests"

    def run(self, ctx: ProfileContext) -> CheckResult:
        sides = shift_views(ctx)
        if sides is None:
            return self.result(message="no target source or dev/test split: shift not checked")
        ref, tgt, what, views = sides
        if not views or min(ref.size, tgt.size) < 10:
            return self.result(message=f"too few rows or features to compare {what}")
        ref_s, tgt_s = ctx.sample_rows(ref, TEST_ROWS, 21), ctx.sample_rows(tgt, TEST_ROWS, 22)
        tests = [_feature_test(v, ref, tgt, ref_s, tgt_s, ctx, len(views)) for v in views]
        adv = adversarial_validation(ctx, views, ref, tgt)
        shifted = [
            t["column"] for t in sorted(tests, key=lambda t: -t.get("value", 0)) if t["shifted"]
        ]
        drivers = [
            name
            for name, d in sorted(adv["importance"].items(), key=lambda kv: -kv[1])
            if d >= 0.01
        ][:10]
        detected = adv["ci"][0] > AUC_SHIFT
        if detected or shifted:
            names = list(dict.fromkeys(drivers + shifted))
            message = (
                f"{what} differ: adversarial AUC {adv['auc']:.3f} "
                f"[{adv['ci'][0]:.3f}, {adv['ci'][1]:.3f}]; shifted feature(s): "
                f"{', '.join(names[:10]) or 'none singled out'}. Carve a train-dev set "
                "and put target data in dev/test only"
            )
            severity = "warning"
        else:
            message = (
                f"no detectable shift ({what}): adversarial AUC {adv['auc']:.3f} "
                f"[{adv['ci'][0]:.3f}, {adv['ci'][1]:.3f}]"
            )
            severity = "info"
        evidence = [{"kind": "shifted feature", **t} for t in tests if t["shifted"]]
        evidence += [
            {"kind": "adversarial driver", "column": n, "auc_drop": adv["importance"][n]}
            for n in drivers
        ]
        return self.result(
            severity=severity,
            message=message,
            summary={
                "compared": what,
                "n_ref": int(ref.size),
                "n_target": int(tgt.size),
                "adversarial": adv,
                "shifted": shifted,
                "drivers": drivers,
                "tests": tests,
            },
            evidence=evidence,
        )
