"""A vs B comparison (McNemar, paired bootstrap) and the dev-set size planner."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from yearn.compare import (
    compare_predictions,
    detectable_gain,
    mcnemar_exact,
    paired_bootstrap,
    required_dev_size,
)
from yearn.errors import ConfigError, DataError, PredictionsError

# -- McNemar ----------------------------------------------------------------------------


def test_mcnemar_hand_computed_table() -> None:
    # A right / B wrong = 1, A wrong / B right = 9: two-sided p = 2 * P(X <= 1), X ~ Bin(10, 1/2)
    # = 2 * (1 + 10) / 1024 = 22 / 1024
    res = mcnemar_exact(table=((80, 1), (9, 10)))
    assert (res.only_a, res.only_b, res.both_right, res.both_wrong) == (1, 9, 80, 10)
    assert res.p_value == pytest.approx(22 / 1024, abs=1e-15)
    assert res.p_value == pytest.approx(stats.binomtest(1, 10, 0.5).pvalue)
    # mid-p: 2 * (P(X < 1) + P(X = 1) / 2) = 2 * (1 + 5) / 1024
    assert mcnemar_exact(table=((80, 1), (9, 10)), mid_p=True).p_value == pytest.approx(12 / 1024)


def test_mcnemar_arrays_equal_table() -> None:
    a = np.array([1] * 80 + [1] * 1 + [0] * 9 + [0] * 10, dtype=bool)
    b = np.array([1] * 80 + [0] * 1 + [1] * 9 + [0] * 10, dtype=bool)
    res = mcnemar_exact(a, b)
    assert (res.only_a, res.only_b) == (1, 9)
    assert res.p_value == pytest.approx(22 / 1024)


@pytest.mark.parametrize(("b", "c"), [(0, 0), (3, 3), (0, 7), (12, 30), (51, 40), (200, 260)])
def test_mcnemar_matches_scipy_binomtest(b, c) -> None:
    res = mcnemar_exact(table=((5, b), (c, 5)))
    expected = 1.0 if b + c == 0 else stats.binomtest(min(b, c), b + c, 0.5).pvalue
    assert res.p_value == pytest.approx(expected, rel=1e-9)


def test_mcnemar_bad_input() -> None:
    with pytest.raises(DataError, match="non-negative integer"):
        mcnemar_exact(table=((1, -2), (3, 4)))
    with pytest.raises(DataError, match="one length"):
        mcnemar_exact([True, False], [True])


# -- bootstrap ---------------------------------------------------------------------------


def test_paired_bootstrap_reproducible_and_sane() -> None:
    rng = np.random.default_rng(3)
    a = rng.random(500) < 0.8
    b = rng.random(500) < 0.9
    res = paired_bootstrap(lambda i: a[i].mean(), lambda i: b[i].mean(), 500, random_state=7)
    again = paired_bootstrap(lambda i: a[i].mean(), lambda i: b[i].mean(), 500, random_state=7)
    assert res == again
    assert res.difference == pytest.approx(b.mean() - a.mean())
    assert res.ci_low < res.difference < res.ci_high
    # the bootstrap CI of a difference of means is close to the normal-theory one
    se = math.sqrt((a.astype(float) - b).var() / 500)
    assert res.ci_high - res.ci_low == pytest.approx(2 * 1.96 * se, rel=0.15)
    assert res.p_value < 0.01
    with pytest.raises(ConfigError, match="n_resamples"):
        paired_bootstrap(lambda i: 0.0, lambda i: 0.0, 10, n_resamples=5)


def test_binary_bootstrap_matches_resampling_examples() -> None:
    from yearn.compare import paired_bootstrap_binary

    rng = np.random.default_rng(11)
    a = rng.random(800) < 0.85
    b = np.where(rng.random(800) < 0.5, a, rng.random(800) < 0.9)
    fast = paired_bootstrap_binary(a, b, n_resamples=4000, random_state=1)
    slow = paired_bootstrap(
        lambda i: a[i].mean(), lambda i: b[i].mean(), 800, n_resamples=4000, random_state=1
    )
    assert fast.difference == pytest.approx(slow.difference)
    assert fast.ci_low == pytest.approx(slow.ci_low, abs=0.004)
    assert fast.ci_high == pytest.approx(slow.ci_high, abs=0.004)
    assert fast.p_value == pytest.approx(slow.p_value, abs=0.03)
    big = paired_bootstrap_binary(np.ones(10**6, bool), np.ones(10**6, bool))  # instant for any n
    assert (big.difference, big.ci_low, big.ci_high, big.p_value) == (0.0, 0.0, 0.0, 1.0)


# -- compare_predictions ------------------------------------------------------------------


def _pair(n=3000, err_a=0.20, err_b=0.15, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    pa = np.where(rng.random(n) < err_a, (y + 1) % 3, y)
    pb = np.where(rng.random(n) < err_b, (y + 2) % 3, y)
    ids = [f"ex{i}" for i in range(n)]
    a = pd.DataFrame({"id": ids, "split": "dev", "label": y, "pred": pa})
    b = pd.DataFrame({"id": ids, "split": "dev", "label": y, "pred": pb})
    return a, b


def test_compare_files_verdict_and_mcnemar(tmp_path) -> None:
    a, b = _pair()
    a.to_parquet(tmp_path / "a.parquet")
    b.sample(frac=1.0, random_state=1).to_csv(tmp_path / "b.csv", index=False)  # other order
    res = compare_predictions(tmp_path / "a.parquet", tmp_path / "b.csv")
    assert (res.name_a, res.name_b, res.split, res.metric, res.n) == (
        "a",
        "b",
        "dev",
        "error",
        3000,
    )
    err_a = float((a.label != a.pred).mean())
    err_b = float((b.label != b.pred).mean())
    assert res.value_a == pytest.approx(err_a) and res.value_b == pytest.approx(err_b)
    assert res.improvement == pytest.approx(err_a - err_b)
    only_a = int(((a.label == a.pred) & (b.label != b.pred)).sum())
    only_b = int(((a.label != a.pred) & (b.label == b.pred)).sum())
    assert (res.mcnemar.only_a, res.mcnemar.only_b) == (only_a, only_b)
    assert res.p_value == pytest.approx(stats.binomtest(only_a, only_a + only_b).pvalue)
    assert res.test == "mcnemar_exact" and res.better == "b"
    pts = (err_a - err_b) * 100
    assert res.verdict.startswith(f"b is better by {pts:.2g} points, 95% CI [")
    assert res.ci_low < res.improvement < res.ci_high
    assert "<table" in res._repr_html_() and "<svg" in res._repr_html_()
    assert res.to_dict()["mcnemar"]["only_a"] == only_a


def test_compare_no_detectable_difference_and_seed() -> None:
    a, b = _pair(n=400, err_a=0.20, err_b=0.20, seed=5)
    res = compare_predictions(a, b, random_state=1)
    assert res.better is None
    assert res.verdict.startswith("no detectable difference on dev (n = 400)")
    same = compare_predictions(a, b, random_state=1)
    other = compare_predictions(a, b, random_state=2)
    assert (same.ci_low, same.ci_high) == (res.ci_low, res.ci_high)
    assert (other.ci_low, other.ci_high) != (res.ci_low, res.ci_high)


def test_compare_any_metric_by_bootstrap_and_proba() -> None:
    rng = np.random.default_rng(2)
    n = 1500
    y = rng.integers(0, 2, n)
    pa = np.clip(0.5 + (y - 0.5) * 0.2 + rng.normal(0, 0.25, n), 0.01, 0.99)
    pb = np.clip(0.5 + (y - 0.5) * 0.6 + rng.normal(0, 0.25, n), 0.01, 0.99)
    a = pd.DataFrame({"id": range(n), "split": "dev", "label": y, "proba:0": 1 - pa, "proba:1": pa})
    b = a.assign(**{"proba:0": 1 - pb, "proba:1": pb})
    res = compare_predictions(a, b, metric="roc_auc", n_resamples=500)
    assert res.test == "paired_bootstrap" and res.better == "B"
    assert res.mcnemar is not None  # right/wrong counts reported for any classification metric
    f1 = compare_predictions(a, b, metric="f1", n_resamples=500)
    assert f1.better == "B" and f1.value_b > f1.value_a


def test_compare_regression_rmse() -> None:
    rng = np.random.default_rng(4)
    y = rng.normal(size=800)
    a = pd.DataFrame(
        {"id": range(800), "split": "dev", "label": y, "pred": y + rng.normal(0, 1, 800)}
    )
    b = a.assign(pred=y + rng.normal(0, 0.5, 800))
    res = compare_predictions(a, b, metric="rmse", n_resamples=500)
    assert res.better == "B" and res.mcnemar is None
    assert res.improvement == pytest.approx(res.value_a - res.value_b)
    assert "B is better by" in res.verdict and "points" not in res.verdict


def test_compare_split_selection_and_models() -> None:
    a, b = _pair(n=200)
    both = pd.concat([a.assign(model="m1"), b.assign(model="m2")])
    res = compare_predictions(both, both, model_a="m1", model_b="m2")
    assert (res.name_a, res.name_b) == ("m1", "m2")
    with pytest.raises(PredictionsError, match="holds 2 models"):
        compare_predictions(both, b)
    two = pd.concat([a, a.assign(id=a.id + "_t", split="test")])
    no_dev = two.assign(split=two.split.replace("dev", "train"))
    with pytest.raises(PredictionsError, match="share the splits train, test"):
        compare_predictions(no_dev, no_dev)
    assert compare_predictions(two, two.assign(pred=two.label)).split == "dev"
    assert compare_predictions(two, two, split="test").n == 200


def test_compare_different_ids_is_a_clear_error() -> None:
    a, b = _pair(n=100)
    b = b.iloc[5:].copy()
    b.loc[b.index[:2], "id"] = ["new1", "new2"]
    with pytest.raises(
        PredictionsError, match=r"7 ids only in A \(e.g. ex0, ex1, ex2\), 2 ids only in B"
    ):
        compare_predictions(a, b)


def test_compare_bad_inputs(tmp_path) -> None:
    a, b = _pair(n=100)
    with pytest.raises(PredictionsError, match="disagree on the true label of"):
        compare_predictions(a, b.assign(label=(b.label + 1) % 3))
    with pytest.raises(ConfigError, match="unknown metric 'f9'"):
        compare_predictions(a, b, metric="f9")
    with pytest.raises(ConfigError, match="'rmse' applies to regression"):
        compare_predictions(a, b, metric="rmse", task="multiclass")
    with pytest.raises(PredictionsError, match="file not found"):
        compare_predictions(tmp_path / "missing.parquet", b)
    with pytest.raises(PredictionsError, match="no rows with split = 'test'"):
        compare_predictions(a, b, split="test")


# -- planner ------------------------------------------------------------------------------

Z975, Z80, Z90 = 1.959963984540054, 0.8416212335729143, 1.2815515655446004


def test_planner_matches_normal_approximation_by_hand() -> None:
    # 10% error, detect 0.1 point (10.0% -> 9.9%), power 0.8, alpha 0.05 (two-sided)
    p1, p2 = 0.10, 0.099
    by_hand = (Z975 + Z80) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / 0.001**2
    plan = required_dev_size(0.10, 0.001, power=0.8, alpha=0.05)
    assert plan.n == math.ceil(by_hand) == 1_406_512
    assert "1,406,512 examples" in plan.summary
    # 1-point gain at 90% power
    by_hand = (Z975 + Z90) ** 2 * (0.10 * 0.90 + 0.09 * 0.91) / 0.01**2
    assert required_dev_size(0.10, 0.01, power=0.9).n == math.ceil(by_hand)


def test_planner_paired_by_hand_and_inverse() -> None:
    psi, gain = 0.02, 0.001
    by_hand = (Z975 * math.sqrt(psi) + Z80 * math.sqrt(psi - gain**2)) ** 2 / gain**2
    plan = required_dev_size(0.10, gain, paired=True, discordance=psi)
    assert plan.n == math.ceil(by_hand)
    assert plan.n < required_dev_size(0.10, gain).n  # correlated models need fewer examples
    back = detectable_gain(plan.n, 0.10, paired=True, discordance=psi)
    assert back.gain == pytest.approx(gain, rel=1e-3)
    g = detectable_gain(10_000, 0.10)
    assert required_dev_size(0.10, g.gain).n == pytest.approx(10_000, abs=1)
    assert "smallest error drop" in g.summary


def test_planner_bad_input() -> None:
    with pytest.raises(ConfigError, match=r"gain must be <= 0\.1"):
        required_dev_size(0.10, 0.2)
    with pytest.raises(ConfigError, match="power must be < 1"):
        required_dev_size(0.10, 0.01, power=1.0)
    with pytest.raises(ConfigError, match="error must be > 0"):
        required_dev_size(0.0, 0.01)
    with pytest.raises(ConfigError, match="discordance must exceed the gain"):
        required_dev_size(0.10, 0.01, paired=True, discordance=0.005)
    with pytest.raises(ConfigError, match="cannot detect even"):
        detectable_gain(5, 0.01)
    with pytest.raises(ConfigError, match="n must be an integer"):
        detectable_gain(1.5, 0.1)


def test_compare_multilabel_map_with_unknown_labels() -> None:
    rng = np.random.default_rng(9)
    n = 600
    y = (rng.random((n, 2)) < 0.4).astype(float)
    y[::7, 0] = np.nan
    clean = np.nan_to_num(y)
    pa = np.clip(0.5 + (clean - 0.5) * 0.2 + rng.normal(0, 0.2, (n, 2)), 0, 1)
    pb = np.clip(0.5 + (clean - 0.5) * 0.8 + rng.normal(0, 0.2, (n, 2)), 0, 1)
    frame = {"id": range(n), "split": "dev", "label:cat": y[:, 0], "label:dog": y[:, 1]}
    a = pd.DataFrame({**frame, "proba:cat": pa[:, 0], "proba:dog": pa[:, 1]})
    b = pd.DataFrame({**frame, "proba:cat": pb[:, 0], "proba:dog": pb[:, 1]})
    res = compare_predictions(a, b, metric="map", n_resamples=120)
    assert res.better == "B" and res.mcnemar is None and res.test == "paired_bootstrap"
    err = compare_predictions(a, b, n_resamples=120)  # error: wrong decisions on known labels
    assert err.better == "B" and err.test == "paired_bootstrap"
    with pytest.raises(ConfigError, match="'f1_macro' applies to binary / multiclass"):
        compare_predictions(a, b, metric="f1_macro")
    with pytest.raises(PredictionsError, match="multilabel table but B"):
        compare_predictions(a, pd.DataFrame({"id": range(n), "split": "dev", "label": 1.0,
                                             "pred": 1.0}), metric="map")  # fmt: skip


def test_compare_labels_written_as_floats_in_one_table() -> None:
    a, b = _pair(n=300)
    b = b.assign(label=b.label.astype(float), pred=b.pred.astype(float))  # 1.0 is class 1
    res = compare_predictions(a, b)
    assert res.value_b == pytest.approx(float((b.label != b.pred).mean()))
    assert res.mcnemar.only_a + res.mcnemar.only_b > 0


@pytest.mark.parametrize("k", [2, 3])
def test_weighted_auc_resampler_matches_the_metric(k) -> None:
    from yearn.compare._fast import auc_resampler
    from yearn.metrics import get_metric

    rng = np.random.default_rng(k)
    n = 300
    y = rng.integers(0, k, n)
    raw = np.round(rng.random((n, k)), 1) + np.eye(k)[y] * 0.3  # rounded: many ties
    proba = raw / raw.sum(axis=1, keepdims=True)
    m = get_metric("roc_auc")
    d = m.prepare(y, proba=proba)
    fast = auc_resampler(d)
    for seed in range(5):
        idx = np.random.default_rng(seed).integers(0, n, n)
        assert fast(idx) == pytest.approx(m.compute(d.take(idx)), abs=1e-12)
    assert fast(np.arange(n)) == pytest.approx(m.compute(d))


def test_dev_size_plan_curve_and_display() -> None:
    plan = required_dev_size(0.10, 0.02)
    curve = plan.curve()
    sizes, gains = [n for n, _ in curve], [g for _, g in curve]
    assert sizes == sorted(sizes) and sizes[0] < plan.n < sizes[-1]
    assert all(a > b for a, b in itertools.pairwise(gains))  # more data, finer gain
    for n, g in curve[::6]:  # each point is the planner's own inverse
        assert required_dev_size(0.10, g).n == pytest.approx(n, abs=1)
    page = plan._repr_html_()
    assert "<table" in page and "<svg" in page and f"{plan.n:,}" in page
