"""``transfer``: a pretrained backbone, a new head for task B, trained by one policy."""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from yearn.errors import TrainingError
from yearn.train import (
    FitResult,
    as_input,
    default_loss,
    expected_outputs,
    fit,
    make_train_data,
    module_device,
)
from yearn.transfer._backbone import load_backbone
from yearn.transfer._policy import (
    BackboneLearningRate,
    FrozenBackboneEval,
    PolicyChoice,
    apply_policy,
    choose_policy,
)

__all__ = ["TransferResult", "attach_head", "transfer", "transfer_text"]


@dataclass
class TransferResult:
    """One transfer run: the training result, the policy (and why), what trained."""

    fit: FitResult
    policy: PolicyChoice
    trained_layers: list[str]
    n_train: int
    backbone: str
    notes: list[str] = field(default_factory=list)

    @property
    def run_id(self) -> str | None:
        return self.fit.run_id

    def summary(self) -> str:
        """One sentence: the policy and why."""
        how = "default" if self.policy.chosen_by_default else "requested"
        k = f" (k={self.policy.k})" if self.policy.policy == "last_k" else ""
        return f"policy {self.policy.policy}{k} ({how}): {self.policy.reason}"

    def to_dict(self) -> dict[str, Any]:
        final = self.fit.final()
        return {
            "backbone": self.backbone,
            "policy": self.policy.policy,
            "k": self.policy.k,
            "policy_reason": self.policy.reason,
            "policy_is_default": self.policy.chosen_by_default,
            "trained_layers": self.trained_layers,
            "n_train": self.n_train,
            "run_id": self.fit.run_id,
            "metric": self.fit.metric,
            "final": {
                k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in final.items()
            },
            "notes": self.notes,
        }

    def _repr_html_(self) -> str:
        return f"<p><b>yearn transfer</b>: {html.escape(self.summary())}</p>" + (
            self.fit._repr_html_()
        )


def attach_head(
    model: nn.Module,
    x_sample: np.ndarray,
    n_outputs: int,
    head: Any = None,
    random_state: int = 0,
    excluded: dict[str, str] | None = None,
) -> None:
    """Check the backbone takes task-B inputs and put a new head of the right size on it.
    ``excluded``: task-B columns the feature screen left out (named when shapes differ)."""
    backbone = model.backbone
    was = backbone.training
    backbone.eval()
    try:
        with torch.no_grad():
            feats = backbone(as_input(x_sample[:2], module_device(backbone)))
    except RuntimeError as exc:
        raise TrainingError(
            f"the pretrained backbone cannot take task-B inputs of shape "
            f"{tuple(x_sample.shape[1:])} ({str(exc).splitlines()[0]}); transfer needs the "
            "same kind and size of input as task A (resize or re-encode the task-B data)."
            + (
                f" The feature screen left out task-B column(s) {', '.join(excluded)}; if task A "
                "was trained with them, keep them with --keep-column NAME (keep= in Python)."
                if excluded
                else ""
            )
        ) from None
    finally:
        backbone.train(was)
    width = int(feats.reshape(len(feats), -1).shape[1])
    if head is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(random_state)  # drawn on the CPU, then put with the backbone
            model.head = nn.Linear(width, n_outputs).to(feats.device)
        model.n_features = width
        return
    wants = getattr(head, "in_features", None)
    if wants is not None and int(wants) != width:
        raise TrainingError(
            f"the backbone outputs {width} features but the head takes {wants}; build the head "
            f"as nn.Linear({width}, {n_outputs}) (or leave head unset for that default)."
        )
    with torch.no_grad():
        try:
            got = head(feats.to(module_device(head))).reshape(len(feats), -1).shape[1]
        except RuntimeError as exc:
            raise TrainingError(
                f"the head does not fit the backbone's {width} output features "
                f"({str(exc).splitlines()[0]}); make its input size {width}."
            ) from None
    if got != n_outputs:
        raise TrainingError(
            f"the head has {got} outputs but task B needs {n_outputs}; give it {n_outputs}."
        )
    model.head = head


