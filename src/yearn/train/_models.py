"""Models as *backbone + head*: an MLP for tables, a small CNN for images, a linear model.

Every model is a plain :class:`torch.nn.Module` with two children, ``backbone`` (inputs →
features) and ``head`` (features → outputs). Replace ``model.head`` to reuse a trained
backbone; a head with several outputs serves multi-label tasks. Any other
``torch.nn.Module`` trains too: the loop only calls ``model(x)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from yearn._validation import check_choice, check_number, check_positive_int

__all__ = ["ACTIVATIONS", "MODEL_NAMES", "BackboneHead", "SmallCNN", "build_model", "linear", "mlp"]

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "silu": nn.SiLU}
MODEL_NAMES = ("mlp", "linear", "cnn")
POOLED = 4  # the CNN pools its feature maps to POOLED x POOLED


class BackboneHead(nn.Module):
    """``head(backbone(x))``; ``n_features`` is the width the head receives."""

    def __init__(self, backbone: nn.Module, head: nn.Module, n_features: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.n_features = n_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))

    def replace_head(self, n_outputs: int) -> nn.Linear:
        """Put a fresh linear head with ``n_outputs`` outputs on the backbone."""
        self.head = nn.Linear(self.n_features, check_positive_int("n_outputs", n_outputs))
        return self.head


def mlp(
    n_inputs: int,
    n_outputs: int,
    *,
    width: int = 64,
    depth: int = 2,
    activation: str = "relu",
    dropout: float = 0.0,
) -> BackboneHead:
    """A multi-layer perceptron: ``depth`` hidden layers of ``width`` units.

    Shapes: x (N, n_inputs) → backbone (N, width) → head (N, n_outputs).
    """
    check_positive_int("n_inputs", n_inputs)
    check_positive_int("n_outputs", n_outputs)
    check_positive_int("width", width)
    check_positive_int("depth", depth, minimum=0)
    check_choice("activation", activation, ACTIVATIONS)
    dropout = check_number("dropout", dropout, low=0.0, high=1.0, high_inclusive=False)
    layers: list[nn.Module] = []
    size = n_inputs
    for _ in range(depth):
        layers += [nn.Linear(size, width), ACTIVATIONS[activation]()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        size = width
    backbone = nn.Sequential(*layers) if layers else nn.Identity()
    return BackboneHead(backbone, nn.Linear(size, n_outputs), size)


def linear(n_inputs: int, n_outputs: int) -> BackboneHead:
    """A linear model (logistic / softmax / linear regression by the loss)."""
    return mlp(n_inputs, n_outputs, depth=0)


class SmallCNN(BackboneHead):
    """A small convolutional network for images shaped (N, C, H, W).

    ``depth`` blocks of conv3x3 → ReLU → max-pool(2) with ``width``, 2·width, ... channels,
    then average pooling to a 4x4 grid (coarse layout kept, any input size works):
    backbone output (N, width·2^(depth-1)·16).
    """

    def __init__(
        self,
        in_channels: int,
        n_outputs: int,
        *,
        width: int = 16,
        depth: int = 2,
        dropout: float = 0.0,
    ) -> None:
        check_positive_int("in_channels", in_channels)
        check_positive_int("n_outputs", n_outputs)
        check_positive_int("width", width)
        check_positive_int("depth", depth)
        dropout = check_number("dropout", dropout, low=0.0, high=1.0, high_inclusive=False)
        layers: list[nn.Module] = []
        channels = in_channels
        for i in range(depth):
            out = width * 2**i
            layers += [
                nn.Conv2d(channels, out, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2, ceil_mode=True),
            ]
            channels = out
        layers += [nn.AdaptiveAvgPool2d(POOLED), nn.Flatten()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        n_features = channels * POOLED * POOLED
        super().__init__(nn.Sequential(*layers), nn.Linear(n_features, n_outputs), n_features)


def build_model(
    name: str,
    input_shape: Sequence[int],
    n_outputs: int,
    *,
    width: int | None = None,
    depth: int | None = None,
    activation: str = "relu",
    dropout: float = 0.0,
) -> BackboneHead:
    """Build a named model for inputs of ``input_shape`` (one example, no batch axis)."""
    check_choice("model", name, MODEL_NAMES)
    shape = tuple(int(s) for s in input_shape)
    if name == "cnn":
        if len(shape) != 3:
            raise_shape(name, shape, "(C, H, W) images")
        return SmallCNN(
            shape[0],
            n_outputs,
            width=width or 16,
            depth=2 if depth is None else depth,
            dropout=dropout,
        )
    if len(shape) != 1:
        raise_shape(name, shape, "flat feature vectors (a table); use --model cnn for images")
    if name == "linear":
        return linear(shape[0], n_outputs)
    return mlp(
        shape[0],
        n_outputs,
        width=width or 64,
        depth=2 if depth is None else depth,
        activation=activation,
        dropout=dropout,
    )


def raise_shape(name: str, shape: tuple[int, ...], wanted: str) -> None:
    from yearn.errors import TrainingError

    raise TrainingError(f"model {name!r} takes {wanted}; the data has examples of shape {shape}.")
