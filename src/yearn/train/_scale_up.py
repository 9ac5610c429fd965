"""Scale up until it overfits (Chollet: first overfit, then regularise).

Grow capacity step by step — width, depth, epochs — training one model per step. Stop
when the training error reaches the human-level error (the model can fit the task; now
regularise, if the dev gap is more than noise), or when the dev error rises from one step
to the next, by more than sampling noise, while the training error keeps falling (that
capacity overfits first). A rise is tested on the same dev examples: McNemar's exact test
for the error, a paired bootstrap for other metrics (``alpha`` 0.05); a rise within noise
is noted and the ladder goes on. Each step is a run of the store when one is given.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from yearn._validation import check_number
from yearn.errors import TrainingError
from yearn.train._data import make_train_data
from yearn.train._fit import fit
from yearn.train._losses import default_metric, epoch_metric, error_name

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
            "notes": list(self.notes),
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


def _outputs(result: Any, split: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(y, proba or predictions) of a fitted step on ``split``."""
    data = result.data
    if split not in data.splits:
        return None
    rows = result.predictions[result.predictions["split"] == split]
    if data.task == "regression":
        out = rows["pred"].to_numpy(dtype=float)
    else:
        out = rows[[f"proba:{c}" for c in data.classes]].to_numpy(dtype=float)
    return np.asarray(data.splits[split].y), out


def _error(result: Any, split: str) -> float | None:
    got = _outputs(result, split)
    if got is None:
        return None
    data = result.data
    return epoch_metric(result.metric, data.task, data.classes, got[0], got[1])


def dev_rise(
    metric: str,
    task: str,
    classes: tuple[str, ...],
    y: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    *,
    alpha: float = 0.05,
    random_state: int | None = 0,
) -> tuple[bool, str]:
    """Whether the dev metric (error form) got worse from ``before`` to ``after`` (outputs
    of two models on the same examples ``y``) by more than noise, and the evidence."""
    from yearn.compare import mcnemar_exact, paired_bootstrap

    if metric == "error" and task in ("binary", "multiclass"):
        ok_a, ok_b = before.argmax(axis=1) == y, after.argmax(axis=1) == y
        test = mcnemar_exact(ok_a, ok_b)
        worse = test.only_a > test.only_b
        told = (
            f"{test.only_a} dev example(s) newly wrong, {test.only_b} newly right, McNemar "
            f"p = {test.p_value:.3g}"
        )
        return bool(worse and test.p_value < alpha), told

    def stat(out: np.ndarray) -> Any:
        return lambda idx: epoch_metric(metric, task, classes, y[idx], out[idx])

    boot = paired_bootstrap(
        stat(before), stat(after), len(y), confidence=1 - alpha, random_state=random_state
    )
    told = (
        f"dev {error_name(metric)} change {boot.difference:+.4g}, {1 - alpha:.0%} paired-bootstrap "
        f"interval [{boot.ci_low:+.4g}, {boot.ci_high:+.4g}]"
    )
    return bool(boot.ci_low > 0), told


def dev_gap(
    result: Any, *, confidence: float = 0.95, n_resamples: int = 1000, random_state: int = 0
) -> tuple[float, float, float] | None:
    """(dev − train, low, high): the dev gap of a step with a bootstrap interval over the
    rows of both splits, resampled independently (None without dev rows)."""
    train, dev = _outputs(result, "train"), _outputs(result, "dev")
    if train is None or dev is None:
        return None
    data = result.data
    rng = np.random.default_rng(random_state)

    def err(y: np.ndarray, out: np.ndarray, idx: np.ndarray) -> float:
        return epoch_metric(result.metric, data.task, data.classes, y[idx], out[idx])

    full = err(*dev, np.arange(len(dev[0]))) - err(*train, np.arange(len(train[0])))
    reps = []
    for _ in range(n_resamples):
        i = rng.integers(0, len(train[0]), len(train[0]))
        j = rng.integers(0, len(dev[0]), len(dev[0]))
        try:
            reps.append(err(*dev, j) - err(*train, i))
        except ValueError:  # the metric is undefined on this resample: left out
            continue
    if not reps:
        return None
    low, high = np.quantile(reps, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(full), float(low), float(high)


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
    named = error_name(metric)  # values are in the metric's error form: say so
    steps: list[ScaleStep] = []
    notes: list[str] = []
    reached, overfit = False, None
    previous = None
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
                y, before = _outputs(previous, "dev")  # type: ignore[misc]
                after = _outputs(result, "dev")[1]  # type: ignore[index]
                rose, told = dev_rise(metric, prepared.task, prepared.classes, y, before, after)
                if rose:
                    overfit = i
                    notes.append(f"step {i + 1}: {told}")
                else:
                    notes.append(
                        f"step {i + 1}: dev {named} rose from {prev.dev_error:.4f} to "
                        f"{step.dev_error:.4f} ({told}): within sampling noise, not called "
                        "overfitting"
                    )
        if human_level_error is not None and step.train_error <= human_level_error + tolerance:
            reached = True
        previous = result
        if reached or overfit is not None:
            break
    last = steps[-1]
    if overfit is not None:
        prev = steps[-2]
        message = (
            f"{last.capacity} overfits first: train {named} fell to {last.train_error:.4f} "
            f"while dev {named} rose from {prev.dev_error:.4f} to {last.dev_error:.4f} "
            f"({notes[-1].split(': ', 1)[1]}). Keep {prev.capacity} (or this one with "
            "regularisation)."
        )
        if reached:
            message += f" It also reaches the human-level error ({human_level_error:.4f})."
    elif reached:
        message = (
            f"{last.capacity} reaches the human-level error: train {named} "
            f"{last.train_error:.4f} ≤ {human_level_error:.4f}. The model is big enough; "
            + _gap_advice(previous, metric)
        )
    else:
        message = (
            f"no step overfit and train {named} is {last.train_error:.4f} at {last.capacity}"
            + (f" (human level {human_level_error:.4f})" if human_level_error is not None else "")
            + ": scale up further (wider, deeper, longer) or revisit the inputs."
        )
    return ScaleUpResult(steps, metric, human_level_error, reached, overfit, message, notes)


def _gap_advice(result: Any, metric: str) -> str:
    gap = dev_gap(result)
    if gap is None:
        return "measure it on a dev set to know whether it needs regularising."
    value, low, high = gap
    told = f"dev − train {error_name(metric)} {value:+.4f}, 95% interval [{low:+.4f}, {high:+.4f}]"
    if low > 0:
        return f"now regularise (dropout, weight decay, more data) to close the dev gap ({told})."
    return f"there is no dev gap to close beyond sampling noise ({told})."
