"""Deployment targets of an exported model (``yearn export --target device|web``).

* ``device`` (:func:`build_device`): a folder that runs with onnxruntime + numpy only;
* ``web`` (:func:`build_web`): a static page running the model with onnxruntime-web.
"""

from __future__ import annotations

from pathlib import Path

from yearn._validation import check_choice
from yearn.ship.targets.device import build_device, quantize_int8
from yearn.ship.targets.web import ORT_WEB_VERSION, build_web, fetch_runtime, runtime_cache

__all__ = [
    "ORT_WEB_VERSION",
    "TARGETS",
    "build_device",
    "build_target",
    "build_web",
    "fetch_runtime",
    "quantize_int8",
    "runtime_cache",
]

#: The targets ``yearn export --target`` builds besides the plain export (``onnx``).
TARGETS = ("onnx", "device", "web")


def build_target(model_dir: str | Path, target: str, out: str | Path | None = None) -> Path:
    """Build ``target`` from the export at ``model_dir`` into ``out`` (default:
    ``<model_dir>-<target>`` beside it); ``onnx`` is the export itself."""
    check_choice("target", target, TARGETS)
    if target == "onnx":
        return Path(model_dir)
    model_dir = Path(model_dir)
    out = Path(out) if out is not None else model_dir.with_name(f"{model_dir.name}-{target}")
    return build_device(model_dir, out) if target == "device" else build_web(model_dir, out)
