"""Torch inference module → one ONNX graph (torch's dynamo exporter), with the category
strings turned into one-hot positions by ``ai.onnx.ml.LabelEncoder`` nodes in front.

The dynamo exporter (``torch.onnx.export(..., dynamo=True)``, needs ``onnxscript``) is
the one torch maintains; it runs offline. The graph takes ``numeric`` (float64),
``categorical`` (strings) or ``image`` (float32) and returns ``proba`` (or ``value``).
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from typing import Any

import numpy as np
import torch

from yearn.errors import DataError
from yearn.ship._session import ort_session

__all__ = ["EXPORTER", "drop_identity_pools", "run_session", "to_onnx"]

log = logging.getLogger(__name__)

EXPORTER = f"torch.onnx dynamo exporter (torch {torch.__version__.split('+')[0]})"
ML_DOMAIN = "ai.onnx.ml"


def _examples(module: Any, n_numeric: int, n_categorical: int, image_shape: tuple) -> tuple:
    batch = 3
    out = []
    for name in module.input_names:
        if name == "numeric":
            out.append(torch.zeros(batch, n_numeric, dtype=torch.float64))
        elif name == "codes":
            out.append(torch.zeros(batch, n_categorical, dtype=torch.int64))
        else:
            out.append(torch.zeros(batch, *image_shape, dtype=torch.float32))
    return tuple(out)


def _string_front(model: Any, code_maps: list[tuple[list[str], list[int], int, int]]) -> None:
    """Replace the graph input ``codes`` by ``categorical`` (N, n_cat) strings."""
    from onnx import TensorProto, helper

    graph = model.graph
    codes = [i for i in graph.input if i.name == "codes"]
    if not codes:
        raise DataError("the exported graph has no 'codes' input to attach categories to.")
    graph.input.remove(codes[0])
    nodes = []
    columns = []
    for j, (categories, positions, unseen, _) in enumerate(code_maps):
        index = helper.make_tensor(f"cat_index_{j}", TensorProto.INT64, [], [j])
        nodes.append(helper.make_node("Constant", [], [f"cat_index_{j}_c"], value=index))
        nodes.append(
            helper.make_node(
                "Gather", ["categorical", f"cat_index_{j}_c"], [f"cat_str_{j}"], axis=1
            )
        )
        nodes.append(
            helper.make_node(
                "LabelEncoder",
                [f"cat_str_{j}"],
                [f"cat_code_{j}"],
                domain=ML_DOMAIN,
                keys_strings=categories,
                values_int64s=positions,
                default_int64=unseen,
            )
        )
        axes = helper.make_tensor(f"cat_axes_{j}", TensorProto.INT64, [1], [1])
        nodes.append(helper.make_node("Constant", [], [f"cat_axes_{j}_c"], value=axes))
        nodes.append(
            helper.make_node("Unsqueeze", [f"cat_code_{j}", f"cat_axes_{j}_c"], [f"cat_col_{j}"])
        )
        columns.append(f"cat_col_{j}")
    nodes.append(helper.make_node("Concat", columns, ["codes"], axis=1))
    for node in reversed(nodes):
        graph.node.insert(0, node)
    graph.input.insert(
        0,
        helper.make_tensor_value_info("categorical", TensorProto.STRING, ["batch", len(code_maps)]),
    )
    if not any(o.domain == ML_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(ML_DOMAIN, 3))


def to_onnx(
    module: Any,
    *,
    n_numeric: int,
    code_maps: list[tuple[list[str], list[int], int, int]],
    image_shape: tuple[int, ...] = (),
    output_name: str = "proba",
) -> bytes:
    """The serialised ONNX model of ``module`` (an :class:`InferenceModule`), batch dynamic."""
    import onnx

    examples = _examples(module, n_numeric, len(code_maps), image_shape)
    batch = torch.export.Dim("batch", min=1, max=1 << 30)
    dynamic = (tuple({0: batch} for _ in examples),)  # forward(*inputs): one varargs entry
    buffer = io.StringIO()
    quiet = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(buffer),
        contextlib.redirect_stderr(buffer),
        torch.no_grad(),
    ):
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            module,
            examples,
            dynamo=True,
            input_names=list(module.input_names),
            output_names=[output_name],
            dynamic_shapes=dynamic,
            verbose=False,
            optimize=True,
        )
    quiet.setLevel(level)
    if buffer.getvalue().strip():
        log.debug("exporter output: %s", buffer.getvalue())
    model = program.model_proto
    for node in model.graph.node:  # the exporter's stack traces: local paths, a third of the bytes
        del node.metadata_props[:]
        node.doc_string = ""
    if "codes" in module.input_names:
        _string_front(model, code_maps)
    drop_identity_pools(model)
    onnx.checker.check_model(model)
    return compact(model.SerializeToString())


def drop_identity_pools(model: Any) -> int:
    """Remove pooling nodes that are the identity (a 1x1 window, stride 1, no padding: what
    ``AdaptiveAvgPool2d(4)`` exports to when the feature map is already 4x4, as on the digits
    CNN), rewiring their consumers to their input; exact. Returns how many were removed.
    Every variant is built from this graph, float included; in int8 such a pool would cost a
    dequantise/requantise round trip (bench/README.md)."""
    from onnx import helper

    graph = model.graph
    outputs = {o.name for o in graph.output}
    removed = 0
    for node in list(graph.node):
        if node.op_type not in ("AveragePool", "MaxPool") or len(node.output) != 1:
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        window = list(attrs.get("kernel_shape", []))
        if (
            not window
            or any(k != 1 for k in window)
            or any(v != 1 for v in attrs.get("strides", [1]))
            or any(v != 1 for v in attrs.get("dilations", [1]))
            or any(v != 0 for v in attrs.get("pads", [0]))
            or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID")
            or node.output[0] in outputs
        ):
            continue
        source, target = node.input[0], node.output[0]
        graph.node.remove(node)
        for other in graph.node:
            other.input[:] = [source if x == target else x for x in other.input]
        removed += 1
    return removed


def compact(model_bytes: bytes) -> bytes:
    """The same graph with short tensor names, no node names (optional in ONNX;
    onnxruntime names nodes itself), no ``value_info``, no doc strings and no
    metadata on nodes or on the graph's inputs and outputs (onnxruntime infers shapes;
    the exporter's per-input ``pkg.torch.*`` entries alone are ~300 bytes): on a small
    network these weigh as much as a layer. Applied alike to the float graph and to every
    variant, so sizes compare like for like. Graphs with sub-graphs are returned
    unchanged."""
    import onnx

    model = onnx.load_from_string(model_bytes)
    graph = model.graph
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
           for n in graph.node for a in n.attribute):  # fmt: skip
        return model_bytes
    keep = {v.name for v in (*graph.input, *graph.output)}
    names: dict[str, str] = {}

    def short(name: str) -> str:
        if not name or name in keep:
            return name
        return names.setdefault(name, f"t{len(names)}")

    for init in graph.initializer:
        init.name = short(init.name)
        init.doc_string = ""
    for node in graph.node:
        node.input[:] = [short(x) for x in node.input]
        node.output[:] = [short(x) for x in node.output]
        node.name = ""
        node.doc_string = ""
        del node.metadata_props[:]
    del graph.value_info[:]
    for value in (*graph.input, *graph.output):
        del value.metadata_props[:]
        value.doc_string = ""
    del graph.metadata_props[:]
    graph.doc_string = ""
    del model.metadata_props[:]
    used = {n.domain or "" for n in graph.node}
    kept = [o for o in model.opset_import if (o.domain or "") in used or not o.domain]
    del model.opset_import[:]
    model.opset_import.extend(kept)
    onnx.checker.check_model(model)
    return model.SerializeToString()


def run_session(
    model_bytes: bytes, inputs: dict[str, np.ndarray], *, threads: int = 1
) -> np.ndarray:
    """Run the graph with onnxruntime on CPU; the first output."""
    session = ort_session(model_bytes, threads=threads)
    names = {i.name for i in session.get_inputs()}
    return session.run(None, {k: v for k, v in inputs.items() if k in names})[0]
