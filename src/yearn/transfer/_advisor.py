"""Does transfer from task A to task B make sense? The course's three preconditions,
checked from what can be measured:

1. *same input kind*: the backbone takes task-B inputs (same shape and kind: images of
   the same channels, or tables of the same width);
2. *much more data for A than for B*: ``n_a ≥ MUCH_MORE × n_b`` training examples;
3. *A's low-level features help B*: a quick probe — a linear model on frozen A features
   vs a linear model on the raw B inputs, both fitted on B's train split and scored on
   its dev split (McNemar's exact test on the paired right/wrong outcomes).
"""

from __future__ import annotations

import html
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from yearn.compare import mcnemar_exact
from yearn.errors import DataError, YearnError
from yearn.paths import PREDICTIONS_ARTIFACT
from yearn.train import as_input, make_train_data, module_device
from yearn.transfer._backbone import load_backbone

log = logging.getLogger("yearn.transfer")

__all__ = [
    "MUCH_MORE",
    "Check",
    "TransferAdvice",
    "advise_transfer",
    "backbone_features",
    "linear_probe_right",
]

#: "Much more data for A than for B": at least this many times as many examples.
MUCH_MORE = 10.0
PROBE_MAX_TRAIN = 2000
NOT_MEASURED = "transfer advice not measured"


@dataclass(frozen=True)
class Check:
    """One precondition: passed (``None`` when it could not be measured) and why."""

    name: str
    passed: bool | None
    detail: str


@dataclass
class TransferAdvice:
    """The verdict (``likely helps`` / ``unlikely to help``) and the checks behind it."""

    verdict: str
    checks: list[Check]
    probe_error_features: float | None = None
    probe_error_raw: float | None = None
    probe_p_value: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def likely_helps(self) -> bool:
        return self.verdict.startswith("transfer likely helps")

    @property
    def measured(self) -> bool:
        """False when the probe could not be run (the verdict then says why)."""
        return not self.verdict.startswith(NOT_MEASURED)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["likely_helps"] = self.likely_helps
        out["measured"] = self.measured
        return out

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<li>{'✓' if c.passed else ('?' if c.passed is None else '✗')} "
            f"<b>{html.escape(c.name)}</b>: {html.escape(c.detail)}</li>"
            for c in self.checks
        )
        return f"<p><b>{html.escape(self.verdict)}</b></p><ul>{rows}</ul>"


def backbone_features(model: Any, x: np.ndarray, batch: int = 512) -> np.ndarray:
    """Frozen backbone outputs (N, F) for inputs ``x`` (eval mode, no gradients), computed
    on the backbone's device."""
    backbone = model.backbone
    device = module_device(backbone)
    was = backbone.training
    backbone.eval()
    outs = []
    try:
        with torch.no_grad():
            for i in range(0, len(x), batch):
                chunk = as_input(x[i : i + batch], device)
                feats = backbone(chunk).reshape(len(chunk), -1)
                outs.append(feats.float().cpu().numpy())
    finally:
        backbone.train(was)
    return np.concatenate(outs).astype(np.float64)


def input_mismatch(backbone: nn.Module, shape: tuple[int, ...]) -> str | None:
    """Why a backbone cannot read examples of ``shape``, read from its first layer (a
    ``Sequential`` starting with a linear or convolution layer, as the built-in models
    are); ``None`` when they fit or when the first layer cannot be known."""
    first: nn.Module | None = backbone
    flatten = False
    while isinstance(first, nn.Sequential) and len(first):
        first = first[0]
        if isinstance(first, nn.Flatten):
            flatten, first = True, None
            for layer in list(backbone.modules())[1:]:
                if isinstance(layer, nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d):
                    first = layer
                    break
            break
    if isinstance(first, nn.Linear):
        got = int(np.prod(shape)) if flatten or len(shape) == 1 else int(shape[-1])
        if got != first.in_features:
            return f"its first layer reads {first.in_features} values per example; task B has {got}"
        return None
    convs = {nn.Conv1d: 1, nn.Conv2d: 2, nn.Conv3d: 3}
    for kind, dims in convs.items():
        if isinstance(first, kind):
            if len(shape) != dims + 1:
                return f"its first layer reads {dims}-d inputs with channels; task B's are {shape}"
            if shape[0] != first.in_channels:
                return (
                    f"its first layer reads {first.in_channels} channel(s); task B's images "
                    f"have {shape[0]}"
                )
            return None
    return None


