"""Checks reported with every split: sizes, class balance, group overlap, dev-vs-test
distribution and whether each evaluation split is large enough to see the gain you want.
"""

from __future__ import annotations

import html
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "DistributionTest",
    "PrecisionCheck",
    "SplitReport",
    "build_report",
    "precision_check",
]

_SPLITS = ("train", "train_dev", "dev", "test")
_EVAL_SPLITS = ("train_dev", "dev", "test")
#: family-wise significance level of the dev-vs-test tests (Bonferroni over the columns)
ALPHA = 0.01
_MAX_CATEGORIES = 20


@dataclass(frozen=True)
class DistributionTest:
    """One dev-vs-test comparison: chi-square on counts or two-sample Kolmogorov-Smirnov."""

    column: str
    test: str
    statistic: float
    p_value: float
    ok: bool


@dataclass(frozen=True)
class PrecisionCheck:
    """How precisely a split of ``n`` examples measures an error rate near ``expected_error``.

    ``half_width`` is the half-width of the normal-approximation confidence interval,
    ``z * sqrt(e (1 - e) / n)``; ``needed`` the size at which it equals ``min_gain``.
    """

    split: str
    n: int
    expected_error: float
    confidence: float
    half_width: float
    min_gain: float
    needed: int
    ok: bool


@dataclass(frozen=True)
class SplitReport:
    """The checks of one split. ``ok`` is False when a group straddles splits or dev/test
    hold non-target data; ``warnings`` say what deserves a look, with the numbers."""

    sizes: dict[str, int]
    requested: dict[str, int]
    sources: dict[str, dict[str, int]]
    balance: dict[str, dict[str, Any]]
    group_overlap: int
    overlapping_groups: list[str]
    dev_test_from_target: bool
    distribution: list[DistributionTest] = field(default_factory=list)
    precision: list[PrecisionCheck] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.group_overlap == 0 and self.dev_test_from_target

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        for item in out["distribution"] + out["precision"]:
            for key, value in item.items():
                if isinstance(value, float) and not math.isfinite(value):
                    item[key] = None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SplitReport:
        data = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        data["distribution"] = [
            DistributionTest(
                **{**d, "p_value": _nan(d["p_value"]), "statistic": _nan(d["statistic"])}
            )
            for d in data.get("distribution", [])
        ]
        data["precision"] = [PrecisionCheck(**p) for p in data.get("precision", [])]
        return cls(**data)

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        sizes = html_table(
            [
                {
                    "split": s,
                    "examples": n,
                    "requested": self.requested.get(s),
                    "sources": ", ".join(f"{k}: {v}" for k, v in self.sources.get(s, {}).items()),
                }
                for s, n in self.sizes.items()
            ]
        )
        chart = bar_chart(
            list(self.sizes), list(self.sizes.values()), title="examples per split", fmt=",.0f"
        )
        tests = ""
        if self.distribution:
            tests = html_table(
                [
                    {
                        "dev vs test": t.column,
                        "test": t.test,
                        "p": t.p_value,
                        "": "ok" if t.ok else "differs",
                    }
                    for t in self.distribution
                ],
                formats={"p": ".3g"},
            )
        items = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        return (
            f"<p>group overlap: {self.group_overlap}; dev/test only from target: "
            f"{self.dev_test_from_target}</p>{sizes}{chart}{tests}"
            + (f"<ul>{items}</ul>" if items else "")
        )


def _nan(value: Any) -> float:
    return float("nan") if value is None else float(value)


def precision_check(
    split: str, n: int, expected_error: float, min_gain: float, confidence: float = 0.95
) -> PrecisionCheck:
    """Is ``n`` large enough that the CI half-width at ``expected_error`` is <= ``min_gain``?"""
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    var = expected_error * (1 - expected_error)
    half = z * math.sqrt(var / n) if n > 0 else math.inf
    needed = math.ceil(z * z * var / (min_gain * min_gain)) if min_gain > 0 else 0
    return PrecisionCheck(
        split, int(n), expected_error, confidence, half, min_gain, needed, half <= min_gain
    )


