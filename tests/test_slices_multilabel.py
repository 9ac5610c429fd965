"""Slices on a multi-label table: the project's metric over the label set (1-map), or error
as the share of wrong decisions on known labels; a planted slice is found, a table with no
slice effect yields no significant slice."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.slices import find_slices

TASKS = ("car", "person", "bike")


def _table(n: int = 400, effect: bool = True, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    blur = rng.uniform(0, 1, n)
    camera = rng.choice(["a", "b"], n)
    y = (rng.random((n, len(TASKS))) < 0.4).astype(float)
    y[rng.random(y.shape) < 0.1] = np.nan  # unknown labels
    flip = np.where(blur > 0.75, 0.35, 0.08) if effect else np.full(n, 0.12)
    wrong = rng.random(y.shape) < flip[:, None]
    truth = np.nan_to_num(y)
    proba = np.clip(
        np.where(wrong, 1 - truth, truth) * 0.8 + 0.1 + rng.normal(0, 0.05, y.shape), 0, 1
    )
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "split": "dev"})
    frame["blur"], frame["camera"] = blur, camera
    for t, name in enumerate(TASKS):
        frame[f"label:{name}"] = y[:, t]
        frame[f"proba:{name}"] = proba[:, t]
    return frame


@pytest.mark.parametrize("metric", ["map", "error"])
def test_planted_slice_is_found_under_the_project_metric(metric):
    report = find_slices(_table(), metric=metric, n_boot=60, pairs=False)
    assert report.metric == {"map": "1-map", "error": "error"}[metric]
    assert not report.by_counts  # slice vs rest with a bootstrap interval, not counts
    top = report.slices.iloc[0]
    assert top["slice"].startswith("blur in [0.7") and top["significant"]
    assert top["excess"] > 0 and top["ci_low"] > 0
    html = report._repr_html_()
    assert f"overall {report.metric}" in html and "blur in" in html
    assert json.loads(json.dumps(report.to_dict(), default=str))["metric"] == report.metric


@pytest.mark.parametrize("metric", ["map", "error"])
def test_null_case_no_slice_effect_no_claim(metric):
    report = find_slices(_table(effect=False, seed=3), metric=metric, n_boot=60, pairs=False)
    assert len(report.slices) and not report.slices["significant"].any()


def test_cli_slices_on_a_multilabel_table(cli, tmp_path):
    path = tmp_path / "p.csv"
    _table().to_csv(path, index=False)
    out = cli("slices", "--predictions", path, "--metric", "error", "--n-boot", "40", "--no-pairs")
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "overall error" in text and "blur in [0.7" in text and "excess [95%]" in text
