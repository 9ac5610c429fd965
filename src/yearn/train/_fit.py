"""``yearn.fit``: train any model (built-in name, torch module, scikit-learn estimator)."""

from __future__ import annotations

import html
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from yearn.errors import TrainingError
from yearn.paths import PREDICTIONS_ARTIFACT
from yearn.train._callbacks import Callback, StoreCurves, TensorBoardLogger, log_epoch
from yearn.train._checkpoint import verify_checkpoint
from yearn.train._config import TrainConfig
from yearn.train._data import TrainData, make_train_data
from yearn.train._device import resolve_device
from yearn.train._loop import predict_outputs, seeded, train_torch, weights_version
from yearn.train._losses import (
    check_metric,
    default_loss,
    default_metric,
    epoch_metric,
    error_name,
    outputs_to_proba,
)
from yearn.train._models import MODEL_NAMES, build_model
from yearn.train._predictions import predictions_frame
from yearn.train._sklearn import is_sklearn, train_sklearn

__all__ = ["FitResult", "fit"]

log = logging.getLogger("yearn.train")


@dataclass
class FitResult:
    """What a training run produced (a plain data object).

    ``history``: one dict per epoch (``epoch``, ``lr``, ``<split>_loss``,
    ``<split>_metric``); ``metric`` names the metric (error form: lower is better);
    ``predictions``: the predictions table of every split.
    """

    model: Any
    data: TrainData
    history: list[dict[str, float]]
    metric: str
    loss: str
    predictions: pd.DataFrame
    config: dict[str, Any]
    best_epoch: int | None = None
    stop_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    run_id: str | None = None
    checkpoint_dir: Path | None = None

    def history_frame(self) -> pd.DataFrame:
        """The curves as a table, one row per epoch."""
        return pd.DataFrame(self.history)

    def final(self) -> dict[str, float]:
        """The last epoch's values (or the best epoch's, after early stopping restored it)."""
        if self.best_epoch is not None:
            return dict(self.history[self.best_epoch])
        return dict(self.history[-1])

    def plot(self, path: str | Path | None = None) -> Any:
        """Loss and metric curves per split (a matplotlib Figure; PNG at ``path``)."""
        from yearn.display import save_figure
        from yearn.train._display import curves_figure
        from yearn.train._losses import error_name

        fig = curves_figure(self.history, error_name(self.metric))
        if path is not None:
            save_figure(fig, path, dpi=100)
        return fig

    def _repr_html_(self) -> str:
        from yearn.display import figure_img, html_table

        table = html_table(self.history_frame(), max_rows=len(self.history))
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in [self.stop_reason, *self.notes] if n)
        return (
            f"<div><p><b>yearn fit</b>: {len(self.history)} epochs, metric "
            f"{html.escape(self.metric)}</p>{figure_img(self.plot(), 'training curves')}"
            f"{table}<ul>{notes}</ul></div>"
        )


def _model_name(model: Any) -> str:
    return model if isinstance(model, str) else type(model).__name__


def _build(model: Any, data: TrainData, cfg: TrainConfig, loss: str) -> Any:
    if isinstance(model, str):
        if model not in MODEL_NAMES:
            raise TrainingError(
                f"unknown model {model!r}; built-in models are {', '.join(MODEL_NAMES)}."
            )
        n_out = 1 if data.task == "binary" and loss == "bce" else data.n_outputs
        return build_model(
            model,
            data.input_shape,
            n_out,
            width=cfg.width,
            depth=cfg.depth,
            activation=cfg.activation,
            dropout=cfg.dropout,
        )
    if isinstance(model, torch.nn.Module) or is_sklearn(model):
        return model
    raise TrainingError(
        f"cannot train a {type(model).__name__}; give a model name ({', '.join(MODEL_NAMES)}), "
        "a torch.nn.Module or a scikit-learn estimator."
    )


def _open(store: Any) -> Any:
    if store is None or hasattr(store, "start_run"):
        return store
    from yearn.store import open_store

    return open_store(store)


