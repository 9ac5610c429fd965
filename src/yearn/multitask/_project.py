"""Multi-task learning on a project folder (task = "multilabel", its split manifest)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yearn.errors import ConfigError
from yearn.multitask._advisor import MultiTaskAdvice, advise_multitask
from yearn.multitask._compare import JointVsSeparate, compare_joint_separate
from yearn.multitask._fit import MultiTaskResult, fit_multitask

__all__ = ["compare_multitask_project", "default_model", "fit_multitask_project"]


def default_model(data: Any) -> str:
    """``cnn`` for images (C, H, W), ``mlp`` for tables."""
    return "cnn" if len(data.input_shape) == 3 else "mlp"


def _load(project: str | Path, keep: Sequence[str] = ()) -> tuple[Any, Any, Any]:
    from yearn.train import project_data

    config, data, store = project_data(project, keep=keep)
    if data.task != "multilabel":
        raise ConfigError(
            f"{config.root}: the project task is {data.task!r}; multi-task learning needs "
            'task = "multilabel" with label_columns = [...] (one 1/0/empty column per task).'
        )
    return config, data, store


def fit_multitask_project(
    project: str | Path, model: str | None = None, *, keep: Sequence[str] = (), **params: Any
) -> MultiTaskResult:
    """Train the joint network on the project (one run), per-task scores and diagnosis.
    ``keep``: flagged columns to keep as features (:func:`yearn.train.project_data`)."""
    config, data, store = _load(project, keep)
    params.setdefault("group_column", config.group_column)
    return fit_multitask(model or default_model(data), data, store=store, **params)


def compare_multitask_project(
    project: str | Path,
    model: str | None = None,
    *,
    advise: bool = True,
    probe_epochs: int = 5,
    keep: Sequence[str] = (),
    **params: Any,
) -> tuple[JointVsSeparate, MultiTaskAdvice | None]:
    """Joint vs separate networks on the project (runs in its store), and the advisor."""
    _, data, store = _load(project, keep)
    model = model or default_model(data)
    result = compare_joint_separate(data, model=model, store=store, **params)
    advice = None
    if advise:
        advice = advise_multitask(
            data,
            model=model,
            width=params.get("joint_width") or params.get("width"),
            comparison=result,
            probe_epochs=probe_epochs,
            random_state=params.get("random_state", 0),
        )
    return result, advice
