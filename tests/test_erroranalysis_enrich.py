"""Suggested tags must be enriched among errors: the top quarter of a metadata column holds
a quarter of the errors by construction, which is no finding."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from yearn.erroranalysis import enriched_rules


def _table(n: int, effect: bool, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    blur = rng.uniform(0, 1, n)
    noise = rng.uniform(0, 1, n)
    p_wrong = np.where(blur > 0.75, 0.45, 0.08) if effect else np.full(n, 0.15)
    wrong = rng.random(n) < p_wrong
    label = rng.choice(["a", "b"], n)
    pred = np.where(wrong, np.where(label == "a", "b", "a"), label)
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "split": "dev",
            "label": label,
            "pred": pred,
            "blur": blur,
            "noise": noise,
        }
    )


def test_no_effect_no_suggestion():
    for seed in range(5):
        tested = enriched_rules(_table(800, effect=False, seed=seed))
        assert len(tested) == 4  # top and bottom quarter of blur and noise
        assert not any(t.enriched for t in tested)
        top = next(t for t in tested if t.rule.endswith("high blur"))
        assert 0.1 < top.share_of_errors < 0.4  # about a quarter, by construction


def test_errors_concentrated_in_a_range_are_suggested():
    tested = enriched_rules(_table(800, effect=True))
    enriched = [t for t in tested if t.enriched]
    assert [t.rule.split(" -> ")[1] for t in enriched] == ["high blur"]
    t = enriched[0]
    assert t.share_of_errors > 0.5 > t.share_of_correct and t.p_value < 0.05 / t.tried
    assert "of dev errors vs" in t.describe()


def test_cli_auto_rules(cli, tmp_path):
    table = tmp_path / "preds.csv"
    _table(800, effect=True).to_csv(table, index=False)
    r = cli(
        "errors", "sample", "-p", table, "--auto-rules", "--out", tmp_path / "w.csv", "--json",
        "--no-label-issues",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert "high blur" in out["suggested"] and "high noise" not in out["suggested"]
    assert len(out["rules_tested"]) == 4 and sum(t["enriched"] for t in out["rules_tested"]) == 1
