"""The scikit-learn estimators ``yearn learning-curve`` can name on the command line."""

from __future__ import annotations

from typing import Any

from yearn.errors import ConfigError

__all__ = ["ESTIMATORS", "make_estimator"]

ESTIMATORS = ("logistic", "lda", "knn", "tree", "forest", "ridge")


def make_estimator(name: str, *, regression: bool, random_state: int | None = 0) -> Any:
    """A fresh, unfitted estimator called ``name`` for a classification or regression task."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    key = str(name).strip().lower()
    if regression:
        table = {
            "ridge": lambda: Ridge(alpha=1.0),
            "logistic": lambda: Ridge(alpha=1.0),
            "knn": lambda: KNeighborsRegressor(5),
            "tree": lambda: DecisionTreeRegressor(random_state=random_state),
            "forest": lambda: RandomForestRegressor(100, random_state=random_state),
        }
    else:
        table = {
            "logistic": lambda: LogisticRegression(max_iter=1000),
            "lda": lambda: LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
            "knn": lambda: KNeighborsClassifier(5),
            "tree": lambda: DecisionTreeClassifier(random_state=random_state),
            "forest": lambda: RandomForestClassifier(100, random_state=random_state),
        }
    if key not in table:
        kind = "regression" if regression else "classification"
        raise ConfigError(
            f"--estimator {name!r}: unknown for a {kind} task; choose one of {', '.join(table)}."
        )
    return table[key]()
