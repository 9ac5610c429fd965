"""The feature screen: columns the data profile flags as leaky or id-like are left out of
every model's features (baselines, training, learning curve, cv, scale-up, lr-find,
transfer, multi-task, tune) by default, from Python as from the command line.

The leakage check's verdicts are recorded in ``.yearn/feature_screen.json``
(:attr:`yearn.paths.ProjectPaths.feature_screen`) whenever the project is profiled;
:func:`yearn.data.load_project` reads that record and drops the flagged columns, except
those named in ``[features] keep`` of yearn.toml, ``--keep-column`` on the command line
(``$YEARN_KEEP_COLUMNS``) or ``keep=`` in Python. Every model entry point loads its data
through :func:`yearn.profile.screened_dataset`, which runs (and records) the leakage check
first when no record is current for the data, so no prior ``yearn profile`` is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yearn.config import ProjectConfig, load_config
from yearn.paths import ProjectPaths

__all__ = [
    "FeatureScreen",
    "flagged_columns",
    "recorded_screen",
    "save_screen",
]

log = logging.getLogger(__name__)

SCREEN_VERSION = 1
_LEAK_KINDS = ("near-perfect", "duplicates label")


@dataclass(frozen=True)
class FeatureScreen:
    """Which flagged columns are left out (``excluded``) and which are kept on request
    (``kept``), each with the profile's reason."""

    excluded: dict[str, str] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """One line for the CLI and the report ('' when nothing was flagged)."""
        parts = []
        if self.excluded:
            cols = "; ".join(f"{c} ({why})" for c, why in self.excluded.items())
            parts.append(
                f"left out of every model's features, as the data profile flags them: {cols}. "
                'Keep one with [features] keep = ["NAME"] in yearn.toml or --keep-column NAME'
            )
        if self.kept:
            parts.append(
                "kept on request (keep, --keep-column or text_columns) although flagged: "
                + "; ".join(f"{c} ({why})" for c, why in self.kept.items())
            )
        return ". ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"excluded": dict(self.excluded), "kept": dict(self.kept)}


def flagged_columns(profile: Any) -> dict[str, str]:
    """Column → reason for every column the profile's leakage check flags as leaky
    (near-perfect alone, or a copy of the label) or id-like."""
    if "leakage" not in profile:
        return {}
    flagged: dict[str, str] = {}
    for item in profile["leakage"].evidence:
        column, kind = str(item.get("column")), item.get("kind")
        if kind in _LEAK_KINDS:
            flagged[column] = f"leaky: {item.get('why')}"
        elif kind == "id-like" and column not in flagged:
            flagged[column] = f"id-like: {item.get('why')}"
    return flagged


def _stamp(config: ProjectConfig) -> list[Any]:
    """What the screen depends on: the label, the task and each source file's size/time."""
    files = []
    for src in config.sources:
        path = Path(src.path)
        try:
            st = path.stat()
            files.append([src.name, st.st_size, st.st_mtime_ns])
        except OSError:
            files.append([src.name, None])
    return [config.task, list(config.label_columns), config.id_column, files]


def save_screen(config: ProjectConfig, flagged: dict[str, str]) -> Path:
    """Record the flagged columns for ``config``'s project (atomically)."""
    from yearn._io import atomic_write_json

    path = ProjectPaths(config.root).feature_screen
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"version": SCREEN_VERSION, "stamp": _stamp(config), "flagged": flagged}
    atomic_write_json(path, record)
    return path


def _current(config: ProjectConfig) -> dict[str, str] | None:
    from yearn.data import read_screen

    record = read_screen(config.root)
    if record is None or record.get("stamp") != _stamp(config):
        return None
    return dict(record.get("flagged") or {})


def _screen(
    config: ProjectConfig, flagged: dict[str, str], keep: Sequence[str] = ()
) -> FeatureScreen:
    from yearn.data import kept_columns

    keep = set(kept_columns(config, keep))
    return FeatureScreen(
        excluded={c: r for c, r in flagged.items() if c not in keep},
        kept={c: r for c, r in flagged.items() if c in keep},
    )


def recorded_screen(
    project: str | Path | ProjectConfig = ".", keep: Sequence[str] = ()
) -> FeatureScreen | None:
    """The screen as last recorded by the profile (``None`` when the project was never
    profiled); computes nothing."""
    from yearn.data import read_screen

    config = project if isinstance(project, ProjectConfig) else load_config(project)
    record = read_screen(config.root)
    if record is None:
        return None
    return _screen(config, dict(record.get("flagged") or {}), keep)
