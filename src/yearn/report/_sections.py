"""The sections of the report, each built from a result object or a stored result.

Every function returns a :class:`Section`: its body is the ``_repr_html_`` of a result
object or markup from the shared templates, or ``None`` with a note saying what to run to
get it. Nothing here concatenates HTML by hand from analysis code.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from yearn.display import SPLIT_COLOURS, Series, html_table, line_chart
from yearn.errors import YearnError
from yearn.paths import PREDICTIONS_ARTIFACT, ProjectPaths
from yearn.report._templates import render

__all__ = ["ProjectView", "Section", "section_of"]

log = logging.getLogger(__name__)

SPLIT_ORDER = ("train", "train_dev", "dev", "test")


@dataclass
class Section:
    """One part of the report: an anchor id, a title, a body (markup) or a note why not."""

    id: str
    title: str
    body: Markup | None = None
    note: str | None = None
    parts: list[Markup] = field(default_factory=list)
    caption: str | None = None
    result: Any = None  # the result object the section shows, when there is one

    @property
    def present(self) -> bool:
        return self.body is not None or bool(self.parts)


def section_of(id: str, title: str, obj: Any, note: str | None = None) -> Section:
    """A section from any object with ``_repr_html_`` (Jupyter's display protocol)."""
    return Section(id, title, Markup(obj._repr_html_()), note, result=obj)


class StoredHTML:
    """A fragment that a result object rendered earlier (``_repr_html_`` saved to disk)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _repr_html_(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass
class ProjectView:
    """What the report reads from a project: config, manifest, runs, workflow outputs."""

    root: Path
    config: Any
    store: Any
    runs: list[Any]
    workflow: dict[str, Any]
    chosen: str | None = None  # the model run the report is about (see choose_run)
    why: str = ""  # how it was chosen, said in the report
    features: str = ""  # the chosen model's input columns (see yearn.report._choice)

    def runs_of(self, kind: str) -> list[Any]:
        return [r for r in self.runs if r.kind == kind and r.status == "completed"]

    def output(self, step: str, key: str) -> Any:
        return (self.workflow.get(step) or {}).get("outputs", {}).get(key)

    def result_file(self, name: str) -> Path | None:
        """A result a standalone command wrote where `yearn run` writes it
        (``.yearn/workflow/<name>``), when it exists."""
        path = ProjectPaths(self.root).workflow_results / name
        return path if path.is_file() else None

    def model_run(self) -> Any | None:
        """The run the analyses are about: the chosen one, else the workflow's train run,
        else the newest completed train run."""
        wanted = self.chosen or self.output("train", "run_id")
        trains = self.runs_of("train")
        for r in trains:
            if r.id == wanted:
                return r
        return trains[0] if trains else None

    def predictions(self, run: Any) -> Path:
        return self.store.artifact_path(run.id, PREDICTIONS_ARTIFACT)


def error_name(cfg: Any) -> str:
    """The project's optimising metric in error form (``1-f1``, ``error``, ``rmse``)."""
    from yearn.config import error_name as name

    return name(cfg.metric.optimizing)


def human_level(cfg: Any) -> str:
    """The project metric's human level, or a sentence saying there is none."""
    value = cfg.metric.human_level_for()
    return "none given for this metric" if value is None else f"{value:g}"


def _error_name(names: set[str], preferred: str | None = None) -> str | None:
    """The curve to show: the project metric's error form when logged, else error."""
    if preferred in names:
        return preferred
    if "error" in names:
        return "error"
    others = sorted(n for n in names if n != "loss")
    return others[0] if others else None


# -- project and splits ---------------------------------------------------------------------


def overview(view: ProjectView) -> Section:
    cfg = view.config
    facts = [
        {"": "project", "value": cfg.name},
        {"": "task", "value": cfg.task},
        {"": "label", "value": ", ".join(cfg.label_columns)},
        {"": "optimising metric", "value": f"{cfg.metric.optimizing} ({error_name(cfg)})"},
        {"": f"human level ({error_name(cfg)})", "value": human_level(cfg)},
        {"": "runs in the store", "value": len(view.runs)},
    ]
    from yearn.profile import recorded_screen

    model = view.model_run()
    if model is not None:
        facts.append({"": "model reported", "value": f"{model.name} {model.id} ({view.why})"})
        if view.features:
            facts.append({"": "model's features", "value": view.features})
    screen = recorded_screen(cfg)
    if screen is not None and screen.message:
        facts.append({"": "features", "value": screen.message})
    parts = [html_table(facts)]
    from yearn.splits import load_manifest, manifest_path

    note = None
    sources = [{"source": s.name, "role": s.role, "path": str(s.path)} for s in cfg.sources]
    if manifest_path(view.root).exists():
        manifest = load_manifest(view.root)
        table = manifest.table
        counts = pd.crosstab(table["source"].astype(str), table["split"].astype(str))
        cols = [s for s in SPLIT_ORDER if s in counts.columns]
        for s in sources:
            for c in cols:
                s[c] = int(counts.loc[s["source"], c]) if s["source"] in counts.index else 0
        total = {"source": "all", "role": "", "path": ""}
        total.update({c: int(counts[c].sum()) for c in cols})
        sources.append(total)
    else:
        note = "no split manifest yet: run `yearn split` (or `yearn run`)."
    parts.append(html_table(sources, caption="sources and examples per split"))
    steps = [
        {
            "step": name,
            "seconds": round(float(s.get("seconds", 0.0)), 1),
            "outputs": ", ".join(
                f"{k}={v}"
                for k, v in s.get("outputs", {}).items()
                if isinstance(v, str | int | float)
            )[:160],
        }
        for name, s in view.workflow.items()
    ]
    if steps:
        parts.append(html_table(steps, caption="steps of the last `yearn run`"))
    return Section("project", "Project and splits", None, note, parts)


# -- profile ------------------------------------------------------------------------------


def profile(view: ProjectView) -> Section:
    title = "Data profile"
    rel_html, rel_json = view.output("profile", "html"), view.output("profile", "json")
    if not rel_html or not (view.root / rel_html).is_file():
        found = view.result_file("profile.html")  # written by `yearn profile`
        rel_html = str(found.relative_to(view.root)) if found else None
        json_file = view.result_file("profile.json")
        rel_json = str(json_file.relative_to(view.root)) if json_file else None
    if not rel_html:
        return Section(
            "profile", title, note="no data profile yet: run `yearn profile` or `yearn run`."
        )
    full = section_of("profile", title, StoredHTML(view.root / rel_html))
    parts = []
    if rel_json and (view.root / rel_json).is_file():
        data = json.loads((view.root / rel_json).read_text(encoding="utf-8"))
        rows = [
            {"check": c.get("name"), "severity": c.get("severity"), "message": c.get("message")}
            for c in data.get("checks", [])
        ]
        parts.append(html_table(rows, max_rows=100))
        full.caption = (
            f"{data.get('n_rows')} rows x {data.get('n_columns')} columns; "
            f"worst finding: {data.get('worst_severity')}"
        )
    parts.append(Markup(render("details.html.j2", summary="every check in full", body=full.body)))
    return Section("profile", title, None, None, parts, full.caption)


# -- baselines vs model -------------------------------------------------------------------


def _curve_table(metrics: pd.DataFrame) -> dict[str, dict[str, dict[str, tuple[Any, Any]]]]:
    """run id → metric name → split → (steps, values), steps ascending (missing first).

    One sort and one pass over the arrays: grouping the frame with pandas per run, per
    name and per split cost most of a 100-run report."""
    out: dict[str, dict[str, dict[str, tuple[Any, Any]]]] = {}
    frame = metrics[metrics["split"].notna()]
    if frame.empty:
        return out
    frame = frame.sort_values(
        ["run_id", "name", "split", "step"], na_position="first", kind="stable"
    )
    rid = frame["run_id"].astype(str).to_numpy(dtype=object)
    name = frame["name"].astype(str).to_numpy(dtype=object)
    split = frame["split"].astype(str).to_numpy(dtype=object)
    step = frame["step"].to_numpy(dtype=float)
    value = frame["value"].to_numpy(dtype=float)
    change = np.ones(len(frame), dtype=bool)
    change[1:] = (rid[1:] != rid[:-1]) | (name[1:] != name[:-1]) | (split[1:] != split[:-1])
    starts = np.flatnonzero(change)
    for a, b in zip(starts, [*starts[1:], len(frame)], strict=True):
        runs = out.setdefault(rid[a], {})
        runs.setdefault(name[a], {})[split[a]] = (step[a:b], value[a:b])
    return out


def _final_values(
    metrics: pd.DataFrame, preferred: str | None = None
) -> dict[str, dict[str, float]]:
    """run id → {split: last value of its error metric (``preferred`` when logged)}."""
    out: dict[str, dict[str, float]] = {}
    for rid, by_name in _curve_table(metrics).items():
        name = _error_name(set(by_name), preferred)
        if name is None:
            continue
        out[rid] = {s: float(values[-1]) for s, (_, values) in by_name[name].items()}
        out[rid]["_metric"] = name  # type: ignore[assignment]
    return out


def _verdict(view: ProjectView, runs: list[Any], finals: dict[str, Any]) -> Markup | None:
    """Does the model run beat the best baseline on dev (paired test)? Its ``_repr_html_``."""
    model = view.model_run()
    dev = {r.id: finals.get(r.id, {}).get("dev") for r in runs if r.kind == "baseline"}
    dev = {k: v for k, v in dev.items() if v is not None}
    if model is None or not dev:
        return None
    best = min(dev, key=lambda k: dev[k])
    name = next(r.name for r in runs if r.id == best)
    from yearn.baselines import beats_baseline

    try:
        verdict = beats_baseline(
            view.predictions(model),
            view.store.artifact_path(best, PREDICTIONS_ARTIFACT),
            metric=view.config.metric.optimizing,
            model_name=model.name,
            baseline_name=name,
        )
    except YearnError as exc:
        return Markup(render("note.html.j2", note=f"model vs {name}: {exc}"))
    return Markup(verdict._repr_html_())


def baselines_vs_model(view: ProjectView, metrics: pd.DataFrame) -> Section:
    runs = view.runs_of("baseline") + view.runs_of("train")
    if not runs:
        return Section(
            "baselines",
            "Baselines vs model",
            note="no baseline or training runs yet: run `yearn run`.",
        )
    metric = error_name(view.config)
    finals = _final_values(metrics[metrics["run_id"].isin([r.id for r in runs])], metric)
    rows = []
    for r in runs:
        v = finals.get(r.id, {})
        rows.append(
            {
                "run": r.name,
                "kind": r.kind,
                "id": r.id,
                "metric": v.get("_metric"),
                **{s: v.get(s) for s in ("train", "train_dev", "dev")},
            }
        )
    rows.sort(key=lambda row: (row["dev"] is None, row["dev"] if row["dev"] is not None else 0))
    note = None
    if not view.runs_of("baseline"):
        note = "no baseline runs: run `yearn baseline` to know what a trivial model scores."
    parts = [_verdict(view, runs, finals)]
    rate = metric not in ("rmse", "mae", "log_loss")
    body = html_table(
        rows,
        ["run", "kind", "id", "metric", "train", "train_dev", "dev"],
        formats={s: ".2%" if rate else ".4g" for s in ("train", "train_dev", "dev")},
        max_rows=200,
        caption=f"final {metric} of each run (lower is better), by split",
    )
    return Section(
        "baselines",
        "Baselines vs model",
        body,
        note,
        [p for p in parts if p is not None],
        caption=f"metric: {metric}",
    )


# -- curves --------------------------------------------------------------------------------


def curves(view: ProjectView, metrics: pd.DataFrame, *, max_runs: int = 100) -> Section:
    runs = view.runs_of("train")[:max_runs]
    if not runs:
        return Section("curves", "Training curves", note="no training runs yet: run `yearn run`.")
    sub = metrics[metrics["run_id"].isin([r.id for r in runs]) & metrics["step"].notna()]
    table = _curve_table(sub)
    charts = []
    for r in runs:
        by_name = table.get(r.id)
        if by_name is None:
            continue
        for name in ("loss", _error_name(set(by_name), error_name(view.config))):
            if name is None or name not in by_name:
                continue
            series = [
                Series(split, steps.tolist(), values.tolist(), SPLIT_COLOURS.get(split))
                for split, (steps, values) in sorted(
                    by_name[name].items(),
                    key=lambda kv: SPLIT_ORDER.index(kv[0]) if kv[0] in SPLIT_ORDER else 9,
                )
            ]
            charts.append(
                line_chart(
                    series,
                    title=f"{r.name} {r.id[-6:]}: {name}",
                    x_label="epoch",
                    width=300,
                    height=190,
                )
            )
    if not charts:
        return Section("curves", "Training curves", note="the training runs logged no curves.")
    note = None
    if len(view.runs_of("train")) > max_runs:
        note = f"showing the newest {max_runs} of {len(view.runs_of('train'))} training runs."
    return Section(
        "curves",
        "Training curves (train / train-dev / dev)",
        Markup(render("grid.html.j2", items=charts)),
        note,
    )


# -- learning curve and learning-rate test -------------------------------------------------


def curve_data(view: ProjectView) -> dict[str, Any] | None:
    """The learning curve of the last ``yearn run`` (its JSON), if there is one."""
    rel = view.output("learning_curve", "json")
    path = view.root / rel if rel else view.result_file("learning_curve.json")
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def learning_curve(view: ProjectView) -> Section:
    data = curve_data(view)
    if data is None:
        return Section(
            "learning-curve",
            "Learning curve",
            note="no learning curve yet: run `yearn run` or `yearn learning-curve`.",
        )
    sizes = data["sizes"]
    series = [
        Series("train", sizes, data["train_errors"], SPLIT_COLOURS["train"]),
        Series("dev", sizes, data["dev_errors"], SPLIT_COLOURS["dev"]),
    ]
    if data.get("target_error") is not None:
        series.append(
            Series("target", [sizes[0], sizes[-1]], [data["target_error"]] * 2, "#555", dashed=True)
        )
    chart = line_chart(
        series,
        title=f"{data['metric']} vs training-set size",
        x_label="training examples",
        width=420,
        height=240,
    )
    facts = html_table(
        [
            {"": "estimator", "value": data.get("estimator")},
            {"": "metric", "value": data["metric"]},
            {"": "verdict", "value": data["verdict"]},
            {
                "": f"gain in {data['metric']} from doubling the data",
                "value": data["doubling_gain"],
            },
        ]
    )
    note = None
    model = view.model_run()
    if data.get("run_id") and model is not None and data["run_id"] != model.id:
        note = (
            f"this curve was fitted with the settings of run {data['run_id']}, not of the run "
            f"reported ({model.id}): `yearn learning-curve --run {model.id}` draws its own."
        )
    return Section("learning-curve", "Learning curve", None, note, [chart, facts])


def lr_test(view: ProjectView) -> Section:
    title = "Learning-rate range test"
    for run in view.runs_of("lr_find"):
        try:
            path = view.store.artifact_path(run.id, "lr_find.json")
            data = json.loads(path.read_text(encoding="utf-8"))
        except (YearnError, ValueError) as exc:
            return Section("lr-test", title, note=f"run {run.id}: {exc}")
        losses = [float(v) for v in data["losses"]]
        # the loss explodes at the largest rates: clip it so the useful range stays readable
        cap = 2.0 * abs(losses[0]) if losses and losses[0] else float("inf")
        chart = line_chart(
            [Series("loss", data["lrs"], [min(v, cap) for v in losses], "#1f77b4")],
            title=f"{run.name}: loss vs learning rate",
            x_label="learning rate",
            log_x=True,
            marker=data["suggestion"],
            marker_label=f"suggested {data['suggestion']:.1e}",
            width=420,
            height=240,
        )
        return Section("lr-test", title, chart)
    return Section("lr-test", title, note="no learning-rate test yet: run `yearn lr-find`.")
