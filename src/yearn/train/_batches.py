"""The splits as tensors for the loop: on the device whole, or streamed from host memory.

Targets always go to the device (one value or one row of task labels per example).
Inputs go to the device whole when they fit; otherwise (``stream``) they stay in host
memory — page-locked (pinned) on CUDA — and each batch is gathered on the host and copied
to the device asynchronously (pinned buffers come from torch's caching host allocator,
which does not reuse one until its copy has finished).
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from yearn.train._data import TrainData
from yearn.train._device import as_input

__all__ = ["STREAM_SHARE", "SplitTensors", "should_stream"]

log = logging.getLogger("yearn.train")

#: Inputs are streamed when they would take more than this share of the device's free
#: memory (the rest is left for the model, its activations and the optimizer).
STREAM_SHARE = 0.5


def _targets(y: np.ndarray, task: str, loss: str, device: torch.device) -> torch.Tensor:
    if task in ("binary", "multiclass") and loss == "cross_entropy":
        return torch.as_tensor(y, dtype=torch.long, device=device)
    return torch.as_tensor(y, dtype=torch.float32, device=device)


def should_stream(
    data: TrainData,
    device: torch.device,
    stream: bool | None,
    splits: tuple[str, ...] | None = None,
) -> bool:
    """Stream the inputs? ``stream`` True/False decides; ``None``: only on CUDA, when the
    float32 inputs of the splits (default: all) exceed :data:`STREAM_SHARE` of the free
    device memory."""
    if stream is not None:
        return bool(stream)
    if device.type != "cuda":
        return False
    parts = [p for s, p in data.splits.items() if splits is None or s in splits]
    need = sum(int(np.prod(p.x.shape)) * 4 for p in parts)
    free, _total = torch.cuda.mem_get_info(device)
    if need > STREAM_SHARE * free:
        log.info(
            "inputs take %.1f GB, more than %.0f%% of the %.1f GB free on %s: streaming "
            "batches from pinned host memory",
            need / 1e9,
            100 * STREAM_SHARE,
            free / 1e9,
            device,
        )
        return True
    return False


class SplitTensors:
    """Inputs and targets of every split, placed for training on ``device``."""

    def __init__(
        self,
        data: TrainData,
        loss: str,
        device: torch.device,
        *,
        stream: bool = False,
        splits: tuple[str, ...] | None = None,
    ) -> None:
        self.device = device
        self.streamed = stream
        self._pin = stream and device.type == "cuda"
        self.x: dict[str, torch.Tensor] = {}
        self.y: dict[str, torch.Tensor] = {}
        for name, part in data.splits.items():
            if splits is not None and name not in splits:
                continue
            if stream:
                x = as_input(part.x, torch.device("cpu"))
                self.x[name] = x.pin_memory() if self._pin else x
            else:
                self.x[name] = as_input(part.x, device)
            self.y[name] = _targets(part.y, data.task, loss, device)

    def batch(
        self, split: str, idx: torch.Tensor, idx_host: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and targets of the rows ``idx`` (on the device; ``idx_host``: the same
        rows on the CPU, used to gather streamed inputs)."""
        y = self.y[split][idx]
        if not self.streamed:
            return self.x[split][idx], y
        host = self.x[split]
        rows = idx_host if idx_host is not None else idx.cpu()
        if not self._pin:
            return host[rows].to(self.device), y
        buf = torch.empty((len(rows), *host.shape[1:]), dtype=host.dtype, pin_memory=True)
        torch.index_select(host, 0, rows, out=buf)
        return buf.to(self.device, non_blocking=True), y
