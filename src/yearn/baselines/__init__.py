"""Baselines: trivial (majority / stratified / mean) and simple (linear, gradient boosting)
models on the project's splits, and the verdict "does this model beat the best baseline?".
"""

from __future__ import annotations

from yearn.baselines._core import BaselineReport, fit_baselines, score_tables
from yearn.baselines._estimators import BaselineSpec, PerTaskClassifier, baseline_specs
from yearn.baselines._from_predictions import trivial_baselines
from yearn.baselines._project import load_baselines, project_features, run_baselines
from yearn.baselines._verdict import HYPOTHESES, BaselineVerdict, beats_baseline

__all__ = [
    "HYPOTHESES",
    "BaselineReport",
    "BaselineSpec",
    "BaselineVerdict",
    "PerTaskClassifier",
    "baseline_specs",
    "beats_baseline",
    "fit_baselines",
    "load_baselines",
    "project_features",
    "run_baselines",
    "score_tables",
    "trivial_baselines",
]
