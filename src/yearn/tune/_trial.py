"""One worker of a study: loads the project once, then runs Optuna trials, each a yearn
train run on the select half of dev, pruned on its per-epoch dev metric."""

from __future__ import annotations

import math
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["WorkerSpec", "measure", "run_worker", "train_config"]


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs (picklable: it travels to processes and Ray tasks)."""

    project: str
    store_url: str | None
    storage: str
    study: str
    model: str
    space: dict[str, Any]
    epochs: int
    metric: str
    constraints: tuple[str, ...]
    n_trials: int | None
    timeout: float | None
    seed: int
    worker: int = 0
    offset: int = 0  # trials the study held when this search began (a resumed study)
    keep_columns: str | None = None
    num_threads: int = 1
    mlflow: str | None = None  # [tracking] mlflow: trials also log there while training
    env: dict[str, str] = field(default_factory=dict)


def storage_for(url: str) -> Any:
    """Optuna's RDB storage on the run store's database (waits on a busy SQLite file)."""
    import optuna

    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 60}
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)


def _load(spec: WorkerSpec) -> tuple[Any, Any]:
    from yearn.train import project_data

    keep = [c for c in (spec.keep_columns or "").split(",") if c]
    _, data, store = project_data(spec.project, spec.store_url, keep=keep)
    return data, store


def train_config(spec: WorkerSpec, params: dict[str, Any]) -> dict[str, Any]:
    """The full keyword arguments of ``yearn.fit`` for a trial's ``params``."""
    return {
        "epochs": spec.epochs,
        "metric": spec.metric,
        "random_state": spec.seed,
        "num_threads": spec.num_threads,
        **params,
    }


def measure(result: Any, constraints: tuple[str, ...]) -> dict[str, float]:
    """What the satisficing constraints may name: ``size_kb`` and ``n_params`` of the
    model, ``latency_ms`` (mean per dev row, one batch) and any registered metric on dev."""
    import torch

    from yearn.config import parse_constraint
    from yearn.metrics import get_metric, score_predictions
    from yearn.train import predict_outputs

    model = result.model
    out: dict[str, float] = {}
    if isinstance(model, torch.nn.Module):
        tensors = list(model.state_dict().values())
        out["n_params"] = float(sum(t.numel() for t in tensors))
        out["size_kb"] = sum(t.numel() * t.element_size() for t in tensors) / 1024
        x = torch.as_tensor(result.data.splits["dev"].x, dtype=torch.float32)
        start = time.perf_counter()
        predict_outputs(model, x)
        out["latency_ms"] = 1000 * (time.perf_counter() - start) / max(len(x), 1)
    dev = result.predictions[result.predictions["split"] == "dev"]
    for text in constraints:
        name = parse_constraint(text).metric
        if name not in out:
            metric = get_metric(name)  # unknown names fail here, naming the registry
            out[name] = float(score_predictions(dev, metric))
    return out


def _violations(measured: dict[str, float], constraints: tuple[str, ...]) -> list[float]:
    """Optuna's constraint values: <= 0 when a constraint is met."""
    from yearn.config import parse_constraint

    values = []
    for text in constraints:
        c = parse_constraint(text)
        v = measured.get(c.metric, math.nan)
        if not math.isfinite(v):
            values.append(1.0)
        elif c.op in ("<=", "<"):
            values.append(v - c.threshold)
        elif c.op in (">=", ">"):
            values.append(c.threshold - v)
        else:
            values.append(abs(v - c.threshold))
    return values


def raw_params(trial: Any) -> dict[str, Any]:
    """The trial's sampled parameters as Optuna holds them."""
    return dict(trial.params)


def _label(spec: WorkerSpec) -> str:
    from yearn.config import error_name

    return error_name(spec.metric)


def _constraints_func(trial: Any) -> list[float]:
    return list(trial.user_attrs.get("constraints", []))