def build_report(
    table: pd.DataFrame,
    *,
    target: str,
    labels: np.ndarray | None,
    task: str | None,
    metadata: pd.DataFrame | None,
    requested: dict[str, int],
    notes: list[str],
    expected_error: float | None,
    min_gain: float,
    confidence: float,
    weights: np.ndarray | None = None,
) -> SplitReport:
    """Compute every check of a split table (columns id, split, source, group).

    ``weights`` (optional): how many examples each row of ``table`` stands for, so that a
    table of (split, source, label) cells with their counts gives the checks of the rows
    it counts (the streamed split's report)."""
    split = _split_codes(table["split"])
    w = None if weights is None else np.asarray(weights, dtype=np.int64)
    ok = split >= 0
    counts = np.bincount(
        split[ok], weights=None if w is None else w[ok], minlength=len(_SPLITS)
    ).astype(np.int64)
    sizes = {s: int(n) for s, n in zip(_SPLITS, counts, strict=True)}
    src_code, src_names = pd.factorize(table["source"].astype(str), sort=True)
    per_source = (
        np.bincount(
            (split * (len(src_names) + 1) + src_code + 1)[ok],
            weights=None if w is None else w[ok],
            minlength=len(_SPLITS) * (len(src_names) + 1),
        )
        .astype(np.int64)
        .reshape(len(_SPLITS), -1)[:, 1:]
    )
    order = np.argsort(-per_source, axis=1, kind="stable")  # most frequent first
    sources = {
        s: {str(src_names[j]): int(per_source[i, j]) for j in order[i] if per_source[i, j]}
        for i, s in enumerate(_SPLITS)
    }
    warnings: list[str] = []
    dev_test_ok = all(set(sources[s]) <= {target} for s in ("dev", "test"))
    for s in ("dev", "test"):
        other = {k: v for k, v in sources[s].items() if k != target}
        if other:
            shown = ", ".join(f"{v} from {k}" for k, v in sorted(other.items()))
            warnings.append(
                f"{s} holds examples that are not from the target source {target!r} "
                f"({shown}); dev and test must come only from the data the product will face."
            )
    groups = table["group"]
    known = groups.notna().to_numpy()
    straddling: list[str] = []
    if known.any():
        per_group = pd.Series(split[known]).groupby(groups[known].to_numpy()).nunique()
        straddling = [str(g) for g in per_group.index[per_group.to_numpy() > 1]]
    if straddling:
        warnings.append(f"{len(straddling)} group(s) straddle splits, e.g. {straddling[:3]}.")
    balance = _balance(split, labels, task, w)
    tests = _distribution_tests(split, labels, task, metadata, w)
    for t in tests:
        if not t.ok:
            warnings.append(
                f"dev and test differ on {t.column!r} ({t.test}, p = {t.p_value:.2g}); they "
                "should come from one distribution — check how the target data was collected."
            )
    precision = []
    if expected_error is not None:
        for s in _EVAL_SPLITS:
            if sizes[s] == 0:
                continue
            check = precision_check(s, sizes[s], expected_error, min_gain, confidence)
            precision.append(check)
            if not check.ok:
                warnings.append(
                    f"{s} has {check.n:,} examples: at an error rate of "
                    f"{100 * expected_error:.1f}% its {100 * confidence:.0f}% confidence "
                    f"interval is ±{100 * check.half_width:.2f} points, wider than the "
                    f"{100 * min_gain:.2f}-point gain you want to see; about "
                    f"{check.needed:,} examples are needed."
                )
    return SplitReport(
        sizes=sizes,
        requested=dict(requested),
        sources=sources,
        balance=balance,
        group_overlap=len(straddling),
        overlapping_groups=straddling[:20],
        dev_test_from_target=dev_test_ok,
        distribution=tests,
        precision=precision,
        warnings=warnings,
        notes=list(notes),
    )


def _is_classification(task: str | None) -> bool:
    return task in (None, "binary", "multiclass")


