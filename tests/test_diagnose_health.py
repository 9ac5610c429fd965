"""Training health from a run's curves (name, split, step, value)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from yearn.diagnose import training_health
from yearn.errors import ConfigError, DataError


def _frame(train_loss, dev_error=None, train_error=None) -> pd.DataFrame:
    rows = [("loss", "train", e, v) for e, v in enumerate(train_loss)]
    rows += [("error", "dev", e, v) for e, v in enumerate(dev_error or [])]
    rows += [("error", "train", e, v) for e, v in enumerate(train_error or [])]
    return pd.DataFrame(rows, columns=["name", "split", "step", "value"])


def test_healthy_run_has_no_problems():
    loss = [1.0 / (e + 1) ** 0.5 for e in range(10)]
    dev = [0.5 - 0.03 * e for e in range(10)]
    h = training_health(_frame(loss, dev))
    assert h.healthy and h.best_epoch == 9 and h.monitored == "error"


def test_nan_loss_is_divergence():
    h = training_health(_frame([1.0, 0.8, float("nan"), float("nan")]))
    assert h.kinds == ("diverged",) and h.findings[0].epoch == 2
    assert "learning rate is too high" in h.findings[0].message


def test_exploding_loss_is_divergence():
    h = training_health(_frame([1.0, 0.5, 0.4, 2.0, 40.0, 900.0]))
    assert "diverged" in h.kinds and h.findings[0].epoch == 4 and not h.healthy


def test_flat_loss_is_too_slow():
    h = training_health(_frame([1.0, 0.999, 0.998, 0.997, 0.996, 0.995, 0.994]))
    assert h.kinds == ("too_slow",) and "learning rate may be too low" in h.findings[0].message


def test_plateau_after_learning():
    loss = [1.0, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]
    h = training_health(_frame(loss))
    assert h.kinds == ("plateaued",) and h.findings[0].epoch == 4 and h.healthy


def test_still_improving_says_train_longer():
    loss = [1.0 * 0.7**e for e in range(8)]
    assert training_health(_frame(loss)).kinds == ("still_improving",)


def test_overfitting_names_the_best_epoch():
    loss = [1.0 / (e + 1) for e in range(12)]
    dev = [0.3 - 0.03 * e for e in range(6)] + [0.15 + 0.02 * e for e in range(6)]
    h = training_health(_frame(loss, dev), n_dev=1000)
    assert "overfitting" in h.kinds and h.best_epoch == 5 and h.best_dev == pytest.approx(0.15)
    assert h.overfitting_epochs == (7, 8, 9, 10, 11)  # epoch 6 ties epoch 5
    f = next(f for f in h.findings if f.kind == "overfitting")
    assert "epoch 5" in f.message and f.problem


def test_a_dev_rise_of_two_examples_is_not_overfitting():
    """Issue 13: dev 0.119 → 0.123 on 496 examples (2 examples) is sampling noise."""
    loss = [1.0 / (e + 1) for e in range(10)]
    dev = [0.20, 0.16, 0.14, 0.13, 0.125, 0.121, 0.119, 0.121, 0.122, 0.123]
    h = training_health(_frame(loss, dev), n_dev=496)
    assert "overfitting" not in h.kinds and h.healthy
    f = next(f for f in h.findings if f.kind == "dev_rose")
    assert "2 of 496" in f.message and "includes zero" in f.message and not f.problem
    # effect: the same curve with a rise of 8 points on 496 examples is overfitting
    big = [*dev[:7], 0.15, 0.18, 0.20]
    h = training_health(_frame(loss, big), n_dev=496)
    f = next(f for f in h.findings if f.kind == "overfitting")
    assert f.problem and f.epoch == 6 and "40 of 496" in f.message


def test_a_dev_rise_without_a_dev_size_is_not_claimed():
    loss = [1.0 / (e + 1) for e in range(12)]
    dev = [0.3 - 0.03 * e for e in range(6)] + [0.15 + 0.02 * e for e in range(6)]
    h = training_health(_frame(loss, dev))
    assert "overfitting" not in h.kinds
    assert "dev size is unknown" in next(f for f in h.findings if f.kind == "dev_rose").message


def test_dev_rising_with_train_rising_is_not_overfitting():
    loss = [1.0, 0.5, 0.4, 0.5, 0.6, 0.7]
    dev = [0.5, 0.3, 0.2, 0.3, 0.4, 0.5]
    assert "overfitting" not in training_health(_frame(loss, dev, train_error=loss)).kinds


def test_baseline_check():
    loss = [1.0 / (e + 1) for e in range(6)]
    dev = [0.5, 0.45, 0.42, 0.41, 0.40, 0.40]
    assert "below_baseline" in training_health(_frame(loss, dev), baseline_error=0.35).kinds
    assert "below_baseline" not in training_health(_frame(loss, dev), baseline_error=0.45).kinds
    with pytest.raises(DataError, match="no 'error' values on split 'dev'"):
        training_health(_frame(loss), baseline_error=0.3, metric="error")


def test_to_dict_and_html():
    h = training_health(_frame([1.0, float("inf")]))
    d = h.to_dict()
    assert d["healthy"] is False and d["findings"][0]["kind"] == "diverged"
    page = h._repr_html_()
    assert "diverged" in page and "<table" in page and "<svg" in page


def test_bad_curves():
    with pytest.raises(DataError, match="lacks column"):
        training_health(pd.DataFrame({"name": ["loss"], "value": [1.0]}))
    with pytest.raises(DataError, match="must be a DataFrame"):
        training_health([1, 2, 3])
    with pytest.raises(DataError, match="no 'loss' values on split 'train'"):
        training_health(_frame([]).assign())
    with pytest.raises(ConfigError, match="window"):
        training_health(_frame([1.0, 0.5]), window=1)
    assert not math.isnan(training_health(_frame([1.0, 0.5, 0.4])).epochs)
