"""Checking a split made elsewhere: ``check_split`` and ``yearn split --check``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.errors import DataError
from yearn.splits import four_way_split
from yearn.splits.audit import check_split


def _predictions(n: int = 1_200, *, leak: bool = True, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    source = np.where(np.arange(n) < 800, "web", "phone")
    split = np.where(
        source == "web",
        np.where(rng.random(n) < 0.1, "train_dev", "train"),
        rng.choice(["train", "dev", "test"], n, p=[0.5, 0.25, 0.25]),
    )
    if leak:
        split[5] = "dev"  # one web example leaked into dev
    label = rng.choice(["cat", "dog"], n)
    wrong = rng.random(n) < 0.15
    pred = np.where(wrong, np.where(label == "cat", "dog", "cat"), label)
    p_cat = np.where(pred == "cat", 0.8, 0.2)
    blur = np.where(split == "test", rng.uniform(0.3, 1, n), rng.uniform(0, 1, n))
    return pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(n)],
            "split": split,
            "label": label,
            "pred": pred,
            "proba:cat": p_cat,
            "proba:dog": 1 - p_cat,
            "source": source,
            "user": [f"u{i % 300}" for i in range(n)],
            "blur": blur.round(3),
        }
    )


def test_check_split_finds_leaks_overlap_and_shift():
    table = _predictions()
    report = check_split(
        table, target="phone", group_column="user", metadata_columns=["blur"], min_gain=0.05
    )
    assert not report.ok and not report.dev_test_from_target
    assert report.sources["dev"]["web"] == 1
    assert report.group_overlap > 0 and "u0" in report.overlapping_groups
    verdict = {t.column: t.ok for t in report.distribution}
    assert verdict == {"label": True, "blur": False}
    assert any("dev holds examples that are not from the target" in w for w in report.warnings)
    assert any("dev and test differ on 'blur'" in w for w in report.warnings)


def test_a_yearn_split_passes_its_own_check():
    rng = np.random.default_rng(0)
    ids = np.arange(1_000)
    sources = np.array(["web"] * 600 + ["phone"] * 400, dtype=object)
    groups = np.array([f"{s}{i // 4}" for i, s in enumerate(sources)], dtype=object)
    labels = rng.choice(["a", "b"], 1_000)
    m = four_way_split(ids, sources, target="phone", groups=groups, labels=labels)
    table = m.table.assign(label=labels)
    report = check_split(table, target="phone", group_column="group", expected_error=None)
    assert report.ok and report.group_overlap == 0
    assert report.sizes == m.sizes and report.balance == m.report.balance


def test_check_split_without_sources_says_what_it_could_not_check():
    table = _predictions().drop(columns=["source"])
    report = check_split(table)
    assert any("not checked" in n for n in report.notes)
    assert report.group_overlap == 0


def test_check_split_bad_tables():
    table = _predictions()
    with pytest.raises(DataError, match="no 'split' column"):
        check_split(table.drop(columns=["split"]))
    with pytest.raises(DataError, match="split 'validation' is not one of"):
        check_split(table.assign(split="validation"))
    with pytest.raises(DataError, match="no row has source = 'car'"):
        check_split(table, target="car")
    with pytest.raises(DataError, match="group_column 'speaker'"):
        check_split(table, group_column="speaker")
    with pytest.raises(DataError, match="metadata column 'snr'"):
        check_split(table, metadata_columns=["snr"])


def test_split_check_command_reads_a_predictions_table(cli, tmp_path):
    path = tmp_path / "preds.csv"
    _predictions().to_csv(path, index=False)
    result = cli(
        "split",
        "--check",
        path,
        "--target",
        "phone",
        "--group-column",
        "user",
        "--metadata",
        "blur",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] is False and data["dev_test_from_target"] is False
    # the precision check uses the dev error measured in the table
    dev = next(p for p in data["precision"] if p["split"] == "dev")
    table = _predictions()
    in_dev = table["split"] == "dev"
    measured = float((table.loc[in_dev, "pred"] != table.loc[in_dev, "label"]).mean())
    assert dev["expected_error"] == pytest.approx(measured)
    text = cli("split", "--check", path, "--target", "phone").output
    assert "dev holds examples that are not from the target" in " ".join(text.split())
    bad = tmp_path / "bad.csv"
    _predictions().drop(columns=["label"]).to_csv(bad, index=False)
    assert cli("split", "--check", bad).exit_code == 2
    assert cli("split", "--check", tmp_path / "missing.csv").exit_code == 2
