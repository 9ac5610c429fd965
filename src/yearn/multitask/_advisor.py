"""When does one network for several tasks make sense? The course's three conditions,
measured:

1. *shared low-level features*: for each task, a network trained on the **other** tasks
   gives features on which a linear model beats a linear model on the raw inputs (dev);
2. *similar amounts of data per task*: labelled train entries per task within a factor
   ``SIMILAR`` of each other — or the other tasks together have ≥ 10× the data of any one;
3. *a network big enough*: from a joint-vs-separate comparison, the joint network's train
   error is not clearly above the separate networks' (a too-small network underfits).
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from yearn.multitask._fit import multilabel_data
from yearn.transfer import Check, backbone_features, linear_probe_right

__all__ = ["SIMILAR", "MultiTaskAdvice", "advise_multitask"]

#: "Similar amounts of data": the smallest task has at least this share of the largest.
SIMILAR = 0.5
#: Joint train error above the separate networks' by more than this → too small.
UNDERFIT_MARGIN = 0.02


@dataclass
class MultiTaskAdvice:
    """The verdict and the checks behind it."""

    verdict: str
    checks: list[Check]
    labelled: dict[str, int]

    @property
    def likely_helps(self) -> bool:
        return self.verdict.startswith("multi-task learning likely helps")

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "likely_helps": self.likely_helps,
            "checks": [asdict(c) for c in self.checks],
            "labelled": self.labelled,
        }

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        table = html_table(
            [
                {
                    "": "✓" if c.passed else ("?" if c.passed is None else "✗"),
                    "check": c.name,
                    "detail": c.detail,
                }
                for c in self.checks
            ]
        )
        chart = bar_chart(
            list(self.labelled),
            list(self.labelled.values()),
            title="labelled training examples per task",
            fmt=",.0f",
        )
        return f"<p><b>{html.escape(self.verdict)}</b></p>{table}{chart}"


def _shared_features(prepared, model, width, epochs, random_state) -> Check:
    from yearn.train import fit

    train, dev = prepared.splits["train"], prepared.splits["dev"]
    wins, details = 0, []
    for j, task in enumerate(prepared.classes):
        others = [i for i in range(len(prepared.classes)) if i != j]
        data = {"train": (train.x, train.y[:, others])}
        net = fit(
            model, data, task="multilabel", width=width, epochs=epochs, random_state=random_state
        ).model
        ktr, kdv = ~np.isnan(train.y[:, j]), ~np.isnan(dev.y[:, j])
        ytr, ydv = train.y[ktr, j], dev.y[kdv, j]
        f_right = linear_probe_right(
            backbone_features(net, train.x[ktr]), ytr, backbone_features(net, dev.x[kdv]), ydv
        )
        r_right = linear_probe_right(train.x[ktr], ytr, dev.x[kdv], ydv)
        ef, er = 1 - f_right.mean(), 1 - r_right.mean()
        wins += ef < er
        details.append(f"{task} {ef:.1%} vs raw {er:.1%}")
    passed = wins * 2 >= len(prepared.classes)
    return Check(
        "shared low-level features",
        bool(passed),
        f"linear model on features learned from the other tasks vs on raw inputs "
        f"(dev error): {'; '.join(details)}",
    )


def _amounts(labelled: dict[str, int]) -> Check:
    low, high = min(labelled.values()), max(labelled.values())
    total = sum(labelled.values())
    share = low / high if high else 0.0
    others_more = all(total - n >= 10 * n for n in labelled.values())
    counts = ", ".join(f"{t} {n:,}" for t, n in labelled.items())
    return Check(
        "similar amounts of data per task",
        share >= SIMILAR or others_more,
        f"labelled train entries: {counts} (smallest/largest = {share:.2f}; similar "
        f"means ≥ {SIMILAR:g})",
    )


def _capacity(comparison: Any) -> Check:
    if comparison is None:
        return Check(
            "network big enough", None, "not measured: run the joint-vs-separate comparison"
        )
    joint = float(np.mean(list(comparison.train_error["joint"].values())))
    sep = float(np.mean(list(comparison.train_error["separate"].values())))
    detail = f"mean train error: joint {joint:.1%}, separate networks {sep:.1%}"
    if comparison.small_width is not None:
        small = comparison.train_error[f"joint-w{comparison.small_width}"]
        detail += f"; a joint network of width {comparison.small_width}: "
        detail += f"{float(np.mean(list(small.values()))):.1%} (too small: it underfits)"
    return Check("network big enough", joint <= sep + UNDERFIT_MARGIN, detail)


def advise_multitask(
    data: Any,
    *,
    splits: Any = None,
    model: str = "mlp",
    width: int | None = None,
    comparison: Any = None,
    probe_epochs: int = 5,
    random_state: int = 0,
) -> MultiTaskAdvice:
    """Check the course's conditions for multi-task learning on ``data`` (train + dev).

    ``comparison``: a :class:`JointVsSeparate` for the capacity check (else not measured).
    """
    prepared = multilabel_data(data, splits=splits)
    from yearn.errors import DataError

    if "dev" not in prepared.splits:
        raise DataError("the multi-task advisor needs a dev split to score its probes.")
    y = prepared.splits["train"].y
    labelled = {t: int((~np.isnan(y[:, j])).sum()) for j, t in enumerate(prepared.classes)}
    checks = [
        _shared_features(prepared, model, width, probe_epochs, random_state),
        _amounts(labelled),
        _capacity(comparison),
    ]
    failed = [c.name for c in checks if c.passed is False]
    verdict = (
        f"multi-task learning unlikely to help: {', '.join(failed)}"
        if failed
        else "multi-task learning likely helps"
    )
    if not failed and any(c.passed is None for c in checks):
        verdict += " (one condition not measured)"
    measured = _measured(comparison)
    if measured is not None:
        # a measurement outranks the conditions that predict it: the verdict follows it
        better, text = measured
        if better == "joint":
            verdict = f"multi-task learning likely helps: measured, {text}"
            if failed:
                verdict += f" (although the conditions {', '.join(failed)} are not met)"
        elif better == "separate":
            verdict = f"multi-task learning unlikely to help: measured, {text}"
        else:
            verdict = (
                f"multi-task learning: no detectable difference measured ({text}); "
                + (f"the conditions {', '.join(failed)} are not met" if failed else "")
            ).rstrip("; ")
    return MultiTaskAdvice(verdict, checks, labelled)


def _measured(comparison: Any) -> tuple[str | None, str] | None:
    """(which is better on dev — joint, separate or None —, the gain in words) from the
    joint-vs-separate comparison's overall verdict (paired test), or None without one."""
    overall = getattr(comparison, "overall", None)
    if overall is None:
        return None
    text = (
        f"joint vs separate overall {overall.metric} gain {overall.gain:+.4g} "
        f"[{overall.ci_low:+.4g}, {overall.ci_high:+.4g}], p = {overall.p_value:.2g}"
    )
    return overall.better, text
