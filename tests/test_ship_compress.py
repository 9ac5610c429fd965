"""``yearn compress``: int8 and pruning variants measured against float, the paired test
(null: identical predictions → no loss claimed; effect: 99% pruning without fine-tune →
a significant loss), and the recommendation through the satisficing constraints. Timings
are recorded, never asserted (see bench/compress.py)."""

from __future__ import annotations

import json

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
        result = compress_run(root, sparsities=(), repeats=2, out=root / "c2")
    finally:
        (root / "yearn.toml").write_text(toml)
    assert result.recommended is None
    assert "no variant qualifies" in result.sentence and "size_mb" in result.sentence
    assert result.constraints == ["size_mb <= 1e-06"]


def test_bad_sparsity_is_one_line_exit_2(compressed, cli):
    root, _ = compressed
    result = cli("compress", "-p", root, "--sparsity", "1.5")
    assert result.exit_code == 2 and "sparsities must lie in (0, 1)" in result.output
