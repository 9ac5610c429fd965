"""yearn's trainer as a scikit-learn estimator, and learning curves over it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from yearn.diagnose import learning_curve
from yearn.errors import DataError, TrainingError
from yearn.train import TorchClassifier, TorchRegressor

FAST = {"epochs": 8, "num_threads": 1, "lr": 0.01}


def _blobs(n: int, seed: int = 0, labels=("no", "yes")):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = np.where(X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=n) > 0, labels[1], labels[0])
    return X * 50 + 100, y  # unscaled features: standardisation must handle them


def test_clone_keeps_parameters_and_drops_fitted_state():
    est = TorchClassifier("linear", epochs=3, lr=0.05, width=8, random_state=7, num_threads=1)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert copy.get_params()["random_state"] == 7
    X, y = _blobs(60)
    est.fit(X, y)
    assert hasattr(est, "model_") and not hasattr(clone(est), "model_")
    est.set_params(epochs=5)
    assert est.epochs == 5


def test_init_stores_arguments_only():
    module = torch.nn.Linear(3, 2)
    est = TorchClassifier(module, fit_params={"schedule": "cosine"})
    assert est.model is module and est.fit_params == {"schedule": "cosine"}
    assert not hasattr(est, "classes_")


def test_classifier_fit_predict_shapes_and_labels():
    X, y = _blobs(200)
    est = TorchClassifier(**FAST)
    assert est.fit(X, y) is est
    np.testing.assert_array_equal(est.classes_, ["no", "yes"])
    proba = est.predict_proba(X[:17])
    assert proba.shape == (17, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    pred = est.predict(X[:17])
    assert pred.shape == (17,) and set(pred) <= {"no", "yes"}
    assert est.score(X, y) > 0.85
    assert len(est.history_) == FAST["epochs"]


def test_multiclass_with_integer_labels():
    rng = np.random.default_rng(3)
    centres = np.array([[0, 0], [4, 0], [0, 4]])
    y = rng.integers(0, 3, 240) * 10  # labels 0, 10, 20
    X = centres[y // 10] + rng.normal(scale=0.5, size=(240, 2))
    est = TorchClassifier("mlp", **FAST).fit(X, y)
    np.testing.assert_array_equal(est.classes_, [0, 10, 20])
    assert est.predict_proba(X).shape == (240, 3)
    assert est.score(X, y) > 0.9


def test_regressor_learns_a_linear_function():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0])
    est = TorchRegressor("linear", epochs=30, lr=0.05, num_threads=1).fit(X, y)
    assert est.predict(X).shape == (200,)
    assert est.score(X, y) > 0.99
    big = y * 1000 + 5000  # target in other units: standardised for training, mapped back
    est = TorchRegressor("linear", epochs=30, lr=0.05, num_threads=1).fit(X, big)
    assert est.score(X, big) > 0.99
    assert abs(est.predict(X).mean() - big.mean()) < 100
    with pytest.raises(DataError, match="y row 3"):
        TorchRegressor(epochs=1).fit(X, np.where(np.arange(200) == 3, np.inf, y))


def test_regression_learning_curve_in_rmse():
    rng = np.random.default_rng(2)
    X, X_dev = rng.normal(size=(400, 5)), rng.normal(size=(200, 5))
    w = rng.normal(size=5)
    y = X @ w + 0.1 * rng.normal(size=400)
    y_dev = X_dev @ w + 0.1 * rng.normal(size=200)
    est = TorchRegressor("linear", epochs=20, lr=0.05, num_threads=1)
    lc = learning_curve(
        est, X, y, X_dev, y_dev, fractions=(0.05, 0.2, 0.5, 1.0), metric="rmse", n_resamples=50
    )
    assert not lc.rate and lc.dev_errors[-1] < 0.3


def test_reproducible_with_random_state():
    X, y = _blobs(120)
    a = TorchClassifier(random_state=3, **FAST).fit(X, y).predict_proba(X)
    b = TorchClassifier(random_state=3, **FAST).fit(X, y).predict_proba(X)
    c = TorchClassifier(random_state=4, **FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_torch_module_is_copied_not_modified():
    module = torch.nn.Sequential(torch.nn.Linear(3, 2))
    before = {k: v.clone() for k, v in module.state_dict().items()}
    X, y = _blobs(80)
    est = TorchClassifier(module, **FAST).fit(X, y)
    assert est.model_ is not module
    for k, v in module.state_dict().items():
        assert torch.equal(v, before[k])
    assert est.predict(X).shape == (80,)


def test_cnn_on_flattened_images_with_input_shape():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 64)
    img = rng.normal(scale=0.1, size=(64, 1, 8, 8))
    img[y == 1, :, :4, :] += 1.0  # bright top half for class 1
    est = TorchClassifier("cnn", input_shape=(1, 8, 8), width=4, depth=1, **FAST)
    est.fit(img.reshape(64, -1), y)
    assert est.predict_proba(img.reshape(64, -1)).shape == (64, 2)
    with pytest.raises(DataError, match="input_shape"):
        TorchClassifier("cnn", input_shape=(1, 7, 7), **FAST).fit(img.reshape(64, -1), y)


def test_bad_input_is_a_clear_error():
    X, y = _blobs(40)
    with pytest.raises(NotFittedError):
        TorchClassifier().predict(X)
    with pytest.raises(DataError, match="one class"):
        TorchClassifier(**FAST).fit(X, np.zeros(40))
    with pytest.raises(DataError, match="rows"):
        TorchClassifier(**FAST).fit(X, y[:10])
    bad = X.copy()
    bad[5, 1] = np.nan
    with pytest.raises(DataError, match="row 5"):
        TorchClassifier(**FAST).fit(bad, y)
    with pytest.raises(TrainingError, match="unknown model"):
        TorchClassifier("resnet", **FAST).fit(X, y)
    with pytest.raises(TrainingError, match="epochs"):
        TorchClassifier(epochs=0).fit(X, y)
    with pytest.raises(TrainingError, match="fit_params repeats"):
        TorchClassifier(fit_params={"lr": 0.1}).fit(X, y)
    est = TorchClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :2])
    with pytest.raises(TypeError, match="dense data is required"):
        from scipy.sparse import csr_matrix

        TorchClassifier(**FAST).fit(csr_matrix(X), y)
    with pytest.raises(ValueError, match="Unknown label type"):
        TorchClassifier(**FAST).fit(X, np.linspace(0, 1, 40))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.parametrize(
    "est",
    [
        TorchClassifier(epochs=2, num_threads=1),
        TorchRegressor(epochs=40, lr=0.01, num_threads=1),
    ],
    ids=["classifier", "regressor"],
)
def test_scikit_learn_estimator_checks_pass(est):
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(est)  # raises on the first failing check


def test_no_run_store_writes_unless_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = _blobs(40)
    TorchClassifier(**FAST).fit(X, y)
    assert list(tmp_path.iterdir()) == []


def test_learning_curve_over_the_yearn_estimator_falls_with_size():
    X, y = _blobs(600, seed=1)
    X_dev, y_dev = _blobs(300, seed=2)
    est = TorchClassifier("mlp", width=16, **FAST)
    lc = learning_curve(
        est, X, y, X_dev, y_dev, fractions=(0.02, 0.05, 0.15, 0.5, 1.0), n_resamples=50
    )
    assert lc.sizes == (12, 30, 90, 300, 600)
    assert lc.dev_errors[-1] < lc.dev_errors[0] - 0.05
    assert lc.dev_errors[-1] < 0.15
    assert not hasattr(est, "model_")  # the estimator given was cloned, never fitted


# -- CLI --------------------------------------------------------------------------------------


def _project(tmp_path):
    from yearn.scaffold import write_project_file

    X, y = _blobs(400, seed=4)
    pd.DataFrame(
        {"id": [f"r{i}" for i in range(400)], "a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y}
    ).to_csv(tmp_path / "data.csv", index=False)
    write_project_file(
        tmp_path,
        task="binary",
        label="y",
        id_column="id",
        sources=[{"name": "main", "path": "data.csv", "role": "target", "format": "csv"}],
        metric="error",
        human_level_error=0.02,
    )
    _split(tmp_path)
    return tmp_path


def _split(root):
    from yearn.splits import split_project

    split_project(root)


def test_cli_learning_curve_with_yearn_mlp(cli, tmp_path):
    project = _project(tmp_path)
    r = cli(
        "learning-curve",
        "--project",
        project,
        "--model",
        "mlp",
        "--epochs",
        "6",
        "--lr",
        "0.01",
        "--threads",
        "1",
        "--fractions",
        "0.05,0.2,0.5,1",
        "--json",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    for key in ("sizes", "train_errors", "dev_errors", "power_law", "verdict", "how"):
        assert key in out
    assert out["model"] == "mlp" and out["trainer"] == "yearn"
    assert {"epochs": 6, "lr": 0.01, "num_threads": 1}.items() <= out["fit_settings"].items()
    assert len(out["sizes"]) == 4
    assert out["dev_errors"][-1] < 0.2
    r = cli(
        "learning-curve", "--project", project, "--model", "linear", "--epochs", "3",
        "--fractions", "0.2,0.5,1", "--threads", "1",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Learning curve (linear" in r.output and "power law" in r.output


def test_cli_bad_model_and_option_mixes(cli, tmp_path):
    project = _project(tmp_path)
    r = cli("learning-curve", "--project", project, "--model", "resnet")
    assert r.exit_code == 2
    assert "mlp, linear, cnn" in r.output and "resnet" in r.output
    r = cli("learning-curve", "--project", project, "--model", "mlp", "--estimator", "lda")
    assert r.exit_code == 2 and "--estimator" in r.output
    r = cli("learning-curve", "--project", project, "--epochs", "5", "--estimator", "lda")
    assert r.exit_code == 2 and "--estimator" in r.output
    r = cli("learning-curve", "--project", project, "--model", "cnn")
    assert r.exit_code == 2 and "image project" in r.output
    r = cli("learning-curve", "--project", project, "--model", "mlp", "--epochs", "0")
    assert r.exit_code == 2 and "epochs" in r.output


def test_cli_learning_curve_with_yearn_cnn_on_an_image_project(cli, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(5)
    for label, rows in (("top", slice(0, 4)), ("bottom", slice(4, 8))):
        for k in range(40):
            pixels = rng.integers(0, 60, size=(8, 8))
            pixels[rows] += 150
            path = tmp_path / "imgs" / label / f"{k}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels.astype(np.uint8)).save(path)
    (tmp_path / "yearn.toml").write_text(
        '[project]\ntask = "binary"\nlabel_column = "y"\n'
        '[[sources]]\nname = "web"\npath = "imgs"\nrole = "target"\n',
        encoding="utf-8",
    )
    _split(tmp_path)
    r = cli(
        "learning-curve", "--project", tmp_path, "--model", "cnn", "--epochs", "6",
        "--lr", "0.01", "--width", "4", "--depth", "1", "--threads", "1",
        "--fractions", "0.2,0.5,1", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["model"] == "cnn" and len(out["sizes"]) == 3
    assert out["dev_errors"][-1] <= 0.2


def test_cli_learning_curve_with_yearn_mlp_on_a_regression_project(cli, tmp_path):
    from yearn.scaffold import write_project_file

    rng = np.random.default_rng(6)
    X = rng.normal(size=(300, 2))
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(300)], "a": X[:, 0], "b": X[:, 1]})
    frame["price"] = 200 + 50 * X[:, 0] - 30 * X[:, 1] + rng.normal(scale=2, size=300)
    frame.to_csv(tmp_path / "data.csv", index=False)
    write_project_file(
        tmp_path,
        task="regression",
        label="price",
        id_column="id",
        sources=[{"name": "main", "path": "data.csv", "role": "target", "format": "csv"}],
        metric="rmse",
    )
    _split(tmp_path)
    r = cli(
        "learning-curve", "--project", tmp_path, "--model", "linear", "--epochs", "30",
        "--lr", "0.05", "--threads", "1", "--fractions", "0.1,0.4,1", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["metric"] == "rmse"
    assert out["dev_errors"][-1] < 10  # target spread is ~58: the model learned it
