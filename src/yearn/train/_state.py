"""The mutable state of a training run that the loop hands to every callback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from yearn.train._config import TrainConfig
from yearn.train._data import TrainData

__all__ = ["TrainState"]


@dataclass
class TrainState:
    """What callbacks see: the model, its optimizer, where training is, what happened."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: Any
    config: TrainConfig
    data: TrainData
    device: torch.device
    generator: torch.Generator
    metric_name: str = "error"
    loss_name: str = "cross_entropy"
    loss_weight: Any = None  # class weights of the loss (``class_weight``), or None
    epoch: int = 0  # the current (0-based) epoch; after a resume, the next one to run
    history: list[dict[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    best_epoch: int | None = None
    stop_reason: str | None = None
    should_stop: bool = False
    tensors: Any = None  # the splits as tensors on the device (yearn.train._batches)
    eval_chunk: int = 1024  # rows per forward pass when evaluating
    # split → (weights_version at evaluation, outputs): the last evaluation's outputs
    outputs: dict[str, Any] = field(default_factory=dict)

    def stop(self, reason: str) -> None:
        """Ask the loop to stop after this epoch."""
        self.should_stop = True
        self.stop_reason = reason

    @property
    def metric_label(self) -> str:
        """The metric's name in error form (how curves are labelled)."""
        from yearn.train._losses import error_name

        return error_name(self.metric_name)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])
