"""int8 quantisation of an exported graph with onnxruntime's tools: ``quant_pre_process``
(shape inference + graph optimisation) first, then dynamic quantisation (int8 weights,
activations quantised on the fly) or static quantisation (QDQ, activation ranges
calibrated on training rows, as QDQ pairs or as QOperator nodes). Only the network's ops
are quantised (``NETWORK_OPS``; ``CHAIN_OPS`` adds the activations and pooling between
them, so activations stay int8 from layer to layer); the preprocessing steps stay exact."""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from yearn.errors import ConfigError
from yearn.ship._onnx import compact

__all__ = [
    "CHAIN_OPS",
    "NETWORK_OPS",
    "STATIC_FORMATS",
    "quantize_dynamic_bytes",
    "quantize_static_bytes",
]

NETWORK_OPS = ("Conv", "Gemm", "MatMul")
CHAIN_OPS = (*NETWORK_OPS, "Relu", "MaxPool", "AveragePool", "GlobalAveragePool", "Reshape",
             "Flatten")  # fmt: skip
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
    from onnxruntime.quantization.shape_inference import quant_pre_process

    raw, out = folder / "float.onnx", folder / "pre.onnx"
    raw.write_bytes(model_bytes)
    quant_pre_process(str(raw), str(out), skip_symbolic_shape=True)
    return out


def quantize_dynamic_bytes(model_bytes: bytes) -> bytes:
    """Dynamic int8 quantisation (weights int8, activations per batch)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp, _quiet():
        folder = Path(tmp)
        pre = _preprocessed(model_bytes, folder)
        out = folder / "int8.onnx"
        quantize_dynamic(
            str(pre),
            str(out),
            op_types_to_quantize=list(NETWORK_OPS),
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
    batch_size: int = 64,
) -> bytes:
    """Static int8 quantisation (activation ranges from ``calibration`` inputs): ``qdq``
    (QuantizeLinear/DequantizeLinear pairs that onnxruntime fuses into QLinearConv /
    QLinearMatMul at load) or ``qoperator`` (those nodes written out); optionally weights
    per output channel and 7-bit ``reduce_range``."""
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
        names = _input_names(pre)
        batches = [{k: v for k, v in b.items() if k in names} for b in batches]
        out = folder / "int8-static.onnx"
        quantize_static(
            str(pre),
            str(out),
            _Reader(batches),
            quant_format=fmt,
            op_types_to_quantize=list(op_types),
            per_channel=per_channel,
            reduce_range=reduce_range,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )
        return compact(out.read_bytes())


def _input_names(path: Path) -> set[str]:
    import onnx

    return {i.name for i in onnx.load(str(path)).graph.input}
