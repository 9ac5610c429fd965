"""Property tests: the metrics agree with scikit-learn, A-vs-B is antisymmetric, the planner
is monotone and its inverse is consistent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn import metrics as skm

from yearn.compare import compare_predictions, detectable_gain, mcnemar_exact, required_dev_size
from yearn.metrics import get_metric

FAST = settings(max_examples=40, deadline=None)

labels = st.integers(2, 4).flatmap(
    lambda k: st.lists(
        st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), min_size=2, max_size=60
    )
)


@FAST
@given(labels)
def test_label_metrics_match_sklearn(pairs) -> None:
    y, p = np.array(pairs).T
    assert get_metric("error").score(y, p) == pytest.approx(1 - skm.accuracy_score(y, p))
    for avg in ("macro", "micro"):
        assert get_metric(f"f1_{avg}").score(y, p) == pytest.approx(
            skm.f1_score(y, p, average=avg, zero_division=0.0)
        )


@FAST
@given(st.integers(0, 300), st.integers(0, 300), st.booleans())
def test_mcnemar_symmetric_and_matches_binomtest(b, c, mid_p) -> None:
    one = mcnemar_exact(table=((10, b), (c, 10)), mid_p=mid_p)
    other = mcnemar_exact(table=((10, c), (b, 10)), mid_p=mid_p)
    assert one.p_value == pytest.approx(other.p_value)
    assert 0.0 <= one.p_value <= 1.0
    if not mid_p and b + c:
        assert one.p_value == pytest.approx(stats.binomtest(min(b, c), b + c).pvalue, rel=1e-9)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_compare_is_antisymmetric(seed) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 200))
    y = rng.integers(0, 2, n)
    a = pd.DataFrame({"id": range(n), "split": "dev", "label": y, "pred": rng.integers(0, 2, n)})
    b = a.assign(pred=np.where(rng.random(n) < 0.3, 1 - y, y))
    ab = compare_predictions(a, b, n_resamples=200)
    ba = compare_predictions(b, a, n_resamples=200)
    assert ab.improvement == pytest.approx(-ba.improvement)
    assert ab.p_value == pytest.approx(ba.p_value)
    assert ab.ci_low <= ab.improvement <= ab.ci_high
    assert (ab.better is None) == (ba.better is None)


@FAST
@given(
    st.floats(0.02, 0.5),
    st.floats(0.05, 0.9),
    st.floats(0.5, 0.95),
    st.booleans(),
)
def test_planner_monotone_and_inverse(error, share, power, paired) -> None:
    gain = error * share
    n = required_dev_size(error, gain, power=power, paired=paired).n
    assert required_dev_size(error, gain * 0.9, power=power, paired=paired).n >= n
    assert required_dev_size(error, gain, power=min(power + 0.04, 0.99), paired=paired).n >= n
    back = detectable_gain(max(n, 2), error, power=power, paired=paired).gain
    assert back <= gain * (1 + 1e-6)
