"""yearn tune --confirm-seeds: the default and the winner retrained with K seeds each and
compared on their seed-averaged confirm error (a claim about configs, not one trained model
of each): null and effect cases, seed luck that fools one model each, and the CLI/JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from yearn.compare import mcnemar_exact
from yearn.tune import seed_averaged_test, tune

from ._tune_project import make_tune_project

STRONG_SPACE = """
[tune.space]
lr = {low = 0.05, high = 0.2, log = true}
optimizer = "adam"
batch_size = 32
width = [16, 32]
"""
WEAK = {"optimizer": "sgd", "lr": 1e-4, "momentum": 0.0}


def _model(labels: np.ndarray, error_rate: float, rng: np.random.Generator) -> pd.DataFrame:
    """One trained model's predictions: wrong on a random ``error_rate`` share of rows."""
    wrong = rng.random(labels.size) < error_rate
    pred = np.where(wrong, np.where(labels == "yes", "no", "yes"), labels)
    ids = np.arange(labels.size)
    return pd.DataFrame({"id": ids, "split": "dev", "label": labels, "pred": pred})


def test_seed_luck_fools_one_model_each_but_not_the_seed_average():
    # two configs with the same seed distribution: a seed gives a good model (4% error) or
    # a bad one (20%); seed 0 is bad for A and good for B, but each has 2 bad of 5 seeds
    rng = np.random.default_rng(3)
    labels = np.where(rng.random(600) < 0.5, "yes", "no")
    rates_a, rates_b = [0.2, 0.04, 0.2, 0.04, 0.04], [0.04, 0.2, 0.04, 0.2, 0.04]
    a = [_model(labels, r, rng) for r in rates_a]
    b = [_model(labels, r, rng) for r in rates_b]
    right = [(t["pred"] == t["label"]).to_numpy() for t in (a[0], b[0])]
    one_each = mcnemar_exact(right[1], right[0])  # what --confirm-seeds 1 tests
    assert one_each.p_value < 1e-6  # B's seed-0 model "beats" A's by far: seed luck
    averaged = seed_averaged_test(a, b, "error", random_state=0)
    assert averaged.p_value > 0.05 and averaged.ci_low < 0 < averaged.ci_high
    assert "over rows and seeds of the 5-seed mean" in averaged.test
    mean_a = np.mean([(t["pred"] != t["label"]).mean() for t in a])
    mean_b = np.mean([(t["pred"] != t["label"]).mean() for t in b])
    assert abs(averaged.difference - (mean_b - mean_a)) < 1e-12  # the seed-averaged errors


def test_seed_test_null_and_effect_and_groups():
    rng = np.random.default_rng(5)
    labels = np.where(rng.random(800) < 0.5, "yes", "no")
    same = [_model(labels, 0.1, rng) for _ in range(6)]  # one config, six seeds
    null = seed_averaged_test(same[:3], same[3:], "error", random_state=0)
    assert null.p_value > 0.05 and null.ci_low < 0 < null.ci_high
    better = [_model(labels, 0.03, rng) for _ in range(3)]
    effect = seed_averaged_test(same[:3], better, "error", random_state=0)
    assert effect.p_value < 0.05 and effect.ci_high < 0
    groups = np.repeat(np.arange(200), 4)  # four rows per group: whole groups resampled
    grouped = seed_averaged_test(same[:3], better, "error", groups=groups, random_state=0)
    assert "over groups and seeds" in grouped.test and grouped.difference == effect.difference
    f1 = seed_averaged_test(same[:3], better, "f1", random_state=0, n_resamples=200)
    assert f1.ci_high < 0 and "over rows and seeds" in f1.test  # 1 - F1, averaged over seeds


def test_guard_makes_no_claim_on_noise_at_any_number_of_seeds(tmp_path):
    root = make_tune_project(tmp_path / "p", n=400, signal=False)
    for k in (1, 2, 3):
        g = tune(root, "mlp", trials=3, study=f"null{k}", confirm_seeds=k).guard
        assert not g.beats_default, g.summary
        if g.winner != "default" and k > 1:
            assert g.seeds == k and [len(v) for v in g.per_seed.values()] == [k, k]
            assert "no claim that it beats the default" in g.summary


def test_guard_with_seeds_claims_a_clearly_weak_default_and_reports_each_seed(cli, tmp_path):
    root = make_tune_project(tmp_path / "p", n=400, space=STRONG_SPACE)
    result = tune(root, "mlp", trials=3, study="effect", default_params=WEAK, confirm_seeds=3)
    g = result.guard
    assert g.winner != "default" and g.seeds == 3 and g.seed_values == [0, 1, 2]
    assert set(g.per_seed) == {"default", g.winner}
    assert all(len(v) == 3 for v in g.per_seed.values())
    for name, values in g.per_seed.items():  # confirm holds the mean over the seeds
        assert abs(g.confirm[name] - float(np.mean(values))) < 1e-12
    assert g.beats_default and g.ci_high < 0 and "the tuned config beats the default" in g.summary
    assert "each config trained with 3 seeds and averaged" in g.summary
    assert "over rows and seeds of the 3-seed mean" in g.test
    line = g.seed_line
    assert line.startswith("error on the confirm half per seed (0, 1, 2): default ")
    assert line in result.summary_lines()
    out = cli("tune", "--project", str(root), "--trials", "1", "--study", "c", "--json",
              "--confirm-seeds", "2")  # fmt: skip
    assert out.exit_code == 0, out.output
    guard = json.loads(out.output)["guard"]
    assert (
        guard["seeds"] in (1, 2)
        and guard["seed_values"][: guard["seeds"]] == [0, 1][: guard["seeds"]]
    )
    if guard["winner"] != "default":
        assert all(len(v) == 2 for v in guard["per_seed"].values())
    bad = cli("tune", "--project", str(root), "--trials", "1", "--confirm-seeds", "0")
    assert bad.exit_code == 2 and "--confirm-seeds must be a positive integer" in bad.output


def test_guard_on_f1_resamples_rows_without_duplicate_ids(tmp_path):
    # a bootstrap draws a row twice; the guard renumbers ids so F1 is defined on a resample
    # (before, every resample failed as "id appears twice" and the guard raised)
    root = make_tune_project(tmp_path / "p", n=400, space=STRONG_SPACE)
    toml = (root / "yearn.toml").read_text(encoding="utf-8")
    (root / "yearn.toml").write_text(toml + '\n[metric]\noptimizing = "f1"\n', encoding="utf-8")
    for k in (1, 2):
        g = tune(root, "mlp", trials=2, study=f"f1-{k}", default_params=WEAK, confirm_seeds=k).guard
        assert "f1" in g.metric and g.winner != "default"
        assert np.isfinite(g.ci_low) and g.ci_low <= g.difference <= g.ci_high
        assert g.test == (
            "paired bootstrap"
            if k == 1
            else "paired bootstrap over rows and seeds of the 2-seed mean"
        )
