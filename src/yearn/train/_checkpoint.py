"""Checkpoints: safetensors (every tensor) + JSON (everything else), written atomically.

A checkpoint of epoch ``e`` is two files, ``epoch-000e.safetensors`` and
``epoch-000e.json``, then ``latest.json`` (the pointer, with the sha256 of both) is
replaced in one rename — a process killed at any moment leaves the previous checkpoint
usable. The state is a nested dict (model and optimizer state, scheduler, callbacks'
state, RNG states, history); tensors anywhere in it go to the safetensors file under their
dotted path, the rest to JSON. Nothing is unpickled on load.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from yearn._io import atomic_write, atomic_write_json
from yearn.errors import TrainingError
from yearn.train._callbacks import Callback

__all__ = ["CheckpointCallback", "load_checkpoint", "save_checkpoint", "verify_checkpoint"]

_TENSOR = "__tensor__"
_INTKEYS = "__intkeys__"
KEEP = 2


def _split(obj: Any, path: str, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, torch.Tensor):
        tensors[path] = obj.detach().to("cpu").contiguous().clone()
        return {_TENSOR: path}
    if isinstance(obj, dict):
        int_keys = bool(obj) and all(isinstance(k, int) for k in obj)
        out = {str(k): _split(v, f"{path}.{k}", tensors) for k, v in obj.items()}
        if int_keys:
            out[_INTKEYS] = True
        return out
    if isinstance(obj, list | tuple):
        return [_split(v, f"{path}.{i}", tensors) for i, v in enumerate(obj)]
    if isinstance(obj, float) and obj != obj:
        return {"__float__": "nan"}
    if isinstance(obj, float) and obj in (float("inf"), float("-inf")):
        return {"__float__": "inf" if obj > 0 else "-inf"}
    return obj


def _join(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, dict):
        if _TENSOR in obj:
            return tensors[obj[_TENSOR]]
        if "__float__" in obj:
            return float(obj["__float__"])
        int_keys = obj.get(_INTKEYS, False)
        return {
            (int(k) if int_keys else k): _join(v, tensors) for k, v in obj.items() if k != _INTKEYS
        }
    if isinstance(obj, list):
        return [_join(v, tensors) for v in obj]
    return obj


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_checkpoint(directory: str | Path, epoch: int, state: dict[str, Any]) -> Path:
    """Write the checkpoint of ``epoch`` (0-based) and point ``latest.json`` at it."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    meta = _split(state, "s", tensors)
    stem = f"epoch-{epoch + 1:04d}"
    weights, doc = directory / f"{stem}.safetensors", directory / f"{stem}.json"
    with atomic_write(weights) as tmp:
        save_file(tensors, str(tmp))
    atomic_write_json(doc, {"format": "yearn-checkpoint/1", "epoch": epoch, "state": meta})
    atomic_write_json(
        directory / "latest.json",
        {"epoch": epoch, "stem": stem, "sha256": {p.name: _sha(p) for p in (weights, doc)}},
    )
    old = sorted(directory.glob("epoch-*.json"))[:-KEEP]
    for path in old:
        path.unlink(missing_ok=True)
        path.with_suffix(".safetensors").unlink(missing_ok=True)
    return doc


def verify_checkpoint(directory: str | Path) -> tuple[Path, Path] | None:
    """The (weights, document) of the latest checkpoint after checking their sha256.

    ``None`` when there is no checkpoint; a :class:`TrainingError` naming the file when one
    was changed after it was written or cannot be read. Nothing is loaded.
    """
    directory = Path(directory)
    pointer = directory / "latest.json"
    if not pointer.exists():
        return None
    try:
        latest = json.loads(pointer.read_text(encoding="utf-8"))
        weights = directory / f"{latest['stem']}.safetensors"
        doc = directory / f"{latest['stem']}.json"
        for path in (weights, doc):
            if _sha(path) != latest["sha256"][path.name]:
                raise TrainingError(
                    f"checkpoint file {path} was changed after it was written (sha256 "
                    "mismatch); restore it, or delete the checkpoint folder to start afresh."
                )
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise TrainingError(
            f"cannot read the checkpoint in {directory} ({type(exc).__name__}: {exc}); delete "
            "the folder to start afresh."
        ) from None
    return weights, doc


def load_checkpoint(directory: str | Path) -> dict[str, Any] | None:
    """The state saved by the last complete :func:`save_checkpoint` (``None`` when none)."""
    directory = Path(directory)
    found = verify_checkpoint(directory)
    if found is None:
        return None
    weights, doc = found
    try:
        meta = json.loads(doc.read_text(encoding="utf-8"))
        tensors = load_file(str(weights))
    except (OSError, KeyError, ValueError) as exc:
        raise TrainingError(
            f"cannot read the checkpoint in {directory} ({type(exc).__name__}: {exc}); delete "
            "the folder to start afresh."
        ) from None
    state = _join(meta["state"], tensors)
    state["epoch"] = int(meta["epoch"])
    return state


class CheckpointCallback(Callback):
    """Save a checkpoint at the end of every epoch (after every other callback)."""

    order = 1000

    def __init__(self, directory: str | Path, collect: Any) -> None:
        self.directory = Path(directory)
        self._collect = collect  # () -> the state dict to save

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        save_checkpoint(self.directory, state.epoch, self._collect())
