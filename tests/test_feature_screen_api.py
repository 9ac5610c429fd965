"""The Python API screens features as the CLI does: no prior `yearn profile` is needed for
train_project, run_baselines and the other model entry points to leave out the columns the
data profile flags as leaky or id-like; ``keep=`` keeps one; each run records its columns."""

from __future__ import annotations

import json

import pytest

from yearn.paths import KEEP_COLUMNS_ENV, ProjectPaths

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PLANTED = {"pathology_score", "record_number"}


@pytest.fixture(scope="module")
def tabular(tmp_path_factory):
    from yearn.demo import make_tabular_demo
    from yearn.splits import split_project

    root = make_tabular_demo(tmp_path_factory.mktemp("tab") / "tab")
    split_project(root)
    return root


def _fresh(tabular):
    """No recorded screen: as a Python user who never ran `yearn profile`."""
    ProjectPaths(tabular).feature_screen.unlink(missing_ok=True)
    return tabular


def test_train_project_leaves_out_planted_columns_without_a_profile(tabular, monkeypatch):
    from yearn.store import open_store
    from yearn.train import project_data, train_project

    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    root = _fresh(tabular)
    result = train_project(root, "linear", epochs=1)
    store = open_store(root)
    try:
        cfg = store.get_run(result.run_id).config
    finally:
        store.close()
    assert not PLANTED & set(cfg["columns"]) and "mean_radius" in cfg["columns"]
    assert set(cfg["excluded_columns"]) == PLANTED
    assert cfg["excluded_columns"]["pathology_score"].startswith("leaky")
    assert cfg["excluded_columns"]["record_number"].startswith("id-like")
    # keep= keeps one column (and only that one)
    _, data, store = project_data(root, keep=["record_number"])
    store.close()
    assert "record_number" in data.columns and "pathology_score" not in data.columns
    assert set(data.excluded_columns) == {"pathology_score"}


def test_run_baselines_leaves_out_planted_columns_without_a_profile(tabular, monkeypatch):
    from yearn.baselines import run_baselines
    from yearn.store import open_store

    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    root = _fresh(tabular)
    report = run_baselines(root, baselines=["logistic"])
    store = open_store(root)
    try:
        cfg = store.get_run(report.run_ids["logistic"]).config
    finally:
        store.close()
    assert not PLANTED & set(cfg["columns"]) and set(cfg["excluded_columns"]) == PLANTED
    dev = report.scores.query("baseline == 'logistic' and split == 'dev'")["error"].iloc[0]
    # with the leak kept the baseline is (near) perfect: the null case of the screen
    kept = run_baselines(root, baselines=["logistic"], keep=["pathology_score"], record=False)
    dev_kept = kept.scores.query("baseline == 'logistic' and split == 'dev'")["error"].iloc[0]
    assert dev_kept < 0.02 < dev


def test_screened_dataset_and_cv_are_screened(tabular, monkeypatch):
    from yearn.profile import screened_dataset
    from yearn.train import cv_project

    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    root = _fresh(tabular)
    ds = screened_dataset(root)
    assert not PLANTED & set(ds.input_columns) and set(ds.excluded_features) == PLANTED
    out = cv_project(root, "logistic", protocol="kfold", record=False)
    assert out["result"]["mean"] > 0.02  # no leak: not near-perfect
    leaky = cv_project(root, "logistic", protocol="kfold", record=False, keep=["pathology_score"])
    assert leaky["result"]["mean"] < 0.02


def test_report_does_not_silently_choose_a_run_on_screened_columns(
    tabular, tmp_path, monkeypatch, cli
):
    """The leaky run has the lower dev error; the default choice passes it over and says
    why; chosen with --run, the report warns. A run's columns are read back from its
    saved preprocessor when its config predates their recording."""
    import shutil
    from types import SimpleNamespace

    from yearn.report import build_report
    from yearn.report._choice import run_columns
    from yearn.store import open_store
    from yearn.train import train_project

    monkeypatch.delenv(KEEP_COLUMNS_ENV, raising=False)
    root = shutil.copytree(tabular, tmp_path / "tab")
    clean = train_project(root, "linear", epochs=3).run_id
    # null case: no run on screened columns, no note
    facts = str(build_report(root)["project"].parts[0])
    assert "left out of the choice" not in facts and "WARNING" not in facts
    assert "mean_radius" in facts and "pathology_score (leaky" in facts  # the screen line
    leaky = train_project(root, "linear", epochs=3, keep=["pathology_score"]).run_id
    store = open_store(root)
    try:
        dev = {
            r: store.metrics([r]).query("split == 'dev' and name == 'error'")["value"].iloc[-1]
            for r in (clean, leaky)
        }
        legacy = SimpleNamespace(id=leaky, config={})  # a run from before columns were recorded
        assert "pathology_score" in run_columns(store, legacy)
        assert run_columns(store, legacy) == store.get_run(leaky).config["columns"]
    finally:
        store.close()
    assert dev[leaky] < dev[clean]  # the leak wins on dev: the trap the choice avoids
    report = build_report(root)
    facts = " ".join(str(report["project"].parts[0]).split())
    assert clean in facts and "1 run(s) left out of the choice: trained on pathology_score" in facts
    assert "WARNING" not in facts
    out = cli("report", "-p", root, "--run", leaky[-6:])  # chosen on purpose: a warning
    assert out.exit_code == 0, out.output
    assert "WARNING: trained on pathology_score" in " ".join(out.output.split())
    assert "WARNING" in (root / "report.html").read_text(encoding="utf-8")
    out = cli("report", "-p", root, "--json")
    model = json.loads(out.output[out.output.index("{") :])["model"]
    assert model["run_id"] == clean and "left out of the choice" in model["why"]
