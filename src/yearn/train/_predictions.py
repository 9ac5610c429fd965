"""Build the predictions table of a trained model (see ``yearn.predictions``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yearn.predictions import SPLITS
from yearn.train._data import TrainData

__all__ = ["predictions_frame"]


def split_frame(data: TrainData, split: str, proba: np.ndarray) -> pd.DataFrame:
    """One split's rows: id, split, label(s), pred(s), proba columns, then metadata.

    ``proba`` is (N, classes) probabilities, (N, tasks) for multi-label, (N,) values for
    regression.
    """
    part = data.splits[split]
    cols: dict[str, object] = {"id": part.ids, "split": np.full(len(part), split, dtype=object)}
    if data.task == "regression":
        cols["label"] = part.y.astype(float)
        cols["pred"] = np.asarray(proba, dtype=float).reshape(-1)
    elif data.task == "multilabel":
        for j, name in enumerate(data.classes):
            cols[f"label:{name}"] = part.y[:, j].astype(float)
            cols[f"proba:{name}"] = proba[:, j]
            cols[f"pred:{name}"] = (proba[:, j] >= 0.5).astype(int)
    else:
        names = np.asarray(data.classes, dtype=object)
        cols["label"] = names[part.y]
        cols["pred"] = names[proba.argmax(axis=1)]
        p = proba / proba.sum(axis=1, keepdims=True)
        for j, name in enumerate(data.classes):
            cols[f"proba:{name}"] = p[:, j]
    frame = pd.DataFrame(cols)
    for col in part.meta.columns:
        if col not in frame:
            frame[col] = part.meta[col].to_numpy()
    return frame


def predictions_frame(
    data: TrainData, probas: dict[str, np.ndarray], *, model_name: str | None = None
) -> pd.DataFrame:
    """Concatenate the splits (in ladder order) into one predictions table."""
    parts = [split_frame(data, s, probas[s]) for s in SPLITS if s in probas]
    frame = pd.concat(parts, ignore_index=True)
    if model_name is not None:
        frame.insert(2, "model", model_name)
    return frame
