"""The training callback that feeds each epoch's dev metric to an Optuna pruner."""

from __future__ import annotations

from typing import Any

from yearn.train import Callback

__all__ = ["PruneOnDev"]


class PruneOnDev(Callback):
    """Report ``dev_metric`` (error form) after every epoch; stop when the pruner says so.

    The run ends normally (its curves up to that epoch are kept) and ``pruned`` is set;
    the objective then raises ``optuna.TrialPruned``.
    """

    def __init__(self, trial: Any, monitor: str = "dev_metric") -> None:
        self.trial = trial
        self.monitor = monitor
        self.pruned_at: int | None = None

    @property
    def pruned(self) -> bool:
        return self.pruned_at is not None

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        self.trial.report(float(logs[self.monitor]), state.epoch + 1)
        if self.trial.should_prune():
            self.pruned_at = state.epoch + 1
            state.stop(f"pruned by the median pruner after epoch {self.pruned_at}")
