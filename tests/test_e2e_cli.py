"""yearn e2e-compare end to end through the CLI: a table whose user features encode the
true rule (the pipeline wins at every size), the two-stage pipeline, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

TOML = """
[project]
name = "rule"
task = "binary"
label_column = "y"
id_column = "id"
metadata_columns = ["z"]

[[sources]]
name = "web"
path = "web.csv"
role = "train"

[[sources]]
name = "phone"
path = "phone.csv"
role = "target"

[split]
dev = 0.5
test = 0.2
target_to_train = 0.3
train_dev = 0.1
"""

FEATURES = """
import pandas as pd


def make_features(frame: pd.DataFrame) -> pd.DataFrame:
    # the true rule: the label is whether x1 and x2 share their sign
    return pd.DataFrame({"product": frame["x1"] * frame["x2"]})
"""


def _table(prefix: str, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    z = x[:, 0] * x[:, 1]
    return pd.DataFrame(
        {"id": [f"{prefix}{i}" for i in range(n)], **{f"x{j + 1}": x[:, j] for j in range(6)},
         "z": z, "y": np.where(z > 0, "same", "differ")}
    )  # fmt: skip


@pytest.fixture
def rule_project(tmp_path, cli):
    root = tmp_path / "rule"
    root.mkdir()
    (root / "yearn.toml").write_text(TOML)
    _table("w", 500, 0).to_csv(root / "web.csv", index=False)
    _table("p", 600, 1).to_csv(root / "phone.csv", index=False)
    (root / "my_features.py").write_text(FEATURES)
    result = cli("split", "--project", root)
    assert result.exit_code == 0, result.output
    return root


def test_user_features_with_the_true_rule_win_at_every_size(rule_project, cli):
    root = rule_project
    args = ["e2e-compare", "--project", root, "--pipeline", f"{root}/my_features.py:make_features"]
    args += ["--sizes", "40,120,400", "--seeds", "2", "--epochs", "3", "--resamples", "100"]
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [r["winner"] for r in out["curves"]] == ["pipeline"] * 3
    assert out["verdict"].startswith("the pipeline wins at every tested size")
    assert out["crossing"]["size"] is None
    assert len(out["points"]) == 2 * 3 * 2  # every (model, size, seed)
    assert {p["model"] for p in out["points"]} == {"pipeline", "end-to-end"}
    assert {p["epochs"] for p in out["points"] if p["model"] == "end-to-end"} == {3}
    # the summary prints the table, the text chart and the verdict; the result is saved
    shown = cli(*args)
    assert shown.exit_code == 0, shown.output
    assert "the pipeline wins at every tested size" in " ".join(shown.output.split())
    assert (root / ".yearn" / "e2e" / "latest.json").is_file()
    # ... and the report shows it (its own section, the chart with the user's size marked)
    report = cli("report", "--project", root)
    assert report.exit_code == 0, report.output
    page = (root / "report.html").read_text(encoding="utf-8")
    assert "End-to-end or pipeline" in page and "yearn-e2e" in page and "you: " in page
    # ... and so does the dashboard
    from fastapi.testclient import TestClient

    from yearn.ui import create_app

    client = TestClient(create_app(root), base_url="http://localhost")
    shown_page = client.get("/e2e")
    assert shown_page.status_code == 200 and "yearn-e2e" in shown_page.text


def test_two_stage_pipeline_through_an_intermediate_column(rule_project, cli):
    root = rule_project
    result = cli(
        "e2e-compare", "--project", root, "--pipeline", f"{root}/my_features.py:make_features",
        "--intermediate", "z", "--sizes", "40,400", "--seeds", "1", "--epochs", "2",
        "--resamples", "50", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert "two stages" in out["pipeline"] and "→ z →" in out["pipeline"]
    assert out["curves"][-1]["pipeline"] < 0.1  # z carries the rule; stage 1 learns it


def test_bad_input_gives_one_line_and_exit_2(rule_project, cli, tmp_path):
    root = rule_project
    missing = cli("e2e-compare", "--project", root, "--pipeline", "nowhere.py:make_features")
    assert missing.exit_code == 2 and "nowhere.py" in missing.output
    no_func = cli("e2e-compare", "--project", root, "--pipeline", f"{root}/my_features.py:nope")
    assert no_func.exit_code == 2 and "has no function 'nope'" in " ".join(no_func.output.split())
    bad = tmp_path / "bad.py"
    bad.write_text("def make_features(frame):\n    return frame[['x1']].head(3)\n")
    short = cli("e2e-compare", "--project", root, "--pipeline", f"{bad}:make_features")
    assert short.exit_code == 2 and "one row of numbers per input row" in short.output
    table = cli("e2e-compare", "--project", root)
    assert table.exit_code == 2 and "--pipeline" in table.output
    good = f"{root}/my_features.py:make_features"
    sizes = cli("e2e-compare", "--project", root, "--pipeline", good, "--sizes", "1,10")
    assert sizes.exit_code == 2 and "sizes must lie between" in sizes.output
    both = cli("e2e-compare", "--project", root, "--intermediate", "x1")
    assert both.exit_code == 2 and "metadata_columns" in both.output
    cnn = cli("e2e-compare", "--project", root, "--pipeline", good, "--model", "cnn")
    assert cnn.exit_code == 2 and "needs an image project" in cnn.output
    flip = cli("e2e-compare", "--project", root, "--pipeline", good, "--augment", "flip")
    assert flip.exit_code == 2 and "augment must be one of" in " ".join(flip.output.split())
    shift = cli("e2e-compare", "--project", root, "--pipeline", good, "--augment", "shift")
    assert shift.exit_code == 2 and "this project is a table" in shift.output
    few = cli("e2e-compare", "--project", root, "--pipeline", good, "--resamples", "5")
    assert few.exit_code == 2 and "resamples must be at least 20" in few.output
    # nothing was saved: the dashboard page says what to run
    from fastapi.testclient import TestClient

    from yearn.ui import create_app

    client = TestClient(create_app(root), base_url="http://localhost")
    assert "No comparison yet" in client.get("/e2e").text


def test_regression_with_the_true_feature(tmp_path, cli):
    from yearn.e2e import compare_e2e

    root = tmp_path / "reg"
    root.mkdir()
    (root / "yearn.toml").write_text(
        TOML.replace('task = "binary"', 'task = "regression"').replace("[metric]", "")
    )
    for name, n, seed in (("web", 400, 3), ("phone", 400, 4)):
        t = _table(name[0], n, seed)
        t["y"] = t["z"] * 3.0
        t.to_csv(root / f"{name}.csv", index=False)
    assert cli("split", "--project", root).exit_code == 0
    result = compare_e2e(
        root, pipeline=lambda f: f["x1"] * f["x2"], sizes=[30, "all"], seeds=1,
        settings={"epochs": 2}, n_resamples=50,
    )  # fmt: skip
    assert result.metric == "rmse"
    assert all(r["pipeline"] < 0.05 < r["end_to_end"] for r in result.curve_rows())
    assert result.choice == "pipeline"


def test_points_do_not_depend_on_the_executor(rule_project, cli):
    """Two local worker processes give the same points as the in-process loop."""
    root = rule_project
    args = ["e2e-compare", "--project", root, "--pipeline", f"{root}/my_features.py:make_features"]
    args += ["--sizes", "40,120", "--seeds", "1", "--epochs", "2", "--resamples", "50", "--json"]
    one = cli(*args)
    two = cli(*args, "--workers", "2")
    assert one.exit_code == 0 and two.exit_code == 0, two.output
    a, b = json.loads(one.output), json.loads(two.output)
    assert a["points"] == b["points"]
    assert b["settings"]["executor"] == "local (2 workers)"


def test_small_sizes_get_enough_steps():
    from yearn.e2e._compare import epochs_for

    recipe = {"epochs": 30, "min_steps": 1500}
    assert epochs_for(100, recipe) == 375  # 4 batches of 32 per epoch
    assert epochs_for(5831, recipe) == 30  # 183 batches: 30 epochs are 5,490 steps
    assert epochs_for(100, {**recipe, "batch_size": 64}) == 750
    assert epochs_for(100, {"epochs": 30}) == 30  # no floor: the same epochs everywhere


def test_the_end_to_end_recipe_names_every_setting_given():
    from yearn.e2e._compare import _recipe_text

    recipe = {"epochs": 30, "min_steps": 1500, "schedule": "cosine", "augment": "shift+color"}
    assert _recipe_text(recipe) == (
        "30 epochs (at least 1,500 steps), cosine schedule, shift+color augmentation"
    )
    wider = _recipe_text({**recipe, "width": 32, "lr": 0.01, "batch_size": 64})
    assert wider.endswith("augmentation, width 32, lr 0.01, batch size 64")
