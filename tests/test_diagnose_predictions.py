"""Diagnosis from predictions tables (files and DataFrames) and from runs in the store."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from yearn.diagnose import (
    MultiTaskDiagnosis,
    diagnose,
    diagnose_predictions,
    diagnose_run,
    wilson,
)
from yearn.errors import ConfigError, PredictionsError, StoreError
from yearn.predictions import write_predictions


def _table(
    errors: dict[str, tuple[int, int]], seed: int = 0, classes=("cat", "dog")
) -> pd.DataFrame:
    """A classification predictions table with exactly k wrong out of n per split."""
    rng = np.random.default_rng(seed)
    parts = []
    for split, (k, n) in errors.items():
        label = rng.choice(classes, size=n)
        wrong = np.zeros(n, bool)
        wrong[rng.choice(n, size=k, replace=False)] = True
        other = {c: next(d for d in classes if d != c) for c in classes}
        pred = np.where(wrong, [other[c] for c in label], label)
        p_first = np.where(pred == classes[0], 0.8, 0.2)
        parts.append(
            pd.DataFrame(
                {
                    "id": [f"{split}-{i}" for i in range(n)],
                    "split": split,
                    "label": label,
                    "pred": pred,
                    f"proba:{classes[0]}": p_first,
                    f"proba:{classes[1]}": 1 - p_first,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


LADDER = {"train": (20, 1000), "train_dev": (15, 500), "dev": (60, 500), "test": (62, 500)}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_predictions_file_matches_the_numbers(tmp_path, suffix):
    path = write_predictions(_table(LADDER), tmp_path / f"preds{suffix}")
    d = diagnose_predictions(path, human="1%")
    ref = diagnose(
        human=0.01,
        train=0.02,
        train_dev=0.03,
        dev=0.12,
        test=0.124,
        n_train=1000,
        n_train_dev=500,
        n_dev=500,
        n_test=500,
    )
    assert d.principal_name == ref.principal_name == "data_mismatch"
    for split, (k, n) in LADDER.items():
        assert d.errors[split].value == pytest.approx(k / n)
        assert d.errors[split].n == n
        assert (d.errors[split].ci_low, d.errors[split].ci_high) == pytest.approx(wilson(k / n, n))
    for g in ref.gaps:
        assert d.gaps[g].ci_low == pytest.approx(ref.gaps[g].ci_low)
        assert d.gaps[g].ci_high == pytest.approx(ref.gaps[g].ci_high)


def test_error_matches_the_metric_registry():
    from yearn.metrics import error_from_predictions
    from yearn.predictions import load_predictions

    preds = load_predictions(_table(LADDER, seed=3))
    d = diagnose_predictions(preds)
    for split in LADDER:
        assert d.errors[split].value == pytest.approx(
            error_from_predictions(preds.split(split), "error")
        )


def test_non_proportion_metric_gets_bootstrap_intervals():
    table = _table(LADDER, seed=1)
    a = diagnose_predictions(table, metric="1-f1", random_state=0, n_resamples=300)
    b = diagnose_predictions(table, metric="1-f1", random_state=0, n_resamples=300)
    assert a.metric == "1-f1" and a.ci_method.startswith("bootstrap")
    assert a.to_dict() == b.to_dict()  # reproducible from random_state
    for s, r in a.errors.items():
        if s != "human":
            assert r.ci_low <= r.value <= r.ci_high
    assert a.principal_name == "data_mismatch"
    from sklearn.metrics import f1_score

    dev = table[table["split"] == "dev"]
    assert a.errors["dev"].value == pytest.approx(
        1 - f1_score(dev["label"], dev["pred"], pos_label="dog")
    )


def test_regression_table_uses_rmse_with_bootstrap():
    rng = np.random.default_rng(0)
    rows = []
    for split, noise, n in [("train", 1.0, 400), ("train_dev", 1.05, 200), ("dev", 3.0, 200)]:
        y = rng.normal(size=n) * 5
        rows.append(
            pd.DataFrame(
                {
                    "id": [f"{split}{i}" for i in range(n)],
                    "split": split,
                    "label": y,
                    "pred": y + rng.normal(size=n) * noise,
                }
            )
        )
    d = diagnose_predictions(pd.concat(rows), human=0.9, n_resamples=200)
    assert d.metric == "rmse" and not d.rate
    assert d.principal_name == "data_mismatch"
    assert d.gaps["data_mismatch"].ci_low > 0


def test_multilabel_per_task_and_pooled():
    rng = np.random.default_rng(0)
    rows = []
    for split, n, e_a, e_b in [
        ("train", 600, 0.002, 0.02),
        ("train_dev", 300, 0.005, 0.03),
        ("dev", 300, 0.005, 0.25),
    ]:
        la, lb = rng.integers(0, 2, n), rng.integers(0, 2, n).astype(float)
        lb[rng.random(n) < 0.1] = np.nan  # unknown labels are skipped
        pa = np.where(rng.random(n) < e_a, 1 - la, la)
        pb = np.where(rng.random(n) < e_b, 1 - np.nan_to_num(lb), np.nan_to_num(lb))
        rows.append(
            pd.DataFrame(
                {
                    "id": [f"{split}{i}" for i in range(n)],
                    "split": split,
                    "label:a": la,
                    "label:b": lb,
                    "proba:a": pa * 0.9 + 0.05,
                    "proba:b": pb * 0.9 + 0.05,
                }
            )
        )
    d = diagnose_predictions(pd.concat(rows), human="0%", n_resamples=200)
    assert isinstance(d, MultiTaskDiagnosis)
    assert d.tasks["a"].principal_name == "none"
    assert d.tasks["b"].principal_name == "data_mismatch"
    assert d.tasks["b"].errors["dev"].n < 300  # unknown labels left out
    out = d.to_dict()
    assert out["tasks"]["b"]["principal"] == "data_mismatch"
    assert {"errors", "gaps", "principal", "recommendations"} <= set(out)


def test_missing_splits_are_clear_errors(tmp_path):
    only_dev = _table({"dev": (5, 100)})
    with pytest.raises(PredictionsError, match="no rows with split = 'train'"):
        diagnose_predictions(only_dev)
    only_train = _table({"train": (5, 100)})
    with pytest.raises(PredictionsError, match="only the 'train' split"):
        diagnose_predictions(only_train)


def test_bad_tables_and_options(tmp_path):
    with pytest.raises(PredictionsError, match="file not found"):
        diagnose_predictions(tmp_path / "nope.parquet")
    t = _table(LADDER)
    with pytest.raises(ConfigError, match="unknown metric"):
        diagnose_predictions(t, metric="bogus")
    with pytest.raises(ConfigError, match="regression"):
        diagnose_predictions(t, metric="rmse")
    with pytest.raises(ConfigError, match=r"mixed|fraction"):
        diagnose_predictions(t, human="5")
    two = pd.concat([t.assign(model="a"), t.assign(model="b")])
    with pytest.raises(PredictionsError, match="several models"):
        diagnose_predictions(two)
    assert diagnose_predictions(two, model="b").principal_name == "data_mismatch"


# -- CLI and the run store ---------------------------------------------------------------------


def test_cli_predictions_file(cli, tmp_path):
    path = write_predictions(_table(LADDER), tmp_path / "p.parquet")
    r = cli("diagnose", "--predictions", path, "--human", "1%", "--json", "--project", tmp_path)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["principal"] == "data_mismatch"
    assert out["errors"]["train_dev"] == pytest.approx(0.03)
    assert out["gaps"]["data_mismatch"]["ci_low"] > 0
    r = cli("diagnose", "--predictions", path, "--project", tmp_path)
    assert r.exit_code == 0 and "principal gap: data mismatch" in _flat(r.output)


def test_cli_predictions_errors_exit_2(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    _table({"dev": (5, 100)}).to_csv(bad, index=False)
    r = cli("diagnose", "--predictions", bad, "--project", tmp_path)
    assert r.exit_code == 2 and "split = 'train'" in _flat(r.output)
    r = cli("diagnose", "--predictions", tmp_path / "missing.csv", "--project", tmp_path)
    assert r.exit_code == 2 and "file not found" in _flat(r.output)
    good = write_predictions(_table(LADDER), tmp_path / "good.csv")
    r = cli("diagnose", "--predictions", good, "--n-dev", "5", "--project", tmp_path)
    assert r.exit_code == 2 and "sizes come from the predictions table" in _flat(r.output)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _curves(epochs: int = 12) -> list[tuple[str, str, int, float]]:
    rows = []
    for e in range(epochs):
        rows.append(("loss", "train", e, 1.0 / (e + 1)))
        rows.append(("error", "train", e, 0.3 / (e + 1)))
        rows.append(("error", "dev", e, 0.2 + 0.01 * abs(e - 5)))
    return rows


def test_run_from_the_store(cli, tmp_path):
    from yearn.store import open_store

    store = open_store(tmp_path)
    with store.run(name="mlp", kind="train", config={}) as run:
        for name, split, step, value in _curves():
            run.log_metric(name, value, split=split, step=step)
        table = write_predictions(_table(LADDER), tmp_path / "tmp.parquet")
        run.log_artifact(table, name="predictions.parquet")
        run_id = run.id
    store.close()
    result = diagnose_run(run_id, project=tmp_path, human="1%")
    assert result.diagnosis.principal_name == "data_mismatch"
    assert result.health is not None and "overfitting" in result.health.kinds
    assert result.health.best_epoch == 5

    r = cli("diagnose", "--run", run_id, "--project", tmp_path, "--human", "1%", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["principal"] == "data_mismatch" and out["run_id"] == run_id
    assert out["training_health"]["best_epoch"] == 5
    r = cli("diagnose", "--project", tmp_path, "--json")  # no source: the newest such run
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["run_id"] == run_id
    assert result.diagnosis.svg().startswith("<svg")
    r = cli("diagnose", "--run", run_id, "--project", tmp_path, "--baseline-error", "0.15")
    assert r.exit_code == 0, r.output
    assert "below_baseline" in r.output and "overfitting" in r.output


def test_run_errors(cli, tmp_path):
    from yearn.store import open_store

    store = open_store(tmp_path)
    with store.run(name="x", kind="train", config={}) as run:
        run_id = run.id
    store.close()
    with pytest.raises(StoreError, match=r"no artefact 'predictions\.parquet'"):
        diagnose_run(run_id, project=tmp_path)
    r = cli("diagnose", "--run", "doesnotexist", "--project", tmp_path)
    assert r.exit_code == 2 and "no run 'doesnotexist'" in _flat(r.output)


def test_run_uses_the_projects_metric_and_human_level(tmp_path):
    from yearn.scaffold import write_project_file
    from yearn.store import open_store

    pd.DataFrame({"id": ["a", "b"], "x": [1, 2], "label": ["cat", "dog"]}).to_csv(
        tmp_path / "d.csv", index=False
    )
    write_project_file(
        tmp_path,
        task="binary",
        label="label",
        id_column="id",
        sources=["main=d.csv:train"],
        metric="f1",
        human_level_error=0.02,
    )
    store = open_store(tmp_path)
    with store.run(name="m", kind="train", config={}) as run:
        run.log_artifact(
            write_predictions(_table(LADDER), tmp_path / "p.parquet"), name="predictions.parquet"
        )
        run_id = run.id
    store.close()
    result = diagnose_run(run_id, project=tmp_path, n_resamples=200)
    assert result.diagnosis.metric == "1-f1" and result.diagnosis.ci_method.startswith("bootstrap")
    assert result.diagnosis.errors["human"].value == pytest.approx(0.02)
    assert result.health is None  # no curves logged
    assert diagnose_run(run_id, project=tmp_path, metric="error").diagnosis.metric == "error"


def test_a_measured_human_level_widens_the_bias_interval():
    t = _table(LADDER)
    exact = diagnose_predictions(t, metric="1-f1", human="1%", n_resamples=300)
    measured = diagnose_predictions(t, metric="1-f1", human="1%", n_human=100, n_resamples=300)
    a, b = exact.gaps["avoidable_bias"], measured.gaps["avoidable_bias"]
    assert b.ci_high - b.ci_low > a.ci_high - a.ci_low
    w = diagnose_predictions(t, human="1%", n_human=100).gaps["avoidable_bias"]  # Newcombe
    assert w.ci_low < 0 < w.ci_high


def test_decomposition_adds_up_from_a_table():
    d = diagnose_predictions(_table(LADDER, seed=5), human="0.5%")
    total = d.errors["human"].value + sum(g.value for g in d.gaps.values())
    assert total == pytest.approx(d.errors["test"].value)


def test_run_without_a_store_does_not_create_one(tmp_path):
    with pytest.raises(StoreError, match="no run store"):
        diagnose_run("abc", project=tmp_path)
    assert not (tmp_path / ".yearn").exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_label_pred_table_with_text_labels_is_classification(tmp_path, suffix):
    t = _table(LADDER).drop(columns=["proba:cat", "proba:dog"])
    path = write_predictions(t, tmp_path / f"p{suffix}")
    d = diagnose_predictions(path)
    assert d.principal_name == "data_mismatch" and d.errors["dev"].value == pytest.approx(0.12)
    bad = t.copy()
    bad.loc[3, "label"] = None
    with pytest.raises(PredictionsError, match="row 5: column 'label' is empty"):
        diagnose_predictions(bad)
