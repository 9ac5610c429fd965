"""``run_project``: the whole workflow on a project, each step skipped when its inputs
(config sections, data files, options, outputs of earlier steps) are unchanged."""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yearn._io import file_lock
from yearn.errors import YearnError
from yearn.paths import ProjectPaths
from yearn.workflow._state import (
    config_sections,
    data_fingerprint,
    digest,
    load_options,
    load_state,
    save_state,
)
from yearn.workflow._steps import (
    STEPS,
    Step,
    StepContext,
    WorkflowOptions,
    not_applicable,
    step_enabled,
)

__all__ = ["StepResult", "WorkflowResult", "run_project", "saved_options"]

log = logging.getLogger(__name__)

#: The status of a step left out because a step it needs failed.
NOT_RUN = "not run"
#: The note of a step that failed with the error an earlier step already reported.
SAME_ERROR = "same error as "

#: ``progress(step, event, done, total)``: event is ``start``, ``advance`` or the final status.
Progress = Callable[[str, str, float, float], None]


@dataclass(frozen=True)
class StepResult:
    """What happened to one step: ``ran``, ``skipped`` (current), ``failed``, ``not run``
    (a step it needs did not complete: the note names the step that failed) or ``off``."""

    name: str
    title: str
    status: str
    seconds: float = 0.0
    outputs: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "outputs": self.outputs,
            "note": self.note,
        }


@dataclass(frozen=True)
class WorkflowResult:
    """The steps of one ``run_project`` call, the report it wrote and the next steps."""

    root: Path
    steps: list[StepResult]
    report: Path | None
    next_steps: list[str]
    verdict: str | None
    seconds: float
    features_note: str = ""

    def __getitem__(self, name: str) -> StepResult:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    report_note: str = ""

    @property
    def failed(self) -> list[StepResult]:
        return [s for s in self.steps if s.status == "failed"]

    @property
    def not_run(self) -> list[StepResult]:
        """Steps left out because a step they need failed."""
        return [s for s in self.steps if s.status == NOT_RUN]

    @property
    def causes(self) -> list[StepResult]:
        """The failures to tell the user about: each distinct error once."""
        return [s for s in self.failed if not s.note.startswith(SAME_ERROR)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": str(self.root),
            "steps": [s.to_dict() for s in self.steps],
            "report": None if self.report is None else str(self.report),
            "verdict": self.verdict,
            "next_steps": self.next_steps,
            "features_note": self.features_note,
            "report_note": self.report_note,
            "seconds": round(self.seconds, 2),
        }

    def _repr_html_(self) -> str:
        from yearn.display import html_table

        rows = [
            {"step": s.title, "status": s.status, "seconds": round(s.seconds, 1), "note": s.note}
            for s in self.steps
        ]
        steps = "".join(f"<li>{html.escape(s)}</li>" for s in self.next_steps)
        return (
            f"<p>yearn run on {html.escape(str(self.root))} ({self.seconds:.1f} s)</p>"
            + str(html_table(rows))
            + (f"<p>Next steps:</p><ol>{steps}</ol>" if steps else "")
            + (f"<p>Report: {html.escape(str(self.report))}</p>" if self.report else "")
        )


def saved_options(root: str | Path) -> WorkflowOptions | None:
    """The options of the last ``yearn run`` on the project (``None`` if none recorded)."""
    data = load_options(Path(root))
    if data is None:
        return None
    try:
        return WorkflowOptions.from_dict(data)
    except (TypeError, ValueError):
        log.warning("the options recorded in .yearn/workflow.json are unreadable; using defaults")
        return None


def _config_value(sections: dict[str, Any], name: str) -> Any:
    """A section of yearn.toml (``metric``) or one key of it (``metric.optimizing``)."""
    section, _, key = name.partition(".")
    value = sections.get(section)
    if key:
        return value.get(key) if isinstance(value, dict) else None
    return value


def _fingerprint(step: Step, ctx: StepContext, sections: dict[str, Any], data_fp: str) -> str:
    return digest(
        {
            "step": step.name,
            "config": {s: _config_value(sections, s) for s in step.sections},
            "data": data_fp if step.uses_data else None,
            "upstream": {u: ctx.outputs.get(u) for u in step.after},
            "options": step.options(ctx),
        }
    )


def _outputs_exist(root: Path, ctx: StepContext, outputs: dict[str, Any]) -> bool:
    """A recorded step is current only if what it wrote is still there."""
    for key, value in outputs.items():
        if key in ("json", "html", "worksheet", "screen") and not (root / value).exists():
            return False
    run_ids = [outputs["run_id"]] if outputs.get("run_id") else []
    run_ids += list((outputs.get("run_ids") or {}).values())
    if run_ids:
        from yearn.errors import StoreError

        store = ctx.store()
        try:
            for rid in run_ids:
                try:
                    if store.get_run(rid).status != "completed":
                        return False
                    for artefact in store.artifacts(rid):  # present, sha256 unchanged
                        store.artifact_path(rid, artefact.name)
                except StoreError as exc:
                    log.info("re-running: %s", exc)
                    return False
        finally:
            store.close()
    return True


def _release_cached_memory() -> None:
    """Hand the memory a finished step no longer uses back to the system: what reference
    cycles still hold (a training run's data stays reachable from its callbacks until the
    cycle collector runs, which counts objects, not bytes: ~1 GB at 500,000 rows), Arrow's
    pool (the next step's arrays are NumPy's and cannot reuse it; ~300 MB) and, with glibc,
    the free heap (``malloc_trim``)."""
    import ctypes
    import ctypes.util
    import gc

    import pyarrow

    gc.collect()
    pyarrow.default_memory_pool().release_unused()
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:  # glibc only; elsewhere the allocator keeps its own policy
        trim(0)


