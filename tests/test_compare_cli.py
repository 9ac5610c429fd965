"""``yearn compare`` and ``yearn plan-dev`` end to end on real files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


def _flat(result) -> str:
    """The CLI output on one line (Rich wraps long messages)."""
    return " ".join(result.output.split())


@pytest.fixture
def tables(tmp_path):
    rng = np.random.default_rng(1)
    n = 2000
    y = rng.integers(0, 2, n)
    pa = np.where(rng.random(n) < 0.2, 1 - y, y)
    pb = np.where(rng.random(n) < 0.15, 1 - y, y)
    a = pd.DataFrame({"id": range(n), "split": "dev", "label": y, "pred": pa})
    a.to_parquet(tmp_path / "a.parquet")
    a.assign(pred=pb).to_csv(tmp_path / "b.csv", index=False)
    return tmp_path


def test_compare_cli_text_and_json(cli, tables) -> None:
    res = cli("compare", tables / "a.parquet", tables / "b.csv")
    assert res.exit_code == 0, res.output
    assert "b is better by 6.1 points, 95% CI [3.8, 8.5] (error: a 21.15%, b 15.05%" in _flat(res)
    assert "only a right: 236 only b right: 358" in _flat(res)
    res = cli("compare", tables / "a.parquet", tables / "b.csv", "--metric", "f1", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["metric"] == "f1" and out["better"] == "b" and out["test"] == "paired_bootstrap"
    assert out["mcnemar"]["only_a"] + out["mcnemar"]["only_b"] > 0


def test_compare_cli_errors_exit_2(cli, tables) -> None:
    pd.read_parquet(tables / "a.parquet").iloc[10:].to_parquet(tables / "short.parquet")
    res = cli("compare", tables / "a.parquet", tables / "short.parquet")
    assert res.exit_code == 2
    assert "10 ids only in A" in _flat(res)
    res = cli("compare", tables / "a.parquet", tables / "b.csv", "--metric", "f7")
    assert res.exit_code == 2 and "unknown metric 'f7'" in _flat(res)
    res = cli("compare", tables / "a.parquet", "no-such-run", "--project", tables)
    assert res.exit_code == 2 and "no such file" in _flat(res)
    (tables / "bad.csv").write_text("id,split\n1,dev\n")
    res = cli("compare", tables / "a.parquet", tables / "bad.csv")
    assert res.exit_code == 2 and "missing column 'label'" in _flat(res)


def test_compare_cli_run_ids_from_store(cli, tables) -> None:
    from yearn.store import open_store

    store = open_store(tables)
    ids = []
    for name, file in (("mlp", "a.parquet"), ("cnn", "b.csv")):
        frame = (
            pd.read_parquet(tables / file)
            if file.endswith("parquet")
            else pd.read_csv(tables / file)
        )
        with store.run(name=name, kind="train") as run:
            frame.to_parquet(tables / f"{name}.parquet")
            run.log_artifact(tables / f"{name}.parquet", name="predictions.parquet")
            ids.append(run.id)
    store.close()
    res = cli("compare", ids[0], ids[1], "--project", tables, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert (out["name_a"], out["name_b"], out["better"]) == ("mlp", "cnn", "cnn")


def test_plan_dev_cli(cli) -> None:
    res = cli("plan-dev", "--error", "0.10", "--gain", "0.001", "--power", "0.8", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["n"] == 1_406_512
    res = cli("plan-dev", "--error", "0.10", "--n", "10000")
    assert res.exit_code == 0 and "1.16 points" in _flat(res)
    res = cli("plan-dev", "--error", "0.10", "--gain", "0.001", "--paired", "--discordance", "0.02")
    assert res.exit_code == 0 and "156,976" in _flat(res)
    res = cli("plan-dev", "--error", "0.10")
    assert res.exit_code == 2 and "exactly one of --gain" in _flat(res)
    res = cli("plan-dev", "--error", "1.5", "--gain", "0.01")
    assert res.exit_code == 2 and "error must be <= 1" in _flat(res)


def test_compare_cli_on_test_warns(cli, tables) -> None:
    for name in ("a.parquet", "b.csv"):
        path = tables / name
        frame = pd.read_parquet(path) if name.endswith("parquet") else pd.read_csv(path)
        frame.assign(split="test").to_csv(tables / f"test_{path.stem}.csv", index=False)
    res = cli("compare", tables / "test_a.csv", tables / "test_b.csv")
    assert res.exit_code == 0, res.output
    assert "comparing on test is a look at test" in _flat(res)


def test_compare_cli_guesses_rmse_for_real_valued_labels(cli, tmp_path) -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=500)
    a = pd.DataFrame({"id": range(500), "split": "dev", "label": y, "pred": y + 1.0})
    a.to_csv(tmp_path / "a.csv", index=False)
    a.assign(pred=y + rng.normal(0, 0.1, 500)).to_parquet(tmp_path / "b.parquet")
    res = cli("compare", tmp_path / "a.csv", tmp_path / "b.parquet", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["metric"] == "rmse" and out["better"] == "b"
    assert out["value_a"] == pytest.approx(1.0)


def test_guess_metric() -> None:
    from yearn.metrics._load import guess_metric

    base = {"id": [1, 2], "split": "dev"}
    assert guess_metric(pd.DataFrame({**base, "label": [0, 1], "pred": [1, 1]})) == "error"
    assert guess_metric(pd.DataFrame({**base, "label": ["a", "b"], "pred": "a"})) == "error"
    assert guess_metric(pd.DataFrame({**base, "label": [0.5, 1.2], "pred": 1.0})) == "rmse"
    assert (
        guess_metric(pd.DataFrame({**base, "label": [0, 1], "proba:0": 0.5, "proba:1": 0.5}))
        == "error"
    )
