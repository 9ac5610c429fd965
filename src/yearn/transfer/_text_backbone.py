"""The packaged MiniLM text encoder as a trainable torch backbone (policies ``last_k`` / ``all``).

:class:`MiniLMBackbone` wraps a copy of the SentenceTransformer's BERT transformer and
reproduces its pooling exactly: the mean of the token embeddings over the attention mask,
then L2 normalisation (the model's ``Normalize`` module). With its weights untouched its
output equals :meth:`TextEncoder.encode` to float precision for texts that fit in
``max_length`` tokens.

Input: token ids and attention mask packed in one tensor of shape (N, 2, L), as made by
:func:`tokenize_texts` with the model's own tokenizer. The loop of :mod:`yearn.train`
carries inputs as float32; ids below 2**24 (the vocabulary has 30,522) are exact in float32
and are turned back into integers in :meth:`MiniLMBackbone.forward`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from yearn._validation import check_positive_int
from yearn.errors import TrainingError

__all__ = ["MiniLMBackbone", "tokenize_texts"]


def tokenize_texts(encoder: Any, texts: Sequence[str], max_length: int = 64) -> np.ndarray:
    """Token ids and attention mask of ``texts``, int64 of shape (N, 2, max_length).

    ``encoder``: a :class:`~yearn.transfer.TextEncoder` (its model's tokenizer is used);
    texts longer than ``max_length`` tokens are truncated, shorter ones padded.
    """
    max_length = check_positive_int("max_length", max_length, error=TrainingError)
    if max_length < 3:
        raise TrainingError(
            f"max_length={max_length} leaves no room for a word after the [CLS] and [SEP] "
            "tokens; use max_length ≥ 3 (64 is a good default for short texts)."
        )
    texts = [encoder._check(i, t) for i, t in enumerate(texts)]
    if not texts:
        return np.zeros((0, 2, max_length), dtype=np.int64)
    tokenizer = encoder.load()[0].tokenizer
    found = tokenizer(
        list(texts),
        padding="max_length",
        truncation=True,
        max_length=max_length,
        return_tensors="np",
    )
    return np.stack([found["input_ids"], found["attention_mask"]], axis=1).astype(np.int64)


class MiniLMBackbone(nn.Module):
    """Packed token ids + mask (N, 2, L) → sentence embeddings (N, 384), trainable.

    ``transformer``: the BERT model of a loaded SentenceTransformer (copied, never changed;
    its unused pooler is dropped so every weight here feeds the embeddings).
    ``normalize``: L2-normalise the pooled embedding, as the packaged model does.
    """

    def __init__(self, transformer: nn.Module, *, normalize: bool = True) -> None:
        super().__init__()
        model = copy.deepcopy(transformer)
        if getattr(model, "pooler", None) is not None:
            model.pooler = None
        self.model = model
        self.normalize = normalize
        self.dim = int(model.config.hidden_size)

    @classmethod
    def from_encoder(cls, encoder: Any) -> MiniLMBackbone:
        """The backbone of a :class:`~yearn.transfer.TextEncoder`'s loaded model."""
        st = encoder.load()
        kinds = [type(m).__name__ for m in st]
        if len(kinds) < 2 or kinds[0] != "Transformer" or kinds[1] != "Pooling":
            raise TrainingError(
                f"the text model's modules are {kinds}; fine-tuning needs a Transformer "
                "followed by a Pooling module (the all-MiniLM-L6-v2 layout)."
            )
        mode = st[1].get_config_dict().get("pooling_mode", "mean")
        if mode != "mean":
            raise TrainingError(
                f"the text model pools by {mode!r}; only mean pooling is reproduced for "
                "fine-tuning. Use policy 'head' (cached embeddings) with this model."
            )
        return cls(st[0].auto_model, normalize="Normalize" in kinds[2:])

    def transfer_layers(self) -> list[tuple[str, nn.Module]]:
        """The layers the policies count, in forward order: the embeddings, then each
        transformer layer (pooling and normalisation have no weights)."""
        layers = [("model.embeddings", self.model.embeddings)]
        for i, layer in enumerate(self.model.encoder.layer):
            layers.append((f"model.encoder.layer.{i}", layer))
        return layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[1] != 2:
            raise TrainingError(
                f"the text backbone takes token ids and attention mask packed as (N, 2, L); "
                f"got a tensor of shape {tuple(x.shape)}. Make it with tokenize_texts()."
            )
        ids = x[:, 0].round().long()
        mask = x[:, 1].round().long()
        tokens = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(tokens.dtype)
        summed = (tokens * weights).sum(dim=1)
        pooled = summed / weights.sum(dim=1).clamp(min=1e-9)
        if self.normalize:
            pooled = nn.functional.normalize(pooled, p=2, dim=1)
        return pooled
