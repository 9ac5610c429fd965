"""``Project``: one project folder and everything yearn keeps for it.

Every command and step asks the project for its config, run store, split manifest,
dataset and predictions instead of joining paths or resolving the store itself, so the
store is resolved one way everywhere: an explicit URL, then ``$YEARN_STORE_URL``, then
``[store] url`` in ``yearn.toml``, then SQLite in ``.yearn/runs.db``.

>>> project = Project("my-project")          # doctest: +SKIP
>>> preds = project.predictions()           # newest run with predictions  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yearn.errors import ConfigError, PredictionsError, StoreError
from yearn.paths import PREDICTIONS_ARTIFACT, STORE_URL_ENV, ProjectPaths

if TYPE_CHECKING:
    from yearn.config import ProjectConfig
    from yearn.data import Dataset
    from yearn.predictions import Predictions
    from yearn.splits import SplitManifest
    from yearn.store import RunStore

__all__ = ["WORKFLOW_STATE_VERSION", "Project", "read_predictions", "resolve_predictions"]

log = logging.getLogger(__name__)

#: The version of ``.yearn/workflow.json`` this code reads and writes.
WORKFLOW_STATE_VERSION = 1

#: The artefact names a run's predictions table may have, preferred first.
_PREDICTION_NAMES = (PREDICTIONS_ARTIFACT, "predictions.csv")


class Project:
    """A project folder: its paths, config, run store, manifest, dataset and predictions.

    ``store_url`` overrides every other way of naming the run store. Nothing is read until
    it is asked for; the config and dataset are read once and kept.
    """

    def __init__(self, root: str | Path = ".", *, store_url: str | None = None) -> None:
        self.root = Path(root)
        self.paths = ProjectPaths(self.root)
        self._store_url = store_url

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r})"

    # -- the project file ------------------------------------------------------------
    @property
    def has_config(self) -> bool:
        """True when the folder holds a ``yearn.toml``."""
        return self.paths.config_file.is_file()

    @cached_property
    def config(self) -> ProjectConfig:
        """The parsed ``yearn.toml`` (``ConfigError`` naming the file when it is absent)."""
        from yearn.config import load_config

        return load_config(self.root)

    # -- the run store ---------------------------------------------------------------
    @property
    def store_url(self) -> str | None:
        """The configured store URL, or None for the project's own SQLite file."""
        from yearn.config import resolve_store_url

        if self._store_url or os.environ.get(STORE_URL_ENV) or not self.has_config:
            return resolve_store_url(self.root, self._store_url, config=None)
        return resolve_store_url(self.root, None, config=self.config)

    @property
    def has_store(self) -> bool:
        """True when a store exists to read (a URL is configured or the SQLite file exists)."""
        return self.store_url is not None or self.paths.store_db.is_file()

    def store(self) -> RunStore:
        """Open the run store (a context manager; close it when done)."""
        from yearn.store import open_store

        return open_store(self.root, url=self.store_url)

    def require_store(self) -> RunStore:
        """Open the run store, refusing with the fix when the project has none yet."""
        if not self.has_store:
            raise StoreError(
                f"{self.root}: no run store yet ({self.paths.store_db} does not exist); run "
                "'yearn train' or 'yearn run' first, or pass --store-url."
            )
        return self.store()

    # -- data ------------------------------------------------------------------------
    def manifest(self) -> SplitManifest:
        """The saved split manifest (checked against its sidecar)."""
        from yearn.splits import load_manifest

        return load_manifest(self.root)

    @cached_property
    def dataset(self) -> Dataset:
        """Every source of the project as one validated :class:`~yearn.data.Dataset`."""
        from yearn.data import load_project

        return load_project(self.config)

    # -- predictions -----------------------------------------------------------------
    def latest_run_with(self, artifact: str = PREDICTIONS_ARTIFACT) -> str | None:
        """Id of the newest completed run that saved ``artifact``, or None."""
        if not self.has_store:
            return None
        with self.store() as store:
            return store.latest_run_with(artifact)

    def artifact(self, name: str, run: str | None = None) -> Path:
        """Path of a run's artefact (sha256 checked); without ``run`` the newest that has it."""
        with self.require_store() as store:
            return store.find_artifact(name, run)

    def predictions_path(self, run: str | None = None) -> Path:
        """Path of a run's predictions table (the newest run's when ``run`` is None)."""
        return self.artifact(PREDICTIONS_ARTIFACT, run)

    def predictions(self, run: str | None = None) -> Predictions:
        """The validated predictions table of ``run`` (the newest run's when None)."""
        from yearn.predictions import load_predictions

        task = self.config.task if self.has_config else None
        return load_predictions(self.predictions_path(run), task=task)

    # -- the workflow's record -------------------------------------------------------
    def workflow_state(self) -> dict[str, Any]:
        """The last ``yearn run``'s record (``steps``, ``options``); ``{}`` when there is none
        or it cannot be read (then every step runs again)."""
        path = self.paths.workflow_state
        if not path.exists():
            return {}
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("%s is unreadable (%s); every step will run again", path, exc)
            return {}
        if not isinstance(state, dict) or state.get("version") != WORKFLOW_STATE_VERSION:
            return {}
        return state

    def workflow_steps(self) -> dict[str, Any]:
        """The steps the last ``yearn run`` recorded, in the order they ran."""
        steps = self.workflow_state().get("steps")
        return steps if isinstance(steps, dict) else {}

    def require_config(self) -> ProjectConfig:
        """The config, or a ``ConfigError`` that says how to create one."""
        if not self.has_config:
            raise ConfigError(
                f"{self.paths.config_file}: no project file here; run 'yearn init' to create "
                "one (or pass --project to point at the folder that has it)."
            )
        return self.config


