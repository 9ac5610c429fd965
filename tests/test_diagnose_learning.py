"""Learning curves: the power-law fit, the verdicts, and `yearn learning-curve` on a project."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from yearn.diagnose import fit_power_law, learning_curve
from yearn.errors import ConfigError, DataError


def test_power_law_fit_recovers_known_parameters():
    n = np.array([100, 200, 400, 800, 1600, 3200], dtype=float)
    a, b, c = fit_power_law(n, 2.0 * n**-0.5 + 0.03)
    assert (a, b, c) == pytest.approx((2.0, 0.5, 0.03), rel=1e-6, abs=1e-9)
    with pytest.raises(DataError, match="three or more"):
        fit_power_law([100, 100, 200], [0.2, 0.2, 0.1])


def test_more_data_likely_to_help_when_dev_error_still_falls():
    X, y = make_classification(
        n_samples=2400,
        n_features=40,
        n_informative=30,
        n_redundant=0,
        class_sep=1.0,
        random_state=0,
    )
    lc = learning_curve(LinearDiscriminantAnalysis(), X[:400], y[:400], X[1400:], y[1400:])
    assert lc.more_data_helps and lc.verdict.startswith("more data is likely to help")
    assert lc.sizes[-1] == 400 and len(lc.sizes) == 7
    assert lc.gain_ci[0] > 0 and lc.doubling_gain > 0.01
    assert "400 → 800" in lc.verdict
    # the curve's last point is the model fitted on everything
    full = LinearDiscriminantAnalysis().fit(X[:400], y[:400])
    assert lc.dev_errors[-1] == pytest.approx(np.mean(full.predict(X[1400:]) != y[1400:]))


def _linear(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    y[rng.random(n) < 0.05] ^= 1
    return X, y


def test_more_data_unlikely_to_help_when_the_curve_is_flat():
    X, y = _linear(3000)
    lc = learning_curve(LinearDiscriminantAnalysis(), X[:2000], y[:2000], X[2000:], y[2000:])
    assert not lc.more_data_helps and lc.verdict.startswith("more data is unlikely to help")


def test_train_error_above_target_means_more_data_will_not_fix_bias():
    X, _ = _linear(3000)
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)  # XOR: a linear model cannot fit it
    lc = learning_curve(
        LinearDiscriminantAnalysis(), X[:2000], y[:2000], X[2000:], y[2000:], target_error=0.01
    )
    assert lc.bias_limited and not lc.more_data_helps
    assert lc.verdict.startswith("more data will not fix bias")


def test_result_serialises_and_draws(tmp_path):
    X, y = _linear(900)
    lc = learning_curve(
        LinearDiscriminantAnalysis(), X[:600], y[:600], X[600:], y[600:], fractions=[0.2, 0.5, 1.0]
    )
    d = json.loads(json.dumps(lc.to_dict()))
    assert d["sizes"] == [120, 300, 600] and set(d["power_law"]) >= {"a", "b", "c"}
    assert lc.save_chart(tmp_path / "lc.png").read_bytes()[:4] == b"\x89PNG"
    assert "<table" in lc._repr_html_()


def test_bad_inputs():
    X, y = _linear(300)
    est = LinearDiscriminantAnalysis()
    with pytest.raises(DataError, match="must be 2-D"):
        learning_curve(est, X[:, 0], y, X, y)
    with pytest.raises(DataError, match="X has 300 rows but y has 299"):
        learning_curve(est, X, y[:-1], X, y)
    Xn = X.copy()
    Xn[7, 1] = np.nan
    with pytest.raises(DataError, match="row 7 of X holds NaN"):
        learning_curve(est, Xn, y, X, y)
    with pytest.raises(ConfigError, match="at least three"):
        learning_curve(est, X, y, X, y, fractions=[0.5, 1.0])
    with pytest.raises(ConfigError, match="fractions"):
        learning_curve(est, X, y, X, y, fractions=[0.5, 1.0, 1.5])
    with pytest.raises(ConfigError, match="nope"):
        learning_curve(est, X, y, X, y, metric="nope")


# -- CLI over a project -----------------------------------------------------------------------


def _project(tmp_path, *, target: bool):
    from yearn.scaffold import write_project_file

    X, y = _linear(900, seed=1)
    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(900)],
            "x1": X[:, 0],
            "x2": X[:, 1],
            "colour": np.where(X[:, 0] > 1, "red", "blue"),
            "label": y,
        }
    )
    role = "train" if target else "target"  # the split draws dev from a target source
    sources = [{"name": "main", "path": "main.csv", "role": role, "format": "csv"}]
    if target:
        frame.iloc[700:].to_csv(tmp_path / "target.csv", index=False)
        frame = frame.iloc[:700]
        sources.append({"name": "tgt", "path": "target.csv", "role": "target", "format": "csv"})
    frame.to_csv(tmp_path / "main.csv", index=False)
    write_project_file(
        tmp_path,
        task="binary",
        label="label",
        id_column="id",
        sources=sources,
        metric="error",
        human_level_error=0.07,
    )
    return tmp_path


@pytest.mark.parametrize("target", [True, False])
def test_cli_learning_curve_over_a_table_project(cli, tmp_path, target):
    project = _project(tmp_path, target=target)
    assert cli("split", "--project", project).exit_code == 0
    r = cli(
        "learning-curve",
        "--project",
        project,
        "--estimator",
        "lda",
        "--json",
        "--chart",
        tmp_path / "lc.svg",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert not out["more_data_helps"]  # LDA on a linear problem: data is not the limit
    assert out["trainer"] == "scikit-learn" and "split manifest" in out["how"]
    assert out["target_error"] == pytest.approx(0.07)
    assert (tmp_path / "lc.svg").exists()
    r = cli("learning-curve", "--project", project, "--estimator", "lda")
    assert r.exit_code == 0, r.output
    assert "power law" in r.output


def test_cli_learning_curve_bad_input(cli, tmp_path):
    project = _project(tmp_path, target=True)
    r = cli("learning-curve", "--project", project)
    assert r.exit_code == 2 and "yearn split" in " ".join(r.output.split())
    assert cli("split", "--project", project).exit_code == 0
    r = cli("learning-curve", "--project", project, "--estimator", "svm")
    assert r.exit_code == 2 and "unknown for a classification task" in r.output
    r = cli("learning-curve", "--project", project, "--fractions", "a,b")
    assert r.exit_code == 2 and "--fractions" in r.output
    r = cli("learning-curve", "--project", tmp_path / "nowhere")
    assert r.exit_code == 2 and "yearn init" in " ".join(r.output.split())


def test_estimator_failure_is_a_clear_error():
    from sklearn.linear_model import Ridge

    X, _ = _linear(300)
    y = np.where(X[:, 0] > 0, "up", "down")
    with pytest.raises(DataError, match="Ridge could not be fitted"):
        learning_curve(Ridge(), X, y, X, y, metric="rmse")


def test_progress_is_reported():
    X, y = _linear(300)
    seen = []
    learning_curve(
        LinearDiscriminantAnalysis(),
        X,
        y,
        X,
        y,
        fractions=[0.3, 0.6, 1.0],
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_regression_curve_in_rmse():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 5))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + rng.normal(scale=0.5, size=1500)
    lc = learning_curve(Ridge(), X[:1000], y[:1000], X[1000:], y[1000:], metric="rmse")
    assert not lc.rate and lc.metric == "rmse"
    assert lc.dev_errors[-1] == pytest.approx(0.5, abs=0.06)  # the noise level
    assert lc.tolerance == pytest.approx(0.05 * lc.dev_errors[-1])
    assert not lc.more_data_helps
