"""High-error slices: conditions on metadata and features where the model errs more.

Candidate conditions come from every metadata column of a predictions table (and the
columns of an optional ``features`` table joined by id): numeric
columns are cut into ``n_bins`` quantile bins (``blur in [0.61, 0.98]``), others give one
condition per value (columns with more than ``max_categories`` values, such as ids or
paths, are skipped). Slices are single conditions and pairs of conditions on two
different columns. Everything is a matrix product over a 0/1 membership matrix, so 100k
rows and hundreds of conditions take well under a second.

For each slice of at least ``min_size`` rows: size, errors, error rate, **excess errors**
(errors minus ``size x overall error rate``) and the one-sided binomial p-value of seeing
at least that many errors at the overall rate. p-values are corrected for the number of
slices tried with Benjamini–Hochberg (``correction="bh"``, false-discovery rate, default)
or Bonferroni (``"bonferroni"``, family-wise). Slices are ranked by excess errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_choice, check_fraction, check_positive_int
from yearn.errors import PredictionsError
from yearn.metrics import Metric, get_metric, predictions_arrays
from yearn.predictions import Predictions, load_predictions

__all__ = ["SliceReport", "find_slices"]


@dataclass
class SliceReport:
    """Slices ranked by excess errors (``slices``: one row per slice)."""

    slices: pd.DataFrame
    overall_error: float
    n_examples: int
    n_tested: int
    correction: str
    alpha: float
    columns: tuple[str, ...] = ()
    skipped_columns: dict[str, str] = field(default_factory=dict)
    metric: str = "error"
    not_measured: dict[str, str] = field(default_factory=dict)

    @property
    def by_counts(self) -> bool:
        """Whether the table holds error counts (single-label error: ``errors``,
        ``error_rate``, ``excess_errors``) rather than slice-vs-rest metric values."""
        return "excess_errors" in self.slices.columns

    @property
    def significant(self) -> pd.DataFrame:
        return self.slices[self.slices["significant"]]

    def top(self, k: int = 10) -> pd.DataFrame:
        return self.slices.head(k)

    def _repr_html_(self) -> str:
        from html import escape

        from yearn.display import bar_chart, html_table

        top = self.slices.head(10)
        name = self.metric
        by_error = self.by_counts
        value = "error_rate" if by_error else "slice_error"
        fmt = ".1%" if by_error or _bounded(name) else ".4g"
        chart = bar_chart(
            [str(s) for s in top["slice"]],
            [float(v) for v in top[value]],
            title=f"{name} of the top slices",
            fmt=fmt,
            reference=self.overall_error,
            reference_label=f"overall {format(self.overall_error, fmt)}",
        )
        if by_error:
            columns = ["slice", "size", "errors", "error_rate", "excess_errors", "p_adjusted"]
            formats = {"error_rate": ".1%", "excess_errors": ".1f", "p_adjusted": ".3g"}
        else:
            columns = ["slice", "size", "slice_error", "rest_error", "excess", "ci_low"]
            columns += ["ci_high", "p_adjusted"]
            formats = {c: fmt for c in ("slice_error", "rest_error", "excess", "ci_low", "ci_high")}
            formats["p_adjusted"] = ".3g"
        table = html_table(top, [c for c in columns if c in top.columns], formats=formats)
        measured = "" if by_error else f" ({len(self.not_measured)} slices not measured)"
        return (
            f"<div><p>overall {escape(name)} {format(self.overall_error, fmt)} over "
            f"{self.n_examples} rows; "
            f"{self.n_tested} slices tested ({escape(self.correction)}), "
            f"{int(self.slices['significant'].sum()) if len(self.slices) else 0} significant"
            f"{escape(measured)}</p>{chart}{table}</div>"
        )

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        rows = self.slices if top is None else self.slices.head(top)
        records = []
        for row in rows.to_dict(orient="records"):
            records.append(
                {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            )
        return {
            "overall_error": self.overall_error,
            "n_examples": self.n_examples,
            "n_tested": self.n_tested,
            "correction": self.correction,
            "alpha": self.alpha,
            "columns": list(self.columns),
            "skipped_columns": self.skipped_columns,
            "metric": self.metric,
            "not_measured": self.not_measured,
            "slices": records,
        }


def _bounded(name: str) -> bool:
    return get_metric(name).bounded


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _conditions(
    frame: pd.DataFrame, columns: tuple[str, ...], n_bins: int, max_categories: int
) -> tuple[list[str], list[str], list[np.ndarray], dict[str, str]]:
    names, owners, masks, skipped = [], [], [], {}
    for col in columns:
        values = frame[col]
        if pd.api.types.is_bool_dtype(values):
            values = values.astype(str)
        if pd.api.types.is_numeric_dtype(values):
            num = values.to_numpy(dtype=float)
            finite = num[np.isfinite(num)]
            uniq = np.unique(finite)
            if uniq.size <= 1:
                skipped[col] = "constant"
                continue
            if uniq.size <= n_bins:
                for u in uniq:
                    names.append(f"{col} = {_fmt(u)}")
                    owners.append(col)
                    masks.append(num == u)
                continue
            edges = np.unique(np.quantile(finite, np.linspace(0, 1, n_bins + 1)))
            bins = np.clip(np.searchsorted(edges, num, side="right") - 1, 0, len(edges) - 2)
            for b in range(len(edges) - 1):
                lo, hi = edges[b], edges[b + 1]
                mask = (bins == b) & np.isfinite(num)
                if mask.any():
                    close = "]" if b == len(edges) - 2 else ")"
                    names.append(f"{col} in [{_fmt(lo)}, {_fmt(hi)}{close}")
                    owners.append(col)
                    masks.append(mask)
        else:
            text = values.astype(str).where(values.notna(), None)
            cats = pd.unique(text.dropna())
            if len(cats) > max_categories:
                skipped[col] = f"{len(cats)} distinct values (> max_categories={max_categories})"
                continue
            if len(cats) <= 1:
                skipped[col] = "constant"
                continue
            arr = text.to_numpy()
            for cat in sorted(cats):
                names.append(f"{col} = {cat}")
                owners.append(col)
                masks.append(arr == cat)
    return names, owners, masks, skipped


def _join_features(rows: Predictions, features: pd.DataFrame) -> Predictions:
    """Add feature columns (a table with an ``id`` column) to the rows, by id."""
    if "id" not in features:
        raise PredictionsError(
            f"the features table needs an 'id' column to join on; it has "
            f"{', '.join(map(str, features.columns))}."
        )
    feats = features.assign(id=features["id"].astype(str))
    if feats["id"].duplicated().any():
        dup = feats.loc[feats["id"].duplicated(), "id"].iloc[0]
        raise PredictionsError(f"the features table has id {dup!r} twice; ids must be unique.")
    clash = [c for c in feats.columns if c != "id" and c in rows.frame]
    feats = feats.drop(columns=clash)
    frame = rows.frame.assign(_key=rows.frame["id"].astype(str))
    merged = frame.merge(feats.rename(columns={"id": "_key"}), on="_key", how="left")
    missing = (
        int(merged[feats.columns.drop("id")].isna().all(axis=1).sum())
        if len(feats.columns) > 1
        else 0
    )
    if missing == len(merged):
        raise PredictionsError(
            "no id of the predictions table is in the features table; are they from the same data?"
        )
    return rows._replace(merged.drop(columns="_key"))


def _bh(p: np.ndarray) -> np.ndarray:
    m = len(p)
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def find_slices(
    predictions: Predictions | pd.DataFrame | str,
    *,
    split: str = "dev",
    columns: list[str] | tuple[str, ...] | None = None,
    n_bins: int = 4,
    max_categories: int = 20,
    min_size: int = 20,
    pairs: bool = True,
    features: pd.DataFrame | None = None,
    correction: str = "bh",
    alpha: float = 0.05,
    metric: str | Metric = "error",
    n_boot: int = 200,
    random_state: int = 0,
    pos_label: Any = None,
) -> SliceReport:
    """Find slices of ``split`` whose error is above the rest (see module doc).

    ``metric`` (default ``error``) is the project metric; another one (``f1``, ``roc_auc``,
    ``rmse``, ...) ranks and tests slices by its error form on the slice vs the rest, with
    ``n_boot`` bootstrap resamples (see :mod:`yearn.slices._metric`). A multi-label table
    is sliced the same way on its label set: ``map`` / ``roc_auc`` over the tasks, or
    ``error`` as the share of wrong decisions on known labels (rows resampled whole, so the
    labels of one example stay together).
    """
    from scipy.stats import binom

    chosen = get_metric(metric)
    check_positive_int("n_boot", n_boot, minimum=20)
    check_positive_int("n_bins", n_bins, minimum=2)
    check_positive_int("max_categories", max_categories, minimum=2)
    check_positive_int("min_size", min_size)
    check_choice("correction", correction, ("bh", "bonferroni"))
    check_fraction("alpha", alpha)
    preds = load_predictions(predictions)
    rows = preds.split(split)
    # single-label error: exact binomial counts; any other metric, and error over a
    # multi-label set (wrong decisions on known labels), by the bootstrap of _metric
    by_error = chosen.name == "error" and preds.task in ("binary", "multiclass")
    if not by_error:
        if chosen.name == "error" and preds.task == "regression":
            raise PredictionsError(
                f"{preds.source}: slices by error need classification (right/wrong per "
                "row); this table is regression: slice it by rmse or mae (--metric)."
            )
        chosen.check_task(preds.task)
    if "model" in rows.frame and len(rows.models) > 1:
        raise PredictionsError(
            f"{preds.source}: the table holds several models ({', '.join(rows.models)}); "
            "pick one (CLI: --model)."
        )
    if features is not None:
        rows = _join_features(rows, features)
    meta = rows.metadata_columns if columns is None else tuple(columns)
    unknown = [c for c in meta if c not in rows.frame]
    if unknown:
        raise PredictionsError(
            f"{preds.source}: column(s) {', '.join(unknown)} not found; metadata columns are "
            f"{', '.join(rows.metadata_columns) or 'none'}."
        )
    if not meta:
        raise PredictionsError(
            f"{preds.source}: no metadata columns to slice by; add columns such as blur or "
            "source to the predictions table."
        )
    names, owners, masks, skipped = _conditions(rows.frame, meta, n_bins, max_categories)
    if not by_error:
        return _by_metric(
            chosen, rows, names, owners, masks, skipped, meta,
            min_size=min_size, pairs=pairs, n_boot=n_boot, random_state=random_state,
            correction=correction, alpha=alpha, pos_label=pos_label,
        )  # fmt: skip
    wrong = (~rows.correct()).astype(float)
    n = len(wrong)
    rate = float(wrong.mean())
    empty = pd.DataFrame(
        columns=[
            "slice",
            "columns",
            "size",
            "errors",
            "error_rate",
            "excess_errors",
            "p_value",
            "p_adjusted",
            "significant",
        ]
    )
    if not names:
        return SliceReport(empty, rate, n, 0, correction, alpha, meta, skipped)
    member = np.column_stack(masks).astype(np.float32)  # (n, m)
    sizes = member.sum(axis=0)
    errs = wrong.astype(np.float32) @ member
    slice_names = list(names)
    slice_cols = [(o,) for o in owners]
    size_list, err_list = [sizes], [errs]
    if pairs and len(names) > 1:
        both = member.T @ member  # (m, m) intersection sizes
        both_err = (member * wrong[:, None].astype(np.float32)).T @ member
        i, j = np.triu_indices(len(names), k=1)
        owner = np.asarray(owners, dtype=object)
        keep = (owner[i] != owner[j]) & (both[i, j] >= min_size)
        # a pair equal to one of its parts adds nothing
        keep &= (both[i, j] < sizes[i]) & (both[i, j] < sizes[j])
        i, j = i[keep], j[keep]
        slice_names += [f"{names[a]} & {names[b]}" for a, b in zip(i, j, strict=True)]
        slice_cols += [(owners[a], owners[b]) for a, b in zip(i, j, strict=True)]
        size_list.append(both[i, j])
        err_list.append(both_err[i, j])
    size = np.rint(np.concatenate(size_list)).astype(np.int64)
    err = np.rint(np.concatenate(err_list)).astype(np.int64)
    ok = size >= min_size
    size, err = size[ok], err[ok]
    slice_names = [s for s, k in zip(slice_names, ok, strict=True) if k]
    slice_cols = [c for c, k in zip(slice_cols, ok, strict=True) if k]
    if not len(size):
        return SliceReport(empty, rate, n, 0, correction, alpha, meta, skipped)
    p = binom.sf(err - 1, size, rate)
    adjusted = np.minimum(p * len(p), 1.0) if correction == "bonferroni" else _bh(p)
    table = pd.DataFrame(
        {
            "slice": slice_names,
            "columns": [list(c) for c in slice_cols],
            "size": size,
            "errors": err,
            "error_rate": err / size,
            "excess_errors": err - size * rate,
            "p_value": p,
            "p_adjusted": adjusted,
            "significant": adjusted < alpha,
        }
    )
    table = table.sort_values(
        ["excess_errors", "p_value", "size"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)
    return SliceReport(table, rate, n, len(table), correction, alpha, meta, skipped)


def _candidates(
    names: list[str], owners: list[str], masks: list[np.ndarray], min_size: int, pairs: bool
) -> tuple[list[str], list[tuple[str, ...]], list[np.ndarray]]:
    """Single conditions and pairs on two columns (as the error path), of >= min_size rows."""
    out_names, out_cols, out_masks = [], [], []
    for name, owner, mask in zip(names, owners, masks, strict=True):
        if mask.sum() >= min_size:
            out_names.append(name)
            out_cols.append((owner,))
            out_masks.append(mask)
    if pairs:
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                if owners[a] == owners[b]:
                    continue
                both = masks[a] & masks[b]
                k = both.sum()
                if k >= min_size and k < masks[a].sum() and k < masks[b].sum():
                    out_names.append(f"{names[a]} & {names[b]}")
                    out_cols.append((owners[a], owners[b]))
                    out_masks.append(both)
    return out_names, out_cols, out_masks


def _by_metric(
    metric: Metric,
    rows: Predictions,
    names: list[str],
    owners: list[str],
    masks: list[np.ndarray],
    skipped: dict[str, str],
    meta: tuple[str, ...],
    **kw: Any,
) -> SliceReport:
    from yearn.slices._metric import metric_slices

    data = metric.prepare(**predictions_arrays(rows, metric, kw["pos_label"]))
    overall = metric.to_error(metric.compute(data))
    cand = _candidates(names, owners, masks, kw["min_size"], kw["pairs"])
    table, not_measured = metric_slices(
        metric, data, *cand,
        n_boot=kw["n_boot"], random_state=kw["random_state"],
        correction=kw["correction"], alpha=kw["alpha"], adjust=_bh,
    )  # fmt: skip
    return SliceReport(
        table, overall, len(rows.frame), len(table), kw["correction"], kw["alpha"], meta,
        skipped, metric=metric.error_name, not_measured=not_measured,
    )  # fmt: skip
