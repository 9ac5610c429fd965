"""Baselines on arrays: checked against the scikit-learn estimators they wrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from yearn.baselines import HYPOTHESES, beats_baseline, fit_baselines
from yearn.errors import ConfigError, DataError
from yearn.predictions import load_predictions


def _xy(n, seed, noise=0.3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, noise, n) > 0.4, "yes", "no")
    return X, y


@pytest.fixture(scope="module")
def report():
    (Xt, yt), (Xd, yd), (Xv, yv) = _xy(300, 0), _xy(60, 1), _xy(150, 2)
    return fit_baselines(
        {"train": (Xt, yt), "train_dev": (Xd, yd), "dev": (Xv, yv, [f"d{i}" for i in range(150)])},
        task="binary",
    )


def test_scores_match_sklearn(report) -> None:
    (Xt, yt), (Xv, yv) = _xy(300, 0), _xy(150, 2)
    majority = DummyClassifier(strategy="most_frequent").fit(Xt, yt)
    assert report.value("majority", "dev") == pytest.approx(np.mean(majority.predict(Xv) != yv))
    logistic = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    ).fit(Xt, yt)
    assert report.value("logistic", "dev") == pytest.approx(np.mean(logistic.predict(Xv) != yv))
    table = report.tables["logistic"]
    dev = table[table["split"] == "dev"]
    np.testing.assert_allclose(dev["proba:yes"], logistic.predict_proba(Xv)[:, 1], rtol=1e-6)
    assert list(dev["id"][:2]) == ["d0", "d1"]


def test_report_shape_and_best(report) -> None:
    assert list(report.tables) == ["majority", "stratified", "logistic", "hist_gb"]
    assert report.metric == "error" and report.best_split == "dev"
    assert report.best in ("logistic", "hist_gb")
    wide = report.wide()
    assert list(wide.columns) == ["train", "train_dev", "dev"]
    assert set(report.scores["kind"]) == {"trivial", "simple"}
    assert (report.scores["value"] == report.scores["error"]).all()
    for table in report.tables.values():  # every table follows the predictions contract
        preds = load_predictions(table)
        assert preds.task == "binary" and set(preds.splits) == {"train", "train_dev", "dev"}
    assert "<table" in report._repr_html_()
    assert report.to_dict()["best"] == report.best


def test_metric_choice_and_error_form() -> None:
    (Xt, yt), (Xv, yv) = _xy(200, 3), _xy(100, 4)
    rep = fit_baselines(
        {"train": (Xt, yt), "dev": (Xv, yv)}, task="binary", metric="f1", baselines=["logistic"]
    )
    assert list(rep.tables) == ["logistic"]
    row = rep.scores[rep.scores["split"] == "dev"].iloc[0]
    assert row["error"] == pytest.approx(1 - row["value"])


def test_dataframe_inputs_with_categoricals_and_missing() -> None:
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame(
        {"x": rng.normal(size=n), "color": rng.choice(["red", "blue", "green"], n)}
    )
    frame.loc[::10, "x"] = np.nan
    frame.loc[::7, "color"] = None
    y = np.where((frame["color"] == "red") | (frame["x"] > 1), "a", "b")
    rep = fit_baselines(
        {"train": (frame.iloc[:200], y[:200]), "dev": (frame.iloc[200:], y[200:])},
        task="binary",
    )
    assert rep.value("logistic", "dev") < rep.value("majority", "dev")


def test_regression_and_multiclass() -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(300, 3))
    y = 2 * X[:, 0] - X[:, 1] + rng.normal(0, 0.1, 300)
    rep = fit_baselines({"train": (X[:200], y[:200]), "dev": (X[200:], y[200:])}, task="regression")
    assert list(rep.tables) == ["mean", "ridge", "hist_gb"] and rep.metric == "rmse"
    assert rep.value("mean", "dev") == pytest.approx(
        np.sqrt(np.mean((y[200:] - y[:200].mean()) ** 2))
    )
    assert rep.best == "ridge"
    yc = np.digitize(X[:, 0], [-0.5, 0.5]).astype(str)
    rep = fit_baselines(
        {"train": (X[:200], yc[:200]), "dev": (X[200:], yc[200:])},
        task="multiclass",
        metric="f1_macro",
    )
    assert set(load_predictions(rep.tables["hist_gb"]).classes) == {"0", "1", "2"}
    assert rep.value("logistic", "dev") > rep.value("majority", "dev")


def test_multilabel_with_unknown_labels() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.5]).astype(float)
    Y[::5, 1] = np.nan
    rep = fit_baselines(
        {"train": (X[:200], Y[:200]), "dev": (X[200:], Y[200:])},
        task="multilabel",
        tasks=["cat", "dog"],
    )
    assert rep.metric == "map"
    assert {"label:cat", "proba:dog"} <= set(rep.tables["logistic"].columns)
    assert rep.value("logistic", "dev") > rep.value("prevalence", "dev")


def test_bad_inputs() -> None:
    X, y = _xy(50, 8)
    with pytest.raises(ConfigError, match="never look at the test split"):
        fit_baselines({"train": (X, y), "test": (X, y)}, task="binary")
    with pytest.raises(ConfigError, match="needs a 'train' entry"):
        fit_baselines({"dev": (X, y)}, task="binary")
    with pytest.raises(DataError, match="one class only"):
        fit_baselines({"train": (X, np.full(50, "no"))}, task="binary")
    with pytest.raises(DataError, match="50 rows but y has 49"):
        fit_baselines({"train": (X, y[:49])}, task="binary")
    bad = X.copy()
    bad[3, 1] = np.inf
    with pytest.raises(DataError, match="row 3 holds an infinite value"):
        fit_baselines({"train": (bad, y)}, task="binary")
    with pytest.raises(ConfigError, match="unknown baseline 'forest'"):
        fit_baselines({"train": (X, y)}, task="binary", baselines=["forest"])
    with pytest.raises(ConfigError, match="'rmse' applies to regression"):
        fit_baselines({"train": (X, y)}, task="binary", metric="rmse")
    with pytest.raises(DataError, match="not a finite number"):
        fit_baselines({"train": (X, np.r_[np.nan, np.zeros(49)])}, task="regression")


def test_verdict_beats_and_does_not(report) -> None:
    yes = beats_baseline(report.tables["logistic"], report.tables["majority"], model_name="m")
    assert yes.beats and yes.baseline == "baseline" and yes.hypotheses == ()
    assert yes.message.startswith("m beats the best baseline (baseline) on dev by")
    assert yes.comparison.ci_low > 0
    no = beats_baseline(report.tables["stratified"], report, model_name="weak")
    assert not no.beats and no.baseline == report.best
    assert "is worse than the best baseline" in no.message
    assert no.hypotheses == HYPOTHESES and "the inputs predict the target" in no.message
    same = beats_baseline(report.tables[report.best], report, model_name="copy")
    assert not same.beats and "does not detectably beat" in same.message
    assert "Revisit the two hypotheses" in same._repr_html_()
    assert same.to_dict()["beats"] is False


def _model_table(n=500, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.7, "a", "b")
    pred = np.where(rng.random(n) < 0.1, np.where(y == "a", "b", "a"), y)
    split = np.where(np.arange(n) < 300, "train", "dev")
    return pd.DataFrame({"id": range(n), "split": split, "label": y, "pred": pred})


def test_trivial_baselines_from_a_predictions_table(tmp_path) -> None:
    from yearn.baselines import trivial_baselines

    table = _model_table()
    table.to_csv(tmp_path / "m.csv", index=False)
    rep = trivial_baselines(tmp_path / "m.csv")
    assert list(rep.tables) == ["majority", "stratified"] and rep.note == ""
    train = table[table.split == "train"]
    dev = table[table.split == "dev"]
    majority = train.label.value_counts().idxmax()
    assert rep.value("majority", "dev") == pytest.approx(np.mean(dev.label != majority))
    # without train rows: fitted on the dev labels, and said so
    rep = trivial_baselines(dev)
    assert "no train rows" in rep.note
    assert rep.value("majority", "dev") == pytest.approx(1 - dev.label.value_counts().max() / 200)
    reg = pd.DataFrame({"id": range(4), "split": "dev", "label": [1.0, 2, 3, 4], "pred": 2.5})
    assert trivial_baselines(reg, metric="mae").value("mean", "dev") == pytest.approx(1.0)
    with pytest.raises(DataError, match="test rows only"):
        trivial_baselines(table.assign(split="test"))


def test_text_columns_are_vectorised() -> None:
    rng = np.random.default_rng(12)
    n = 400
    words = np.array(["good movie", "great plot", "bad film", "awful acting"])
    pick = rng.integers(0, 4, n)
    frame = pd.DataFrame({"review": words[pick], "length": rng.normal(size=n)})
    y = np.where(pick < 2, "pos", "neg")
    rep = fit_baselines(
        {"train": (frame.iloc[:300], y[:300]), "dev": (frame.iloc[300:], y[300:])},
        task="binary",
        text_columns=["review"],
    )
    assert rep.value("logistic", "dev") == 0.0 and rep.value("hist_gb", "dev") == 0.0
    assert rep.value("majority", "dev") > 0.3


def test_same_seed_same_baselines() -> None:
    (Xt, yt), (Xv, yv) = _xy(200, 13), _xy(100, 14)
    splits = {"train": (Xt, yt), "dev": (Xv, yv)}
    one = fit_baselines(splits, task="binary", random_state=3)
    two = fit_baselines(splits, task="binary", random_state=3)
    for name in one.tables:
        pd.testing.assert_frame_equal(one.tables[name], two.tables[name])
    other = fit_baselines(splits, task="binary", random_state=4, baselines=["stratified"])
    assert not other.tables["stratified"].equals(one.tables["stratified"])
