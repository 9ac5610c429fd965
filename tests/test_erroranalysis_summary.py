"""Ceilings against hand-computed values; summaries, overlaps, rules and suggestions."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from yearn.erroranalysis import Worksheet, ceiling, parse_rule, sample_errors, summarize
from yearn.errors import ConfigError, DataError
from yearn.predictions import write_predictions


def test_ceiling_course_example_by_hand():
    # 10,000 dev examples, 1,000 errors (10%), 100 sampled, 43 tagged
    c, lo, hi = ceiling(43, 100, 1000, 10_000)
    assert c == pytest.approx(0.1 * (1 - 0.43))  # 5.7%
    # Wilson interval of p = 0.43 at n_eff = 100 * 999 / 900 = 111.0 (finite population)
    z, n_eff, p = 1.959963984540054, 100 * 999 / 900, 0.43
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff**2)) / (1 + z * z / n_eff)
    assert lo == pytest.approx(0.1 * (1 - (centre + half)))
    assert hi == pytest.approx(0.1 * (1 - (centre - half)))
    assert 0.047 < lo < 0.057 < hi < 0.067  # about [4.7%, 6.6%]


def test_ceiling_interval_matches_scipy_wilson_without_finite_population():
    ci = binomtest(43, 100).proportion_ci(confidence_level=0.95, method="wilson")
    _, lo, hi = ceiling(43, 100, 10**9, 10**10)
    assert lo == pytest.approx(0.1 * (1 - ci.high), rel=1e-6)
    assert hi == pytest.approx(0.1 * (1 - ci.low), rel=1e-6)


def test_ceiling_exact_when_every_error_was_sampled():
    assert ceiling(5, 20, 20, 200) == pytest.approx((0.075, 0.075, 0.075))
    with pytest.raises(DataError):
        ceiling(5, 4, 20, 200)


def _tagged(tmp_path):
    # 100 dev rows, 20 errors; worksheet with the 20 errors and 3 correct rows
    n = 100
    label = np.array(["cat"] * n, dtype=object)
    pred = label.copy()
    pred[:20] = "dog"
    frame = pd.DataFrame(
        {
            "id": [f"i{k}" for k in range(n)],
            "split": "dev",
            "label": label,
            "pred": pred,
            "blur": np.linspace(0, 1, n),
        }
    )
    path = write_predictions(frame, tmp_path / "p.csv")
    sheet = sample_errors(path, n=100, n_correct=3)
    tags = {f"i{k}": ["blurry"] for k in range(10)}
    for k in range(5, 8):
        tags[f"i{k}"] = ["blurry", "great cat"]
    for k in range(12, 14):
        tags[f"i{k}"] = ["great cat"]
    for ident, t in tags.items():
        sheet.set_tags(ident, t)
    for ident in sheet.frame.loc[sheet.frame["correct"], "id"]:
        sheet.set_tags(ident, ["blurry"])  # correct rows are not counted
    return sheet, path


def test_summary_counts_shares_overlaps_and_ranking(tmp_path):
    sheet, path = _tagged(tmp_path)
    s = summarize(sheet, path)
    assert s.n_sampled_errors == 20 and s.n_errors == 20 and s.n_examples == 100
    assert [t.tag for t in s.tags] == ["blurry", "great cat"]
    blurry, cat = s.tags
    assert (blurry.count, blurry.share) == (10, 0.5)
    assert (cat.count, cat.share) == (5, 0.25)
    assert blurry.ceiling_error == pytest.approx(0.10)  # 20% x (1 - 0.5), all errors sampled
    assert cat.ceiling_error == pytest.approx(0.15)
    assert s.overlaps == [{"tags": ["blurry", "great cat"], "count": 3, "share": 0.15}]
    assert s.n_untagged == 8
    assert "from 20.0% to at best 10.0%" in s.sentence(blurry)
    assert "<table>" in s._repr_html_()


def test_cli_summary_json(cli, tmp_path):
    sheet, path = _tagged(tmp_path)
    ws = sheet.save(tmp_path / "ws.csv")
    result = cli("errors", "summary", ws, "--predictions", path, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    top = out["tags"][0]
    assert top["tag"] == "blurry" and top["count"] == 10 and top["share"] == 0.5
    assert top["ceiling_error"] == pytest.approx(0.1) and len(top["ceiling_ci"]) == 2
    result = cli("errors", "summary", ws, "--predictions", path)
    assert result.exit_code == 0 and "blurry" in result.output


def test_summary_rejects_worksheets_of_another_table(cli, tmp_path):
    sheet, path = _tagged(tmp_path)
    ws = sheet.save(tmp_path / "ws.csv")
    other = pd.read_csv(path).assign(id=lambda f: "z" + f["id"])
    other_path = write_predictions(other, tmp_path / "other.csv")
    result = cli("errors", "summary", ws, "--predictions", other_path)
    assert result.exit_code == 2 and "not in the predictions table" in result.output
    empty = Worksheet(sheet.frame[sheet.frame["correct"]].reset_index(drop=True))
    with pytest.raises(DataError, match="no misclassified"):
        summarize(empty, path)


def test_rules_parse_and_apply():
    frame = pd.DataFrame(
        {"blur": [0.1, 0.7, np.nan, 0.9], "source": ["web", "phone", "phone", "web"]}
    )
    assert parse_rule("blur > 0.5 -> blurry").mask(frame).tolist() == [False, True, False, True]
    rule = parse_rule("blur >= 0.5 and source == phone → blurry phone")
    assert rule.tag == "blurry phone" and rule.mask(frame).tolist() == [False, True, False, False]
    assert parse_rule("source != 'web' -> p").mask(frame).tolist() == [False, True, True, False]
    for bad in ("blur > 0.5", "blur >> 1 -> x", "-> x", "blur > 1 -> a, b"):
        with pytest.raises((ConfigError, DataError)):
            parse_rule(bad)
    with pytest.raises(DataError, match="column 'sharp'"):
        parse_rule("sharp > 1 -> x").mask(frame)
    with pytest.raises(ConfigError, match="only support == and !="):
        parse_rule("source > web -> x").mask(frame)


def test_suggestions_stay_apart_until_accepted(tmp_path):
    sheet, _ = _tagged(tmp_path)
    first = sheet.ids[0]
    before = sheet.tags(first)
    sheet.suggest(["blur > 0.05 -> blurry", "blur < 0.05 -> sharp"], mislabeled_ids=[first])
    row = sheet.frame.set_index("id").loc[first]
    assert row["suggested_tags"] == "sharp; possibly mislabeled"
    assert sheet.tags(first) == before
    sheet.accept_suggestions()
    assert sheet.tags(first) == [*before, "sharp", "possibly mislabeled"]
