"""Callbacks: the only thing the training loop talks to.

Every hook of :class:`Callback` is a documented no-op; override the ones you need. Hooks
receive the :class:`~yearn.train._state.TrainState` (model, optimizer, epoch, history,
``stop`` flag). Stateful callbacks implement ``state_dict`` / ``load_state_dict`` so a
resumed run continues exactly (their state travels in the checkpoint; tensors go to the
safetensors file, everything else to JSON).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from yearn.errors import TrainingError

if TYPE_CHECKING:
    from yearn.train._state import TrainState

__all__ = [
    "Callback",
    "CallbackList",
    "DivergenceDetector",
    "EarlyStopping",
    "PlateauDetector",
    "StoreCurves",
    "TensorBoardLogger",
]

log = logging.getLogger("yearn.train")


class Callback:
    """Base class of callbacks; every hook does nothing by default.

    ``order`` sorts callbacks in the list (lower first); checkpoints run last so they see
    the state every other callback left at the end of the epoch.
    """

    order: int = 0

    def on_fit_start(self, state: TrainState) -> None:
        """Before the first epoch (also after a resume: ``state.epoch`` is the next one)."""

    def on_epoch_start(self, state: TrainState) -> None:
        """Before the batches of epoch ``state.epoch``."""

    def on_batch_end(self, state: TrainState, batch: int, loss: float) -> None:
        """After one optimisation step; ``loss`` is the batch's training loss."""

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        """After an epoch; ``logs`` holds ``<split>_loss`` / ``<split>_metric`` values."""

    def on_fit_end(self, state: TrainState) -> None:
        """After the last epoch (or an early stop)."""

    def on_teardown(self, state: TrainState) -> None:
        """Always last, also after an error: release files and writers here."""

    def state_dict(self) -> dict[str, Any]:
        """State to save in a checkpoint (tensors allowed)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""

    @property
    def state_key(self) -> str:
        return type(self).__name__


def _overrides(cb: Callback, hook: str) -> bool:
    return getattr(type(cb), hook) is not getattr(Callback, hook)


class CallbackList:
    """Calls every hook on every callback, in ``order``; the loop's only collaborator."""

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
        self.callbacks = sorted(callbacks, key=lambda c: c.order)
        # per-batch hooks only on those that define one: no cost for the rest
        self._batch = [c for c in self.callbacks if _overrides(c, "on_batch_end")]

    def on_fit_start(self, state: TrainState) -> None:
        for cb in self.callbacks:
            cb.on_fit_start(state)

    def on_epoch_start(self, state: TrainState) -> None:
        for cb in self.callbacks:
            cb.on_epoch_start(state)

    def on_batch_end(self, state: TrainState, batch: int, loss: float) -> None:
        for cb in self._batch:
            cb.on_batch_end(state, batch, loss)

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(state, logs)

    def on_fit_end(self, state: TrainState) -> None:
        for cb in self.callbacks:
            cb.on_fit_end(state)

    def on_teardown(self, state: TrainState) -> None:
        for cb in self.callbacks:
            cb.on_teardown(state)

    def keys(self) -> list[str]:
        seen: dict[str, int] = {}
        out = []
        for cb in self.callbacks:
            key = cb.state_key
            seen[key] = seen.get(key, 0) + 1
            out.append(key if seen[key] == 1 else f"{key}{seen[key]}")
        return out

    def state_dict(self) -> dict[str, Any]:
        return {k: cb.state_dict() for k, cb in zip(self.keys(), self.callbacks, strict=True)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, cb in zip(self.keys(), self.callbacks, strict=True):
            if key in state:
                cb.load_state_dict(state[key])


class EarlyStopping(Callback):
    """Stop when ``monitor`` (lower is better) has not improved for ``patience`` epochs.

    With ``restore_best_weights`` the model ends with the weights of its best epoch.
    """

    def __init__(
        self,
        monitor: str = "dev_metric",
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
    ) -> None:
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best_weights = restore_best_weights
        self.best = math.inf
        self.best_epoch = -1
        self.wait = 0
        self.best_weights: dict[str, torch.Tensor] | None = None

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise TrainingError(
                f"early stopping monitors {self.monitor!r} but the epoch logs only "
                f"{', '.join(sorted(logs))}; give a dev split or monitor another value."
            )
        value = logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights:
                self.best_weights = {
                    k: v.detach().to("cpu", copy=True) for k, v in state.model.state_dict().items()
                }
        else:
            self.wait += 1
            if self.wait >= self.patience:
                state.stop(
                    f"early stopping: {self.monitor} has not improved for {self.patience} "
                    f"epochs (best {self.best:.4g} at epoch {self.best_epoch + 1})"
                )

    def on_fit_end(self, state: TrainState) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            state.model.load_state_dict(self.best_weights)
            state.best_epoch = self.best_epoch

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "best_weights": self.best_weights or {},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = float(state["best"])
        self.best_epoch = int(state["best_epoch"])
        self.wait = int(state["wait"])
        self.best_weights = dict(state["best_weights"]) or None


class DivergenceDetector(Callback):
    """Stop with "learning rate too high" on a NaN/inf loss or a loss that rose many-fold.

    The reference is the loss at initialisation: the first batch's loss, computed on the
    initial weights before any step. Diverged means a batch loss that is not finite; or,
    within an epoch (the first one included), a running mean of the batch losses above
    ``factor`` × that initial loss; or an epoch's training loss above ``factor`` × the
    lower of its best and the initial loss *and* above the initial loss (a loss that went
    up, not one that is merely noisy near zero).
    """

    def __init__(self, factor: float = 10.0) -> None:
        self.factor = factor
        self.best = math.inf
        self.initial = math.nan
        self._sum, self._n = 0.0, 0

    def _fail(self, state: TrainState, what: str) -> None:
        lr = state.lr
        raise TrainingError(
            f"training diverged at epoch {state.epoch + 1}: {what}. The learning rate "
            f"({lr:g}) is too high, try ≈{lr / 10:g} (or run 'yearn lr-find')."
        )

    def on_epoch_start(self, state: TrainState) -> None:
        self._sum, self._n = 0.0, 0

    def on_batch_end(self, state: TrainState, batch: int, loss: float) -> None:
        if not math.isfinite(loss):
            self._fail(state, f"the loss became {loss} at batch {batch + 1}")
        if math.isnan(self.initial):  # this batch ran on the initial weights
            self.initial = loss
            return
        self._sum += loss
        self._n += 1
        mean = self._sum / self._n
        if self._n >= 2 and self.initial > 0 and mean > self.factor * self.initial:
            self._fail(
                state,
                f"the training loss rose to {mean:.4g} by batch {batch + 1}, "
                f"{mean / self.initial:.3g}× its value at initialisation ({self.initial:.4g})",
            )

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        loss = logs["train_loss"]
        if math.isnan(self.initial):
            self.initial = loss
        reference = min(self.best, self.initial)
        if loss > self.factor * reference and loss > self.initial:
            self._fail(
                state,
                f"the training loss rose to {loss:.4g}, {loss / reference:.3g}× "
                + (
                    f"its value at initialisation ({self.initial:.4g})"
                    if reference == self.initial
                    else f"its best ({self.best:.4g})"
                ),
            )
        self.best = min(self.best, loss)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "initial": self.initial}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = float(state["best"])
        self.initial = float(state.get("initial", state.get("first", math.nan)))


