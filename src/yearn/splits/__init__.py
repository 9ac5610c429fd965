"""Splits: the four-way split (train / train-dev / dev / test), its manifest, and
evaluation protocols (holdout, K-fold, iterated K-fold). See ``docs/splits.md``."""

from yearn.splits._assign import hash_keys
from yearn.splits._four_way import four_way_split
from yearn.splits._stream_previous import ManifestLookup
from yearn.splits.audit import check_predictions_split, check_split
from yearn.splits.checks import DistributionTest, PrecisionCheck, SplitReport, precision_check
from yearn.splits.manifest import (
    SPLITS,
    SplitManifest,
    load_manifest,
    manifest_path,
    save_manifest,
)
from yearn.splits.project import SavedSplit, split_dataset, split_project
from yearn.splits.protocols import (
    CVResult,
    Protocol,
    TestLook,
    TestSetReuseWarning,
    evaluate,
    fit_final,
    holdout,
    kfold,
    look_at_test,
    repeated_kfold,
    t_interval,
)

__all__ = [
    "SPLITS",
    "CVResult",
    "DistributionTest",
    "ManifestLookup",
    "PrecisionCheck",
    "Protocol",
    "SavedSplit",
    "SplitManifest",
    "SplitReport",
    "TestLook",
    "TestSetReuseWarning",
    "check_predictions_split",
    "check_split",
    "evaluate",
    "fit_final",
    "four_way_split",
    "hash_keys",
    "holdout",
    "kfold",
    "load_manifest",
    "look_at_test",
    "manifest_path",
    "precision_check",
    "repeated_kfold",
    "save_manifest",
    "split_dataset",
    "split_project",
    "t_interval",
]
