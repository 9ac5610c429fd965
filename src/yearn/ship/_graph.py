"""The whole inference path as one torch module: fitted ``yearn.prep`` steps + network +
output activation, ready for the ONNX exporter.

* tables: ``numeric`` (float64, NaN = missing) → median imputation, missing indicators,
  standardisation (in float64, as ``TabularPreprocessor`` does), then float32;
  ``codes`` (int64, one per categorical column; the ONNX graph computes them from the
  strings with ``ai.onnx.ml.LabelEncoder``) → the one-hot block of each column;
* images: ``image`` (float32 N×C×H×W in [0, 1]) → per-channel standardisation;
* outputs: softmax (cross-entropy), sigmoid (binary BCE as two columns, multi-label),
  or the value (regression).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from yearn.errors import DataError

__all__ = ["InferenceModule", "category_codes", "head_kind"]

#: A category string that no encoder has seen (to learn where unseen values go).
_UNSEEN = "\x00yearn-unseen\x00"


def category_codes(onehot: Any) -> list[tuple[list[str], list[int], int, int]]:
    """Per categorical column: (categories, their position in the column's one-hot block,
    the position an unseen value takes (-1: none), the block's width), read from the
    fitted ``OneHotEncoder`` by transforming each category."""
    widths = [int(w) for w in onehot._n_features_outs]
    cats = [list(map(str, c)) for c in onehot.categories_]
    offsets = np.cumsum([0, *widths])
    base = [c[0] for c in cats]
    out = []
    for j, categories in enumerate(cats):
        probe = [categories[k] for k in range(len(categories))] + [_UNSEEN]
        rows = np.array([[*base[:j], v, *base[j + 1 :]] for v in probe], dtype=object)
        block = onehot.transform(rows)[:, offsets[j] : offsets[j + 1]]
        block = np.asarray(block.toarray() if hasattr(block, "toarray") else block)
        if not np.all((block == 0) | (block == 1)) or np.any(block.sum(axis=1) > 1):
            raise DataError(f"categorical column {j}: the encoder is not a plain one-hot.")
        pos = [int(r.argmax()) if r.any() else -1 for r in block]
        out.append((categories, pos[:-1], pos[-1], widths[j]))
    return out


def head_kind(task: str, loss: str, n_outputs: int) -> str:
    """How network outputs become probabilities (see ``yearn.train`` outputs_to_proba)."""
    if task == "regression":
        return "value"
    if task == "multilabel":
        return "sigmoid"
    if loss == "bce" and n_outputs == 1:
        return "sigmoid2"
    return "softmax"


class _Tabular(nn.Module):
    def __init__(self, prep: Any) -> None:
        super().__init__()
        self.n_numeric = len(prep.numeric_columns_)
        if self.n_numeric:
            stats = np.nan_to_num(np.asarray(prep.imputer_.statistics_, dtype=np.float64))
            mean = prep.scaler_.mean_ if prep.scaler_.mean_ is not None else np.zeros(len(stats))
            scale = prep.scaler_.scale_ if prep.scaler_.scale_ is not None else np.ones(len(stats))
            self.register_buffer("median", torch.tensor(stats, dtype=torch.float64))
            self.register_buffer("mean", torch.tensor(np.asarray(mean), dtype=torch.float64))
            self.register_buffer("scale", torch.tensor(np.asarray(scale), dtype=torch.float64))
            indicator = getattr(prep.imputer_, "indicator_", None)
            features = [] if indicator is None else list(indicator.features_)
            self.register_buffer("indicated", torch.tensor(features, dtype=torch.int64))
            self.n_indicated = len(features)
        self.widths = (
            [w for *_, w in category_codes(prep.onehot_)] if prep.categorical_columns_ else []
        )

    def forward(self, numeric: torch.Tensor | None, codes: torch.Tensor | None) -> torch.Tensor:
        parts = []
        if self.n_numeric:
            missing = ~torch.isfinite(numeric)
            filled = torch.where(missing, self.median, numeric)
            parts.append(((filled - self.mean) / self.scale).to(torch.float32))
            if self.n_indicated:
                parts.append(torch.index_select(missing, 1, self.indicated).to(torch.float32))
        for j, width in enumerate(self.widths):
            positions = torch.arange(width, dtype=torch.int64, device=codes.device)
            parts.append((codes[:, j : j + 1] == positions).to(torch.float32))
        return torch.cat(parts, dim=1)


class _Images(nn.Module):
    def __init__(self, norm: Any) -> None:
        super().__init__()
        mean = np.asarray(norm.mean_, dtype=np.float64)[None, :, None, None]
        std = np.asarray(norm.std_, dtype=np.float64)[None, :, None, None] + float(norm.eps)
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("std", torch.tensor(std))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return ((image.to(torch.float64) - self.mean) / self.std).to(torch.float32)


class InferenceModule(nn.Module):
    """Preprocessing + network + output activation; ``forward`` takes the graph inputs
    named in :attr:`input_names` and returns probabilities (or values)."""

    def __init__(self, prep: Any, network: nn.Module, kind: str) -> None:
        super().__init__()
        self.network = network.eval()
        self.kind = kind
        if prep is not None and hasattr(prep, "mean_") and hasattr(prep, "std_"):
            self.prep: nn.Module = _Images(prep)
            self.input_names = ["image"]
        elif prep is not None and hasattr(prep, "numeric_columns_"):
            if prep.text_columns_:
                raise DataError(
                    f"text column(s) {prep.text_columns_} cannot be exported yet (TF-IDF is "
                    "not an ONNX step here); train without them to export."
                )
            self.prep = _Tabular(prep)
            self.input_names = (["numeric"] if prep.numeric_columns_ else []) + (
                ["codes"] if prep.categorical_columns_ else []
            )
        else:
            raise DataError(
                "the run saved no yearn.prep preprocessor; export needs the fitted "
                "preprocessing of a 'yearn train' run."
            )

    def features(self, *inputs: torch.Tensor) -> torch.Tensor:
        if isinstance(self.prep, _Images):
            return self.prep(inputs[0])
        named = dict(zip(self.input_names, inputs, strict=True))
        return self.prep(named.get("numeric"), named.get("codes"))

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        out = self.network(self.features(*inputs))
        if self.kind == "softmax":
            return torch.softmax(out, dim=1)
        if self.kind == "sigmoid":
            return torch.sigmoid(out)
        if self.kind == "sigmoid2":
            p = torch.sigmoid(out[:, :1])
            return torch.cat([1 - p, p], dim=1)
        return out.reshape(-1, 1)