class PlateauDetector(Callback):
    """Note "loss flat for N epochs" when the training loss stops improving.

    Flat: no epoch improved the best training loss by more than ``rel_tol`` (relative) for
    ``patience`` epochs. The note goes to ``state.notes`` and the log; with ``stop`` the
    training also stops.
    """

    def __init__(self, patience: int = 5, rel_tol: float = 1e-3, stop: bool = False) -> None:
        self.patience = patience
        self.rel_tol = rel_tol
        self.stop = stop
        self.best = math.inf
        self.wait = 0
        self.reported = False

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        loss = logs["train_loss"]
        if loss < self.best * (1 - self.rel_tol):
            self.best, self.wait = loss, 0
            return
        self.wait += 1
        if self.wait >= self.patience and not self.reported:
            self.reported = True
            note = (
                f"loss flat for {self.wait} epochs (train loss {loss:.4g}): learning rate too "
                "low or model too small"
            )
            state.notes.append(note)
            log.warning(note)
            if self.stop:
                state.stop(note)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "wait": self.wait, "reported": self.reported}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.wait = float(state["best"]), int(state["wait"])
        self.reported = bool(state["reported"])


class StoreCurves(Callback):
    """Log every epoch's loss and metric per split into a run of the run store, and the
    epoch's wall time as ``epoch_seconds`` (no split)."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self._start = 0.0

    def on_epoch_start(self, state: TrainState) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        log_epoch(self.run, state.epoch, logs, state.metric_label)
        self.run.log_metric(
            "epoch_seconds", time.perf_counter() - self._start, step=state.epoch + 1
        )


def log_epoch(run: Any, epoch: int, logs: dict[str, float], metric_name: str) -> None:
    """``train_loss`` → metric ``loss`` of split ``train`` at step ``epoch + 1``;
    ``dev_metric`` → metric ``<metric_name>`` of split ``dev``, etc."""
    by_split: dict[str, dict[str, float]] = {}
    for key, value in logs.items():
        split, _, name = key.rpartition("_")
        if split:
            by_split.setdefault(split, {})["loss" if name == "loss" else metric_name] = value
    for split, values in by_split.items():
        run.log_metrics(values, split=split, step=epoch + 1)


class TensorBoardLogger(Callback):
    """TensorBoard event files, one sub-folder per split (``<log_dir>/train``,
    ``<log_dir>/dev``, ...), each with the tags ``loss`` and ``<metric>`` (error form) per
    epoch, so TensorBoard draws every split of a run on one chart; ``lr`` goes with train.
    Point TensorBoard at ``<log_dir>`` (or a folder of several runs)."""

    def __init__(self, log_dir: str | Path) -> None:
        self.log_dir = Path(log_dir)
        self._writers: dict[str, Any] = {}
        self._first_step = 1

    def on_fit_start(self, state: TrainState) -> None:
        # purge_step drops events a killed run wrote after its last checkpoint
        self._first_step = state.epoch + 1

    def _writer(self, split: str) -> Any:
        if split not in self._writers:
            from torch.utils.tensorboard import SummaryWriter

            folder = self.log_dir / split
            _wait_for_a_later_event_file_name(folder)
            self._writers[split] = SummaryWriter(str(folder), purge_step=self._first_step)
        return self._writers[split]

    def on_epoch_end(self, state: TrainState, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            split, _, name = key.rpartition("_")
            if not split:
                continue
            tag = "loss" if name == "loss" else state.metric_label
            self._writer(split).add_scalar(tag, value, state.epoch + 1)
        self._writer("train").add_scalar("lr", state.history[-1]["lr"], state.epoch + 1)
        for writer in self._writers.values():
            writer.flush()

    def on_teardown(self, state: TrainState) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _wait_for_a_later_event_file_name(log_dir: Path) -> None:
    """Make a resumed run's event file sort after the earlier ones.

    TensorBoard reads a run's event files in name order, and the name starts with the
    creation time in whole seconds, then the pid: a file created in the same second by a
    process with a "smaller" pid would sort first and hide the epochs after the resume.
    """
    stamps = []
    for path in log_dir.glob("events.out.tfevents.*"):
        part = path.name.split(".")[3]
        if part.isdigit():
            stamps.append(int(part))
    if stamps:
        wait = max(stamps) + 1 - time.time()
        if wait > 0:
            time.sleep(wait)
