"""Monitoring a project: the deployed run's reference (training data and its predictions),
the confidence map from its dev predictions, and the request log of ``yearn serve``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from yearn._validation import check_choice
from yearn.errors import DataError, StoreError
from yearn.monitor._cbpe import ClassCalibration, not_estimated_reason
from yearn.monitor._monitor import monitor
from yearn.monitor._performance import ConfidenceMap
from yearn.monitor._reference import Reference
from yearn.monitor._result import MonitorResult
from yearn.paths import PREDICTIONS_ARTIFACT

if TYPE_CHECKING:
    from yearn.project import Project

__all__ = [
    "ProjectReference",
    "deployed_run",
    "monitor_project",
    "monitoring_html",
    "project_reference",
    "read_table",
]

log = logging.getLogger(__name__)
RESULT_FILE = "latest.json"
RESULT_HTML = "latest.html"
PREDICTION_SPLIT = {"train": "train_dev", "dev": "dev"}


def deployed_run(project: Project, run: str | None = None) -> tuple[str, str]:
    """``(run id, how it was chosen)``: ``run`` when given, else the deployed pointer, else
    the newest completed run with predictions that retraining did not make."""
    with project.require_store() as store:
        if run is not None:
            return store.get_run(run).id, "given"
        current = store.deployed()
        if current is not None:
            return current.run_id, "deployed"
        newest = next(
            (
                r.id
                for r in store.list_runs(status="completed")
                if not r.name.startswith("retrain ")
                and PREDICTIONS_ARTIFACT in {a.name for a in store.artifacts(r.id)}
            ),
            None,
        )
    if newest is None:
        raise StoreError(
            f"{project.root}: no deployed model and no run with predictions; train one "
            "('yearn train') or pass --run."
        )
    return newest, "newest run with predictions (nothing deployed yet: 'yearn retrain' records one)"


#: Why image and text inputs get no drift statistic of their own.
MEDIA_REASON = (
    "{kind} input: monitored only through the model's predictions (predicted class and "
    "confidence drift, label-free performance); its content is not compared with training"
)


def media_columns(dataset) -> dict[str, str]:
    """The project's image and text columns, each with the reason it has no drift test."""
    out = {c: MEDIA_REASON.format(kind="text") for c in dataset.text_columns}
    if dataset.image_column is not None:
        out[dataset.image_column] = MEDIA_REASON.format(kind="image")
    return out


@dataclass
class ProjectReference:
    """The reference of a project's deployed model and its dev-fitted confidence map."""

    reference: Reference
    confidence_map: ConfidenceMap | None
    run_id: str
    chosen: str
    split: str
    class_calibration: ClassCalibration | None = None
    metrics: tuple[str, ...] = ()  # estimated without labels, the project's metric first
    not_estimated: dict[str, str] = field(default_factory=dict)  # metric -> why not
    media: dict[str, str] = field(default_factory=dict)  # image/text column -> how watched


def _input_columns(dataset) -> list[str]:
    skip = {dataset.image_column, *dataset.text_columns}
    cols = [*dataset.feature_columns, *dataset.metadata_columns]
    return [c for c in dict.fromkeys(cols) if c not in skip and c is not None]


def project_reference(
    project: Project, *, run: str | None = None, split: str = "train", random_state: int = 0
) -> ProjectReference:
    """Bin the project's ``split`` rows (train, or dev: the data the product should see)
    and the model's predictions on held-out rows of the same kind (train_dev for train)."""
    check_choice("reference split", split, tuple(PREDICTION_SPLIT), error=DataError)
    run_id, chosen = deployed_run(project, run)
    dataset = project.dataset
    manifest = project.manifest()
    ids = set(manifest.ids(split).astype(str))
    frame = dataset.frame[dataset.frame[dataset.id_column].astype(str).isin(ids)]
    if frame.empty:
        raise DataError(f"{project.root}: the {split} split is empty; run 'yearn split' first.")
    preds = project.predictions(run_id)
    held = PREDICTION_SPLIT[split]
    if held not in preds.splits:
        held = "dev"
    ref_preds = preds.frame[preds.frame["split"] == held]
    reference = Reference.build(
        frame,
        predictions=ref_preds,
        columns=_input_columns(dataset),
        random_state=random_state,
    )
    cmap = None
    if preds.task in ("binary", "multiclass") and "dev" in preds.splits:
        dev = preds.split("dev")
        cmap = ConfidenceMap.fit(dev.proba().max(axis=1), dev.correct(), random_state=random_state)
    calibration, metrics, skipped = _metric_estimation(project, preds, random_state)
    return ProjectReference(
        reference,
        cmap,
        run_id,
        chosen,
        split,
        calibration,
        metrics,
        skipped,
        media_columns(dataset),
    )


def _project_metric(project: Project) -> str | None:
    return project.config.metric.optimizing if project.has_config else None


def _drop_metric(project: Project, metrics: tuple[str, ...]) -> str | None:
    """The project's metric when its label-free estimate can name a drop (accuracy and
    error are already tested through the confidence map)."""
    metric = _project_metric(project)
    plain = ("accuracy", "error", "1-accuracy")
    return metric if metric in metrics and metric not in plain else None


def _label_metric(project: Project) -> str | None:
    """The project's metric, measured on labelled rows (accuracy is measured anyway)."""
    metric = _project_metric(project)
    return None if metric in (None, "accuracy", "error") else metric


