"""The steps of ``yearn run``: each names what it reads (config sections, data, the outputs
of earlier steps), does its work through the public function of its module, and returns
plain JSON-able outputs that later steps and the report read."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from yearn.paths import PREDICTIONS_ARTIFACT, ProjectPaths

__all__ = ["STEPS", "Step", "StepContext", "WorkflowOptions"]

log = logging.getLogger(__name__)

WORKSHEET_DIR = ProjectPaths(".").worksheets
RESULTS_DIR = ProjectPaths(".").workflow_results


@dataclass(frozen=True)
class WorkflowOptions:
    """Settings of ``yearn run`` (they are part of each step's fingerprint).

    ``model``: ``None`` picks ``cnn`` for image projects and ``mlp`` for tables.
    ``baselines``: names for :func:`yearn.baselines.run_baselines` (``None``: all).
    ``train``: extra training parameters (``width``, ``lr``, ``batch_size``, ...).
    """

    model: str | None = None
    epochs: int = 10
    baselines: tuple[str, ...] | None = None
    baseline_image_size: int = 32
    train: dict[str, Any] = field(default_factory=dict)
    worksheet_size: int = 100
    learning_curve: bool = True
    learning_curve_fractions: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0)
    lr_find: bool = True
    lr_find_steps: int = 100
    random_state: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkflowOptions:
        """Options from :meth:`to_dict` output (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        for key in ("baselines", "learning_curve_fractions"):
            if isinstance(kwargs.get(key), list):
                kwargs[key] = tuple(kwargs[key])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "epochs": self.epochs,
            "baselines": None if self.baselines is None else list(self.baselines),
            "baseline_image_size": self.baseline_image_size,
            "train": dict(self.train),
            "worksheet_size": self.worksheet_size,
            "learning_curve": self.learning_curve,
            "learning_curve_fractions": list(self.learning_curve_fractions),
            "lr_find": self.lr_find,
            "lr_find_steps": self.lr_find_steps,
            "random_state": self.random_state,
        }


@dataclass
class StepContext:
    """What a step sees: the project, its options, outputs of earlier steps, a progress hook."""

    root: Path
    config: Any
    options: WorkflowOptions
    outputs: dict[str, dict[str, Any]]
    advance: Callable[[float, float], None] = lambda done, total: None

    @property
    def model(self) -> str:
        if self.options.model:
            return self.options.model
        return "cnn" if self.config.image_column is not None else "mlp"

    def store(self) -> Any:
        from yearn.store import open_store

        return open_store(self.root)

    def predictions(self) -> Path:
        store = self.store()
        try:
            return store.artifact_path(self.outputs["train"]["run_id"], PREDICTIONS_ARTIFACT)
        finally:
            store.close()


@dataclass(frozen=True)
class Step:
    """One step: its name, a one-line description, what its fingerprint covers, its action."""

    name: str
    title: str
    sections: tuple[str, ...]  # yearn.toml sections (or ``section.key``) read
    uses_data: bool
    after: tuple[str, ...]  # earlier steps whose outputs it reads
    options: Callable[[StepContext], Any]
    action: Callable[[StepContext], dict[str, Any]]


def _write_json(ctx: StepContext, name: str, obj: Any) -> str:
    from yearn._io import atomic_write_json

    path = ctx.root / RESULTS_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, obj)
    return str(path.relative_to(ctx.root))


# -- actions ------------------------------------------------------------------------------


def _split(ctx: StepContext) -> dict[str, Any]:
    from yearn.splits import split_project

    saved = split_project(ctx.config)
    counts = {k: int(v) for k, v in saved.manifest.table["split"].value_counts().items()}
    return {"sha256": saved.manifest.sha256, "run_id": saved.run_id, "counts": counts}


