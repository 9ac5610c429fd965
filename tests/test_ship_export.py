"""``yearn export`` / ``yearn predict`` / ``yearn.ship.load_exported`` end to end on tiny
trained projects: parity, the folder contract, equality with PyTorch's predictions, and
one-line errors (exit 2) for every bad input."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from yearn.project import Project

from ._ship_projects import make_image_project, make_table_project, write_images


@pytest.fixture(scope="module")
def table_project(tmp_path_factory):
    from typer.testing import CliRunner

    from yearn.cli import app

    runner = CliRunner()

    def cli(*args):
        return runner.invoke(app, [str(a) for a in args])

    root = make_table_project(tmp_path_factory.mktemp("ship") / "toy", cli)
    result = cli("export", "--project", root)
    assert result.exit_code == 0, result.output
    return root, result.output


def _export_dir(root):
    (folder,) = list(Project(root).paths.exports.iterdir())
    return folder


def test_export_prints_parity_within_tolerance(table_project):
    _root, output = table_project
    found = re.search(r"max \|Δp\| = ([0-9.e+-]+)", output)
    assert found, output
    assert float(found.group(1)) <= 1e-5
    assert "dev error" in output


def test_exported_folder_contract(table_project):
    from yearn.ship import load_exported

    root, _ = table_project
    model = load_exported(_export_dir(root))
    m = model.metadata
    for key in ("run_id", "model_version", "task", "classes", "threshold", "metric", "schema"):
        assert key in m
    assert m["task"] == "binary" and m["classes"] == ["no", "yes"] and m["threshold"] == 0.5
    assert m["metric"]["name"] == "error"
    low, high = m["metric"]["interval"]
    assert 0 <= low <= m["metric"]["dev_value"] <= high <= 1
    assert m["fingerprint"]["train_rows"] > 0 and len(m["fingerprint"]["train_sha256"]) == 64
    kinds = {c.name: (c.kind, c.nullable) for c in model.schema}
    assert kinds == {
        "x1": ("numeric", False),
        "x2": ("numeric", True),
        "color": ("category", False),
    }
    assert model.schema.of_kind("category")[0].categories == ("blue", "red")
    assert "<table" in model._repr_html_()


def test_predict_equals_pytorch_predictions(table_project, cli, tmp_path):
    """The run's own predictions table (PyTorch) vs ``yearn predict`` on the dev rows."""
    root, _ = table_project
    project = Project(root)
    run_preds = project.predictions().frame
    dev = run_preds[run_preds["split"] == "dev"].set_index("id")
    rows = pd.read_csv(root / "phone.csv").set_index("id").loc[dev.index].reset_index()
    rows.drop(columns=["device", "y"]).to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "preds.parquet"
    result = cli("predict", "--model", _export_dir(root), "--input", tmp_path / "new.csv",
                 "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    got = pd.read_parquet(out).set_index("id").loc[dev.index]
    assert (got["pred"] == dev["pred"]).all()
    for c in ("proba:no", "proba:yes"):
        assert np.max(np.abs(got[c] - dev[c])) <= 1e-5
    assert got["model_version"].nunique() == 1
    assert got["model_version"].iloc[0].startswith(project.latest_run_with() or "")


def test_missing_values_allowed_only_where_training_had_them(table_project, tmp_path, cli):
    root, _ = table_project
    frame = pd.read_csv(root / "phone.csv").drop(columns=["device", "y"]).head(5)
    ok = frame.copy()
    ok.loc[0, "x2"] = np.nan  # training had missing x2: imputed, no error
    ok.to_csv(tmp_path / "ok.csv", index=False)
    assert cli("predict", "-m", _export_dir(root), "-i", tmp_path / "ok.csv").exit_code == 0
    bad = frame.copy()
    bad.loc[2, "x1"] = np.nan
    bad.to_csv(tmp_path / "bad.csv", index=False)
    result = cli("predict", "-m", _export_dir(root), "-i", tmp_path / "bad.csv")
    assert result.exit_code == 2
    assert "column 'x1', row 4" in result.output and "no missing values" in result.output


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda f: f.drop(columns=["x2"]), "column(s) x2 missing"),
        (lambda f: f.assign(extra=1), "were not seen in training"),
        (lambda f: f.assign(x1=["abc", *list(f["x1"][1:])]), "'abc' is not a number"),
        (lambda f: f.assign(color=["green", *list(f["color"][1:])]), "never seen in training"),
    ],
    ids=["missing-column", "extra-column", "not-a-number", "unseen-category"],
)
def test_bad_input_is_one_line_exit_2(table_project, tmp_path, cli, change, expected):
    root, _ = table_project
    frame = pd.read_csv(root / "phone.csv").drop(columns=["device", "y"]).head(6)
    change(frame).to_csv(tmp_path / "in.csv", index=False)
    result = cli("predict", "-m", _export_dir(root), "-i", tmp_path / "in.csv")
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_not_an_export_and_tampered_model_are_refused(table_project, tmp_path, cli):
    root, _ = table_project
    (tmp_path / "in.csv").write_text("x1,x2,color\n1,2,red\n")
    result = cli("predict", "-m", tmp_path, "-i", tmp_path / "in.csv")
    assert result.exit_code == 2 and "not an exported model" in result.output
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(_export_dir(root), copy)
    (copy / "model.onnx").write_bytes((copy / "model.onnx").read_bytes() + b"\0")
    result = cli("predict", "-m", copy, "-i", tmp_path / "in.csv")
    assert result.exit_code == 2 and "changed after export" in result.output