def transfer(
    backbone: Any,
    data: Any,
    *,
    splits: Any = None,
    task: str | None = None,
    policy: str | None = None,
    k: int = 1,
    backbone_lr_factor: float = 0.1,
    head: nn.Module | None = None,
    model: nn.Module | None = None,
    store: Any = None,
    backbone_store: Any = None,
    run_name: str | None = None,
    callbacks: Any = (),
    **params: Any,
) -> TransferResult:
    """Train a new head for task B on a pretrained backbone, with one policy.

    ``backbone``: a run id (of ``backbone_store``, default ``store``), a weights file or a
    model with ``backbone`` and ``head`` (copied, never changed). ``data`` / ``splits`` /
    ``task``: as :func:`yearn.fit`. ``policy``: ``head`` / ``last_k`` / ``all``
    (``None``: chosen by the task-B train size, see :func:`choose_policy`); ``k``: layers
    for ``last_k``; ``backbone_lr_factor``: the backbone's share of ``lr`` under ``all``.
    ``params``: training parameters of :func:`yearn.fit` (epochs, lr, ...).
    """
    source = load_backbone(backbone, store=backbone_store or store, model=model)
    net = copy.deepcopy(source) if isinstance(backbone, nn.Module) else source
    prepared = make_train_data(data, splits=splits, task=task)
    loss = params.get("loss") or default_loss(prepared.task)
    n_out = expected_outputs(prepared.task, loss, len(prepared.classes))
    attach_head(
        net,
        prepared.splits["train"].x,
        n_out,
        head,
        params.get("random_state", 0),
        excluded=prepared.excluded_columns,
    )
    n_train = len(prepared.splits["train"])
    choice = choose_policy(n_train, policy, k)
    trained = apply_policy(net, choice.policy, choice.k)
    extra = list(callbacks)
    if choice.policy == "all":
        extra.append(BackboneLearningRate(backbone_lr_factor))
    if choice.policy == "head":
        extra.append(FrozenBackboneEval())
    name = run_name or f"transfer-{choice.policy}"
    result = fit(net, prepared, store=store, run_name=name, callbacks=extra, **params)
    notes = []
    if choice.policy == "all":
        notes.append(f"backbone learning rate = {backbone_lr_factor:g} × lr")
    label = backbone if isinstance(backbone, str) else type(backbone).__name__
    return TransferResult(result, choice, trained, n_train, str(label), notes)


def transfer_text(
    data: Any,
    *,
    encoder: Any = None,
    policy: str | None = None,
    k: int = 1,
    backbone_lr_factor: float = 0.1,
    max_length: int = 64,
    head_model: str = "linear",
    store: Any = None,
    run_name: str | None = None,
    task: str | None = None,
    callbacks: Any = (),
    **params: Any,
) -> TransferResult:
    """A new head on the pretrained text encoder (all-MiniLM-L6-v2), with one policy.

    ``data``: ``{"train": (texts, y), "dev": (texts, y), ...}``. ``policy`` (``None``: by
    the task-B train size, see :func:`choose_policy`):

    - ``head``: the texts are embedded once by the frozen encoder (cached, see
      :class:`~yearn.transfer.TextEncoder`) and ``head_model`` (``linear`` or ``mlp``) is
      trained on the 384 features;
    - ``last_k``: the last ``k`` transformer layers (of 6; the embeddings count as a 7th
      layer before them) train with a new linear head (``head_model`` is for ``head``);
    - ``all``: the whole encoder trains at ``backbone_lr_factor`` × ``lr``.

    Fine-tuning reads the texts as token ids cut to ``max_length`` tokens. ``params``:
    training parameters of :func:`yearn.fit` (epochs, lr, batch_size, num_threads, ...).
    """
    from yearn.transfer._text import TextEncoder

    encoder = encoder or TextEncoder()
    pairs: dict[str, tuple[list[Any], np.ndarray]] = {}
    for split, pair in dict(data).items():
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TrainingError(f"split {split!r}: give a pair (texts, y).")
        pairs[split] = (list(pair[0]), np.asarray(pair[1]))
    n_train = len(pairs["train"][0]) if "train" in pairs else 0
    choice = choose_policy(n_train, policy, k)
    if choice.policy != "head":
        return _finetune_text(
            encoder, pairs, choice, backbone_lr_factor, max_length, store, run_name, task,
            callbacks, params,
        )  # fmt: skip
    if choice.chosen_by_default:
        choice = PolicyChoice(
            "head",
            choice.k,
            f"{choice.reason}; the encoder's embeddings are computed once and cached",
            True,
        )
    arrays = {s: (encoder.encode(texts), y) for s, (texts, y) in pairs.items()}
    result = fit(
        head_model,
        arrays,
        task=task,
        store=store,
        run_name=run_name or "transfer-text",
        callbacks=callbacks,
        **params,
    )
    return TransferResult(result, choice, ["head"], n_train, encoder.name)


def _finetune_text(
    encoder: Any,
    pairs: dict[str, tuple[list[Any], np.ndarray]],
    choice: PolicyChoice,
    backbone_lr_factor: float,
    max_length: int,
    store: Any,
    run_name: str | None,
    task: str | None,
    callbacks: Any,
    params: dict[str, Any],
) -> TransferResult:
    """Policies ``last_k`` / ``all``: the MiniLM transformer itself trains (via transfer)."""
    from yearn.train import BackboneHead
    from yearn.transfer._text_backbone import MiniLMBackbone, tokenize_texts

    tokens = {s: (tokenize_texts(encoder, texts, max_length), y) for s, (texts, y) in pairs.items()}
    backbone = MiniLMBackbone.from_encoder(encoder)
    model = BackboneHead(backbone, nn.Identity(), backbone.dim)
    result = transfer(
        model,
        tokens,
        task=task,
        policy=choice.policy,
        k=choice.k,
        backbone_lr_factor=backbone_lr_factor,
        store=store,
        run_name=run_name or f"transfer-text-{choice.policy}",
        callbacks=callbacks,
        **params,
    )
    result.policy = choice
    result.backbone = encoder.name
    cut = sum(int(t[:, 1, -1].sum()) for t, _ in tokens.values())
    result.notes.append(
        f"texts read as at most {max_length} tokens"
        + (f" ({cut} text(s) filled them and may be cut; raise max_length)" if cut else "")
    )
    return result
