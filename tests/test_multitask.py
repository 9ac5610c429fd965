"""yearn.multitask: masked loss, per-task scores, joint vs separate, advisor, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

from yearn.errors import DataError
from yearn.multitask import (
    advise_multitask,
    average_precision,
    check_task_labels,
    compare_joint_separate,
    fit_multitask,
    mean_average_precision,
    task_scores,
)
from yearn.train import masked_bce

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _tasks(n: int, seed: int, missing: float = 0.3):
    """Three tasks that share two latent features of the inputs; some labels unknown."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    h1, h2 = x[:, 0] + x[:, 1], x[:, 2] - x[:, 3]
    y = np.column_stack([h1 > 0, h2 > 0, h1 + h2 > 0.5]).astype(np.float32)
    y[rng.random(y.shape) < missing] = np.nan
    return x, y


def _data(n_train=300, n_dev=300):
    return {"train": _tasks(n_train, 0), "dev": _tasks(n_dev, 1)}


def test_masked_loss_gives_missing_entries_zero_gradient():
    logits = torch.randn(5, 3, requires_grad=True)
    target = torch.tensor(
        [[1, 0, np.nan], [np.nan, np.nan, 1], [0, 1, 1], [np.nan, 0, 0], [1, np.nan, np.nan]],
        dtype=torch.float32,
    )
    masked_bce(logits, target).backward()
    missing = torch.isnan(target)
    assert torch.all(logits.grad[missing] == 0)
    assert torch.all(logits.grad[~missing] != 0)
    # the value: BCE summed over labelled entries, averaged over examples (course formula)
    logits = logits.detach()
    known = ~missing
    manual = (
        torch.nn.functional.binary_cross_entropy_with_logits(
            logits[known], target[known], reduction="sum"
        )
        / 5
    )
    assert float(masked_bce(logits, target)) == pytest.approx(float(manual))


def test_average_precision_matches_scikit_learn():
    rng = np.random.default_rng(0)
    for _ in range(50):
        y = rng.integers(0, 2, 40).astype(float)
        s = np.round(rng.random(40), 1)  # ties
        if y.min() == y.max():
            continue
        assert average_precision(y, s) == pytest.approx(average_precision_score(y, s))
    y = np.array([[1, 0], [np.nan, 1], [0, np.nan], [1, 1.0]])
    p = np.array([[0.9, 0.2], [0.1, 0.8], [0.3, 0.7], [0.6, 0.4]])
    expected = np.mean(
        [
            average_precision_score([1, 0, 1], [0.9, 0.3, 0.6]),
            average_precision_score([0, 1, 1], [0.2, 0.8, 0.4]),
        ]
    )
    assert mean_average_precision(y, p) == pytest.approx(expected)


def test_task_scores_count_labelled_entries_only():
    y = np.array([[1, np.nan], [0, np.nan], [1, 1], [np.nan, 0]])
    p = np.array([[0.9, 0.9], [0.6, 0.9], [0.8, 0.2], [0.1, 0.3]])
    first, second = task_scores(y, p, ("a", "b"), "dev")
    assert (first.n_labelled, first.n_missing, first.positives) == (3, 1, 2)
    assert first.error == pytest.approx(1 / 3)
    assert (second.n_labelled, second.error) == (2, 0.5)


def test_a_task_with_every_label_missing_is_refused():
    x, y = _tasks(50, 0)
    y[:, 1] = np.nan
    with pytest.raises(DataError, match="every label of task 'task1' is missing"):
        fit_multitask("mlp", {"train": (x, y)}, epochs=1)
    y[:, 1] = 1.0
    with pytest.raises(DataError, match="task 'task1' has only label 1"):
        check_task_labels(y, ("task0", "task1", "task2"), "the train split")


def test_fit_multitask_scores_every_task_and_diagnoses_each():
    result = fit_multitask("mlp", _data(), epochs=15, lr=0.01, width=32)
    assert result.tasks == ("task0", "task1", "task2")
    dev = [s for s in result.scores if s.split == "dev"]
    assert len(dev) == 3 and all(s.error < 0.25 for s in dev)
    assert 0.8 < result.map_by_split["dev"] <= 1.0
    assert set(result.diagnosis.tasks) == {"task0", "task1", "task2"}
    assert sum(s.n_missing for s in dev) > 0


def test_joint_vs_separate_per_task_and_overall_with_cis():
    result = compare_joint_separate(
        _data(), width=32, small_width=1, epochs=15, lr=0.01, n_resamples=300
    )
    assert [v.task for v in result.verdicts] == ["task0", "task1", "task2"]
    for v in [*result.verdicts, result.overall]:
        assert v.ci_low <= v.gain <= v.ci_high
    v = result.verdicts[0]
    assert v.gain == pytest.approx(v.separate - v.joint)
    assert result.overall.metric == "mAP"
    assert result.overall.gain == pytest.approx(result.overall.joint - result.overall.separate)
    # the one-unit joint network cannot serve three tasks: it underfits
    small = np.mean(list(result.train_error["joint-w1"].values()))
    assert small > np.mean(list(result.train_error["joint"].values()))
    table = result.table()
    assert list(table["task"]) == ["task0", "task1", "task2", "overall"]
    advice = advise_multitask(_data(), width=32, comparison=result, probe_epochs=5)
    names = [c.name for c in advice.checks]
    assert names == [
        "shared low-level features",
        "similar amounts of data per task",
        "network big enough",
    ]
    assert advice.checks[1].passed


def test_advisor_flags_unequal_amounts_of_data():
    x, y = _tasks(300, 0, missing=0.0)
    y[30:, 2] = np.nan  # task2: 30 labels vs 300
    advice = advise_multitask({"train": (x, y), "dev": _tasks(100, 1)}, probe_epochs=2)
    assert advice.checks[1].passed is False
    assert "similar amounts of data per task" in advice.verdict
    assert advice.checks[2].passed is None


@pytest.mark.parametrize("measured", ["joint", "separate", "none"])
def test_advisor_verdict_follows_a_measured_gain(measured):
    """A joint-vs-separate gain measured beyond chance decides the verdict, even when a
    predicting condition (here: unequal amounts of data) is not met; no gain, no claim."""
    from types import SimpleNamespace

    from yearn.multitask import TaskVerdict

    x, y = _tasks(300, 0, missing=0.0)
    y[30:, 2] = np.nan  # unequal amounts: a condition fails
    gain, low, high, p = {
        "joint": (0.16, 0.124, 0.193, 1e-6),
        "separate": (-0.05, -0.08, -0.02, 0.001),
        "none": (0.004, -0.02, 0.03, 0.6),
    }[measured]
    overall = TaskVerdict("overall", "mAP", 300, 0.6, 0.6 + gain, gain, low, high, p)
    comparison = SimpleNamespace(
        overall=overall,
        train_error={"joint": {"a": 0.1}, "separate": {"a": 0.1}},
        small_width=None,
    )
    data = {"train": (x, y), "dev": _tasks(100, 1)}
    advice = advise_multitask(data, comparison=comparison, probe_epochs=2)
    if measured == "joint":
        assert advice.likely_helps and "measured" in advice.verdict
        assert "similar amounts of data per task" in advice.verdict  # said, not hidden
    elif measured == "separate":
        assert not advice.likely_helps and "measured" in advice.verdict
    else:
        assert not advice.likely_helps and "no detectable difference" in advice.verdict
