"""No silent wrong answers: one store rule, diagnose without dev, ids as labels, rates."""

from __future__ import annotations

import json

import pytest

from tests._toy_project import TOY_TOML, toy_table
from yearn.store import open_store


def _toy(root, extra: str = ""):
    root.mkdir(parents=True, exist_ok=True)
    (root / "yearn.toml").write_text(TOY_TOML + extra)
    toy_table("w", 60, 0).to_csv(root / "web.csv", index=False)
    toy_table("p", 40, 1).to_csv(root / "phone.csv", index=False)
    return root


def test_runs_uses_the_store_named_in_yearn_toml(tmp_path, cli, monkeypatch):
    elsewhere = tmp_path / "shared" / "runs.db"
    elsewhere.parent.mkdir()
    url = f"sqlite:///{elsewhere}"
    project = _toy(tmp_path / "p", f'\n[store]\nurl = "{url}"\n')
    with open_store(project, url=url) as store, store.run("kept", "train"):
        pass
    res = cli("runs", "--project", project, "--json")
    assert res.exit_code == 0, res.output
    assert [r["name"] for r in json.loads(res.output)] == ["kept"]
    assert not (project / ".yearn" / "runs.db").exists()  # no empty store created
    from fastapi.testclient import TestClient

    from yearn.ui import create_app

    dash = TestClient(create_app(project), base_url="http://localhost")
    assert [r["name"] for r in dash.get("/api/runs").json()["runs"]] == ["kept"]
    # the same rule in the library: open_store(root) and Project agree
    from yearn.project import Project

    assert Project(project).store_url == url
    with open_store(project) as store:
        assert [r.name for r in store.list_runs()] == ["kept"]
    # the environment beats the file, an explicit URL beats both
    other = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("YEARN_STORE_URL", other)
    assert Project(project).store_url == other
    assert json.loads(cli("runs", "--project", project, "--json").output) == []
    assert Project(project, store_url=url).store_url == url


def test_runs_without_any_store_creates_nothing(tmp_path, cli):
    project = _toy(tmp_path / "p")
    res = cli("runs", "--project", project)
    assert res.exit_code == 0 and "No runs yet" in res.output
    assert not (project / ".yearn" / "runs.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--human", "1", "--train", "0.08", "--train-dev", "0.09", "--dev", "0.10"],
        ["--train", "8", "--dev", "0.10"],
        ["--train", "1", "--dev", "0.5"],
        ["--train", "0.08", "--dev", "0.10", "--tolerance", "1"],
    ],
)
def test_every_rate_follows_one_ambiguity_rule(cli, args):
    res = cli("diagnose", *args)
    assert res.exit_code == 2, res.output
    assert "ambiguous" in res.output and "%" in res.output


