"""Scale up until it overfits (Chollet: first overfit, then regularise).

Grow capacity step by step — width, depth, epochs — training one model per step. Stop
when the training error reaches the human-level error (the model can fit the task; now
regularise), or when the dev error rises from one step to the next while the training
error keeps falling (that capacity overfits first). Each step is a run of the store when
one is given.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

from yearn._validation import check_number
from yearn.errors import TrainingError
from yearn.train._data import make_train_data
from yearn.train._fit import fit
from yearn.train._losses import default_metric, epoch_metric

__all__ = ["CNN_LADDER", "DEFAULT_LADDER", "ScaleStep", "ScaleUpResult", "scale_up"]

#: (width, depth, epochs multiplier) for each step
DEFAULT_LADDER = ((8, 1, 1), (32, 1, 1), (64, 2, 1), (128, 2, 2), (256, 3, 2), (512, 3, 4))
#: for the CNN, width = channels of the first block (doubling per block)
CNN_LADDER = ((4, 1, 1), (8, 2, 1), (16, 2, 1), (32, 2, 2), (32, 3, 2), (64, 3, 4))


@dataclass
class ScaleStep:
    """One capacity tried and the errors it reached (error form of the metric)."""

    width: int
    depth: int
    epochs: int
    train_error: float
    dev_error: float | None
    run_id: str | None = None

    @property
    def capacity(self) -> str:
        return f"width {self.width}, depth {self.depth}, {self.epochs} epochs"


@dataclass
class ScaleUpResult:
    """The steps, why the ladder stopped, and which capacity overfits first."""

    steps: list[ScaleStep]
    metric: str
    human_level_error: float | None
    reached_human_level: bool
    overfit_step: int | None
    message: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "human_level_error": self.human_level_error,
            "reached_human_level": self.reached_human_level,
            "overfit_step": self.overfit_step,
            "message": self.message,
            "steps": [{**asdict(s), "capacity": s.capacity} for s in self.steps],
        }

    def _repr_html_(self) -> str:
        from yearn.display import SPLIT_COLOURS, Series, html_table, line_chart

        records = [
            {
                "step": i + 1,
                "capacity": s.capacity,
                "train error": s.train_error,
                "dev error": s.dev_error,
                "note": "overfits first" if self.overfit_step == i else "",
            }
            for i, s in enumerate(self.steps)
        ]
        table = html_table(records, formats={"train error": ".4f", "dev error": ".4f"})
        steps = list(range(1, len(self.steps) + 1))
        series = [
            Series("train", steps, [s.train_error for s in self.steps], SPLIT_COLOURS["train"]),
            Series(
                "dev",
                steps,
                [float("nan") if s.dev_error is None else s.dev_error for s in self.steps],
                SPLIT_COLOURS["dev"],
            ),
        ]
        if self.human_level_error is not None:
            series.append(
                Series(
                    "human level",
                    [1, max(steps, default=1)],
                    [self.human_level_error] * 2,
                    "#555555",
                    dashed=True,
                )
            )
        chart = line_chart(
            series,
            title=f"error ({self.metric}) as capacity grows",
            x_label="ladder step",
            y_label="error",
        )
        return f"<p>{html.escape(self.message)}</p>{table}{chart}"


def _error(result: Any, split: str) -> float | None:
    data = result.data
    if split not in data.splits:
        return None
    rows = result.predictions[result.predictions["split"] == split]
    if data.task == "regression":
        proba = rows["pred"].to_numpy(dtype=float)
    else:
        proba = rows[[f"proba:{c}" for c in data.classes]].to_numpy(dtype=float)
    return epoch_metric(result.metric, data.task, data.classes, data.splits[split].y, proba)


def scale_up(
    data: Any,
    *,
    splits: Any = None,
    task: str | None = None,
    human_level_error: float | None = None,
    model: str = "mlp",
    ladder: tuple[tuple[int, int, int], ...] | None = None,
    epochs: int = 10,
    store: Any = None,
    tolerance: float = 0.0,
    **params: Any,
) -> ScaleUpResult:
    """Train ``model`` at growing capacity (``ladder``: (width, depth, epochs multiplier);
    default :data:`DEFAULT_LADDER` for the MLP, :data:`CNN_LADDER` for the CNN)."""
    if model not in ("mlp", "cnn"):
        raise TrainingError(f"scale-up grows width and depth of 'mlp' or 'cnn'; got {model!r}.")
    if human_level_error is not None:
        check_number("human_level_error", human_level_error, low=0.0, error=TrainingError)
    if ladder is None:
        ladder = CNN_LADDER if model == "cnn" else DEFAULT_LADDER
    if not ladder:
        raise TrainingError("the ladder of capacities is empty; give at least one step.")
    prepared = make_train_data(data, splits=splits, task=task)
    metric = params.get("metric") or default_metric(prepared.task)
    steps: list[ScaleStep] = []
    reached, overfit = False, None
    for i, (width, depth, mult) in enumerate(ladder):
        result = fit(
            model,
            prepared,
            width=width,
            depth=depth,
            epochs=epochs * mult,
            store=store,
            run_name=f"scale-up {i + 1}: {model} w{width} d{depth}",
            **params,
        )
        step = ScaleStep(
            width,
            depth,
            epochs * mult,
            _error(result, "train"),
            _error(result, "dev"),
            result.run_id,
        )
        steps.append(step)
        if len(steps) > 1 and step.dev_error is not None and steps[-2].dev_error is not None:
            prev = steps[-2]
            if step.dev_error > prev.dev_error + tolerance and step.train_error <= prev.train_error:
                overfit = i
        if human_level_error is not None and step.train_error <= human_level_error + tolerance:
            reached = True
        if reached or overfit is not None:
            break
    last = steps[-1]
    if overfit is not None:
        prev = steps[-2]
        message = (
            f"{last.capacity} overfits first: train {metric} fell to {last.train_error:.4f} "
            f"while dev {metric} rose from {prev.dev_error:.4f} to {last.dev_error:.4f}. "
            f"Keep {prev.capacity} (or this one with regularisation)."
        )
        if reached:
            message += f" It also reaches the human-level error ({human_level_error:.4f})."
    elif reached:
        message = (
            f"{last.capacity} reaches the human-level error: train {metric} "
            f"{last.train_error:.4f} ≤ {human_level_error:.4f}. The model is big enough; now "
            "regularise (dropout, weight decay, more data) to close the dev gap."
        )
    else:
        message = (
            f"no step overfit and train {metric} is {last.train_error:.4f} at {last.capacity}"
            + (f" (human level {human_level_error:.4f})" if human_level_error is not None else "")
            + ": scale up further (wider, deeper, longer) or revisit the inputs."
        )
    return ScaleUpResult(steps, metric, human_level_error, reached, overfit, message)
