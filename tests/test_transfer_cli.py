"""yearn transfer / transfer-advice / transfer-compare on real project folders."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from safetensors.torch import save_file

from yearn.store import open_store

TOML = """
[project]
name = "{name}"
task = "binary"
label_column = "y"
id_column = "id"

[[sources]]
name = "main"
path = "data.csv"
role = "target"

[metric]
optimizing = "error"

[split]
dev = 0.3
test = 0.2
"""


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _table(n: int, seed: int, shift: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    y = np.where(x[:, 0] + 0.5 * x[:, 1] + shift > 0, "yes", "no")
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(5)])
    frame.insert(0, "id", [f"r{seed}-{i}" for i in range(n)])
    frame["y"] = y
    return frame


def _project(root: Path, name: str, n: int, seed: int, shift: float) -> Path:
    from yearn.splits.project import split_project

    root.mkdir(parents=True)
    _table(n, seed, shift).to_csv(root / "data.csv", index=False)
    (root / "yearn.toml").write_text(TOML.format(name=name))
    split_project(root, record=False)
    return root


@pytest.fixture(scope="module")
def _templates(tmp_path_factory):
    """Task A (600 rows, trained once) and task B (80 rows)."""
    base = tmp_path_factory.mktemp("transfer")
    a = _project(base / "a", "task-a", 600, 0, 0.0)
    b = _project(base / "b", "task-b", 80, 1, 0.3)
    from yearn.train import train_project

    run = train_project(a, "mlp", epochs=3, lr=0.01, width=16).run_id
    return a, b, run


@pytest.fixture
def projects(_templates, tmp_path):
    a, b, run = _templates
    return Path(shutil.copytree(a, tmp_path / "a")), Path(shutil.copytree(b, tmp_path / "b")), run


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{") :])


def test_transfer_from_a_run_states_the_default_policy(cli, projects):
    a, b, run = projects
    out = _json(
        cli("transfer", "-p", b, "--from", run, "--from-project", a, "--epochs", "3", "--json")
    )
    assert out["policy"] == "head" and out["policy_is_default"]
    assert "task-B training examples" in out["policy_reason"]
    record = open_store(b).get_run(out["run_id"])
    assert record.status == "completed" and record.name == "transfer-head"
    text = cli(
        "transfer", "-p", b, "--from", run, "--from-project", a, "--policy", "all", "--epochs", "2"
    )
    assert text.exit_code == 0, text.output
    assert "policy all (requested)" in text.output and "0.1 × lr" in text.output


def test_transfer_from_weights_files_and_refusals(cli, projects, tmp_path):
    a, b, run = projects
    weights = open_store(a).artifact_path(run, "model.safetensors")
    out = _json(
        cli("transfer", "-p", b, "--from", weights, "--policy", "last_k", "--epochs", "2", "--json")
    )
    assert out["trained_layers"] == ["backbone.2", "head"]
    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"w": 1}))
    bad = cli("transfer", "-p", b, "--from", tmp_path / "m.pkl")
    assert bad.exit_code == 2 and "pickle file is refused" in bad.output
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07")
    bad = cli("transfer", "-p", b, "--from", tmp_path / "m.onnx")
    assert bad.exit_code == 2 and "ONNX" in bad.output
    # a backbone for 3 inputs cannot take this project's 5 features
    from yearn.train import mlp

    save_file(mlp(3, 2, width=4).state_dict(), tmp_path / "small.safetensors")
    bad = cli("transfer", "-p", b, "--from", tmp_path / "small.safetensors")
    assert bad.exit_code == 2 and "cannot take task-B inputs of shape (5,)" in bad.output
    missing = cli("transfer", "-p", b)
    assert missing.exit_code == 2 and "--from" in missing.output


def test_transfer_advice_and_compare(cli, projects):
    a, b, run = projects
    out = _json(cli("transfer-advice", "-p", b, "--from", run, "--from-project", a, "--json"))
    checks = {c["name"]: c for c in out["checks"]}
    assert checks["much more data for A"]["passed"] is False  # 600·0.5 vs ~40 rows: < 10x
    assert "much more data for A" in out["verdict"]
    out = _json(
        cli(
            "transfer-compare",
            "-p",
            b,
            "--from",
            run,
            "--from-project",
            a,
            "--epochs",
            "3",
            "--json",
        )
    )
    assert [r["model"] for r in out["rows"]] == ["scratch", "head", "last_k", "all"]
    store = open_store(b)
    names = {r.name for r in store.list_runs()}
    assert {"scratch", "transfer-head", "transfer-last_k", "transfer-all"} <= names
    (record,) = store.list_runs(kind="transfer_compare")
    saved = json.loads(store.artifact_path(record.id, "comparison.json").read_text())
    assert saved["rows"] == out["rows"]
    for row in out["rows"][1:]:
        assert row["ci_low"] <= row["gain vs scratch"] <= row["ci_high"]
    text = cli("transfer-advice", "-p", b, "--from", run, "--from-project", a, "--n-a", "5000")
    assert text.exit_code == 0, text.output
    assert "much more data for A: A has 5,000 training examples" in text.output
    text = cli("transfer-compare", "-p", b, "--from", run, "--from-project", a, "--epochs", "2")
    assert text.exit_code == 0, text.output
    assert "last_k" in text.output and "scratch" in text.output and "CI" in text.output


@pytest.mark.slow
def test_digits_study_from_the_cli(cli, tmp_path):
    out = _json(
        cli(
            "transfer-compare",
            "--digits",
            tmp_path / "digits",
            "--sizes",
            "20",
            "--epochs",
            "3",
            "--json",
        )
    )
    (comparison,) = out["comparisons"]
    assert comparison["n_train"] == 20
    assert [r["model"] for r in comparison["rows"]] == ["scratch", "head", "last_k", "all"]
    assert out["advice"]["checks"][1]["passed"]  # thousands of web images vs 20
    study = open_store(tmp_path / "digits" / "transfer-study")
    assert {r.name for r in study.list_runs()} >= {"digits-A-pretrain", "digits-B20-scratch"}
    assert not (tmp_path / "digits" / ".yearn" / "runs.db").exists()  # the demo's store untouched
    bad = cli("transfer-compare", "--digits", tmp_path / "digits", "--sizes", "10,x")
    assert bad.exit_code == 2 and "--sizes" in bad.output


def test_transfer_keep_column(cli, tmp_path):
    """--keep-column on transfer: a column the profile flags as id-like stays a feature only
    when named; the run records the columns it was trained on."""
    from yearn.train import train_project

    def with_serial(root: Path, n: int, seed: int, shift: float) -> Path:
        _project(root, root.name, n, seed, shift)
        frame = pd.read_csv(root / "data.csv")
        frame["serial"] = np.random.default_rng(seed).permutation(n) * 7 + 1000  # id-like
        frame.to_csv(root / "data.csv", index=False)
        return root

    a = with_serial(tmp_path / "a", 300, 0, 0.0)
    b = with_serial(tmp_path / "b", 80, 1, 0.3)
    run = train_project(a, "mlp", epochs=2, width=8, keep=["serial"]).run_id
    assert "serial" in open_store(a).get_run(run).config["columns"]
    args = ("transfer", "-p", b, "--from", run, "--from-project", a, "--epochs", "2")
    kept = cli(*args, "--keep-column", "serial")
    assert kept.exit_code == 0, kept.output
    assert "although flagged: serial (id-like" in " ".join(kept.output.split())
    config = open_store(b).get_run(open_store(b).list_runs()[0].id).config
    assert "serial" in config["columns"] and config["excluded_columns"] == {}
    dropped = cli(*args)  # the backbone reads 6 inputs; screened, task B has 5
    text = " ".join(dropped.output.split())
    assert "left out of every model's features" in text and "serial (id-like" in text
    assert dropped.exit_code == 2 and "--keep-column NAME (keep= in Python)" in text
