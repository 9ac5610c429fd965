"""Static int8 where it is faster (see ``yearn.ship._quantize``): a shallow leading
convolution stays float (null: a deep one is quantised), average pooling stays float, and
every yearn session turns off the QDQ propagation that would put a uint8 MaxPool in front
of the int8 region (effect: a plain onnxruntime session does). Small hand-built graphs;
no timing is asserted (bench/compress.py --profile has the per-node times)."""

from __future__ import annotations

import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from yearn.ship._quantize import (
    CHAIN_OPS,
    MIN_INT8_DEPTH,
    float_lead,
    quantize_static_bytes,
)

rng_seed = 0


def _cnn(c_in: int, *, first: str = "conv") -> bytes:
    """image (N, c_in, 16, 16) → [conv 3x3 → relu → maxpool] x 2 → avgpool 2 → gemm."""
    import numpy as np

    rng = np.random.default_rng(rng_seed)

    def init(name, *shape):
        return numpy_helper.from_array(rng.normal(0, 0.3, shape).astype(np.float32), name)

    inits = [init("w1", 8, c_in, 3, 3), init("b1", 8), init("w2", 16, 8, 3, 3), init("b2", 16),
             init("wg", 3, 64), init("bg", 3),
             numpy_helper.from_array(np.array([-1, 64], dtype=np.int64), "shape")]  # fmt: skip
    pool = {"kernel_shape": [2, 2], "strides": [2, 2]}
    nodes = [
        helper.make_node("Conv", ["image", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], **pool),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p2"], **pool),
        helper.make_node("AveragePool", ["p2"], ["a"], **pool),
        helper.make_node("Reshape", ["a", "shape"], ["f"]),
        helper.make_node("Gemm", ["f", "wg", "bg"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["proba"], axis=1),
    ]
    if first == "gemm":  # a network that starts with a matrix product: nothing stays float
        nodes = nodes[6:]
        nodes[0].input[0] = "image"
        shape = [None, 16, 4, 4]
    else:
        shape = [None, c_in, 16, 16]
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("image", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("proba", TensorProto.FLOAT, [None, 3])], inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _calibration(model_bytes: bytes):
    import numpy as np

    shape = onnx.load_from_string(model_bytes).graph.input[0].type.tensor_type.shape.dim
    dims = [d.dim_value for d in shape][1:]
    return {"image": np.random.default_rng(1).random((64, *dims), dtype=np.float32)}


def _named(model_bytes: bytes):
    model = onnx.load_from_string(model_bytes)
    for i, node in enumerate(model.graph.node):
        node.name = f"n{i}_{node.op_type}"
    return model


def _ops(model_bytes: bytes) -> list[str]:
    return [n.op_type for n in onnx.load_from_string(model_bytes).graph.node]


def test_float_lead_is_the_shallow_first_conv_and_what_follows_it():
    model = _named(_cnn(1))  # depth 1 x 3 x 3 = 9 < MIN_INT8_DEPTH; the second conv has 72
    assert 9 < MIN_INT8_DEPTH <= 72
    assert float_lead(model) == ["n0_Conv", "n1_Relu", "n2_MaxPool"]


@pytest.mark.parametrize(("c_in", "first"), [(8, "conv"), (16, "gemm")])
def test_null_nothing_stays_float_when_the_network_starts_deep(c_in, first):
    assert float_lead(_named(_cnn(c_in, first=first))) == []


def test_default_static_int8_keeps_the_shallow_conv_and_the_pooling_float():
    model = _cnn(1)
    ops = _ops(quantize_static_bytes(model, _calibration(model), op_types=CHAIN_OPS,
                                     quant_format="qoperator"))  # fmt: skip
    assert ops.count("Conv") == 1 and ops.count("QLinearConv") == 1
    assert ops.index("Conv") < ops.index("QuantizeLinear") < ops.index("QLinearConv")
    assert "AveragePool" in ops and "QLinearAveragePool" not in ops
    assert "QGemm" in ops


def test_effect_quantize_shallow_puts_the_first_conv_in_int8():
    model = _cnn(1)
    ops = _ops(quantize_static_bytes(model, _calibration(model), op_types=CHAIN_OPS,
                                     quant_format="qoperator", quantize_shallow=True))  # fmt: skip
    assert "Conv" not in ops and ops.count("QLinearConv") == 2


def _optimized_ops(model_bytes: bytes, tmp_path, *, yearn: bool) -> list[str]:
    import onnxruntime as ort

    from yearn.ship._session import ort_session

    path = str(tmp_path / ("yearn.onnx" if yearn else "plain.onnx"))
    if yearn:
        ort_session(model_bytes, optimized_path=path)
    else:
        options = ort.SessionOptions()
        options.optimized_model_filepath = path
        ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    return [n.op_type for n in onnx.load(path).graph.node]


def test_yearn_sessions_keep_the_max_pool_in_front_of_the_int8_region_float(tmp_path):
    model = _cnn(1)
    int8 = quantize_static_bytes(model, _calibration(model), op_types=CHAIN_OPS,
                                 quant_format="qoperator")  # fmt: skip
    ops = _optimized_ops(int8, tmp_path, yearn=True)
    assert ops.index("MaxPool") < ops.index("QuantizeLinear")  # float MaxPool, then int8
    plain = _optimized_ops(int8, tmp_path, yearn=False)  # effect: onnxruntime's default
    assert plain.index("QuantizeLinear") < plain.index("MaxPool")  # uint8 NCHW MaxPool
    # null: a float graph is optimised the same either way
    assert _optimized_ops(model, tmp_path, yearn=True) == _optimized_ops(
        model, tmp_path, yearn=False
    )


def test_node_times_has_a_row_per_node_of_the_optimised_graph(tmp_path):
    from yearn.ship._latency import node_times

    model = _cnn(8)
    rows, call_ms = node_times(model, _calibration(model), batch=4, runs=3)
    assert [r["op"] for r in rows] == _optimized_ops(model, tmp_path, yearn=True)
    assert all(r["ms"] >= 0 for r in rows) and call_ms > 0


def test_latency_rounds_are_shuffled_and_every_timed_call_is_warm(monkeypatch):
    import numpy as np

    from yearn.ship import _latency

    calls: list[str] = []

    class Fake:
        def __init__(self, name: str) -> None:
            self.name = name

        def get_inputs(self):
            return [type("I", (), {"name": "x"})()]

        def run(self, _outputs, _feed):
            calls.append(self.name)

    names = iter("abc")
    monkeypatch.setattr(_latency, "ort_session", lambda *a, **k: Fake(next(names)))
    models = {"a": b"", "b": b"", "c": b""}
    out = _latency.measure_latencies(models, {"x": np.zeros((4, 2))}, repeats_b1=30,
                                     repeats_b256=2)  # fmt: skip
    assert all(len(out[m]["samples"]["1"]) == 30 for m in models)
    rounds = calls[3 : 3 + 30 * 6]  # after the three warm-up calls at batch 1
    pairs = [rounds[i : i + 2] for i in range(0, len(rounds), 2)]
    assert all(p[0] == p[1] for p in pairs)  # an untimed call of the same model first
    orders = {tuple(p[0] for p in pairs[i : i + 3]) for i in range(0, len(pairs), 3)}
    assert len(orders) > 1  # the order changes between rounds (null: fixed order = 1)


def test_cli_keeps_a_shallow_first_conv_float_unless_asked(tmp_path):
    """End to end on an image project (8x8 grey images, a 1->4 channel conv: depth 9)."""
    import json

    from typer.testing import CliRunner

    from yearn.cli import app
    from yearn.ship import compress_run

    from ._ship_projects import make_image_project

    runner = CliRunner()

    def cli(*args):
        return runner.invoke(app, [str(a) for a in args])

    def static_ops(path) -> list[str]:
        return [n.op_type for n in onnx.load(f"{path}/model.onnx").graph.node]

    root = make_image_project(tmp_path / "img", cli)
    result = cli("compress", "-p", root, "--sparsity", "0.5", "--finetune-epochs", "0",
                 "--repeats", "4", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["options"]["quantize_shallow"] is False
    ops = static_ops(next(v for v in payload["variants"] if v["name"] == "int8-static")["path"])
    assert "Conv" in ops and "QLinearConv" not in ops and "QGemm" in ops
    # effect: asked to, the shallow conv is quantised too
    asked = compress_run(root, sparsities=(), repeats=2, quantize_shallow=True, save=False,
                         out=tmp_path / "shallow")  # fmt: skip
    ops = static_ops(asked.variants[2].path)
    assert "QLinearConv" in ops and "Conv" not in ops


def test_identity_pools_are_dropped_and_real_ones_kept():
    import numpy as np

    from yearn.ship._onnx import drop_identity_pools
    from yearn.ship._session import ort_session

    def graph(window: int) -> onnx.ModelProto:
        pool = helper.make_node("AveragePool", ["x"], ["p"], kernel_shape=[window, window],
                                strides=[window, window])  # fmt: skip
        relu = helper.make_node("Relu", ["p"], ["y"])
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 4])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
        g = helper.make_graph([pool, relu], "g", [x], [y])
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])

    x = {"x": np.random.default_rng(0).normal(size=(2, 3, 4, 4)).astype(np.float32)}
    identity = graph(1)
    before = ort_session(identity.SerializeToString()).run(None, x)[0]
    assert drop_identity_pools(identity) == 1
    assert [n.op_type for n in identity.graph.node] == ["Relu"]
    after = ort_session(identity.SerializeToString()).run(None, x)[0]
    assert np.array_equal(before, after)
    real = graph(2)  # null: a 2x2 window pools, it stays
    assert drop_identity_pools(real) == 0 and len(real.graph.node) == 2
