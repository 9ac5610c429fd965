"""One joint network vs separate single-task networks on the same data and splits.

Per task: dev error of each (labelled dev rows of that task), the joint − separate gain
with its paired-bootstrap CI and McNemar's exact p-value. Overall: dev mAP of each with a
paired-bootstrap CI over dev rows. Optionally a deliberately small joint network (the
course's known losing case: a network too small to serve every task).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yearn.compare import format_gain, mcnemar_exact, paired_bootstrap, paired_bootstrap_binary
from yearn.errors import DataError
from yearn.multitask._fit import fit_multitask, multilabel_data, predict_proba
from yearn.multitask._scores import average_precision, mean_average_precision
from yearn.train import FitResult, fit

__all__ = ["JointVsSeparate", "TaskVerdict", "compare_joint_separate"]


@dataclass(frozen=True)
class TaskVerdict:
    """One task (or ``overall``): the two values, the gain of joint and its CI."""

    task: str
    metric: str  # "error" per task, "mAP" overall
    n: int
    separate: float
    joint: float
    gain: float  # positive: joint better
    ci_low: float
    ci_high: float
    p_value: float
    small_joint: float | None = None

    @property
    def better(self) -> str | None:
        if self.p_value >= 0.05 or self.gain == 0:
            return None
        return "joint" if self.gain > 0 else "separate"

    def gain_text(self) -> str:
        return format_gain("error", self.gain, self.ci_low, self.ci_high, 0.95)


@dataclass
class JointVsSeparate:
    """The comparison: per-task verdicts, the overall mAP verdict, the runs."""

    tasks: tuple[str, ...]
    verdicts: list[TaskVerdict]
    overall: TaskVerdict
    train_error: dict[str, dict[str, float]]  # model → task → train error
    run_ids: dict[str, str | None]
    width: int | None
    small_width: int | None
    notes: list[str] = field(default_factory=list)
    joint_width: int | None = None

    def table(self) -> pd.DataFrame:
        rows = []
        for v in [*self.verdicts, self.overall]:
            row = {
                "task": v.task,
                "metric": v.metric,
                "n_dev": v.n,
                "separate": v.separate,
                "joint": v.joint,
            }
            if self.small_width is not None:
                row[f"joint (width {self.small_width})"] = v.small_joint
            row |= {
                "joint gain": v.gain_text(),
                "p_value": v.p_value,
                "better": v.better or "no detectable difference",
            }
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        rows = self.table().astype(object)
        return {
            "tasks": list(self.tasks),
            "rows": rows.where(rows.notna(), None).to_dict("records"),
            "train_error": self.train_error,
            "run_ids": self.run_ids,
            "width": self.width,
            "small_width": self.small_width,
            "joint_width": self.joint_width,
            "notes": self.notes,
        }

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        labels, values = [], []
        for v in self.verdicts:
            labels += [f"{v.task} separate", f"{v.task} joint"]
            values += [v.separate, v.joint]
        metric = self.verdicts[0].metric if self.verdicts else ""
        chart = bar_chart(labels, values, title=f"dev {metric} per task", fmt=".3f")
        table = html_table(self.table(), formats={"separate": ".4f", "joint": ".4f"})
        return f"<p><b>joint vs separate</b></p>{table}{chart}" + "".join(
            f"<p>{html.escape(n)}</p>" for n in self.notes
        )


def _task_data(prepared: Any, j: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for split, part in prepared.splits.items():
        if split == "test":
            continue
        known = ~np.isnan(part.y[:, j])
        out[split] = (part.x[known], part.y[known, j].astype(np.int64))
    return out


def _train_error(y: np.ndarray, proba: np.ndarray) -> float:
    known = ~np.isnan(y)
    return float(((proba[known] >= 0.5) != (y[known] == 1)).mean())


def compare_joint_separate(
    data: Any,
    *,
    model: str = "mlp",
    width: int | None = None,
    joint_width: int | None = None,
    small_width: int | None = None,
    splits: Any = None,
    store: Any = None,
    n_resamples: int = 2000,
    random_state: int = 0,
    progress: Any = None,
    **params: Any,
) -> JointVsSeparate:
    """Train one joint network and one network per task; compare them on dev.

    ``model`` / ``width``: the architecture of every network; ``joint_width``: the joint
    network's width (default ``width``; the course: the shared network must be big enough
    for every task); ``small_width``: also a joint network of that width, to show a
    too-small shared network losing. ``params``:
    training parameters of :func:`yearn.fit` (epochs, lr, ...).
    """
    say = progress or (lambda _msg: None)
    prepared = multilabel_data(data, splits=splits)
    if "dev" not in prepared.splits:
        raise DataError("the comparison needs a dev split to score the networks on.")
    tasks = prepared.classes
    common = dict(width=width, random_state=random_state, **params)
    dev, train = prepared.splits["dev"], prepared.splits["train"]
    p_sep = np.full(dev.y.shape, np.nan)
    run_ids: dict[str, str | None] = {}
    train_err: dict[str, dict[str, float]] = {"joint": {}, "separate": {}}
    # separate networks first, the joint one last: the newest run with predictions (what
    # `yearn diagnose -p` and error analysis pick up) is then a model of every task
    for j, task in enumerate(tasks):
        say(f"separate network for {task}")
        res: FitResult = fit(
            model,
            _task_data(prepared, j),
            task="binary",
            store=store,
            run_name=f"separate-{task}",
            **common,
        )
        run_ids[f"separate-{task}"] = res.run_id
        p_sep[:, j] = predict_proba(res.model, dev.x, kind="binary")
        ps_train = predict_proba(res.model, train.x, kind="binary")
        train_err["separate"][task] = _train_error(train.y[:, j], ps_train)
    small = None
    if small_width is not None:
        say(f"small joint network (width {small_width})")
        small = fit_multitask(
            model,
            prepared,
            store=store,
            run_name=f"joint-w{small_width}",
            diagnose=False,
            **{**common, "width": small_width},
        )
        run_ids[f"joint-w{small_width}"] = small.run_id
        ps_small_train = predict_proba(small.fit.model, train.x)
        train_err[f"joint-w{small_width}"] = {
            t: _train_error(train.y[:, j], ps_small_train[:, j]) for j, t in enumerate(tasks)
        }
    say(f"joint network ({len(tasks)} outputs)")
    joint = fit_multitask(
        model,
        prepared,
        store=store,
        run_name="joint",
        diagnose=False,
        **{**common, "width": joint_width or width},
    )
    run_ids["joint"] = joint.run_id
    p_joint = predict_proba(joint.fit.model, dev.x)
    p_small = predict_proba(small.fit.model, dev.x) if small else None
    pj_train = predict_proba(joint.fit.model, train.x)
    train_err["joint"] = {
        t: _train_error(train.y[:, j], pj_train[:, j]) for j, t in enumerate(tasks)
    }
    verdicts = []
    for j, task in enumerate(tasks):
        known = ~np.isnan(dev.y[:, j])
        if not known.any():
            raise DataError(f"the dev split has no labelled example of task {task!r}.")
        y = dev.y[known, j] == 1
        wrong_s = (p_sep[known, j] >= 0.5) != y
        wrong_j = (p_joint[known, j] >= 0.5) != y
        boot = paired_bootstrap_binary(
            wrong_s, wrong_j, n_resamples=n_resamples, random_state=random_state
        )
        mc = mcnemar_exact(~wrong_s, ~wrong_j)
        small_err = None
        if p_small is not None:
            small_err = float(((p_small[known, j] >= 0.5) != y).mean())
        verdicts.append(
            TaskVerdict(
                task,
                "error",
                int(known.sum()),
                float(wrong_s.mean()),
                float(wrong_j.mean()),
                -boot.difference,
                -boot.ci_high,
                -boot.ci_low,
                mc.p_value,
                small_err,
            )
        )
    boot = paired_bootstrap(
        lambda idx: mean_average_precision(dev.y[idx], p_sep[idx]),
        lambda idx: mean_average_precision(dev.y[idx], p_joint[idx]),
        len(dev.y),
        n_resamples=n_resamples,
        random_state=random_state,
    )
    overall = TaskVerdict(
        "overall",
        "mAP",
        len(dev.y),
        mean_average_precision(dev.y, p_sep),
        mean_average_precision(dev.y, p_joint),
        boot.difference,
        boot.ci_low,
        boot.ci_high,
        boot.p_value,
        None if p_small is None else mean_average_precision(dev.y, p_small),
    )
    notes = [
        "per-task AP (dev), separate vs joint: "
        + ", ".join(
            f"{t} {average_precision(dev.y[:, j], p_sep[:, j]):.3f} vs "
            f"{average_precision(dev.y[:, j], p_joint[:, j]):.3f}"
            for j, t in enumerate(tasks)
        )
    ]
    result = JointVsSeparate(
        tasks, verdicts, overall, train_err, run_ids, width, small_width, notes, joint_width
    )
    if store is not None:
        _record(store, result)
    return result


def _record(store: Any, result: JointVsSeparate) -> None:
    """A ``multitask_compare`` run: per-task dev values as metrics, the table as JSON."""
    import json

    if not hasattr(store, "start_run"):
        from yearn.store import open_store

        store = open_store(store)
    data = result.to_dict()
    with store.run(
        name="multitask-compare", kind="multitask_compare", config={"runs": result.run_ids}
    ) as run:
        for v in [*result.verdicts, result.overall]:
            run.log_metrics(
                {f"{v.task}:separate": v.separate, f"{v.task}:joint": v.joint}, split="dev"
            )
        run.log_artifact(json.dumps(data, indent=2, default=str).encode(), name="comparison.json")
