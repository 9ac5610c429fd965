"""The feature screen: columns the profile flags as leaky or id-like leave every model's
features by default; ``[features] keep`` / ``--keep-column`` keep them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yearn.config import load_config
from yearn.data import load_project
from yearn.paths import KEEP_COLUMNS_ENV
from yearn.profile import recorded_screen, screen_features

TOML = """\
[project]
name = "leaky"
task = "binary"
label_column = "y"
id_column = "id"

[[sources]]
name = "all"
path = "data.csv"
role = "target"
{extra}
"""


def _project(tmp_path, extra: str = "", leak: bool = True):
    rng = np.random.default_rng(0)
    n = 400
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] + rng.normal(0, 1, n) > 0).astype(int)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "x1": x[:, 0], "x2": x[:, 1]})
    if leak:
        frame["copy"] = y + rng.normal(0, 0.05, n)  # near-perfect alone: a leak
        frame["serial"] = rng.permutation(n) * 7 + 1000  # integers unique per row: id-like
    frame["y"] = y
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "yearn.toml").write_text(TOML.format(extra=extra), encoding="utf-8")
    return tmp_path


def test_flagged_columns_leave_the_features(tmp_path, monkeypatch):
    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    root = _project(tmp_path)
    assert load_project(root).feature_columns == ("x1", "x2", "copy", "serial")  # not screened
    screen = screen_features(root)
    assert set(screen.excluded) == {"copy", "serial"}
    assert screen.excluded["copy"].startswith("leaky")
    assert screen.excluded["serial"].startswith("id-like")
    assert "--keep-column" in screen.message
    ds = load_project(root)
    assert ds.feature_columns == ("x1", "x2")
    assert "copy" not in ds.frame and set(ds.excluded_features) == {"copy", "serial"}
    # the profile itself still sees every column
    assert recorded_screen(root).excluded == screen.excluded
    # kept on request: the environment (what --keep-column sets)
    monkeypatch.setenv(KEEP_COLUMNS_ENV, "serial")
    assert load_project(root).feature_columns == ("x1", "x2", "serial")
    assert set(screen_features(root).kept) == {"serial"}


def test_null_case_nothing_flagged(tmp_path, monkeypatch):
    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    root = _project(tmp_path, leak=False)
    screen = screen_features(root)
    assert screen.excluded == {} and screen.message == ""
    assert load_project(root).feature_columns == ("x1", "x2")


def test_keep_in_yearn_toml(tmp_path, monkeypatch):
    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    root = _project(tmp_path, extra='[features]\nkeep = ["copy"]\n')
    assert load_config(root).features.keep == ("copy",)
    screen = screen_features(root)
    assert set(screen.excluded) == {"serial"} and set(screen.kept) == {"copy"}
    assert load_project(root).feature_columns == ("x1", "x2", "copy")


def test_cli_says_once_and_keep_column(tmp_path, cli, monkeypatch):
    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    root = _project(tmp_path)
    assert cli("split", "-p", root).exit_code == 0
    out = cli("baseline", "-p", root, "--only", "majority", "--only", "logistic")
    assert out.exit_code == 0, out.output
    assert out.output.count("left out of every model's features") == 1
    out = cli("baseline", "-p", root, "--only", "logistic", "--keep-column", "copy", "--json")
    assert out.exit_code == 0, out.output
    import json

    text = out.stdout if hasattr(out, "stdout") else out.output
    data = json.loads(text[text.index("{") :])
    dev = [
        r["value"]
        for r in data["baselines"]["scores"]
        if r["baseline"] == "logistic" and r["split"] == "dev"
    ]
    assert dev and dev[0] < 0.05  # the leak is back: near-perfect
    assert KEEP_COLUMNS_ENV not in __import__("os").environ  # restored after the command


@pytest.mark.parametrize("kind", ["significant", "point", "none"])
def test_dev_far_below_human_level_is_a_finding(kind):
    from yearn.diagnose import diagnose

    dev, n_dev = {"significant": ("1%", 2000), "point": ("0%", 60), "none": ("9%", 2000)}[kind]
    d = diagnose(
        human="10%", train="9%", train_dev="9%", dev=dev, n_train=5000, n_train_dev=2000,
        n_dev=n_dev,
    )  # fmt: skip
    steps = " ".join(s for v in d.recommendations.values() for s in v)
    if kind == "significant":
        assert d.verdict().startswith("dev error far below human level")
        assert "suspect leakage" in steps
    elif kind == "point":
        assert "below the human-level error" in steps
        assert "as close to human level" not in steps
    else:
        assert "leakage" not in steps


def test_tabular_demo_trains_without_the_planted_columns(tmp_path, cli, monkeypatch):
    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    from yearn.project import Project
    from yearn.report import build_report

    root = tmp_path / "tab"
    out = cli("demo", "--tabular", "--dir", root)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "left out of every model's features" in text
    assert "pathology_score (leaky" in text and "record_number (id-like" in text
    # without the leak the model is not called done, nor suspiciously better than people
    assert "as close to human level" not in text and "suspect leakage" not in text
    assert "principal gap: avoidable bias" in text
    run = Project(root).latest_run_with("predictions.parquet")
    prep = (root / ".yearn" / "artifacts" / run / "prep" / "prep.json").read_text()
    assert "pathology_score" not in prep and "record_number" not in prep
    assert "mean_radius" in prep
    facts = str(build_report(root)["project"].parts[0])
    assert "pathology_score" in facts and "left out" in facts


def test_a_declared_text_input_is_kept_though_it_predicts_the_label(tmp_path, monkeypatch):
    """The text a text model reads is meant to predict the label: the profile's flag is
    shown (kept, with the reason), not acted on; a numeric leak beside it still leaves."""
    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    rng = np.random.default_rng(0)
    n = 300
    y = rng.integers(0, 2, n)
    words = np.where(y == 1, "great lovely superb", "awful dull broken")
    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "review": [f"{w} item {i % 7}" for i, w in enumerate(words)],
            "copy": y + rng.normal(0, 0.05, n),
            "y": y,
        }
    )
    frame.to_csv(tmp_path / "data.csv", index=False)
    toml = TOML.replace('id_column = "id"', 'id_column = "id"\ntext_columns = ["review"]')
    (tmp_path / "yearn.toml").write_text(toml.format(extra=""), encoding="utf-8")
    screen = screen_features(tmp_path)
    assert "review" in screen.kept and screen.kept["review"].startswith("leaky")
    assert "copy" in screen.excluded
    ds = load_project(tmp_path)
    assert ds.text_columns == ("review",) and "copy" not in ds.feature_columns
