"""The two contenders: a pipeline (hand-designed features + a simple model, or two stages
through an intermediate target) and yearn's end-to-end network on the raw inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["TwoStage", "end_to_end_model", "full_proba", "simple_model"]


def simple_model(task: str, random_state: int) -> Any:
    """Standardised features + logistic regression (classification) or ridge (regression)."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "regression":
        return make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    return make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=2000, random_state=random_state)
    )


def end_to_end_model(
    task: str, shape: tuple[int, ...], settings: dict[str, Any], random_state: int
) -> Any:
    """yearn's CNN (images) or MLP (tables) on the prepared raw inputs, as an estimator."""
    from yearn.train import TorchClassifier, TorchRegressor

    named = ("epochs", "lr", "optimizer", "batch_size", "weight_decay", "width", "depth")
    named += ("dropout", "num_threads")
    kw = {k: v for k, v in settings.items() if k in named and v is not None}
    kw.setdefault("num_threads", 1)
    model = settings.get("model") or ("cnn" if len(shape) > 1 else "mlp")
    cls = TorchRegressor if task == "regression" else TorchClassifier
    return cls(
        model,
        input_shape=shape if len(shape) > 1 else None,
        standardize=task == "regression",
        random_state=random_state,
        **kw,
    )


def full_proba(model: Any, X: np.ndarray, n_classes: int) -> np.ndarray:
    """``predict_proba`` with one column per class code 0..k-1 (a class missing from a small
    training subset gets probability 0)."""
    proba = np.asarray(model.predict_proba(X), dtype=float)
    classes = np.asarray(model.classes_).astype(int)
    out = np.zeros((len(X), n_classes))
    out[:, classes] = proba
    return out


class TwoStage:
    """Predict the intermediate target from the inputs, then the label from the intermediate.

    Stage 2 learns from the true intermediate of the training rows (the parts are designed
    and trained separately, as in a classic pipeline); at prediction it reads stage 1's
    output. ``categorical``: the intermediate is a class (one-hot into stage 2).
    """

    def __init__(self, task: str, categorical: bool, random_state: int = 0) -> None:
        self.task = task
        self.categorical = categorical
        self.random_state = random_state

    def _encode(self, z: np.ndarray) -> np.ndarray:
        if not self.categorical:
            return np.asarray(z, dtype=float).reshape(-1, 1)
        return (np.asarray(z).astype(str)[:, None] == self.levels_[None, :]).astype(float)

    def fit(self, X: np.ndarray, y: np.ndarray, z: np.ndarray) -> TwoStage:
        known = np.array([v is not None and v == v and str(v) != "" for v in z], dtype=bool)
        X, y, z = X[known], y[known], z[known]
        if self.categorical:
            self.levels_ = np.unique(np.asarray(z).astype(str))
            zs = np.asarray(z).astype(str)
            if len(self.levels_) < 2:
                self.stage1_: Any = _Constant(zs[0])
            else:
                self.stage1_ = simple_model("multiclass", self.random_state).fit(X, zs)
        else:
            self.stage1_ = simple_model("regression", self.random_state).fit(X, z.astype(float))
        self.stage2_ = simple_model(self.task, self.random_state).fit(self._encode(z), y)
        self.classes_ = getattr(self.stage2_, "classes_", None)
        return self

    def _middle(self, X: np.ndarray) -> np.ndarray:
        return self._encode(self.stage1_.predict(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.stage2_.predict(self._middle(X))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.stage2_.predict_proba(self._middle(X))


class _Constant:
    def __init__(self, value: Any) -> None:
        self.value = value

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), self.value, dtype=object)
