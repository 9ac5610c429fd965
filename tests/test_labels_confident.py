"""Confident learning against cleanlab's published behaviour and hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest

from yearn.errors import DataError
from yearn.labels import (
    confident_joint,
    confident_thresholds,
    find_label_issues,
    self_confidence,
)


def make(n=300, k=4, seed=7):
    rng = np.random.default_rng(seed)
    true = rng.integers(0, k, size=n)
    logits = rng.random((n, k)) * 2.0
    logits[np.arange(n), true] += 2.5
    p = np.exp(logits)
    p /= p.sum(1, keepdims=True)
    labels = true.copy()
    flip = rng.random(n) < 0.12
    labels[flip] = (true[flip] + rng.integers(1, k, size=flip.sum())) % k
    return labels, p, np.flatnonzero(flip)


# Reference: cleanlab 2.9.0 on make() (bench/.envs/cleanlab):
# find_label_issues(labels, p, filter_by="prune_by_noise_rate",
#                   return_indices_ranked_by="self_confidence")
CLEANLAB_ISSUES = [189, 191, 159, 256, 238, 49, 133, 102, 78, 120, 103, 175, 113]
CLEANLAB_ISSUES += [130, 2, 179, 9, 81, 209, 152, 170, 37, 288, 281, 117, 198]
CLEANLAB_JOINT = [[63, 2, 5, 3], [0, 58, 2, 3], [3, 4, 74, 1], [1, 3, 2, 76]]
CLEANLAB_JOINT_RAW = [[50, 2, 4, 2], [0, 38, 1, 2], [2, 3, 56, 1], [1, 2, 1, 54]]


def test_matches_cleanlab_reference():
    labels, p, flipped = make()
    assert confident_joint(labels, p, calibrate=False).tolist() == CLEANLAB_JOINT_RAW
    assert confident_joint(labels, p).tolist() == CLEANLAB_JOINT
    issues = find_label_issues(labels, p)
    assert issues.tolist() == CLEANLAB_ISSUES
    assert len(np.intersect1d(issues, flipped)) / len(issues) > 0.8


def test_thresholds_and_self_confidence_by_hand():
    labels = np.array([0, 0, 1, 1])
    p = np.array([[0.9, 0.1], [0.7, 0.3], [0.4, 0.6], [0.2, 0.8]])
    assert confident_thresholds(labels, p).tolist() == pytest.approx([0.8, 0.7])
    assert self_confidence(labels, p).tolist() == pytest.approx([0.9, 0.7, 0.6, 0.8])


def test_obvious_flip_is_found_and_ranked_first():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 30)
    p = np.full((90, 3), 0.05)
    p[np.arange(90), labels] = 0.9
    p += rng.random((90, 3)) * 0.01
    p /= p.sum(1, keepdims=True)
    labels = labels.copy()
    labels[[3, 40]] = [1, 2]  # confidently class 0 and class 1, labelled otherwise
    issues = find_label_issues(labels, p)
    assert set(issues.tolist()) == {3, 40}


def test_clean_labels_give_no_issues():
    labels = np.repeat([0, 1], 20)
    p = np.where(labels[:, None] == np.arange(2), 0.8, 0.2)
    assert find_label_issues(labels, p).size == 0


@pytest.mark.parametrize(
    ("labels", "probs", "match"),
    [
        ([0, 1], [[0.5, 0.6], [0.5, 0.5]], "sum to 1.1000"),
        ([0, 1], [[np.nan, 1], [0.5, 0.5]], "NaN"),
        ([0, 2], [[0.5, 0.5], [0.5, 0.5]], "outside"),
        ([0.0, 1.0], [[0.5, 0.5], [0.5, 0.5]], "class indices"),
        ([0], [[0.5, 0.5], [0.5, 0.5]], "one entry per row"),
        ([], np.zeros((0, 2)), "empty"),
        ([0, 1], [0.5, 0.5], "2-D"),
    ],
)
def test_bad_inputs(labels, probs, match):
    with pytest.raises(DataError, match=match):
        find_label_issues(np.asarray(labels), np.asarray(probs, dtype=float))
