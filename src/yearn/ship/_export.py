"""``export_run``: a train run → an exported-model folder (``model.onnx`` +
``metadata.json``), after checking onnxruntime against PyTorch on the dev split.

The folder is the contract serve and monitor read through
:func:`yearn.ship.load_exported`; it is written only when parity holds (max |Δ
probability| ≤ ``tolerance``), all at once (a temporary folder renamed into place).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from yearn._io import atomic_write_bytes, atomic_write_json
from yearn._version import __version__
from yearn.errors import DataError, YearnError
from yearn.project import Project
from yearn.ship._graph import InferenceModule, category_codes, head_kind
from yearn.ship._onnx import EXPORTER, run_session, to_onnx
from yearn.ship._runtime import FORMAT, METADATA_NAME, MODEL_NAME
from yearn.ship._schema import frame_to_inputs
from yearn.ship._source import RunSource, load_run_source
from yearn.ship._tables import metric_with_interval, output_frame

__all__ = [
    "FORMAT",
    "METADATA_NAME",
    "MODEL_NAME",
    "ExportError",
    "ExportResult",
    "export_run",
    "reference_outputs",
]

TOLERANCE = 1e-5


class ExportError(YearnError):
    """The model cannot be exported as asked (parity failed, unsupported model)."""


@dataclass
class ExportResult:
    """What ``export_run`` wrote: the folder, its metadata and the parity check."""

    path: Path
    metadata: dict[str, Any]
    parity: dict[str, Any] = field(default_factory=dict)

    @property
    def sentence(self) -> str:
        p = self.parity
        return (
            f"parity onnxruntime vs PyTorch on {p['split']} ({p['rows']:,} rows): max "
            f"|Δp| = {p['max_abs_diff']:.2e} (≤ {p['tolerance']:.0e})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "parity": self.parity, "metadata": self.metadata}

    def _repr_html_(self) -> str:
        from yearn.display import html_table

        m = self.metadata
        metric = m.get("metric") or {}
        rows = [
            {"": "folder", "value": str(self.path)},
            {"": "model version", "value": m["model_version"]},
            {"": "task", "value": m["task"]},
            {"": "threshold", "value": json.dumps(m.get("threshold"))},
            {"": "inputs", "value": ", ".join(c["name"] for c in m["schema"]["columns"])},
            {
                "": f"dev {metric.get('name')}",
                "value": f"{metric.get('dev_value', float('nan')):.4g} "
                f"[{metric.get('interval', [float('nan')] * 2)[0]:.4g}, "
                f"{metric.get('interval', [float('nan')] * 2)[1]:.4g}]",
            },
            {"": "exporter", "value": m["exporter"]},
        ]
        return f"<p><b>{html.escape(self.sentence)}</b></p>" + html_table(rows, ["", "value"])


def _n_outputs(summary: dict[str, Any]) -> int:
    if summary["task"] == "regression":
        return 1
    if summary["task"] == "binary" and summary.get("loss") == "bce":
        return 1
    return len(summary["classes"])


def output_kind(src: RunSource) -> str:
    """How the run's network outputs become probabilities (softmax, sigmoid, ...)."""
    return head_kind(src.task, str(src.summary.get("loss")), _n_outputs(src.summary))


def prepared_inputs(src: RunSource, frame: Any) -> np.ndarray:
    """The network's inputs for raw rows, by the run's fitted ``yearn.prep`` step."""
    if src.schema.of_kind("image"):
        from yearn.data import load_images

        column = src.schema.of_kind("image")[0]
        images = load_images(list(frame[column.name]), grayscale=column.channels == 1)
        return np.asarray(src.prep.transform(images), dtype=np.float32)
    x = src.prep.transform(frame[list(src.prep.feature_names_in_)])
    return np.asarray(x.toarray() if hasattr(x, "toarray") else x, dtype=np.float32)


def reference_outputs(src: RunSource, frame: Any, network: Any = None) -> np.ndarray:
    """PyTorch's outputs for raw rows: ``yearn.prep`` transform → network → activation
    (as training computed its predictions)."""
    net = (network if network is not None else src.network).eval()
    kind = output_kind(src)
    with torch.no_grad():
        out = net(torch.from_numpy(prepared_inputs(src, frame)))
        if kind == "softmax":
            out = torch.softmax(out, dim=1)
        elif kind == "sigmoid":
            out = torch.sigmoid(out)
        elif kind == "sigmoid2":
            p = torch.sigmoid(out[:, :1])
            out = torch.cat([1 - p, p], dim=1)
        else:
            out = out.reshape(-1, 1)
    return out.numpy()


def graph_bytes(src: RunSource, network: Any = None) -> bytes:
    """The ONNX graph (preprocessing + ``network`` or the run's network)."""
    module = InferenceModule(
        src.prep, network if network is not None else src.network, output_kind(src)
    )
    prep = src.prep
    categorical = bool(getattr(prep, "categorical_columns_", None))
    code_maps = category_codes(prep.onehot_) if categorical else []
    image = src.schema.of_kind("image")
    shape = (image[0].channels, image[0].height, image[0].width) if image else ()
    return to_onnx(
        module,
        n_numeric=len(getattr(prep, "numeric_columns_", []) or []),
        code_maps=code_maps,
        image_shape=shape,
        output_name="value" if src.task == "regression" else "proba",
    )


