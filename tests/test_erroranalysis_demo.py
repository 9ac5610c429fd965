"""Done-when, on the embedded digits demo: blurry is the top error category, the planted
wrong labels are found, and the top slice is the blurry one — through the CLI."""

from __future__ import annotations

import json

import pandas as pd

from tests._demo_predictions import demo_predictions
from yearn.erroranalysis import load_worksheet, sample_errors, summarize
from yearn.labels import label_issues
from yearn.slices import find_slices

RULES = (
    "blur > 1.2 -> blurry",
    "contrast < 0.4 -> low contrast",
    "rotation > 15 -> rotated",
    "rotation < -15 -> rotated",
    "noise > 0.09 -> noisy",
)


def test_worksheet_with_suggestions_puts_blurry_on_top(cli, tmp_path):
    demo = demo_predictions()
    out = tmp_path / "worksheet.csv"
    args = ["errors", "sample", "-p", demo.path, "--n", "100", "--out", out]
    args += [x for r in RULES for x in ("--rule", r)] + ["--accept-suggestions"]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    sheet = load_worksheet(out, demo.path)
    frame = demo.frame[demo.frame["split"] == "dev"]
    pred = frame[[c for c in frame if c.startswith("proba:")]].to_numpy().argmax(axis=1)
    assert len(sheet) == min(100, int((pred != frame["label"].to_numpy()).sum()))
    assert sheet.frame["preview"].str.startswith("data:image/png;base64,").all()
    result = cli("errors", "summary", out, "-p", demo.path, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    tags = [t["tag"] for t in summary["tags"]]
    assert tags[0] == "blurry", tags
    assert "possibly mislabeled" in tags
    top = summary["tags"][0]
    assert top["ceiling_error"] < summary["error"]
    assert top["ceiling_ci"][0] <= top["ceiling_error"] <= top["ceiling_ci"][1]


def test_planted_wrong_labels_are_found():
    demo = demo_predictions()
    frame = demo.frame
    held_out = set(frame.loc[frame["split"].isin(["dev", "test"]), "id"])
    planted = demo.mislabeled & held_out
    result = label_issues(demo.path)
    flagged = set(result.ids)
    found = flagged & planted
    base_rate = len(planted) / len(held_out)
    assert len(found) / len(planted) >= 0.6  # recall
    assert len(found) / len(flagged) >= 4 * base_rate  # far above chance
    # every planted label that the model gets right-for-the-true-digit is near the top
    top = set(result.issues["id"].head(len(planted)))
    assert len(top & planted) / len(planted) >= 0.35
    assert result.dev_error_from_labels > 0 and result.share_of_error is not None


def test_top_slice_is_the_blurry_one(cli):
    demo = demo_predictions()
    report = find_slices(demo.path, split="dev")
    top = report.slices.iloc[0]
    assert top["columns"][0] in ("blur", "contrast"), report.top(5)
    assert top["error_rate"] > 1.3 * report.overall_error
    result = cli("slices", "-p", demo.path, "--json", "--top", "3")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["slices"][0]["slice"] == top["slice"]


def test_python_api_on_every_dev_error(tmp_path):
    demo = demo_predictions()
    sheet = sample_errors(demo.path, n=10_000).suggest(list(RULES))  # all errors: no sampling
    sheet.accept_suggestions()
    summary = summarize(sheet, demo.path)
    assert summary.top == "blurry"
    assert summary.n_sampled_errors == summary.n_errors
    top = summary.tags[0]
    assert top.ceiling_low == top.ceiling_error == top.ceiling_high  # exact: nothing sampled
    assert isinstance(summary.to_frame(), pd.DataFrame)
