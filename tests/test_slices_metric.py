"""Slices under the project metric (issue 13 §2): 1-F1 / RMSE of the slice vs the rest."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.metrics import get_metric
from yearn.slices import find_slices


def churn(n=2000, seed=0, plant=True):
    """Binary table (20% positives); with ``plant`` the south region's F1 is much worse."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], size=n)
    label = (rng.random(n) < 0.2).astype(int)
    flip = np.where(plant & (region == "south"), 0.45, 0.08)
    wrong = rng.random(n) < flip
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "split": "dev",
            "label": label,
            "pred": np.where(wrong, 1 - label, label),
            "region": region,
            "age": rng.normal(size=n),
        }
    )


def test_planted_slice_with_worse_f1_ranks_first_and_is_significant():
    frame = churn()
    report = find_slices(frame, metric="f1")
    assert report.metric == "1-f1"
    top = report.slices.iloc[0]
    assert top["slice"] == "region = south" and top["significant"]
    f1 = get_metric("f1")
    south = (frame["region"] == "south").to_numpy()
    sub, rest = frame[south], frame[~south]
    assert top["slice_error"] == pytest.approx(f1.error(sub["label"], sub["pred"]))
    assert top["rest_error"] == pytest.approx(f1.error(rest["label"], rest["pred"]))
    assert top["ci_low"] > 0 and top["ci_low"] <= top["excess"] <= top["ci_high"]
    assert report.overall_error == pytest.approx(f1.error(frame["label"], frame["pred"]))
    assert report.slices["impact"].is_monotonic_decreasing


def test_impact_under_1_minus_accuracy_is_the_excess_errors():
    frame = churn()
    by_error = find_slices(frame).slices
    by_acc = find_slices(frame, metric="accuracy").slices
    joined = by_error.merge(by_acc[["slice", "impact"]], on="slice")
    assert len(joined) == len(by_error)
    assert joined["impact"].to_numpy() == pytest.approx(joined["excess_errors"].to_numpy())


def test_no_slice_worse_means_no_significant_slice():
    for seed in (0, 1, 2):
        report = find_slices(churn(n=1000, seed=seed, plant=False), metric="f1", random_state=0)
        assert report.n_tested > 10
        assert report.significant.empty, report.significant


def test_error_metric_keeps_the_error_rate_path():
    frame = churn()
    default, named = find_slices(frame), find_slices(frame, metric="error")
    pd.testing.assert_frame_equal(default.slices, named.slices)
    assert named.metric == "error" and "error_rate" in named.slices


def test_undefined_slice_is_not_measured_not_worst():
    frame = churn(n=1000, plant=False)
    frame["group"] = np.where(np.arange(len(frame)) < 60, "empty", "rest")
    frame.loc[:59, ["label", "pred"]] = 0  # no positive label or prediction: F1 undefined
    report = find_slices(frame, metric="f1", columns=["group"], pairs=False)
    assert "group = empty" in report.not_measured
    assert "group = empty" not in set(report.slices["slice"])


def test_regression_rmse_slices():
    rng = np.random.default_rng(0)
    n = 1500
    site = rng.choice(["a", "b", "c"], size=n)
    label = rng.normal(size=n)
    noise = np.where(site == "c", 1.0, 0.3)
    frame = pd.DataFrame({"id": np.arange(n), "split": "dev", "label": label, "site": site}).assign(
        pred=label + rng.normal(size=n) * noise
    )
    report = find_slices(frame, metric="rmse")
    assert report.metric == "rmse"
    assert report.slices.iloc[0]["slice"] == "site = c" and report.slices.iloc[0]["significant"]
    assert report.significant["slice"].tolist() == ["site = c"]


def test_cli_metric_json_and_table(cli, tmp_path):
    path = tmp_path / "p.csv"
    churn().to_csv(path, index=False)
    result = cli("slices", "--predictions", path, "--metric", "f1", "--json", "--top", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["metric"] == "1-f1" and len(data["slices"]) == data["n_tested"] > 2
    assert data["slices"][0]["slice"] == "region = south"
    result = cli("slices", "--predictions", path, "--metric", "f1")
    assert result.exit_code == 0 and "1-f1" in result.output and "region = south" in result.output
    result = cli("slices", "--predictions", path, "--metric", "rmse")
    assert result.exit_code == 2 and "rmse" in result.output
    html = find_slices(churn(), metric="f1")._repr_html_()
    assert "1-f1" in html and "<table" in html