def parity_split(src: RunSource) -> str:
    """The split parity and the dev metric are measured on (dev, else train_dev/train)."""
    for split in ("dev", "train_dev", "train"):
        if split in src.frames:
            return split
    raise DataError("no rows to check the export on; the project has no splits.")


def check_parity(
    src: RunSource,
    model_bytes: bytes,
    split: str,
    tolerance: float = TOLERANCE,
    network: Any = None,
) -> tuple[dict[str, Any], np.ndarray]:
    """Max |Δ output| between onnxruntime and PyTorch on ``split``; refuses above
    ``tolerance``. Returns the check and onnxruntime's outputs."""
    frame = src.frames[split]
    inputs = frame_to_inputs(frame, src.schema, allow_extra=True, where=f"{split} split")
    got = run_session(model_bytes, inputs)
    want = reference_outputs(src, frame, network)
    diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
    parity = {"split": split, "rows": len(frame), "max_abs_diff": diff, "tolerance": tolerance}
    if not np.isfinite(diff) or diff > tolerance:
        raise ExportError(
            f"export refused: onnxruntime and PyTorch differ by {diff:.3g} on the {split} split "
            f"(more than {tolerance:g}); nothing was written — report this model to yearn."
        )
    return parity, got


def write_folder(out: Path, model_bytes: bytes, metadata: dict[str, Any]) -> Path:
    """Write ``model.onnx`` + ``metadata.json`` into ``out`` all at once (a temporary
    sibling folder renamed into place; a previous export there is replaced)."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise ExportError(f"{out} is a file; give a folder for the exported model (--out).")
        if any(out.iterdir()) and not (out / METADATA_NAME).is_file():
            raise ExportError(
                f"{out} is a non-empty folder that holds no exported model; give an empty or "
                "new folder (--out) so nothing of yours is overwritten."
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        atomic_write_bytes(tmp / MODEL_NAME, model_bytes)
        atomic_write_json(tmp / METADATA_NAME, metadata)
        old = None
        if out.exists():
            old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def base_metadata(src: RunSource, model_bytes: bytes) -> dict[str, Any]:
    sha = hashlib.sha256(model_bytes).hexdigest()
    return {
        "format": FORMAT,
        "run_id": src.run_id,
        "run_name": src.run_name,
        "model_version": f"{src.run_id}-{sha[:8]}",
        "variant": "float32",
        "task": src.task,
        "classes": src.classes,
        "model": src.summary.get("model"),
        "loss": src.summary.get("loss"),
        "schema": src.schema.to_dict(),
        "id_column": src.id_column,
        "inputs": [c.name for c in src.schema],
        "output": "value" if src.task == "regression" else "proba",
        "fingerprint": src.fingerprint,
        "onnx_sha256": sha,
        "exporter": EXPORTER,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "yearn_version": __version__,
    }


def default_threshold(src: RunSource, operating_point: dict[str, Any] | None) -> Any:
    if src.task == "binary":
        if operating_point and operating_point.get("threshold") is not None:
            return float(operating_point["threshold"])
        return 0.5
    if src.task == "multilabel":
        saved = (operating_point or {}).get("thresholds") or {}
        return {t: float(saved.get(t, 0.5)) for t in src.classes}
    return None


def export_run(
    project: str | Path | Project,
    run: str | None = None,
    *,
    out: str | Path | None = None,
    threshold: float | None = None,
    tolerance: float = TOLERANCE,
) -> ExportResult:
    """Export run ``run`` (default: the newest with a saved model) of ``project``.

    The threshold is ``threshold``, else the run's saved operating point, else 0.5.
    """
    project = project if isinstance(project, Project) else Project(project)
    src = load_run_source(project, run)
    model_bytes = graph_bytes(src)
    split = parity_split(src)
    parity, got = check_parity(src, model_bytes, split, tolerance)
    from yearn.ship._operating_point import saved_operating_point

    op = saved_operating_point(project, src.run_id)
    chosen = default_threshold(src, op)
    if threshold is not None:
        if src.task != "binary":
            raise ExportError(
                f"--threshold applies to binary tasks; this run is {src.task} (use "
                "'yearn operating-point' to save per-class or per-task thresholds)."
            )
        chosen = float(threshold)
    metric_name = str(src.summary.get("metric") or "error")
    table = output_frame(
        got,
        task=src.task,
        classes=src.classes,
        threshold=chosen,
        ids=src.ids[split],
        split=split,
        labels=src.labels[split],
    )
    metadata = base_metadata(src, model_bytes)
    metadata["threshold"] = chosen
    metadata["operating_point"] = (
        None
        if op is None
        else {k: op.get(k) for k in ("rule", "split", "threshold", "thresholds", "saved_as")}
        | {"sentences": [s for p in op.get("points", []) for s in p["sentences"]]}
    )
    groups = None if src.groups is None else src.groups.get(split)
    metadata["metric"] = {**metric_with_interval(table, metric_name, groups=groups), "split": split}
    metadata["parity"] = parity
    target = Path(out) if out is not None else project.paths.exports / src.run_id
    path = write_folder(target, model_bytes, metadata)
    return ExportResult(path, metadata, parity)
