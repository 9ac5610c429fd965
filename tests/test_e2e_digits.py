"""The digits demo through the CLI with the built-in pipeline (background subtracted, HOG
+ profiles, RBF SVM) and the CNN's default recipe (30 epochs but at least 1,500 steps,
cosine schedule, shift+color augmentation): the verdict at the user's size agrees with a
direct measurement at that size (a fresh seed), and a crossing is claimed only when the
two sizes have different winners."""

from __future__ import annotations

import json

import pandas as pd

#: web images kept: the train split becomes ~1,060 images (60% of them phone photos);
#: every CNN fit takes >= 1,500 steps whatever its size, so fewer rows save little
WEB_ROWS = 500


def test_digits_verdict_matches_a_direct_measurement(tmp_path, cli):
    from yearn.e2e import compare_e2e

    root = tmp_path / "digits"
    made = cli("demo", "--dir", root, "--no-run")
    assert made.exit_code == 0, made.output
    manifest = root / "data" / "web" / "manifest.csv"
    pd.read_csv(manifest).head(WEB_ROWS).to_csv(manifest, index=False)
    assert cli("split", "--project", root).exit_code == 0
    result = cli(
        "e2e-compare", "--project", root, "--sizes", "100,all", "--seeds", "2",
        "--resamples", "200", "--workers", "2", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    small, user = out["curves"]
    assert user["size"] == out["n_train"]
    fits = [p for p in out["points"] if p["model"] == "end-to-end"]
    assert {p["epochs"] for p in fits if p["size"] == 100} == {375}  # 1,500 steps of 32
    assert "RBF SVM" in out["pipeline"] and "background subtracted" in out["pipeline"]
    crossing = out["crossing"]
    if crossing["size"] is not None:  # claimed: one side at 100 images, the other at all
        assert {small["winner"], user["winner"]} == {"pipeline", "end-to-end"}
        assert small["size"] < crossing["size"] < user["size"]
    else:
        assert "no crossing claimed" in out["verdict"] or "more than once" in out["verdict"]
    advice = {"pipeline": "keep the pipeline", "end-to-end": "go end-to-end"}
    choice = {"pipeline": "pipeline", "end-to-end": "end-to-end", "tie": "either"}
    assert out["choice"] == choice[user["winner"]]
    assert advice.get(user["winner"], "not measurably different") in out["verdict"]
    # direct measurement at the user's size with a seed the curves did not use (the
    # second size, 10 images, is the cheapest the command takes)
    direct = compare_e2e(root, sizes=[10, "all"], seeds=1, n_resamples=20, random_state=7)
    at = {p["model"]: p["dev_error"] for p in direct.points if p["size"] == out["n_train"]}
    gap = at["pipeline"] - at["end-to-end"]  # positive: end-to-end better
    if user["winner"] == "end-to-end":
        assert gap > 0, at
    elif user["winner"] == "pipeline":
        assert gap < 0, at
    else:  # not measurably different: the direct gap lies inside the interval
        assert user["difference_low"] <= gap <= user["difference_high"], (at, user)
