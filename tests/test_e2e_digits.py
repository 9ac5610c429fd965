"""The digits demo: the two curves cross inside the tested range, and the verdict at the
user's size agrees with a direct measurement at that size (fresh seeds)."""

from __future__ import annotations

import json

import pandas as pd


def test_digits_curves_cross_and_the_verdict_matches_a_direct_measurement(tmp_path, cli):
    from yearn.e2e import compare_e2e

    root = tmp_path / "digits"
    made = cli("demo", "--dir", root, "--no-run")
    assert made.exit_code == 0, made.output
    # a smaller web source keeps the test quick (the train split becomes ~1,900 images)
    manifest = root / "data" / "web" / "manifest.csv"
    pd.read_csv(manifest).head(1500).to_csv(manifest, index=False)
    assert cli("split", "--project", root).exit_code == 0
    result = cli(
        "e2e-compare", "--project", root, "--sizes", "100,all", "--seeds", "2",
        "--epochs", "5", "--resamples", "200", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    sizes = [r["size"] for r in out["curves"]]
    assert sizes[-1] == out["n_train"]
    crossing = out["crossing"]["size"]
    assert crossing is not None and sizes[0] < crossing < sizes[-1]
    assert out["crossing"]["small_size_winner"] == "pipeline"
    assert out["choice"] == "end-to-end" and "go end-to-end" in out["verdict"]
    # direct measurement at the user's size with seeds the curves did not use
    direct = compare_e2e(
        root, sizes=[100, "all"], seeds=1, settings={"epochs": 5}, n_resamples=20,
        random_state=7,
    )  # fmt: skip
    at_user = {p["model"]: p["dev_error"] for p in direct.points if p["size"] == out["n_train"]}
    assert at_user["end-to-end"] < at_user["pipeline"]