def _profile(ctx: StepContext) -> dict[str, Any]:
    from yearn.paths import ProjectPaths
    from yearn.profile import flagged_columns, profile_project

    result = profile_project(ctx.config, random_state=ctx.options.random_state)
    folder = ProjectPaths(ctx.root).workflow_results  # profile_project wrote them there
    return {
        "json": str((folder / "profile.json").relative_to(ctx.root)),
        "html": str((folder / "profile.html").relative_to(ctx.root)),
        "worst": result.worst_severity,
        "flagged_columns": flagged_columns(result),
        "screen": str(ProjectPaths(ctx.root).feature_screen.relative_to(ctx.root)),
    }


def features_key(ctx: StepContext) -> Any:
    """What the model steps' features depend on besides the data: the columns the profile
    flagged (left out) and those kept on request."""
    from yearn.data import kept_columns, read_screen

    record = read_screen(ctx.root) or {}
    return [record.get("flagged"), list(kept_columns(ctx.config))]


def _baselines(ctx: StepContext) -> dict[str, Any]:
    from yearn.baselines import run_baselines

    report = run_baselines(
        ctx.root,
        baselines=list(ctx.options.baselines) if ctx.options.baselines else None,
        random_state=ctx.options.random_state,
        image_size=ctx.options.baseline_image_size,
    )
    return {"run_ids": dict(report.run_ids or {}), "metric": report.metric}


