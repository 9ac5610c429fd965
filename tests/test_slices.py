"""High-error slices: a planted slice is found first; corrections; speed; bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from yearn.errors import ConfigError, PredictionsError
from yearn.slices import find_slices
from yearn.slices._slices import _bh


def planted(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    blur = rng.random(n)
    source = rng.choice(["web", "phone"], size=n)
    size = rng.normal(size=n)
    p_err = np.where((blur > 0.75) & (source == "phone"), 0.5, 0.08)
    wrong = rng.random(n) < p_err
    label = rng.choice(["a", "b"], size=n)
    pred = np.where(wrong, np.where(label == "a", "b", "a"), label)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "split": "dev",
            "label": label,
            "pred": pred,
            "blur": blur,
            "source": source,
            "size": size,
            "path": [f"img/{i}.png" for i in range(n)],  # high cardinality: skipped
        }
    )


def test_planted_pair_slice_ranks_first_and_is_significant():
    frame = planted()
    report = find_slices(frame)
    top = report.slices.iloc[0]
    assert set(top["columns"]) == {"blur", "source"}
    assert "blur in [0.75" in top["slice"] or "blur in [0.74" in top["slice"]
    assert "source = phone" in top["slice"]
    assert top["significant"] and top["p_adjusted"] < 1e-6
    assert "path" in report.skipped_columns
    # sizes, errors and rates are consistent with the table
    wrong = (frame["label"] != frame["pred"]).to_numpy()
    assert report.overall_error == pytest.approx(wrong.mean())
    phone = report.slices[report.slices["slice"] == "source = phone"].iloc[0]
    mask = (frame["source"] == "phone").to_numpy()
    assert phone["size"] == mask.sum() and phone["errors"] == wrong[mask].sum()
    assert phone["excess_errors"] == pytest.approx(wrong[mask].sum() - mask.sum() * wrong.mean())
    # the p-value is the one-sided binomial test
    ref = binomtest(int(phone["errors"]), int(phone["size"]), wrong.mean(), alternative="greater")
    assert phone["p_value"] == pytest.approx(ref.pvalue, rel=1e-6)
    assert report.slices["excess_errors"].is_monotonic_decreasing


def test_corrections_bh_and_bonferroni():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    # Benjamini–Hochberg by hand: sorted .01 .03 .04 .5 → .04 .04 .0533 .5
    assert _bh(p).tolist() == pytest.approx([0.04, 0.05333333, 0.05333333, 0.5])
    frame = planted()
    bh = find_slices(frame, correction="bh")
    bonf = find_slices(frame, correction="bonferroni")
    merged = bh.slices.merge(bonf.slices, on="slice", suffixes=("_bh", "_bonf"))
    assert (merged["p_adjusted_bonf"] >= merged["p_adjusted_bh"] - 1e-12).all()
    assert merged["p_adjusted_bonf"].tolist() == pytest.approx(
        np.minimum(merged["p_value_bh"] * bonf.n_tested, 1).tolist()
    )


def test_min_size_columns_and_no_pairs():
    frame = planted()
    report = find_slices(frame, min_size=300, pairs=False, columns=["blur"])
    assert (report.slices["size"] >= 300).all()
    assert all(c == ["blur"] for c in report.slices["columns"])
    assert report.n_tested == 4  # quartile bins


def test_finds_the_planted_slice_in_100k_rows():
    """At scale the planted slice still comes first (the time is measured by
    bench/slices_scale.py, not asserted here)."""
    frame = planted(100_000, seed=1)
    frame["hour"] = np.arange(len(frame)) % 24
    frame["device"] = np.random.default_rng(2).choice(list("abcdefgh"), size=len(frame))
    report = find_slices(frame, n_bins=5)
    assert set(report.slices.iloc[0]["columns"]) == {"blur", "source"}


def test_bad_input():
    frame = planted(200)
    with pytest.raises(PredictionsError, match=r"column.*nope"):
        find_slices(frame, columns=["nope"])
    with pytest.raises(ConfigError, match="correction"):
        find_slices(frame, correction="holm")
    with pytest.raises(PredictionsError, match="no rows with split = 'test'"):
        find_slices(frame, split="test")
    with pytest.raises(PredictionsError, match="no metadata columns"):
        find_slices(frame[["id", "split", "label", "pred"]])
    reg = pd.DataFrame({"id": [1, 2], "split": "dev", "label": [1.0, 2.0], "pred": [1.5, 2.0]})
    with pytest.raises(PredictionsError, match=r"need classification.*rmse or mae"):
        find_slices(reg.assign(x=[1, 2]))


def test_cli_json_and_table(cli, tmp_path):
    path = tmp_path / "p.csv"
    planted().to_csv(path, index=False)
    result = cli("slices", "--predictions", path, "--json", "--top", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # --top sizes the printed table only: the JSON carries every slice tested
    assert len(data["slices"]) > 3 and data["correction"] == "bh"
    assert set(data["slices"][0]["columns"]) == {"blur", "source"}
    result = cli("slices", "--predictions", path)
    assert result.exit_code == 0 and "excess" in result.output
    result = cli("slices", "--predictions", path, "--correction", "holm")
    assert result.exit_code == 2 and "correction" in result.output


def test_html_display():
    html = find_slices(planted(300))._repr_html_()
    assert "<table" in html and "slices tested" in html


def test_features_table_joined_by_id(cli, tmp_path):
    frame = planted()
    feats = frame[["id", "blur"]].rename(columns={"blur": "sharpness"})
    preds = frame.drop(columns=["blur"])
    report = find_slices(preds, features=feats)
    assert set(report.slices.iloc[0]["columns"]) == {"sharpness", "source"}
    with pytest.raises(PredictionsError, match="'id' column"):
        find_slices(preds, features=feats.drop(columns="id"))
    with pytest.raises(PredictionsError, match="no id of the predictions"):
        find_slices(preds, features=feats.assign(id=feats["id"] + 10**6))
    preds.to_csv(tmp_path / "p.csv", index=False)
    feats.to_parquet(tmp_path / "f.parquet")
    result = cli("slices", "-p", tmp_path / "p.csv", "--features", tmp_path / "f.parquet", "--json")
    assert result.exit_code == 0, result.output
    assert "sharpness" in json.loads(result.output)["columns"]
