"""Where tensors live: the default device, a module's device, inputs built on it, exact
float32 evaluation on CUDA, and the ``precision`` setting (float32 / bf16 autocast).

Every helper that builds a tensor for a model takes the device (or reads it from the
model with :func:`module_device`), so that a model on CUDA never meets a CPU tensor.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from yearn.errors import TrainingError

__all__ = [
    "PRECISIONS",
    "as_input",
    "autocast",
    "check_precision",
    "default_device",
    "exact_float32",
    "module_device",
    "resolve_device",
]

#: ``float32``: full precision everywhere; ``bf16``: the forward pass of training under
#: CUDA autocast to bfloat16 (weights, gradients and optimizer state stay float32).
PRECISIONS = ("float32", "bf16")


def default_device() -> torch.device:
    """CUDA when available, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``device`` as a :class:`torch.device` (``None``: :func:`default_device`)."""
    if device is None:
        return default_device()
    try:
        found = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise TrainingError(
            f"device {device!r} is not a torch device ({exc}); use 'cpu', 'cuda' or 'cuda:0'."
        ) from None
    if found.type == "cuda" and not torch.cuda.is_available():
        raise TrainingError(
            f"device {device!r} was asked for but CUDA is not available on this machine; "
            "leave device unset (CPU is then used) or install a CUDA build of torch."
        )
    return found


def module_device(module: torch.nn.Module) -> torch.device:
    """The device of a module's first parameter (or buffer); CPU for a module without any."""
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return torch.device("cpu")


def as_input(x: Any, device: torch.device, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``x`` (array or tensor) as a tensor of ``dtype`` on ``device``."""
    if isinstance(x, np.ndarray) and not x.flags.writeable:
        x = np.array(x)  # torch warns on read-only arrays
    return torch.as_tensor(x, dtype=dtype, device=device)


@contextlib.contextmanager
def exact_float32(device: torch.device) -> Iterator[None]:
    """On CUDA, matrix products and convolutions in IEEE float32 for the block (TF32 off:
    cuDNN allows TF32 convolutions by default, which changes outputs at ~1e-3); the
    previous settings are restored afterwards. A no-op on other devices."""
    if device.type != "cuda":
        yield
        return
    try:  # the legacy flags set every cuDNN operator alike, so later reads agree
        before = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    except RuntimeError:  # the caller mixed legacy and new flags: keep to the new API
        yield from _exact_new_api()
        return
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def _exact_new_api() -> Iterator[None]:
    flags = [torch.backends.cuda.matmul, torch.backends.cudnn.conv, torch.backends.cudnn.rnn]
    before = [f.fp32_precision for f in flags]
    for f in flags:
        f.fp32_precision = "ieee"
    try:
        yield
    finally:
        for f, value in zip(flags, before, strict=True):
            f.fp32_precision = value


def check_precision(precision: str, device: torch.device) -> None:
    """Refuse an unknown precision, and bf16 off CUDA (CPU autocast to bf16 is slower than
    float32 on most CPUs and changes results: asking for it is almost always a mistake)."""
    if precision not in PRECISIONS:
        raise TrainingError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}.")
    if precision == "bf16" and device.type != "cuda":
        raise TrainingError(
            f"precision 'bf16' needs a CUDA device (this run is on {device.type}); drop "
            "--precision bf16 to train in float32 on the CPU."
        )
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise TrainingError(
            f"precision 'bf16' is not supported by this GPU ({torch.cuda.get_device_name(device)}"
            "); use precision 'float32'."
        )


def autocast(precision: str, device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """The forward pass's autocast context: bf16 on CUDA, nothing for float32."""
    if precision == "bf16":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
