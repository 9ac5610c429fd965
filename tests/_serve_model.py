"""A real tiny ONNX model (linear + softmax, built with onnx.helper) behind the serving
protocol (``metadata``, ``schema``, ``predict_frame``), for the yearn.serve tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper, numpy_helper

from yearn.errors import DataError

COLORS = ["blue", "green", "red"]
CLASSES = ["no", "yes"]


def linear_softmax_onnx(path: Path, weights: np.ndarray, bias: np.ndarray, flatten=False) -> Path:
    """Write ``softmax(x @ W + b)`` as an ONNX file (input ``x``, output ``proba``)."""
    n_in, n_out = weights.shape
    nodes = []
    x = "x"
    if flatten:
        nodes.append(helper.make_node("Flatten", ["x"], ["xf"], axis=1))
        x = "xf"
    nodes += [
        helper.make_node("MatMul", [x, "W"], ["z0"]),
        helper.make_node("Add", ["z0", "b"], ["z"]),
        helper.make_node("Softmax", ["z"], ["proba"], axis=-1),
    ]
    shape = ["N", n_in] if not flatten else ["N", 1, 8, 8]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("proba", TensorProto.FLOAT, ["N", n_out])],
        initializer=[
            numpy_helper.from_array(weights.astype(np.float32), "W"),
            numpy_helper.from_array(bias.astype(np.float32), "b"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


class TinyTabular:
    """Inputs ``x1`` (numeric), ``x2`` (numeric, nullable), ``color`` (category)."""

    def __init__(self, folder: Path, threshold: float = 0.5, version: str = "tiny-1") -> None:
        rng = np.random.default_rng(0)
        self.path = linear_softmax_onnx(
            Path(folder) / "model.onnx", rng.normal(size=(5, 2)), rng.normal(size=2)
        )
        self.session = ort.InferenceSession(str(self.path), providers=["CPUExecutionProvider"])
        self.calls: list[int] = []
        self.metadata = {
            "run_id": "run-tiny",
            "model_version": version,
            "task": "binary",
            "classes": CLASSES,
            "threshold": threshold,
            "metric": {"name": "accuracy", "dev_value": 0.9, "interval": [0.85, 0.94]},
            "fingerprint": "abc123",
        }
        self.schema = [
            {"name": "x1", "kind": "numeric", "nullable": False},
            {"name": "x2", "kind": "numeric", "nullable": True},
            {"name": "color", "kind": "category", "categories": COLORS, "nullable": False},
        ]

    def features(self, frame: pd.DataFrame) -> np.ndarray:
        bad = ~frame["color"].isin(COLORS)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(f"column 'color' row {row}: {frame['color'].iloc[row]!r} unknown")
        onehot = np.stack([(frame["color"] == c).to_numpy(float) for c in COLORS], axis=1)
        nums = frame[["x1", "x2"]].to_numpy(float)
        return np.nan_to_num(np.hstack([nums, onehot])).astype(np.float32)

    def predict_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        self.calls.append(len(frame))
        proba = self.session.run(None, {"x": self.features(frame)})[0]
        pred = np.where(proba[:, 1] >= self.metadata["threshold"], "yes", "no")
        out = pd.DataFrame({"pred": pred})
        for k, c in enumerate(CLASSES):
            out[f"proba:{c}"] = proba[:, k].astype(float)
        return out


class TinyImage:
    """One 8x8 grayscale image input ``image``; three classes."""

    def __init__(self, folder: Path) -> None:
        rng = np.random.default_rng(1)
        self.path = linear_softmax_onnx(
            Path(folder) / "image.onnx", rng.normal(size=(64, 3)), rng.normal(size=3), True
        )
        self.session = ort.InferenceSession(str(self.path), providers=["CPUExecutionProvider"])
        self.metadata = {"model_version": "img-1", "task": "multiclass", "classes": ["a", "b", "c"]}
        self.schema = [{"name": "image", "kind": "image", "height": 8, "width": 8, "channels": 1}]

    def predict_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        x = np.stack(list(frame["image"])).astype(np.float32)
        proba = self.session.run(None, {"x": x})[0]
        out = pd.DataFrame({"pred": np.array(["a", "b", "c"])[proba.argmax(1)]})
        for k, c in enumerate(["a", "b", "c"]):
            out[f"proba:{c}"] = proba[:, k].astype(float)
        return out
