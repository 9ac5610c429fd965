"""yearn: make the discipline of structuring a machine-learning project executable."""

from yearn._version import __version__
from yearn.errors import (
    ConfigError,
    DataError,
    PredictionsError,
    StoreError,
    TrainingError,
    YearnError,
)

__all__ = [
    "ConfigError",
    "DataError",
    "Dataset",
    "PredictionsError",
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
    "load_images",
    "load_manifest",
    "load_project",
    "load_worksheet",
    "make_digits_demo",
    "make_scenes_demo",
    "make_tabular_demo",
    "read_table",
    "record_corrections",
    "required_dev_size",
    "run_baselines",
    "run_project",
    "sample_errors",
    "split_dataset",
    "split_project",
    "training_health",
    "transfer",
    "write_project_file",
    "write_report",
]


# metrics / comparison / baselines API, loaded on first use like ``fit``
_LAZY_METRICS = {
    "beats_baseline": "yearn.baselines",
    "choose_best": "yearn.metrics",
    "compare_predictions": "yearn.compare",
    "detectable_gain": "yearn.compare",
    "diagnose_predictions": "yearn.diagnose",
    "diagnose_run": "yearn.diagnose",
    "learning_curve": "yearn.diagnose",
    "training_health": "yearn.diagnose",
    "get_metric": "yearn.metrics",
    "make_digits_demo": "yearn.demo",
    "make_tabular_demo": "yearn.demo",
    "required_dev_size": "yearn.compare",
    "run_baselines": "yearn.baselines",
    "run_project": "yearn.workflow",
    "build_report": "yearn.report",
    "write_report": "yearn.report",
    "apply_corrections": "yearn.labels",
    "find_slices": "yearn.slices",
    "label_issues": "yearn.labels",
    "load_worksheet": "yearn.erroranalysis",
    "record_corrections": "yearn.labels",
    "sample_errors": "yearn.erroranalysis",
    "write_project_file": "yearn.scaffold",
    "four_way_split": "yearn.splits",
    "split_dataset": "yearn.splits",
    "split_project": "yearn.splits",
    "load_manifest": "yearn.splits",
    "evaluate": "yearn.splits",
    "Dataset": "yearn.data",
    "from_arrays": "yearn.data",
    "from_frame": "yearn.data",
    "load_images": "yearn.data",
    "load_project": "yearn.data",
    "read_table": "yearn.data",
    "transfer": "yearn.transfer",
    "advise_transfer": "yearn.transfer",
    "compare_transfer": "yearn.transfer",
    "fit_multitask": "yearn.multitask",
    "compare_joint_separate": "yearn.multitask",
    "make_scenes_demo": "yearn.demo",
}


def __getattr__(name: str):
    # heavy parts (torch) load on first use, so 'import yearn' and the CLI stay fast
    if name == "fit":
        from yearn.train import fit

        return fit
    if name in _LAZY_METRICS:
        import importlib

        return getattr(importlib.import_module(_LAZY_METRICS[name]), name)
    raise AttributeError(f"module 'yearn' has no attribute {name!r}")
