"""The digits demo through the CLI: the pipeline wins at small sizes, the end-to-end
curve closes the gap as data grows, and the verdict at the user's size agrees with a
direct measurement at that size (fresh seeds)."""

from __future__ import annotations

import json

import pandas as pd


def test_digits_verdict_matches_a_direct_measurement(tmp_path, cli):
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
    small, user = out["curves"]
    assert user["size"] == out["n_train"]
    assert small["winner"] == "pipeline"  # hand-designed features win with 100 images
    # the end-to-end curve falls faster: the gap closes as data grows
    assert small["end_to_end"] - user["end_to_end"] > small["pipeline"] - user["pipeline"]
    if out["crossing"]["size"] is not None:
        assert small["size"] < out["crossing"]["size"] < user["size"]
    # direct measurement at the user's size with seeds the curves did not use
    direct = compare_e2e(
        root, sizes=[100, "all"], seeds=1, settings={"epochs": 5}, n_resamples=20,
        random_state=7,
    )  # fmt: skip
    at = {p["model"]: p["dev_error"] for p in direct.points if p["size"] == out["n_train"]}
    measured = at["pipeline"] - at["end-to-end"]
    if out["choice"] == "end-to-end":
        assert measured > 0 and "go end-to-end" in out["verdict"]
    elif out["choice"] == "pipeline":
        assert measured < 0 and "keep the pipeline" in out["verdict"]
    else:
        assert out["choice"] == "either" and "not measurably different" in out["verdict"]
        assert user["difference_low"] <= measured <= user["difference_high"]
