"""The three fine-tuning policies and how much task-B data picks the default.

- ``head``: only the new head trains; every backbone weight is frozen;
- ``last_k``: the last ``k`` parameterised layers of the backbone train with the head;
- ``all``: everything trains, the backbone at ``backbone_lr_factor`` × the learning rate
  (an optimizer parameter group of its own, set up by :class:`BackboneLearningRate`).

The course's rule: with little data for the new task retrain only the last layer(s); with
a lot, retrain the whole network, starting from the pretrained weights.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from yearn._validation import check_choice, check_number, check_positive_int
from yearn.errors import TrainingError
from yearn.train import Callback

__all__ = [
    "HEAD_ONLY_BELOW",
    "LAST_K_BELOW",
    "POLICIES",
    "BackboneLearningRate",
    "FrozenBackboneEval",
    "PolicyChoice",
    "apply_policy",
    "backbone_layers",
    "choose_policy",
]

POLICIES = ("head", "last_k", "all")
#: Fewer task-B training examples than this → train the head only.
HEAD_ONLY_BELOW = 500
#: Fewer than this (and at least HEAD_ONLY_BELOW) → fine-tune the last k layers; more → all.
LAST_K_BELOW = 5000


@dataclass(frozen=True)
class PolicyChoice:
    """A policy, its ``k`` (for ``last_k``) and why it was chosen."""

    policy: str
    k: int
    reason: str
    chosen_by_default: bool


def choose_policy(n_train: int, policy: str | None = None, k: int = 1) -> PolicyChoice:
    """The given policy, or the default for ``n_train`` task-B training examples."""
    k = check_positive_int("k", k, error=TrainingError)
    if policy is not None:
        check_choice("policy", policy, POLICIES, error=TrainingError)
        return PolicyChoice(policy, k, f"policy {policy!r} as requested", False)
    if n_train < HEAD_ONLY_BELOW:
        return PolicyChoice(
            "head",
            k,
            f"{n_train} task-B training examples (< {HEAD_ONLY_BELOW}): too few to retrain the "
            "backbone without overfitting, so only the new head trains",
            True,
        )
    if n_train < LAST_K_BELOW:
        return PolicyChoice(
            "last_k",
            k,
            f"{n_train} task-B training examples ({HEAD_ONLY_BELOW}-{LAST_K_BELOW - 1}): enough "
            f"to fine-tune the last {k} backbone layer(s) with the head",
            True,
        )
    return PolicyChoice(
        "all",
        k,
        f"{n_train} task-B training examples (≥ {LAST_K_BELOW}): enough to fine-tune the whole "
        "network, the backbone at a lower learning rate",
        True,
    )


def backbone_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The backbone's layers that own weights, in forward order (name, module).

    A backbone with a ``transfer_layers()`` method names its own layers (a transformer
    counts whole blocks, not each linear map inside them).
    """
    backbone = model.backbone
    custom = getattr(backbone, "transfer_layers", None)
    if callable(custom):
        return [(f"backbone.{name}", module) for name, module in custom()]
    out = []
    for name, module in backbone.named_modules():
        if any(True for _ in module.parameters(recurse=False)):
            out.append((f"backbone.{name}" if name else "backbone", module))
    return out


def apply_policy(model: nn.Module, policy: str, k: int = 1) -> list[str]:
    """Set ``requires_grad`` for ``policy``; returns the names of the layers that train."""
    check_choice("policy", policy, POLICIES, error=TrainingError)
    layers = backbone_layers(model)
    for p in model.backbone.parameters():
        p.requires_grad_(policy == "all")
    for p in model.head.parameters():
        p.requires_grad_(True)
    trained = [name for name, _ in layers] if policy == "all" else []
    if policy == "last_k":
        if k > len(layers):
            raise TrainingError(
                f"policy last_k with k={k}, but the backbone has {len(layers)} layers with "
                f"weights; use k ≤ {len(layers)} or policy 'all'."
            )
        for name, module in layers[len(layers) - k :]:
            for p in module.parameters():
                p.requires_grad_(True)
            trained.append(name)
    return [*trained, "head"]


class BackboneLearningRate(Callback):
    """Put the trainable backbone weights in a parameter group at ``factor`` × lr.

    Runs at the start of training, before any step, on the loop's own optimizer (and
    scheduler, whose base rates get the new group's), so the loop stays the one in
    :mod:`yearn.train`.
    """

    def __init__(self, factor: float = 0.1) -> None:
        self.factor = check_number(
            "backbone_lr_factor",
            factor,
            low=0.0,
            high=1.0,
            low_inclusive=False,
            error=TrainingError,
        )

    def on_fit_start(self, state: Any) -> None:
        opt: torch.optim.Optimizer = state.optimizer
        backbone = {id(p) for p in state.model.backbone.parameters()}
        group = opt.param_groups[0]
        mine = [p for p in group["params"] if id(p) in backbone]
        if not mine or len(opt.param_groups) > 1:
            return
        group["params"] = [p for p in group["params"] if id(p) not in backbone]
        lr = group["lr"] * self.factor
        opt.add_param_group({"params": mine, "lr": lr, "initial_lr": lr})
        sched = state.scheduler
        if sched is not None:
            sched.base_lrs.append(lr)
            sched._last_lr = [g["lr"] for g in opt.param_groups]


class FrozenBackboneEval(Callback):
    """Keep a frozen backbone in eval mode while the head trains (policy ``head``).

    The loop puts the whole model in train mode every epoch; without this, dropout would
    perturb the frozen features and batch-norm layers would update their running
    statistics — a frozen backbone must stay exactly as it was pretrained. During the fit
    the backbone's ``train()`` keeps it in eval mode; the override is removed afterwards.
    """

    def on_fit_start(self, state: Any) -> None:
        backbone = state.model.backbone

        def stay_in_eval(self: nn.Module, mode: bool = True) -> nn.Module:
            return nn.Module.train(self, False)

        backbone.train = types.MethodType(stay_in_eval, backbone)
        backbone.eval()

    def on_teardown(self, state: Any) -> None:
        state.model.backbone.__dict__.pop("train", None)
