"""Drift statistics: no false alarms beyond alpha on no-drift windows, planted drift found,
ids and timestamps never reported, and the label-free accuracy interval's coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yearn.errors import ConfigError, DataError
from yearn.monitor import ConfidenceMap, Reference, monitor


def _table(rng, n, *, shift=0.0, reverse=False, start=0):
    p = np.array([0.45, 0.25, 0.15, 0.1, 0.05])
    return pd.DataFrame(
        {
            "id": np.arange(start, start + n),
            "a": rng.normal(size=n) + shift,
            "b": rng.exponential(size=n),
            "c": rng.integers(0, 4, size=n),  # few distinct values: one bin each
            "d": rng.normal(size=n) * 3 + 1,
            "colour": rng.choice(list("vwxyz"), n, p=p[::-1] if reverse else p),
            "city": rng.choice([f"c{i}" for i in range(60)], n),  # rare categories → (other)
        }
    )


@pytest.fixture(scope="module")
def reference():
    return Reference.build(_table(np.random.default_rng(0), 50_000))


def test_false_alarm_rate_at_most_alpha_over_100_windows(reference):
    rng = np.random.default_rng(1)
    current = _table(rng, 100 * 1000, start=10**7)  # fresh draws, no drift
    result = monitor(reference, current, window="1000rows", domain=False)
    assert len(result.windows) == 100
    alarms = sum(w.verdict != "ok" for w in result.windows)
    assert alarms <= 5
    # each column's p-value is roughly uniform under no drift (not all 1: not vacuous)
    p = result.drift_frame()["p_value"].to_numpy()
    assert 0.3 < np.median(p) < 0.7


def test_calibration_alone_is_at_alpha_not_far_below(reference):
    """Without the effect floor the thresholds alone give about alpha: within two binomial
    standard errors of 5% over 300 windows, and not vacuously low."""
    rng = np.random.default_rng(2)
    current = _table(rng, 300 * 1000, start=10**7)
    result = monitor(reference, current, window="1000rows", domain=False,
                     min_effect={"numeric": 0.0, "categorical": 0.0})  # fmt: skip
    rate = np.mean([w.verdict != "ok" for w in result.windows])
    assert 0.01 <= rate <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / 300)


def test_planted_drift_is_found_and_nothing_else(reference):
    rng = np.random.default_rng(3)
    current = _table(rng, 2000, shift=0.5, reverse=True, start=10**7)
    result = monitor(reference, current, window="1000rows")
    for w in result.windows:
        assert sorted(w.drifted_columns) == ["a", "colour"]
        assert w.verdict == "input drift"
        assert w.domain.drifted and w.domain.low > 0.5
    assert "id" in result.excluded and result.excluded["id"].startswith("id-like")


def test_domain_classifier_null_case(reference):
    rng = np.random.default_rng(4)
    current = _table(rng, 5000, start=10**7)
    result = monitor(reference, current, window="1000rows")
    assert not any(w.domain.drifted for w in result.windows)
    assert all(w.domain.low <= 0.5 + 1e-9 or w.domain.auc < 0.55 for w in result.windows)


def test_time_windows_and_timestamp_never_drift(reference):
    rng = np.random.default_rng(5)
    current = _table(rng, 3000, start=10**7)
    current["time"] = pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(
        np.arange(3000) * 60, unit="s"
    )
    result = monitor(reference, current, window="1d", domain=False)
    assert [w.n for w in result.windows] == [1440, 1440, 120]
    assert result.excluded["time"] == "timestamp"
    with pytest.raises(ConfigError, match="not understood"):
        monitor(reference, current, window="weekly")
    with pytest.raises(DataError, match="needs a timestamp"):
        monitor(reference, current.drop(columns="time"), window="1d")


def _logistic(rng, n, shift):
    x = rng.normal(size=(n, 2)) + np.array([shift, -0.5 * shift])
    p = 1 / (1 + np.exp(-(1.5 * x[:, 0] - x[:, 1])))
    y = rng.random(n) < p
    return x, p, y


def test_label_free_interval_covers_truth_under_covariate_shift():
    rng = np.random.default_rng(6)
    _, p_dev, y_dev = _logistic(rng, 3000, 0.0)
    conf_dev = np.maximum(p_dev, 1 - p_dev)
    cmap = ConfidenceMap.fit(conf_dev, (p_dev >= 0.5) == y_dev, random_state=0)
    covered = []
    for k, shift in enumerate(np.linspace(0.0, 2.0, 50)):
        _, p, y = _logistic(np.random.default_rng(100 + k), 2000, shift)
        est = cmap.estimate(np.maximum(p, 1 - p))
        truth = float(((p >= 0.5) == y).mean())
        covered.append(est.low <= truth <= est.high)
    assert np.mean(covered) >= 0.9


def test_concept_drift_is_named_only_when_labels_disagree():
    rng = np.random.default_rng(7)
    _, p_dev, y_dev = _logistic(rng, 3000, 0.0)
    cmap = ConfidenceMap.fit(np.maximum(p_dev, 1 - p_dev), (p_dev >= 0.5) == y_dev)
    _, p, y = _logistic(rng, 1000, 0.0)
    conf = np.maximum(p, 1 - p)
    assert cmap.concept_z(conf, (p >= 0.5) == y) > -2.33  # same concept: no claim
    flipped = y.copy()
    region = p > 0.7
    flipped[region] = ~flipped[region]
    assert cmap.concept_z(conf, (p >= 0.5) == flipped) < -2.33
