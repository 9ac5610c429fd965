"""Magnitude pruning of a trained network with a short fine-tune on the train split.

The ``sparsity`` share of all Linear / Conv weights with the smallest magnitude (one
global threshold) is set to zero; the rest are fine-tuned for a few epochs with the zeros
held by a mask, then the mask is folded into the weights."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils import prune

from yearn._validation import check_number, check_positive_int

__all__ = ["prune_network", "sparsity_of"]


def _weights(network: nn.Module) -> list[tuple[nn.Module, str]]:
    return [(m, "weight") for m in network.modules() if isinstance(m, nn.Linear | nn.Conv2d)]


def sparsity_of(network: nn.Module) -> float:
    """Share of zero weights over all Linear / Conv weights."""
    weights = [m.weight.detach() for m, _ in _weights(network)]
    total = sum(w.numel() for w in weights)
    return float(sum((w == 0).sum().item() for w in weights) / total) if total else 0.0


def _loss(kind: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    import torch.nn.functional as F

    if kind == "softmax":
        return F.cross_entropy(out, y)
    if kind == "sigmoid2":
        return F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))
    if kind == "sigmoid":
        from yearn.train import masked_bce

        return masked_bce(out, y)
    return F.mse_loss(out.reshape(-1), y)


def prune_network(
    network: nn.Module,
    sparsity: float,
    x: np.ndarray,
    y: np.ndarray,
    *,
    kind: str,
    epochs: int = 2,
    lr: float = 1e-3,
    batch_size: int = 64,
    random_state: int = 0,
) -> nn.Module:
    """A pruned, fine-tuned copy of ``network`` (eval mode); ``network`` is untouched.

    ``x`` are prepared inputs of the train split, ``y`` its targets (class indices,
    0/1 for binary BCE, (N, T) with NaN for multi-label, values for regression).
    """
    sparsity = check_number("sparsity", sparsity, low=0.0, high=1.0, high_inclusive=False)
    check_positive_int("epochs", epochs, minimum=0)
    pruned = copy.deepcopy(network)
    params = _weights(pruned)
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=sparsity)
    xt = torch.from_numpy(np.asarray(x, dtype=np.float32))
    yt = torch.from_numpy(np.asarray(y))
    yt = yt.long() if kind == "softmax" else yt.float()
    with torch.random.fork_rng():  # a local seed: the caller's global RNG is untouched
        torch.manual_seed(random_state)
        generator = torch.Generator().manual_seed(random_state)
        optimizer = torch.optim.Adam(pruned.parameters(), lr=lr)
        pruned.train()
        for _ in range(epochs):
            order = torch.randperm(len(xt), generator=generator)
            for start in range(0, len(xt), batch_size):
                idx = order[start : start + batch_size]
                optimizer.zero_grad()
                loss = _loss(kind, pruned(xt[idx]), yt[idx])
                loss.backward()
                optimizer.step()
    for module, name in params:
        prune.remove(module, name)
    return pruned.eval()


def train_targets(labels: Any, task: str, classes: list[str], kind: str) -> np.ndarray:
    """The train split's labels as the loss wants them."""
    if task == "multilabel" or task == "regression":
        return np.asarray(labels, dtype=np.float32)
    lookup = {c: i for i, c in enumerate(classes)}
    return np.asarray([lookup[str(v)] for v in labels], dtype=np.int64)
