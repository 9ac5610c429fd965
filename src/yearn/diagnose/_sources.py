"""Where the diagnosis reads from: a run in the store, a project's data.

The only module of the package that talks to the run store, the project file, the split
manifest and the data loaders, so the rest stays a set of functions over tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yearn.diagnose._health import TrainingHealth, training_health
from yearn.diagnose._result import Diagnosis, MultiTaskDiagnosis
from yearn.errors import DataError, StoreError
from yearn.paths import PREDICTIONS_ARTIFACT

__all__ = [
    "RunDiagnosis",
    "diagnose_run",
    "error_form",
    "latest_run_with_predictions",
    "project_defaults",
    "project_diagnosis_options",
]


@dataclass(frozen=True)
class RunDiagnosis:
    """The diagnosis of a run's predictions and the health of its training curves."""

    run_id: str
    diagnosis: Diagnosis | MultiTaskDiagnosis
    health: TrainingHealth | None = None

    def to_dict(self) -> dict[str, Any]:
        out = self.diagnosis.to_dict()
        out["run_id"] = self.run_id
        out["training_health"] = None if self.health is None else self.health.to_dict()
        return out

    def _repr_html_(self) -> str:
        extra = self.health._repr_html_() if self.health is not None else ""
        return self.diagnosis._repr_html_() + extra


def project_defaults(project: str | Path) -> tuple[str | None, float | None]:
    """(optimising metric, human-level error) from ``<project>/yearn.toml`` if it exists."""
    from yearn.config import CONFIG_FILENAME, load_config

    if not (Path(project) / CONFIG_FILENAME).exists():
        return None, None
    cfg = load_config(project)
    return cfg.metric.optimizing, cfg.metric.human_level_error


def diagnose_run(
    run_id: str,
    *,
    project: str | Path = ".",
    store_url: str | None = None,
    baseline_error: float | None = None,
    **kwargs: Any,
) -> RunDiagnosis:
    """Diagnose the ``predictions.parquet`` artefact of a run and read its curves.

    ``kwargs`` go to :func:`yearn.diagnose.diagnose_predictions`; the metric, the
    human-level error and the group column default to the project's ``yearn.toml``.
    """
    from yearn.diagnose._from_predictions import diagnose_predictions
    from yearn.project import Project

    metric, _ = project_defaults(project)
    proj = Project(project, store_url=store_url)
    if not proj.has_store:
        raise StoreError(
            f"{proj.paths.store_db}: no run store in project {project}; pass --project DIR "
            "(the folder with the runs) or --store-url, or train a model first."
        )
    store = proj.store()
    try:
        record = store.get_run(run_id)
        path = store.artifact_path(record.id, PREDICTIONS_ARTIFACT)
        curves = store.metrics(record.id)
    finally:
        store.close()
    kwargs = project_diagnosis_options(project, path, **kwargs)
    diag = diagnose_predictions(path, **kwargs)
    health = None
    if not curves.empty and "loss" in set(curves.loc[curves["split"] == "train", "name"]):
        try:
            dev = getattr(diag, "overall", diag).errors.get("dev")
            # the curve of the project's metric (1-f1, rmse, ...) when the run logged it
            named = error_form(metric) if metric else None
            logged = set(curves.loc[curves["split"] == "dev", "name"])
            health = training_health(
                curves,
                baseline_error=baseline_error,
                n_dev=None if dev is None else dev.n,
                metric=named if named in logged else None,
            )
        except DataError:
            health = None
    return RunDiagnosis(record.id, diag, health)


def latest_run_with_predictions(project: str | Path, store_url: str | None = None) -> str | None:
    """Id of the newest completed run that has a ``predictions.parquet`` artefact, if any."""
    from yearn.project import Project

    return Project(project, store_url=store_url).latest_run_with(PREDICTIONS_ARTIFACT)


def project_diagnosis_options(project: str | Path, table: Any, **given: Any) -> dict[str, Any]:
    """Keyword arguments of :func:`diagnose_predictions` for a ``table`` of ``project``:
    the project's metric (error form), the human level of that metric and the group
    column (when the table carries it); values in ``given`` that are not None win.
    Without a ``yearn.toml``, ``given`` as it is."""
    from yearn.config import CONFIG_FILENAME, load_config
    from yearn.predictions import peek_columns

    options = dict(given)
    if not (Path(project) / CONFIG_FILENAME).exists():
        return options
    cfg = load_config(project)
    metric = cfg.metric.optimizing
    if options.get("metric") is None and metric not in (None, "error"):
        options["metric"] = error_form(metric)
    if options.get("human") is None:
        # the human level of the metric diagnosed, never one given for another metric
        options["human"] = cfg.metric.human_level_for(options.get("metric") or metric)
    column = cfg.group_column
    if options.get("group_column") is None and column in (peek_columns(table) or []):
        options["group_column"] = column
    return options


def error_form(metric: str) -> str:
    """The error-form name of a registry metric (``f1`` → ``1-f1``, ``rmse`` → ``rmse``)."""
    from yearn.metrics import get_metric

    m = get_metric(metric)
    return m.error_name
