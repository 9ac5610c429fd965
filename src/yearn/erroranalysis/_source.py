"""Find the predictions table to analyse: a file, or a run's artefact in the run store.

The only place error analysis, label issues and slices talk to the run store: ``run``
names a run whose ``predictions.parquet`` artefact is used (checked against its sha256);
with only ``project``, the newest completed run that has one.
"""

from __future__ import annotations

from pathlib import Path

from yearn.errors import ConfigError

__all__ = ["PREDICTIONS_ARTIFACT", "resolve_predictions"]

PREDICTIONS_ARTIFACT = "predictions.parquet"


def resolve_predictions(
    predictions: str | Path | None = None,
    *,
    project: str | Path | None = None,
    run: str | None = None,
) -> Path:
    """The path of the predictions table to analyse (see the module docstring)."""
    if predictions is not None:
        if run is not None:
            raise ConfigError("give --predictions FILE or --run ID, not both.")
        return Path(predictions)
    if project is None and run is None:
        raise ConfigError(
            "no predictions given: pass --predictions FILE, or --run ID / --project DIR to "
            "use a run's predictions.parquet from the run store."
        )
    from yearn.store import open_store

    root = Path(project) if project is not None else Path(".")
    with open_store(root) as store:
        return store.find_artifact(PREDICTIONS_ARTIFACT, run)
