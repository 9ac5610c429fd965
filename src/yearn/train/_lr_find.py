"""The learning-rate range test (Smith 2015; fastai's ``lr_find``).

Train for ``num_steps`` mini-batches while the learning rate grows exponentially from
``start_lr`` to ``end_lr``; record the (exponentially smoothed) loss at each rate; stop
early once the loss exceeds ``stop_factor`` × its minimum. Suggested rate: the rate where
the smoothed loss falls fastest (steepest negative slope against log(rate)), taken before
the minimum; when the curve is too short for a slope, the rate of the minimum ÷ 10. A
sweep whose loss fell by less than 5% gets a note that the suggestion is unreliable.
The model given is not changed (a copy is trained).
"""

from __future__ import annotations

import copy
import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from yearn._validation import check_number, check_positive_int
from yearn.errors import TrainingError
from yearn.train._batches import SplitTensors, should_stream
from yearn.train._config import TrainConfig
from yearn.train._data import make_train_data
from yearn.train._device import autocast, check_precision, resolve_device
from yearn.train._loop import _optimizer, seeded
from yearn.train._losses import check_loss, class_weights, default_loss, loss_function

__all__ = ["LRFindResult", "lr_find"]

MIN_DROP = 0.05  # a sweep whose loss fell less than this share says little


@dataclass
class LRFindResult:
    """Rates tried, smoothed losses, and the suggested rate (with how it was chosen)."""

    lrs: list[float]
    losses: list[float]
    suggestion: float
    method: str
    min_loss_lr: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "suggestion": self.suggestion,
            "method": self.method,
            "min_loss_lr": self.min_loss_lr,
            "lrs": self.lrs,
            "losses": self.losses,
        }

    def plot(self, path: str | Path | None = None) -> Any:
        """Loss against rate (log axis) with the suggestion marked; saved as PNG at ``path``."""
        from yearn.display import blank_figure, save_figure

        fig = blank_figure(6, 4)
        ax = fig.add_subplot()
        ax.plot(self.lrs, self.losses)
        ax.set_xscale("log")
        ax.axvline(
            self.suggestion,
            color="tab:red",
            linestyle="--",
            label=f"suggested {self.suggestion:.2g} ({self.method})",
        )
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss (smoothed)")
        ax.set_title("learning-rate range test")
        ax.legend()
        fig.tight_layout()
        if path is not None:
            save_figure(fig, path, dpi=100)
        return fig

    def _repr_html_(self) -> str:
        from yearn.display import figure_img, html_table

        rows = [
            ("suggested learning rate", f"{self.suggestion:.3g}"),
            ("chosen by", self.method),
            ("rate of the minimum loss", f"{self.min_loss_lr:.3g}"),
            (
                "rates tried",
                f"{len(self.lrs)} ({min(self.lrs, default=0):.2g} to "
                f"{max(self.lrs, default=0):.2g})",
            ),
            *(("note", note) for note in self.notes),
        ]
        table = html_table([{"": k, "value": v} for k, v in rows], ["", "value"])
        return (
            f"<div><p>lr-find: suggested learning rate <b>{self.suggestion:.3g}</b> "
            f"({html.escape(self.method)})</p>{table}"
            f"{figure_img(self.plot(), 'loss vs learning rate')}</div>"
        )


def suggest(lrs: np.ndarray, losses: np.ndarray) -> tuple[float, str, float]:
    """(suggested rate, method, rate of the minimum loss) from a range-test curve."""
    best = int(np.argmin(losses))
    min_lr = float(lrs[best])
    if best >= 5:
        slopes = np.gradient(losses[: best + 1], np.log(lrs[: best + 1]))
        return float(lrs[int(np.argmin(slopes))]), "steepest descent", min_lr
    return min_lr / 10, "minimum loss ÷ 10", min_lr


def lr_find(
    model: Any,
    data: Any,
    *,
    splits: Any = None,
    task: str | None = None,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 200,
    stop_factor: float = 4.0,
    smoothing: float = 0.9,
    device: str | torch.device | None = None,
    **params: Any,
) -> LRFindResult:
    """Run the range test; ``params`` are :class:`TrainConfig` fields (optimizer, batch size,
    weight_decay, width, depth, random_state...)."""
    from yearn.train._fit import _build

    cfg = TrainConfig.from_params(params)
    check_number("start_lr", start_lr, low=0.0, low_inclusive=False, error=TrainingError)
    check_number("end_lr", end_lr, low=start_lr, low_inclusive=False, error=TrainingError)
    check_positive_int("num_steps", num_steps, minimum=10, error=TrainingError)
    prepared = make_train_data(data, splits=splits, task=task)
    loss = cfg.loss or default_loss(prepared.task)
    check_loss(prepared.task, loss)
    dev = resolve_device(device)
    n = len(prepared.splits["train"])
    batch_size = cfg.resolved_batch_size(n)
    with seeded(cfg.random_state, dev, cfg.num_threads):
        net = _build(model, prepared, cfg, loss)
        if not isinstance(net, torch.nn.Module):
            raise TrainingError(
                "lr-find needs a torch model (scikit-learn estimators have no rate)."
            )
        net = copy.deepcopy(net).to(dev)
        cfg.lr = start_lr
        opt = _optimizer(net, cfg)
        gen = torch.Generator().manual_seed(cfg.random_state)
        check_precision(cfg.precision, dev)
        amp = autocast(cfg.precision, dev)
        stream = should_stream(prepared, dev, cfg.stream, splits=("train",))
        tensors = SplitTensors(prepared, loss, dev, stream=stream, splits=("train",))
        weight = class_weights(
            cfg.class_weight, prepared.task, loss, prepared.splits["train"].y, len(prepared.classes)
        )
        loss_fn = loss_function(loss, weight.to(dev) if weight is not None else None)
        factor = (end_lr / start_lr) ** (1 / (num_steps - 1))
        lrs: list[float] = []
        losses: list[float] = []
        avg, best = 0.0, math.inf
        perm, pos = torch.randperm(n, generator=gen), 0
        net.train()
        for step in range(num_steps):
            lr = start_lr * factor**step
            for group in opt.param_groups:
                group["lr"] = lr
            if pos + batch_size > n:
                perm, pos = torch.randperm(n, generator=gen), 0
            rows = perm[pos : pos + batch_size]
            pos += batch_size
            xb, yb = tensors.batch("train", rows.to(dev), rows)
            with amp:
                value = loss_fn(net(xb), yb)
            opt.zero_grad(set_to_none=True)
            value.backward()
            opt.step()
            raw = value.item()
            if not math.isfinite(raw):
                break
            avg = smoothing * avg + (1 - smoothing) * raw
            smooth = avg / (1 - smoothing ** (step + 1))  # bias-corrected
            lrs.append(lr)
            losses.append(smooth)
            best = min(best, smooth)
            if step > 10 and smooth > stop_factor * best:
                break
    if len(lrs) < 3:
        raise TrainingError(
            f"the loss diverged within {len(lrs)} steps of the range test; lower start_lr "
            f"(now {start_lr:g})."
        )
    suggestion, method, min_lr = suggest(np.asarray(lrs), np.asarray(losses))
    notes = []
    if min(losses) > (1 - MIN_DROP) * losses[0]:
        notes.append(
            f"the loss hardly fell during the sweep ({losses[0]:.4g} → at best "
            f"{min(losses):.4g}): the suggestion is unreliable; sweep more steps "
            "(num_steps / --steps), a larger batch, or check that the inputs predict the label."
        )
    return LRFindResult(lrs, losses, suggestion, method, min_lr, notes)
