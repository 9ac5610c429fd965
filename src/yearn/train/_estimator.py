"""yearn's trainer behind the scikit-learn estimator contract.

``TorchClassifier`` / ``TorchRegressor`` wrap :func:`yearn.fit` so that anything built for
scikit-learn (``clone``, ``cross_val_score``, :func:`yearn.diagnose.learning_curve`) can
train a built-in model (``"mlp"``, ``"linear"``, ``"cnn"``) or a torch module. ``__init__``
stores its arguments only; ``fit(X, y)`` trains on ``{"train": (X, y)}`` and returns
``self``. Nothing is written to a run store unless ``store`` is given.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from yearn._validation import first_nonfinite_row
from yearn.errors import DataError, TrainingError

__all__ = ["TorchClassifier", "TorchRegressor"]

#: Rows per forward pass when predicting; every pass has this many rows (batch invariance).
PREDICT_CHUNK = 256


def _rows(a: Any) -> int | None:
    """Rows of an array-like (sparse included); ``None`` when it has no length."""
    shape = getattr(a, "shape", None)
    if shape is not None and len(shape):
        return int(shape[0])
    return len(a) if hasattr(a, "__len__") else None


class _TorchEstimator(BaseEstimator):
    """Shared parameters and the ``fit`` bridge; use the two concrete classes."""

    _task_kind = ""

    def __init__(
        self,
        model: Any = "mlp",
        *,
        epochs: int = 10,
        lr: float = 1e-3,
        optimizer: str = "adam",
        batch_size: int | None = None,
        weight_decay: float = 0.0,
        width: int | None = None,
        depth: int | None = None,
        dropout: float = 0.0,
        input_shape: Sequence[int] | None = None,
        standardize: bool = True,
        random_state: int = 0,
        num_threads: int | None = None,
        device: str | None = None,
        store: Any = None,
        fit_params: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.epochs = epochs
        self.lr = lr
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.width = width
        self.depth = depth
        self.dropout = dropout
        self.input_shape = input_shape
        self.standardize = standardize
        self.random_state = random_state
        self.num_threads = num_threads
        self.device = device
        self.store = store
        self.fit_params = fit_params

    # -- helpers ------------------------------------------------------------------------
    def _settings(self) -> dict[str, Any]:
        settings = dict(self.fit_params or {})
        named = {
            "epochs": self.epochs,
            "lr": self.lr,
            "optimizer": self.optimizer,
            "batch_size": self.batch_size,
            "weight_decay": self.weight_decay,
            "width": self.width,
            "depth": self.depth,
            "dropout": self.dropout,
            "random_state": self.random_state,
            "num_threads": self.num_threads,
        }
        clash = sorted(set(settings) & set(named))
        if clash:
            raise TrainingError(
                f"fit_params repeats {clash[0]!r}, which is an argument of "
                f"{type(self).__name__}; set it there instead."
            )
        return {**named, **settings}

    def _check(self, X: Any, y: Any = None, *, fitting: bool, y_numeric: bool = False) -> Any:
        """scikit-learn's input checks (sparse, empty, 1-D, complex, feature count), then
        ours: finite values, named by row. Returns float32 X (and y when fitting)."""
        from sklearn.utils.validation import validate_data

        common = dict(dtype=np.float32, allow_nd=True, ensure_all_finite=False)
        if fitting:
            n_x, n_y = _rows(X), _rows(y)
            if None not in (n_x, n_y) and n_x != n_y:
                raise DataError(f"X has {n_x} rows but y has {n_y}; they must match.")
            if y_numeric:
                target = np.asarray(y)
                if target.dtype.kind in "fc" and not np.isfinite(target).all():
                    row = int(np.flatnonzero(~np.isfinite(target.reshape(len(target), -1)))[0])
                    raise DataError(f"y row {row} is NaN or inf; drop or fix that target.")
            X, y = validate_data(self, X, y, reset=True, y_numeric=y_numeric, **common)
        else:
            X = validate_data(self, X, reset=False, **common)
        row = first_nonfinite_row(X)
        if row is not None:
            raise DataError(f"X row {row} holds NaN or inf; impute or drop it first.")
        return (X, y) if fitting else X

    def _inputs(self, x: np.ndarray, *, fitting: bool) -> np.ndarray:
        """Checked inputs, standardised with the train statistics, in the model's shape."""
        flat = x.reshape(len(x), -1)
        if fitting:
            self._n_values = flat.shape[1]
            self._shape = self._target_shape(x)
            if self.standardize:
                std = flat.std(axis=0)
                self._mean = flat.mean(axis=0)
                self._scale = np.where(std > 0, std, 1.0).astype(np.float32)
        elif flat.shape[1] != self._n_values:
            raise DataError(
                f"X has {flat.shape[1]} values per row but {type(self).__name__} was fitted "
                f"with {self._n_values}; give inputs of the same shape as in fit."
            )
        if self.standardize:
            flat = (flat - self._mean) / self._scale
        return np.ascontiguousarray(flat.reshape((len(x), *self._shape)), dtype=np.float32)

    def _target_shape(self, x: np.ndarray) -> tuple[int, ...]:
        if self.input_shape is None:
            return tuple(x.shape[1:])
        shape = tuple(int(s) for s in self.input_shape)
        if int(np.prod(shape)) != int(np.prod(x.shape[1:])):
            raise DataError(
                f"input_shape {shape} holds {int(np.prod(shape))} values per example but X "
                f"has {int(np.prod(x.shape[1:]))}; give the shape of one example, e.g. "
                "(1, 28, 28) for 28×28 grey images."
            )
        return shape

    def _fit(self, X: np.ndarray, y: np.ndarray, task: str) -> Any:
        from yearn.train._fit import fit

        x = self._inputs(X, fitting=True)
        model = self.model if isinstance(self.model, str) else copy.deepcopy(self.model)
        result = fit(
            model,
            {"train": (x, y)},
            task=task,
            store=self.store,
            device=self.device,
            **self._settings(),
        )
        self.model_ = result.model
        self.loss_ = result.loss
        self.history_ = result.history
        self.task_ = task
        return self

    def _outputs(self, X: Any) -> np.ndarray:
        import torch

        from yearn.train._loop import predict_outputs
        from yearn.train._losses import outputs_to_proba

        if not hasattr(self, "model_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first.")
        x = self._inputs(self._check(X, fitting=False), fitting=False)
        # fixed-shape chunks (the last one padded): a row's prediction does not depend on
        # the other rows predicted with it, on CUDA too (TF32 off in predict_outputs)
        out = predict_outputs(
            self.model_, torch.as_tensor(x), chunk=PREDICT_CHUNK, fixed_shape=True
        )
        return outputs_to_proba(out.cpu().numpy().astype(np.float64), self.task_, self.loss_)