def _metric_estimation(project: Project, preds, random_state: int):
    """The dev-fitted class calibration (binary), the metrics estimated without labels
    (the project's metric first, then F1, precision, recall and error) and the reasons
    the project's metric is not, when it is not."""
    metric = _project_metric(project)
    skipped: dict[str, str] = {}
    why = not_estimated_reason(metric, preds.task) if metric else None
    if why and metric not in ("accuracy", "error"):  # accuracy: the confidence map's
        skipped[metric] = why
    if preds.task != "binary" or "dev" not in preds.splits:
        return None, (), skipped
    dev = preds.split("dev")
    positive = str(dev.classes[-1])  # the positive class, as the metric registry takes it
    score = dev.proba()[:, -1]
    truth = dev.frame["label"].astype(str).to_numpy() == positive
    predicted = dev.frame["pred"].astype(str).to_numpy() == positive
    calibration = ClassCalibration.fit(
        score, truth, predicted, positive=positive, random_state=random_state
    )
    first = [metric] if metric and why is None else []
    metrics = tuple(dict.fromkeys([*first, "f1", "precision", "recall", "error"]))
    return calibration, metrics, skipped


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV or Parquet file as a frame (one-line error naming the file otherwise)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found.")
    try:
        frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: cannot read it ({exc}); give a CSV or Parquet table.") from None
    frame.attrs["source"] = str(path)
    return frame


def monitor_project(
    project: Project,
    *,
    log_path: str | Path | None = None,
    window: str = "1d",
    run: str | None = None,
    labels: str | Path | pd.DataFrame | None = None,
    time_column: str | None = None,
    id_column: str | None = None,
    reference_split: str = "train",
    alpha: float = 0.05,
    save: bool = True,
    random_state: int = 0,
) -> tuple[MonitorResult, ProjectReference]:
    """Monitor the project's request log (or ``log_path``) against its deployed model."""
    ref = project_reference(project, run=run, split=reference_split, random_state=random_state)
    source = Path(log_path) if log_path is not None else project.paths.request_log
    if log_path is not None and not source.exists():
        raise DataError(
            f"{source}: file not found; give the request log folder or a CSV/Parquet table."
        )
    if not source.exists():
        raise DataError(
            f"{source}: no request log; serve the model ('yearn serve') or pass --log with a "
            "CSV/Parquet table of production inputs and a timestamp column."
        )
    label_frame = read_table(labels) if isinstance(labels, str | Path) else labels
    label_column = project.config.label_column if project.has_config else "label"
    if label_frame is not None and label_column not in label_frame and "label" in label_frame:
        label_column = "label"
    result = monitor(
        ref.reference,
        source,
        window=window,
        time_column=time_column,
        labels=label_frame,
        id_column=id_column,
        label_column=label_column,
        confidence_map=ref.confidence_map,
        class_calibration=ref.class_calibration,
        metrics=ref.metrics,
        not_estimated=ref.not_estimated,
        verdict_metric=_drop_metric(project, ref.metrics),
        label_metric=_label_metric(project),
        alpha=alpha,
        random_state=random_state,
    )
    if ref.media:  # said for every project with image / text inputs, logged or not
        result.excluded.update(ref.media)
        result.notes.append(
            f"{', '.join(ref.media)}: image / text inputs are monitored only through the "
            "predictions; no drift statistic compares their content with training"
        )
    result.settings.update(
        {
            "run_id": ref.run_id,
            "run_chosen": ref.chosen,
            "reference_split": ref.split,
            "log": str(source),
            "metric": project.config.metric.optimizing if project.has_config else None,
        }
    )
    if save:
        from yearn._io import atomic_write_text

        result.save(project.paths.monitor / RESULT_FILE)
        atomic_write_text(project.paths.monitor / RESULT_HTML, result._repr_html_())
    return result, ref


def monitoring_html(project: Project) -> str | None:
    """The last monitoring result as HTML (as drawn when it ran) with the deployed
    model's lineage; None when monitoring never ran and nothing was deployed."""
    from html import escape

    from yearn.display import html_table

    path = project.paths.monitor / RESULT_HTML
    saved = load_saved(project)
    history = []
    if project.has_store:
        with project.store() as store:
            history = store.deployments()
    if saved is None and not history:
        return None
    parts = []
    if saved is not None:
        s = saved["settings"]
        attention = "needs attention" if saved["needs_attention"] else "all windows ok"
        parts.append(
            f"<p><b>{escape(attention)}</b>: {len(saved['windows'])} windows of "
            f"{escape(str(s.get('log', '')))} against run {escape(str(s.get('run_id', '')))} "
            f"(window {escape(str(s.get('window')))}, false-alarm rate per window "
            f"{s.get('alpha')})</p>"
        )
        parts.append(path.read_text(encoding="utf-8") if path.is_file() else "")
    if history:
        rows = [
            {
                "deployed at": d.deployed_at.strftime("%Y-%m-%d %H:%M"),
                "run": d.run_id,
                "parent": d.parent_run_id or "—",
                "data fingerprint": (d.data_fingerprint or "—")[:12],
                "export": d.export_path or "—",
                "reason": d.reason,
            }
            for d in history
        ]
        parts.append(str(html_table(rows, caption="Deployed models, newest first (lineage)")))
    return "".join(parts)


def load_saved(project: Project) -> dict | None:
    """The last saved monitoring result (``None`` when monitoring never ran)."""
    import json

    path = project.paths.monitor / RESULT_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError(f"{path}: unreadable ({exc}); run 'yearn monitor' again.") from None
