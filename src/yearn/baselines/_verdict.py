"""Does a model beat the best baseline? A paired comparison with a confidence interval."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from yearn.baselines._core import BaselineReport
from yearn.compare import Comparison, compare_predictions

__all__ = ["HYPOTHESES", "BaselineVerdict", "beats_baseline"]

HYPOTHESES = (
    "the inputs predict the target: check that the features carry information about the "
    "label at all (a human expert, or a simple model on a few obvious features, should "
    "do better than chance)",
    "the data holds enough information: there may be too few examples, too much label "
    "noise, or the signal may need inputs you do not have yet (collect more or richer data)",
)


@dataclass(frozen=True)
class BaselineVerdict:
    """Whether ``model`` beats ``baseline`` (the best one) on ``split``, with the paired
    comparison behind it; ``hypotheses`` lists what to revisit when it does not."""

    model: str
    baseline: str
    split: str
    metric: str
    beats: bool
    comparison: Comparison
    message: str
    hypotheses: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "baseline": self.baseline,
            "split": self.split,
            "metric": self.metric,
            "beats": self.beats,
            "message": self.message,
            "hypotheses": list(self.hypotheses),
            "comparison": self.comparison.to_dict(),
        }

    def __str__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(h)}</li>" for h in self.hypotheses)
        extra = (
            f"<p>Revisit the two hypotheses of the workflow:</p><ol>{items}</ol>" if items else ""
        )
        # the comparison's details only: its own verdict would repeat the message
        return f"<p><b>{html.escape(self.message)}</b></p>{extra}" + self.comparison.details_html()


def beats_baseline(
    model: Any,
    baselines: BaselineReport | Any,
    *,
    metric: str | None = None,
    split: str = "dev",
    model_name: str | None = None,
    baseline_name: str | None = None,
    alpha: float = 0.05,
    n_resamples: int = 2000,
    random_state: int | None = 0,
    task: str | None = None,
) -> BaselineVerdict:
    """Compare a model's predictions with the best baseline on ``split``.

    ``model`` is a predictions table (path, DataFrame or Predictions). ``baselines`` is a
    :class:`BaselineReport` (its best baseline on ``split`` is used) or one baseline's
    predictions table. The model beats the baseline only when it is better and the paired
    test says so (p < ``alpha``); otherwise the message names the two hypotheses of the
    workflow to revisit.
    """
    if isinstance(baselines, BaselineReport):
        metric = metric or baselines.metric
        on = baselines.scores[baselines.scores["split"] == split]
        if on.empty:
            on = baselines.scores[baselines.scores["split"] == baselines.best_split]
        best = str(on.sort_values("error", kind="stable").iloc[0]["baseline"])
        table, baseline_name = baselines.tables[best], baseline_name or best
        task = task or baselines.task
    else:
        table, baseline_name = baselines, baseline_name or "baseline"
    cmp = compare_predictions(
        table,
        model,
        split=split,
        metric=metric or "error",
        name_a=baseline_name,
        name_b=model_name or "model",
        alpha=alpha,
        n_resamples=n_resamples,
        random_state=random_state,
        task=task,
    )
    beats = cmp.better == cmp.name_b
    from yearn.compare import format_gain

    gain = format_gain(cmp.metric, cmp.improvement, cmp.ci_low, cmp.ci_high, cmp.confidence)
    if beats:
        message = f"{cmp.name_b} beats the best baseline ({cmp.name_a}) on {cmp.split} by {gain}."
        hypotheses: tuple[str, ...] = ()
    else:
        how = "is worse than" if cmp.better == cmp.name_a else "does not detectably beat"
        message = (
            f"{cmp.name_b} {how} the best baseline ({cmp.name_a}) on {cmp.split}: "
            f"improvement {gain}. Revisit the two hypotheses of the workflow: (1) "
            f"{HYPOTHESES[0]}; (2) {HYPOTHESES[1]}."
        )
        hypotheses = HYPOTHESES
    return BaselineVerdict(
        cmp.name_b, cmp.name_a, cmp.split, cmp.metric, beats, cmp, message, hypotheses
    )
