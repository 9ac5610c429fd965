"""Leaving flagged columns out of a project's features.

The data profile records the columns it flags as leaky or id-like in
``.yearn/feature_screen.json`` (see :mod:`yearn.profile`); every project dataset drops
them from its features unless ``[features] keep`` (or ``$YEARN_KEEP_COLUMNS``, set by
``--keep-column``) names them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from yearn.config import ProjectConfig
from yearn.data.dataset import Dataset
from yearn.paths import KEEP_COLUMNS_ENV, ProjectPaths

__all__ = ["apply_screen", "kept_columns", "read_screen"]

log = logging.getLogger(__name__)


def read_screen(root: str | Path) -> dict[str, Any] | None:
    """The recorded feature screen of the project at ``root`` (``None`` if none)."""
    path = ProjectPaths(root).feature_screen
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s is unreadable (%s); profile the project again", path, exc)
        return None
    return record if isinstance(record, dict) else None


def kept_columns(config: ProjectConfig, keep: Sequence[str] = ()) -> tuple[str, ...]:
    """Columns to keep although flagged: ``[features] keep``, ``$YEARN_KEEP_COLUMNS`` (set
    by ``--keep-column``), ``keep`` (the Python API's ``keep=``) and the ``text_columns``
    the project names as its model's input: text that predicts the label well is what a
    text model is for, so the profile's flag on it is shown, not acted on."""
    keep = [keep] if isinstance(keep, str) else list(keep or ())
    extra = [c.strip() for c in os.environ.get(KEEP_COLUMNS_ENV, "").split(",") if c.strip()]
    declared = list(config.text_columns)
    return tuple(dict.fromkeys([*config.features.keep, *extra, *map(str, keep), *declared]))


def apply_screen(dataset: Dataset, config: ProjectConfig, keep: Sequence[str] = ()) -> Dataset:
    """``dataset`` without the recorded flagged columns among its features and text
    columns (they are dropped from the table too), except those in ``keep`` (see
    :func:`kept_columns`); ``excluded_features`` says why."""
    record = read_screen(config.root)
    flagged = dict((record or {}).get("flagged") or {})
    keep = set(kept_columns(config, keep))
    inputs = set(dataset.feature_columns) | set(dataset.text_columns)
    excluded = {c: str(r) for c, r in flagged.items() if c in inputs and c not in keep}
    if not excluded:
        return dataset
    return replace(
        dataset,
        frame=dataset.frame.drop(columns=list(excluded)),
        feature_columns=tuple(c for c in dataset.feature_columns if c not in excluded),
        text_columns=tuple(c for c in dataset.text_columns if c not in excluded),
        excluded_features=excluded,
    )
