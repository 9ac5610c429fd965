"""From scratch vs transfer (each policy) on the same task-B splits, with verdicts."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch

from yearn.compare import Comparison, compare_predictions, format_gain
from yearn.errors import DataError
from yearn.train import (
    FitResult,
    default_loss,
    expected_outputs,
    fit,
    make_train_data,
    module_device,
)
from yearn.transfer._backbone import load_backbone
from yearn.transfer._policy import POLICIES
from yearn.transfer._transfer import attach_head, transfer

__all__ = ["PolicyOutcome", "TransferComparison", "compare_transfer", "scratch_copy"]


@dataclass
class PolicyOutcome:
    """One contender: ``scratch`` or a policy; its dev metric, run and verdict vs scratch."""

    name: str
    dev_value: float
    run_id: str | None
    fit: FitResult
    versus_scratch: Comparison | None = None


@dataclass
class TransferComparison:
    """Scratch and every policy trained on the same task-B splits."""

    n_train: int
    metric: str
    outcomes: list[PolicyOutcome]

    def outcome(self, name: str) -> PolicyOutcome:
        return next(o for o in self.outcomes if o.name == name)

    def best(self) -> PolicyOutcome:
        """The transfer policy with the lowest dev error."""
        return min((o for o in self.outcomes if o.name != "scratch"), key=lambda o: o.dev_value)

    def table(self) -> pd.DataFrame:
        """One row per contender: dev metric, gain over scratch with its CI, p-value."""
        rows = []
        for o in self.outcomes:
            c = o.versus_scratch
            rows.append(
                {
                    "model": o.name,
                    f"dev {self.metric}": o.dev_value,
                    "gain vs scratch": None if c is None else c.improvement,
                    "ci_low": None if c is None else c.ci_low,
                    "ci_high": None if c is None else c.ci_high,
                    "p_value": None if c is None else c.p_value,
                    "verdict": "" if c is None else c.verdict,
                    "run_id": o.run_id,
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        frame = self.table().astype(object)
        frame = frame.where(frame.notna(), None)
        return {"n_train": self.n_train, "metric": self.metric, "rows": frame.to_dict("records")}

    def _repr_html_(self) -> str:
        return f"<p><b>task B: {self.n_train} training examples</b></p>" + self.table().to_html(
            index=False, escape=True, float_format=lambda v: f"{v:.4g}"
        )

    def gain_text(self, name: str) -> str:
        c = self.outcome(name).versus_scratch
        if c is None or not math.isfinite(c.improvement):
            return "-"
        return format_gain(c.metric, c.improvement, c.ci_low, c.ci_high, c.confidence)


def scratch_copy(model: torch.nn.Module, random_state: int) -> torch.nn.Module:
    """The same architecture with freshly initialised weights (seeded, RNG restored)."""
    fresh = copy.deepcopy(model)
    where = module_device(fresh)  # a model on CUDA draws from (and forks) the CUDA RNG
    with torch.random.fork_rng(devices=[where.index or 0] if where.type == "cuda" else []):
        torch.manual_seed(random_state)
        for module in fresh.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
    for p in fresh.parameters():
        p.requires_grad_(True)
    return fresh


def _dev_value(result: FitResult) -> float:
    final = result.final()
    return float(final.get("dev_metric", math.nan))


def compare_transfer(
    backbone: Any,
    data_b: Any,
    *,
    splits: Any = None,
    task: str | None = None,
    policies: tuple[str, ...] = POLICIES,
    k: int = 1,
    backbone_lr_factor: float = 0.1,
    store: Any = None,
    backbone_store: Any = None,
    run_prefix: str = "",
    alpha: float = 0.05,
    n_resamples: int = 2000,
    **params: Any,
) -> TransferComparison:
    """Train from scratch and with each transfer ``policy`` on the same task-B splits.

    The scratch model is the backbone's architecture re-initialised, everything trained.
    Every contender is one :func:`yearn.fit` run (curves in ``store`` when given); each
    policy's dev predictions are compared with scratch's (:func:`yearn.compare.compare_predictions`:
    McNemar for error, a paired-bootstrap CI).
    """
    prepared = make_train_data(data_b, splits=splits, task=task)
    if "dev" not in prepared.splits:
        raise DataError("the comparison needs a dev split of task B to score every model on.")
    source = load_backbone(backbone, store=backbone_store or store)
    loss = params.get("loss") or default_loss(prepared.task)
    n_out = expected_outputs(prepared.task, loss, len(prepared.classes))
    net = scratch_copy(source, params.get("random_state", 0))
    attach_head(
        net,
        prepared.splits["train"].x,
        n_out,
        None,
        params.get("random_state", 0),
        excluded=prepared.excluded_columns,
    )
    outcomes = []
    base = fit(net, prepared, store=store, run_name=f"{run_prefix}scratch", **params)
    outcomes.append(PolicyOutcome("scratch", _dev_value(base), base.run_id, base))
    for policy in policies:
        res = transfer(
            copy.deepcopy(source),
            prepared,
            policy=policy,
            k=k,
            backbone_lr_factor=backbone_lr_factor,
            store=store,
            run_name=f"{run_prefix}transfer-{policy}",
            **params,
        )
        versus = compare_predictions(
            base.predictions,
            res.fit.predictions,
            split="dev",
            metric=base.metric,
            name_a="scratch",
            name_b=policy,
            alpha=alpha,
            n_resamples=n_resamples,
            random_state=params.get("random_state", 0),
        )
        outcomes.append(PolicyOutcome(policy, _dev_value(res.fit), res.run_id, res.fit, versus))
    result = TransferComparison(len(prepared.splits["train"]), base.metric, outcomes)
    if store is not None:
        record_comparison(store, f"{run_prefix}transfer-compare", "transfer_compare", result)
    return result


def record_comparison(store: Any, name: str, kind: str, result: Any) -> str:
    """One run of ``kind`` holding the comparison (``comparison.json``) and, as metrics,
    each contender's dev value; returns its id. ``store``: a RunStore or project folder."""
    import json

    if not hasattr(store, "start_run"):
        from yearn.store import open_store

        store = open_store(store)
    data = result.to_dict()
    with store.run(name=name, kind=kind, config={"contenders": _contenders(data)}) as run:
        for row in data.get("rows", []):
            value = next((v for k, v in row.items() if k.startswith("dev ")), None)
            if isinstance(value, float) and math.isfinite(value):
                run.log_metric(str(row.get("model", row.get("task"))), value, split="dev")
        run.log_artifact(json.dumps(data, indent=2, default=str).encode(), name="comparison.json")
        return run.id


def _contenders(data: dict[str, Any]) -> dict[str, Any]:
    return {str(r.get("model", r.get("task"))): r.get("run_id") for r in data.get("rows", [])}