def test_unambiguous_rates_are_read(cli):
    res = cli(
        "diagnose", "--human", "1%", "--train", "8%", "--dev", "10%", "--tolerance", "1%", "--json"
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    errors = out.get("errors") or out["diagnosis"]["errors"]
    human = errors["human"]
    assert (human["value"] if isinstance(human, dict) else human) == pytest.approx(0.01)
    res = cli("diagnose", "--human", "0.01", "--train", "0.08", "--dev", "0.1", "--json")
    assert res.exit_code == 0, res.output


def _no_dev_table(path, *, jump: bool):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    rows = []
    for split, n, err in [
        ("train", 300, 0.05),
        ("train_dev", 300, 0.033),
        ("test", 300, 0.233 if jump else 0.04),
    ]:
        label = rng.choice(["a", "b"], size=n)
        wrong = np.zeros(n, bool)
        wrong[: round(err * n)] = True
        pred = np.where(wrong, np.where(label == "a", "b", "a"), label)
        for i in range(n):
            p_a = 0.9 if pred[i] == "a" else 0.1
            rows.append(
                {
                    "id": f"{split}{i}",
                    "split": split,
                    "label": label[i],
                    "proba:a": p_a,
                    "proba:b": 1 - p_a,
                }
            )
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("jump", [True, False])
def test_diagnose_without_dev_says_so_and_sees_the_jump_to_test(tmp_path, cli, jump):
    table = _no_dev_table(tmp_path / "preds.csv", jump=jump)
    res = cli("diagnose", "--predictions", table, "--human", "1%", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    diag = out.get("diagnosis", out)
    assert any("no dev set" in c for c in diag["caveats"])
    mismatch = diag["gaps"]["data_mismatch"]
    if jump:  # train-dev 3.3% -> test 23.3%: the 20-point jump is the principal gap
        assert mismatch["value"] == pytest.approx(0.2, abs=0.01)
        assert "data_mismatch" in str(diag["principal"])
    else:  # null case: no jump, no data-mismatch claim
        assert "data_mismatch" not in diag["principal"]


def _id_label_project(root, n: int = 400):
    import numpy as np
    import pandas as pd

    root.mkdir(parents=True)
    (root / "yearn.toml").write_text(TOY_TOML.replace('task = "binary"', 'task = "multiclass"'))
    rng = np.random.default_rng(0)
    for name, k in (("web", n), ("phone", n // 2)):
        frame = {"id": [f"{name}{i}" for i in range(k)], "x1": rng.normal(size=k)}
        frame |= {"x2": rng.normal(size=k), "color": "red", "device": name}
        frame["y"] = [f"c-{name}{i}" for i in range(k)]  # one class per example
        pd.DataFrame(frame).to_csv(root / f"{name}.csv", index=False)
    return root


def test_a_label_that_looks_like_an_id_is_said_by_check_and_split(tmp_path, cli):
    project = _id_label_project(tmp_path / "p")
    res = cli("check", "--project", project)
    assert res.exit_code == 0, res.output
    assert "looks like an id" in res.output and "The data is valid" not in res.output
    out = json.loads(cli("check", "--project", project, "--json").output)
    assert any("looks like an id" in w for w in out["warnings"])
    res = cli("split", "--project", project)
    assert res.exit_code == 0, res.output
    assert "looks like an id" in res.output
    assert "cannot be stratified" in res.output
    assert "588" in res.output and res.output.count("\n") < 150  # not 600 columns
    from yearn.splits import load_manifest

    table = load_manifest(project).table
    target = table[table["source"] == "phone"]["split"].astype(str).value_counts()
    assert target.get("train", 0) > target.get("train_dev", 0) > 0  # not all in train-dev


def test_an_ordinary_label_gets_no_id_warning_and_is_stratified(tmp_path, cli):
    project = _toy(tmp_path / "p")
    out = json.loads(cli("check", "--project", project, "--json").output)
    assert out["warnings"] == []
    res = cli("split", "--project", project)
    assert res.exit_code == 0, res.output
    assert "looks like an id" not in res.output and "cannot be stratified" not in res.output


@pytest.mark.parametrize("which", ["web", "phone"])
def test_duplicate_column_names_are_an_error_naming_the_file(tmp_path, cli, which):
    project = _toy(tmp_path / "p")
    path = project / f"{which}.csv"
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace("x2", "x1")
    path.write_text("\n".join(lines) + "\n")
    res = cli("check", "--project", project)
    assert res.exit_code == 2, res.output
    assert f"{which}.csv" in res.output and "'x1'" in res.output and "duplicate" in res.output
    assert "x1.1" not in res.output


def test_duplicate_columns_in_a_predictions_table_are_an_error(tmp_path, cli):
    path = tmp_path / "preds.csv"
    path.write_text("id,split,label,label,pred\n1,train,a,a,a\n2,dev,b,b,a\n")
    res = cli("diagnose", "--predictions", path)
    assert res.exit_code == 2 and "duplicate" in res.output and "'label'" in res.output


def test_a_huge_cell_is_quoted_as_a_short_prefix(tmp_path, cli):
    project = _toy(tmp_path / "p")
    web = toy_table("w", 60, 0)
    web["x1"] = web["x1"].astype(object)
    web.loc[5, "x1"] = "x" * 2_000_000
    web.to_csv(project / "web.csv", index=False)
    res = cli("check", "--project", project)
    assert res.exit_code == 2
    assert len(res.output) < 1000 and "2,000,000 characters" in res.output and "row 7" in res.output


def test_yearn_errors_cut_every_long_quoted_value():
    from yearn.errors import DataError, quote

    err = DataError(f"bad value {'v' * 10_000!r} in {'w' * 5000!r}; fix it")
    assert len(str(err)) < 600 and str(err).endswith("fix it")
    assert quote("short") == "'short'" and "(1,000 characters)" in quote("z" * 1000)


@pytest.mark.parametrize("args", [["nosuchcommand"], ["runs", "--bogus"], ["diagnose", "--train"]])
def test_framework_usage_errors_exit_2(cli, args):
    assert cli(*args).exit_code == 2


def test_run_after_an_upstream_failure_says_once_what_failed_and_ends_on_it(tmp_path, cli):
    project = _toy(tmp_path / "p")
    (project / "web.csv").write_text(toy_table("w", 60, 0).to_csv(index=False), encoding="utf-16")
    res = cli("run", "--project", project, "--epochs", "1", "--no-learning-curve", "--no-lr-find")
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.strip().splitlines() if line.strip()]
    assert lines[-1].startswith("error: split") and "not UTF-8" in lines[-1]
    assert res.output.count("not UTF-8") == 1  # said once
    assert "not run (needs split)" in res.output
    assert "yearn run --project" not in res.output  # never "run the command you just ran"
    out = json.loads(
        cli("run", "--project", project, "--json", "--no-learning-curve", "--no-lr-find").output
    )
    status = {s["name"]: (s["status"], s["note"]) for s in out["steps"]}
    assert status["split"][0] == "failed"
    assert status["train"] == ("not run", "not run (needs split)")
    assert status["diagnose"] == ("not run", "not run (needs split)")  # the cause, not train
    assert out["report_note"] == "not written (needs split)"
