"""Splits: the four-way split (train / train-dev / dev / test), its manifest, and
evaluation protocols (holdout, K-fold, iterated K-fold). See ``docs/splits.md``."""

from yearn.splits._four_way import four_way_split
from yearn.splits.checks import DistributionTest, PrecisionCheck, SplitReport, precision_check
from yearn.splits.manifest import (
    SPLITS,
    SplitManifest,
    load_manifest,
    manifest_path,
    save_manifest,
)

__all__ = [
    "SPLITS",
    "DistributionTest",
    "PrecisionCheck",
    "SplitManifest",
    "SplitReport",
    "four_way_split",
    "load_manifest",
    "manifest_path",
    "precision_check",
    "save_manifest",
]
