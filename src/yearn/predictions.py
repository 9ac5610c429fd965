"""The predictions table: what every analysis reads (never a model).

One row per example and model. Columns:

- ``id`` — the example's id (unique per model);
- ``split`` — one of ``train``, ``train_dev``, ``dev``, ``test``;
- ``label`` — the true label (classification or regression);
- ``pred`` — the predicted label or value (derived from the probabilities when absent);
- ``proba:<class>`` — one column per class with the predicted probability;
- multi-label: ``label:<task>`` (1, 0 or empty when unknown), ``proba:<task>`` and
  optionally ``pred:<task>`` instead of the single-label columns;
- ``model`` — optional, the model's name when the table holds several;
- any other column is metadata (blur, source, user, ...).

Parquet or CSV. :func:`load_predictions` validates a file or DataFrame and returns a
:class:`Predictions` whose errors name the file, column, row and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from yearn._io import csv_duplicate_columns
from yearn.errors import PredictionsError

__all__ = [
    "SPLITS",
    "Predictions",
    "load_predictions",
    "peek_columns",
    "write_predictions",
]

SPLITS = ("train", "train_dev", "dev", "test")
_RESERVED = ("id", "split", "label", "pred", "model")
_PROBA_TOL = 1e-3


@dataclass(frozen=True)
class Predictions:
    """A validated predictions table.

    ``task`` is ``binary``, ``multiclass``, ``multilabel`` or ``regression``; ``classes``
    (classification) are the class names as strings in column order; ``tasks``
    (multi-label) are the task names.
    """

    frame: pd.DataFrame
    task: str
    classes: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    source: str = "<DataFrame>"

    # -- structure -------------------------------------------------------------------
    @property
    def metadata_columns(self) -> tuple[str, ...]:
        """Columns that are neither reserved nor label/prediction/probability columns."""
        return tuple(
            c
            for c in self.frame.columns
            if c not in _RESERVED and not c.startswith(("proba:", "label:", "pred:"))
        )

    @property
    def models(self) -> tuple[str, ...]:
        if "model" not in self.frame:
            return ()
        return tuple(pd.unique(self.frame["model"].astype(str)))

    @property
    def splits(self) -> tuple[str, ...]:
        """The splits present, in ladder order."""
        present = set(pd.unique(self.frame["split"]))
        return tuple(s for s in SPLITS if s in present)

    def __len__(self) -> int:
        return len(self.frame)

    def _replace(self, frame: pd.DataFrame) -> Predictions:
        return Predictions(
            frame.reset_index(drop=True), self.task, self.classes, self.tasks, self.source
        )

    def split(self, name: str) -> Predictions:
        """The rows of one split (raises when the split is absent)."""
        if name not in SPLITS:
            raise PredictionsError(f"unknown split {name!r}; splits are {', '.join(SPLITS)}.")
        rows = self.frame[self.frame["split"] == name]
        if rows.empty:
            raise PredictionsError(
                f"{self.source}: no rows with split = {name!r}; the table has "
                f"{', '.join(self.splits) or 'none'}."
            )
        return self._replace(rows)

    def for_model(self, name: str) -> Predictions:
        """The rows of one model (when the table has a ``model`` column)."""
        if "model" not in self.frame:
            raise PredictionsError(f"{self.source}: no 'model' column to select {name!r} from.")
        rows = self.frame[self.frame["model"].astype(str) == str(name)]
        if rows.empty:
            raise PredictionsError(
                f"{self.source}: no rows for model {name!r}; models are {', '.join(self.models)}."
            )
        return self._replace(rows)

    # -- arrays ----------------------------------------------------------------------
    @property
    def ids(self) -> np.ndarray:
        return self.frame["id"].to_numpy()

    def proba(self) -> np.ndarray:
        """Probabilities, shape (n, n_classes) or (n, n_tasks) for multi-label."""
        names = self.tasks if self.task == "multilabel" else self.classes
        if not names:
            raise PredictionsError(f"{self.source}: this table has no 'proba:' columns.")
        return self.frame[[f"proba:{c}" for c in names]].to_numpy(dtype=float)

    def label_indices(self) -> np.ndarray:
        """Labels as indices into ``classes`` (classification only)."""
        return _indices(self.frame["label"], self.classes, "label", self.source)

    def pred_indices(self) -> np.ndarray:
        """Predictions as indices into ``classes`` (classification only)."""
        return _indices(self.frame["pred"], self.classes, "pred", self.source)

    def multilabel_labels(self) -> np.ndarray:
        """Labels of a multi-label table, shape (n, n_tasks), NaN where unknown."""
        return self.frame[[f"label:{t}" for t in self.tasks]].to_numpy(dtype=float)

    def correct(self) -> np.ndarray:
        """Boolean array: prediction equals label (classification only)."""
        if self.task in ("regression", "multilabel"):
            raise PredictionsError(
                f"right/wrong is defined for single-label classification; this table is "
                f"{self.task}."
            )
        return (
            self.frame["pred"].astype(str).to_numpy() == self.frame["label"].astype(str).to_numpy()
        )

    def error_rate(self) -> float:
        """Share of rows whose prediction differs from the label."""
        return float(1.0 - self.correct().mean()) if len(self) else float("nan")


def _indices(values: pd.Series, classes: tuple[str, ...], column: str, source: str) -> np.ndarray:
    as_str = values.astype(str)
    out = pd.Index(list(classes)).get_indexer(as_str).astype(np.int64)
    bad = np.flatnonzero(out < 0)
    if bad.size:
        row = int(bad[0])
        value = as_str.iloc[row]
        raise PredictionsError(
            f"{source}: row {row + 2}: {column} {value!r} has no 'proba:{value}' "
            f"column; classes are {', '.join(classes)}. Add the column or fix the {column}."
        )
    return out


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise PredictionsError(f"{path}: file not found; give the path of a predictions table.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".csv", ".txt"):
            frame = pd.read_csv(path, keep_default_na=True)
            duplicated = csv_duplicate_columns(path)
            if duplicated:
                raise PredictionsError(
                    f"{path}: duplicate column name(s) {', '.join(map(repr, duplicated))} in "
                    "the header; every column needs its own name."
                )
            return frame
    except PredictionsError:
        raise
    except Exception as exc:
        raise PredictionsError(
            f"{path}: cannot read it as {suffix[1:]} ({type(exc).__name__}: {exc}); "
            "check that the file is a valid, complete CSV or Parquet table."
        ) from None
    raise PredictionsError(f"{path}: unknown extension {suffix!r}; use .parquet or .csv.")


def peek_columns(table: str | Path | pd.DataFrame) -> list[str] | None:
    """Column names of a table without loading its rows (None when it cannot be read:
    :func:`load_predictions` then says why)."""
    if isinstance(table, pd.DataFrame):
        return [str(c) for c in table.columns]
    path = Path(table)
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if path.suffix.lower() in (".csv", ".txt"):
            return [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except (OSError, ValueError):  # missing, unreadable or malformed (Arrow, CSV, unicode)
        return None
    return None


def load_predictions(table: str | Path | pd.DataFrame, *, task: str | None = None) -> Predictions:
    """Load and validate a predictions table (file path or DataFrame).

    ``task`` is inferred when omitted: ``label:`` columns → multilabel; ``proba:``
    columns → binary (2 classes) or multiclass; otherwise regression.
    """
    if isinstance(table, Predictions):
        return table
    if isinstance(table, pd.DataFrame):
        frame, source = table.copy(), "<DataFrame>"
    else:
        path = Path(table)
        frame, source = _read(path), str(path)
    frame.columns = [str(c) for c in frame.columns]
    if frame.empty:
        raise PredictionsError(f"{source}: the predictions table has no rows.")
    for col in ("id", "split"):
        if col not in frame:
            raise PredictionsError(
                f"{source}: missing column {col!r}; a predictions table needs id, split, "
                "label (or label:<task>) and pred or proba:<class> columns."
            )
    frame["split"] = frame["split"].astype(str).str.strip().str.replace("-", "_")
    bad = ~frame["split"].isin(SPLITS)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise PredictionsError(
            f"{source}: row {row + 2}: split {frame['split'].iloc[row]!r} is not one of "
            f"{', '.join(SPLITS)}."
        )
    key = ["id", "model"] if "model" in frame else ["id"]
    dup = frame.duplicated(subset=key)
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise PredictionsError(
            f"{source}: row {row + 2}: id {frame['id'].iloc[row]!r} appears twice"
            + (" for the same model" if "model" in frame else "")
            + "; ids must be unique (add a 'model' column for several models)."
        )

    label_tasks = tuple(c[6:] for c in frame.columns if c.startswith("label:"))
    probas = tuple(c[6:] for c in frame.columns if c.startswith("proba:"))
    if task is None:
        if label_tasks:
            task = "multilabel"
        elif probas:
            task = "binary" if len(probas) == 2 else "multiclass"
        else:
            task = _infer_task_without_proba(frame)

    if task == "multilabel":
        return _validate_multilabel(frame, label_tasks, source)
    if "label" not in frame:
        raise PredictionsError(f"{source}: missing column 'label' (the true label).")
    _no_missing(frame, "label", source)
    if task == "regression":
        for col in ("label", "pred"):
            if col not in frame:
                raise PredictionsError(f"{source}: missing column {col!r} for a regression table.")
            frame[col] = _numeric(frame[col], col, source)
        return Predictions(frame, "regression", source=source)

    if not probas and "pred" not in frame:
        raise PredictionsError(
            f"{source}: give a 'pred' column or 'proba:<class>' columns (one per class)."
        )
    if probas:
        p = np.column_stack([_numeric(frame[f"proba:{c}"], f"proba:{c}", source) for c in probas])
        if (p < -_PROBA_TOL).any() or (p > 1 + _PROBA_TOL).any():
            row = int(np.flatnonzero(((p < 0) | (p > 1)).any(axis=1))[0])
            raise PredictionsError(
                f"{source}: row {row + 2}: probabilities must lie in [0, 1]; got "
                f"{p[row].round(4).tolist()}."
            )
        sums = p.sum(axis=1)
        off = np.abs(sums - 1.0) > _PROBA_TOL
        if off.any():
            row = int(np.flatnonzero(off)[0])
            raise PredictionsError(
                f"{source}: row {row + 2}: the proba: columns sum to {sums[row]:.4f}, not 1; "
                "pass softmax probabilities (not logits or scores) for every class."
            )
        if "pred" not in frame:
            frame["pred"] = np.asarray(probas, dtype=object)[p.argmax(axis=1)]
        classes = probas
    else:
        classes = tuple(sorted(pd.unique(frame[["label", "pred"]].astype(str).to_numpy().ravel())))
    _no_missing(frame, "pred", source)
    preds = Predictions(frame, task, classes=tuple(classes), source=source)
    preds.label_indices()  # every label must be a known class
    if probas:
        preds.pred_indices()
    return preds


def _infer_task_without_proba(frame: pd.DataFrame) -> str:
    """Regression when label and pred are numbers and some are not whole; else classes."""
    cols = [c for c in ("label", "pred") if c in frame]
    values = [pd.to_numeric(frame[c], errors="coerce") for c in cols]
    if not cols or any(v.isna().any() for v in values):
        n_classes = frame[cols].astype(str).stack().nunique() if cols else 0
        return "binary" if n_classes <= 2 else "multiclass"
    if any((v % 1 != 0).any() for v in values):
        return "regression"
    n_classes = pd.concat(values).nunique()
    return "binary" if n_classes <= 2 else "multiclass"


def _validate_multilabel(frame: pd.DataFrame, tasks: tuple[str, ...], source: str) -> Predictions:
    if not tasks:
        raise PredictionsError(f"{source}: a multi-label table needs label:<task> columns.")
    for t in tasks:
        if f"proba:{t}" not in frame:
            raise PredictionsError(f"{source}: label:{t} has no matching proba:{t} column.")
        lab = pd.to_numeric(frame[f"label:{t}"], errors="coerce")
        raw_missing = frame[f"label:{t}"].isna() | (
            frame[f"label:{t}"].astype(str).str.strip() == ""
        )
        bad = lab.isna() & ~raw_missing | ~lab.isna() & ~lab.isin([0, 1])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise PredictionsError(
                f"{source}: row {row + 2}: label:{t} is {_show(frame[f'label:{t}'].iloc[row])}; "
                "multi-label labels are 1, 0 or empty (unknown)."
            )
        if lab.isna().all():
            raise PredictionsError(
                f"{source}: every label of task {t!r} is missing; drop the task or label some rows."
            )
        frame[f"label:{t}"] = lab.astype(float)
        frame[f"proba:{t}"] = _numeric(frame[f"proba:{t}"], f"proba:{t}", source)
    return Predictions(frame, "multilabel", tasks=tasks, source=source)


def _no_missing(frame: pd.DataFrame, col: str, source: str) -> None:
    missing = frame[col].isna()
    if not pd.api.types.is_numeric_dtype(frame[col]):
        missing |= frame[col].astype(str).str.strip() == ""
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0])
        raise PredictionsError(
            f"{source}: row {row + 2}: column {col!r} is empty; every row needs a {col}."
        )


def _numeric(values: pd.Series, col: str, source: str) -> np.ndarray:
    num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(num)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise PredictionsError(
            f"{source}: row {row + 2}: column {col!r} holds {_show(values.iloc[row])}, not a "
            "finite number."
        )
    return num


def _show(value: object) -> str:
    """A cell value as a user would write it (no numpy reprs)."""
    return repr(value.item()) if isinstance(value, np.generic) else repr(value)


def write_predictions(preds: Predictions | pd.DataFrame, path: str | Path) -> Path:
    """Write a predictions table atomically (Parquet or CSV by extension)."""
    from yearn._io import atomic_write

    frame = preds.frame if isinstance(preds, Predictions) else preds
    path = Path(path)
    with atomic_write(path) as tmp:
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
    return path
