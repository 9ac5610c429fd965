"""yearn: make the discipline of structuring a machine-learning project executable.

The names below are the public API. Only the errors load with ``import yearn``; every other
name loads its module on first use (``yearn.fit`` brings in torch then), so ``import yearn``
and the CLI stay fast. Type checkers and tab completion see all of them. (``transfer`` is
not among them: ``yearn.transfer`` is the package; its function is ``yearn.transfer.transfer``.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from yearn._version import __version__
from yearn.errors import (
    ConfigError,
    DataError,
    PredictionsError,
    StoreError,
    TrainingError,
    YearnError,
)

if TYPE_CHECKING:
    from yearn.baselines import beats_baseline, run_baselines
    from yearn.compare import compare_predictions, detectable_gain, required_dev_size
    from yearn.data import Dataset, from_arrays, from_frame, load_images, load_project, read_table
    from yearn.demo import make_digits_demo, make_scenes_demo, make_tabular_demo
    from yearn.diagnose import diagnose_predictions, diagnose_run, learning_curve, training_health
    from yearn.erroranalysis import load_worksheet, sample_errors
    from yearn.labels import apply_corrections, label_issues, record_corrections
    from yearn.metrics import choose_best, get_metric
    from yearn.multitask import compare_joint_separate, fit_multitask
    from yearn.predictions import Predictions, load_predictions, write_predictions
    from yearn.project import Project, read_predictions, resolve_predictions
    from yearn.report import build_report, write_report
    from yearn.scaffold import write_project_file
    from yearn.ship import load_exported
    from yearn.slices import find_slices
    from yearn.splits import evaluate, four_way_split, load_manifest, split_dataset, split_project
    from yearn.train import fit
    from yearn.transfer import advise_transfer, compare_transfer
    from yearn.workflow import run_project

#: Public name -> the module that owns it, loaded on first use.
_LAZY = {
    "beats_baseline": "yearn.baselines",
    "run_baselines": "yearn.baselines",
    "compare_predictions": "yearn.compare",
    "detectable_gain": "yearn.compare",
    "required_dev_size": "yearn.compare",
    "Dataset": "yearn.data",
    "from_arrays": "yearn.data",
    "from_frame": "yearn.data",
    "load_images": "yearn.data",
    "load_project": "yearn.data",
    "read_table": "yearn.data",
    "make_digits_demo": "yearn.demo",
    "make_scenes_demo": "yearn.demo",
    "make_tabular_demo": "yearn.demo",
    "diagnose_predictions": "yearn.diagnose",
    "diagnose_run": "yearn.diagnose",
    "learning_curve": "yearn.diagnose",
    "training_health": "yearn.diagnose",
    "load_worksheet": "yearn.erroranalysis",
    "sample_errors": "yearn.erroranalysis",
    "apply_corrections": "yearn.labels",
    "label_issues": "yearn.labels",
    "record_corrections": "yearn.labels",
    "choose_best": "yearn.metrics",
    "get_metric": "yearn.metrics",
    "compare_joint_separate": "yearn.multitask",
    "fit_multitask": "yearn.multitask",
    "Predictions": "yearn.predictions",
    "load_predictions": "yearn.predictions",
    "write_predictions": "yearn.predictions",
    "Project": "yearn.project",
    "read_predictions": "yearn.project",
    "resolve_predictions": "yearn.project",
    "build_report": "yearn.report",
    "write_report": "yearn.report",
    "write_project_file": "yearn.scaffold",
    "load_exported": "yearn.ship",
    "find_slices": "yearn.slices",
    "evaluate": "yearn.splits",
    "four_way_split": "yearn.splits",
    "load_manifest": "yearn.splits",
    "split_dataset": "yearn.splits",
    "split_project": "yearn.splits",
    "fit": "yearn.train",
    "advise_transfer": "yearn.transfer",
    "compare_transfer": "yearn.transfer",
    "run_project": "yearn.workflow",
}

__all__ = [
    "ConfigError",
    "DataError",
    "Dataset",
    "Predictions",
    "PredictionsError",
    "Project",
    "StoreError",
    "TrainingError",
    "YearnError",
    "__version__",
    "advise_transfer",
    "apply_corrections",
    "beats_baseline",
    "build_report",
    "choose_best",
    "compare_joint_separate",
    "compare_predictions",
    "compare_transfer",
    "detectable_gain",
    "diagnose_predictions",
    "diagnose_run",
    "evaluate",
    "find_slices",
    "fit",
    "fit_multitask",
    "four_way_split",
    "from_arrays",
    "from_frame",
    "get_metric",
    "label_issues",
    "learning_curve",
    "load_exported",
    "load_images",
    "load_manifest",
    "load_predictions",
    "load_project",
    "load_worksheet",
    "make_digits_demo",
    "make_scenes_demo",
    "make_tabular_demo",
    "read_predictions",
    "read_table",
    "record_corrections",
    "required_dev_size",
    "resolve_predictions",
    "run_baselines",
    "run_project",
    "sample_errors",
    "split_dataset",
    "split_project",
    "training_health",
    "write_predictions",
    "write_project_file",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'yearn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
