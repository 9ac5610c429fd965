"""``compare_e2e``: both contenders at log-spaced training-set sizes, several seeds each,
scored on dev with the project's metric in its error form.

Both see the same nested, stratified subsets of the train split (seed ``s`` draws one
order; size ``n`` takes its first ``n`` rows), so every difference is paired. The
end-to-end network gets the same budget at every size (the same epochs, schedule,
augmentation, batch size and width; for images by default :data:`IMAGE_RECIPE`). The
(size, seed) points run through an executor of :mod:`yearn.tune` (local processes or
Ray); each carries its own seed, so results do not depend on it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from yearn.e2e._crossing import curve_stats, group_members
from yearn.e2e._models import (
    IMAGE_RECIPE,
    TABLE_RECIPE,
    TwoStage,
    end_to_end_model,
    full_proba,
    simple_model,
)
from yearn.e2e._result import E2EResult
from yearn.errors import ConfigError, DataError

__all__ = ["compare_e2e", "default_sizes", "nested_orders"]

#: The built-in image pipeline's features, in words; its classifier is an RBF SVM
#: (:class:`yearn.e2e._models.SimpleModel` ``kind="svm"``), the textbook HOG classifier.
IMAGE_PIPELINE = "background subtracted, HOG + intensity and edge profiles"


def default_sizes(n_train: int, n_classes: int = 0, points: int | None = None) -> list[int]:
    """Log-spaced sizes from the little-data regime up to all ``n_train`` rows: from 10
    examples per class (at least 30), about one size per doubling (``points``: 4 to 8
    sizes, all rows included)."""
    smallest = max(30, 10 * n_classes)
    if smallest >= n_train:
        return [n_train]
    if points is None:
        points = min(8, max(4, round(math.log2(n_train / smallest)) + 1))
    grid = np.geomspace(smallest, n_train, points)
    return sorted({round(float(v)) for v in grid} | {n_train})


def _check_sizes(sizes: Sequence[int | str], n_train: int, n_classes: int) -> list[int]:
    out = sorted({n_train if str(s).strip().lower() == "all" else int(s) for s in sizes})
    low = max(2, n_classes)
    bad = [s for s in out if s < low or s > n_train]
    if bad:
        raise ConfigError(
            f"sizes must lie between {low} and {n_train:,} (the train split's rows); got "
            f"{', '.join(map(str, bad))}."
        )
    if len(out) < 2:
        raise ConfigError("give at least two training-set sizes (e.g. --sizes 250,500,1000).")
    return out


def nested_orders(y: np.ndarray, seeds: int, random_state: int, classify: bool) -> list:
    """One permutation per seed whose every prefix is roughly stratified."""
    orders = []
    for s in range(seeds):
        rng = np.random.default_rng([random_state, s])
        perm = rng.permutation(len(y))
        if classify:
            keys = np.asarray(y)[perm]
            rank = np.empty(len(perm))
            for c in np.unique(keys):
                idx = np.flatnonzero(keys == c)
                rank[idx] = (np.arange(len(idx)) + rng.random()) / len(idx)
            perm = perm[np.argsort(rank, kind="stable")]
        orders.append(perm)
    return orders


def _pipeline_inputs(
    dataset: Any, pipeline: Any, index: dict[str, np.ndarray]
) -> tuple[np.ndarray | None, str]:
    """Hand-designed features of every row (None: none) and the pipeline's description
    (for the built-in image descriptors it starts with :data:`IMAGE_PIPELINE`)."""
    from yearn.e2e._features import apply_features, image_descriptors, load_features_function

    if pipeline is not None:
        func = load_features_function(pipeline)
        if dataset.image_column is not None:
            frame = dataset.frame[[dataset.image_column]]
        else:
            cols = list(dict.fromkeys([*dataset.feature_columns, *dataset.text_columns]))
            frame = dataset.frame[cols]
        name = pipeline if isinstance(pipeline, str) else getattr(func, "__name__", "features")
        return apply_features(func, frame, dataset.ids), f"your features ({name})"
    if dataset.image_column is not None:
        from yearn.data import load_images

        images = load_images(dataset.frame[dataset.image_column].tolist())
        return image_descriptors(images), IMAGE_PIPELINE
    return None, ""


def _intermediate(dataset: Any, column: str) -> tuple[np.ndarray, bool]:
    frame = dataset.frame
    if column not in frame.columns:
        raise ConfigError(
            f"intermediate column {column!r} is not in the data; columns: "
            f"{', '.join(map(str, frame.columns[:20]))}."
        )
    if column in dataset.feature_columns or column in dataset.label_columns:
        raise ConfigError(
            f"intermediate column {column!r} is a model input or the label; list it in "
            "yearn.toml project.metadata_columns so the end-to-end model does not see it."
        )
    import pandas as pd

    values = frame[column]
    categorical = not pd.api.types.is_numeric_dtype(values)
    return values.to_numpy(dtype=object), categorical


def _outputs(model: Any, X: np.ndarray, task: str, k: int) -> Any:
    """Dev outputs of a fitted model: predictions (regression), or the predicted class codes
    and the (N, k) probabilities (a model's own predictions: an SVM's votes need not be
    the argmax of its Platt-scaled probabilities)."""
    if task == "regression":
        return np.asarray(model.predict(X), dtype=float)
    return np.asarray(model.predict(X)).astype(int), full_proba(model, X, k)


def fit_point(t: dict[str, Any]) -> tuple[Any, Any]:
    """Fit both contenders on one subset (a task of the executor: top-level, picklable);
    their dev outputs (pipeline, end-to-end)."""
    if t["z"] is not None:
        pipe: Any = TwoStage(t["task"], t["categorical"], t["seed"]).fit(t["F"], t["y"], t["z"])
    else:
        pipe = simple_model(t["task"], t["seed"], t["pipe_kind"]).fit(t["F"], t["y"])
    # the trainer's per-fit notes (a flat loss as the cosine rate reaches 0) are not about
    # the comparison: kept out of the log while the network trains
    train_log = logging.getLogger("yearn.train")
    level = train_log.level
    train_log.setLevel(logging.ERROR)
    try:
        net = end_to_end_model(t["task"], t["shape"], t["budget"], t["seed"])
        net.fit(t["X"], t["y"])
    finally:
        train_log.setLevel(level)
    return (
        _outputs(pipe, t["F_dev"], t["task"], t["k"]),
        _outputs(net, t["X_dev"], t["task"], t["k"]),
    )


def epochs_for(n: int, budget: dict[str, Any]) -> int:
    """Epochs of the end-to-end model on ``n`` rows: ``epochs``, or more when that many
    passes would take fewer than ``min_steps`` optimizer steps (batch size as in
    :meth:`yearn.train.TrainConfig.resolved_batch_size`)."""
    from yearn.train import TrainConfig

    epochs = int(budget["epochs"])
    min_steps = int(budget.get("min_steps") or 0)
    batch = TrainConfig(batch_size=budget.get("batch_size")).resolved_batch_size(n)
    return max(epochs, math.ceil(min_steps / math.ceil(n / batch)))


def _recipe_text(chosen: dict[str, Any]) -> str:
    """The end-to-end budget in words: ``30 epochs (at least 1,500 steps), cosine schedule,
    shift+color augmentation`` and every model setting the caller gave (``width 32``)."""
    parts = [f"{chosen['epochs']} epochs"]
    if chosen.get("min_steps"):
        parts[0] += f" (at least {chosen['min_steps']:,} steps)"
    if chosen.get("schedule") not in (None, "none"):
        parts.append(f"{chosen['schedule']} schedule")
    if chosen.get("augment") not in (None, "none"):
        parts.append(f"{chosen['augment']} augmentation")
    named = ("width", "depth", "lr", "batch_size", "optimizer", "weight_decay", "dropout")
    parts += [f"{k.replace('_', ' ')} {chosen[k]}" for k in named if chosen.get(k) is not None]
    return ", ".join(parts)


def _head_text(task: str, kind: str) -> str:
    """The pipeline's simple model in words."""
    if kind == "svm":
        return "RBF SVM (C and gamma by 3-fold CV on the training rows)"
    head = "ridge" if task == "regression" else "logistic regression"
    return f"{head} (regularisation by 3-fold CV on the training rows)"