class TorchClassifier(ClassifierMixin, _TorchEstimator):
    """A classifier trained by :func:`yearn.fit` (binary or multi-class).

    ``model``: ``"mlp"``, ``"linear"``, ``"cnn"`` (give ``input_shape`` = (C, H, W) when X
    holds flattened images) or a ``torch.nn.Module`` (copied, never modified). The named
    arguments are those of :class:`yearn.train.TrainConfig`; ``fit_params`` passes any other
    of its fields (``schedule``, ``loss``, ``grad_clip``, ...). ``standardize`` z-scores each
    input column with the train statistics. ``store`` (a RunStore or project folder) records
    every ``fit`` as a run; by default nothing is written.
    """

    def fit(self, X: Any, y: Any) -> TorchClassifier:
        """Train on (X, y); labels may be any hashable values. Returns ``self``."""
        from sklearn.utils.multiclass import check_classification_targets

        X, y = self._check(X, y, fitting=True)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise DataError(
                f"y holds one class only ({self.classes_[0]!r}); a classifier needs at least two."
            )
        task = "binary" if len(self.classes_) == 2 else "multiclass"
        return self._fit(X, codes.astype(np.int64), task)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (N, classes), columns in the order of ``classes_``."""
        return self._outputs(X)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row (values of ``classes_``)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class TorchRegressor(RegressorMixin, _TorchEstimator):
    """A regressor trained by :func:`yearn.fit` (mean squared error by default); the
    arguments are those of :class:`TorchClassifier`. With ``standardize`` the target is
    z-scored for training too, and predictions are mapped back to its units."""

    def fit(self, X: Any, y: Any) -> TorchRegressor:
        """Train on (X, y) with y numeric, one value per row. Returns ``self``."""
        X, y = self._check(X, y, fitting=True, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        self._y_mean, self._y_scale = 0.0, 1.0
        if self.standardize:
            std = float(y.std())
            self._y_mean, self._y_scale = float(y.mean()), std if std > 0 else 1.0
        target = ((y - self._y_mean) / self._y_scale).astype(np.float32)
        return self._fit(X, target, "regression")

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values (N,)."""
        return self._outputs(X).reshape(-1) * self._y_scale + self._y_mean


class TorchMultiLabelClassifier(ClassifierMixin, _TorchEstimator):
    """A multi-label classifier trained by :func:`yearn.fit`: y is (N, tasks) of 1 / 0 with
    NaN for unknown labels (left out of the loss); the arguments are those of
    :class:`TorchClassifier`."""

    def fit(self, X: Any, y: Any) -> TorchMultiLabelClassifier:
        """Train on (X, y) with y of shape (N, tasks). Returns ``self``."""
        y = np.asarray(y, dtype=np.float32)
        if y.ndim != 2:
            raise DataError(f"y must be 2-D (examples × tasks); got shape {y.shape}.")
        X = self._check(np.asarray(X), np.zeros(len(y)), fitting=True)[0]
        self.n_tasks_ = y.shape[1]
        return self._fit(X, y, "multilabel")

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of a 1 for each task (N, tasks)."""
        return self._outputs(X)

    def predict(self, X: Any) -> np.ndarray:
        """1 / 0 decisions at 0.5 (N, tasks)."""
        return (self.predict_proba(X) >= 0.5).astype(np.int64)
