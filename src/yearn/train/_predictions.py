"""Build the predictions table of a trained model (see ``yearn.predictions``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from yearn.predictions import SPLITS
from yearn.train._data import TrainData

__all__ = ["predictions_frame"]


def _text(values: Any, codes: np.ndarray) -> Any:
    """``values[codes]`` as a pandas string array: taken from the few distinct strings,
    5-10x faster than converting an object array of Python strings row by row."""
    return pd.array([str(v) for v in values], dtype="str").take(np.asarray(codes, dtype=np.intp))


def split_frame(data: TrainData, split: str, proba: np.ndarray) -> pd.DataFrame:
    """One split's rows: id, split, label(s), pred(s), proba columns, then metadata.

    ``proba`` is (N, classes) probabilities, (N, tasks) for multi-label, (N,) values for
    regression.
    """
    part = data.splits[split]
    cols: dict[str, object] = {"id": part.ids, "split": _text([split], np.zeros(len(part), int))}
    if data.task == "regression":
        cols["label"] = part.y.astype(float)
        cols["pred"] = np.asarray(proba, dtype=float).reshape(-1)
    elif data.task == "multilabel":
        for j, name in enumerate(data.classes):
            cols[f"label:{name}"] = part.y[:, j].astype(float)
            cols[f"proba:{name}"] = proba[:, j]
            cols[f"pred:{name}"] = (proba[:, j] >= 0.5).astype(int)
    else:
        cols["label"] = _text(data.classes, part.y)
        cols["pred"] = _text(data.classes, proba.argmax(axis=1))
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