def fit(
    model: Any,
    data: Any,
    *,
    splits: Any = None,
    task: str | None = None,
    callbacks: Sequence[Callback] = (),
    store: Any = None,
    run_name: str | None = None,
    checkpoint_dir: str | Path | None = None,
    tensorboard_dir: str | Path | None = None,
    resume: bool | str = False,
    include_test: bool = False,
    device: str | torch.device | None = None,
    **params: Any,
) -> FitResult:
    """Train ``model`` on ``data`` and return a :class:`FitResult`.

    ``model``: ``"mlp"`` / ``"linear"`` / ``"cnn"``, any ``torch.nn.Module``, or a
    scikit-learn estimator (one epoch = one ``fit``). ``data``: a Dataset with ``splits``
    (the manifest), a dict ``{"train": (X, y), "dev": (X, y), ...}`` or a ``TrainData``.
    ``params`` are the fields of :class:`TrainConfig` (epochs, lr, optimizer, batch_size,
    weight_decay, l1, schedule, loss, metric, early_stopping, grad_clip, random_state, ...).
    With ``store`` (a RunStore or a project folder) the run, its curves, checkpoints,
    TensorBoard events, final weights and ``predictions.parquet`` go to the run store;
    ``resume=True`` continues from ``checkpoint_dir``, ``resume="<run id>"`` from that run's
    checkpoints. Test rows are predicted only with ``include_test`` (and counted as a look).
    """
    cfg = TrainConfig.from_params(params)
    prepared = make_train_data(data, splits=splits, task=task)
    loss = cfg.loss or default_loss(prepared.task)
    metric = cfg.metric or default_metric(prepared.task)
    check_metric(metric, prepared.task)
    dev = resolve_device(device)
    store = _open(store)
    name = run_name or _model_name(model)
    run = None
    if store is not None:
        config = {
            "model": _model_name(model),
            "task": prepared.task,
            "loss": loss,
            "metric": metric,
            "classes": list(prepared.classes),
            **cfg.to_dict(),
        }
        if prepared.columns:  # what the feature screen let through, and what it left out
            config["columns"] = list(prepared.columns)
            config["excluded_columns"] = dict(prepared.excluded_columns)
        if isinstance(resume, str):
            config["resumed_from"] = resume
        if isinstance(resume, str):
            old = Path(store.artifact_root) / store.get_run(resume).id / "checkpoints"
            # checked before a new run exists: a bad checkpoint names its own file and
            # leaves no failed run behind
            if verify_checkpoint(old) is None:
                raise TrainingError(
                    f"run {resume} has no checkpoint to resume from ({old}/latest.json is "
                    "missing); start a new run instead."
                )
        run = store.start_run(name=name, kind="train", config=config)
        if checkpoint_dir is None:
            checkpoint_dir = run.artifact_dir / "checkpoints"
        if tensorboard_dir is None:
            tensorboard_dir = run.artifact_dir / "tensorboard"
    elif isinstance(resume, str):
        raise TrainingError("resume=<run id> needs store=<project folder or RunStore>.")
    try:
        if isinstance(resume, str):
            shutil.copytree(old, checkpoint_dir, dirs_exist_ok=True)
        result = _fit(
            model,
            prepared,
            cfg,
            loss,
            metric,
            list(callbacks),
            run,
            checkpoint_dir,
            tensorboard_dir,
            bool(resume),
            include_test,
            dev,
        )
        result.run_id = run.id if run is not None else None
        result.config["model_name"] = _model_name(model)
        if run is not None:
            _record(run, store, name, result, include_test)
            run.finish("completed")
        return result
    except BaseException as exc:
        if run is not None:
            run.finish("failed", error=f"{type(exc).__name__}: {exc}")
        raise


def _fit(
    model,
    data,
    cfg,
    loss,
    metric,
    callbacks,
    run,
    checkpoint_dir,
    tensorboard_dir,
    resume,
    include_test,
    device,
) -> FitResult:
    with seeded(cfg.random_state, device, cfg.num_threads):
        model = _build(model, data, cfg, loss)
        if is_sklearn(model):
            return _fit_sklearn(model, data, cfg, metric, run, include_test)
        extra: list[Callback] = []
        if run is not None:
            extra.append(_ResumedCurves(run))
        if tensorboard_dir is not None:
            extra.append(TensorBoardLogger(tensorboard_dir))
        state = train_torch(
            model,
            data,
            cfg,
            loss=loss,
            metric=metric,
            callbacks=extra + callbacks,
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            device=device,
        )
        probas = {}
        for split in data.splits:
            if split == "test" and not include_test:
                continue
            out = _final_outputs(state, split)
            out = out.float().cpu().numpy().astype(np.float64)
            probas[split] = outputs_to_proba(out, data.task, loss)
    return FitResult(
        model=state.model,
        data=data,
        history=state.history,
        metric=metric,
        loss=loss,
        predictions=predictions_frame(data, probas),
        config=cfg.to_dict(),
        best_epoch=state.best_epoch,
        stop_reason=state.stop_reason,
        notes=state.notes,
        checkpoint_dir=Path(checkpoint_dir) if checkpoint_dir is not None else None,
    )


