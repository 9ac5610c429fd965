"""``load_exported(path) -> ExportedModel``: the runtime of an exported-model folder.

The folder holds ``model.onnx`` (preprocessing + network in one graph) and
``metadata.json`` (run, model version, task, classes, threshold, metric with its
interval, input schema, training-data fingerprint). This is the one way serve, monitor and
``yearn predict`` read it: onnxruntime on CPU, inputs checked against the schema first.
"""

from __future__ import annotations

import hashlib
import html
import json
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import DataError
from yearn.ship._schema import Schema, frame_to_inputs
from yearn.ship._session import ort_session
from yearn.ship._tables import decide

__all__ = ["ExportedModel", "load_exported"]

FORMAT = "yearn.export/1"
MODEL_NAME = "model.onnx"
METADATA_NAME = "metadata.json"


class ExportedModel:
    """An exported model: ``metadata``, ``schema``, and ``predict_frame`` over onnxruntime."""

    def __init__(self, path: Path, metadata: dict[str, Any], model_bytes: bytes) -> None:
        self.path = path
        self.metadata = metadata
        self.schema = Schema.from_dict(metadata["schema"])
        self._model_bytes = model_bytes

    def __repr__(self) -> str:
        return f"ExportedModel({str(self.path)!r}, version={self.model_version!r})"

    # -- facts ---------------------------------------------------------------------------
    @property
    def model_version(self) -> str:
        return str(self.metadata["model_version"])

    @property
    def task(self) -> str:
        return str(self.metadata["task"])

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.metadata.get("classes", [])]

    @property
    def threshold(self) -> Any:
        return self.metadata.get("threshold")

    @property
    def size_bytes(self) -> int:
        return len(self._model_bytes)

    # -- inference -----------------------------------------------------------------------
    @cached_property
    def session(self) -> Any:
        """The onnxruntime session (CPU, one intra-op thread unless ``threads`` is set)."""
        return self.make_session()

    def make_session(self, threads: int = 1) -> Any:
        return ort_session(self._model_bytes, threads=threads)

    def inputs(
        self,
        frame: Any,
        *,
        allow_extra: bool = False,
        base_dir: str | Path | None = None,
        where: str = "input",
    ) -> dict[str, np.ndarray]:
        """The graph inputs of ``frame``, checked against the schema (one-line errors that
        start with ``where``: a file name, a request)."""
        return frame_to_inputs(
            frame, self.schema, allow_extra=allow_extra, base_dir=base_dir, where=where
        )

    def run_inputs(self, inputs: dict[str, np.ndarray], session: Any = None) -> np.ndarray:
        """Raw graph outputs (probabilities, or values for regression) of prepared inputs."""
        session = session or self.session
        names = {i.name for i in session.get_inputs()}
        return session.run(None, {k: v for k, v in inputs.items() if k in names})[0]

    def predict_proba(
        self,
        frame: Any,
        *,
        allow_extra: bool = False,
        base_dir: str | Path | None = None,
        where: str = "input",
    ) -> np.ndarray:
        """Probabilities (N, classes or tasks), or values (N, 1) for regression."""
        inputs = self.inputs(frame, allow_extra=allow_extra, base_dir=base_dir, where=where)
        return self.run_inputs(inputs)

    def predict_frame(
        self,
        frame: Any,
        *,
        allow_extra: bool = False,
        base_dir: str | Path | None = None,
        threshold: Any = None,
        where: str = "input",
    ) -> pd.DataFrame:
        """``pred`` and ``proba:<class>`` columns (``pred:<task>`` / ``proba:<task>`` for
        multi-label) for each row of ``frame``, preceded by the id column when ``frame``
        has the training data's id column. ``threshold`` overrides the saved one."""
        proba = self.predict_proba(frame, allow_extra=allow_extra, base_dir=base_dir, where=where)
        chosen = self.threshold if threshold is None else threshold
        out = pd.DataFrame(decide(proba, self.task, self.classes, chosen))
        id_column = self.metadata.get("id_column")
        if id_column and isinstance(frame, pd.DataFrame) and id_column in frame.columns:
            out.insert(0, id_column, frame[id_column].to_numpy())
        return out

    def _repr_html_(self) -> str:
        from yearn.display import html_table

        m = self.metadata
        metric = m.get("metric") or {}
        low, high = (metric.get("interval") or [float("nan")] * 2)[:2]
        rows = [
            {"": "model version", "value": self.model_version},
            {"": "task", "value": self.task},
            {"": "classes", "value": ", ".join(self.classes)},
            {"": "threshold", "value": json.dumps(self.threshold)},
            {
                "": f"dev {metric.get('name', 'metric')}",
                "value": f"{metric.get('dev_value', float('nan')):.4g} [{low:.4g}, {high:.4g}]",
            },
            {"": "size", "value": f"{self.size_bytes / 1024:.1f} KiB"},
        ]
        cols = [
            {
                "column": c.name,
                "kind": c.kind,
                "missing allowed": "yes" if c.nullable else "no",
                "categories / size": ", ".join(c.categories[:8])
                if c.kind == "category"
                else (f"{c.channels}×{c.height}×{c.width}" if c.kind == "image" else ""),
            }
            for c in self.schema
        ]
        return (
            f"<p><b>{html.escape(repr(self))}</b></p>"
            + html_table(rows, ["", "value"])
            + html_table(cols, ["column", "kind", "missing allowed", "categories / size"])
        )


def load_exported(path: str | Path) -> ExportedModel:
    """Open an exported-model folder (``yearn export``); checks format and the model's
    sha256 against the metadata."""
    folder = Path(path)
    meta_path, model_path = folder / METADATA_NAME, folder / MODEL_NAME
    if not folder.is_dir() or not meta_path.is_file() or not model_path.is_file():
        raise DataError(
            f"{folder}: not an exported model (needs {MODEL_NAME} and {METADATA_NAME}); "
            "create one with 'yearn export'."
        )
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{meta_path}: cannot read the metadata ({exc}); re-export.") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        found = metadata.get("format") if isinstance(metadata, dict) else None
        raise DataError(
            f"{meta_path}: not a yearn export (format {found!r}); re-export with 'yearn export'."
        )
    model_bytes = model_path.read_bytes()
    if hashlib.sha256(model_bytes).hexdigest() != metadata.get("onnx_sha256"):
        raise DataError(
            f"{model_path}: the model was changed after export (sha256 differs from "
            f"{METADATA_NAME}); re-export it with 'yearn export'."
        )
    return ExportedModel(folder, metadata, model_bytes)
