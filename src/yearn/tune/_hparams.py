"""TensorBoard HParams for tune trials: each trial's parameters and its dev value, written
into the run's ``tensorboard/`` folder so TensorBoard's HParams tab compares trials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_hparams"]


def write_hparams(log_dir: str | Path, params: dict[str, Any], metrics: dict[str, float]) -> None:
    """Write an HParams session (``params`` → ``metrics``) and the metric values (step 0)
    into ``log_dir``; point TensorBoard at the folder holding several runs' folders."""
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard.summary import hparams

    clean = {k: v if isinstance(v, int | float | str | bool) else str(v) for k, v in params.items()}
    writer = SummaryWriter(str(log_dir))
    try:
        for summary in hparams(clean, metrics):
            writer.file_writer.add_summary(summary)
        for name, value in metrics.items():
            writer.add_scalar(name, value, 0)
    finally:
        writer.close()
