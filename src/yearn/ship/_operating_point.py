"""The operating point of a classifier, chosen from the stakeholders' numbers and stated
in sentences a manager reads, with 95% intervals from dev and the honest caveats.

Binary: the positive class (the second class); multiclass: each class one-vs-rest;
multi-label: each task. The rule is one of ``cost`` (``cost_fp``, ``cost_fn``: the
threshold of least expected cost), ``min_precision`` (the highest recall whose precision
is at least the target with 95% confidence: the Wilson interval's lower end),
``max_alerts`` (the highest recall with at most that many flags per 1,000 requests) or
``default`` (0.5). The choice is saved as a run of kind ``operating_point`` pointing at
the trained run; export, predict and serve use it.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from yearn.errors import ConfigError, DataError
from yearn.project import Project
from yearn.ship._curves import ThresholdCurve, threshold_curve

__all__ = [
    "OPERATING_POINT_ARTIFACT",
    "OPERATING_POINT_KIND",
    "OperatingPoint",
    "TargetPoint",
    "choose_operating_point",
    "operating_point_of",
    "saved_operating_point",
]

OPERATING_POINT_KIND = "operating_point"
OPERATING_POINT_ARTIFACT = "operating_point.json"
RATES = ("precision", "recall", "fpr", "fnr", "alerts", "missed", "false_alerts")


@dataclass
class TargetPoint:
    """The chosen threshold for one positive class (or task) and its rates on dev."""

    target: str
    threshold: float
    n: int
    positives: int
    rates: dict[str, list[float]]  # name → [value, low, high]
    sentences: list[str]
    curve: dict[str, list[float]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "threshold": self.threshold,
            "n": self.n,
            "positives": self.positives,
            "rates": self.rates,
            "sentences": self.sentences,
            "curve": self.curve,
        }


@dataclass
class OperatingPoint:
    """Operating points of one run: one :class:`TargetPoint` per positive class / task."""

    run_id: str
    task: str
    rule: dict[str, Any]
    split: str
    points: list[TargetPoint]
    caveats: list[str]
    saved_as: str | None = None

    @property
    def threshold(self) -> float | None:
        """The binary decision threshold (None for other tasks)."""
        return self.points[0].threshold if self.task == "binary" else None

    @property
    def thresholds(self) -> dict[str, float]:
        return {p.target: p.threshold for p in self.points}

    @property
    def sentences(self) -> list[str]:
        return [s for p in self.points for s in p.sentences] + self.caveats

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "task": self.task,
            "rule": self.rule,
            "split": self.split,
            "threshold": self.threshold,
            "thresholds": self.thresholds,
            "points": [p.to_dict() for p in self.points],
            "caveats": self.caveats,
            "saved_as": self.saved_as,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OperatingPoint:
        points = [
            TargetPoint(
                p["target"],
                float(p["threshold"]),
                int(p["n"]),
                int(p["positives"]),
                p["rates"],
                list(p["sentences"]),
                p.get("curve", {}),
            )
            for p in data["points"]
        ]
        return cls(
            data["run"], data["task"], data["rule"], data["split"], points,
            list(data["caveats"]), data.get("saved_as"),
        )  # fmt: skip

    def _repr_html_(self) -> str:
        from yearn.display import Series, html_table, line_chart

        parts = ["<div class='operating-point'>"]
        for p in self.points[:3]:
            parts += [f"<p>{html.escape(s)}</p>" for s in p.sentences]
        if len(self.points) > 3:
            parts.append(
                f"<p>The {len(self.points) - 3} other classes are in the table below; "
                "<code>yearn operating-point --json</code> has their sentences.</p>"
            )
        parts.append("<ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in self.caveats))
        parts.append("</ul>")
        rows = []
        for p in self.points:
            row: dict[str, Any] = {"class": p.target, "threshold": round(p.threshold, 4)}
            for name in ("precision", "recall", "fpr", "alerts"):
                v, lo, hi = p.rates[name]
                scale = 1000 if name == "alerts" else 1
                unit = " per 1,000" if name == "alerts" else ""
                row[name] = f"{v * scale:.3g} [{lo * scale:.3g}, {hi * scale:.3g}]{unit}"
            rows.append(row)
        parts.append(str(html_table(rows, ["class", "threshold", "precision", "recall", "fpr",
                                            "alerts"])))  # fmt: skip
        for p in self.points[:3]:
            c = p.curve
            label = f"threshold {p.threshold:.3g}"
            parts.append(
                str(
                    line_chart(
                        [Series(p.target, c["recall"], c["precision"])],
                        title=f"precision–recall ({p.target})",
                        x_label="recall",
                        y_label="precision",
                        marker=p.rates["recall"][0],
                        marker_label=label,
                    )
                )
            )
            parts.append(
                str(
                    line_chart(
                        [Series(p.target, c["fpr"], c["recall"])],
                        title=f"ROC ({p.target})",
                        x_label="false-positive rate",
                        y_label="recall",
                        marker=p.rates["fpr"][0],
                        marker_label=label,
                    )
                )
            )
        parts.append("</div>")
        return "".join(parts)


# -- choosing ----------------------------------------------------------------------------
def _rule(
    cost_fp: float | None,
    cost_fn: float | None,
    min_precision: float | None,
    max_alerts_per_1000: float | None,
) -> dict[str, Any]:
    given = [
        name
        for name, v in (
            ("cost", cost_fp if cost_fp is not None else cost_fn),
            ("min_precision", min_precision),
            ("max_alerts", max_alerts_per_1000),
        )
        if v is not None
    ]
    if len(given) > 1:
        raise ConfigError(
            "give one rule: --cost-fp/--cost-fn, --min-precision or --max-alerts-per-1000 "
            f"(got {', '.join(given)})."
        )
    if not given:
        return {"kind": "default", "threshold": 0.5}
    if given[0] == "cost":
        fp = 1.0 if cost_fp is None else float(cost_fp)
        fn = 1.0 if cost_fn is None else float(cost_fn)
        if fp < 0 or fn < 0 or fp + fn == 0:
            raise ConfigError(
                f"--cost-fp and --cost-fn must be ≥ 0 and not both 0; got {fp:g} and {fn:g}."
            )
        return {"kind": "cost", "cost_fp": fp, "cost_fn": fn}
    if given[0] == "min_precision":
        if not 0 < float(min_precision) <= 1:
            raise ConfigError(f"--min-precision must be in (0, 1]; got {min_precision}.")
        return {"kind": "min_precision", "min_precision": float(min_precision)}
    if not 0 < float(max_alerts_per_1000) <= 1000:
        raise ConfigError(f"--max-alerts-per-1000 must be in (0, 1000]; got {max_alerts_per_1000}.")
    return {"kind": "max_alerts", "max_alerts_per_1000": float(max_alerts_per_1000)}


def _pick(curve: ThresholdCurve, rule: dict[str, Any], target: str) -> int:
    kind = rule["kind"]
    recall = curve.rate("recall")[0]
    if kind == "default":
        return curve.index_of(rule["threshold"])
    if kind == "cost":
        cost = rule["cost_fp"] * curve.fp + rule["cost_fn"] * curve.fn
        return int(np.flatnonzero(cost == cost.min())[-1])  # ties: the highest threshold
    if kind == "min_precision":  # established: the interval's lower end reaches it
        low = np.nan_to_num(curve.rate("precision")[1], nan=-1)
        ok = np.flatnonzero(low >= rule["min_precision"])
        if not len(ok):
            best = int(np.argmax(low))
            raise ConfigError(
                f"no threshold gives precision {rule['min_precision']:g} for {target!r} that dev "
                f"can establish (the best 95% lower bound is {low[best]:.3g}, with "
                f"{int(curve.tp[best] + curve.fp[best])} rows flagged); lower --min-precision, "
                "add dev rows, or improve the model."
            )
        return int(ok[np.argmax(recall[ok])])  # the highest recall; ties: lowest threshold
    alerts = curve.rate("alerts")[0] * 1000
    ok = np.flatnonzero(alerts <= rule["max_alerts_per_1000"] + 1e-9)
    return int(ok[np.argmax(recall[ok])])  # the highest threshold always flags nothing


def _fmt_pct(v: float) -> str:
    return f"{v * 100:.0f}%" if v * 100 >= 1 or v == 0 else f"{v * 100:.1f}%"


def _sentences(target: str, rule: dict[str, Any], t: float, rates: dict[str, list[float]],
               noun: str) -> list[str]:  # fmt: skip
    p, r, a = rates["precision"], rates["recall"], rates["alerts"]
    fnr = rates["fnr"]
    why = {
        "default": "the default threshold 0.5",
        "cost": f"the least expected cost with a false alarm costing {rule.get('cost_fp', 1):g} "
        f"and a miss {rule.get('cost_fn', 1):g}",
        "min_precision": "the highest recall whose precision is at least "
        f"{rule.get('min_precision', 0):g} with 95% confidence",
        "max_alerts": f"the highest recall with at most {rule.get('max_alerts_per_1000', 0):g} "
        "flags per 1,000",
    }[rule["kind"]]
    out = [f"Flag a {noun} as {target!r} when its score is at least {t:.3g} ({why})."]
    if np.isfinite(p[0]):
        out.append(
            f"Of 1,000 flagged {noun}s about {p[0] * 1000:.0f} [{p[1] * 1000:.0f}, "
            f"{p[2] * 1000:.0f}] are truly {target!r}; {_fmt_pct(fnr[0])} "
            f"[{_fmt_pct(fnr[1])}, {_fmt_pct(fnr[2])}] of {target!r} {noun}s are missed."
        )
    else:
        out.append(f"At this threshold nothing is flagged: every {target!r} {noun} is missed.")
    out.append(
        f"Expect about {a[0] * 1000:.0f} [{a[1] * 1000:.0f}, {a[2] * 1000:.0f}] flags per "
        f"1,000 {noun}s (recall {r[0]:.2f} [{r[1]:.2f}, {r[2]:.2f}])."
    )
    return out


def _calibration(y: np.ndarray, score: np.ndarray) -> tuple[float, float, float, float]:
    """(mean score, observed rate, its Wilson interval) on dev."""
    from yearn.ship._curves import wilson_arrays

    rate, low, high = wilson_arrays(np.array([y.sum()]), np.array([len(y)]))
    return float(score.mean()), float(rate[0]), float(low[0]), float(high[0])


def _targets(preds: Any) -> list[tuple[str, np.ndarray, np.ndarray]]:
    frame = preds.frame
    if preds.task == "binary":
        pos = preds.classes[-1]
        y = (frame["label"].astype(str) == pos).to_numpy()
        return [(pos, y, frame[f"proba:{pos}"].to_numpy(dtype=float))]
    if preds.task == "multiclass":
        return [
            (c, (frame["label"].astype(str) == c).to_numpy(), frame[f"proba:{c}"].to_numpy(float))
            for c in preds.classes
        ]
    if preds.task == "multilabel":
        out = []
        for t in preds.tasks:
            known = frame[f"label:{t}"].notna().to_numpy()
            y = frame[f"label:{t}"].to_numpy(dtype=float)[known] == 1
            out.append((t, y, frame[f"proba:{t}"].to_numpy(dtype=float)[known]))
        return out
    raise DataError("an operating point needs a classifier; this run is a regression.")


def _caveats(
    project: Project, split: str, n: int, calib: list[tuple[str, tuple]], widest: float,
    task: str,
) -> list[str]:  # fmt: skip
    out = [f"Measured on {n:,} {split} rows; brackets are 95% intervals."]
    if widest >= 0.05:
        out.append(
            f"With {n:,} {split} rows the brackets are wide (up to ±{widest * 100:.0f} points); "
            f"a larger {split} set narrows them."
        )
    config = project.config if project.has_config else None
    target = [s.name for s in config.sources if s.role == "target"] if config else []
    if target:
        out.append(
            f"{split.capitalize()} is drawn from the target source {target[0]!r}, the data the "
            "product will face; if production differs from it, these rates will too."
        )
    else:
        out.append(
            f"{split.capitalize()} is not drawn from a target source (the project names none): "
            "production data may differ, and so may these rates."
        )
    if task == "multiclass":
        out.append(
            "Each class is read one-vs-rest; the model still decides the most probable class, "
            "so these thresholds say what flagging one class alone would do."
        )
    for target_name, (mean, rate, low, high) in calib:
        if low <= mean <= high:
            out.append(
                f"Scores for {target_name!r} look calibrated on average (mean score "
                f"{mean:.3f}, observed rate {rate:.3f} [{low:.3f}, {high:.3f}])."
            )
        else:
            out.append(
                f"Scores for {target_name!r} are not calibrated (mean score {mean:.3f} vs "
                f"observed rate {rate:.3f} [{low:.3f}, {high:.3f}]): read them as a ranking, "
                "not as probabilities; the rates above do not depend on it."
            )
    return out


def choose_operating_point(
    project: str | Project,
    run: str | None = None,
    *,
    cost_fp: float | None = None,
    cost_fn: float | None = None,
    min_precision: float | None = None,
    max_alerts_per_1000: float | None = None,
    split: str = "dev",
    noun: str = "request",
    save: bool = True,
) -> OperatingPoint:
    """Choose the threshold(s) of ``run`` (default: the newest run with a saved model, else
    the newest with predictions) from
    its ``split`` predictions by one rule; save it with the run unless ``save=False``."""
    project = project if isinstance(project, Project) else Project(project)
    rule = _rule(cost_fp, cost_fn, min_precision, max_alerts_per_1000)
    run_id = run or project.latest_run_with("model.safetensors") or project.latest_run_with()
    if run_id is None:
        raise DataError(f"{project.root}: no run with predictions yet; run 'yearn train' first.")
    preds = project.predictions(run_id)
    rows = preds.frame["split"].astype(str) == split
    if not rows.any():
        raise DataError(
            f"run {run_id} has no {split} predictions; the operating point is chosen on dev "
            "(run 'yearn split' and retrain)."
        )
    from yearn.predictions import load_predictions

    part = load_predictions(preds.frame[rows].reset_index(drop=True), task=preds.task)
    points, calib = [], []
    for target, y, score in _targets(part):
        curve = threshold_curve(y, score)
        i = _pick(curve, rule, target)
        rates = {}
        for name in RATES:
            v, lo, hi = curve.rate(name)
            rates[name] = [float(v[i]), float(lo[i]), float(hi[i])]
        t = float(curve.thresholds[i])
        keep = np.unique(np.linspace(0, len(curve.thresholds) - 1, 200).astype(int))
        curve_data = {
            name: [float(x) for x in np.nan_to_num(curve.rate(name)[0][keep], nan=1.0)]
            for name in ("precision", "recall", "fpr")
        }
        curve_data["threshold"] = [float(x) for x in curve.thresholds[keep]]
        points.append(
            TargetPoint(target, t, curve.n, curve.positives, rates,
                        _sentences(target, rule, t, rates, noun), curve_data)
        )  # fmt: skip
        calib.append((target, _calibration(y, score)))
    widest = max(
        (p.rates[r][2] - p.rates[r][1]) / 2 for p in points for r in ("precision", "recall")
        if np.isfinite(p.rates[r][0])
    )  # fmt: skip
    caveats = _caveats(project, split, len(part.frame), calib, widest, part.task)
    result = OperatingPoint(run_id, part.task, rule, split, points, caveats)
    if save:
        with (
            project.require_store() as store,
            store.run(
                name=f"operating point of {run_id}",
                kind=OPERATING_POINT_KIND,
                config={"run": run_id, **rule},
            ) as record,
        ):
            result.saved_as = record.id
            record.log_artifact(
                json.dumps(result.to_dict(), indent=2).encode(), name=OPERATING_POINT_ARTIFACT
            )
    return result


def operating_point_of(project: str | Project, run_id: str) -> tuple[OperatingPoint, bool]:
    """The operating point saved for ``run_id``, else the default one (threshold 0.5,
    not saved); and whether it was saved."""
    project = project if isinstance(project, Project) else Project(project)
    saved = saved_operating_point(project, run_id)
    if saved is not None:
        return OperatingPoint.from_dict(saved), True
    return choose_operating_point(project, run_id, save=False), False


def saved_operating_point(project: Project, run_id: str) -> dict[str, Any] | None:
    """The newest operating point saved for run ``run_id`` (None when there is none)."""
    if not project.has_store:
        return None
    with project.store() as store:
        for record in store.list_runs(kind=OPERATING_POINT_KIND, status="completed"):
            if (record.config or {}).get("run") == run_id:
                path = store.artifact_path(record.id, OPERATING_POINT_ARTIFACT)
                return json.loads(path.read_text(encoding="utf-8"))
    return None
