"""``evaluate_synthesis``: retrain with the same model and settings with and without the
synthetic source and compare the data-mismatch gap (dev error − train-dev error) on the
same original rows, with paired bootstrap intervals."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from yearn.errors import ConfigError

__all__ = ["Evaluation", "evaluate_synthesis", "gap_change"]

N_RESAMPLES = 2000


@dataclass
class Evaluation:
    """Errors and gaps before (without the synthetic source) and after (with it)."""

    source: str
    model: str
    settings: dict[str, Any]
    n_train: tuple[int, int]  # train rows before, after
    n_train_dev: int
    n_dev: int
    rows: list[dict[str, Any]]  # quantity, before, after, change, change interval
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _repr_html_(self) -> str:
        from markupsafe import Markup

        from yearn.display import html_table

        return str(
            Markup("<p>{}</p>").format(self.verdict)
            + html_table(self.rows, formats={"before": ".2%", "after": ".2%", "change": "+.2%"})
        )


def _interval(reps: np.ndarray) -> list[float]:
    return [round(float(q), 5) for q in np.quantile(reps, [0.025, 0.975])]


def _resampled_means(
    before: np.ndarray,
    after: np.ndarray,
    groups: Any,
    n_resamples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Means of ``before`` and ``after`` on the same resamples of their rows; with
    ``groups`` (one id per row), whole groups are drawn, since rows of one group (renders
    of one original) have correlated errors."""
    if groups is None:
        idx = rng.integers(0, before.size, (n_resamples, before.size))
        return before[idx].mean(1), after[idx].mean(1)
    from yearn.diagnose import group_codes, group_sampler

    draw = group_sampler(group_codes(groups))
    out = np.empty((2, n_resamples))
    for b in range(n_resamples):
        idx = draw(rng)
        out[0, b], out[1, b] = before[idx].mean(), after[idx].mean()
    return out[0], out[1]


def gap_change(
    td_before: np.ndarray,
    td_after: np.ndarray,
    dev_before: np.ndarray,
    dev_after: np.ndarray,
    *,
    groups_train_dev: Any = None,
    groups_dev: Any = None,
    n_resamples: int = N_RESAMPLES,
    random_state: int = 0,
) -> list[dict[str, Any]]:
    """Rows (train_dev error, dev error, gap) with before, after, the change and a 95%
    paired bootstrap interval of the change: the same rows are resampled for both models,
    train-dev and dev rows independently; with ``groups_train_dev`` / ``groups_dev`` (a
    group id per row) whole groups are resampled. Inputs: 0/1 error per row."""
    rng = np.random.default_rng(random_state)
    a = {
        k: np.asarray(v, dtype=np.float64)
        for k, v in (("tdb", td_before), ("tda", td_after), ("dvb", dev_before), ("dva", dev_after))
    }
    td_b, td_a = _resampled_means(a["tdb"], a["tda"], groups_train_dev, n_resamples, rng)
    dv_b, dv_a = _resampled_means(a["dvb"], a["dva"], groups_dev, n_resamples, rng)
    out = []
    for name, before, after, rb, ra in (
        ("train_dev error", a["tdb"].mean(), a["tda"].mean(), td_b, td_a),
        ("dev error", a["dvb"].mean(), a["dva"].mean(), dv_b, dv_a),
        (
            "data-mismatch gap (dev - train_dev)",
            a["dvb"].mean() - a["tdb"].mean(),
            a["dva"].mean() - a["tda"].mean(),
            dv_b - td_b,
            dv_a - td_a,
        ),
    ):
        out.append(
            {
                "quantity": name,
                "before": round(float(before), 5),
                "before_interval": _interval(rb),
                "after": round(float(after), 5),
                "after_interval": _interval(ra),
                "change": round(float(after - before), 5),
                "change_interval": _interval(ra - rb),
            }
        )
    return out


def _verdict(rows: list[dict[str, Any]]) -> str:
    gap = rows[2]
    low, high = gap["change_interval"]
    span = f"{gap['change']:+.2%} [{low:+.2%}, {high:+.2%}]"
    if high < 0:
        shrank = -gap["change"]
        return f"the data-mismatch gap shrank by {shrank:.2%}: change {span} (interval excludes 0)."
    if low > 0:
        return f"the data-mismatch gap grew: change {span} (interval excludes 0)."
    return f"no significant change in the data-mismatch gap: change {span} (interval includes 0)."


