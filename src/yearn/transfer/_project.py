"""Transfer on a project folder: its data and split manifest are task B; runs go to its
store. The backbone is a run of this project (or of ``backbone_project``) or a file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from yearn.errors import DataError
from yearn.transfer._advisor import TransferAdvice, advise_transfer
from yearn.transfer._compare import TransferComparison, compare_transfer
from yearn.transfer._transfer import TransferResult, transfer, transfer_text

__all__ = [
    "advise_transfer_project",
    "compare_transfer_project",
    "transfer_project",
    "transfer_text_project",
]


def _backbone_store(store: Any, backbone_project: str | Path | None) -> Any:
    if backbone_project is None:
        return store
    from yearn.store import open_store

    return open_store(Path(backbone_project))


def transfer_project(
    project: str | Path,
    backbone: str,
    *,
    backbone_project: str | Path | None = None,
    keep: Sequence[str] = (),
    **kwargs: Any,
) -> TransferResult:
    """:func:`~yearn.transfer.transfer` with the project's data as task B (one run).
    ``keep``: flagged columns to keep as features (:func:`yearn.train.project_data`)."""
    from yearn.train import project_data

    config, data, store = project_data(project, keep=keep)
    kwargs.setdefault("metric", config.metric.optimizing)
    return transfer(
        backbone,
        data,
        store=store,
        backbone_store=_backbone_store(store, backbone_project),
        **kwargs,
    )


def advise_transfer_project(
    project: str | Path,
    backbone: str,
    *,
    backbone_project: str | Path | None = None,
    n_a: int | None = None,
    random_state: int = 0,
    keep: Sequence[str] = (),
) -> TransferAdvice:
    """:func:`~yearn.transfer.advise_transfer` with the project's data as task B.
    ``keep``: flagged columns to keep as features (:func:`yearn.train.project_data`)."""
    from yearn.train import project_data

    _, data, store = project_data(project, keep=keep)
    return advise_transfer(
        backbone,
        data,
        n_a=n_a,
        store=_backbone_store(store, backbone_project),
        random_state=random_state,
    )


def compare_transfer_project(
    project: str | Path,
    backbone: str,
    *,
    backbone_project: str | Path | None = None,
    keep: Sequence[str] = (),
    **kwargs: Any,
) -> TransferComparison:
    """:func:`~yearn.transfer.compare_transfer` on the project's splits (runs in its store).
    ``keep``: flagged columns to keep as features (:func:`yearn.train.project_data`)."""
    from yearn.train import project_data

    config, data, store = project_data(project, keep=keep)
    kwargs.setdefault("metric", config.metric.optimizing)
    return compare_transfer(
        backbone,
        data,
        store=store,
        backbone_store=_backbone_store(store, backbone_project),
        **kwargs,
    )


def transfer_text_project(
    project: str | Path, *, keep: Sequence[str] = (), **kwargs: Any
) -> TransferResult:
    """The packaged text encoder + a new head on the project's first text column.

    ``kwargs``: as :func:`~yearn.transfer.transfer_text` (``policy``, ``k``,
    ``backbone_lr_factor``, ``max_length``, training parameters). A text column the data
    profile flags as leaky is left out unless ``keep`` names it."""
    from yearn.config import load_config
    from yearn.profile import screened_dataset
    from yearn.splits import load_manifest
    from yearn.store import open_store
    from yearn.train import split_indices

    config = load_config(project)
    dataset = screened_dataset(config, keep=keep)
    text_cols = [c for c in dataset.text_columns if c in dataset.frame]
    if not text_cols:
        raise DataError(
            f'{config.root}: the project lists no text column; set text_columns = ["..."] in '
            "yearn.toml to use the pretrained text encoder."
        )
    if dataset.task not in ("binary", "multiclass"):
        raise DataError(f"text transfer trains a classifier; the project task is {dataset.task}.")
    index = split_indices(dataset, load_manifest(config.root))
    texts = dataset.frame[text_cols[0]].astype("string").fillna("").to_numpy(dtype=object)
    labels = dataset.frame[dataset.label_columns[0]].astype(str).to_numpy()
    data = {s: (list(texts[i]), labels[np.asarray(i)]) for s, i in index.items() if s != "test"}
    kwargs.setdefault("metric", config.metric.optimizing)
    store = open_store(config.root)
    return transfer_text(data, store=store, **kwargs)
