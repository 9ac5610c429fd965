"""The two contenders: a pipeline (hand-designed features + a simple model, or two stages
through an intermediate target) and yearn's end-to-end network on the raw inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "IMAGE_RECIPE",
    "TABLE_RECIPE",
    "SimpleModel",
    "TwoStage",
    "end_to_end_model",
    "full_proba",
    "simple_model",
]


#: Regularisation strengths the simple model chooses among by 3-fold CV on its own
#: training rows (dev is never used to tune it: dev judges both contenders).
#: Training settings of the end-to-end model passed on to :func:`yearn.fit` as they are.
FIT_SETTINGS = ("schedule", "augment")

#: The end-to-end recipe when the caller does not say otherwise: the same at every size.
#: Images: yearn's CNN for 30 epochs but at least ``min_steps`` optimizer steps (a small
#: subset gets more epochs, so it is trained as far as a large one), with a cosine
#: learning-rate schedule and random shifts + brightness/contrast changes of the training
#: images (docs/e2e.md measures why).
IMAGE_RECIPE = {"epochs": 30, "min_steps": 1500, "schedule": "cosine", "augment": "shift+color"}
TABLE_RECIPE = {"epochs": 10}

C_GRID = (0.003, 0.01, 0.1, 1.0)
ALPHA_GRID = (0.1, 1.0, 10.0, 100.0)
#: The RBF SVM's grid: C, and gamma as multiples of 1 / (number of features) (the features
#: are standardised, so 1/F is scikit-learn's "scale").
SVM_C_GRID = (1.0, 10.0, 100.0, 1000.0)
SVM_GAMMA_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)


class SimpleModel:
    """Standardised features + logistic regression (classification) or ridge (regression),
    its regularisation chosen by 3-fold cross-validation on the training rows.

    ``kind="svm"`` (classification): an RBF support-vector machine instead, its C and
    gamma chosen by stratified 3-fold cross-validation (accuracy) on the training rows, then
    refitted on all of them; predictions are its one-vs-one votes, probabilities Platt's
    (sigmoids fitted on the same folds: poor with a handful of rows per class, so the
    error is read from the votes, not from the most probable class). With a class of one
    example (no folds) it is the plain logistic regression.

    It is the textbook classifier on HOG descriptors and the built-in image pipeline's: on
    the digits demo its dev error is 0.01 to 0.04 below the logistic regression's on the
    same descriptors from 200 images up (docs/e2e.md)."""

    def __init__(self, task: str, random_state: int = 0, kind: str = "logistic") -> None:
        if kind not in ("logistic", "svm"):
            raise ValueError(f"kind must be 'logistic' or 'svm'; got {kind!r}")
        self.task = task
        self.random_state = random_state
        self.kind = kind

    def fit(self, X: np.ndarray, y: np.ndarray) -> SimpleModel:
        from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        if self.task == "regression":
            head: Any = RidgeCV(alphas=ALPHA_GRID)
        elif self.kind == "svm":
            head = self._svm(X, y)
        else:
            _, counts = np.unique(np.asarray(y).astype(str), return_counts=True)
            folds = int(min(3, counts.min()))
            if folds >= 2:
                head = LogisticRegressionCV(
                    Cs=list(C_GRID),
                    cv=folds,
                    l1_ratios=(0.0,),
                    scoring="neg_log_loss",
                    max_iter=2000,
                    use_legacy_attributes=False,
                    random_state=self.random_state,
                )
            else:  # a class with one example: no folds to choose on
                head = LogisticRegression(max_iter=2000, random_state=self.random_state)
        self.model_ = make_pipeline(StandardScaler(), head).fit(X, y)
        self.classes_ = getattr(self.model_, "classes_", None)
        self.votes_ = None
        if getattr(self, "svm_params_", None):  # the SVM fitted on every training row
            svc = self.model_[-1].calibrated_classifiers_[0].estimator
            self.votes_ = make_pipeline(self.model_[0], svc)
        return self

    def _svm(self, X: np.ndarray, y: np.ndarray) -> Any:
        """The RBF SVM with C and gamma chosen by CV on (X, y) only (standardised inside
        each fold), its probabilities Platt-scaled on the same folds; unfitted."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GridSearchCV, StratifiedKFold
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        _, counts = np.unique(np.asarray(y).astype(str), return_counts=True)
        folds = int(min(3, counts.min()))
        if folds < 2:  # a class with one example: no folds to choose or calibrate on
            self.svm_params_ = None
            return LogisticRegression(max_iter=2000, random_state=self.random_state)
        grid = {
            "svc__C": list(SVM_C_GRID),
            "svc__gamma": [g / X.shape[1] for g in SVM_GAMMA_GRID],
        }
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), grid, cv=cv)
        search.fit(X, y)
        self.svm_params_ = {k.removeprefix("svc__"): v for k, v in search.best_params_.items()}
        svc = SVC(random_state=self.random_state, **self.svm_params_)
        return CalibratedClassifierCV(svc, method="sigmoid", cv=cv, ensemble=False)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The predicted classes (an SVM's one-vs-one votes) or values."""
        return (self.votes_ or self.model_).predict(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(X)


def simple_model(task: str, random_state: int, kind: str = "logistic") -> Any:
    """The pipeline's simple model (see :class:`SimpleModel`)."""
    return SimpleModel(task, random_state, kind)


def end_to_end_model(
    task: str, shape: tuple[int, ...], settings: dict[str, Any], random_state: int
) -> Any:
    """yearn's CNN (images) or MLP (tables) on the prepared raw inputs, as an estimator."""
    from yearn.train import TorchClassifier, TorchRegressor

    named = ("epochs", "lr", "optimizer", "batch_size", "weight_decay", "width", "depth")
    named += ("dropout", "num_threads")
    kw = {k: v for k, v in settings.items() if k in named and v is not None}
    kw.setdefault("num_threads", 1)
    extra = {k: settings[k] for k in FIT_SETTINGS if settings.get(k) is not None}
    model = settings.get("model") or ("cnn" if len(shape) > 1 else "mlp")
    cls = TorchRegressor if task == "regression" else TorchClassifier
    return cls(
        model,
        input_shape=shape if len(shape) > 1 else None,
        standardize=task == "regression",
        random_state=random_state,
        fit_params=extra or None,
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
