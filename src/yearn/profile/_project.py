"""``profile_project()``: profile every source of a project, per split when a split
manifest exists (``.yearn/splits.parquet``), per source otherwise."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from yearn.config import ProjectConfig, load_config
from yearn.errors import ConfigError
from yearn.profile._api import profile
from yearn.profile._result import CheckResult, Profile
from yearn.profile._screen import FeatureScreen, _current, _screen, flagged_columns, save_screen

__all__ = ["profile_project", "save_profile", "screen_features", "screened_dataset"]

log = logging.getLogger(__name__)


def profile_project(
    project: str | Path | ProjectConfig = ".",
    *,
    checks: list[str] | None = None,
    random_state: int = 0,
    max_rows: int = 200_000,
    n_jobs: int | None = None,
    options: dict[str, Any] | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
    memory: str | int | None = None,
    stream: bool = False,
) -> Profile:
    """Load the project's sources (``yearn.data.load_project``, every column) and profile
    them. When the leakage check runs, the columns it flags are recorded as the project's
    feature screen (left out of every model's features; see :func:`screen_features`).
    ``n_jobs`` checks run at once in threads (default: one per available core, at most 4;
    the results do not depend on it).

    ``memory`` (``"4GB"``): a budget; when the Parquet sources would not fit it, they are
    streamed (``docs/scale.md``) and ``result.scale`` says what is exact, sketched or
    sampled. ``stream`` streams even data that would fit (needs ``memory``)."""
    from yearn.data import load_project
    from yearn.splits import load_manifest, manifest_path

    config = project if isinstance(project, ProjectConfig) else load_config(project)
    if n_jobs is None:
        n_jobs = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    plan = None
    if stream and memory is None:
        raise ConfigError("stream=True needs a memory budget: pass memory='4GB' (--memory 4GB).")
    if memory is not None:
        from yearn.data.budget import parse_memory
        from yearn.profile._stream import profile_streaming, streaming_plan

        plan = streaming_plan(config, parse_memory(memory), max_rows, force=stream)
        if plan.mode == "streaming":
            result = profile_streaming(
                config,
                plan,
                checks=checks,
                random_state=random_state,
                n_jobs=n_jobs,
                options=options,
                on_check=on_check,
            )
            return _record(config, result, checks)
    # text features as categories: the profile reads codes, and holds a byte or two per cell
    dataset = load_project(config, check_images=False, screen=False, categorical=True)
    split = None
    if manifest_path(config.root).exists():
        manifest = load_manifest(config.root)
        split = manifest.table[["id", "split"]]
        log.debug("profiling per split from %s", manifest_path(config.root))
    result = profile(
        dataset,
        split=split,
        checks=checks,
        random_state=random_state,
        max_rows=max_rows,
        n_jobs=n_jobs,
        options=options,
        on_check=on_check,
    )
    if plan is not None:
        methods = {n: "in memory, as without --memory" for n in result.names}
        result.scale = {**plan.to_dict(), "methods": methods}
    return _record(config, result, checks)


def _record(config: ProjectConfig, result: Profile, checks: list[str] | None) -> Profile:
    """Record the feature screen (when leakage ran) and a full profile for the report."""
    if "leakage" in result:
        save_screen(config, flagged_columns(result))
    if checks is None:  # a full profile: the report shows it, however it was run
        save_profile(result, config.root)
    return result


def screen_features(
    project: str | Path | ProjectConfig = ".",
    *,
    random_state: int = 0,
    refresh: bool = False,
    keep: Sequence[str] = (),
) -> FeatureScreen:
    """The project's feature screen: the recorded one when the data has not changed since,
    else the leakage check is run (and recorded) now. Columns in ``[features] keep``,
    ``$YEARN_KEEP_COLUMNS`` or ``keep`` are reported as kept."""
    config = project if isinstance(project, ProjectConfig) else load_config(project)
    flagged = None if refresh else _current(config)
    if flagged is None:
        result = profile_project(config, checks=["leakage"], random_state=random_state)
        flagged = flagged_columns(result)  # profile_project recorded it
    return _screen(config, flagged, keep)


def screened_dataset(
    project: str | Path | ProjectConfig = ".",
    *,
    keep: Sequence[str] = (),
    random_state: int = 0,
    check_images: bool = True,
) -> Any:
    """The project's :class:`~yearn.data.Dataset` as every model sees it: the feature
    screen is made current first (:func:`screen_features`: the leakage check runs when the
    data changed since it was recorded), then the columns it flags as leaky or id-like are
    left out of the features, except those in ``keep`` (or ``[features] keep``,
    ``--keep-column``). ``Dataset.excluded_features`` names them with the profile's reason.
    The one path by which baselines, training, lr-find, scale-up, cv, the learning curve,
    transfer, multi-task and tune load a project."""
    from yearn.data import load_project

    config = project if isinstance(project, ProjectConfig) else load_config(project)
    screen = screen_features(config, random_state=random_state, keep=keep)
    if screen.message:
        log.info("features: %s", screen.message)
    return load_project(config, check_images=check_images, keep=keep)


def save_profile(result: Profile, root: str | Path) -> tuple[Path, Path]:
    """Write the profile as ``profile.json`` and ``profile.html`` where the report reads
    them (``.yearn/workflow/``); returns both paths."""
    import json

    from yearn._io import atomic_write_text
    from yearn.paths import ProjectPaths

    folder = ProjectPaths(root).workflow_results
    folder.mkdir(parents=True, exist_ok=True)
    json_path, html_path = folder / "profile.json", folder / "profile.html"
    # compact: with indent, json encodes in pure Python (seconds for a million flagged rows)
    atomic_write_text(json_path, json.dumps(result.to_dict()))
    atomic_write_text(html_path, result._repr_html_())
    return json_path, html_path
