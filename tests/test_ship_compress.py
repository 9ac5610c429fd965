"""``yearn compress``: int8 and pruning variants measured against float, the paired test
(null: identical predictions → no loss claimed; effect: 99% pruning without fine-tune →
a significant loss), and the recommendation through the satisficing constraints. Timings
are recorded, never asserted (see bench/compress.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from yearn.ship import load_exported

from ._ship_projects import make_table_project


@pytest.fixture(scope="module")
def compressed(tmp_path_factory):
    from typer.testing import CliRunner

    from yearn.cli import app

    runner = CliRunner()

    def cli(*args):
        return runner.invoke(app, [str(a) for a in args])

    root = make_table_project(tmp_path_factory.mktemp("compress") / "toy", cli, width=48, depth=2)
    result = cli("compress", "-p", root, "--sparsity", "0.5", "--sparsity", "0.99",
                 "--finetune-epochs", "0", "--repeats", "5", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    return root, json.loads(result.output)


def test_table_has_every_variant_with_intervals(compressed):
    _, payload = compressed
    names = [v["name"] for v in payload["variants"]]
    assert names == ["float32", "int8-dynamic", "int8-static", "pruned-50%", "pruned-50%+int8",
                     "pruned-99%", "pruned-99%+int8"]  # fmt: skip
    for v in payload["variants"]:
        assert v["cost_low"] <= v["cost"] <= v["cost_high"]
        assert set(v["latency_ms"]) == {"b1_p50", "b1_p99", "b256_p50", "b256_p99"}
        assert v["size_bytes"] > 0 and v["zipped_bytes"] > 0
    by = {v["name"]: v for v in payload["variants"]}
    assert by["int8-dynamic"]["size_bytes"] < by["float32"]["size_bytes"] / 2
    assert by["pruned-99%"]["sparsity"] >= 0.98


def test_null_float_against_itself_claims_nothing(compressed):
    _, payload = compressed
    base = payload["variants"][0]
    assert base["cost"] == 0 and base["loss"] == "not significant"


def test_effect_heavy_pruning_is_a_significant_loss_and_not_recommended(compressed):
    _, payload = compressed
    by = {v["name"]: v for v in payload["variants"]}
    assert by["pruned-99%"]["loss"] == "significant loss"
    assert (
        "costs" in by["pruned-99%"]["sentence"]
        and "significant loss" in by["pruned-99%"]["sentence"]
    )
    assert "pruned-99%" in payload["excluded"]
    recommended = by[payload["recommended"]]
    assert not recommended["loss"].endswith("loss")
    smaller = [v for v in payload["variants"] if v["size_bytes"] < recommended["size_bytes"]]
    assert all(v["name"] in payload["excluded"] for v in smaller)


def test_variants_are_loadable_exports(compressed):
    root, payload = compressed
    import pandas as pd

    rows = pd.read_csv(root / "phone.csv").drop(columns=["device", "y"]).head(20)
    base = load_exported(payload["variants"][0]["path"]).predict_frame(rows)
    model = load_exported(payload["variants"][1]["path"])
    assert model.metadata["variant"] == "int8-dynamic"
    assert "cost_vs_float" in model.metadata["metric"]
    got = model.predict_frame(rows)
    assert np.max(np.abs(got["proba:yes"] - base["proba:yes"])) < 0.05  # int8 ≈ float
    static = load_exported(payload["variants"][2]["path"])  # QGemm: an onnxruntime contrib op
    assert static.metadata["variant"] == "int8-static"
    got = static.predict_frame(rows)
    assert np.max(np.abs(got["proba:yes"] - base["proba:yes"])) < 0.05


@pytest.mark.parametrize(
    ("cost", "p", "verdict"),
    [
        ((0.0, 0.0, 0.0), 1.0, "not significant"),  # null: identical predictions
        ((0.5, -0.2, 1.2), 0.4, "not significant"),
        ((2.0, 0.5, 3.5), 0.01, "significant loss"),
        ((-2.0, -3.5, -0.5), 0.01, "significant gain"),
        ((1.5, 0.2, 3.0), 0.07, "borderline loss"),  # interval and test disagree: no claim
        ((-1.5, -3.0, -0.2), 0.07, "borderline gain"),
    ],
)
def test_loss_verdict(cost, p, verdict):
    from yearn.ship._compress import loss_verdict

    assert loss_verdict(cost, p) == verdict


def test_constraints_can_leave_nothing_to_recommend(compressed):
    from yearn.ship import compress_run

    root, _ = compressed
    toml = (root / "yearn.toml").read_text()
    (root / "yearn.toml").write_text(toml + '\n[metric]\nconstraints = ["size_mb <= 0.000001"]\n')
    try:
        result = compress_run(
            root, sparsities=(), repeats=2, out=root / "c2", save=False, static_format="qdq",
            quantize_chain=False,
        )  # fmt: skip
    finally:
        (root / "yearn.toml").write_text(toml)
    assert _ops(result.variants[2].path) >= {"QuantizeLinear", "DequantizeLinear", "Gemm"}
    assert result.options["static_format"] == "qdq"
    assert result.recommended is None
    assert "no variant qualifies" in result.sentence and "size_mb" in result.sentence
    assert result.constraints == ["size_mb <= 1e-06"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--sparsity", "1.5"), "sparsities must lie in (0, 1)"),
        (("--static-format", "int4"), "static_format must be one of qdq, qoperator"),
        (("--optimization", "max"), "optimization must be one of all, extended"),
    ],
)
def test_bad_option_is_one_line_exit_2(compressed, cli, args, message):
    root, _ = compressed
    result = cli("compress", "-p", root, *args)
    assert result.exit_code == 2 and message in result.output


def test_json_carries_every_row_and_the_options(compressed):
    _, payload = compressed
    assert [r["variant"] for r in payload["rows"]] == [v["name"] for v in payload["variants"]]
    assert all("speed b256 vs float [95% CI]" in r for r in payload["rows"])
    assert payload["options"]["static_format"] == "qoperator" and payload["options"]["repeats"] == 5
    assert payload["options"]["quantize_chain"] is True
    assert payload["options"]["quantize_shallow"] is False  # leading shallow convs stay float
    for v in payload["variants"]:
        assert set(v["speed"]) == {"1", "256"}
        assert v["speed"]["256"]["low"] <= v["speed"]["256"]["ratio"] <= v["speed"]["256"]["high"]


def test_pruning_alone_is_not_preferred_for_size(compressed):
    _, payload = compressed
    assert "not smaller on disk than float" in payload["excluded"]["pruned-50%"][0]
    assert payload["recommended"] != "pruned-50%"


def test_table_is_saved_with_the_runs_and_shown_in_the_report(compressed, cli):
    from yearn.ship import latest_compress

    root, payload = compressed
    saved = latest_compress(root, payload["run"])
    assert saved is not None and saved.saved_as == payload["saved_as"]
    assert [v.name for v in saved.variants] == [v["name"] for v in payload["variants"]]
    assert saved.recommended == payload["recommended"]
    assert latest_compress(root, "no-such-run") is None
    result = cli("report", "-p", root, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    section = next(s for s in report["sections"] if s["id"] == "compression")
    assert section["present"] and section["note"] is None
    html_text = Path(report["report"]).read_text(encoding="utf-8")
    assert "Compression (int8, pruning)" in html_text and "int8-dynamic" in html_text
    assert "recommended:" in html_text or "no variant qualifies" in html_text


def test_report_has_no_compression_section_before_compress(tmp_path, cli):
    root = make_table_project(tmp_path / "toy", cli)
    result = cli("report", "-p", root, "--json")
    assert result.exit_code == 0, result.output
    assert "compression" not in [s["id"] for s in json.loads(result.output)["sections"]]


@pytest.mark.parametrize(
    ("reference", "variant", "verdict"),
    [
        ([1.0, 1.1, 0.9, 1.0] * 10, [1.0, 1.1, 0.9, 1.0] * 10, "no measured difference"),  # null
        ([2.0, 2.2, 1.8, 2.1] * 10, [1.0, 1.1, 0.9, 1.0] * 10, "faster"),
        ([1.0, 1.1, 0.9, 1.0] * 10, [4.0, 4.4, 3.6, 4.1] * 10, "slower"),
        ([1.0, 3.0, 0.5, 2.0, 1.0], [1.5, 1.0, 2.0, 1.0, 1.2], "no measured difference"),  # noise
    ],
)
def test_speed_claimed_only_when_the_interval_excludes_one(reference, variant, verdict):
    from yearn.ship._latency import speed_of

    speed = speed_of(reference, variant)
    assert speed.verdict == verdict
    assert speed.low <= speed.ratio <= speed.high
    if verdict == "slower":
        assert "slower" in speed.text and speed.text.startswith("4.")


def _ops(folder) -> set[str]:
    import onnx

    return {n.op_type for n in onnx.load(f"{folder}/model.onnx").graph.node}


def test_default_static_is_qoperator_over_the_chain(compressed):
    _, payload = compressed
    ops = _ops(payload["variants"][2]["path"])
    assert "QGemm" in ops and "Gemm" not in ops and "Relu" not in ops  # Relu folded in
    # pruned+int8 takes the same static form (dynamic int8 is the slow one on a CNN)
    assert _ops(payload["variants"][4]["path"]) == ops
    assert "MatMulInteger" in _ops(payload["variants"][1]["path"])


def test_exported_graph_carries_no_exporter_metadata(compressed):
    import onnx

    _, payload = compressed
    for v in payload["variants"][:3]:
        model = onnx.load(f"{v['path']}/model.onnx")
        assert all(not i.metadata_props for i in (*model.graph.input, *model.graph.output))
        assert all(not n.name and not n.doc_string for n in model.graph.node)
        assert not model.graph.value_info


def test_a_pruned_gain_is_said_to_come_with_extra_training() -> None:
    from yearn.ship._compress import _finetune_caveat

    caveat = _finetune_caveat("pruned-50%", "significant gain", 2)
    assert "2 more epoch(s)" in caveat and "no evidence that pruning" in caveat
    assert _finetune_caveat("pruned-50%", "borderline gain", 2)
    # null cases: no gain, not pruned, or no fine-tune → nothing added
    assert _finetune_caveat("pruned-50%", "not significant", 2) == ""
    assert _finetune_caveat("pruned-50%", "significant loss", 2) == ""
    assert _finetune_caveat("int8-dynamic", "significant gain", 2) == ""
    assert _finetune_caveat("pruned-50%", "significant gain", 0) == ""


def _variant(name: str, size: int, verdict: str, ratio: float):
    from yearn.ship._compress import Variant

    lat = {"b1_p50": 0.01, "b1_p99": 0.02, "b256_p50": 1.0 / ratio, "b256_p99": 2.0 / ratio}
    speed = {"256": {"ratio": ratio, "low": ratio * 0.9, "high": ratio * 1.1, "verdict": verdict}}
    return Variant(name, size, size, 0.0, lat, 0.1, 0.0, -0.5, 0.5, 0.9, "not significant", "",
                   speed=speed)  # fmt: skip


def test_a_variant_slower_at_batch_256_is_passed_over_for_one_that_is_not():
    from yearn.ship._recommend import recommend as _recommend

    float32 = _variant("float32", 40_000, "no measured difference", 1.0)
    dynamic = _variant("int8-dynamic", 11_900, "slower", 1 / 21)  # ConvInteger on a CNN
    static = _variant("int8-static", 12_100, "faster", 1.4)
    best, reasons = _recommend([float32, dynamic, static], "error", [])
    assert best == "int8-static"
    assert "slower than float at batch 256" in reasons["int8-dynamic"][0]
    assert "int8-static qualifies and is not" in reasons["int8-dynamic"][0]
    pruned = _variant("pruned-50%+int8", 12_100, "faster", 1.4)
    _, reasons = _recommend([float32, dynamic, static, pruned], "error", [])
    assert "int8-static and pruned-50%+int8 qualify and are not" in reasons["int8-dynamic"][0]


def test_null_without_a_faster_alternative_the_smallest_is_still_recommended():
    from yearn.ship._recommend import recommend as _recommend

    float32 = _variant("float32", 40_000, "no measured difference", 1.0)
    same = _variant("int8-static", 12_100, "no measured difference", 1.02)
    dynamic = _variant("int8-dynamic", 11_900, "no measured difference", 0.99)
    assert _recommend([float32, dynamic, same], "error", [])[0] == "int8-dynamic"
    # every compressed variant slower: none is passed over for speed (size decides)
    slow = _variant("int8-static", 12_100, "slower", 0.5)
    slow_dyn = _variant("int8-dynamic", 11_900, "slower", 0.1)
    best, reasons = _recommend([float32, slow_dyn, slow], "error", [])
    assert best == "int8-dynamic" and not reasons