def _prepared(metric: Any, y: np.ndarray, out: Any, task: str, k: int) -> Any:
    """The metric's validated inputs for one model's dev outputs (see :func:`_outputs`)."""
    if task == "regression":
        return metric.prepare(y, out)
    pred, proba = out
    proba = proba if metric.needs_proba else None
    return metric.prepare(y, pred, proba, classes=list(range(k)))


def compare_e2e(
    project: str | Path = ".",
    *,
    pipeline: str | Callable[..., Any] | None = None,
    intermediate: str | None = None,
    sizes: Sequence[int | str] | None = None,
    seeds: int = 3,
    settings: dict[str, Any] | None = None,
    metric: str | None = None,
    n_resamples: int = 300,
    random_state: int = 0,
    store_url: str | None = None,
    executor: str = "local",
    workers: int = 1,
    ray_address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> E2EResult:
    """The pipeline vs end-to-end learning curves on the project's dev split.

    ``pipeline``: the features function (``FILE.py:FUNCTION``, ``MODULE:FUNCTION`` or a
    callable); default for an image project: HOG + intensity and edge profiles.
    ``intermediate``: a column of the data predicted first (two-stage pipeline).
    ``settings``: the end-to-end model's (``model``, ``epochs``, ``width`` ...), the same
    at every size. ``executor`` (``local`` or ``ray``, :func:`yearn.tune.get_executor`)
    with ``workers`` runs the (size, seed) points in parallel. ``sizes`` default to
    :func:`default_sizes` of the train split (``"all"`` among them: every train row).
    """
    from yearn.metrics import get_metric
    from yearn.project import Project
    from yearn.train import project_data, split_indices

    if seeds < 1:
        raise ConfigError(f"seeds must be at least 1; got {seeds}.")
    if n_resamples < 20:
        raise ConfigError(f"resamples must be at least 20 for an interval; got {n_resamples}.")
    config, data, store = project_data(project, store_url)
    store.close()
    task = data.task
    if task == "multilabel":
        raise ConfigError("e2e-compare handles binary, multiclass and regression projects.")
    if "dev" not in data.splits or len(data.splits["dev"]) == 0:
        raise DataError(f"{config.root}: the split has no dev rows; redraw it (yearn split).")
    proj = Project(config.root, store_url=store_url)
    dataset = proj.dataset
    index = split_indices(dataset, proj.manifest())
    features, described = _pipeline_inputs(dataset, pipeline, index)
    z_all, categorical, z = (None, False, None)
    if intermediate is not None:
        z_all, categorical = _intermediate(dataset, intermediate)
    if features is None and intermediate is None:
        raise ConfigError(
            f"{config.root} is a table project: give your features function with --pipeline "
            "my_features.py:make_features (see docs/e2e.md), or an --intermediate column."
        )
    train, dev = data.splits["train"], data.splits["dev"]
    if not (
        np.array_equal(train.ids, dataset.ids[index["train"]])
        and np.array_equal(dev.ids, dataset.ids[index["dev"]])
    ):
        raise DataError("the prepared data and the dataset disagree on the rows' order.")
    shape = tuple(train.x.shape[1:])
    X_e, X_e_dev = train.x.reshape(len(train), -1), dev.x.reshape(len(dev), -1)
    if features is None:
        F, F_dev = X_e, X_e_dev
        described = "the prepared inputs"
    else:
        F, F_dev = features[index["train"]], features[index["dev"]]
    if intermediate is not None:
        z = z_all[index["train"]]
        described = f"two stages: {described} → {intermediate} → label"
    n_classes = len(data.classes)
    svm = described == IMAGE_PIPELINE and task != "regression"
    pipe_kind = "svm" if svm else "logistic"
    sizes = (
        default_sizes(len(train), n_classes)
        if sizes is None
        else _check_sizes(sizes, len(train), n_classes)
    )
    m = get_metric(metric or config.metric.optimizing)
    chosen = dict(settings or {})
    e2e_kind = chosen.get("model") or ("cnn" if len(shape) > 1 else "mlp")
    for key, value in (IMAGE_RECIPE if e2e_kind == "cnn" else TABLE_RECIPE).items():
        chosen.setdefault(key, value)
    from yearn.train import MODEL_NAMES

    if e2e_kind not in MODEL_NAMES:
        raise ConfigError(f"model {e2e_kind!r}: unknown; choose one of {', '.join(MODEL_NAMES)}.")
    if e2e_kind == "cnn" and len(shape) == 1:
        raise ConfigError("model 'cnn' needs an image project; for a table use mlp or linear.")
    from yearn.train import TrainConfig

    min_steps = chosen.get("min_steps") or 0
    if isinstance(min_steps, bool) or not isinstance(min_steps, int) or min_steps < 0:
        raise ConfigError(f"min_steps must be a whole number >= 0; got {min_steps!r}.")
    trainable = {k: v for k, v in chosen.items() if k not in ("model", "min_steps")}
    TrainConfig.from_params(trainable)  # fail early
    if chosen.get("augment", "none") != "none" and len(shape) == 1:
        raise ConfigError("--augment changes images; this project is a table: leave it out.")
    orders = nested_orders(train.y, seeds, random_state, task != "regression")
    tasks, where = [], []
    for j, n in enumerate(sizes):
        for s in range(seeds):
            rows = np.sort(orders[s][:n])
            budget = {**chosen, "model": e2e_kind}
            if budget.get("batch_size"):
                budget["batch_size"] = min(n, int(budget["batch_size"]))
            budget["epochs"] = epochs_for(n, budget)
            tasks.append(
                {
                    "task": task,
                    "k": n_classes,
                    "seed": random_state * 1000 + s,
                    "F": F[rows],
                    "y": train.y[rows],
                    "z": None if z is None else z[rows],
                    "categorical": categorical,
                    "pipe_kind": pipe_kind,
                    "F_dev": F_dev,
                    "X": X_e[rows],
                    "X_dev": X_e_dev,
                    "shape": shape,
                    "budget": budget,
                }
            )
            where.append((j, s, n, budget["epochs"]))
    from yearn.tune import get_executor

    runner = get_executor(executor, workers=workers, address=ray_address)
    outputs = []
    for start in range(0, len(tasks), max(runner.workers, 1)):  # chunks: progress as they end
        outputs += runner.map(fit_point, tasks[start : start + max(runner.workers, 1)])
        if progress is not None:
            progress(len(outputs), len(tasks))
    grid = np.empty((2, len(sizes), seeds), dtype=object)
    points = []
    for (j, s, n, epochs), pair in zip(where, outputs, strict=True):
        for k, name in enumerate(("pipeline", "end-to-end")):
            grid[k, j, s] = _prepared(m, dev.y, pair[k], task, n_classes)
            value = m.to_error(m.compute(grid[k, j, s]))
            point = {"model": name, "size": n, "seed": s, "dev_error": value}
            if k == 1:
                point["epochs"] = epochs
            points.append(point)

    def errors(rows: np.ndarray | None) -> np.ndarray:
        out = np.empty(grid.shape)
        for idx, prepared in np.ndenumerate(grid):
            part = prepared if rows is None else prepared.take(rows)
            out[idx] = m.to_error(m.compute(part))
        return out

    dev_groups = None if dataset.groups is None else dataset.groups[index["dev"]]
    members = group_members(dev_groups, len(dev))
    n_groups = None if members is None else len(members)  # None: the rows are the units
    stats = curve_stats(
        errors, sizes, len(dev), n_resamples=n_resamples, random_state=random_state,
        groups=dev_groups,
    )  # fmt: skip
    e2e_text = f"yearn {e2e_kind} on the raw inputs, {_recipe_text(chosen)} at every size"
    return E2EResult(
        project=config.name,
        metric=m.error_name,
        pipeline=f"{described} + {_head_text(task, pipe_kind)}",
        end_to_end=e2e_text,
        n_train=len(train),
        n_dev=len(dev),
        seeds=seeds,
        stats=stats,
        points=points,
        settings={
            "sizes": list(sizes),
            "seeds": seeds,
            "end_to_end": {**chosen, "model": e2e_kind},
            "pipeline": pipeline if isinstance(pipeline, str) or pipeline is None else described,
            "intermediate": intermediate,
            "n_resamples": n_resamples,
            "random_state": random_state,
            "executor": runner.describe(),
            "group_column": dataset.group_column if n_groups else None,
            "dev_groups": n_groups,
        },
    )
