"""No forecast gives a negative error; no interval of a rate leaves [0, 1] (issue 13)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from yearn.diagnose import learning_curve
from yearn.metrics import get_metric
from yearn.splits import evaluate


class _Scheduled(ClassifierMixin, BaseEstimator):
    """Right on every dev row except a share that falls with the training size: the
    label is X[:, 0]; rows with X[:, 1] below ``rate(n)`` are answered wrong."""

    def __init__(self, drop: float = 1.0):
        self.drop = drop

    def fit(self, X, y):
        self.n_ = len(X)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        share = 0.0 if self.n_ >= 400 else 0.5 * (40 / self.n_) ** self.drop
        wrong = X[:, 1] < share
        return np.where(wrong, 1 - X[:, 0], X[:, 0]).astype(int)


def _data(n, rng):
    label = rng.integers(0, 2, n)
    return np.column_stack([label, rng.random(n)]), label


def test_a_forecast_never_goes_below_zero_error():
    rng = np.random.default_rng(0)
    X, y = _data(400, rng)
    Xd, yd = _data(2000, rng)
    lc = learning_curve(_Scheduled(), X, y, Xd, yd, fractions=(0.1, 0.2, 0.5, 0.9, 1.0))
    assert lc.dev_errors[-1] == 0.0 and lc.dev_errors[0] > 0.3
    assert lc.predicted_dev_at_double >= 0.0
    assert lc.doubling_gain <= lc.dev_errors[-1] and lc.gain_ci[1] <= lc.dev_errors[-1]
    assert "to about 0.00%" in lc.verdict


def test_an_ordinary_forecast_is_unchanged():
    rng = np.random.default_rng(1)
    X, y = _data(400, rng)
    Xd, yd = _data(2000, rng)
    lc = learning_curve(_Scheduled(drop=0.3), X[:300], y[:300], Xd, yd, fractions=(0.2, 0.5, 1))
    assert lc.predicted_dev_at_double == lc.dev_errors[-1] - lc.doubling_gain > 0


def test_metric_boundedness():
    assert get_metric("error").bounded and get_metric("1-f1").bounded
    assert not get_metric("rmse").bounded and not get_metric("log_loss").bounded


def test_cv_interval_of_an_error_stays_in_zero_one():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    y = (x[:, 0] > 0).astype(int)
    x[:, 0] += np.where(y == 1, 1.0, -1.0)  # a wide margin
    y_easy = y.copy()
    y_easy[0] = 1 - y_easy[0]  # one wrong label: one fold has an error, the others none
    res = evaluate(LogisticRegression(), x, y_easy, "kfold", "error")
    assert min(res.scores) == 0.0 and max(res.scores) > 0
    assert res.ci_low == 0.0 and res.ci_high <= 1.0
    assert any("clipped" in n for n in res.notes)
    # null: a noisy problem's interval never reaches zero and is left alone
    y2 = (x[:, 0] + rng.normal(0, 1.5, 300) > 0).astype(int)
    res = evaluate(LogisticRegression(), x, y2, "kfold", "error")
    assert res.ci_low > 0 and not any("clipped" in n for n in res.notes)