def _final_outputs(state: Any, split: str) -> torch.Tensor:
    """The final model's outputs on a split: those of the last epoch's evaluation when the
    weights have not changed since (no early-stopping restore), else a new pass."""
    seen = state.outputs.get(split)
    if seen is not None and seen[0] == weights_version(state.model):
        return seen[1]
    x = state.tensors.x.get(split)  # placed by the loop: no second copy
    if x is None:  # test: from the host, chunk by chunk
        x = torch.as_tensor(state.data.splits[split].x, dtype=torch.float32)
    return predict_outputs(state.model, x, chunk=state.eval_chunk)


class _ResumedCurves(StoreCurves):
    """Store curves; after a resume, also the epochs the checkpoint already had."""

    def on_fit_start(self, state: Any) -> None:
        for row in state.history:
            logs = {k: v for k, v in row.items() if k not in ("epoch", "lr")}
            log_epoch(self.run, int(row["epoch"]) - 1, logs, state.metric_label)


def _fit_sklearn(model, data, cfg, metric, run, include_test) -> FitResult:
    model, logs, outputs = train_sklearn(model, data, metric)
    if run is not None:
        log_epoch(run, 0, logs, error_name(metric))
    probas = {s: o for s, o in outputs.items() if s != "test" or include_test}
    return FitResult(
        model=model,
        data=data,
        history=[{"epoch": 1, "lr": float("nan"), **logs}],
        metric=metric,
        loss="log_loss" if data.task != "regression" else "mse",
        predictions=predictions_frame(data, probas),
        config=cfg.to_dict(),
    )


def _record(run: Any, store: Any, name: str, result: FitResult, include_test: bool) -> None:
    """Predictions table, final weights and the test look, into the run."""
    from yearn.predictions import write_predictions

    write_predictions(result.predictions, run.artifact_dir / PREDICTIONS_ARTIFACT)
    run.log_artifact(run.artifact_dir / PREDICTIONS_ARTIFACT, name=PREDICTIONS_ARTIFACT)
    run.log_artifact(_summary_json(result), name="train_summary.json")
    result.plot(run.artifact_dir / "curves.png")
    run.log_artifact(run.artifact_dir / "curves.png", name="curves.png")
    prep = getattr(result.data, "preprocessor", None)
    if prep is not None and hasattr(prep, "save"):
        folder = prep.save(run.artifact_dir / "prep")
        for path in sorted(Path(folder).iterdir()):
            run.log_artifact(path, name=f"prep/{path.name}")
    if isinstance(result.model, torch.nn.Module):
        from safetensors.torch import save

        weights = {k: v.detach().cpu().contiguous() for k, v in result.model.state_dict().items()}
        run.log_artifact(save(weights), name="model.safetensors")
    if include_test and "test" in result.data.splits:
        test = result.predictions[result.predictions["split"] == "test"]
        value = _metric_on(result, test)
        looks = store.record_test_look(model=name, run_id=run.id, metric=result.metric, value=value)
        result.notes.append(f"test {result.metric} = {value:.4g} (look number {looks} at test)")
        log.warning("looked at the test set (%d looks so far)", looks)


def _summary_json(result: FitResult) -> bytes:
    """History, best epoch, stop reason and notes as JSON (NaN → null)."""
    import json
    import math

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    data = result.data
    summary = {
        "model": result.config.get("model_name"),
        "task": data.task,
        "classes": list(data.classes),
        "input_shape": list(data.input_shape),
        "metric": result.metric,
        "loss": result.loss,
        "epochs_run": len(result.history),
        "best_epoch": None if result.best_epoch is None else result.best_epoch + 1,
        "stop_reason": result.stop_reason,
        "notes": result.notes,
        "config": result.config,
        "history": result.history,
    }
    return json.dumps(clean(summary), indent=2, allow_nan=False).encode()


def _metric_on(result: FitResult, rows: pd.DataFrame) -> float:
    data = result.data
    part = data.splits["test"]
    if data.task == "regression":
        proba = rows["pred"].to_numpy(dtype=float)
    else:
        proba = rows[[f"proba:{c}" for c in data.classes]].to_numpy(dtype=float)
    return epoch_metric(result.metric, data.task, data.classes, part.y, proba)
