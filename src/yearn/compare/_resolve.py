"""Find a predictions table from a path or a run id of the run store."""

from __future__ import annotations

from pathlib import Path

from yearn.errors import PredictionsError, StoreError

__all__ = ["resolve_predictions"]

_NAMES = ("predictions.parquet", "predictions.csv")


def resolve_predictions(
    ref: str | Path, *, project: str | Path = ".", store_url: str | None = None
) -> tuple[Path, str]:
    """``(path, display name)`` of a predictions table given as a file or a run id.

    A run id (or a unique prefix) is looked up in the project's run store and its
    ``predictions.parquet`` (or ``.csv``) artefact is used, named after the run.
    """
    path = Path(ref)
    if path.exists() or path.suffix.lower() in (".parquet", ".csv"):
        return path, path.stem
    from yearn.project import Project

    project = Path(project)
    if not Project(project, store_url=store_url).has_store:
        raise PredictionsError(
            f"{ref}: no such file, and no run store at {project / '.yearn' / 'runs.db'} to "
            "look it up as a run id; give a predictions table (.parquet / .csv) or --project."
        )
    store = Project(project, store_url=store_url).store()
    try:
        run = store.get_run(str(ref))
        have = {a.name for a in store.artifacts(run.id)}
        for name in _NAMES:
            if name in have:
                return store.artifact_path(run.id, name), run.name
        raise StoreError(
            f"run {run.id} ({run.name}) has no predictions artefact (it has: "
            f"{', '.join(sorted(have)) or 'none'}); give a predictions table instead."
        )
    finally:
        store.close()
