"""Baselines on a project: its data, its split manifest, and runs in its run store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn.baselines._core import EVAL_SPLITS, BaselineReport, fit_baselines, score_tables
from yearn.errors import DataError
from yearn.paths import PREDICTIONS_ARTIFACT

__all__ = ["load_baselines", "project_features", "run_baselines"]

PREDICTIONS_NAME = PREDICTIONS_ARTIFACT


def project_features(dataset: Any, *, image_size: int = 32) -> pd.DataFrame | np.ndarray:
    """The inputs of the baselines: feature and text columns as they are (the pipelines
    impute, scale, one-hot encode and TF-IDF them), or flattened grey pixels for an image
    project."""
    if dataset.image_column is not None:
        from yearn.data import load_images

        pixels = load_images(dataset.frame[dataset.image_column].tolist(), size=image_size)
        return pixels.reshape(len(pixels), -1)
    columns = list(dict.fromkeys([*dataset.feature_columns, *dataset.text_columns]))
    if not columns:
        raise DataError(
            "the project has no feature columns for the baselines (only ids, labels and "
            "metadata); name them in yearn.toml project.feature_columns."
        )
    return dataset.frame[columns]


def _metrics_to_log(
    report: BaselineReport, name: str, table: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """Per split: the metric, its error form under its own name (``1-f1``) and, for
    classification, the misclassification ``error`` that the diagnosis and report read."""
    from yearn.metrics import get_metric, score_predictions
    from yearn.predictions import load_predictions

    m = get_metric(report.metric)
    preds = load_predictions(table, task=report.task)
    out = {}
    for _, row in report.scores[report.scores["baseline"] == name].iterrows():
        values = {m.name: float(row["value"]), m.error_name: float(row["error"])}
        if report.task != "regression" and "error" not in values:
            values["error"] = score_predictions(preds.split(str(row["split"])), "error")
        out[str(row["split"])] = values
    return out


def _record(
    root: Path, store_url: str | None, report: BaselineReport, config: dict[str, Any]
) -> dict[str, str]:
    """Record one run of kind ``baseline`` per baseline, with metrics and predictions."""
    from yearn.predictions import write_predictions
    from yearn.store import open_store

    store = open_store(root, url=store_url)
    run_ids = {}
    try:
        for name, table in report.tables.items():
            kind = str(report.scores.loc[report.scores["baseline"] == name, "kind"].iloc[0])
            run_config = {**config, "baseline": name, "baseline_kind": kind}
            with store.run(name=f"baseline:{name}", kind="baseline", config=run_config) as run:
                for split, values in _metrics_to_log(report, name, table).items():
                    run.log_metrics(values, split=split)
                path = write_predictions(table, run.artifact_dir / PREDICTIONS_NAME)
                run.log_artifact(path, name=PREDICTIONS_NAME)
                run_ids[name] = run.id
    finally:
        store.close()
    return run_ids


def run_baselines(
    project: str | Path = ".",
    *,
    metric: str | None = None,
    baselines: Sequence[str] | None = None,
    random_state: int | None = 0,
    record: bool = True,
    store_url: str | None = None,
    image_size: int = 32,
    keep: Sequence[str] = (),
) -> BaselineReport:
    """Fit the baselines on the project's train split and score train, train-dev and dev.

    Reads ``yearn.toml``, the data and the split manifest (``yearn split`` first); test is
    never loaded into the baselines. Each baseline is recorded as a run of kind
    ``baseline`` with its metrics per split and its predictions table as artefact.
    ``metric`` defaults to the project's optimising metric. Columns the data profile flags
    as leaky or id-like are left out of the features unless named in ``keep``
    (:func:`yearn.profile.screened_dataset`); each run records the columns it used.
    """
    from yearn.config import load_config
    from yearn.profile import screened_dataset
    from yearn.splits import load_manifest

    config = load_config(project)
    root = config.root
    manifest = load_manifest(root)
    dataset = screened_dataset(config, keep=keep)
    where = manifest.indices(dataset.ids)
    keep = np.concatenate([where[s] for s in EVAL_SPLITS])
    if where["train"].size == 0:
        raise DataError(f"{root}: the split manifest puts no example in train; redraw the split.")
    sub = dataset.subset(np.sort(keep))
    split_of = manifest.split_of(sub.ids)
    X = project_features(sub, image_size=image_size)
    labels = sub.labels
    splits = {}
    for s in EVAL_SPLITS:
        rows = np.flatnonzero(split_of == s)
        if rows.size:
            Xs = X.iloc[rows] if isinstance(X, pd.DataFrame) else X[rows]
            splits[s] = (Xs, labels[rows], sub.ids[rows])
    report = fit_baselines(
        splits,
        task=config.task,
        metric=metric or config.metric.optimizing,
        classes=dataset.classes or None,
        tasks=config.label_columns if config.task == "multilabel" else None,
        baselines=baselines,
        random_state=random_state,
        text_columns=() if dataset.image_column is not None else dataset.text_columns,
    )
    if not record:
        return report
    run_config = {
        "project": config.name,
        "metric": report.metric,
        "random_state": random_state,
        "split_sha256": manifest.sha256,
        "sizes": {s: len(v[1]) for s, v in splits.items()},
        "columns": list(dataset.input_columns),
        "excluded_columns": dict(dataset.excluded_features),
    }
    return replace(report, run_ids=_record(root, store_url, report, run_config))


def load_baselines(
    project: str | Path = ".",
    *,
    metric: str | None = None,
    store_url: str | None = None,
    missing_ok: bool = False,
) -> BaselineReport | None:
    """The baselines already recorded in the project's run store (the newest run of each),
    scored from their predictions tables with ``metric`` (default: the project's).

    A note says so when they were fitted on another split manifest than the current one.
    Without any baseline run: None with ``missing_ok``, else a DataError.
    """
    from yearn.config import load_config
    from yearn.splits import load_manifest, manifest_path
    from yearn.store import open_store

    config = load_config(project)
    store = open_store(config.root, url=store_url)
    try:
        newest: dict[str, Any] = {}
        for run in store.list_runs(kind="baseline", status="completed"):  # newest first
            newest.setdefault(run.name.removeprefix("baseline:"), run)
        if not newest and missing_ok:
            return None
        if not newest:
            raise DataError(
                f"{config.root}: no baseline runs in the run store yet; run 'yearn baseline' first."
            )
        tables, kinds, run_ids, shas = {}, {}, {}, set()
        for name, run in reversed(list(newest.items())):  # oldest first, as fitted
            tables[name] = pd.read_parquet(store.artifact_path(run.id, PREDICTIONS_NAME))
            kinds[name] = str(run.config.get("baseline_kind", "?"))
            run_ids[name] = run.id
            shas.add(run.config.get("split_sha256"))
    finally:
        store.close()
    note = ""
    current = load_manifest(config.root).sha256 if manifest_path(config.root).exists() else None
    if shas != {current}:
        note = (
            "the stored baselines were fitted on another split manifest than the current one; "
            "run 'yearn baseline' again to refit them."
        )
    return score_tables(
        tables,
        kinds,
        task=config.task,
        metric=metric or config.metric.optimizing,
        run_ids=run_ids,
        note=note,
    )
