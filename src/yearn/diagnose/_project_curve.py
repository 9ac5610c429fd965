"""The project's learning curve: ONE function, used by ``yearn learning-curve`` and by
``yearn run``, so both draw the same curve for the same settings.

By default the curve is fitted with the model that is being diagnosed: the kind
(``mlp``, ``linear``, ``cnn``) and training settings of a train run (the newest completed
one unless ``run`` names another), trained by yearn's own engine on the same prepared
features (``yearn.train.project_data``), scored with the project's metric in its error
form. ``model`` + ``settings`` or a scikit-learn ``estimator`` replace it on request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from yearn.diagnose._learning import DEFAULT_FRACTIONS, LearningCurve, learning_curve
from yearn.errors import ConfigError, DataError

__all__ = ["ProjectCurve", "project_learning_curve"]

#: Training settings of a run that the curve reuses (the rest — early stopping on dev,
#: metric, thread count — belong to that run's bookkeeping, not to the model).
_REUSED = (
    "epochs",
    "lr",
    "optimizer",
    "momentum",
    "batch_size",
    "weight_decay",
    "l1",
    "schedule",
    "step_size",
    "gamma",
    "loss",
    "grad_clip",
    "width",
    "depth",
    "activation",
    "dropout",
    "class_weight",
)


@dataclass(frozen=True)
class ProjectCurve:
    """A project's learning curve and what it was fitted with."""

    curve: LearningCurve
    estimator: str  # e.g. "mlp (yearn, settings of run 2026…)" or "logistic (scikit-learn)"
    model: str
    trainer: str  # "yearn" or "scikit-learn"
    settings: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    how: str = ""

    @property
    def verdict(self) -> str:
        return self.curve.verdict

    def to_dict(self) -> dict[str, Any]:
        return self.curve.to_dict() | {
            "estimator": self.estimator,
            "model": self.model,
            "trainer": self.trainer,
            "fit_settings": dict(self.settings),
            "run_id": self.run_id,
            "how": self.how,
        }

    def _repr_html_(self) -> str:
        return self.curve._repr_html_()

    def save(self, root: str | Path) -> Path:
        """Write ``to_dict()`` where the report reads it
        (``.yearn/workflow/learning_curve.json``); returns the path."""
        from yearn._io import atomic_write_json
        from yearn.paths import ProjectPaths

        path = ProjectPaths(root).workflow_results / "learning_curve.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, self.to_dict())
        return path


def _run_settings(
    store: Any, run: str | None
) -> tuple[str | None, str | None, dict[str, Any], dict[str, Any]]:
    """(run id, model kind, settings, whole config) of ``run`` or of the newest completed
    train run."""
    if run is None:
        runs = [r for r in store.list_runs() if r.kind == "train" and r.status == "completed"]
        if not runs:
            return None, None, {}, {}
        record = runs[0]
    else:
        record = store.get_run(run)
        if record.kind != "train":
            raise ConfigError(
                f"run {record.id} is a {record.kind} run; give a train run (yearn runs lists them)."
            )
    config = dict(record.config or {})
    model = config.get("model")
    settings = {k: config[k] for k in _REUSED if config.get(k) is not None}
    return record.id, model, settings, config


class _Recorded:
    """A trained run's predictions on one split, behind the ``predict`` /
    ``predict_proba`` of a classifier, so the curve scores them like its own fits."""

    def __init__(self, proba: np.ndarray) -> None:
        self.classes_ = np.arange(proba.shape[1])
        self._proba = proba

    def predict_proba(self, X: Any) -> np.ndarray:
        return self._proba

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self._proba, axis=1)]


def _run_point(
    store: Any, run_id: str, record: dict[str, Any], data: Any, metric: str
) -> tuple[tuple[float, float] | None, str]:
    """(train error, dev error) of the train run's own model, when it IS the curve's point
    at full size: a single-label classifier trained on exactly these train rows, with no
    early stopping on dev (which would have chosen its epoch on dev) and not resumed.
    Else ``None`` and why not."""
    import pandas as pd

    from yearn.diagnose._learning import _scorer
    from yearn.errors import StoreError
    from yearn.paths import PREDICTIONS_ARTIFACT

    if data.task not in ("binary", "multiclass"):
        return None, f"a {data.task} run is refitted"
    if record.get("early_stopping") is not None or record.get("resumed_from"):
        return None, "the run stopped early on dev or was resumed"
    try:
        table = pd.read_parquet(store.artifact_path(run_id, PREDICTIONS_ARTIFACT))
    except StoreError as exc:
        return None, f"the run's predictions are unreadable ({exc})"
    proba_cols = [f"proba:{c}" for c in data.classes]
    if any(c not in table.columns for c in proba_cols):
        return None, "the run's predictions name other classes"
    err, _ = _scorer(metric, data.task)
    errors = []
    for split in ("train", "dev"):
        part = data.splits[split]
        rows = table[table["split"] == split]
        if len(rows) != len(part):
            return None, f"the run predicted another {split} split"
        order = pd.Index(rows["id"].astype(str)).get_indexer(np.asarray(part.ids).astype(str))
        if (order < 0).any():
            return None, f"the run predicted another {split} split"
        proba = rows[proba_cols].to_numpy(dtype=float)[order]
        errors.append(err(_Recorded(proba), part.x, part.y))
    return (errors[0], errors[1]), ""