def run_project(
    root: str | Path = ".",
    *,
    options: WorkflowOptions | None = None,
    force: bool = False,
    report: bool | str | Path = True,
    progress: Progress | None = None,
) -> WorkflowResult:
    """Run split, profile, baselines, train, lr-find, diagnose, error worksheet, label
    issues, slices and learning curve on the project at ``root``, then write the report.

    A step is skipped when its fingerprint (the config sections it reads, the data files'
    sizes and times, its options and the outputs of the steps it depends on) matches the
    one recorded in ``.yearn/workflow.json`` and its outputs still exist; ``force`` runs
    every step. ``options`` defaults to those of the last run on the project (recorded in
    ``.yearn/workflow.json``), else :class:`WorkflowOptions` defaults. A step that fails
    is recorded as failed with its error, the steps that depend on it are left out
    ("not run (needs <step>)"), and the rest go on. Concurrent calls on one project run
    one after the other (a file lock on ``.yearn/workflow.json``). ``report``: ``True`` writes
    ``<root>/report.html``, a path writes there, ``False`` writes none.
    """
    from yearn.config import CONFIG_FILENAME, load_config

    started = time.perf_counter()
    # an absolute folder: relative paths in the config then resolve from anywhere
    given = Path(root).resolve()
    config = load_config(given)
    root = config.root
    # one yearn run at a time per project: a second one waits instead of interleaving
    # its steps and its .yearn/workflow.json with the first
    with file_lock(ProjectPaths(root).workflow_state):
        if options is None:
            options = saved_options(root) or WorkflowOptions()
        sections = config_sections(given if given.is_file() else root / CONFIG_FILENAME)
        data_fp = data_fingerprint(config)
        state = {} if force else load_state(root)
        new_state: dict[str, Any] = {}
        results: list[StepResult] = []
        ctx = StepContext(root=root, config=config, options=options, outputs={})
        tell = progress or (lambda step, event, done, total: None)
        cause: dict[str, str] = {}  # step left out -> the failed step it needed
        errors: dict[str, str] = {}  # error message -> the first step that failed with it

        for step in STEPS:
            if not step_enabled(step, options):
                results.append(StepResult(step.name, step.title, "off", note="turned off"))
                tell(step.name, "off", 1, 1)
                continue
            reason = not_applicable(step, config)
            if reason:
                results.append(StepResult(step.name, step.title, "off", note=reason))
                tell(step.name, "off", 1, 1)
                continue
            missing = [u for u in step.after if u not in ctx.outputs]
            if missing:  # name the step that failed, not the one in between
                needs = sorted({cause.get(u, u) for u in missing})
                cause[step.name] = needs[0]
                note = f"not run (needs {', '.join(needs)})"
                results.append(StepResult(step.name, step.title, NOT_RUN, note=note))
                tell(step.name, NOT_RUN, 1, 1)
                continue
            fp = _fingerprint(step, ctx, sections, data_fp)
            previous = state.get(step.name)
            if (
                previous
                and previous.get("fingerprint") == fp
                and _outputs_exist(root, ctx, previous.get("outputs", {}))
            ):
                ctx.outputs[step.name] = previous["outputs"]
                new_state[step.name] = previous
                results.append(
                    StepResult(
                        step.name, step.title, "skipped", 0.0, previous["outputs"], "current"
                    )
                )
                tell(step.name, "skipped", 1, 1)
                continue
            tell(step.name, "start", 0, 1)
            ctx.advance = lambda done, total, _n=step.name: tell(_n, "advance", done, total)
            t0 = time.perf_counter()
            try:
                outputs = step.action(ctx)
            except YearnError as exc:
                seconds = time.perf_counter() - t0
                log.info("step %s failed: %s", step.name, exc)
                first = errors.setdefault(str(exc), step.name)
                note = str(exc) if first == step.name else f"{SAME_ERROR}{first}"
                results.append(StepResult(step.name, step.title, "failed", seconds, note=note))
                tell(step.name, "failed", 1, 1)
                continue
            seconds = time.perf_counter() - t0
            _release_cached_memory()
            ctx.outputs[step.name] = outputs
            new_state[step.name] = {"fingerprint": fp, "outputs": outputs, "seconds": seconds}
            save_state(root, {**state, **new_state}, options.to_dict())
            results.append(
                StepResult(step.name, step.title, "ran", seconds, outputs, outputs.get("note", ""))
            )
            tell(step.name, "ran", 1, 1)
        save_state(root, new_state, options.to_dict())

        report_path, report_note = None, ""
        if report is not False:
            from yearn.report import write_report

            out = root / "report.html" if report is True else Path(report)
            tell("report", "start", 0, 1)
            failed = [r.name for r in results if r.status == "failed"]
            try:
                report_path = write_report(root, out)
            except YearnError:
                if not failed:
                    raise
                # nothing to report because a step failed: say that, not "run yearn run"
                report_note = f"not written (needs {failed[0]})"
                tell("report", NOT_RUN, 1, 1)
            else:
                tell("report", "ran", 1, 1)
        diag = ctx.outputs.get("diagnose", {})
        from yearn.profile import recorded_screen

        screen = recorded_screen(config)
        return WorkflowResult(
            root=root,
            steps=results,
            report=report_path,
            next_steps=list(diag.get("next_steps", [])),
            verdict=diag.get("verdict"),
            seconds=time.perf_counter() - started,
            features_note="" if screen is None else screen.message,
            report_note=report_note,
        )
