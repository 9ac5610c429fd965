"""The profile's small statistics against their references (scikit-learn, scipy)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage
from scipy.stats.contingency import association
from sklearn.metrics import r2_score, roc_auc_score

from yearn.profile._phash import average_hash, hamming_pairs, phash
from yearn.profile._stats import auc_ci, binned_auc, cramers_v, single_feature_score


def test_binned_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(0)
    bins = rng.integers(0, 12, 3000)
    y = (rng.random(3000) < 0.2 + 0.05 * bins).astype(int)
    scores = rng.random(12).round(1)  # some bins share a score: ties
    pos = np.bincount(bins, weights=y, minlength=12)
    neg = np.bincount(bins, weights=1 - y, minlength=12)
    assert binned_auc(scores, pos, neg) == pytest.approx(roc_auc_score(y, scores[bins]))


def test_single_feature_score_binary_and_regression():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 8, 4000)
    fit, hold = np.arange(2000), np.arange(2000, 4000)
    y = (rng.random(4000) < codes / 8).astype(np.int64)
    auc = single_feature_score(codes, 8, y, "binary", 2, fit, hold, smoothing=0.0)
    rates = np.bincount(codes[fit], weights=y[fit], minlength=8) / np.bincount(codes[fit])
    assert auc == pytest.approx(roc_auc_score(y[hold], rates[codes[hold]]))
    yr = codes * 0.5 + rng.normal(size=4000)
    r2 = single_feature_score(codes, 8, yr, "regression", 1, fit, hold, smoothing=0.0)
    means = np.bincount(codes[fit], weights=yr[fit], minlength=8) / np.bincount(codes[fit])
    assert r2 == pytest.approx(r2_score(yr[hold], means[codes[hold]]))


def test_single_feature_score_multiclass_is_macro_ovr_auc():
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 6, 3000)
    y = np.where(rng.random(3000) < 0.6, codes % 3, rng.integers(0, 3, 3000))
    fit, hold = np.arange(1500), np.arange(1500, 3000)
    got = single_feature_score(codes, 6, y, "multiclass", 3, fit, hold, smoothing=0.0)
    joint = np.zeros((6, 3))
    np.add.at(joint, (codes[fit], y[fit]), 1)
    proba = joint / joint.sum(axis=1, keepdims=True)
    want = roc_auc_score(y[hold], proba[codes[hold]], multi_class="ovr", average="macro")
    assert got == pytest.approx(want)


def test_auc_ci_hanley_mcneil():
    low, high = auc_ci(0.8, 100, 100)
    # Hanley & McNeil (1982) by hand: Q1 = 0.8/1.2, Q2 = 2*0.64/1.8,
    # var = (0.16 + 99 (Q1 - 0.64) + 99 (Q2 - 0.64)) / 100**2 = 9.84e-4 -> SE 0.03137
    assert (high - low) / (2 * 1.96) == pytest.approx(0.03137, abs=1e-4)
    assert math.isnan(auc_ci(0.7, 0, 10)[0])


def test_cramers_v_matches_scipy():
    table = np.array([[30, 10, 5], [10, 25, 20]])
    assert cramers_v(table) == pytest.approx(association(table, method="cramer"))
    assert cramers_v(np.array([[5, 5]])) == 0.0


def test_phash_finds_near_duplicates_not_different_images():
    rng = np.random.default_rng(3)
    smooth = ndimage.gaussian_filter(rng.random((64, 64)), 4)
    other = ndimage.gaussian_filter(rng.random((64, 64)), 4)
    noisy = smooth + rng.normal(scale=smooth.std() * 0.05, size=smooth.shape)
    hashes = np.array([phash(smooth), phash(noisy), phash(other)], dtype=np.uint64)
    i, j, _d = hamming_pairs(hashes, 6)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1)]
    assert average_hash(smooth) == average_hash(smooth.copy())
