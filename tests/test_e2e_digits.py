"""The digits demo through the CLI with the CNN's default recipe (30 epochs but at least
1,500 steps, cosine schedule, shift+color augmentation): the verdict at the user's size
agrees with a direct measurement at that size (a fresh seed), and a crossing is claimed
only when the pipeline wins at the small size.

On this demo the trained-as-far CNN wins from 30 images up (docs/e2e.md): the curves do
not cross, and the tool says so."""

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
    assert user["winner"] == "end-to-end", user  # the CNN wins with all the images
    assert out["choice"] == "end-to-end" and "go end-to-end" in out["verdict"]
    crossing = out["crossing"]
    if small["winner"] == "pipeline":
        assert small["size"] < crossing["size"] < user["size"]
    else:
        assert crossing["size"] is None and "no crossing claimed" in out["verdict"]
    # direct measurement at the user's size with a seed the curves did not use (the
    # second size, 10 images, is the cheapest the command takes)
    direct = compare_e2e(root, sizes=[10, "all"], seeds=1, n_resamples=20, random_state=7)
    at = {p["model"]: p["dev_error"] for p in direct.points if p["size"] == out["n_train"]}
    assert at["pipeline"] - at["end-to-end"] > 0, at  # end-to-end is better there too
