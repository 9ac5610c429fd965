"""``yearn.tune.tune``: an Optuna study over a project's training, stored in its run store."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yearn.errors import ConfigError
from yearn.tune._result import DEFAULT, default_row

__all__ = ["tune"]

log = logging.getLogger("yearn.tune")


def _storage_url(project: Any) -> str:
    store = project.store()
    try:
        return str(store.url)
    finally:
        store.close()


def _split_trials(trials: int | None, jobs: int) -> list[int | None]:
    if trials is None:
        return [None] * jobs
    base, extra = divmod(trials, jobs)
    return [base + (1 if i < extra else 0) for i in range(jobs) if base or i < extra]


def tune(
    project: str | Path = ".",
    model: str = "mlp",
    *,
    trials: int | None = 20,
    timeout: float | None = None,
    jobs: int = 1,
    study: str | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    store_url: str | None = None,
    epochs: int | None = None,
    top_k: int = 3,
    confirm_seeds: int = 3,
    default_params: dict[str, Any] | None = None,
    random_state: int = 0,
    num_threads: int = 1,
    keep: Sequence[str] = (),
) -> Any:
    """Search hyperparameters of ``model`` on the project; returns a :class:`TuneResult`.

    Trials are scored on the *select* half of dev (pruned by the median of the per-epoch
    dev metric); the study lives in the run store's database and resumes by ``study``
    name; each trial is a yearn run. ``jobs`` workers run on ``executor`` (``local``
    processes or ``ray`` tasks). The default config (``TrainConfig`` defaults, updated by
    ``default_params``; same epochs and seed) is a candidate too, winning ties, so the winner
    is never worse than it on the select half. Afterwards the top ``top_k`` trials and the
    default are re-scored on the confirm half of dev and the winner is tested against the
    default: ``confirm_seeds`` seeds each for the default and the winner (the
    trials' seed and the next ones), tested on their seed-averaged error by a paired
    bootstrap over the confirm rows (over groups with a group column), so the claim is
    about the configs, not one lucky trained model; 1 keeps one model each (McNemar's
    test for the error rate). Columns the data
    profile flags as leaky or id-like are left out of every trial's features unless named
    in ``keep`` (or ``[features] keep``, ``--keep-column``).
    """
    from yearn.paths import KEEP_COLUMNS_ENV
    from yearn.project import Project
    from yearn.tune._space import DEFAULT_EPOCHS, resolve_space
    from yearn.tune._trial import WorkerSpec, storage_for

    if trials is None and timeout is None:
        raise ConfigError("give --trials or --timeout (or both): a study needs an end.")
    if trials is not None and trials < 1:
        raise ConfigError(f"--trials must be at least 1; got {trials}.")
    if isinstance(confirm_seeds, bool) or not isinstance(confirm_seeds, int) or confirm_seeds < 1:
        raise ConfigError(f"--confirm-seeds must be a positive integer; got {confirm_seeds!r}.")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(f"--jobs must be a positive integer; got {jobs!r}.")
    proj = Project(Path(project).resolve(), store_url=store_url)
    config = proj.require_config()
    name = study or f"{config.name}-{model}"
    spec = WorkerSpec(
        project=str(proj.root),
        store_url=store_url,
        storage=_storage_url(proj),
        study=name,
        model=model,
        space=resolve_space(model, config.task, dict(config.tune.space)),
        epochs=epochs or config.tune.epochs or DEFAULT_EPOCHS,
        metric=config.metric.optimizing,
        constraints=tuple(str(c) for c in config.metric.constraints),
        n_trials=trials,
        timeout=timeout,
        seed=random_state,
        keep_columns=",".join([*filter(None, [os.environ.get(KEEP_COLUMNS_ENV)]), *keep]) or None,
        num_threads=num_threads,
        mlflow=config.tracking.mlflow,
    )
    started = time.perf_counter()
    storage = storage_for(spec.storage)
    try:
        return _search(spec, storage, proj, name, model, trials, jobs, executor, ray_address,
                       top_k, confirm_seeds, default_params, random_state, started)  # fmt: skip
    finally:
        storage.engine.dispose()


def _search(spec, storage, proj, name, model, trials, jobs, executor, ray_address, top_k,
            confirm_seeds, default_params, random_state, started) -> Any:  # fmt: skip
    """The study itself: default config, workers, best trial, guard, record."""
    from yearn.metrics import choose_best
    from yearn.tune._executor import get_executor
    from yearn.tune._guard import confirm, dev_evaluations
    from yearn.tune._result import TuneResult, trial_rows
    from yearn.tune._trial import WorkerSpec, make_study, run_default, run_worker

    opt_study = make_study(spec, load=False, storage=storage)
    default = opt_study.user_attrs.get("default")
    if default is None:
        default = run_default(spec, dict(default_params or {}))
        opt_study.set_user_attr("default", default)
    runner = get_executor(executor, workers=jobs, address=ray_address)
    offset = len(opt_study.get_trials(deepcopy=False))  # > 0 when the study resumes
    specs = [
        WorkerSpec(**{**spec.__dict__, "n_trials": n, "worker": i, "offset": offset})
        for i, n in enumerate(_split_trials(trials, jobs))
    ]
    search_start = time.perf_counter()
    runner.map(run_worker, specs)
    search_seconds = time.perf_counter() - search_start
    rows = trial_rows(opt_study.get_trials(deepcopy=False))
    complete = [r for r in rows if r["state"] == "COMPLETE"]
    if not complete:
        raise ConfigError(
            f"study {name!r}: no trial completed ({len(rows)} pruned or failed); widen "
            "[tune.space] or give more --trials."
        )
    # ties go to the same trial whatever order parallel workers finished in: by params
    ordered = sorted(complete, key=lambda r: json.dumps(r["params"], sort_keys=True))
    # the default config is a candidate too, first, so a tie keeps it: the winner is never
    # worse than the default on the select half (same data, epochs and seed as the trials)
    candidates = [{"name": DEFAULT, "metrics": _metrics(default, spec)}]
    candidates += [{"name": f"#{r['number']}", "metrics": _metrics(r, spec)} for r in ordered]
    selection = choose_best(
        candidates, _error(spec.metric), spec.constraints, higher_is_better=False
    )
    if selection.best is None:
        raise ConfigError(f"study {name!r}: {selection.summary}")
    top = [n for n, _ in selection.ranking[:top_k] if n != DEFAULT]
    by_name = {f"#{r['number']}": r for r in complete}
    by_name[DEFAULT] = default_row(default)
    looks = int(opt_study.user_attrs.get("confirm_looks", 0)) + 1
    opt_study.set_user_attr("confirm_looks", looks)
    guard = confirm(
        spec,
        {"default": default["params"], **{n: by_name[n]["params"] for n in top}},
        {"default": default["value"], **{n: by_name[n]["value"] for n in top}},
        selection.best,
        len(rows),
        seeds=confirm_seeds,
        random_state=random_state,
    )
    store = proj.store()
    try:
        evaluations = dev_evaluations(store)
    finally:
        store.close()
    result = TuneResult(
        study=name,
        model=model,
        metric=_error(spec.metric),
        storage=spec.storage,
        executor=runner.describe(),
        trials=rows,
        selection=selection.to_dict(),
        best=by_name[selection.best],
        default=default,
        guard=guard,
        importances=_importances(opt_study),
        dev_evaluations=evaluations,
        confirm_looks=looks,
        search_seconds=search_seconds,
        seconds=time.perf_counter() - started,
        epochs=spec.epochs,
    )
    _record(proj, result)
    return result


def _record(project: Any, result: Any) -> None:
    """A run of kind ``tune`` with the result as ``tune_result.json`` (the report draws it)."""
    store = project.store()
    try:
        with store.run(
            name=f"tune {result.study}",
            kind="tune",
            config={"study": result.study, "model": result.model, "epochs": result.epochs},
        ) as run:
            data = result.to_dict()
            run.log_artifact(json.dumps(data, indent=2, default=str).encode(), "tune_result.json")
            run.log_metrics(
                {
                    "trials": float(len(result.trials)),
                    "pruned": float(data["counts"].get("PRUNED", 0)),
                    f"best_{result.metric}": float(result.best["value"]),
                    f"confirm_difference_{result.metric}": result.guard.difference,
                    "confirm_p_value": result.guard.p_value,
                }
            )
    finally:
        store.close()


def _error(metric: str) -> str:
    from yearn.config import error_name

    return error_name(metric)


def _metrics(row: dict[str, Any], spec: Any) -> dict[str, float]:
    return {_error(spec.metric): row["value"], **row.get("measured", {})}


def _importances(study: Any) -> dict[str, Any]:
    """fANOVA importances of the parameters, or why they are not measured."""
    import warnings

    import optuna

    values = [t.value for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if len(set(values)) < 2:  # Optuna would give every parameter the same share
        reason = "the complete trials all scored the same: nothing to attribute"
        return {"measured": False, "reason": reason, "values": {}}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values = optuna.importance.get_param_importances(study)
    except (ValueError, RuntimeError) as exc:  # too few complete trials or one-valued params
        return {"measured": False, "reason": str(exc), "values": {}}
    too_few = [str(w.message) for w in caught if "too small" in str(w.message)]
    if too_few:  # Optuna then reports equal importances: not a measurement
        return {"measured": False, "reason": too_few[0], "values": {}}
    return {"measured": True, "reason": None, "values": {k: float(v) for k, v in values.items()}}
