"""The training loop: mini-batch gradient descent that talks only to a CallbackList.

Reproducibility: shuffling uses a local ``torch.Generator`` seeded with ``random_state``;
weight initialisation and dropout use torch's global generator, seeded only inside
``torch.random.fork_rng`` so the caller's global RNG state is untouched afterwards.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from yearn.errors import TrainingError
from yearn.train._augment import Augmenter
from yearn.train._batches import SplitTensors, _targets, should_stream
from yearn.train._callbacks import (
    Callback,
    CallbackList,
    DivergenceDetector,
    EarlyStopping,
    PlateauDetector,
)
from yearn.train._checkpoint import CheckpointCallback, load_checkpoint
from yearn.train._config import TrainConfig
from yearn.train._data import TrainData
from yearn.train._device import (
    autocast,
    check_precision,
    default_device,
    exact_float32,
    module_device,
)
from yearn.train._losses import (
    check_loss,
    class_weights,
    epoch_metric,
    expected_outputs,
    loss_function,
    outputs_to_proba,
)
from yearn.train._state import TrainState

__all__ = ["_targets", "default_device", "predict_outputs", "train_torch"]

EVAL_BATCH = 1024


@contextlib.contextmanager
def seeded(
    random_state: int, device: torch.device, num_threads: int | None = None
) -> Iterator[None]:
    """Seed torch's global RNG (and set its CPU threads) for the block only; the caller's
    RNG state and thread count are restored afterwards."""
    devices = [device.index or 0] if device.type == "cuda" else []
    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(random_state)
        if num_threads is not None:
            torch.set_num_threads(num_threads)
        try:
            yield
        finally:
            torch.set_num_threads(threads)


def predict_outputs(
    model: torch.nn.Module,
    x: torch.Tensor,
    *,
    chunk: int = EVAL_BATCH,
    fixed_shape: bool = False,
) -> torch.Tensor:
    """Model outputs (N, k) in eval mode, without gradients, on the model's device.

    ``x`` may live anywhere: each chunk of ``chunk`` rows is moved to the model's device.
    On CUDA, TF32 is off for the block (IEEE float32 products). With ``fixed_shape`` the
    last chunk is padded with zeros to ``chunk`` rows, so every product has the same shape
    whatever the number of rows asked for: an example's output then does not depend on
    which other rows were predicted with it (BLAS libraries choose kernels, and so the
    order of their sums, by shape).
    """
    device = module_device(model)
    model.eval()
    outs = []
    with torch.no_grad(), exact_float32(device):
        for i in range(0, len(x), chunk):
            part = x[i : i + chunk].to(device, non_blocking=True)
            n = len(part)
            if fixed_shape and n < chunk:
                part = torch.cat([part, part.new_zeros((chunk - n, *part.shape[1:]))])
            outs.append(model(part)[:n])
    out = torch.cat(outs) if outs else torch.empty(0, device=device)
    return out.reshape(len(x), -1)


def _check_model(model: torch.nn.Module, data: TrainData, loss: str, x: torch.Tensor) -> None:
    want = expected_outputs(data.task, loss, len(data.classes))
    try:
        got = predict_outputs(model, x[:2]).shape[1]
    except RuntimeError as exc:
        raise TrainingError(
            f"the model cannot take the data: examples of shape {tuple(x.shape[1:])} gave "
            f"{type(exc).__name__}: {exc}. Fix the model's input size."
        ) from None
    if got != want:
        what = {
            "regression": "1 output (a regression)",
            "multilabel": f"{want} outputs, one per task ({', '.join(data.classes)})",
        }.get(data.task, f"{want} outputs for the classes {', '.join(data.classes)}")
        raise TrainingError(
            f"the model has {got} outputs but this {data.task} task with loss {loss!r} needs "
            f"{what}; change the model's last layer (head) to {want} outputs."
        )


def _optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise TrainingError("the model has no trainable parameters.")
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay
        )
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    cls = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.AdamW
    return cls(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def _scheduler(opt: torch.optim.Optimizer, cfg: TrainConfig) -> Any:
    if cfg.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.step_size, gamma=cfg.gamma)
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs)
    return None


def _rng_state(state: TrainState) -> dict[str, Any]:
    out = {"torch": torch.get_rng_state(), "generator": state.generator.get_state()}
    if state.device.type == "cuda":
        out["cuda"] = torch.cuda.get_rng_state(state.device)
    return out


def _collect(state: TrainState, callbacks: CallbackList) -> dict[str, Any]:
    return {
        "model": state.model.state_dict(),
        "optimizer": state.optimizer.state_dict(),
        "scheduler": state.scheduler.state_dict() if state.scheduler is not None else {},
        "callbacks": callbacks.state_dict(),
        "rng": _rng_state(state),
        "history": state.history,
        "notes": state.notes,
        "stop_reason": state.stop_reason,
        "should_stop": state.should_stop,
    }


def _restore(state: TrainState, callbacks: CallbackList, saved: dict[str, Any]) -> None:
    try:
        state.model.load_state_dict(saved["model"])
        state.optimizer.load_state_dict(saved["optimizer"])
    except (RuntimeError, KeyError, ValueError) as exc:
        raise TrainingError(
            f"the checkpoint does not fit this model or optimizer ({str(exc).splitlines()[0]}); "
            "resume with the settings of the run that wrote it (model, width, depth, "
            "optimizer)."
        ) from None
    if state.scheduler is not None and saved["scheduler"]:
        state.scheduler.load_state_dict(saved["scheduler"])
    callbacks.load_state_dict(saved["callbacks"])
    torch.set_rng_state(saved["rng"]["torch"])
    state.generator.set_state(saved["rng"]["generator"])
    if "cuda" in saved["rng"] and state.device.type == "cuda":
        torch.cuda.set_rng_state(saved["rng"]["cuda"], state.device)
    state.history = list(saved["history"])
    state.notes = list(saved["notes"])
    state.stop_reason = saved["stop_reason"]
    state.should_stop = bool(saved["should_stop"])
    state.epoch = saved["epoch"] + 1


def _l1(model: torch.nn.Module) -> torch.Tensor:
    return sum(p.abs().sum() for p in model.parameters() if p.requires_grad and p.ndim > 1)


def weights_version(model: torch.nn.Module) -> tuple[tuple[int, int], ...]:
    """Identity and in-place version of every parameter and buffer: equal only while no
    optimizer step, weight restore (``load_state_dict``) or swap has touched the model."""
    tensors = [*model.parameters(), *model.buffers()]
    return tuple((id(t), t._version) for t in tensors)


def _device_metric(state: TrainState, out: torch.Tensor, y: torch.Tensor) -> float | None:
    """The epoch metric computed where the outputs are (one small copy to the host), for
    the default metrics: ``error`` of a softmax classifier (the arg-max of the logits is
    that of the probabilities) and ``rmse`` (in float64). ``None``: use the NumPy path."""
    task, name = state.data.task, state.metric_name
    if name == "error" and task in ("binary", "multiclass") and state.loss_name == "cross_entropy":
        return float((out.argmax(dim=1) != y).double().mean())
    if name == "rmse" and task == "regression":
        diff = out.reshape(-1).double() - y.double()
        return float(diff.square().mean().sqrt())
    return None


def _evaluate(
    state: TrainState, split: str, x: torch.Tensor, y: torch.Tensor, chunk: int
) -> tuple[float, float]:
    out = predict_outputs(state.model, x, chunk=chunk)
    state.outputs[split] = (weights_version(state.model), out)
    with exact_float32(state.device):
        loss = float(loss_function(state.loss_name, state.loss_weight)(out, y))
    fast = _device_metric(state, out, y)
    if fast is not None:
        return loss, fast
    proba = outputs_to_proba(out.cpu().numpy().astype(np.float64), state.data.task, state.loss_name)
    return loss, epoch_metric(
        state.metric_name, state.data.task, state.data.classes, state.data.splits[split].y, proba
    )


def train_torch(
    model: torch.nn.Module,
    data: TrainData,
    cfg: TrainConfig,
    *,
    loss: str,
    metric: str,
    callbacks: list[Callback],
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    device: torch.device | None = None,
) -> TrainState:
    """Train ``model`` in place; returns the final :class:`TrainState`.

    Must run inside :func:`seeded` (the caller builds the model there too).
    """
    device = device or default_device()
    check_loss(data.task, loss)
    check_precision(cfg.precision, device)
    n_train = len(data.splits["train"])
    batch_size = cfg.resolved_batch_size(n_train)
    model.to(device)
    # test rows are not needed to train: they stay on the host (predicted from there only
    # when asked for)
    used = tuple(s for s in data.splits if s != "test")
    stream = should_stream(data, device, cfg.stream, splits=used)
    tensors = SplitTensors(data, loss, device, stream=stream, splits=used)
    _check_model(model, data, loss, tensors.x["train"])
    Augmenter.check(cfg.augment, tensors.x["train"])
    augmenter = Augmenter(cfg.augment, cfg.random_state) if cfg.augment != "none" else None
    optimizer = _optimizer(model, cfg)
    generator = torch.Generator().manual_seed(cfg.random_state)
    state = TrainState(
        model,
        optimizer,
        _scheduler(optimizer, cfg),
        cfg,
        data,
        device,
        generator,
        metric_name=metric,
        loss_name=loss,
    )
    state.tensors = tensors
    builtin: list[Callback] = [
        DivergenceDetector(cfg.divergence_factor),
        PlateauDetector(cfg.plateau_patience),
    ]
    if cfg.early_stopping is not None:
        if "dev" not in data.splits:
            raise TrainingError("early_stopping needs a dev split to monitor; give one.")
        builtin.append(EarlyStopping("dev_metric", cfg.early_stopping))
    cbs = CallbackList(builtin + list(callbacks))
    if checkpoint_dir is not None:
        cbs = CallbackList(
            [*cbs.callbacks, CheckpointCallback(checkpoint_dir, lambda: _collect(state, cbs))]
        )
        if resume:
            saved = load_checkpoint(checkpoint_dir)
            if saved is not None:
                _restore(state, cbs, saved)
    elif resume:
        raise TrainingError("resume needs a checkpoint_dir to resume from.")

    state.loss_weight = class_weights(
        cfg.class_weight, data.task, loss, data.splits["train"].y, len(data.classes)
    )
    if state.loss_weight is not None:  # on the device once, not copied every batch
        state.loss_weight = state.loss_weight.to(device)
    loss_fn = loss_function(loss, state.loss_weight)
    eval_splits = [s for s in ("train_dev", "dev") if s in tensors.x]
    state.eval_chunk = eval_chunk(batch_size)
    amp = autocast(cfg.precision, device)
    l1, clip, streamed = cfg.l1, cfg.grad_clip, tensors.streamed
    x_train, y_train = tensors.x["train"], tensors.y["train"]
    try:
        cbs.on_fit_start(state)
        while state.epoch < cfg.epochs and not state.should_stop:
            cbs.on_epoch_start(state)
            model.train()
            if augmenter is not None:
                augmenter.start_epoch(state.epoch)
            lr = state.lr
            # the order on the host (it indexes the labels for the running metric and
            # gathers streamed inputs), one copy of it on the device per epoch
            perm_host = torch.randperm(n_train, generator=generator)
            perm = perm_host.to(device)
            total, outs = 0.0, []
            for b, start in enumerate(range(0, n_train, batch_size)):
                idx = perm[start : start + batch_size]
                if streamed:
                    xb, yb = tensors.batch("train", idx, perm_host[start : start + batch_size])
                else:
                    xb, yb = x_train[idx], y_train[idx]
                if augmenter is not None:
                    xb = augmenter(xb)
                with amp:
                    out = model(xb)
                    batch_loss = loss_fn(out, yb)
                objective = batch_loss + l1 * _l1(model) if l1 else batch_loss
                optimizer.zero_grad(set_to_none=True)
                objective.backward()
                if clip is not None:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
                optimizer.step()
                value = batch_loss.item()  # the one host sync of a batch
                total += value * len(xb)
                outs.append(out.detach())
                cbs.on_batch_end(state, b, value)
            if state.scheduler is not None:
                state.scheduler.step()
            logs = {"train_loss": total / n_train}
            logs["train_metric"] = _running_metric(state, outs, perm, perm_host, n_train)
            for split in eval_splits:
                logs[f"{split}_loss"], logs[f"{split}_metric"] = _evaluate(
                    state, split, tensors.x[split], tensors.y[split], state.eval_chunk
                )
            state.history.append({"epoch": state.epoch + 1, "lr": lr, **logs})
            cbs.on_epoch_end(state, logs)
            state.epoch += 1
        cbs.on_fit_end(state)
    finally:
        cbs.on_teardown(state)
    return state


def _running_metric(
    state: TrainState, outs: list[torch.Tensor], perm: torch.Tensor, order: torch.Tensor, n: int
) -> float:
    """Training metric from the outputs seen during the epoch (Keras-style, no extra pass);
    row i of the outputs is example ``perm[i]`` (``order``: the same on the host)."""
    out = torch.cat(outs).float().reshape(n, -1)
    if not bool(torch.isfinite(out).all()):
        return math.nan
    fast = _device_metric(state, out, state.tensors.y["train"][perm])
    if fast is not None:
        return fast
    proba = outputs_to_proba(out.cpu().numpy().astype(np.float64), state.data.task, state.loss_name)
    y = state.data.splits["train"].y[order.numpy()]
    return epoch_metric(state.metric_name, state.data.task, state.data.classes, y, proba)


def eval_chunk(batch_size: int) -> int:
    """Rows per forward pass when evaluating: the training batch (memory for it is there,
    and without gradients a pass needs less), at least :data:`EVAL_BATCH`."""
    return max(EVAL_BATCH, batch_size)
