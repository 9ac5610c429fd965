"""Diagnosis from a predictions table (any framework's output; never a model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_number, check_positive_int
from yearn.diagnose._groups import grouping_note, split_groups
from yearn.diagnose._intervals import (
    bootstrap_replicates,
    design_effect,
    group_codes,
    newcombe_diff,
    percentile_interval,
    wilson,
)
from yearn.diagnose._ladder import SIMILAR_RATIO, assemble, human_caveat, pooled_rung
from yearn.diagnose._metric import resolve_metric
from yearn.diagnose._result import Diagnosis, MultiTaskDiagnosis, Rung
from yearn.diagnose._values import LADDER, parse_errors, parse_sizes
from yearn.errors import PredictionsError
from yearn.predictions import Predictions, load_predictions

__all__ = ["diagnose_predictions"]


def _load(
    preds: Predictions | str | Path | pd.DataFrame, model: str | None, task: str | None
) -> Predictions:
    if not isinstance(preds, Predictions):
        try:
            preds = load_predictions(preds, task=task)
        except PredictionsError:
            guess = None if task is not None else _label_task(preds)
            if guess is None:
                raise
            preds = load_predictions(preds, task=guess)
    if preds.models:
        if model is None:
            if len(preds.models) > 1:
                raise PredictionsError(
                    f"{preds.source}: the table holds several models "
                    f"({', '.join(preds.models)}); choose one with --model / model=."
                )
        else:
            preds = preds.for_model(model)
    elif model is not None:
        raise PredictionsError(f"{preds.source}: no 'model' column to select {model!r} from.")
    splits = [s for s in preds.splits if s != "human"]
    if "train" not in splits:
        raise PredictionsError(
            f"{preds.source}: no rows with split = 'train' (the table has "
            f"{', '.join(splits)}). The diagnosis needs the model's predictions on its own "
            "training set to measure avoidable bias and variance: predict on the training "
            "rows too and add them with split = 'train'."
        )
    if len(splits) < 2:
        raise PredictionsError(
            f"{preds.source}: only the 'train' split is present; add predictions on at least "
            "one of train_dev, dev, test (dev is the one the diagnosis is about)."
        )
    return preds


def _label_task(table: str | Path | pd.DataFrame) -> str | None:
    """``binary`` / ``multiclass`` for a label/pred table without ``proba:`` columns whose
    labels are not numbers (read as regression by default); ``None`` otherwise."""
    try:
        if isinstance(table, pd.DataFrame):
            frame = table
        else:
            path = Path(table)
            if path.suffix.lower() == ".parquet":
                frame = pd.read_parquet(path, columns=["label", "pred"])
            else:
                frame = pd.read_csv(path, usecols=["label", "pred"])
    except (OSError, ValueError, KeyError):  # unreadable or no such columns: the loader says why
        return None
    if any(str(c).startswith(("proba:", "label:")) for c in frame.columns):
        return None
    if "label" not in frame or "pred" not in frame:
        return None
    if pd.to_numeric(frame["label"], errors="coerce").notna().all():
        return None
    n = pd.unique(frame[["label", "pred"]].astype(str).to_numpy().ravel()).size
    return "binary" if n <= 2 else "multiclass"


def _human(human: Any, n_human: int | None, rate: bool, confidence: float) -> Rung | None:
    if human is None:
        return None
    value = parse_errors({"human": human}, rate=rate)["human"]
    n = parse_sizes({"human": n_human}).get("human")
    low, high = wilson(value, n, confidence) if n and rate else (value, value)
    return Rung("human", value, low, high, n)


def diagnose_predictions(
    preds: Predictions | str | Path | pd.DataFrame,
    *,
    metric: str | None = None,
    human: Any = None,
    n_human: int | None = None,
    model: str | None = None,
    task: str | None = None,
    tolerance: float | None = None,
    confidence: float = 0.95,
    similar_ratio: float = SIMILAR_RATIO,
    strict: bool = False,
    n_resamples: int = 1000,
    random_state: int | None = 0,
    dev_same_distribution: bool | None = None,
    group_column: str | None = None,
) -> Diagnosis | MultiTaskDiagnosis:
    """Diagnose a predictions table: the error of each split present, gaps, verdict.

    ``metric`` (error form) defaults to ``error`` for classification and ``rmse`` for
    regression; ``task`` is passed to :func:`~yearn.predictions.load_predictions` (a table
    with ``label``/``pred`` but no ``proba:`` columns is read as regression unless
    ``task="binary"`` or ``"multiclass"``). Error rates get Wilson / Newcombe intervals
    from the split sizes; other metrics a bootstrap over rows (``n_resamples``,
    ``random_state``). Multi-label tables return a :class:`MultiTaskDiagnosis` (all tasks
    pooled, and one per task). ``dev_same_distribution`` (default: when train, train-dev
    and dev rows all come from one ``source``): variance is measured on train-dev and dev
    together (error rates). ``group_column``: a column of the table holding group ids
    (rows of one group have correlated errors): the intervals then count groups, not rows
    (design-effect Wilson / Newcombe, or a bootstrap over groups); a diagnosed run takes
    the project's ``group_column`` when its table has it.
    """
    p = _load(preds, model, task)
    groups = split_groups(p, group_column)
    confidence = check_number("confidence", confidence, low=0.5, high=1.0, high_inclusive=False)
    n_resamples = check_positive_int("n_resamples", n_resamples, minimum=100)
    if p.task == "multilabel":
        return _multilabel(
            p,
            metric,
            human,
            n_human,
            tolerance,
            confidence,
            similar_ratio,
            strict,
            n_resamples,
            random_state,
            group_column if groups else None,
            groups,
        )
    em = resolve_metric(metric, p)
    return _generic(
        p, em, human, n_human, tolerance, confidence, similar_ratio, strict, n_resamples,
        random_state, dev_same_distribution, group_column if groups else None, groups,
    )  # fmt: skip


def _generic(
    p: Predictions,
    em: Any,
    human: Any,
    n_human: int | None,
    tolerance: float | None,
    confidence: float,
    similar_ratio: float,
    strict: bool,
    n_resamples: int,
    random_state: int | None,
    dev_same_distribution: bool | None = None,
    group_column: str | None = None,
    groups: dict[str, np.ndarray] | None = None,
) -> Diagnosis:
    """The ladder in any registry metric: Wilson/Newcombe for shares of examples, a
    bootstrap over rows otherwise; with ``groups`` (codes per split), both count groups."""
    rate = em.rate
    rungs: dict[str, Rung] = {}
    caveats: list[str] = []
    h = _human(human, n_human, rate, confidence)
    if h is None:
        rungs["human"] = Rung("human", 0.0, 0.0, 0.0, None, assumed=True)
        caveats.append(human_caveat())
    else:
        rungs["human"] = h
    _no_train_dev(p.splits, caveats)
    stats = {s: em.split_statistic(p, s) for s in p.splits}
    pooled: Rung | None = None

    if em.proportion:
        wrong = {s: em.row_errors(p, s) for s in stats} if groups else {}
        size: dict[str, float | None] = {"human": rungs["human"].n}
        for s, (v, n, _) in stats.items():
            size[s] = n / design_effect(wrong[s], groups[s]) if groups else n
            low, high = wilson(v, size[s], confidence)
            rungs[s] = Rung(s, v, low, high, n, **_grouped(groups, s, size[s]))

        same = _same_distribution(p) if dev_same_distribution is None else dev_same_distribution
        if same and {"train_dev", "dev"} <= set(rungs):
            pooled = pooled_rung(rungs["train_dev"], rungs["dev"])
            size["pooled"] = pooled.n
            if groups and pooled.n:
                offset = groups["train_dev"].size  # each split's codes kept apart
                codes = np.concatenate([groups["train_dev"], groups["dev"] + offset])
                outcomes = np.concatenate([wrong["train_dev"], wrong["dev"]])
                size["pooled"] = pooled.n / design_effect(outcomes, codes)
        held = {**rungs, **({"pooled": pooled} if pooled else {})}

        def gap_ci(lo: str, hi: str, level: float) -> tuple[float, float]:
            return newcombe_diff(held[hi].value, size[hi], held[lo].value, size[lo], level)

        method = "wilson+newcombe" + (" (effective sizes: groups)" if groups else "")
    else:
        rng = np.random.default_rng(random_state)
        reps: dict[str, np.ndarray] = {}
        for s, (v, n, stat) in stats.items():
            reps[s] = bootstrap_replicates(
                stat, n, n_resamples=n_resamples, rng=rng, groups=groups[s] if groups else None
            )
            low, high = percentile_interval(reps[s], confidence)
            rungs[s] = Rung(s, v, low, high, n, **_grouped(groups, s, None))
        reps["human"] = _human_replicates(rungs["human"], n_resamples, rng)

        def gap_ci(lo: str, hi: str, level: float) -> tuple[float, float]:
            return percentile_interval(reps[hi] - reps[lo], level)

        method = f"bootstrap ({n_resamples} resamples per split" + (
            " of whole groups)" if groups else ")"
        )
    if groups and group_column:
        caveats.append(grouping_note(group_column, groups, bootstrap=not em.proportion))
    ordered = {k: rungs[k] for k in LADDER if k in rungs}
    return assemble(
        metric=em.name,
        rate=rate,
        rungs=ordered,
        gap_ci=gap_ci,
        tolerance=tolerance,
        confidence=confidence,
        similar_ratio=similar_ratio,
        ci_method=method,
        caveats=caveats,
        strict=strict,
        pooled=pooled,
        group_column=group_column,
    )


def _grouped(
    groups: dict[str, np.ndarray] | None, split: str, n_effective: float | None
) -> dict[str, Any]:
    """The ``groups`` / ``n_effective`` fields of a rung (none without groups)."""
    if not groups:
        return {}
    return {"groups": int(np.unique(groups[split]).size), "n_effective": n_effective}


def _same_distribution(p: Predictions) -> bool:
    """Whether train, train-dev and dev rows all come from one and the same source."""
    frame = p.frame
    if "source" not in frame or not {"train", "train_dev", "dev"} <= set(p.splits):
        return False
    rows = frame[frame["split"].isin(["train", "train_dev", "dev"])]
    return rows["source"].astype(str).nunique() == 1


def _human_replicates(h: Rung, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of the human level: binomial when measured on ``n`` examples."""
    if h.n is None:
        return np.full(n_resamples, h.value)
    return rng.binomial(h.n, h.value, size=n_resamples) / h.n