def sampler_seed(spec: WorkerSpec) -> int:
    """The worker's sampler seed: ``seed + worker`` for a new study; for a resumed one also
    keyed by how many trials it held, so a second search does not redraw the first's
    configurations (TPE's first trials are random draws from this seed)."""
    if not spec.offset:
        return spec.seed + spec.worker
    import numpy as np

    entropy = [spec.seed, spec.worker, spec.offset]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def make_study(spec: WorkerSpec, *, load: bool, storage: Any = None) -> Any:
    """Create (or load) the study with the TPE sampler and the median pruner (on
    ``storage``, else a new RDB storage on ``spec.storage``)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # the library never prints (see run_worker)
    # Optuna >= 5 reads each trial's set_constraint values; older ones a constraints_func
    old_api = spec.constraints and not hasattr(optuna.trial.Trial, "set_constraint")
    with warnings.catch_warnings():  # constraints_func is marked experimental in Optuna 3-4
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(
            seed=sampler_seed(spec),
            constraints_func=_constraints_func if old_api else None,
        )
    # no pruning in the first quarter of the epochs: early curves cross
    pruner = optuna.pruners.MedianPruner(
        n_startup_trials=5, n_warmup_steps=max(1, spec.epochs // 4)
    )
    storage = storage if storage is not None else storage_for(spec.storage)
    if load:
        return optuna.load_study(
            study_name=spec.study, storage=storage, sampler=sampler, pruner=pruner
        )
    return optuna.create_study(
        study_name=spec.study,
        storage=storage,
        sampler=sampler,
        pruner=pruner,
        direction="minimize",
        load_if_exists=True,
    )


def run_worker(spec: WorkerSpec) -> int:
    """Run ``spec.n_trials`` trials (or until ``spec.timeout``); returns how many ran."""
    import optuna

    from yearn.errors import TrainingError
    from yearn.train import MLflowLogger, fit
    from yearn.tune._halves import dev_half
    from yearn.tune._hparams import write_hparams
    from yearn.tune._pruning import PruneOnDev
    from yearn.tune._space import suggest

    os.environ.update(spec.env)
    # ERROR: Optuna would print each failed trial's traceback; yearn records the reason
    # (``fail_reason``) and counts the trial as failed in its summary instead
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    data, store = _load(spec)
    select = dev_half(data, "select")
    n_train = len(select.splits["train"])
    storage = storage_for(spec.storage)
    study = make_study(spec, load=True, storage=storage)
    ran = 0

    def objective(trial: Any) -> float:
        nonlocal ran
        ran += 1
        params = suggest(trial, spec.space, n_train)
        prune = PruneOnDev(trial)
        name = f"tune {spec.study} #{trial.number}"
        tracking = [MLflowLogger(spec.mlflow, spec.study, name)] if spec.mlflow else []
        start = time.perf_counter()
        try:
            result = fit(
                spec.model,
                select,
                store=store,
                run_name=name,
                callbacks=[prune, *tracking],
                **train_config(spec, params),
            )
        except TrainingError as exc:  # the study records the trial as failed, with this
            trial.set_user_attr("fail_reason", str(exc))
            raise
        trial.set_user_attr("run_id", result.run_id)
        trial.set_user_attr("seconds", time.perf_counter() - start)
        trial.set_user_attr("epochs_run", len(result.history))
        measured = measure(result, spec.constraints)
        trial.set_user_attr("measured", measured)
        violations = _violations(measured, spec.constraints)
        trial.set_user_attr("constraints", violations)
        if hasattr(trial, "set_constraint"):
            for i, value in enumerate(violations):
                trial.set_constraint(f"c{i}", value)
        last = float(result.history[-1]["dev_metric"])
        write_hparams(
            Path(store.artifact_root) / result.run_id / "tensorboard",
            {**raw_params(trial), "pruned": prune.pruned},
            {f"hparam/dev_{_label(spec)}": last},
        )
        for logger in tracking:
            logger.log_run_files(Path(store.artifact_root) / str(result.run_id), result.run_id)
        if prune.pruned:
            raise optuna.TrialPruned(result.stop_reason)
        return last

    # a diverged trial (too high a rate) is recorded as failed with its reason; others raise
    try:
        study.optimize(
            objective, n_trials=spec.n_trials, timeout=spec.timeout, catch=(TrainingError,)
        )
    finally:
        store.close()
        storage.engine.dispose()
    return ran


def run_default(spec: WorkerSpec, default_params: dict[str, Any]) -> dict[str, Any]:
    """Train the default config on the select half (a yearn run): its value and run id."""
    from yearn.train import fit
    from yearn.tune._halves import dev_half

    data, store = _load(spec)
    select = dev_half(data, "select")
    result = fit(
        spec.model,
        select,
        store=store,
        run_name=f"tune {spec.study} default",
        **train_config(spec, default_params),
    )
    store.close()
    return {
        "value": float(result.history[-1]["dev_metric"]),
        "run_id": result.run_id,
        "params": default_params,
        "measured": measure(result, spec.constraints),
    }
