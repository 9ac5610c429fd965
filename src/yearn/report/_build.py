"""``build_report`` / ``write_report``: one self-contained HTML file for a project.

The report reads the project's run store, split manifest and the outputs of ``yearn run``
(``.yearn/workflow.json``); every section comes from a result object (its
``_repr_html_``) or the shared templates. No external resource is referenced: styles are
inline, images are data URIs, charts inline SVG.
"""

from __future__ import annotations

import html
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from yearn._io import atomic_write_text
from yearn.errors import StoreError, YearnError
from yearn.report import _analyses as ana
from yearn.report import _sections as sec
from yearn.report._choice import choose_run
from yearn.report._compress import compression, has_compression
from yearn.report._e2e import e2e, has_e2e
from yearn.report._mismatch import has_mismatch, mismatch
from yearn.report._monitoring import has_monitoring, monitoring
from yearn.report._templates import render
from yearn.report._tuning import has_tuning, tuning

__all__ = ["Report", "build_report", "write_report"]

log = logging.getLogger(__name__)


@dataclass
class Report:
    """The sections of a project's report, ready to render (``to_html``)."""

    project: str
    task: str
    sections: list[sec.Section]
    n_runs: int
    verdict: str | None = None
    next_steps: tuple[str, ...] = ()
    seconds: float = 0.0
    #: the model run the analyses are about: run_id, name, why (how it was chosen) and
    #: features (its training columns, with a warning if the screen now drops one)
    model: dict[str, str] | None = None

    def __getitem__(self, id: str) -> sec.Section:
        for s in self.sections:
            if s.id == id:
                return s
        raise KeyError(id)

    @property
    def missing(self) -> list[str]:
        """Ids of the sections with no result (they show a note instead)."""
        return [s.id for s in self.sections if not s.present]

    def to_html(self) -> str:
        """The whole page: one self-contained HTML document."""
        from yearn._version import __version__

        return render(
            "report.html.j2",
            project=self.project,
            task=self.task,
            n_runs=self.n_runs,
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            version=__version__,
            sections=self.sections,
            verdict=self.verdict or "",
            next_steps=list(self.next_steps),
        )

    def _repr_html_(self) -> str:
        parts = [f"<h3>yearn report — {html.escape(self.project)}</h3>"]
        for s in self.sections:
            parts.append(f"<h4>{html.escape(s.title)}</h4>")
            if s.note:
                parts.append(f"<p><i>{html.escape(s.note)}</i></p>")
            if s.body is not None:
                parts.append(str(s.body))
            parts += [str(p) for p in s.parts]
        return "".join(parts)


def _workflow_state(root: Path) -> dict[str, Any]:
    from yearn.project import Project

    return Project(root).workflow_steps()


def _guarded(id: str, title: str, build: Any) -> sec.Section:
    """One section; a bug while building it (in yearn, not in the data) becomes a note in
    that section, logged with its traceback, instead of losing the whole report."""
    try:
        return build()
    except YearnError as exc:
        return sec.Section(id, title, note=str(exc))
    except Exception as exc:
        log.exception("report section %s failed", id)
        return sec.Section(
            id,
            title,
            note=f"this section could not be drawn (a bug in yearn, please report it): "
            f"{type(exc).__name__}: {exc}",
        )


