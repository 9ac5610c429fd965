"""``yearn retrain``: grow the split with newly labelled data, retrain the deployed run's
configuration, compare new vs deployed on the new dev set with a paired test, and promote
the new model only when it is not significantly worse and meets every constraint."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn._io import atomic_write
from yearn.errors import ConfigError, DataError, TrainingError

__all__ = ["RetrainDecision", "append_rows", "retrain_project"]

log = logging.getLogger(__name__)
#: Name prefix of the runs retraining makes (never taken as "the deployed model" by default).
RETRAIN_PREFIX = "retrain "


@dataclass
class RetrainDecision:
    """What retraining did and why the new model was (not) promoted."""

    deployed_run: str
    new_run: str | None
    eligible: bool  # not significantly worse and meets every constraint
    promoted: bool  # eligible and not a dry run: the deployed pointer moved
    dry_run: bool
    metric: str
    deployed_value: float | None
    new_value: float | None
    improvement: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    dev_rows: int
    added_rows: int
    data_fingerprint: str | None
    reasons: list[str] = field(default_factory=list)
    comparison: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def verdict(self) -> str:
        what = "promoted" if self.promoted else "not promoted"
        if self.dry_run:
            what = "would be promoted" if self.eligible else "would not be promoted"
            what += " (dry run: the deployed model is unchanged)"
        return f"new run {self.new_run}: {what} — {'; '.join(self.reasons)}"

    def _repr_html_(self) -> str:
        from yearn.display import html_table

        rows = [{"": k, "value": v} for k, v in self.to_dict().items() if k != "comparison"]
        return html_table(rows, ["", "value"], caption="retrain decision")


def append_rows(project: Any, path: str | Path, source: str | None = None) -> int:
    """Append the rows of ``path`` (CSV/Parquet with the source's columns) to the file of
    ``source`` (default: the target source); returns the number of rows added."""
    config = project.require_config()
    names = [s.name for s in config.sources]
    if source is None:
        targets = [s for s in config.sources if s.role == "target"]
        if not targets:
            raise ConfigError(f"{config.path}: no source with role 'target'; pass --source.")
        src = targets[0]
    elif source not in names:
        raise ConfigError(
            f"--source {source!r} is not a source of {config.path} ({', '.join(names)})."
        )
    else:
        src = next(s for s in config.sources if s.name == source)
    from yearn.monitor._project import read_table

    new = read_table(path)
    target = Path(src.path)
    old = read_table(target)
    missing = [c for c in old.columns if c not in new.columns]
    if missing:
        raise DataError(f"{path}: lacks column(s) {missing} of source {src.name!r} ({target}).")
    id_col = config.id_column
    if id_col and id_col in old:
        clash = set(new[id_col].astype(str)) & set(old[id_col].astype(str))
        if clash:
            raise DataError(
                f"{path}: id(s) {sorted(clash)[:5]} are already in {target}; new rows need new ids."
            )
    merged = pd.concat([old, new[list(old.columns)]], ignore_index=True)
    with atomic_write(target) as tmp:
        if target.suffix.lower() == ".parquet":
            merged.to_parquet(tmp, index=False)
        else:
            merged.to_csv(tmp, index=False)
    return len(new)


def _train_params(config: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    from dataclasses import fields

    from yearn.train import TrainConfig

    known = {f.name for f in fields(TrainConfig)}
    params = {k: v for k, v in config.items() if k in known}
    return {**params, **overrides}


def _grow_split(project: Any) -> tuple[Any, int]:
    """Extend the manifest to the current data; old assignments must not move."""
    from yearn.splits import split_project

    old = project.manifest().table
    saved = split_project(project.root, store_url=project.store_url).manifest
    new = saved.table
    before = pd.Series(old["split"].astype(str).to_numpy(), index=old["id"].astype(str))
    after = pd.Series(new["split"].astype(str).to_numpy(), index=new["id"].astype(str))
    common = before.index.intersection(after.index)
    moved = int((before[common] != after[common]).sum())
    if moved:
        raise DataError(
            f"{project.paths.manifest}: {moved} examples changed split when the data grew; "
            "the split settings (salt, shares) were edited — restore them."
        )
    return saved, len(new) - len(old)


def _constraints(project: Any, preds: pd.DataFrame, run_id: str) -> list[str]:
    """Reasons the new run fails a constraint (measured on dev, or logged by the run)."""
    from yearn.metrics import get_metric

    failures = []
    dev = preds[preds["split"] == "dev"]
    with project.require_store() as store:
        logged = store.metrics(run_id)
    for c in project.config.metric.constraints:
        value = None
        try:
            m = get_metric(c.metric)
        except ConfigError:
            m = None
        if m is not None and {"label", "pred"} <= set(dev.columns):
            value = float(m.score(dev["label"].astype(str), dev["pred"].astype(str)))
        else:
            rows = logged[(logged["name"] == c.metric)]
            value = float(rows["value"].iloc[-1]) if len(rows) else None
        if value is None:
            failures.append(f"constraint {c} not measured for the new run")
        elif not c.satisfied(value):
            failures.append(f"constraint {c} not met ({c.metric} = {value:.4g})")
    return failures


def retrain_project(
    project: Any,
    *,
    run: str | None = None,
    dry_run: bool = False,
    alpha: float = 0.05,
    overrides: dict[str, Any] | None = None,
    export_path: str | None = None,
    export: bool = False,
) -> RetrainDecision:
    """Retrain the deployed run's configuration on the project's current data and decide.

    Promotion (``deployed`` pointer with lineage: data fingerprint = the grown manifest's
    sha256, parent = the deployed run, export folder: ``export_path``, or the folder
    ``yearn.ship.export_run`` writes when ``export``) happens unless
    ``dry_run``; a model significantly worse than the deployed one on the new dev set
    (paired test at ``alpha``) or failing a constraint is never promoted.
    """
    from yearn.compare import compare_predictions
    from yearn.monitor._project import deployed_run
    from yearn.monitor._scoring import score_run
    from yearn.train import fit, project_data

    parent, chosen = deployed_run(project, run)
    with project.require_store() as store:
        record = store.get_run(parent)
    if record.kind != "train" or "model" not in record.config:
        raise TrainingError(
            f"run {parent} is a {record.kind} run, not a yearn training run; retrain needs "
            "the configuration of a 'yearn train' run (pass --run)."
        )
    manifest, added = _grow_split(project)
    params = _train_params(record.config, overrides or {})
    _, data, store = project_data(project.root, project.store_url)
    params.setdefault("metric", project.config.metric.optimizing)
    model = record.config["model"]
    with store:
        result = fit(model, data, store=store, run_name=f"{RETRAIN_PREFIX}{model}", **params)
    new_run = result.run_id
    new_preds = result.predictions
    metric = params.get("metric") or project.config.metric.optimizing
    dataset = project.dataset if not added else _fresh_dataset(project)
    dev_ids = set(manifest.ids("dev").astype(str))
    ids = dataset.frame[dataset.id_column].astype(str)
    rows = np.flatnonzero(ids.isin(dev_ids).to_numpy())
    old = score_run(project, parent, dataset, rows, "dev")
    cmp = compare_predictions(
        old,
        new_preds,
        split="dev",
        metric=metric,
        name_a=f"deployed {parent}",
        name_b=f"new {new_run}",
        alpha=alpha,
    )
    reasons = []
    worse = cmp.better == cmp.name_a
    if worse:
        reasons.append(f"significantly worse than the deployed model ({cmp.verdict})")
    else:
        reasons.append(f"not significantly worse ({cmp.verdict})")
    failures = _constraints(project, new_preds, new_run)
    reasons += failures
    promote = not worse and not failures
    if chosen != "deployed":
        reasons.append(f"parent chosen as {chosen}")
    if promote and not dry_run and export:  # export first: no promotion without its export
        from yearn.ship import export_run

        export_path = str(export_run(project, new_run).path)
    if promote and not dry_run:
        with project.require_store() as store:
            if store.deployed() is None and chosen != "given":
                store.set_deployed(parent, reason="the model in use before the first retrain")
            store.set_deployed(
                new_run,
                parent_run_id=parent,
                export_path=export_path,
                data_fingerprint=manifest.sha256,
                reason="retrain: " + reasons[0],
                details={"comparison": cmp.to_dict(), "added_rows": added},
            )
    return RetrainDecision(
        deployed_run=parent,
        new_run=new_run,
        eligible=promote,
        promoted=promote and not dry_run,
        dry_run=dry_run,
        metric=cmp.metric,
        deployed_value=cmp.value_a,
        new_value=cmp.value_b,
        improvement=cmp.improvement,
        ci_low=cmp.ci_low,
        ci_high=cmp.ci_high,
        p_value=cmp.p_value,
        dev_rows=cmp.n,
        added_rows=added,
        data_fingerprint=manifest.sha256,
        reasons=reasons,
        comparison=cmp.to_dict(),
    )


def _fresh_dataset(project: Any) -> Any:
    from yearn.data import load_project

    return load_project(project.config)
