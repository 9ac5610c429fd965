"""Diagnosis intervals that count groups, not rows, when rows of a group share errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.diagnose import diagnose_predictions, diagnose_source
from yearn.diagnose._intervals import design_effect, group_codes
from yearn.errors import ConfigError, PredictionsError
from yearn.predictions import write_predictions


def _clustered(
    p: dict[str, float], groups: dict[str, int], size: int, seed: int, shared: bool = True
) -> pd.DataFrame:
    """A label/pred table: ``groups[s]`` groups of ``size`` rows per split; each group is
    wrong with probability ``p[s]`` and (``shared``) all its rows with it."""
    rng = np.random.default_rng(seed)
    parts = []
    for split, m in groups.items():
        if shared:
            wrong = np.repeat(rng.random(m) < p[split], size)
        else:
            wrong = rng.random(m * size) < p[split]
        label = rng.choice(["a", "b"], size=m * size)
        pred = np.where(wrong, np.where(label == "a", "b", "a"), label)
        parts.append(
            pd.DataFrame(
                {
                    "id": [f"{split}-{i}" for i in range(m * size)],
                    "split": split,
                    "label": label,
                    "pred": pred,
                    "g": np.repeat([f"{split}-g{j}" for j in range(m)], size),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _width(d, split: str) -> float:
    r = d.errors[split]
    return r.ci_high - r.ci_low


def test_shared_outcomes_widen_by_sqrt_group_size_and_cover():
    """Groups of 4 share their outcome: the group-aware interval is ~2× wider and covers
    the true error at about the nominal rate; the row-wise one under-covers, and calls a
    data-mismatch gap that is not there far more often."""
    p = {"train": 0.1, "train_dev": 0.15, "dev": 0.15}
    m = {"train": 150, "train_dev": 100, "dev": 100}
    covered = {"rows": 0, "groups": 0}
    false_gap = {"rows": 0, "groups": 0}
    ratios = []
    reps = 150
    for seed in range(reps):
        table = _clustered(p, m, 4, seed)
        rows = diagnose_predictions(table, task="multiclass")
        grouped = diagnose_predictions(table, task="multiclass", group_column="g")
        for name, d in (("rows", rows), ("groups", grouped)):
            r = d.errors["dev"]
            covered[name] += r.ci_low <= p["dev"] <= r.ci_high
            false_gap[name] += d.gaps["data_mismatch"].ci_low > 0
        if 0.1 < rows.errors["dev"].value < 0.2:
            ratios.append(_width(grouped, "dev") / _width(rows, "dev"))
    assert 1.7 < float(np.median(ratios)) < 2.3  # sqrt(4) = 2
    assert covered["groups"] / reps >= 0.9  # nominal 95%
    assert covered["rows"] / reps < 0.85
    # the simultaneous gap level is 98.3%: honest intervals rarely exclude a zero gap
    assert false_gap["groups"] / reps <= 0.05
    assert false_gap["rows"] > 2 * max(false_gap["groups"], 1)


def test_groups_of_one_row_are_exactly_row_wise():
    table = _clustered({"train": 0.1, "train_dev": 0.12, "dev": 0.2}, {"train": 300,
                       "train_dev": 200, "dev": 200}, 1, seed=3)  # fmt: skip
    rows = diagnose_predictions(table, task="multiclass")
    ones = diagnose_predictions(table, task="multiclass", group_column="g")
    assert ones.to_dict() == rows.to_dict()
    assert ones.group_column is None and not any("group column" in c for c in ones.caveats)
    # regression (bootstrap path): identical replicates, so identical intervals
    reg = table.assign(label=np.arange(len(table)) % 7 * 1.0, pred=np.arange(len(table)) % 5)
    a = diagnose_predictions(reg, random_state=1)
    b = diagnose_predictions(reg, random_state=1, group_column="g")
    assert a.to_dict() == b.to_dict()


def test_independent_rows_in_groups_stay_near_row_wise():
    """Groups whose rows err independently: the design effect is ~1 (never below 1)."""
    sizes = {"train": 300, "train_dev": 200, "dev": 200}
    table = _clustered({"train": 0.1, "train_dev": 0.1, "dev": 0.2}, sizes, 4, 5, shared=False)
    rows = diagnose_predictions(table, task="multiclass")
    grouped = diagnose_predictions(table, task="multiclass", group_column="g")
    for s in ("train", "train_dev", "dev"):
        assert 1.0 <= _width(grouped, s) / _width(rows, s) < 1.25


def test_design_effect_edges():
    codes = np.repeat(np.arange(50), 4)
    assert design_effect(np.zeros(200), codes) == pytest.approx(4.0)  # 0%: groups count
    assert design_effect(np.repeat(np.arange(50) % 5 == 0, 4), codes) == pytest.approx(4 * 50 / 49)
    assert design_effect(np.arange(200) % 5 == 0, np.arange(200)) == 1.0
    # a missing group id is a group of its own
    assert list(group_codes(["x", None, "x", None])) == [0, 1, 0, 2]


def test_bootstrap_resamples_whole_groups():
    """Regression: rows of a group share one residual → the rmse interval widens."""
    rng = np.random.default_rng(0)
    parts = []
    for split, m in (("train", 150), ("dev", 100)):
        resid = np.repeat(rng.normal(0, 1 if split == "train" else 1.3, m) ** 2, 5)
        parts.append(
            pd.DataFrame(
                {
                    "id": [f"{split}{i}" for i in range(5 * m)],
                    "split": split,
                    "label": resid,
                    "pred": 0.0,
                    "g": np.repeat(np.arange(m), 5).astype(str),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    rows = diagnose_predictions(table, n_resamples=400)
    grouped = diagnose_predictions(table, n_resamples=400, group_column="g")
    assert 1.6 < _width(grouped, "dev") / _width(rows, "dev") < 2.8  # sqrt(5) = 2.24
    assert "resample whole groups" in " ".join(grouped.caveats)
    assert grouped.errors["dev"].groups == 100 and grouped.errors["dev"].n == 500


def test_cli_group_column_and_project_default(cli, tmp_path):
    from yearn.scaffold import write_project_file

    table = _clustered({"train": 0.1, "train_dev": 0.15, "dev": 0.2},
                       {"train": 150, "train_dev": 100, "dev": 100}, 4, seed=1)  # fmt: skip
    path = write_predictions(table, tmp_path / "p.csv")
    r = cli("diagnose", "--predictions", path, "--task", "multiclass", "--group-column", "g",
            "--project", tmp_path, "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["group_column"] == "g"
    dev = out["error_intervals"]["dev"]
    assert dev["groups"] == 100 and dev["n"] == 400 and dev["n_effective"] < 150
    r = cli("diagnose", "--predictions", path, "--task", "multiclass", "--group-column", "g",
            "--project", tmp_path)  # fmt: skip
    assert r.exit_code == 0 and "dev 400 rows in 100 groups" in " ".join(r.output.split())
    r = cli("diagnose", "--predictions", path, "--group-column", "nope", "--project", tmp_path)
    assert r.exit_code == 2 and "'nope'" in r.output
    r = cli("diagnose", "--train", "8%", "--dev", "10%", "--group-column", "g")
    assert r.exit_code == 2 and "--group-column" in r.output
    # a project that declares the group column: its tables are read by group by default
    project = tmp_path / "proj"
    write_project_file(project, name="p", task="multiclass", label="label", id_column="id",
                       group_column="g", sources=[{"name": "s", "path": "s.csv"}])  # fmt: skip
    d = diagnose_source(predictions=path, project=project, task="multiclass").diagnosis
    assert d.group_column == "g" and d.errors["dev"].groups == 100
    plain = diagnose_source(predictions=path, project=tmp_path, task="multiclass").diagnosis
    assert plain.group_column is None and plain.errors["dev"].groups is None
    with pytest.raises(ConfigError):
        diagnose_source(errors={"train": "8%", "dev": "10%"}, group_column="g")


def test_missing_group_column_names_it():
    table = _clustered({"train": 0.1, "dev": 0.2}, {"train": 20, "dev": 20}, 2, seed=0)
    with pytest.raises(PredictionsError, match="'grp'"):
        diagnose_predictions(table, task="multiclass", group_column="grp")


def test_multilabel_counts_groups_per_task_and_pooled():
    """Multi-label rows in groups of 3 that share their labels and predictions: each task's
    Wilson interval and the pooled bootstrap widen; groups of one row change nothing."""
    rng = np.random.default_rng(2)
    parts = []
    for split, m, err in (("train", 200, 0.05), ("train_dev", 100, 0.08), ("dev", 100, 0.2)):
        labels = rng.integers(0, 2, (m, 2)).astype(float)
        wrong = rng.random((m, 2)) < err
        preds = np.where(wrong, 1 - labels, labels)
        rep = np.repeat(np.arange(m), 3)
        parts.append(
            pd.DataFrame(
                {
                    "id": [f"{split}{i}" for i in range(3 * m)],
                    "split": split,
                    "label:a": labels[rep, 0],
                    "label:b": labels[rep, 1],
                    "proba:a": preds[rep, 0] * 0.9 + 0.05,
                    "proba:b": preds[rep, 1] * 0.9 + 0.05,
                    "g": rep.astype(str),
                    "one": np.arange(3 * m).astype(str),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    rows = diagnose_predictions(table, n_resamples=300)
    grouped = diagnose_predictions(table, n_resamples=300, group_column="g")
    for d_rows, d_groups in [(rows.overall, grouped.overall), *zip(
        rows.tasks.values(), grouped.tasks.values(), strict=True)]:  # fmt: skip
        assert 1.4 < _width(d_groups, "dev") / _width(d_rows, "dev") < 2.2  # sqrt(3) = 1.73
        assert d_groups.group_column == "g" and d_groups.errors["dev"].groups == 100
    ones = diagnose_predictions(table, n_resamples=300, group_column="one")
    assert ones.to_dict() == rows.to_dict()
