"""The crossing statistics of yearn.e2e: null case (no claim), effect case (a crossing
with an interval around the true one), wording."""

from __future__ import annotations

import math

import numpy as np
import pytest

from yearn.e2e import crossing_of, curve_stats
from yearn.e2e._result import E2EResult, about

SIZES = [100, 200, 400, 800, 1600, 3200]


def _grid(err: np.ndarray, seeds: int, n_rows: int, rng: np.random.Generator) -> np.ndarray:
    """Per-row 0/1 losses (2, S, K, rows) with the given error rates per model and size."""
    e = np.broadcast_to(err[:, :, None, None], (2, len(SIZES), seeds, n_rows))
    return (rng.random(e.shape) < e).astype(float)


def _errors(losses: np.ndarray):
    def errors(rows):
        part = losses if rows is None else losses[..., rows]
        return part.mean(axis=-1)

    return errors


def test_crossing_of_interpolates_on_log_size():
    assert crossing_of([100, 400], np.array([-1.0, 1.0])) == pytest.approx(200.0)
    assert crossing_of([100, 400], np.array([1.0, 1.0])) == -math.inf
    assert crossing_of([100, 400], np.array([1.0, 0.0])) is None


def test_equal_models_claim_no_crossing():
    """Null case: both models have the same error at every size: no crossing is claimed
    in any of 20 independent replicates, and the verdict says no size differs."""
    claims, wins = 0, 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        err = np.tile(np.linspace(0.4, 0.1, len(SIZES)), (2, 1))
        losses = _grid(err, 3, 500, rng)
        stats = curve_stats(_errors(losses), SIZES, 500, n_resamples=200, random_state=seed)
        claims += stats.crossing is not None
        wins += sum(w != "tie" for w in stats.winners)
    assert claims == 0
    assert wins <= 3  # simultaneous 95% intervals: rare single-size calls, never a crossing


def test_null_verdict_words():
    rng = np.random.default_rng(0)
    err = np.tile(np.linspace(0.4, 0.1, len(SIZES)), (2, 1))
    stats = curve_stats(_errors(_grid(err, 3, 500, rng)), SIZES, 500, n_resamples=200)
    result = E2EResult("p", "error", "a", "b", 3200, 500, 3, stats)
    assert stats.winners == ("tie",) * len(SIZES)
    assert "no crossing claimed" in result.verdict
    assert result.choice == "either"


def test_a_real_crossing_is_found_with_its_interval():
    """Effect case: the pipeline is better below 800, end-to-end above (true crossing at
    800 on the log scale)."""
    rng = np.random.default_rng(1)
    pipeline = np.full(len(SIZES), 0.2)
    e2e = 0.2 + 0.15 * (np.log(800) - np.log(SIZES)) / np.log(8)
    losses = _grid(np.vstack([pipeline, e2e]), 3, 1500, rng)
    stats = curve_stats(_errors(losses), SIZES, 1500, n_resamples=300)
    assert stats.low_side == "pipeline"
    assert stats.winners[0] == "pipeline" and stats.winners[-1] == "end-to-end"
    assert stats.crossing_low <= 800 <= stats.crossing_high
    assert 400 < stats.crossing < 1600
    result = E2EResult("p", "error", "a", "b", 3200, 1500, 3, stats)
    assert result.verdict.startswith("up to about")
    assert "you have 3,200: go end-to-end" in result.verdict
    assert result.choice == "end-to-end"
    d = result.to_dict()
    assert len(d["curves"]) == len(SIZES) and d["crossing"]["small_size_winner"] == "pipeline"
    html = result._repr_html_()
    assert "<svg" in html and "you: 3,200" in html


def test_user_size_beyond_the_tested_sizes_is_not_judged():
    rng = np.random.default_rng(2)
    err = np.vstack([np.full(len(SIZES), 0.1), np.full(len(SIZES), 0.3)])
    stats = curve_stats(_errors(_grid(err, 2, 400, rng)), SIZES, 400, n_resamples=100)
    result = E2EResult("p", "error", "a", "b", 10_000, 400, 2, stats)
    assert result.choice == "not measured"
    assert "beyond the largest tested size" in result.verdict


def test_about_rounds_to_two_digits():
    assert about(1523) == "1,500" and about(87) == "87" and about(7120) == "7,100"


def test_alternating_wins_claim_no_crossing():
    from yearn.e2e._crossing import _claimed

    assert _claimed(["pipeline", "tie", "end-to-end"]) == ("pipeline", "end-to-end")
    assert _claimed(["end-to-end", "pipeline"]) == ("end-to-end", "pipeline")
    assert _claimed(["pipeline", "end-to-end", "pipeline"]) is None
    assert _claimed(["tie", "tie"]) is None and _claimed(["pipeline", "tie"]) is None


