"""Report sections about the model run: diagnosis, error analysis, label issues (with
previews) and slices. Each recomputes its result from the run's predictions artefact with
the analysis module's public function, so a changed or missing artefact becomes a note."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd
from markupsafe import Markup

from yearn.errors import YearnError
from yearn.paths import ProjectPaths
from yearn.report._sections import ProjectView, Section, section_of
from yearn.report._templates import render

__all__ = ["diagnosis", "error_analysis", "label_issues", "operating_point", "slices"]


def diagnosis(view: ProjectView) -> Section:
    run = view.model_run()
    if run is None:
        return Section("diagnosis", "Diagnosis", note="no training run to diagnose yet.")
    from yearn.diagnose import diagnose_run

    try:
        result = diagnose_run(run.id, project=view.root, store_url=None)
    except YearnError as exc:
        return Section("diagnosis", "Diagnosis", note=f"run {run.id}: {exc}")
    section = section_of("diagnosis", "Diagnosis", result)
    section.caption = f"model {run.name}, run {run.id}"
    return section


def _per_example(view: ProjectView) -> str:
    """What the per-example analyses measure, said against the project's metric."""
    from yearn.report._sections import error_name

    metric = error_name(view.config)
    if metric == "error":
        return "metric: error (share of misclassified examples)"
    return (
        "measured in error (share of misclassified examples), the per-example view of the "
        f"project's metric {metric}"
    )


def _with_metric(section: Section, view: ProjectView) -> Section:
    said = _per_example(view)
    section.caption = f"{section.caption}; {said}" if section.caption else said
    return section


def operating_point(view: ProjectView) -> Section:
    """The saved operating point of the model run (or the default 0.5, said so)."""
    title = "Operating point"
    run = view.model_run()
    if run is None or view.config.task == "regression":
        return Section(
            "operating-point", title, note="no classifier run to choose a threshold for."
        )
    from yearn.ship import operating_point_of

    try:
        result, saved = operating_point_of(view.root, run.id)
    except YearnError as exc:
        return Section("operating-point", title, note=f"run {run.id}: {exc}")
    note = None
    if not saved:
        note = (
            "no operating point chosen yet: this is the default threshold 0.5; choose one from "
            "the stakeholders' numbers with `yearn operating-point --cost-fp 1 --cost-fn 20`, "
            "`--min-precision 0.95` or `--max-alerts-per-1000 30`."
        )
    section = section_of("operating-point", title, result, note)
    from yearn.report._sections import error_name

    section.caption = f"model {run.name}, run {run.id}; project metric {error_name(view.config)}"
    return section


def error_analysis(view: ProjectView) -> Section:
    title = "Error analysis"
    run = view.model_run()
    sheet_path = ProjectPaths(view.root).worksheet(run.id) if run else None
    if run is None or sheet_path is None or not sheet_path.is_file():
        return Section(
            "errors",
            title,
            note="no error-analysis worksheet yet: run `yearn run` or `yearn errors sample`.",
        )
    from yearn.erroranalysis import load_worksheet, summarize
    from yearn.predictions import load_predictions

    try:
        preds = load_predictions(view.predictions(run))
        sheet = load_worksheet(sheet_path, preds)
        note = None
        if not any(sheet.tag_lists("tags")):
            sheet.accept_suggestions()
            note = (
                f"nobody has tagged {sheet_path.relative_to(view.root)} yet: these counts use "
                "the automatic suggestions; tag the worksheet (or `yearn ui`) and re-run."
            )
        summary = summarize(sheet, preds, metric=view.config.metric.optimizing)
    except YearnError as exc:
        return Section("errors", title, note=str(exc))
    section = section_of("errors", title, summary, note)  # its html holds the ceiling chart
    section.caption = (
        f"worksheet {sheet_path.relative_to(view.root)} (model {run.name}, run {run.id}); "
        f"ceilings in {summary.metric}"
    )
    if summary.metric == "error":
        return _with_metric(section, view)
    return section


def _image_paths(view: ProjectView, ids: list[str]) -> dict[str, str]:
    """id → absolute image path, for image projects (empty otherwise)."""
    if view.config.image_column is None:
        return {}
    from yearn.data import load_project

    ds = load_project(view.config, check_images=False)
    frame = ds.frame[ds.frame[ds.id_column].astype(str).isin(ids)]
    return dict(
        zip(frame[ds.id_column].astype(str), frame[ds.image_column].astype(str), strict=True)
    )


def _previews(view: ProjectView, run: Any, ids: list[Any]) -> Markup | None:
    """Cards (thumbnail or metadata, id, label, prediction) for some examples of a run."""
    from yearn.erroranalysis import make_previews

    preds = pd.read_parquet(view.predictions(run))
    wanted = [str(i) for i in ids]
    frame = preds[preds["id"].astype(str).isin(wanted)].copy()
    if frame.empty:
        return None
    images = _image_paths(view, wanted)
    if images:
        frame["_image"] = frame["id"].astype(str).map(images)
        previews = make_previews(frame, (), preview_column="_image", base_dir=view.root)
    else:
        meta = tuple(
            c
            for c in frame.columns
            if c not in ("id", "split", "label", "pred", "model") and not c.startswith("proba:")
        )
        previews = make_previews(frame, meta, base_dir=view.root)
    cards = [
        {
            "src": p if p.startswith("data:image/") else None,
            "text": None if p.startswith("data:image/") else p,
            "id": str(i),
            "label": str(lab),
            "pred": str(pr),
        }
        for p, i, lab, pr in zip(previews, frame["id"], frame["label"], frame["pred"], strict=True)
    ]
    return Markup(render("cards.html.j2", cards=cards))


def label_issues(view: ProjectView) -> Section:
    title = "Label issues"
    run = view.model_run()
    if run is None:
        return Section("labels", title, note="no predictions to look for label issues in yet.")
    from yearn.labels import label_issues as find

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = find(
                view.predictions(run), human_level=view.config.metric.human_level_for("error")
            )
    except YearnError as exc:
        return Section("labels", title, note=f"run {run.id}: {exc}")
    section = section_of("labels", title, result, "; ".join(str(w.message) for w in caught) or None)
    top = result.issues.head(12)["id"].tolist()
    if top:
        cards = _previews(view, run, top)
        if cards is not None:
            section.parts.append(cards)
    return _with_metric(section, view)


def slices(view: ProjectView) -> Section:
    run = view.model_run()
    if run is None:
        return Section("slices", "Slices", note="no predictions to slice yet.")
    from yearn.slices import find_slices

    try:
        report = find_slices(view.predictions(run), metric=view.config.metric.optimizing)
    except YearnError as exc:
        return Section("slices", "Slices", note=f"run {run.id}: {exc}")
    section = section_of("slices", "High-error slices", report)  # its html holds the chart
    said = f"metric: {report.metric}"
    if report.metric == "error":
        said += " (share of misclassified examples)"
    else:
        said += " of each slice vs the rest of the split (bootstrap)"
    section.caption = f"{section.caption}; {said}" if section.caption else said
    return section
