"""Load the model a training run saved (``model.safetensors`` + ``train_summary.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from yearn.errors import TrainingError
from yearn.train._losses import expected_outputs
from yearn.train._models import MODEL_NAMES, build_model

__all__ = ["load_model"]


def load_model(store: Any, run_id: str, *, model: torch.nn.Module | None = None) -> torch.nn.Module:
    """The trained model of run ``run_id`` (eval mode), from a project folder or RunStore.

    Built-in models (mlp, cnn, linear) are rebuilt from the run's settings; for your own
    module pass ``model=`` a fresh instance and its weights are loaded into it. The
    inputs it expects are prepared by the run's ``prep/`` artefact (``yearn.prep``).
    """
    if not hasattr(store, "artifact_path"):
        from yearn.store import open_store

        store = open_store(Path(store))
    summary = json.loads(store.artifact_path(run_id, "train_summary.json").read_text("utf-8"))
    run = store.get_run(run_id)
    if "model.safetensors" not in {a.name for a in store.artifacts(run.id)}:
        raise TrainingError(
            f"run {run.id} saved no torch weights (a scikit-learn model is not saved: yearn "
            "never pickles); retrain it or use its predictions table."
        )
    # any other store error is the real cause (missing on disk, sha256 mismatch): let it show
    weights_path = store.artifact_path(run.id, "model.safetensors")
    weights = load_file(str(weights_path))
    if model is None:
        name = summary.get("model")
        if name not in MODEL_NAMES:
            raise TrainingError(
                f"run {run_id} trained a custom model ({name}); pass model=<a new instance "
                "of it> to load its weights."
            )
        cfg = summary["config"]
        n_out = expected_outputs(summary["task"], summary["loss"], len(summary["classes"]))
        model = build_model(
            name,
            summary["input_shape"],
            n_out,
            width=cfg.get("width"),
            depth=cfg.get("depth"),
            activation=cfg.get("activation", "relu"),
            dropout=cfg.get("dropout", 0.0),
        )
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        raise TrainingError(
            f"the weights of run {run_id} do not fit this model ({str(exc).splitlines()[0]})."
        ) from None
    return model.eval()
