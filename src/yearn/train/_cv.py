"""``cv_project``: cross-validate a baseline or one of yearn's own models on a project.

The folds stay inside the training distribution by default (the train and train-dev
rows of the split manifest; never dev, which is the target distribution, nor test).
The score is the project's metric in its error form (``1-f1``, ``error``, ``rmse``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from yearn.errors import ConfigError

__all__ = ["DEFAULT_CV_SPLITS", "cv_project"]

#: The splits cross-validated by default: the training distribution only.
DEFAULT_CV_SPLITS = ("train", "train_dev")


def _splits(on: str | tuple[str, ...] | list[str]) -> list[str]:
    from yearn.splits import SPLITS

    chosen = [s.strip() for s in on.split(",")] if isinstance(on, str) else list(on)
    chosen = [s for s in chosen if s]
    bad = [s for s in chosen if s not in SPLITS or s == "test"]
    if bad or not chosen:
        raise ConfigError(
            f"on must list splits among train, train_dev, dev (never test); got {on!r}."
        )
    return chosen


def _yearn_data(
    project: Any, chosen: list[str], config: Any, keep: Sequence[str]
) -> tuple[Any, ...]:
    """(X, y, groups, test split, input shape, task, columns used) from the prepared
    training data."""
    from yearn.data import load_project
    from yearn.train._project import project_data

    _, data, store = project_data(project, keep=keep)
    store.close()
    parts = [data.splits[s] for s in chosen if s in data.splits]
    if not parts:
        raise ConfigError(f"the split has no rows in {', '.join(chosen)}; redraw it.")
    X = np.concatenate([p.x.reshape(len(p.x), -1) for p in parts])
    y = np.concatenate([p.y for p in parts])
    ids = np.concatenate([np.asarray(p.ids).astype(str) for p in parts])
    groups = None
    if config.group_column is not None:
        ds = load_project(config, features=False, screen=False)  # ids and groups only
        by_id = dict(zip(np.asarray(ds.ids).astype(str), ds.groups, strict=True))
        groups = np.asarray([by_id[i] for i in ids], dtype=object)
    test = data.splits.get("test")
    shape = tuple(parts[0].x.shape[1:])
    used = {"columns": list(data.columns), "excluded_columns": dict(data.excluded_columns)}
    return X, y, groups, test, shape, data.task, used


def _yearn_estimator(model: str, task: str, shape: tuple[int, ...], settings: dict) -> Any:
    from yearn.train._estimator import TorchClassifier, TorchMultiLabelClassifier, TorchRegressor

    if model == "cnn" and len(shape) == 1:
        raise ConfigError("model 'cnn' needs an image project; for a table use mlp or linear.")
    cls = {"regression": TorchRegressor, "multilabel": TorchMultiLabelClassifier}.get(
        task, TorchClassifier
    )
    named = ("epochs", "lr", "optimizer", "batch_size", "weight_decay", "width", "depth")
    named += ("dropout", "random_state", "num_threads")
    kw = {k: v for k, v in settings.items() if k in named and v is not None}
    extra = {k: v for k, v in settings.items() if k not in named and v is not None}
    return cls(
        model,
        input_shape=shape if len(shape) > 1 else None,
        standardize=task == "regression",
        fit_params=extra or None,
        **kw,
    )


def cv_project(
    project: str | Path = ".",
    model: str = "logistic",
    *,
    protocol: Any = "kfold",
    metric: str | None = None,
    on: str | tuple[str, ...] | list[str] = DEFAULT_CV_SPLITS,
    ci: str = "t",
    n_jobs: int = 1,
    random_state: int = 0,
    final_test: bool = False,
    record: bool = True,
    store_url: str | None = None,
    settings: dict[str, Any] | None = None,
    map_fn: Any = None,
    keep: Sequence[str] = (),
) -> dict[str, Any]:
    """Cross-validate ``model`` on the ``on`` splits of the project (see the module doc).

    ``model``: a baseline name (``majority``, ``logistic``, ``hist_gb``, ``ridge``, ...)
    or one of yearn's models (``mlp``, ``linear``, ``cnn``; trained by yearn's engine on the
    prepared features with ``settings`` such as ``{"epochs": 10, "width": 64}``). Records a
    run of kind ``cv`` (``record``); ``final_test`` refits on the ``on`` splits and looks
    once at test (every look is counted). ``map_fn``: an executor's ``map`` that runs the
    folds (``yearn.tune.get_executor("ray").map``). Columns the data profile flags as
    leaky or id-like are left out of the features unless named in ``keep``
    (:func:`yearn.profile.screened_dataset`). Returns a JSON-able dict.
    """
    from yearn.baselines import baseline_specs, project_features
    from yearn.config import error_name, load_config
    from yearn.profile import screened_dataset
    from yearn.splits import evaluate, fit_final, load_manifest, look_at_test
    from yearn.train._models import MODEL_NAMES

    config = load_config(project)
    chosen = _splits(on)
    manifest = load_manifest(config.root)
    metric = error_name(metric or config.metric.optimizing)
    yearn_model = model in MODEL_NAMES
    if yearn_model:
        X, y, groups, test, shape, task, used = _yearn_data(project, chosen, config, keep)
        chosen_settings = {"random_state": random_state, "num_threads": 1, **(settings or {})}
        estimator = _yearn_estimator(model, task, shape, chosen_settings)
        n_examples = len(y)
    else:
        if config.task == "multilabel":
            raise ConfigError(
                "baselines are not cross-validated on a multi-label project; use --model "
                "mlp or linear."
            )
        dataset = screened_dataset(config, keep=keep)
        where = manifest.indices(dataset.ids)
        sub = dataset.subset(np.sort(np.concatenate([where[s] for s in chosen])))
        X, y, groups = project_features(sub), sub.labels, sub.groups
        specs = {b.name: b for b in baseline_specs(config.task, X, random_state=random_state)}
        if model not in specs:
            raise ConfigError(
                f"model must be one of {', '.join([*specs, *MODEL_NAMES])}; got {model!r}."
            )
        estimator = specs[model].estimator
        n_examples = len(sub)
        used = {
            "columns": list(dataset.input_columns),
            "excluded_columns": dict(dataset.excluded_features),
        }
    result = evaluate(
        estimator, X, y, protocol, metric, groups=groups, n_jobs=n_jobs, ci=ci, map_fn=map_fn
    )  # type: ignore[arg-type]
    out: dict[str, Any] = {
        "model": model,
        "trainer": "yearn" if yearn_model else "scikit-learn",
        "on": chosen,
        "examples": n_examples,
        "split_sha256": manifest.sha256,
        "result": result.to_dict(),
        "summary": str(result),
        "warnings": [],
        "run_id": None,
        "test": None,
    }
    if not (record or final_test):
        return out
    from yearn.project import Project

    store = Project(config.root, store_url=store_url).store()
    run = None
    try:
        if record:
            run = store.start_run(
                f"cv-{model}",
                "cv",
                {
                    "model": model,
                    "protocol": result.protocol,
                    "metric": result.metric,
                    "on": chosen,
                    "split_sha256": manifest.sha256,
                    "ci": ci,
                    "seed": random_state,
                    "settings": settings or {},
                    **used,
                },
            )
            for i, value in enumerate(result.scores):
                run.log_metric(result.metric, value, split="cv_fold", step=i)
            run.log_metrics(
                {
                    f"{result.metric}_{k}": getattr(result, k)
                    for k in ("mean", "std", "ci_low", "ci_high")
                },
                split="cv",
            )
            out["run_id"] = run.id
        if final_test:
            final = fit_final(estimator, X, y)
            if yearn_model:
                if test is None or len(test) == 0:
                    raise ConfigError("the split has no test rows to look at.")
                X_test, y_test = test.x.reshape(len(test.x), -1), test.y
            else:
                part = dataset.subset(where["test"])
                X_test, y_test = project_features(part), part.labels
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                look = look_at_test(
                    final,
                    X_test,
                    y_test,
                    metric,
                    store=store,
                    model_name=model,
                    run_id=out["run_id"],
                )
            out["warnings"] += [str(w.message) for w in caught]
            out["test"] = {
                "metric": look.metric,
                "value": look.value,
                "looks": look.looks,
                "looks_for_model": look.looks_for_model,
            }
            if run is not None:
                run.log_metric(look.metric, look.value, split="test")
        if run is not None:
            run.finish("completed")
    except BaseException as exc:
        if run is not None:
            run.finish("failed", error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        store.close()
    return out