def _estimator(task: str, model: str, settings: dict[str, Any], shape: tuple[int, ...]) -> Any:
    from yearn.train import TorchClassifier, TorchMultiLabelClassifier, TorchRegressor

    named = ("epochs", "lr", "optimizer", "batch_size", "weight_decay", "width", "depth")
    named += ("dropout", "random_state", "num_threads")
    kw = {k: v for k, v in settings.items() if k in named}
    extra = {k: v for k, v in settings.items() if k not in named}
    cls = {
        "regression": TorchRegressor,
        "multilabel": TorchMultiLabelClassifier,
    }.get(task, TorchClassifier)
    # the features are prepared already (scaled / normalised on train): keep them as they are
    return cls(
        model,
        input_shape=shape if len(shape) > 1 else None,
        standardize=task == "regression",
        fit_params=extra or None,
        **kw,
    )


def project_learning_curve(
    project: str | Path = ".",
    *,
    run: str | None = None,
    model: str | None = None,
    settings: dict[str, Any] | None = None,
    estimator: Any = None,
    metric: str | None = None,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    target_error: float | None = None,
    tolerance: float | None = None,
    max_train: int | None = None,
    n_resamples: int = 200,
    random_state: int = 0,
    num_threads: int | None = 1,
    store_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    map_fn: Callable[..., list[Any]] | None = None,
    keep: Sequence[str] = (),
) -> ProjectCurve:
    """The learning curve of the project's diagnosed model (see the module docstring).

    ``metric`` defaults to the project's optimising metric, ``target_error`` to its human
    level for that metric. ``settings`` override the run's (e.g. ``{"epochs": 5}``);
    ``estimator`` (a scikit-learn estimator or a name of
    :func:`yearn.diagnose._estimators.make_estimator`) replaces yearn's trainer.
    ``max_train`` caps the training rows (a random subset). ``map_fn``: an executor's
    ``map`` that fits the points (``yearn.tune.get_executor("ray").map``). Columns the data
    profile flags as leaky or id-like are left out unless named in ``keep``.
    """
    from yearn.train import project_data

    # train and dev only: the curve reads no other split
    config, data, store = project_data(project, store_url, keep=keep, only=("train", "dev"))
    try:
        run_id, run_model, run_settings, run_config = _run_settings(store, run)
        metric = metric or config.metric.optimizing
        reuse, why_not = None, ""
        as_trained = estimator is None and not settings and model in (None, run_model)
        has_dev = "dev" in data.splits and len(data.splits["dev"]) > 0
        if run_id and as_trained and max_train is None and has_dev:
            reuse, why_not = _run_point(store, run_id, run_config, data, metric)
    finally:
        store.close()
    task = data.task
    if target_error is None:
        target_error = config.metric.human_level_for(metric)
    if "dev" not in data.splits or len(data.splits["dev"]) == 0:
        raise DataError(f"{config.root}: the split has no dev rows; redraw it (yearn split).")
    train, dev = data.splits["train"], data.splits["dev"]
    shape = tuple(train.x.shape[1:])
    X, y = train.x.reshape(len(train.x), -1), train.y
    X_dev, y_dev = dev.x.reshape(len(dev.x), -1), dev.y
    if max_train is not None:
        if max_train < 3:
            raise ConfigError(f"max_train must be at least 3; got {max_train}.")
        if len(y) > max_train:
            keep = np.sort(np.random.default_rng(random_state).choice(len(y), max_train, False))
            X, y = X[keep], y[keep]
    if estimator is not None:
        if isinstance(estimator, str):
            from yearn.diagnose._estimators import make_estimator

            name = estimator
            estimator = make_estimator(
                name, regression=task == "regression", random_state=random_state
            )
        else:
            name = type(estimator).__name__
        fitted_with = {"model": name, "trainer": "scikit-learn", "settings": {}, "run": None}
        described = f"{name} (scikit-learn)"
    else:
        from yearn.train import MODEL_NAMES

        kind = model or run_model or ("cnn" if len(shape) > 1 else "mlp")
        if kind not in MODEL_NAMES:
            raise ConfigError(f"model {kind!r}: unknown; choose one of {', '.join(MODEL_NAMES)}.")
        if kind == "cnn" and len(shape) == 1:
            raise ConfigError(
                "model 'cnn' needs an image project; for a table use model mlp or linear."
            )
        chosen = dict(run_settings) if (model is None or model == run_model) else {}
        chosen.update(settings or {})
        chosen["random_state"] = random_state
        if num_threads is not None:
            chosen.setdefault("num_threads", num_threads)
        smallest = max(round(min(fractions) * len(y)), 2)
        if chosen.get("batch_size") and chosen["batch_size"] > smallest:
            chosen["batch_size"] = None  # a batch larger than the smallest subset: use all
        estimator = _estimator(task, kind, chosen, shape)
        source = run_id if (model is None or model == run_model) and run_id else None
        described = f"{kind} (yearn" + (f", settings of run {source})" if source else ")")
        fitted_with = {"model": kind, "trainer": "yearn", "settings": chosen, "run": source}
    curve = learning_curve(
        estimator,
        X,
        y,
        X_dev,
        y_dev,
        fractions=fractions,
        metric=metric,
        target_error=target_error,
        tolerance=tolerance,
        n_resamples=n_resamples,
        random_state=random_state,
        progress=progress,
        task=task,
        map_fn=map_fn,
        full_size_errors=reuse,
    )
    how = "train and dev of the split manifest, features as prepared for training"
    if reuse is not None and curve.sizes[-1] == len(y):
        how += f"; the full-size point is run {run_id}'s own model (same recipe, not refitted)"
    elif fitted_with["run"] and why_not:
        how += f"; the full-size point was refitted: {why_not}"
    return ProjectCurve(
        curve=curve,
        estimator=described,
        model=fitted_with["model"],
        trainer=fitted_with["trainer"],
        settings={k: v for k, v in fitted_with["settings"].items() if v is not None},
        run_id=fitted_with["run"],
        how=how,
    )
