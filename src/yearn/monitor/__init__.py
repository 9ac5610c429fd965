"""Watch a model in production: drift per window (each statistic's threshold calibrated by
resampling the reference, so a no-drift window raises a false alarm at most ``alpha`` of the
time at any size), a domain classifier, accuracy with and without labels, concept drift,
verdicts, audits, and retraining with promotion. See ``docs/monitoring.md``.

    >>> from yearn.monitor import Reference, monitor
    >>> ref = Reference.build(train_frame)                       # doctest: +SKIP
    >>> result = monitor(ref, "requests/", window="1d")          # doctest: +SKIP
    >>> result.needs_attention                                   # doctest: +SKIP
"""

from yearn.monitor._audit import SHARES, audit_frame, audit_project, drift_scores
from yearn.monitor._bins import ColumnBins
from yearn.monitor._cbpe import (
    NOT_ESTIMATED,
    ClassCalibration,
    confusion_metric,
    not_estimated_reason,
)
from yearn.monitor._domain import DomainDrift, auc_interval, domain_classifier
from yearn.monitor._monitor import MIN_EFFECT, monitor
from yearn.monitor._null import NullCalibration
from yearn.monitor._performance import ConfidenceMap, Estimate, wilson
from yearn.monitor._project import (
    ProjectReference,
    deployed_run,
    load_saved,
    monitor_project,
    monitoring_html,
    project_reference,
)
from yearn.monitor._reference import CLASS_COLUMN, CONFIDENCE_COLUMN, Reference
from yearn.monitor._result import VERDICTS, ColumnDrift, MonitorResult, WindowResult
from yearn.monitor._retrain import RetrainDecision, append_rows, retrain_project
from yearn.monitor._scoring import run_proba, with_predictions
from yearn.monitor._table import Table, open_table

__all__ = [
    "CLASS_COLUMN",
    "CONFIDENCE_COLUMN",
    "MIN_EFFECT",
    "NOT_ESTIMATED",
    "SHARES",
    "VERDICTS",
    "ClassCalibration",
    "ColumnBins",
    "ColumnDrift",
    "ConfidenceMap",
    "DomainDrift",
    "Estimate",
    "MonitorResult",
    "NullCalibration",
    "ProjectReference",
    "Reference",
    "RetrainDecision",
    "Table",
    "WindowResult",
    "append_rows",
    "auc_interval",
    "audit_frame",
    "audit_project",
    "confusion_metric",
    "deployed_run",
    "domain_classifier",
    "drift_scores",
    "load_saved",
    "monitor",
    "monitor_project",
    "monitoring_html",
    "not_estimated_reason",
    "open_table",
    "project_reference",
    "retrain_project",
    "run_proba",
    "wilson",
    "with_predictions",
]
