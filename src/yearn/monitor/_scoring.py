"""Predictions of a saved training run on any rows of the project's dataset (its own
``prep/`` state and weights; nothing refitted), as a predictions table."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import TrainingError

__all__ = ["run_proba", "score_run", "with_predictions"]


def _prep_dir(store: Any, run_id: str):
    names = [a.name for a in store.artifacts(run_id) if a.name.startswith("prep/")]
    if not names:
        return None
    return store.artifact_path(run_id, names[0]).parent


def run_proba(project: Any, run_id: str, frame: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """``(classes, probabilities)`` of run ``run_id`` on the rows of ``frame`` (the
    project's input columns; image paths absolute, as in the project's Dataset)."""
    import torch

    from yearn.train import load_model, outputs_to_proba, predict_outputs

    config = project.require_config()
    with project.require_store() as store:
        summary = json.loads(store.artifact_path(run_id, "train_summary.json").read_text("utf-8"))
        model = load_model(store, run_id)
        folder = _prep_dir(store, run_id)
    if config.image_column:
        from yearn.data import load_images
        from yearn.prep import ImageNormalizer

        x = np.asarray(load_images(list(frame[config.image_column])), dtype=np.float32)
        if folder is not None:
            x = ImageNormalizer.load(folder).transform(x)
    else:
        from yearn.prep import TabularPreprocessor

        if folder is None:
            raise TrainingError(f"run {run_id} saved no prep/ state; retrain it to score new rows.")
        prep = TabularPreprocessor.load(folder)
        x = prep.transform(frame[list(prep.feature_names_in_)])
        x = x.toarray() if hasattr(x, "toarray") else x
    out = predict_outputs(model, torch.as_tensor(np.asarray(x, dtype=np.float32)))
    proba = outputs_to_proba(out.cpu().numpy().astype(np.float64), summary["task"], summary["loss"])
    return [str(c) for c in summary["classes"]], proba


def with_predictions(project: Any, run_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus ``pred`` and ``proba:<class>`` columns of run ``run_id``."""
    classes, proba = run_proba(project, run_id, frame)
    out = frame.copy()
    out["pred"] = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    for j, c in enumerate(classes):
        out[f"proba:{c}"] = proba[:, j]
    return out


def score_run(
    project: Any, run_id: str, dataset: Any, rows: np.ndarray, split: str
) -> pd.DataFrame:
    """Predictions table (id, split, label, pred, proba:<class>) of run ``run_id`` on
    ``rows`` of ``dataset``."""
    part = dataset.frame.iloc[rows]
    classes, proba = run_proba(project, run_id, part)
    frame = pd.DataFrame(
        {
            "id": part[dataset.id_column].astype(str).to_numpy(),
            "split": split,
            "label": part[dataset.label_columns[0]].astype(str).to_numpy(),
            "pred": np.asarray(classes, dtype=object)[proba.argmax(axis=1)],
        }
    )
    for j, c in enumerate(classes):
        frame[f"proba:{c}"] = proba[:, j]
    return frame
