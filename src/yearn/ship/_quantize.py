"""int8 quantisation of an exported graph with onnxruntime's tools: ``quant_pre_process``
(shape inference + graph optimisation) first, then dynamic quantisation (int8 weights,
activations quantised on the fly) or static quantisation (QDQ, activation ranges
calibrated on training rows, as QDQ pairs or as QOperator nodes). Only the network's ops
are quantised (``NETWORK_OPS``; ``CHAIN_OPS`` adds the activations and pooling between
them, so activations stay int8 from layer to layer); the preprocessing steps stay exact.

Where int8 is slower than float on a CPU with VNNI, measured per node with onnxruntime's
profiler at batch 256 (bench/compress.py --profile; figures in bench/README.md):

* a shallow first convolution (reduction depth C_in/groups x kh x kw under
  ``MIN_INT8_DEPTH``; the digits CNN's 1-channel 3x3 conv has depth 9): QLinearConv
  1.0 ms against float Conv 0.14 ms. By default static int8 starts at the first network
  op that is not such a convolution; the ops before it stay float;
* average pooling: QLinearAveragePool 0.61 ms against float AveragePool 0.013 ms, so
  pooling and the reshape to the head are not in ``CHAIN_OPS`` (int8 is dequantised
  before them and quantised again for the head)."""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from yearn.errors import ConfigError
from yearn.ship._onnx import compact

__all__ = [
    "CHAIN_OPS",
    "MIN_INT8_DEPTH",
    "NETWORK_OPS",
    "STATIC_FORMATS",
    "float_lead",
    "quantize_dynamic_bytes",
    "quantize_static_bytes",
]

NETWORK_OPS = ("Conv", "Gemm", "MatMul")
CHAIN_OPS = (*NETWORK_OPS, "Relu", "MaxPool")
#: A convolution whose reduction depth (input channels per group x kernel area) is below
#: this stays float when it leads the network: measured on this project's CPU (AVX-512
#: VNNI), a 3x3 QLinearConv with 1-6 input channels ran 0.2-0.8x the float speed, with 8
#: (depth 72) 1.4x and with 16 1.9x (bench/README.md, "int8 per node").
MIN_INT8_DEPTH = 64
STATIC_FORMATS = ("qdq", "qoperator")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """onnxruntime's quantisation tools log and print; the library never prints."""
    buffer = io.StringIO()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(buffer),
            contextlib.redirect_stderr(buffer),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _preprocessed(model_bytes: bytes, folder: Path) -> Path:
    """``quant_pre_process`` (shape inference, onnxruntime's basic optimisation), then every
    node named (``compact`` drops names; the quantiser selects nodes by name)."""
    import onnx
    from onnxruntime.quantization.shape_inference import quant_pre_process

    raw, out = folder / "float.onnx", folder / "pre.onnx"
    raw.write_bytes(model_bytes)
    quant_pre_process(str(raw), str(out), skip_symbolic_shape=True)
    model = onnx.load(str(out))
    for i, node in enumerate(model.graph.node):
        node.name = node.name or f"n{i}_{node.op_type}"
    onnx.save(model, str(out))
    return out


def _conv_depth(node: Any, shapes: dict[str, list[int]]) -> int | None:
    """Reduction depth of a Conv with a constant weight (C_in/groups x kh x kw), else None."""
    weight = shapes.get(node.input[1]) if node.op_type == "Conv" else None
    return int(np.prod(weight[1:])) if weight else None


def float_lead(model: Any, min_depth: int = MIN_INT8_DEPTH) -> list[str]:
    """Names of the nodes that come before the network's first op that int8 speeds up
    (a Gemm/MatMul, or a Conv of reduction depth >= ``min_depth``) when the network starts
    with shallower convolutions; empty otherwise (and when no such op exists)."""
    shapes = {i.name: list(i.dims) for i in model.graph.initializer}
    lead: list[str] = []
    shallow = False
    for node in model.graph.node:
        if node.op_type in NETWORK_OPS:
            depth = _conv_depth(node, shapes)
            if depth is None or depth >= min_depth:
                return lead if shallow else []
            shallow = True
        lead.append(node.name)
    return []


def quantize_dynamic_bytes(model_bytes: bytes, op_types: Sequence[str] = NETWORK_OPS) -> bytes:
    """Dynamic int8 quantisation (weights int8, activations per batch) of ``op_types``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp, _quiet():
        folder = Path(tmp)
        pre = _preprocessed(model_bytes, folder)
        out = folder / "int8.onnx"
        quantize_dynamic(
            str(pre),
            str(out),
            op_types_to_quantize=list(op_types),
            weight_type=QuantType.QInt8,
        )
        return compact(out.read_bytes())


class _Reader:
    """Calibration batches for ``quantize_static`` (onnxruntime's reader protocol)."""

    def __init__(self, batches: list[dict[str, np.ndarray]]) -> None:
        self._batches = iter(batches)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._batches, None)

    def rewind(self) -> None:  # pragma: no cover - called by some onnxruntime versions
        pass


def quantize_static_bytes(
    model_bytes: bytes,
    calibration: dict[str, np.ndarray],
    *,
    quant_format: str = "qdq",
    per_channel: bool = False,
    reduce_range: bool = False,
    op_types: tuple[str, ...] = NETWORK_OPS,
    quantize_shallow: bool = False,
    batch_size: int = 64,
) -> bytes:
    """Static int8 quantisation (activation ranges from ``calibration`` inputs): ``qdq``
    (QuantizeLinear/DequantizeLinear pairs that onnxruntime fuses into QLinearConv /
    QLinearMatMul at load) or ``qoperator`` (those nodes written out); optionally weights
    per output channel and 7-bit ``reduce_range``. Leading shallow convolutions stay float
    (:func:`float_lead`) unless ``quantize_shallow``."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    if quant_format not in STATIC_FORMATS:
        raise ConfigError(
            f"quant_format must be one of {', '.join(STATIC_FORMATS)}; got {quant_format!r}."
        )
    fmt = QuantFormat.QDQ if quant_format == "qdq" else QuantFormat.QOperator

    n = len(next(iter(calibration.values())))
    batches = [
        {k: v[i : i + batch_size] for k, v in calibration.items()} for i in range(0, n, batch_size)
    ]
    with tempfile.TemporaryDirectory() as tmp, _quiet():
        folder = Path(tmp)
        pre = _preprocessed(model_bytes, folder)
        import onnx

        graph = onnx.load(str(pre))
        names = {i.name for i in graph.graph.input}
        batches = [{k: v for k, v in b.items() if k in names} for b in batches]
        out = folder / "int8-static.onnx"
        quantize_static(
            str(pre),
            str(out),
            _Reader(batches),
            quant_format=fmt,
            op_types_to_quantize=list(op_types),
            nodes_to_exclude=[] if quantize_shallow else float_lead(graph),
            per_channel=per_channel,
            reduce_range=reduce_range,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )
        return compact(out.read_bytes())
