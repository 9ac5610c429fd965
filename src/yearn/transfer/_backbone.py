"""Where a pretrained backbone comes from: a yearn run, a weights file, or a module.

Weights files are read without unpickling anything:

- ``.safetensors`` → :func:`safetensors.torch.load_file`;
- ``.pt`` / ``.pth`` / ``.bin`` (a PyTorch state dict) → ``torch.load(weights_only=True)``,
  which refuses any pickled object other than tensors and plain containers;
- ``.onnx`` → refused: ONNX holds a graph, not a torch module, and yearn does not convert
  graphs; export the weights as safetensors (``safetensors.torch.save_file``);
- ``.pkl`` / ``.pickle`` / ``.joblib`` → refused: loading a pickle runs arbitrary code.

A file of a built-in model (``mlp`` / ``cnn`` / ``linear``, as ``yearn fit`` saves it) is
rebuilt from the names and shapes of its tensors; for any other architecture pass
``model=`` a fresh instance and the weights are loaded into it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from yearn.errors import TrainingError
from yearn.train import BackboneHead, SmallCNN, mlp

__all__ = ["infer_builtin", "load_backbone", "read_weights"]

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".dill")
TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")
_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


def read_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a weights file (safetensors or a torch state dict), never unpickled."""
    path = Path(path)
    if not path.is_file():
        raise TrainingError(f"{path}: weights file not found; give a .safetensors or .pt file.")
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        raise TrainingError(
            f"{path}: a pickle file is refused — loading a pickle runs arbitrary code from the "
            "file. Save the weights with safetensors.torch.save_file(model.state_dict(), "
            "'weights.safetensors') and give that file."
        )
    if suffix == ".onnx":
        raise TrainingError(
            f"{path}: ONNX files hold a computation graph, not torch weights, and yearn does not "
            "convert graphs into torch modules (an unfaithful conversion would silently change "
            "the model). Export the original model's state_dict as .safetensors instead."
        )
    head = path.read_bytes()[:8]
    if suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise TrainingError(f"{path}: not a valid safetensors file ({exc}).") from None
    if suffix in TORCH_SUFFIXES:
        if head[:2] in _PICKLE_MAGIC:
            raise TrainingError(
                f"{path}: a bare pickle stream (not a torch.save zip archive) is refused — "
                "loading it would unpickle arbitrary objects. Re-save the state dict with "
                "torch.save or as .safetensors."
            )
        try:
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises UnpicklingError, RuntimeError, ...
            raise TrainingError(
                f"{path}: cannot be read as a state dict with torch.load(weights_only=True) "
                f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); only tensors are "
                "accepted, never pickled objects. Save model.state_dict() (or use .safetensors)."
            ) from None
        if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
            obj = obj["state_dict"]
        if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
            raise TrainingError(
                f"{path}: holds a {type(obj).__name__}, not a state dict (names → tensors); "
                "save model.state_dict()."
            )
        return dict(obj)
    raise TrainingError(
        f"{path}: unknown weights format {suffix or '(no suffix)'!r}; give a .safetensors file "
        "or a PyTorch state dict (.pt / .pth). ONNX and pickle files are refused."
    )


def _indices(weights: dict[str, torch.Tensor], prefix: str) -> list[int]:
    found = {int(m.group(1)) for k in weights if (m := re.match(rf"{prefix}\.(\d+)\.weight$", k))}
    return sorted(found)


def infer_builtin(weights: dict[str, torch.Tensor]) -> BackboneHead:
    """Rebuild the built-in model (mlp, linear or cnn) whose state dict this is."""
    if "head.weight" not in weights:
        raise TrainingError(
            "the weights are not those of a yearn built-in model (no 'head.weight'); pass "
            "model=<a fresh instance of the architecture> to load them into."
        )
    n_out, n_features = weights["head.weight"].shape
    layers = _indices(weights, "backbone")
    if not layers:
        return mlp(int(n_features), int(n_out), depth=0)
    first = weights[f"backbone.{layers[0]}.weight"]
    if first.ndim == 4:
        width, channels = int(first.shape[0]), int(first.shape[1])
        return SmallCNN(channels, int(n_out), width=width, depth=len(layers))
    width, n_in = first.shape
    return mlp(int(n_in), int(n_out), width=int(width), depth=len(layers))


def _into(model: torch.nn.Module, weights: dict[str, torch.Tensor], where: str) -> None:
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        raise TrainingError(
            f"the weights of {where} do not fit the model ({str(exc).splitlines()[0]}); pass "
            "the architecture they were trained with."
        ) from None


def load_backbone(
    source: Any, *, store: Any = None, model: torch.nn.Module | None = None
) -> BackboneHead:
    """A pretrained backbone + head model from ``source``.

    ``source``: a :class:`~yearn.train.BackboneHead` (used as is), a weights file path
    (see the module docstring), or a run id of ``store`` (a project folder or RunStore)
    whose ``model.safetensors`` is loaded. ``model``: the architecture to load weights into
    (default: the built-in model the weights describe).
    """
    if isinstance(source, torch.nn.Module):
        found = source
    else:
        text = str(source)
        path = Path(text)
        if path.suffix or path.exists():
            weights = read_weights(path)
            found = model if model is not None else infer_builtin(weights)
            _into(found, weights, str(path))
        elif store is not None:
            from yearn.train import load_model

            found = load_model(store, text, model=model)
        else:
            raise TrainingError(
                f"backbone {text!r} is neither a weights file nor a run (no project/store "
                "given); give a .safetensors / .pt file, or a run id with the project folder."
            )
    if not (hasattr(found, "backbone") and hasattr(found, "head")):
        raise TrainingError(
            f"the pretrained model ({type(found).__name__}) has no 'backbone' and 'head' "
            "children; wrap it as yearn.train.BackboneHead(backbone, head, n_features)."
        )
    return found
