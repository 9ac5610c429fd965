"""Multi-task learning: one network with one sigmoid output per task.

- :func:`fit_multitask` — train it (loss summed over labelled entries only), per-task
  error and average precision, mAP, per-task diagnosis;
- :func:`compare_joint_separate` — one joint network vs a network per task, per task and
  overall, with confidence intervals (optionally a too-small joint network);
- :func:`advise_multitask` — the course's conditions, measured.
"""

from yearn.multitask._advisor import SIMILAR, MultiTaskAdvice, advise_multitask
from yearn.multitask._compare import JointVsSeparate, TaskVerdict, compare_joint_separate
from yearn.multitask._fit import MultiTaskResult, fit_multitask, multilabel_data, predict_proba
from yearn.multitask._project import (
    compare_multitask_project,
    default_model,
    fit_multitask_project,
)
from yearn.multitask._scores import (
    TaskScore,
    average_precision,
    check_task_labels,
    mean_average_precision,
    task_scores,
)

__all__ = [
    "SIMILAR",
    "JointVsSeparate",
    "MultiTaskAdvice",
    "MultiTaskResult",
    "TaskScore",
    "TaskVerdict",
    "advise_multitask",
    "average_precision",
    "check_task_labels",
    "compare_joint_separate",
    "compare_multitask_project",
    "default_model",
    "fit_multitask",
    "fit_multitask_project",
    "mean_average_precision",
    "multilabel_data",
    "predict_proba",
    "task_scores",
]