def _no_train_dev(splits: tuple[str, ...], caveats: list[str]) -> None:
    if "train_dev" not in splits and "dev" in splits:
        caveats.append(
            "no train-dev split: variance and data mismatch cannot be separated; the "
            "'variance' gap is dev − train and holds both. Carve a train-dev set out of the "
            "training data (yearn split) to tell them apart."
        )


def _multilabel(
    p: Predictions,
    metric: str | None,
    human: Any,
    n_human: int | None,
    tolerance: float | None,
    confidence: float,
    similar_ratio: float,
    strict: bool,
    n_resamples: int,
    random_state: int | None,
    group_column: str | None = None,
    groups: dict[str, np.ndarray] | None = None,
) -> MultiTaskDiagnosis:
    """Per-task error (known labels only) and all tasks pooled (bootstrap over rows); with
    another metric of the registry (``map``, ``roc_auc``), all tasks are diagnosed in it
    (bootstrap over rows) and each task in its error. With ``groups``, the bootstrap
    draws whole groups and each task's Wilson / Newcombe interval its effective size."""
    if metric not in (None, "error", "1-accuracy", "hamming"):
        em = resolve_metric(metric, p)
        overall = _generic(
            p, em, human, n_human, tolerance, confidence, similar_ratio, strict, n_resamples,
            random_state, None, group_column, groups,
        )  # fmt: skip
        per_task = _multilabel(
            p, None, None, None, tolerance, confidence,
            similar_ratio, strict, n_resamples, random_state, group_column, groups,
        )  # fmt: skip
        return MultiTaskDiagnosis(overall=overall, tasks=per_task.tasks)
    h = _human(human, n_human, True, confidence)
    wrong: dict[str, np.ndarray] = {}
    known: dict[str, np.ndarray] = {}
    for s in p.splits:
        part = p.split(s)
        labels = part.multilabel_labels()
        preds = np.column_stack(
            [
                part.frame[f"pred:{t}"].to_numpy(dtype=float)
                if f"pred:{t}" in part.frame
                else (part.frame[f"proba:{t}"].to_numpy(dtype=float) >= 0.5).astype(float)
                for t in p.tasks
            ]
        )
        known[s] = ~np.isnan(labels)
        wrong[s] = (preds != labels) & known[s]

    def diag_for(col: int | None) -> Diagnosis:
        rungs: dict[str, Rung] = {}
        caveats: list[str] = []
        if h is None:
            rungs["human"] = Rung("human", 0.0, 0.0, 0.0, None, assumed=True)
            caveats.append(human_caveat())
        else:
            rungs["human"] = h
        _no_train_dev(p.splits, caveats)
        rng = np.random.default_rng(random_state)
        reps = {"human": _human_replicates(rungs["human"], n_resamples, rng)}
        size: dict[str, float | None] = {"human": rungs["human"].n}
        for s in p.splits:
            if col is None:
                w, k = wrong[s].sum(axis=1), known[s].sum(axis=1)
            else:
                w, k = wrong[s][:, col].astype(float), known[s][:, col].astype(float)
            keep = k > 0
            w, k = w[keep], k[keep]
            if k.sum() == 0:
                continue
            v = float(w.sum() / k.sum())
            codes = groups[s][keep] if groups else None
            size[s] = None
            if col is None:
                reps[s] = bootstrap_replicates(
                    lambda idx, w=w, k=k: float(w[idx].sum() / k[idx].sum()),
                    len(w),
                    n_resamples=n_resamples,
                    rng=rng,
                    groups=None if codes is None else group_codes(codes),
                )
                low, high = percentile_interval(reps[s], confidence)
            else:
                size[s] = k.sum() / (1.0 if codes is None else design_effect(w, group_codes(codes)))
                low, high = wilson(v, size[s], confidence)
            grouped = {}
            if codes is not None:
                grouped = {"groups": int(np.unique(codes).size), "n_effective": size[s]}
            rungs[s] = Rung(s, v, low, high, int(k.sum()), **grouped)

        def gap_ci(lo: str, hi: str, level: float) -> tuple[float, float]:
            if col is None:
                return percentile_interval(reps[hi] - reps[lo], level)
            return newcombe_diff(rungs[hi].value, size[hi], rungs[lo].value, size[lo], level)

        if groups and group_column:
            caveats.append(grouping_note(group_column, groups, bootstrap=col is None))

        return assemble(
            metric="error",
            rate=True,
            rungs={k: rungs[k] for k in LADDER if k in rungs},
            gap_ci=gap_ci,
            tolerance=tolerance,
            confidence=confidence,
            similar_ratio=similar_ratio,
            strict=strict,
            ci_method=("bootstrap over " + ("groups" if groups else "rows"))
            if col is None
            else "wilson+newcombe" + (" (effective sizes: groups)" if groups else ""),
            caveats=caveats,
            task=None if col is None else p.tasks[col],
            group_column=group_column if groups else None,
        )

    return MultiTaskDiagnosis(
        overall=diag_for(None), tasks={t: diag_for(i) for i, t in enumerate(p.tasks)}
    )
