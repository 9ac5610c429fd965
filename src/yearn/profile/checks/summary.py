"""Per-column summaries and histograms per group: numbers, categories, text lengths,
image sizes and brightness; constant, empty and mixed-type columns are reported."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yearn.profile._context import ProfileContext
from yearn.profile._imagestats import image_features
from yearn.profile._registry import Check, register
from yearn.profile._result import CheckResult

N_BINS = 20
TOP_K = 10
QUANTILE_ROWS = 100_000  # quantiles from a seeded subsample of this many rows per group
IMAGE_ROWS = 300


def _numeric(values, groups, subsamples):
    finite = np.isfinite(values)
    present = values[finite]
    lo, hi = (float(present.min()), float(present.max())) if present.size else (0.0, 1.0)
    width = (hi - lo) / N_BINS or 1.0
    out = {}
    for g, idx in groups.items():
        v = values[idx]
        v = v[np.isfinite(v)]
        if v.size == 0:
            out[g] = {"count": 0, "missing": int(idx.size)}
            continue
        sub = values[subsamples[g]]
        sub = sub[np.isfinite(sub)]
        q = np.quantile(sub if sub.size else v, [0.25, 0.5, 0.75])
        bins = np.minimum(((v - lo) / width).astype(np.int64), N_BINS - 1)
        out[g] = {
            "count": int(v.size),
            "missing": int(idx.size - v.size),
            "mean": float(v.mean()),
            "std": float(v.std()),
            "min": float(v.min()),
            "q25": float(q[0]),
            "median": float(q[1]),
            "q75": float(q[2]),
            "max": float(v.max()),
            "zeros": int(np.count_nonzero(v == 0)),
            "histogram": np.bincount(bins, minlength=N_BINS).tolist(),
        }
    edges = (lo + width * np.arange(N_BINS + 1)).tolist()
    return out, edges


def _categorical(codes, categories, groups):
    n_cat = len(categories)
    total = np.bincount(codes[codes >= 0], minlength=n_cat)
    top = np.argsort(-total, kind="stable")[:TOP_K]
    out = {}
    for g, idx in groups.items():
        c = codes[idx]
        counts = np.bincount(c[c >= 0], minlength=n_cat)
        out[g] = {
            "count": int((c >= 0).sum()),
            "missing": int((c < 0).sum()),
            "unique": int(np.count_nonzero(counts)),
            "top": {str(categories[t]): int(counts[t]) for t in top},
            "other": int(counts.sum() - counts[top].sum()),
        }
    return out


def _image_stats(paths: np.ndarray) -> dict:
    feats = image_features(paths)
    ok = np.isfinite(feats["width"])
    unreadable = int((~ok).sum())
    if not ok.any():
        return {"count": 0, "unreadable": unreadable}
    w, h = feats["width"][ok], feats["height"][ok]
    b = feats["brightness"][ok]
    return {
        "count": int(ok.sum()),
        "unreadable": unreadable,
        "width": {"min": int(w.min()), "median": float(np.median(w)), "max": int(w.max())},
        "height": {"min": int(h.min()), "median": float(np.median(h)), "max": int(h.max())},
        "brightness": {
            "mean": float(b.mean()),
            "std": float(b.std()),
            "histogram": np.histogram(b, bins=N_BINS, range=(0, 255))[0].tolist(),
        },
        "contrast_mean": float(feats["contrast"][ok].mean()),
        "sharpness_mean": float(feats["sharpness"][ok].mean()),
    }


@register
class SummaryCheck(Check):
    name = "summary"
    description = "per-column summary and histogram per split (or source)"

    def run(self, ctx: ProfileContext) -> CheckResult:
        groups = ctx.group_indices()
        subsamples = {g: ctx.sample_rows(idx, QUANTILE_ROWS, 41) for g, idx in groups.items()}
        columns: dict[str, dict] = {}
        evidence: list[dict] = []
        names = list(ctx.features) + ([ctx.label] if ctx.label else [])
        for name in names:
            view = ctx.view(name)
            info: dict = {"kind": view.kind, "missing": view.n_missing}
            if view.mixed_types:
                evidence.append(
                    {
                        "column": name,
                        "kind": "mixed types",
                        "why": f"values of several types ({view.mixed_types}); "
                        "treated as categories — fix the column's type",
                    }
                )
            if view.kind == "numeric":
                info["by_group"], info["edges"] = _numeric(view.values, groups, subsamples)
                info["unique"] = view.n_unique if view.integer_valued else None
                present = view.values[~view.missing]
                constant = present.size > 0 and bool(np.all(present == present[0]))
            elif view.kind == "categorical":
                info["by_group"] = _categorical(view.values, view.categories, groups)
                info["unique"] = len(view.categories)
                constant = len(view.categories) == 1
            elif view.kind == "text":
                lengths = pd.Series(view.values, dtype=object).astype(str).str.len()
                lengths = lengths.to_numpy(dtype=np.float64)
                lengths[view.missing] = np.nan
                info["length_by_group"], info["edges"] = _numeric(lengths, groups, subsamples)
                constant = False
            elif view.kind == "image":
                rows = ctx.sample_rows(np.flatnonzero(~view.missing), IMAGE_ROWS, 43)
                info["image"] = _image_stats(view.values[rows])
                constant = False
            else:  # empty
                constant = False
                evidence.append(
                    {
                        "column": name,
                        "kind": "all missing",
                        "why": "no value at all; drop the column",
                    }
                )
            if constant and name != ctx.label:
                value = (
                    view.categories[0]
                    if view.kind == "categorical"
                    else view.values[~view.missing][0]
                )
                evidence.append(
                    {
                        "column": name,
                        "kind": "constant",
                        "why": f"a single value ({value!s}); it carries no information — drop it",
                    }
                )
            columns[name] = info
        bad = evidence
        severity = "warning" if bad else "info"
        if bad:
            message = "; ".join(f"{e['column']}: {e['kind']}" for e in bad[:8])
        else:
            where = f" in {len(groups)} {ctx.group_by}(s)" if ctx.group_by != "all" else ""
            message = f"{len(names)} columns over {ctx.n} rows{where}"
        return self.result(
            severity=severity,
            message=message,
            summary={
                "columns": {
                    k: {kk: vv for kk, vv in v.items() if kk != "edges"} for k, v in columns.items()
                },
                "groups": {g: int(i.size) for g, i in groups.items()},
            },
            evidence=evidence,
            data={"columns": columns},
        )
