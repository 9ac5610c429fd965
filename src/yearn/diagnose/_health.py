"""Training health read from a run's curves (the store's ``metrics(run_id)`` frame).

Input: a DataFrame with columns ``name``, ``split``, ``step``, ``value`` (one row per
metric, split and epoch). Checks, each a :class:`Finding`:

- ``diverged`` — the training loss became NaN/inf or rose ``divergence_factor``× above its
  lowest value: the learning rate is too high;
- ``too_slow`` — the training loss fell by less than ``slow_fraction`` of its first value
  over the run: the learning rate may be too low, or nothing is being learned;
- ``plateaued`` — the loss improved by less than ``plateau_tolerance`` (relative) over the
  last ``window`` epochs;
- ``still_improving`` — it is still falling fast at the end: train longer;
- ``overfitting`` — the dev curve rose after its best epoch while the training curve kept
  falling, by more than sampling noise: the dev error (a share of ``n_dev`` examples) at
  the last epoch is above the best one with a Newcombe interval that excludes zero; the
  best epoch is reported. A rise that cannot be told from noise (or tested: a loss, or no
  dev size) is the information finding ``dev_rose``;
- ``below_baseline`` — the best dev error does not beat the baseline's error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_number, check_positive_int
from yearn.errors import DataError

__all__ = ["Finding", "TrainingHealth", "training_health"]

_COLUMNS = ("name", "split", "step", "value")


@dataclass(frozen=True)
class Finding:
    """One observation: ``kind``, ``problem`` (True) or information, a message, an epoch."""

    kind: str
    problem: bool
    message: str
    epoch: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "problem": self.problem,
            "message": self.message,
            "epoch": self.epoch,
        }


@dataclass(frozen=True)
class TrainingHealth:
    """Findings on a run's curves; ``best_epoch`` is the epoch of the lowest dev value and
    ``overfitting_epochs`` the later epochs at which dev rose while train fell."""

    findings: tuple[Finding, ...]
    best_epoch: int | None = None
    best_dev: float | None = None
    overfitting_epochs: tuple[int, ...] = ()
    monitored: str | None = None
    epochs: int = 0
    curves: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def healthy(self) -> bool:
        return not any(f.problem for f in self.findings)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(f.kind for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "findings": [f.to_dict() for f in self.findings],
            "best_epoch": self.best_epoch,
            "best_dev": self.best_dev,
            "overfitting_epochs": list(self.overfitting_epochs),
            "monitored": self.monitored,
            "epochs": self.epochs,
        }

    def _repr_html_(self) -> str:
        from yearn.display import SPLIT_COLOURS, Series, html_table, line_chart

        head = "healthy" if self.healthy else "problems found"
        table = html_table(
            [
                {
                    "": "⚠" if f.problem else "",
                    "finding": f.kind,
                    "epoch": f.epoch,
                    "message": f.message,
                }
                for f in self.findings
            ],
            ["", "finding", "epoch", "message"],
        )
        charts = []
        frame = self.curves
        names = list(dict.fromkeys(frame["name"])) if "name" in frame else []
        if self.monitored is not None:
            names = [n for n in names if n in ("loss", self.monitored)]
        for name in names[:2]:  # the loss and the monitored metric
            series = [
                Series(str(split), list(c.index), list(c.values), SPLIT_COLOURS.get(str(split)))
                for split in dict.fromkeys(frame.loc[frame["name"] == name, "split"])
                if len(c := _curve(frame, name, split))
            ]
            best = self.best_epoch if name == self.monitored else None
            charts.append(
                line_chart(
                    series,
                    title=str(name),
                    x_label="epoch",
                    marker=best,
                    marker_label="" if best is None else f"best epoch {best}",
                )
            )
        return (
            f"<div class='yearn-health'><h4>Training health: {head}</h4>{table}"
            f"{''.join(charts)}</div>"
        )


def _rise_beyond_noise(
    metric: str, best: float, last: float, n_dev: int | None, confidence: float
) -> tuple[bool, str]:
    """Whether the dev error's rise from ``best`` to ``last`` is beyond sampling noise."""
    from yearn.diagnose._intervals import newcombe_diff

    if metric not in ("error", "1-accuracy") or not (0.0 <= best <= 1.0 and 0.0 <= last <= 1.0):
        return False, (
            f"whether this is more than noise is not measured: {metric} is not a share of "
            "examples (log the dev error to test it)"
        )
    if not n_dev:
        return False, "whether this is more than noise is not measured: the dev size is unknown"
    low, high = newcombe_diff(last, n_dev, best, n_dev, confidence)
    k = round((last - best) * n_dev)
    told = (
        f"{k} of {n_dev} dev examples, {confidence:.0%} interval of the rise "
        f"[{low:+.2%}, {high:+.2%}]"
    )
    if low > 0:
        return True, told
    return False, f"{told} includes zero: within sampling noise, not called overfitting"