def resolve_predictions(
    ref: str | Path | None = None,
    *,
    project: str | Path | None = None,
    run: str | None = None,
    store_url: str | None = None,
) -> tuple[Path, str]:
    """``(path, display name)`` of the predictions table a command should read.

    ``ref`` is a table (``.parquet`` / ``.csv``) or a run id (a unique prefix will do) of the
    project's run store; ``run`` names a run; with neither, the newest completed run of
    ``project`` that saved one. The store is resolved as :class:`Project` resolves it.
    """
    if ref is not None and run is not None:
        raise ConfigError("give --predictions FILE or --run ID, not both.")
    if ref is not None:
        path = Path(ref)
        if path.exists() or path.suffix.lower() in (".parquet", ".csv"):
            return path, path.stem
        run = str(ref)
    elif project is None and run is None:
        raise ConfigError(
            "no predictions given: pass --predictions FILE, or --run ID / --project DIR to "
            "use a run's predictions.parquet from the run store."
        )
    where = Project(project if project is not None else ".", store_url=store_url)
    if not where.has_store and run is None:
        raise StoreError(
            f"{where.root}: no completed run with predictions yet (no run store at "
            f"{where.paths.store_db}); run 'yearn train' or 'yearn run' first."
        )
    if not where.has_store:
        raise PredictionsError(
            f"{ref if ref is not None else run}: no such file, and no run store at "
            f"{where.paths.store_db} to look it up as a run id; give a predictions table "
            "(.parquet / .csv) or --project."
        )
    with where.store() as store:
        if run is None:
            return store.find_artifact(PREDICTIONS_ARTIFACT), ""
        found = store.get_run(run)
        have = {a.name for a in store.artifacts(found.id)}
        for name in _PREDICTION_NAMES:
            if name in have:
                return store.artifact_path(found.id, name), found.name
        raise StoreError(
            f"run {found.id} ({found.name}) has no predictions artefact (it has: "
            f"{', '.join(sorted(have)) or 'none'}); give a predictions table instead."
        )


def read_predictions(
    ref: str | Path | None = None,
    *,
    project: str | Path | None = None,
    run: str | None = None,
    store_url: str | None = None,
    model: str | None = None,
) -> Predictions:
    """The validated predictions table :func:`resolve_predictions` finds (its ``source`` is
    the file); with ``model``, only that model's rows."""
    from yearn.predictions import load_predictions

    path, _ = resolve_predictions(ref, project=project, run=run, store_url=store_url)
    preds = load_predictions(path)
    return preds if model is None else preds.for_model(model)
