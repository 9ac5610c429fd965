"""What export reads from a project: a train run's model, fitted preprocessing, settings,
and the raw rows of each split (for the schema, the fingerprint and the parity check)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import DataError, StoreError
from yearn.project import Project
from yearn.ship._schema import ColumnSpec, Schema

__all__ = ["RunSource", "load_run_source"]


@dataclass
class RunSource:
    """A train run ready to export."""

    run_id: str
    run_name: str
    summary: dict[str, Any]
    network: Any  # torch.nn.Module (eval)
    prep: Any  # TabularPreprocessor | ImageNormalizer
    schema: Schema
    frames: dict[str, pd.DataFrame]  # split → raw rows (schema columns + passthrough)
    labels: dict[str, np.ndarray]  # split → label strings (or floats / (N, T) multi-label)
    ids: dict[str, np.ndarray]
    fingerprint: dict[str, Any]
    id_column: str | None = None
    #: split → the project's group id of each row (None without a group column): rows of
    #: one group have correlated errors, so intervals resample groups
    groups: dict[str, np.ndarray] | None = None

    @property
    def task(self) -> str:
        return str(self.summary["task"])

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.summary.get("classes", [])]


def _load_prep(store: Any, run_id: str) -> Any:
    names = {a.name for a in store.artifacts(run_id)}
    if "prep/prep.json" in names:
        from yearn.prep import TabularPreprocessor

        folder = store.artifact_path(run_id, "prep/prep.json").parent
        store.artifact_path(run_id, "prep/prep.safetensors")  # sha256 check
        return TabularPreprocessor.load(folder)
    if "prep/image_norm.json" in names:
        from yearn.prep import ImageNormalizer

        return ImageNormalizer.load(store.artifact_path(run_id, "prep/image_norm.json").parent)
    raise StoreError(
        f"run {run_id} saved no fitted preprocessing (prep/); export needs a run of "
        "'yearn train' on a project."
    )


def _schema(prep: Any, dataset: Any, summary: dict[str, Any]) -> Schema:
    frame = dataset.frame
    # every other column of the training data: known, carried or ignored, never an error
    inputs = set(getattr(prep, "feature_names_in_", ())) | {dataset.image_column}
    passthrough = tuple(
        str(c) for c in frame.columns if c not in inputs and c not in ("source", "role")
    )
    if hasattr(prep, "mean_"):
        column = dataset.image_column
        c, h, w = (int(v) for v in summary["input_shape"])
        return Schema((ColumnSpec(column, "image", height=h, width=w, channels=c),), passthrough)
    columns = []
    for name in prep.numeric_columns_:
        if pd.api.types.is_datetime64_any_dtype(frame[name]):
            raise DataError(
                f"column {name!r} is a date-time; export takes numbers, categories and images "
                "— turn it into a number in the data (e.g. days since a date) and retrain."
            )
        indicated = getattr(getattr(prep.imputer_, "indicator_", None), "features_", [])
        j = prep.numeric_columns_.index(name)
        columns.append(ColumnSpec(name, "numeric", nullable=bool(j in set(indicated))))
    if prep.categorical_columns_:
        for name, cats in zip(prep.categorical_columns_, prep.onehot_.categories_, strict=True):
            cats = [str(c) for c in cats]
            nullable = bool(frame[name].isna().any()) or "missing" in cats
            columns.append(ColumnSpec(name, "category", nullable=nullable, categories=tuple(cats)))
    return Schema(tuple(columns), passthrough)


def _fingerprint(frame: pd.DataFrame, schema: Schema, manifest_sha256: str | None) -> dict:
    """Hash of the training rows' input columns (pandas' row hashes, then sha256)."""
    hashed = pd.util.hash_pandas_object(frame[schema.names], index=False).to_numpy()
    return {
        "train_rows": len(frame),
        "train_sha256": hashlib.sha256(np.ascontiguousarray(hashed).tobytes()).hexdigest(),
        "manifest_sha256": manifest_sha256,
        "columns": schema.names,
    }


def load_run_source(project: Project, run_id: str | None = None) -> RunSource:
    """The train run ``run_id`` (default: the newest with a saved model) of ``project``."""
    from yearn.train import load_model

    with project.require_store() as store:
        if run_id is None:
            run_id = store.latest_run_with("model.safetensors")
            if run_id is None:
                raise StoreError(
                    f"{project.root}: no completed run saved a torch model; train one with "
                    "'yearn train' (scikit-learn runs keep no model: yearn never pickles)."
                )
        run = store.get_run(run_id)
        if "model.safetensors" not in {a.name for a in store.artifacts(run.id)}:
            raise StoreError(
                f"run {run.id} ({run.name}, kind {run.kind}) saved no model to export: "
                "scikit-learn models are not kept (yearn never pickles), so skl2onnx has "
                "nothing to convert; export a 'yearn train' run (mlp, cnn, linear) instead."
            )
        summary = json.loads(store.artifact_path(run.id, "train_summary.json").read_text("utf-8"))
        network = load_model(store, run.id)
        prep = _load_prep(store, run.id)
    dataset = project.dataset
    manifest = project.manifest()
    index = manifest.indices(dataset.ids)
    schema = _schema(prep, dataset, summary)
    keep = [*schema.names, *[c for c in schema.passthrough if c in dataset.frame]]
    frames, labels, ids = {}, {}, {}
    groups: dict[str, np.ndarray] | None = None if dataset.groups is None else {}
    for split, idx in index.items():
        if not len(idx):
            continue
        part = dataset.frame.iloc[idx]
        frames[split] = part[list(dict.fromkeys(keep))].reset_index(drop=True)
        ids[split] = np.asarray(dataset.ids)[idx]
        if groups is not None:
            groups[split] = np.asarray(dataset.groups, dtype=object)[idx]
        if summary["task"] == "multilabel":
            labels[split] = part[list(dataset.label_columns)].to_numpy(dtype=float)
        elif summary["task"] == "regression":
            labels[split] = part[dataset.label_columns[0]].to_numpy(dtype=float)
        else:
            labels[split] = part[dataset.label_columns[0]].astype(str).to_numpy(dtype=object)
    if "train" not in frames:
        raise DataError(f"{project.root}: the split manifest has no train rows for this data.")
    fingerprint = _fingerprint(frames["train"], schema, manifest.sha256)
    return RunSource(
        run.id,
        run.name,
        summary,
        network,
        prep,
        schema,
        frames,
        labels,
        ids,
        fingerprint,
        dataset.id_column,
        groups,
    )
