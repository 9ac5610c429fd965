"""Ship a model: export the whole inference path to ONNX, run it, predict on new files.

* :func:`export_run` — a train run → an exported-model folder (``model.onnx`` with the
  fitted preprocessing + network as one graph, ``metadata.json``), written only when
  onnxruntime matches PyTorch on dev (max |Δp| ≤ 1e-5);
* :func:`load_exported` → :class:`ExportedModel` — the runtime every consumer (predict,
  serve, monitor) reads an export through: ``metadata``, ``schema``, ``predict_frame``;
* :func:`predict_file` — batch predictions of an export on a table or image folder;
* :func:`compress_run` / :func:`latest_compress` — int8 and pruned variants measured
  against float, the table kept in the run store.

Reading an export needs onnxruntime only: torch is imported by the exporting names alone.
See ``docs/shipping.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from yearn.ship._operating_point import (
    OperatingPoint,
    TargetPoint,
    choose_operating_point,
    operating_point_of,
    saved_operating_point,
)
from yearn.ship._predict import PredictResult, predict_file
from yearn.ship._runtime import ExportedModel, load_exported
from yearn.ship._schema import ColumnSpec, Schema

if TYPE_CHECKING:
    from yearn.ship._compress import CompressResult, Variant, compress_run, latest_compress
    from yearn.ship._export import ExportError, ExportResult, export_run

__all__ = [
    "ColumnSpec",
    "CompressResult",
    "ExportError",
    "ExportResult",
    "ExportedModel",
    "OperatingPoint",
    "PredictResult",
    "Schema",
    "TargetPoint",
    "Variant",
    "choose_operating_point",
    "compress_run",
    "export_run",
    "latest_compress",
    "load_exported",
    "operating_point_of",
    "predict_file",
    "saved_operating_point",
]

_LAZY = {
    "CompressResult": "yearn.ship._compress",
    "Variant": "yearn.ship._compress",
    "compress_run": "yearn.ship._compress",
    "latest_compress": "yearn.ship._compress",
    "ExportError": "yearn.ship._export",
    "ExportResult": "yearn.ship._export",
    "export_run": "yearn.ship._export",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'yearn.ship' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