def build_report(
    project: str | Path = ".", *, max_runs: int = 100, run: str | None = None
) -> Report:
    """Collect every section of the report of the project at ``project``.

    The analyses are about one model run: ``run`` when given, else the train run with the
    best dev value of the project's metric among those meeting the constraints.

    Raises :class:`~yearn.errors.ConfigError` without a ``yearn.toml`` and
    :class:`~yearn.errors.StoreError` when the project has no runs yet.
    """
    from yearn.project import Project

    started = time.perf_counter()
    proj = Project(Path(project).resolve())
    config = proj.require_config()
    root = config.root
    if not proj.has_store:
        raise StoreError(
            f"{root}: the project has no runs yet (no {proj.paths.store_db}); run `yearn run "
            f"--project {root}` first, then `yearn report`."
        )
    store = proj.store()
    try:
        runs = store.list_runs()
        if not runs:
            raise StoreError(
                f"{root}: the run store has no runs; run `yearn run --project {root}` first."
            )
        view = sec.ProjectView(root, config, store, runs, _workflow_state(root))
        ids = [r.id for r in runs if r.kind in ("train", "baseline") and r.status == "completed"]
        metrics = (
            store.metrics(ids)
            if ids
            else pd.DataFrame(columns=["run_id", "name", "split", "step", "value"])
        )
        choose_run(view, metrics, run)
        builders = [
            ("project", "Project and splits", lambda: sec.overview(view)),
            ("profile", "Data profile", lambda: sec.profile(view)),
            ("baselines", "Baselines vs model", lambda: sec.baselines_vs_model(view, metrics)),
            ("curves", "Training curves", lambda: sec.curves(view, metrics, max_runs=max_runs)),
            ("diagnosis", "Diagnosis", lambda: ana.diagnosis(view)),
            ("operating-point", "Operating point", lambda: ana.operating_point(view)),
            ("errors", "Error analysis", lambda: ana.error_analysis(view)),
            ("labels", "Label issues", lambda: ana.label_issues(view)),
            ("slices", "High-error slices", lambda: ana.slices(view)),
            ("learning-curve", "Learning curve", lambda: sec.learning_curve(view)),
            ("lr-test", "Learning-rate range test", lambda: sec.lr_test(view)),
        ]
        if has_compression(view):  # only after `yearn compress`
            title = "Compression (int8, pruning)"
            builders.append(("compression", title, lambda: compression(view)))
        if has_mismatch(view):  # only after `yearn mismatch`
            builders.append(("mismatch", "Data mismatch", lambda: mismatch(view)))
        if has_e2e(view):  # only after `yearn e2e-compare`
            builders.append(("e2e", "End-to-end or pipeline", lambda: e2e(view)))
        if has_tuning(view):  # only after `yearn tune`
            builders.append(("tuning", "Hyper-parameter search", lambda: tuning(view)))
        if has_monitoring(view):  # only projects whose model is watched in production
            builders.append(("monitoring", "Monitoring", lambda: monitoring(view)))
        sections = [_guarded(id, title, build) for id, title, build in builders]
        chosen = view.model_run()
        reported = None
        if chosen is not None:
            reported = {"run_id": chosen.id, "name": chosen.name, "why": view.why}
            reported["features"] = view.features
    finally:
        store.close()
    verdict = (view.workflow.get("diagnose") or {}).get("outputs", {}).get("verdict")
    steps = (view.workflow.get("diagnose") or {}).get("outputs", {}).get("next_steps", [])
    shown = next((s.result for s in sections if s.id == "diagnosis"), None)
    other = view.chosen is not None and view.chosen != view.output("train", "run_id")
    if (
        not steps or other
    ) and shown is not None:  # no `yearn run` yet: advice of the diagnosis shown
        from yearn.diagnose import next_steps

        overall = getattr(shown.diagnosis, "overall", shown.diagnosis)
        curve = sec.curve_data(view)
        model = view.model_run()
        if curve is not None and (model is None or curve.get("run_id") != model.id):
            curve = None  # a curve of another model says nothing about this one
        verdict, steps = overall.verdict(), next_steps(overall, curve=curve)
    return Report(
        project=config.name,
        task=config.task,
        sections=sections,
        n_runs=len(runs),
        verdict=verdict,
        next_steps=tuple(steps),
        seconds=time.perf_counter() - started,
        model=reported,
    )


def write_report(
    project: str | Path = ".",
    out: str | Path | None = None,
    *,
    max_runs: int = 100,
    run: str | None = None,
) -> Path:
    """Build the report (about ``run``, see :func:`build_report`) and write it atomically
    to ``out`` (default ``<project>/report.html``); returns the path."""
    report = build_report(project, max_runs=max_runs, run=run)
    path = Path(out) if out is not None else report_root(project) / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, report.to_html())
    log.info("wrote %s", path)
    return path


def report_root(project: str | Path) -> Path:
    from yearn.config import load_config

    return load_config(Path(project).resolve()).root
