"""Label issues (confident learning over out-of-sample probabilities) and relabelling.

Functions over predictions tables, never models::

    from yearn.labels import label_issues, record_corrections, apply_corrections
    result = label_issues("predictions.parquet")      # flagged ids, noise per class pair
    result.advice                                     # relabel or not, from the dev error
"""

from yearn.labels._confident import (
    confident_joint,
    confident_thresholds,
    find_label_issues,
    self_confidence,
)
from yearn.labels._issues import POSSIBLY_MISLABELED, InSampleWarning, LabelIssues, label_issues
from yearn.labels._oof import default_estimator, out_of_fold_predictions, out_of_fold_proba
from yearn.labels._project import project_out_of_fold
from yearn.labels._relabel import (
    RelabelResult,
    apply_corrections,
    correct_frame,
    coverage_warnings,
    read_corrections_csv,
    read_relabel_log,
    record_corrections,
    rediagnose,
    relabel_log_path,
)

__all__ = [
    "POSSIBLY_MISLABELED",
    "InSampleWarning",
    "LabelIssues",
    "RelabelResult",
    "apply_corrections",
    "confident_joint",
    "confident_thresholds",
    "correct_frame",
    "coverage_warnings",
    "default_estimator",
    "find_label_issues",
    "label_issues",
    "out_of_fold_predictions",
    "out_of_fold_proba",
    "project_out_of_fold",
    "read_corrections_csv",
    "read_relabel_log",
    "record_corrections",
    "rediagnose",
    "relabel_log_path",
    "self_confidence",
]