def _train(ctx: StepContext) -> dict[str, Any]:
    from yearn.train import Callback, train_project

    epochs = ctx.options.epochs

    class _Progress(Callback):
        def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
            ctx.advance(float(getattr(state, "epoch", 0)) + 1, float(epochs))

    # small models train fastest on one thread, above all on a busy machine
    params = {"random_state": ctx.options.random_state, "num_threads": 1, **ctx.options.train}
    budget = _batch_budget(ctx)
    params.update(budget)
    result = train_project(ctx.root, ctx.model, epochs=epochs, callbacks=[_Progress()], **params)
    out = {"run_id": result.run_id, "model": ctx.model, "final": result.final()}
    if budget:
        n = ctx.outputs["split"]["counts"]["train"]
        steps = -(-n // budget["batch_size"])
        out["note"] = (
            f"batch size {budget['batch_size']:,} for {n:,} train rows: {steps:,} steps an "
            f"epoch × {epochs} epochs (yearn run's rule: batches of 32 rows, doubled up to "
            "1,024 while an epoch is over 1,000 steps; --batch-size N to choose)"
        )
    return out


def _budget_key(ctx: StepContext) -> list[Any]:
    """The batch-size rule's choice, in the fingerprint when it applies (a project trained
    with batches of 32 before the rule existed is then trained again with its batch)."""
    budget = _batch_budget(ctx)
    return [budget] if budget else []


def _batch_budget(ctx: StepContext) -> dict[str, int]:
    """``{"batch_size": n}`` from the train split's size (:func:`yearn.train.scaled_batch_size`)
    for a table model when the options set none and the rule raises it above the default;
    else ``{}`` (training's own default)."""
    from yearn.train import DEFAULT_BATCH_SIZE, scaled_batch_size

    n = (ctx.outputs.get("split") or {}).get("counts", {}).get("train")
    if "batch_size" in ctx.options.train or ctx.model == "cnn" or not n:
        return {}
    batch = scaled_batch_size(int(n))
    return {"batch_size": batch} if batch > DEFAULT_BATCH_SIZE else {}


def _lr_find(ctx: StepContext) -> dict[str, Any]:
    from yearn.train import lr_find_project

    keep = {k: v for k, v in ctx.options.train.items() if k in ("width", "depth", "batch_size")}
    keep.update(_batch_budget(ctx))  # the batch size training uses
    result, run_id = lr_find_project(
        ctx.root, ctx.model, num_steps=ctx.options.lr_find_steps, num_threads=1, **keep
    )
    return {"run_id": run_id, "suggestion": result.suggestion}


IMBALANCE_STEP = (
    "the data profile finds severe class imbalance: weight the classes in the loss "
    "(yearn train --class-weight balanced) and choose a decision threshold "
    "(yearn operating-point)"
)


def _imbalanced(ctx: StepContext) -> bool:
    """Whether the profile of this run found severe class imbalance."""
    rel = (ctx.outputs.get("profile") or {}).get("json")
    if not rel or not (ctx.root / rel).is_file():
        return False
    checks = read_json(ctx.root, rel).get("checks", [])
    return any(
        c.get("name") == "balance" and "severe class imbalance" in str(c.get("message"))
        for c in checks
    )


def _diagnose(ctx: StepContext) -> dict[str, Any]:
    from yearn.diagnose import diagnose_run, next_steps

    run_id = ctx.outputs["train"]["run_id"]
    result = diagnose_run(run_id, project=ctx.root, random_state=ctx.options.random_state)
    diag = result.diagnosis
    overall = getattr(diag, "overall", diag)
    curve = None
    if ctx.outputs.get("learning_curve"):
        curve = read_json(ctx.root, ctx.outputs["learning_curve"]["json"])
        if curve.get("run_id") != run_id:
            curve = None  # redrawn since for another model: it says nothing of this one
    steps = next_steps(overall, curve=curve)
    if _imbalanced(ctx):
        steps.insert(min(1, len(steps)), IMBALANCE_STEP)
    path = _write_json(ctx, "diagnosis.json", result.to_dict())
    return {"json": path, "verdict": overall.verdict(), "next_steps": steps[:3], "run_id": run_id}


def _metadata_rules(preds: Any) -> tuple[list[str], list[str]]:
    """Suggestion rules for numeric metadata: a column's top or bottom quarter of dev, kept
    only when enriched among the errors (Fisher, Bonferroni); and every range tested."""
    from yearn.erroranalysis import enriched_rules

    tested = enriched_rules(preds)
    return [t.rule for t in tested if t.enriched], [t.describe() for t in tested]


def _errors(ctx: StepContext) -> dict[str, Any]:
    from yearn.erroranalysis import sample_errors
    from yearn.predictions import load_predictions

    run_id = ctx.outputs["train"]["run_id"]
    preds = load_predictions(ctx.predictions())
    sheet = sample_errors(
        preds, n=ctx.options.worksheet_size, random_state=ctx.options.random_state
    )
    rules, tested = _metadata_rules(preds)
    flagged: list[str] = []
    if preds.classes and any(c.startswith("proba:") for c in preds.frame):
        from yearn.labels import label_issues

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # in-sample warnings are reported by the labels step
            flagged = [str(i) for i in label_issues(preds).ids]
    sheet.suggest(rules, mislabeled_ids=flagged)
    path = ctx.root / WORKSHEET_DIR / f"{run_id}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        # people may have tagged it already: never overwrite their work
        return {
            "worksheet": str(path.relative_to(ctx.root)),
            "rules": rules,
            "rules_tested": tested,
            "kept": True,
        }
    sheet.save(path)
    return {
        "worksheet": str(path.relative_to(ctx.root)),
        "rules": rules,
        "rules_tested": tested,
        "rows": len(sheet),
    }


def _labels(ctx: StepContext) -> dict[str, Any]:
    from yearn.labels import label_issues

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = label_issues(
            ctx.predictions(),
            human_level=ctx.config.metric.human_level_for("error"),
            metric=ctx.config.metric.optimizing,
        )
    notes = [str(w.message) for w in caught]
    path = _write_json(ctx, "label_issues.json", {"ids": [str(i) for i in result.ids]})
    return {
        "json": path,
        "n_issues": len(result.ids),
        "notes": notes,
        "share_of_error": result.share_of_error,
        "share_is_upper_bound": result.upper_bound,
        "advice": result.advice,
    }


def _slices(ctx: StepContext) -> dict[str, Any]:
    from yearn.slices import find_slices

    report = find_slices(
        ctx.predictions(),
        metric=ctx.config.metric.optimizing,
        random_state=ctx.options.random_state,
    )
    path = _write_json(ctx, "slices.json", report.to_dict())
    return {"json": path, "n_significant": len(report.significant)}


def _learning_curve(ctx: StepContext) -> dict[str, Any]:
    from yearn.diagnose import project_learning_curve

    result = project_learning_curve(
        ctx.root,
        run=ctx.outputs["train"]["run_id"],
        fractions=ctx.options.learning_curve_fractions,
        random_state=ctx.options.random_state,
        progress=lambda done, total: ctx.advance(done, total),
    )
    path = result.save(ctx.root)
    out = {
        "json": str(path.relative_to(ctx.root)),
        "verdict": result.verdict,
        "more_data_helps": result.curve.more_data_helps,
    }
    _, _, full_size = result.how.partition("; ")
    if full_size:  # whether the point at full size is the trained run's own model
        out["note"] = full_size
    return out


def _no_options(ctx: StepContext) -> Any:
    return None


STEPS: tuple[Step, ...] = (
    Step(
        "split",
        "split (train / train-dev / dev / test)",
        ("project", "sources", "split"),
        True,
        (),
        _no_options,
        _split,
    ),
    Step(
        "profile",
        "data profile",
        ("project", "sources"),
        True,
        ("split",),
        lambda c: c.options.random_state,
        _profile,
    ),
    Step(
        "baselines",
        "baselines",
        ("project", "sources", "metric.optimizing"),
        True,
        ("split",),
        lambda c: [
            c.options.baselines,
            c.options.baseline_image_size,
            c.options.random_state,
            features_key(c),
        ],
        _baselines,
    ),
    Step(
        "train",
        "train",
        ("project", "sources", "metric.optimizing"),
        True,
        ("split",),
        lambda c: (
            [
                c.model,
                c.options.epochs,
                c.options.train,
                c.options.random_state,
                features_key(c),
                *_budget_key(c),
            ]
        ),
        _train,
    ),
    Step(
        "lr_find",
        "learning-rate range test",
        ("project", "sources"),
        True,
        ("split",),
        lambda c: (
            [c.model, c.options.train, c.options.lr_find_steps, features_key(c), *_budget_key(c)]
            if c.options.lr_find
            else "off"
        ),
        _lr_find,
    ),
    Step(
        "learning_curve",
        "learning curve",
        ("project", "sources", "metric"),
        True,
        ("split", "train"),
        lambda c: (
            [list(c.options.learning_curve_fractions), c.options.random_state, features_key(c)]
            if c.options.learning_curve
            else "off"
        ),
        _learning_curve,
    ),
    Step(
        "diagnose",
        "diagnosis",
        ("metric",),
        False,
        ("train",),
        lambda c: [
            c.options.random_state,
            c.outputs.get("learning_curve"),
            c.outputs.get("profile"),
        ],
        _diagnose,
    ),
    Step(
        "errors",
        "error-analysis worksheet",
        (),
        False,
        ("train",),
        lambda c: [c.options.worksheet_size, c.options.random_state],
        _errors,
    ),
    Step("labels", "label issues", (), False, ("train",), _no_options, _labels),
    Step("slices", "slices", (), False, ("train",), _no_options, _slices),
)


_SINGLE_LABEL = ("binary", "multiclass")


def not_applicable(step: Step, config: Any) -> str | None:
    """Why ``step`` does not apply to this project (``None`` when it does)."""
    if step.name == "slices" and config.task in ("regression", "multilabel"):
        return None  # sliced by the project's metric (yearn.slices, metric=): rmse, map, ...
    if step.name in ("errors", "labels", "slices") and config.task not in _SINGLE_LABEL:
        return f"needs single-label classification; this project is {config.task}"
    return None


def step_enabled(step: Step, options: WorkflowOptions) -> bool:
    if step.name == "lr_find":
        return options.lr_find
    if step.name == "learning_curve":
        return options.learning_curve
    return True


def read_json(root: Path, rel: str) -> Any:
    return json.loads((root / rel).read_text(encoding="utf-8"))
