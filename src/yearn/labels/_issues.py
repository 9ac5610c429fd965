"""Label issues in a predictions table: who is flagged, noise per class pair, and advice.

Reads the ``proba:`` columns of a predictions table (out-of-sample: dev, test and
train-dev by default, or out-of-fold train probabilities) and runs confident learning
(:mod:`yearn.labels._confident`). The advice follows the course: relabelling pays when wrong
labels explain a large share of the dev error (Ng: 0.6% of a 10% error is not worth it,
0.6% of a 2% error is). The threshold is ``relabel_threshold`` (default 0.25 of the dev
error).

**Class overlap.** Confident learning also flags examples near an overlapping class boundary
(Bayes error), so the share of dev errors it flags overstates the wrong labels where classes
overlap. With the human-level error ``h`` as the Bayes proxy, the dev error ``e`` bounds the
errors wrong labels can cause: a model no better than ``h`` on the true labels errs on at
least ``h·(1−ρ)`` of clean-label examples, so wrong-label errors ``L`` satisfy
``L ≤ (e − h)(1 − h)/(1 − 2h)`` (an estimate: the dev error itself is measured with noise).
The share uses ``min(flagged, that)``; without a human level it is the flagged share,
reported as an upper bound with that reason.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_choice, check_fraction, check_positive_int
from yearn.errors import PredictionsError
from yearn.labels._confident import confident_joint, find_label_issues
from yearn.labels._metric import metric_from_labels
from yearn.metrics import Metric, get_metric
from yearn.predictions import SPLITS, Predictions, load_predictions

__all__ = ["InSampleWarning", "LabelIssues", "label_issues"]

DEFAULT_SPLITS = ("train_dev", "dev", "test")
POSSIBLY_MISLABELED = "possibly mislabeled"


class InSampleWarning(UserWarning):
    """Probabilities look in-sample: confident learning will miss most label issues."""


@dataclass
class LabelIssues:
    """Result of :func:`label_issues`.

    ``issues``: one row per flagged example, most likely first — ``id``, ``split``,
    ``label``, ``suggested`` (the model's class), ``self_confidence`` (p(label|x), the
    ranking score: low = likely wrong) and ``rank``. ``noise``: the estimated noise per
    class pair (``given``, ``true``, ``count``, ``rate`` = P(given | true)).
    """

    issues: pd.DataFrame
    noise: pd.DataFrame
    n_examples: int
    splits: tuple[str, ...]
    dev_error: float | None
    dev_error_from_labels: float | None
    relabel_threshold: float
    warnings: list[str] = field(default_factory=list)
    dev_error_flagged: float | None = None
    human_level: float | None = None
    upper_bound: bool = False
    share_note: str | None = None
    metric: str = "error"
    metric_now: float | None = None
    metric_from_labels: float | None = None

    @property
    def ids(self) -> list[Any]:
        return self.issues["id"].tolist()

    @property
    def share_of_error(self) -> float | None:
        """Share of the dev error (in :attr:`metric`) explained by flagged labels (None
        without dev rows)."""
        if self.metric != "error" and self.metric_now is not None:
            return float(self.metric_from_labels / self.metric_now) if self.metric_now else 0.0
        if not self.dev_error:
            return None if self.dev_error is None else 0.0
        return float(self.dev_error_from_labels / self.dev_error)

    @property
    def worth_relabelling(self) -> bool | None:
        share = self.share_of_error
        return None if share is None else share >= self.relabel_threshold

    @property
    def advice(self) -> str:
        share = self.share_of_error
        if share is None:
            return "no dev rows: cannot say how much of the dev error wrong labels explain."
        most = "at most " if self.upper_bound else "about "
        if self.metric != "error" and self.metric_now is not None:
            head = (
                f"wrong labels explain {most}{self.metric_from_labels:.4g} of the "
                f"{self.metric_now:.4g} dev {self.metric} ({share:.0%} of it; in error "
                f"{self.dev_error_from_labels:.1%} of {self.dev_error:.1%})"
            )
        else:
            head = (
                f"wrong labels explain {most}{self.dev_error_from_labels:.1%} of the "
                f"{self.dev_error:.1%} dev error ({share:.0%} of it)"
            )
        if self.share_note:
            head += f" — {self.share_note}"
        if self.worth_relabelling:
            verb = "may be worth relabelling" if self.upper_bound else "worth relabelling"
            tail = ""
            if "test" not in self.splits:
                tail = (
                    " These predictions hold no test rows (training runs do not predict "
                    "test): flag test's with `yearn label-issues --project DIR`."
                )
            return (
                f"{head}: {verb} — review the flagged examples of dev AND test "
                f"with the same process (yearn relabel).{tail}"
            )
        return (
            f"{head}: below {self.relabel_threshold:.0%} of the error, relabelling is probably "
            "not worth its cost; work on the larger error categories first."
        )

    def _repr_html_(self) -> str:
        return _label_issues_html(self)

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        issues = self.issues if top is None else self.issues.head(top)
        return {
            "n_examples": self.n_examples,
            "splits": list(self.splits),
            "n_flagged": len(self.issues),
            "metric": self.metric,
            "dev_metric": self.metric_now,
            "dev_metric_from_labels": self.metric_from_labels,
            "dev_error": self.dev_error,
            "dev_error_from_labels": self.dev_error_from_labels,
            "dev_error_flagged": self.dev_error_flagged,
            "human_level": self.human_level,
            "share_of_error": self.share_of_error,
            "share_is_upper_bound": self.upper_bound,
            "share_note": self.share_note,
            "relabel_threshold": self.relabel_threshold,
            "worth_relabelling": self.worth_relabelling,
            "advice": self.advice,
            "issues": _records(issues),
            "noise": _records(self.noise),
            "warnings": list(self.warnings),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return out


def label_issues(
    predictions: Predictions | pd.DataFrame | str,
    *,
    splits: tuple[str, ...] | list[str] | None = None,
    probabilities: str = "auto",
    relabel_threshold: float = 0.25,
    min_examples_per_class: int = 1,
    human_level: float | None = None,
    metric: str | Metric = "error",
    pos_label: Any = None,
) -> LabelIssues:
    """Find likely wrong labels in a predictions table with confident learning.

    ``splits``: the rows to examine (default: train_dev, dev and test — the splits whose
    probabilities come from a model that never saw them). ``probabilities``: ``"auto"``
    (warn when they look in-sample), ``"out_of_sample"`` (trust them) or ``"in_sample"``
    (you know they are: warn). Emits :class:`InSampleWarning` when they look in-sample.
    ``human_level``: the human-level error (Bayes proxy) that corrects the share of dev
    error due to wrong labels for class overlap (see the module docstring). ``metric``:
    the project metric; another than error states the share in its error form (see
    :mod:`yearn.labels._metric`).
    """
    chosen = get_metric(metric)
    if human_level is not None:
        human_level = check_fraction("human_level", human_level)
    check_choice("probabilities", probabilities, ("auto", "out_of_sample", "in_sample"))
    relabel_threshold = check_fraction("relabel_threshold", relabel_threshold)
    check_positive_int("min_examples_per_class", min_examples_per_class)
    preds = predictions if isinstance(predictions, Predictions) else load_predictions(predictions)
    if preds.task not in ("binary", "multiclass") or not preds.classes:
        raise PredictionsError(
            f"{preds.source}: label issues need single-label classification with proba:<class> "
            f"columns; this table is {preds.task}"
            + ("" if preds.classes else " without proba: columns")
            + "."
        )
    if "model" in preds.frame and len(preds.models) > 1:
        raise PredictionsError(
            f"{preds.source}: the table holds several models ({', '.join(preds.models)}); "
            "choose one (--model / Predictions.for_model)."
        )
    wanted = tuple(splits) if splits else tuple(s for s in DEFAULT_SPLITS if s in preds.splits)
    for s in wanted:
        check_choice("split", s, SPLITS, error=PredictionsError)
    if not wanted:
        raise PredictionsError(
            f"{preds.source}: no train_dev, dev or test rows (it has {', '.join(preds.splits)}); "
            "pass splits=['train'] with out-of-fold train probabilities "
            "(yearn label-issues --project computes them)."
        )
    rows = preds.frame["split"].isin(wanted).to_numpy()
    if not rows.any():
        raise PredictionsError(f"{preds.source}: no rows in split(s) {', '.join(wanted)}.")
    sub = preds._replace(preds.frame[rows])
    labels, proba = sub.label_indices(), sub.proba()
    notes = _in_sample_notes(sub, labels, proba, wanted, probabilities)
    for note in notes:
        warnings.warn(note, InSampleWarning, stacklevel=2)

    order = find_label_issues(labels, proba, min_examples_per_class=min_examples_per_class)
    classes = np.asarray(sub.classes, dtype=object)
    frame = sub.frame
    issues = pd.DataFrame(
        {
            "id": frame["id"].to_numpy()[order],
            "split": frame["split"].to_numpy()[order],
            "label": classes[labels[order]],
            "suggested": classes[proba[order].argmax(axis=1)],
            "self_confidence": proba[order, labels[order]],
            "rank": np.arange(1, len(order) + 1),
        }
    )
    noise = _noise_table(labels, proba, sub.classes)

    dev_error = from_labels = None
    is_dev = frame["split"].to_numpy() == "dev"
    if is_dev.any():
        wrong = ~sub.correct()
        flagged = np.zeros(len(frame), dtype=bool)
        flagged[order] = True
        dev_error = float(wrong[is_dev].mean())
        from_labels = float((wrong & flagged)[is_dev].mean())
    flagged_rate = from_labels
    from_labels, upper, note = _overlap_corrected(dev_error, from_labels, human_level)
    now = by_labels = None
    if chosen.name != "error" and is_dev.any():
        position = np.full(len(frame), -1)
        position[is_dev] = np.arange(int(is_dev.sum()))
        fraction = from_labels / flagged_rate if flagged_rate else 1.0
        now, by_labels = metric_from_labels(
            chosen,
            sub._replace(frame[is_dev]),
            position[order[is_dev[order]]],
            fraction,
            pos_label,
        )
    return LabelIssues(
        issues=issues,
        noise=noise,
        n_examples=len(frame),
        splits=wanted,
        dev_error=dev_error,
        dev_error_from_labels=from_labels,
        relabel_threshold=relabel_threshold,
        warnings=notes,
        dev_error_flagged=flagged_rate,
        human_level=human_level,
        upper_bound=upper,
        share_note=note,
        metric=chosen.error_name if now is not None else "error",
        metric_now=now,
        metric_from_labels=by_labels,
    )


def _overlap_corrected(
    dev_error: float | None, flagged: float | None, human: float | None
) -> tuple[float | None, bool, str | None]:
    """(dev error from wrong labels, whether it is an upper bound, why)."""
    if dev_error is None or flagged is None or flagged == 0.0:
        return flagged, False, None
    if human is None:
        return (
            flagged,
            True,
            "an upper bound: confident learning also flags examples near an overlapping "
            "class boundary; give the human-level error (metric.human_level_error, --human) "
            "to correct for it",
        )
    if human >= 0.5:
        return flagged, True, f"an upper bound: a human level of {human:.0%} gives no bound"
    bound = max(0.0, (dev_error - human) * (1 - human) / (1 - 2 * human))
    if bound >= flagged:
        return flagged, False, None
    return (
        bound,
        False,
        f"corrected for class overlap: with a human-level error of {human:.1%} only the dev "
        f"error above it, about {bound:.1%}, can come from wrong labels, while {flagged:.1%} "
        "were flagged (examples near the class boundary are flagged too)",
    )


def _noise_table(labels: np.ndarray, proba: np.ndarray, classes: tuple[str, ...]) -> pd.DataFrame:
    joint = confident_joint(labels, proba).astype(float)
    true_totals = joint.sum(axis=0)
    given, true = np.nonzero(joint)
    off = given != true
    given, true = given[off], true[off]
    counts = joint[given, true]
    table = pd.DataFrame(
        {
            "given": np.asarray(classes, dtype=object)[given],
            "true": np.asarray(classes, dtype=object)[true],
            "count": counts.astype(np.int64),
            "rate": counts / np.maximum(true_totals[true], 1.0),
        }
    )
    return table.sort_values(["count", "given", "true"], ascending=[False, True, True]).reset_index(
        drop=True
    )


def _in_sample_notes(
    preds: Predictions,
    labels: np.ndarray,
    proba: np.ndarray,
    splits: tuple[str, ...],
    probabilities: str,
) -> list[str]:
    if probabilities == "out_of_sample":
        return []
    if probabilities == "in_sample":
        return [
            "the probabilities are in-sample (the model saw these examples): confident "
            "learning will miss most wrong labels; use out-of-fold probabilities "
            "(yearn label-issues --project DIR)."
        ]
    notes = []
    self_conf = proba[np.arange(len(labels)), labels]
    accuracy = float((proba.argmax(axis=1) == labels).mean())
    if "train" in splits:
        train = preds.frame["split"].to_numpy() == "train"
        acc = float((proba[train].argmax(axis=1) == labels[train]).mean())
        conf = float(self_conf[train].mean())
        if acc >= 0.99 and conf >= 0.9:
            notes.append(
                f"the train rows look in-sample (accuracy {acc:.1%}, mean confidence in the "
                f"label {conf:.2f}): a model scoring its own training data hides wrong labels; "
                "use out-of-fold probabilities (yearn label-issues --project DIR) or pass "
                "probabilities='out_of_sample' if they already are."
            )
    elif accuracy == 1.0 and float(self_conf.mean()) >= 0.99 and len(labels) >= 20:
        notes.append(
            f"every one of the {len(labels)} examples is predicted correctly with mean "
            f"confidence {float(self_conf.mean()):.3f}: these probabilities look in-sample; "
            "confident learning needs out-of-sample ones."
        )
    return notes


_ISSUE_COLUMNS = ("rank", "id", "split", "label", "suggested", "self_confidence")


def _label_issues_html(result: LabelIssues) -> str:
    """Noise per class pair as bars, then the top flagged examples as a table."""
    from yearn.display import bar_chart, html_table

    noise = result.noise.head(10)
    pairs = [f"{g} → {t}" for g, t in zip(noise["given"], noise["true"], strict=True)]
    chart = bar_chart(
        pairs,
        [float(c) for c in noise["count"]],
        title="estimated wrong labels per class pair (given → true)",
        fmt=".0f",
    )
    columns = [c for c in _ISSUE_COLUMNS if c in result.issues.columns]
    table = html_table(
        result.issues[columns],
        max_rows=10,
        formats={"self_confidence": ".3f"},
        caption="most likely wrong labels",
    )
    notes = "".join(f"<p>⚠ {escape(w)}</p>" for w in result.warnings)
    return (
        f"<div><p><b>{len(result.issues)} likely label issues</b> of {result.n_examples} "
        f"examples ({escape(', '.join(result.splits))}). {escape(result.advice)}</p>"
        f"{notes}{chart}{table}</div>"
    )