def _settings(project, model: str | None, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The model and settings of the newest completed train run (unless given)."""
    from yearn.train import TrainConfig

    known = {f.name for f in fields(TrainConfig)}
    if model is not None:
        return model, params
    if not project.has_store:
        raise ConfigError(
            f"{project.root}: no train run to copy the model and settings from; train one "
            "first or pass --model (and --epochs, --batch-size)."
        )
    with project.store() as store:
        runs = [r for r in store.list_runs() if r.kind == "train" and r.status == "completed"]
    if not runs:
        raise ConfigError(
            f"{project.root}: no completed train run to copy the settings from; pass --model."
        )
    run = max(runs, key=lambda r: str(r.started_at or ""))
    copied = {k: v for k, v in (run.config or {}).items() if k in known}
    copied.update(params)
    return str(run.config.get("model")), copied


def evaluate_synthesis(
    project: str | Path,
    source: str,
    *,
    model: str | None = None,
    random_state: int = 0,
    **params: Any,
) -> Evaluation:
    """Train the same model twice with the same settings and seed — without and with the
    rows of ``source`` (preprocessing fitted on each train split) — and compare errors on
    the same original train-dev and dev rows (classification error)."""
    from yearn.project import Project
    from yearn.train import fit, make_train_data

    proj = Project(project)
    if proj.config.task not in ("binary", "multiclass"):
        raise ConfigError(
            f"--evaluate measures classification error; project task is {proj.config.task!r}."
        )
    model, params = _settings(proj, model, params)
    dataset, table = proj.dataset, proj.manifest().table[["id", "split"]]
    data = make_train_data(dataset, splits=table)
    train = data.splits["train"]
    keep = train.meta["source"].astype(str).to_numpy() != source
    if keep.all():
        raise ConfigError(f"no rows of source {source!r} in the train split; run synthesize first.")
    # before: the project without the source (preprocessing fitted without it too)
    others = np.flatnonzero(dataset.frame["source"].astype(str).to_numpy() != source)
    before = make_train_data(dataset.subset(others), splits=table)
    params.setdefault("random_state", random_state)
    group_of = _group_of(dataset, proj.config.group_column)
    errors, groups = {}, {}
    for name, prepared in (("before", before), ("after", data)):
        preds = fit(model, prepared, **params).predictions
        for split in ("train_dev", "dev"):
            part = preds[(preds["split"] == split)]
            part = part[part["source"].astype(str) != source] if "source" in part else part
            part = part.sort_values("id")
            errors[name, split] = (part["pred"].astype(str) != part["label"].astype(str)).to_numpy()
            if group_of is not None:
                groups[split] = [group_of.get(i) for i in part["id"].astype(str)]
    rows = gap_change(
        errors["before", "train_dev"],
        errors["after", "train_dev"],
        errors["before", "dev"],
        errors["after", "dev"],
        groups_train_dev=groups.get("train_dev"),
        groups_dev=groups.get("dev"),
        random_state=random_state,
    )
    verdict = _verdict(rows)
    metric = proj.config.metric.optimizing
    if metric not in (None, "error", "accuracy"):
        verdict += (
            f" Measured in classification error; the project's metric {metric!r} is not "
            "re-scored here."
        )
    if group_of is not None:
        n_groups = len(set(groups["dev"]) - {None})
        verdict += (
            f" Intervals resample whole groups of {proj.config.group_column!r} "
            f"({n_groups} in dev), not rows."
        )
    return Evaluation(
        source,
        model,
        {k: v for k, v in params.items()},
        (len(before.splits["train"]), int(keep.size)),
        int(errors["before", "train_dev"].size),
        int(errors["before", "dev"].size),
        rows,
        verdict,
    )


def _group_of(dataset: Any, column: str | None) -> dict[str, Any] | None:
    """Row id -> group id, or None when the project declares no group column."""
    if column is None or getattr(dataset, "groups", None) is None:
        return None
    return dict(zip(np.asarray(dataset.ids).astype(str), dataset.groups, strict=True))
