"""``yearn export --target device``: a folder that runs where yearn is not installed.

It holds ``model.onnx`` (int8 weights of the fully connected layers by onnxruntime's
dynamic quantization when it applies, else the float32 export; convolutions stay float32:
dynamic int8 convolutions (``ConvInteger``) ran 9.9× slower than float on the digits demo,
bench/README.md; the preprocessing is inside the graph), ``metadata.json``
(the export's, with the variant and sha256 of this model — so ``yearn predict --model``
reads the folder too), ``run.py`` (the runner: onnxruntime + numpy only) and a README.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from yearn._io import atomic_write_bytes, atomic_write_json, atomic_write_text
from yearn.ship._runtime import METADATA_NAME, MODEL_NAME, load_exported

__all__ = ["build_device", "quantize_int8"]
HERE = Path(__file__).parent

README = """# {version} on a device

Runs the exported yearn model `{version}` ({task}) with only **onnxruntime** and **numpy**:

    python -m venv venv && venv/bin/pip install onnxruntime numpy
    venv/bin/python run.py rows.csv -o predictions.csv

- `model.onnx`: {variant}; the preprocessing (missing values, categories, scaling) is in the graph.
- `metadata.json`: input columns (`schema`), classes, threshold {threshold}, metric on dev:
  {metric}.
- `run.py`: reads a CSV with the input columns {inputs}; image columns hold paths of 8-bit PNG
  files (or `.npy` arrays C×H×W in [0, 1]) at the model's size. Writes the id column when
  present, `pred` and `proba:<class>`.

Built by `yearn export --target device` from `{source}`.
"""


#: Operators dynamic int8 speeds up on CPU. Not ``Conv``: onnxruntime runs a dynamically
#: quantized convolution as ``ConvInteger``, measured 9.9x slower than the float one at
#: batch 256 on the digits demo (bench/README.md, compression); static int8 needs
#: calibration rows: ``yearn compress`` builds it.
DYNAMIC_OPS = ("Gemm", "MatMul")


def quantize_int8(model_bytes: bytes) -> bytes | None:
    """int8 weights of the fully connected layers by dynamic quantization (``yearn
    compress``'s); ``None`` when no operator was quantized."""
    import onnx

    from yearn.ship._quantize import quantize_dynamic_bytes

    data = quantize_dynamic_bytes(model_bytes, DYNAMIC_OPS)
    ops = {n.op_type for n in onnx.load_from_string(data).graph.node}
    if not ops & {"MatMulInteger", "ConvInteger", "DynamicQuantizeLinear", "DequantizeLinear"}:
        return None
    return data


def _metric_text(metric: dict) -> str:
    low, high = (metric.get("interval") or [None, None])[:2]
    if not isinstance(metric.get("dev_value"), int | float) or low is None or high is None:
        return "not recorded"
    text = f"{metric.get('name')} {metric['dev_value']:.4f} (95% interval {low:.4f} to {high:.4f})"
    if metric.get("measured_on"):  # this folder's int8 model was not itself scored
        text += (
            f", measured on the {metric['measured_on']} export; `yearn compress` measures "
            "what int8 costs"
        )
    return text


def build_device(model_dir: str | Path, out: str | Path, *, int8: bool = True) -> Path:
    """Write the device folder for the export at ``model_dir`` into ``out``."""
    model = load_exported(model_dir)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = (Path(model_dir) / MODEL_NAME).read_bytes()
    variant = str(model.metadata.get("variant", "float32"))
    if int8 and "int8" not in variant:
        quantized = quantize_int8(data)
        if quantized is not None:
            data, variant = (
                quantized,
                (
                    "int8 (dynamic quantization of the fully connected weights; convolutions "
                    "stay float32)"
                ),
            )
    meta = dict(model.metadata)
    meta.update(
        variant=variant,
        onnx_sha256=hashlib.sha256(data).hexdigest(),
        target="device",
        source_export=str(Path(model_dir).resolve()),
    )
    metric = dict(meta.get("metric") or {})
    if metric and variant != model.metadata.get("variant", "float32"):
        metric["measured_on"] = str(model.metadata.get("variant", "float32"))
        meta["metric"] = metric
    atomic_write_bytes(out / MODEL_NAME, data)
    atomic_write_json(out / METADATA_NAME, meta)
    shutil.copyfile(HERE / "device_runner.py", out / "run.py")
    atomic_write_text(
        out / "README.md",
        README.format(
            version=model.model_version,
            task=model.task,
            variant=variant,
            threshold=json.dumps(meta.get("threshold")),
            metric=_metric_text(metric),
            inputs=", ".join(f"`{c.name}` ({c.kind})" for c in model.schema),
            source=Path(model_dir).name,
        ),
    )
    return out
