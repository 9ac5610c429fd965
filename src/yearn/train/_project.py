"""Training on a project folder: yearn.toml + data + split manifest + run store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yearn.train._callbacks import Callback
from yearn.train._data import TrainData, make_train_data
from yearn.train._fit import FitResult, fit
from yearn.train._lr_find import LRFindResult, lr_find
from yearn.train._scale_up import ScaleUpResult, scale_up

__all__ = ["lr_find_project", "project_data", "scale_up_project", "train_project"]


def project_data(
    project: str | Path,
    store_url: str | None = None,
    *,
    keep: Sequence[str] = (),
    only: Sequence[str] | None = None,
) -> tuple[Any, TrainData, Any]:
    """(config, prepared data, run store) of a project folder (``store_url`` overrides
    ``store.url`` of yearn.toml). The features are screened
    (:func:`yearn.profile.screened_dataset`): columns the data profile flags as leaky or
    id-like are left out unless ``keep`` (or ``[features] keep``) names them. ``only``
    names the splits to prepare (default: all; the preprocessor is fitted on train
    either way, so "train" must be among them)."""
    from yearn.config import load_config
    from yearn.profile import screened_dataset
    from yearn.splits import load_manifest
    from yearn.store import open_store

    config = load_config(project)
    dataset = screened_dataset(config, keep=keep)
    manifest = load_manifest(config.root)
    splits: Any = manifest
    if only is not None:
        found = manifest.indices(dataset.ids)
        splits = {s: i for s, i in found.items() if s in only and len(i)}
    data = make_train_data(dataset, splits=splits)
    return config, data, open_store(config.root, url=store_url)


def _metric(config: Any, params: dict[str, Any]) -> None:
    params.setdefault("metric", config.metric.optimizing)


def train_project(
    project: str | Path,
    model: str = "mlp",
    *,
    include_test: bool = False,
    resume: str | None = None,
    callbacks: Sequence[Callback] = (),
    store_url: str | None = None,
    keep: Sequence[str] = (),
    **params: Any,
) -> FitResult:
    """Train on the project's train split, curves on train-dev and dev; one run. Columns
    the data profile flags as leaky or id-like are left out of the features unless named
    in ``keep`` (see :func:`project_data`); the run records the columns it used."""
    config, data, store = project_data(project, store_url, keep=keep)
    _metric(config, params)
    tracking = []
    if config.tracking.mlflow:  # [tracking] mlflow: log to MLflow while training
        from yearn.train._mlflow import MLflowLogger

        tracking = [MLflowLogger(config.tracking.mlflow, experiment=config.name, run_name=model)]
    result = fit(
        model,
        data,
        store=store,
        run_name=model,
        resume=resume or False,
        include_test=include_test,
        callbacks=[*callbacks, *tracking],
        **params,
    )
    for logger in tracking:
        logger.log_run_files(Path(store.artifact_root) / str(result.run_id), result.run_id)
    return result


def lr_find_project(
    project: str | Path,
    model: str = "mlp",
    *,
    store_url: str | None = None,
    keep: Sequence[str] = (),
    **params: Any,
) -> tuple[LRFindResult, str]:
    """Run the range test on the project; the plot and curve become artefacts of a run.
    ``keep``: flagged columns to keep as features (see :func:`project_data`)."""
    _, data, store = project_data(project, store_url, keep=keep)
    used = {"columns": list(data.columns), "excluded_columns": dict(data.excluded_columns)}
    with store.run(
        name=f"lr-find {model}", kind="lr_find", config={"model": model, **params, **used}
    ) as run:
        result = lr_find(model, data, **params)
        result.plot(run.artifact_dir / "lr_find.png")
        run.log_artifact(run.artifact_dir / "lr_find.png", name="lr_find.png")
        run.log_artifact(json.dumps(result.to_dict(), indent=2).encode(), name="lr_find.json")
        run.log_metric("suggested_lr", result.suggestion)
        return result, run.id


def scale_up_project(
    project: str | Path,
    model: str = "mlp",
    *,
    store_url: str | None = None,
    keep: Sequence[str] = (),
    **params: Any,
) -> ScaleUpResult:
    """Scale up with the project's human-level error; each step is a train run.
    ``keep``: flagged columns to keep as features (see :func:`project_data`)."""
    config, data, store = project_data(project, store_url, keep=keep)
    _metric(config, params)
    params.setdefault("human_level_error", config.metric.human_level_for(params.get("metric")))
    return scale_up(data, model=model, store=store, **params)