def _grouped_losses(rng: np.random.Generator, n_groups: int, size: int) -> np.ndarray:
    """Equal models, but each group's rows share their outcome (renders of one image)."""
    err = np.tile(np.linspace(0.4, 0.1, len(SIZES)), (2, 1))
    per_group = (rng.random((2, len(SIZES), 3, n_groups)) < err[:, :, None, None]).astype(float)
    return np.repeat(per_group, size, axis=-1)


def test_grouped_rows_are_resampled_by_group():
    """Null case with correlated rows: drawing rows as if independent calls sizes for one
    model by chance; drawing groups keeps the simultaneous calls rare."""
    row_wins, group_wins = 0, 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        losses = _grouped_losses(rng, 100, 8)
        groups = np.repeat(np.arange(100), 8)
        rows = curve_stats(_errors(losses), SIZES, 800, n_resamples=200, random_state=seed)
        grouped = curve_stats(
            _errors(losses), SIZES, 800, n_resamples=200, random_state=seed, groups=groups
        )
        row_wins += sum(w != "tie" for w in rows.winners)
        group_wins += sum(w != "tie" for w in grouped.winners)
    assert group_wins <= 3
    assert row_wins > 3 * max(group_wins, 1)


def test_groups_of_one_row_are_the_row_bootstrap():
    rng = np.random.default_rng(0)
    err = np.tile(np.linspace(0.4, 0.1, len(SIZES)), (2, 1))
    losses = _grid(err, 3, 300, rng)
    plain = curve_stats(_errors(losses), SIZES, 300, n_resamples=50, random_state=1)
    single = curve_stats(
        _errors(losses), SIZES, 300, n_resamples=50, random_state=1, groups=np.arange(300)
    )
    assert np.array_equal(plain.diff_low, single.diff_low)
    assert np.array_equal(plain.diff_high, single.diff_high)


def test_rows_without_a_group_are_groups_of_their_own():
    from yearn.e2e._crossing import group_members

    members = group_members(np.array(["a", "a", None, None, "b"], dtype=object), 5)
    assert sorted(len(m) for m in members) == [1, 1, 1, 2]
    assert group_members(np.array([None, None, "x"], dtype=object), 3) is None


def test_a_crossing_the_other_way_is_found_and_worded():
    """Effect case, mirrored: end-to-end better below 800, the pipeline above."""
    rng = np.random.default_rng(3)
    e2e = np.full(len(SIZES), 0.2)
    pipeline = 0.2 + 0.15 * (np.log(800) - np.log(SIZES)) / np.log(8)
    losses = _grid(np.vstack([pipeline, e2e]), 3, 1500, rng)
    stats = curve_stats(_errors(losses), SIZES, 1500, n_resamples=300)
    assert stats.low_side == "end-to-end"
    assert stats.winners[0] == "end-to-end" and stats.winners[-1] == "pipeline"
    assert stats.crossing_low <= 800 <= stats.crossing_high and 400 < stats.crossing < 1600
    result = E2EResult("p", "error", "a", "b", 3200, 1500, 3, stats)
    assert result.verdict.startswith("up to about")
    assert "end-to-end wins; from about" in result.verdict
    assert "the pipeline does" in result.verdict and "keep the pipeline" in result.verdict
    assert result.choice == "pipeline"


def test_one_side_better_everywhere_claims_no_crossing():
    """A real effect but no crossing: end-to-end better at every size by 0.1."""
    rng = np.random.default_rng(4)
    e2e = np.linspace(0.3, 0.1, len(SIZES))
    losses = _grid(np.vstack([e2e + 0.1, e2e]), 3, 1500, rng)
    stats = curve_stats(_errors(losses), SIZES, 1500, n_resamples=200)
    assert stats.winners == ("end-to-end",) * len(SIZES)
    assert stats.crossing is None and stats.low_side is None
    result = E2EResult("p", "error", "a", "b", 3200, 1500, 3, stats)
    assert "end-to-end wins at every tested size: no crossing claimed" in result.verdict
    assert result.choice == "end-to-end"


def test_crossing_interval_covers_the_true_crossing():
    """Over 12 independent replicates of a crossing at 800, the 95% interval holds it in
    at least 10 (a binomial 95% coverage misses 2 or more of 12 with chance 0.12)."""
    pipeline = np.full(len(SIZES), 0.2)
    e2e = 0.2 + 0.1 * (np.log(800) - np.log(SIZES)) / np.log(8)
    covered, claimed = 0, 0
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        losses = _grid(np.vstack([pipeline, e2e]), 3, 1500, rng)
        stats = curve_stats(_errors(losses), SIZES, 1500, n_resamples=200, random_state=seed)
        if stats.crossing is not None:
            claimed += 1
            covered += stats.crossing_low <= 800 <= stats.crossing_high
    assert claimed >= 10
    assert covered >= claimed - 2
