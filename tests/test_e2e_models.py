"""The pipeline's simple models: the RBF SVM of the built-in image pipeline (C and gamma
chosen by CV on the training rows only) and the logistic regression."""

from __future__ import annotations

import numpy as np

from yearn.e2e._models import SVM_C_GRID, SVM_GAMMA_GRID, SimpleModel


def _ring(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two classes: inside or outside a circle (no linear boundary separates them)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    return x, (np.hypot(x[:, 0], x[:, 1]) > 1.18).astype(int)


def test_svm_learns_a_boundary_the_logistic_regression_cannot():
    x, y = _ring(300, 0)
    x_dev, y_dev = _ring(1000, 1)
    svm = SimpleModel("binary", 0, "svm").fit(x, y)
    logistic = SimpleModel("binary", 0).fit(x, y)
    svm_error = float((svm.predict(x_dev) != y_dev).mean())
    logistic_error = float((logistic.predict(x_dev) != y_dev).mean())
    assert svm_error < 0.15 < 0.35 < logistic_error
    assert svm.svm_params_["C"] in SVM_C_GRID
    assert svm.svm_params_["gamma"] in [g / 4 for g in SVM_GAMMA_GRID]
    proba = svm.predict_proba(x_dev)
    assert proba.shape == (1000, 2) and np.allclose(proba.sum(axis=1), 1.0)


def test_svm_on_a_handful_of_rows_and_a_class_of_one():
    x, y = _ring(40, 2)
    y[:] = 0
    y[:3] = 1
    y[3] = 2  # one example: no folds to choose on
    model = SimpleModel("multiclass", 0, "svm").fit(x, y)
    assert model.svm_params_ is None  # the plain logistic regression
    assert set(model.predict(x)) <= {0, 1, 2}
    again = SimpleModel("multiclass", 0, "svm").fit(x, y)
    assert np.array_equal(model.predict_proba(x), again.predict_proba(x))