def linear_probe_right(xtr: Any, ytr: Any, xdv: Any, ydv: Any) -> np.ndarray:
    """Right/wrong on dev of a logistic regression (L2, C=1) fitted on train.

    No feature scaling: standardising many near-zero ReLU features amplifies their noise
    and hides what the backbone learned (measured on the digits demo)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=1000, C=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(xtr.reshape(len(xtr), -1), ytr)
    return clf.predict(xdv.reshape(len(xdv), -1)) == ydv


def _count_a(backbone: Any, store: Any) -> int | None:
    """Training examples of a yearn run (rows of split train in its predictions table)."""
    if store is None or not isinstance(backbone, str) or "." in backbone:
        return None
    try:
        from yearn.predictions import load_predictions

        if not hasattr(store, "artifact_path"):
            from yearn.store import open_store

            store = open_store(store)
        table = load_predictions(store.artifact_path(backbone, PREDICTIONS_ARTIFACT))
        return int((table.frame["split"] == "train").sum())
    except YearnError as exc:  # no such run or no readable predictions table
        log.info("task-A size of %s not read: %s", backbone, exc)
        return None


def advise_transfer(
    backbone: Any,
    data_b: Any,
    *,
    splits: Any = None,
    task: str | None = None,
    n_a: int | None = None,
    store: Any = None,
    random_state: int = 0,
) -> TransferAdvice:
    """Check the preconditions of transfer from ``backbone`` (task A) to ``data_b``.

    ``n_a``: task-A training examples (read from the run's predictions table when
    ``backbone`` is a run id of ``store``). ``data_b`` needs train and dev splits (the
    probe is scored on dev).
    """
    model = load_backbone(backbone, store=store)
    data = make_train_data(data_b, splits=splits, task=task)
    if data.task not in ("binary", "multiclass"):
        raise DataError(
            f"the transfer probe needs a classification task B; got {data.task}. Run "
            "'yearn transfer' and compare with a from-scratch model instead."
        )
    if "dev" not in data.splits:
        raise DataError("the transfer advisor needs a dev split of task B to score its probe.")
    train, dev = data.splits["train"], data.splits["dev"]
    checks: list[Check] = []
    why = input_mismatch(model.backbone, data.input_shape)
    if why is not None:  # read from the architecture, not from an exception
        checks.append(
            Check(
                "same input kind",
                False,
                f"the backbone cannot take task-B inputs of shape {data.input_shape} ({why}): "
                "A and B differ in input kind",
            )
        )
        return TransferAdvice("transfer unlikely to help: inputs differ", checks)
    try:
        f_train = backbone_features(model, train.x[:PROBE_MAX_TRAIN])
        f_dev = backbone_features(model, dev.x)
    except Exception as exc:  # a failing probe is no evidence about transfer: say so
        log.warning("the transfer probe failed", exc_info=True)
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        checks.append(
            Check(
                "same input kind",
                None,
                f"not measured: computing the backbone's features of task-B inputs of shape "
                f"{data.input_shape} failed ({reason})",
            )
        )
        return TransferAdvice(
            f"{NOT_MEASURED}: the probe failed ({reason}); fix the error and re-run", checks
        )
    checks.append(
        Check(
            "same input kind",
            True,
            f"the backbone takes task-B inputs of shape {data.input_shape}",
        )
    )
    n_b = len(train)
    n_a = n_a if n_a is not None else _count_a(backbone, store)
    if n_a is None:
        checks.append(
            Check("much more data for A", None, "task-A size unknown (give n_a=...); not checked")
        )
    else:
        ratio = n_a / max(n_b, 1)
        checks.append(
            Check(
                "much more data for A",
                ratio >= MUCH_MORE,
                f"A has {n_a:,} training examples, B {n_b:,} ({ratio:.1f}×; "
                f"'much more' means ≥ {MUCH_MORE:g}×)",
            )
        )
    y_tr = train.y[:PROBE_MAX_TRAIN]
    if len(np.unique(y_tr)) < 2:
        raise DataError("task B's train split holds one class only; the probe needs two.")
    right_f = linear_probe_right(f_train, y_tr, f_dev, dev.y)
    right_r = linear_probe_right(train.x[:PROBE_MAX_TRAIN], y_tr, dev.x, dev.y)
    err_f, err_r = 1 - right_f.mean(), 1 - right_r.mean()
    test = mcnemar_exact(right_f, right_r)
    helps = err_f < err_r
    checks.append(
        Check(
            "A features useful for B",
            bool(helps),
            f"linear probe on frozen A features: dev error {err_f:.1%}; linear model "
            f"on raw B inputs: {err_r:.1%} (McNemar p = {test.p_value:.3g}, "
            f"n = {len(dev)})",
        )
    )
    failed = [c.name for c in checks if c.passed is False]
    verdict = (
        "transfer likely helps" if not failed else f"transfer unlikely to help: {', '.join(failed)}"
    )
    if not failed and any(c.passed is None for c in checks):
        verdict += " (one precondition could not be checked)"
    return TransferAdvice(verdict, checks, float(err_f), float(err_r), float(test.p_value))
