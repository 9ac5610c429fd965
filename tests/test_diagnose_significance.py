"""The principal-gap rule from 0.1% to 50% error: relative tolerance, simultaneous
intervals, the variance cross-check; each claim with a null case and an effect case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yearn.diagnose import diagnose, diagnose_predictions

LADDER = dict(n_train=200_000, n_train_dev=20_000, n_dev=20_000)


def test_low_error_ladder_names_bias_and_mismatch():
    d = diagnose(human="0.1%", train="0.9%", train_dev="1.0%", dev="1.8%", **LADDER)
    assert d.principal_name == ["avoidable_bias", "data_mismatch"]  # tie: the ladder's order
    assert d.tolerance == pytest.approx(0.0036)  # a fifth of the largest error
    assert "ranked by size" in d.verdict() and "start with the first" in d.verdict()


def test_low_error_ladder_without_mismatch_names_bias_only():
    d = diagnose(human="0.1%", train="0.9%", train_dev="1.0%", dev="1.0%", **LADDER)
    assert d.principal_name == "avoidable_bias"


def test_flat_low_error_ladder_names_nothing():
    d = diagnose(human="0.1%", train="0.1%", train_dev="0.11%", dev="0.12%", **LADDER)
    assert d.principal_name == "none"


def test_tolerance_is_one_point_from_five_percent_up_and_without_human_level():
    assert diagnose(human="10%", train="40%", dev="50%").tolerance == pytest.approx(0.01)
    assert diagnose(train="0.9%", dev="1.8%").tolerance == pytest.approx(0.01)


def test_high_error_ladder():
    d = diagnose(human="10%", train="30%", train_dev="31%", dev="50%", **LADDER)
    assert d.principal_name == ["avoidable_bias", "data_mismatch"]
    d = diagnose(human="45%", train="45.2%", train_dev="45.5%", dev="45.9%", **LADDER)
    assert d.principal_name == "none"


def test_gap_intervals_are_simultaneous():
    d = diagnose(
        human="1%", train="5%", train_dev="6%", dev="8%", n_train=1000, n_train_dev=1000, n_dev=1000
    )
    assert d.gap_confidence == pytest.approx(1 - 0.05 / 3)
    assert d.to_dict()["gap_confidence"] == pytest.approx(1 - 0.05 / 3)


# -- variance from few train-dev rows (issue 13's measured case) ----------------------------

FEW = dict(human="0.5%", train="1.62%", train_dev="2.73%", dev="1.70%", n_train=20_000, n_dev=5000)


def test_variance_from_a_thousand_train_dev_rows_is_not_named():
    d = diagnose(**FEW, n_train_dev=1000)
    assert "variance" not in d.principal
    assert any("variance is 1.11%" in c and "sampling noise" in c for c in d.caveats)


def test_variance_of_the_same_size_on_many_rows_is_named():
    d = diagnose(**FEW, n_train_dev=20_000)
    assert "variance" in d.principal


def test_dev_from_the_training_distribution_is_pooled_for_variance():
    d = diagnose(**FEW, n_train_dev=1000, dev_same_distribution=True)
    g = d.gaps["variance"]
    assert g.value == pytest.approx((0.0273 * 1000 + 0.017 * 5000) / 6000 - 0.0162)
    assert "train-dev and dev together" in g.note
    assert "variance" not in d.principal and "data_mismatch" not in d.principal
    # effect: a real variance gap seen by both held-out sets is still named
    d = diagnose(**{**FEW, "dev": "2.9%"}, n_train_dev=1000, dev_same_distribution=True)
    assert "variance" in d.principal


def _table(rng, sizes, errors, sources):
    rows = []
    for split, n in sizes.items():
        wrong = rng.random(n) < errors[split]
        label = rng.integers(0, 2, n)
        pred = np.where(wrong, 1 - label, label)
        rows.append(
            pd.DataFrame(
                {
                    "id": [f"{split}-{i}" for i in range(n)],
                    "split": split,
                    "label": np.where(label == 1, "a", "b"),
                    "pred": np.where(pred == 1, "a", "b"),
                    "source": sources[split],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_predictions_from_one_source_are_pooled_automatically():
    rng = np.random.default_rng(0)
    sizes = {"train": 8000, "train_dev": 800, "dev": 4000}
    errors = {"train": 0.05, "train_dev": 0.05, "dev": 0.05}
    one = _table(rng, sizes, errors, {"train": "web", "train_dev": "web", "dev": "web"})
    d = diagnose_predictions(one, task="binary")
    assert "together" in (d.gaps["variance"].note or "")
    two = one.assign(source=np.where(one["split"] == "dev", "phone", "web"))
    d = diagnose_predictions(two, task="binary")
    assert d.gaps["variance"].note is None
    d = diagnose_predictions(two, task="binary", dev_same_distribution=True)
    assert "together" in d.gaps["variance"].note


# -- false claims and power (a small version of bench/diagnose_calibration.py) ----------


@pytest.mark.parametrize("level", [0.003, 0.03, 0.3])
def test_gaps_under_half_the_tolerance_are_rarely_named(level):
    """Null: every true gap at half the tolerance → a gap is named in < 5% of ladders;
    effect: a true gap of three tolerances is named in most."""
    rng = np.random.default_rng(1)
    human = level
    tol = min(0.01, 0.2 * (level * 1.6))
    null = [level, level + tol / 2, level + tol]  # train, train-dev, dev
    tol_alt = min(0.01, 0.2 * (level + 3.5 * tol))
    alt = [level, level + tol / 2, level + tol / 2 + 3 * tol_alt]
    n = 20_000
    named = found = 0
    for _ in range(200):
        a, b, c = rng.binomial(n, null) / n
        named += (
            diagnose(
                human=human, train=a, train_dev=b, dev=c, n_train=n, n_train_dev=n, n_dev=n
            ).principal
            != ()
        )
        a, b, c = rng.binomial(n, alt) / n
        found += (
            "data_mismatch"
            in diagnose(
                human=human, train=a, train_dev=b, dev=c, n_train=n, n_train_dev=n, n_dev=n
            ).principal
        )
    assert named / 200 <= 0.05
    assert found / 200 >= 0.5


def test_low_errors_without_a_human_level_say_how_to_judge_them():
    d = diagnose(train="0.1%", train_dev="0.15%", dev="0.9%", **LADDER)
    assert d.principal_name == "none"
    assert any("give --human to judge them relative" in c for c in d.caveats)
    with_human = diagnose(human="0.05%", train="0.1%", train_dev="0.15%", dev="0.9%", **LADDER)
    assert with_human.principal_name == "data_mismatch"
    # null: errors of several points, or a tolerance given, get no such hint
    for d in (
        diagnose(train="8%", train_dev="8.2%", dev="8.5%", **LADDER),
        diagnose(train="0.1%", train_dev="0.15%", dev="0.9%", tolerance="1%", **LADDER),
    ):
        assert not any("give --human" in c for c in d.caveats)
