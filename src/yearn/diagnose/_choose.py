"""One diagnosis from whichever source was given: a run, a predictions table, or bare
errors; with none, the project's newest run that wrote a predictions table. The rules of
``yearn diagnose`` (exactly one source; sizes only with errors; the project's metric and
human level for a table) live here, not in the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yearn.diagnose._health import TrainingHealth
from yearn.diagnose._result import Diagnosis, MultiTaskDiagnosis
from yearn.errors import ConfigError

__all__ = ["SourcedDiagnosis", "diagnose_source"]

_SPLITS = ("train", "train_dev", "dev", "test")


@dataclass(frozen=True)
class SourcedDiagnosis:
    """A diagnosis, the training health when a run was diagnosed, and where it came from."""

    diagnosis: Diagnosis | MultiTaskDiagnosis
    source: str
    health: TrainingHealth | None = None
    payload: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.payload) if self.payload is not None else self.diagnosis.to_dict()
        out["source"] = self.source
        return out


def diagnose_source(
    *,
    run: str | None = None,
    predictions: str | Path | None = None,
    errors: dict[str, Any] | None = None,
    sizes: dict[str, int | None] | None = None,
    project: str | Path = ".",
    store_url: str | None = None,
    human: Any = None,
    n_human: int | None = None,
    metric: str | None = None,
    task: str | None = None,
    model: str | None = None,
    dev_same_distribution: bool | None = None,
    baseline_error: float | None = None,
    random_state: int = 0,
    group_column: str | None = None,
    **common: Any,
) -> SourcedDiagnosis:
    """Diagnose exactly one source. ``errors`` / ``sizes`` map ``train``, ``train_dev``,
    ``dev``, ``test`` to an error (``"8%"`` or ``0.08``) / a count; ``group_column`` (a
    table's group ids; default: the project's when the table has it) makes the intervals
    count groups; ``common`` is passed on (tolerance, confidence, similar_ratio, strict)."""
    from yearn.diagnose._from_predictions import diagnose_predictions
    from yearn.diagnose._ladder import diagnose
    from yearn.diagnose._sources import (
        diagnose_run,
        latest_run_with_predictions,
        project_diagnosis_options,
    )

    errors = {k: v for k, v in (errors or {}).items() if v is not None}
    sizes = {k: v for k, v in (sizes or {}).items() if v is not None}
    given = [n for n, on in (("--run", run), ("--predictions", predictions)) if on]
    if errors:
        given.append("errors (--train/--dev/...)")
    if not given:
        run = latest_run_with_predictions(project, store_url)
        if run is not None:
            given.append("--run")
    if len(given) != 1:
        raise ConfigError(
            "give exactly one source: --run ID, --predictions FILE, or errors such as "
            f"--train 8% --dev 10%; got {', '.join(given) or 'none'} (and the project "
            f"{project} has no completed run with a predictions table to default to)."
        )
    if run is None and predictions is None:
        if model is not None or task is not None:
            raise ConfigError("--model and --task apply to predictions tables, not to errors.")
        if group_column is not None:
            raise ConfigError(
                "--group-column applies to predictions tables (their rows carry group ids), "
                "not to errors: with errors, give the sizes the groups support (--n-dev ...)."
            )
        diag = diagnose(
            human=human,
            **{k: errors.get(k) for k in _SPLITS},
            n_human=n_human,
            **{f"n_{k}": sizes.get(k) for k in _SPLITS},
            metric=metric or "error",
            dev_same_distribution=bool(dev_same_distribution),
            **common,
        )
        return SourcedDiagnosis(diag, "errors given on the command line")
    if sizes:
        extra = ", ".join(f"--n-{k.replace('_', '-')}" for k in sizes)
        raise ConfigError(f"{extra}: sizes come from the predictions table itself; drop them.")
    kw = dict(
        common,
        human=human,
        n_human=n_human,
        model=model,
        task=task,
        random_state=random_state,
        dev_same_distribution=dev_same_distribution,
        group_column=group_column,
    )
    if run is not None:
        result = diagnose_run(
            run,
            project=project,
            store_url=store_url,
            baseline_error=baseline_error,
            metric=metric,
            **kw,
        )
        return SourcedDiagnosis(
            result.diagnosis, f"run {result.run_id}", result.health, result.to_dict()
        )
    kw = project_diagnosis_options(project, predictions, metric=metric, **kw)
    diag = diagnose_predictions(predictions, **kw)
    return SourcedDiagnosis(diag, str(predictions))