def test_export_refuses_when_parity_fails(table_project, tmp_path, monkeypatch):
    """Null case above (real graph: written); effect case here (PyTorch reference off by
    1e-3: refused, nothing written)."""
    import yearn.ship._export as export_module
    from yearn.ship import ExportError, export_run

    real = export_module.reference_outputs
    monkeypatch.setattr(export_module, "reference_outputs", lambda *a, **k: real(*a, **k) + 1e-3)
    root, _ = table_project
    out = tmp_path / "refused"
    with pytest.raises(ExportError, match="differ by"):
        export_run(root, out=out)
    assert not out.exists()


def test_export_json_carries_parity_and_metadata(table_project, cli, tmp_path):
    root, _ = table_project
    result = cli("export", "--project", root, "--out", tmp_path / "e", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["parity"]["max_abs_diff"] <= 1e-5
    assert payload["metadata"]["schema"]["columns"][0]["name"] == "x1"
    # a non-empty folder that is not an export is never overwritten
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = cli("export", "--project", root, "--out", tmp_path / "mine")
    assert result.exit_code == 2 and "holds no exported model" in result.output


def test_image_project_export_and_predict_folder(tmp_path, cli):
    root = make_image_project(tmp_path / "img", cli)
    result = cli("export", "--project", root, "--out", tmp_path / "e")
    assert result.exit_code == 0, result.output
    diff = float(re.search(r"max \|Δp\| = ([0-9.e+-]+)", result.output).group(1))
    assert diff <= 1e-5
    new = tmp_path / "new"
    write_images(new, "n", 6, 7)
    out = tmp_path / "p.parquet"
    result = cli("predict", "-m", tmp_path / "e", "-i", new, "-o", out)
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert len(table) == 6 and {"pred", "proba:c0", "proba:c1", "proba:c2"} <= set(table)
    assert np.allclose(table[["proba:c0", "proba:c1", "proba:c2"]].sum(axis=1), 1, atol=1e-5)
    # undecodable and wrongly sized images: one line, exit 2
    (new / "broken.png").write_bytes(b"not an image")
    result = cli("predict", "-m", tmp_path / "e", "-i", new)
    assert result.exit_code == 2 and "cannot decode image" in result.output
    (new / "broken.png").unlink()
    from PIL import Image

    Image.fromarray(np.zeros((5, 9), dtype=np.uint8)).save(new / "small.png")
    result = cli("predict", "-m", tmp_path / "e", "-i", new)
    assert result.exit_code == 2 and "the model takes 8x8" in result.output


def test_scikit_learn_baseline_is_refused_with_the_reason(table_project, cli):
    root, _ = table_project
    result = cli("baseline", "--project", root)
    assert result.exit_code == 0, result.output
    with Project(root).store() as store:
        baseline = store.list_runs(kind="baseline")[0].id
    result = cli("export", "--project", root, "--run", baseline, "--out", root / "nope")
    assert result.exit_code == 2
    assert "scikit-learn models are not kept" in result.output
    assert not (root / "nope").exists()


def test_regression_export_predicts_the_runs_values(tmp_path, cli):
    from ._toy_project import TOY_TOML, toy_table

    root = tmp_path / "reg"
    root.mkdir()
    (root / "yearn.toml").write_text(TOY_TOML.replace('task = "binary"', 'task = "regression"'))
    for name, n, seed in (("web", 200, 0), ("phone", 100, 1)):
        frame = toy_table(name[0], n, seed)
        frame["y"] = 2 * frame["x1"] - frame["x2"] + (frame["color"] == "red")
        frame.to_csv(root / f"{name}.csv", index=False)
    assert cli("split", "-p", root).exit_code == 0
    assert cli("train", "-p", root, "--epochs", "3", "--width", "8").exit_code == 0
    result = cli("export", "-p", root, "-o", tmp_path / "e")
    assert result.exit_code == 0, result.output
    assert "dev rmse" in result.output
    model = load_exported_dir(tmp_path / "e")
    assert model.metadata["threshold"] is None and model.metadata["output"] == "value"
    run = Project(root).predictions().frame
    dev = run[run["split"] == "dev"].set_index("id")
    rows = pd.read_csv(root / "phone.csv").set_index("id").loc[dev.index].reset_index()
    got = model.predict_frame(rows.drop(columns=["y", "device"])).set_index("id")
    assert np.max(np.abs(got.loc[dev.index, "pred"] - dev["pred"])) <= 1e-5


def load_exported_dir(path):
    from yearn.ship import load_exported

    return load_exported(path)


def test_python_api_results_display(table_project, tmp_path):
    from yearn.ship import export_run, predict_file

    root, _ = table_project
    exported = export_run(root, out=tmp_path / "e")
    assert "parity onnxruntime vs PyTorch" in exported._repr_html_()
    frame = pd.read_csv(root / "phone.csv").drop(columns=["device", "y"]).head(4)
    frame.to_csv(tmp_path / "in.csv", index=False)
    result = predict_file(exported.path, tmp_path / "in.csv")
    assert len(result.table) == 4 and "<table" in result._repr_html_()
    assert result.to_dict()["model_version"] == exported.metadata["model_version"]


def test_multilabel_thresholds_per_task_reach_predict(tmp_path, cli):
    from yearn.ship import load_exported

    from ._ship_projects import make_multilabel_project

    root = make_multilabel_project(tmp_path / "ml", cli)
    result = cli("operating-point", "-p", root, "--max-alerts-per-1000", "400", "--json")
    assert result.exit_code == 0, result.output
    chosen = json.loads(result.output)["thresholds"]
    assert set(chosen) == {"a", "b"}
    assert cli("export", "-p", root, "-o", tmp_path / "e").exit_code == 0
    model = load_exported(tmp_path / "e")
    assert model.threshold == pytest.approx(chosen)
    rows = pd.read_csv(root / "phone.csv").drop(columns=["a", "b"])
    preds = model.predict_frame(rows)
    for task in ("a", "b"):
        expected = (preds[f"proba:{task}"] >= chosen[task]).astype(int)
        assert (preds[f"pred:{task}"] == expected).all()


def test_predict_json_carries_every_row(table_project, cli, tmp_path):
    root, _ = table_project
    frame = pd.read_csv(root / "phone.csv").drop(columns=["device", "y"]).head(7)
    frame.to_csv(tmp_path / "in.csv", index=False)
    result = cli("predict", "-m", _export_dir(root), "-i", tmp_path / "in.csv",
                 "-o", tmp_path / "p.parquet", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["rows"] == 7 and len(payload["predictions"]) == 7
    assert [r["id"] for r in payload["predictions"]] == list(frame["id"])