def _curve(frame: pd.DataFrame, name: str, split: str) -> pd.Series:
    rows = frame[(frame["name"] == name) & (frame["split"] == split)]
    return rows.groupby("step")["value"].last().sort_index()


def _check_frame(curves: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(curves, pd.DataFrame):
        raise DataError(
            f"curves must be a DataFrame with columns {', '.join(_COLUMNS)}; got "
            f"{type(curves).__name__}."
        )
    missing = [c for c in _COLUMNS if c not in curves]
    if missing:
        raise DataError(
            f"the curves table lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(_COLUMNS)} (as returned by the run store's metrics(run_id))."
        )
    frame = curves.loc[:, list(_COLUMNS)].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["step"] = pd.to_numeric(frame["step"], errors="coerce")
    if frame["step"].isna().any():
        row = int(np.flatnonzero(frame["step"].isna().to_numpy())[0])
        raise DataError(f"the curves table: row {row}: step is not a number; steps are epochs.")
    frame["split"] = frame["split"].astype(str).str.replace("-", "_")
    return frame


def training_health(
    curves: pd.DataFrame,
    *,
    loss: str = "loss",
    metric: str | None = None,
    baseline_error: float | None = None,
    divergence_factor: float = 10.0,
    slow_fraction: float = 0.05,
    plateau_tolerance: float = 0.01,
    window: int = 5,
    overfit_tolerance: float = 0.0,
    n_dev: int | None = None,
    confidence: float = 0.95,
) -> TrainingHealth:
    """Read a run's curves and say what went wrong (or right) in training.

    ``metric`` is the dev metric in error form used for the best epoch, overfitting and
    the baseline check (default ``error`` when logged, else the loss). ``n_dev``: the
    number of dev examples, which the overfitting finding needs to tell a rise of the dev
    error from sampling noise.
    """
    frame = _check_frame(curves)
    divergence_factor = check_number("divergence_factor", divergence_factor, low=1.0)
    window = check_positive_int("window", window, minimum=2)
    train_loss = _curve(frame, loss, "train")
    if train_loss.empty:
        names = sorted(set(frame["name"][frame["split"] == "train"]))
        raise DataError(
            f"no {loss!r} values on split 'train' in the curves; logged on train: "
            f"{', '.join(names) or 'nothing'}. Pass loss=<name>."
        )
    if metric is None:
        metric = "error" if not _curve(frame, "error", "dev").empty else loss
    dev = _curve(frame, metric, "dev")
    train_metric = _curve(frame, metric, "train")
    findings: list[Finding] = []
    values = train_loss.to_numpy(dtype=float)
    epochs = train_loss.index.to_numpy()

    bad = ~np.isfinite(values)
    diverged = False
    if bad.any():
        e = int(epochs[np.flatnonzero(bad)[0]])
        findings.append(
            Finding(
                "diverged",
                True,
                f"training loss became {values[bad][0]} at epoch {e}: "
                "the learning rate is too high (or the inputs are not normalised); lower "
                "it, e.g. 10×, or run a learning-rate range test.",
                e,
            )
        )
        diverged = True
    else:
        running_min = np.minimum.accumulate(values)
        ratio = values / np.maximum(running_min, 1e-12)
        if (ratio >= divergence_factor).any():
            i = int(np.flatnonzero(ratio >= divergence_factor)[0])
            findings.append(
                Finding(
                    "diverged",
                    True,
                    f"training loss rose {ratio[i]:.0f}× from its minimum "
                    f"({running_min[i]:.4g} → {values[i]:.4g}) at epoch {int(epochs[i])}: the "
                    "learning rate is too high; lower it.",
                    int(epochs[i]),
                )
            )
            diverged = True

    if not diverged and len(values) >= window:
        first, best = values[0], values.min()
        drop = (first - best) / abs(first) if first else 0.0
        recent = values[-window:]
        before = values[: len(values) - window + 1].min()
        gain = (before - recent.min()) / abs(before) if before else 0.0
        if drop < slow_fraction:
            findings.append(
                Finding(
                    "too_slow",
                    True,
                    f"training loss fell only {drop:.1%} over "
                    f"{len(values)} epochs: the learning rate may be too low, or the "
                    "model cannot fit these inputs; try a higher learning rate.",
                    None,
                )
            )
        elif gain < plateau_tolerance:
            since = int(epochs[len(values) - window])
            findings.append(
                Finding(
                    "plateaued",
                    False,
                    f"training loss improved by less than "
                    f"{plateau_tolerance:.0%} over the last {window} epochs (since epoch "
                    f"{since}): more epochs will not help; if train error is still too "
                    "high, use a bigger model or a better optimiser, or lower the "
                    "learning rate.",
                    since,
                )
            )
        elif gain > 5 * plateau_tolerance:
            findings.append(
                Finding(
                    "still_improving",
                    False,
                    f"training loss was still falling at the end "
                    f"({gain:.1%} over the last {window} epochs): train longer.",
                    None,
                )
            )

    best_epoch = best_dev = None
    overfit_epochs: tuple[int, ...] = ()
    if not dev.empty and np.isfinite(dev.to_numpy(dtype=float)).any():
        dvals = dev.to_numpy(dtype=float)
        b = int(np.nanargmin(dvals))
        best_epoch, best_dev = int(dev.index[b]), float(dvals[b])
        last = dvals[-1]
        tcurve = train_metric if not train_metric.empty else train_loss
        t_after = tcurve[tcurve.index >= best_epoch].to_numpy(dtype=float)
        both = pd.concat([dev.rename("dev"), tcurve.rename("train")], axis=1).dropna()
        rising = both["dev"].diff() > 0
        falling = both["train"].diff() < 0
        overfit_epochs = tuple(
            int(e) for e in both.index[(rising & falling).to_numpy()] if e > best_epoch
        )
        if (
            b < len(dvals) - 1
            and last - best_dev > overfit_tolerance
            and len(t_after) >= 2
            and t_after[-1] < t_after[0]
        ):
            listed = ", ".join(str(e) for e in overfit_epochs) or "none singly"
            rise = (
                f"dev {metric} rose from {best_dev:.4g} (epoch {best_epoch}) to {last:.4g} "
                f"(epoch {int(dev.index[-1])}) while the training curve kept falling"
            )
            tested, why = _rise_beyond_noise(metric, best_dev, last, n_dev, confidence)
            if tested:
                findings.append(
                    Finding(
                        "overfitting",
                        True,
                        f"{rise} (dev up and train down at epochs {listed}; {why}): the model "
                        f"overfits after epoch {best_epoch}. Keep the best epoch (early "
                        "stopping), add regularisation or more data.",
                        best_epoch,
                    )
                )
            else:
                findings.append(Finding("dev_rose", False, f"{rise}; {why}.", best_epoch))
    if baseline_error is not None:
        baseline_error = check_number("baseline_error", baseline_error, low=0.0)
        if best_dev is None:
            raise DataError(
                f"no {metric!r} values on split 'dev' to compare with the baseline; log the "
                "dev metric or pass metric=<name>."
            )
        if not best_dev < baseline_error:
            findings.append(
                Finding(
                    "below_baseline",
                    True,
                    f"the best dev {metric} ({best_dev:.4g}) does "
                    f"not beat the baseline ({baseline_error:.4g}). Revisit the two "
                    "hypotheses: that the inputs predict the target, and that the data "
                    "holds enough information to learn it; check the pipeline (labels "
                    "aligned with inputs, preprocessing) before tuning.",
                    best_epoch,
                )
            )
    return TrainingHealth(
        findings=tuple(findings),
        best_epoch=best_epoch,
        best_dev=None if best_dev is None or math.isnan(best_dev) else best_dev,
        overfitting_epochs=overfit_epochs,
        monitored=metric,
        epochs=len(values),
        curves=frame,
    )