def _split_codes(column: pd.Series) -> np.ndarray:
    """Each row's position in train, train_dev, dev, test (-1: none of them)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and tuple(column.cat.categories) == _SPLITS:
        return np.asarray(column.cat.codes, dtype=np.int64)
    return np.asarray(pd.Categorical(column.astype(str), categories=_SPLITS).codes, np.int64)


def _balance(
    split: np.ndarray, labels: np.ndarray | None, task: str | None, w: np.ndarray | None = None
) -> dict[str, Any]:
    if labels is None:
        return {}
    out: dict[str, Any] = {}
    if _is_classification(task):
        # str() of each label (None and NaN as "None" / "nan"), counted per split
        values = np.asarray(labels, dtype=object)
        codes, uniques = pd.factorize(values)
        text = [str(u) for u in uniques]
        missing = codes < 0
        if missing.any():  # None and NaN keep their own texts
            extra, extra_text = pd.factorize(np.array([str(v) for v in values[missing]]))
            codes[missing] = len(text) + extra
            text += list(extra_text)
        classes, merged = np.unique(text, return_inverse=True)
        per = (
            np.bincount(
                (split * len(classes) + merged.ravel()[codes])[split >= 0],
                weights=None if w is None else w[split >= 0],
                minlength=len(_SPLITS) * len(classes),
            )
            .astype(np.int64)
            .reshape(len(_SPLITS), -1)
        )
        for i, s in enumerate(_SPLITS):
            out[s] = {str(c): int(per[i, j]) for j, c in enumerate(classes)}
        return out
    values = pd.to_numeric(pd.Series(labels, dtype=object), errors="coerce").to_numpy(float)
    for i, s in enumerate(_SPLITS):
        part = values[split == i]
        finite = np.isfinite(part)
        part = part[finite]
        if w is not None and len(part):  # weighted cells (the streamed split's report)
            wt = w[split == i][finite]
            mean = float(np.average(part, weights=wt))
            std = float(np.sqrt(np.average((part - mean) ** 2, weights=wt)))
            out[s] = {"n": int(wt.sum()), "mean": mean, "std": std}
            continue
        out[s] = (
            {"n": len(part), "mean": float(part.mean()), "std": float(part.std())}
            if len(part)
            else {"n": 0}
        )
    return out


def _distribution_tests(
    split: np.ndarray,
    labels: np.ndarray | None,
    task: str | None,
    metadata: pd.DataFrame | None,
    w: np.ndarray | None = None,
) -> list[DistributionTest]:
    if np.asarray(split).dtype.kind not in "iu":  # split names: as codes
        split = _split_codes(pd.Series(split))
    dev, test = split == _SPLITS.index("dev"), split == _SPLITS.index("test")
    if not dev.any() or not test.any():
        return []
    columns: list[tuple[str, np.ndarray, bool]] = []
    if labels is not None:
        columns.append(("label", labels, not _is_classification(task)))
    if metadata is not None:
        for name in metadata.columns:
            col = metadata[name]
            numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
            columns.append((str(name), col.to_numpy(), numeric and col.nunique() > 10))
    raw = []
    for name, values, numeric in columns:
        if numeric and w is not None and (w[dev | test] != 1).any():
            raise ValueError("the KS test needs one row per example: pass dev/test rows unweighted")
        result = _ks(values, dev, test) if numeric else _chi2(values, dev, test, w)
        if result is not None:
            raw.append((name, *result))
    level = ALPHA / max(len(raw), 1)
    return [DistributionTest(n, t, s, p, bool(p >= level)) for n, t, s, p in raw]


def _ks(values: np.ndarray, dev: np.ndarray, test: np.ndarray):
    numbers = pd.to_numeric(pd.Series(values[dev | test], dtype=object), errors="coerce")
    numbers = numbers.to_numpy(float)
    a, b = numbers[dev[dev | test]], numbers[test[dev | test]]
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return None
    res = stats.ks_2samp(a, b)
    return "ks", float(res.statistic), float(res.pvalue)


def _chi2(values: np.ndarray, dev: np.ndarray, test: np.ndarray, w: np.ndarray | None = None):
    either = dev | test  # only dev and test rows are compared: convert only them
    values = np.asarray(values)[either]
    text = pd.Series(values, dtype=object).astype(str).where(pd.notna(values), "<missing>")
    if w is None:
        top = text.value_counts().index[:_MAX_CATEGORIES]
    else:  # weighted cells: categories ranked by the examples they count
        counts = pd.Series(w[either]).groupby(text.to_numpy(), sort=False).sum()
        top = counts.sort_values(ascending=False, kind="stable").index[:_MAX_CATEGORIES]
    text = text.where(text.isin(top), "<other>")
    if w is None:
        table = pd.crosstab(text.to_numpy(), dev[either])
    else:
        table = pd.crosstab(text.to_numpy(), dev[either], values=w[either], aggfunc="sum").fillna(0)
    table = table.loc[table.sum(axis=1) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    res = stats.chi2_contingency(table.to_numpy())
    return "chi2", float(res.statistic), float(res.pvalue)
