"""The diagnosis: avoidable bias, variance, data mismatch and dev-set overfitting.

Reads errors (bare numbers) or predictions tables, never models::

    from yearn.diagnose import diagnose, diagnose_predictions
    diagnose(human="1%", train="8%", train_dev="9%", dev="10%", n_dev=5000, ...)
    diagnose_predictions("predictions.parquet")

Also learning curves (:func:`learning_curve`) and training-health checks on a run's
curves (:func:`training_health`). See docs/diagnosis.md.
"""

from yearn.diagnose._advice import GAP_LABELS, GAP_NAMES, NEXT_STEPS, next_steps
from yearn.diagnose._choose import SourcedDiagnosis, diagnose_source
from yearn.diagnose._estimators import make_estimator
from yearn.diagnose._from_predictions import diagnose_predictions
from yearn.diagnose._health import Finding, TrainingHealth, training_health
from yearn.diagnose._intervals import group_codes, group_sampler, newcombe_diff, wilson
from yearn.diagnose._ladder import (
    DEFAULT_RATE_TOLERANCE,
    RELATIVE_RATE_TOLERANCE,
    SIMILAR_RATIO,
    diagnose,
)
from yearn.diagnose._learning import LearningCurve, fit_power_law, learning_curve
from yearn.diagnose._project_curve import ProjectCurve, project_learning_curve
from yearn.diagnose._result import Diagnosis, Gap, MultiTaskDiagnosis, Rung
from yearn.diagnose._sources import (
    RunDiagnosis,
    diagnose_run,
    error_form,
    latest_run_with_predictions,
    project_defaults,
    project_diagnosis_options,
)
from yearn.diagnose._values import LADDER, parse_errors, parse_rate

__all__ = [
    "DEFAULT_RATE_TOLERANCE",
    "GAP_LABELS",
    "GAP_NAMES",
    "LADDER",
    "NEXT_STEPS",
    "RELATIVE_RATE_TOLERANCE",
    "SIMILAR_RATIO",
    "Diagnosis",
    "Finding",
    "Gap",
    "LearningCurve",
    "MultiTaskDiagnosis",
    "ProjectCurve",
    "RunDiagnosis",
    "Rung",
    "SourcedDiagnosis",
    "TrainingHealth",
    "diagnose",
    "diagnose_predictions",
    "diagnose_run",
    "diagnose_source",
    "error_form",
    "fit_power_law",
    "group_codes",
    "group_sampler",
    "latest_run_with_predictions",
    "learning_curve",
    "make_estimator",
    "newcombe_diff",
    "next_steps",
    "parse_errors",
    "parse_rate",
    "project_defaults",
    "project_diagnosis_options",
    "project_learning_curve",
    "training_health",
    "wilson",
]
