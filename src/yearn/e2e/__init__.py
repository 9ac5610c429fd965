"""End-to-end or a pipeline of hand-designed parts: both learning curves, where they
cross, and which to choose at your data size (``yearn e2e-compare``)."""

from yearn.e2e._compare import compare_e2e, default_sizes
from yearn.e2e._crossing import CurveStats, crossing_of, curve_stats
from yearn.e2e._features import (
    apply_features,
    image_descriptors,
    load_features_function,
    subtract_background,
)
from yearn.e2e._result import E2EResult
from yearn.e2e._saved import load_saved, save_result, saved_html

__all__ = [
    "CurveStats",
    "E2EResult",
    "apply_features",
    "compare_e2e",
    "crossing_of",
    "curve_stats",
    "default_sizes",
    "image_descriptors",
    "load_features_function",
    "load_saved",
    "save_result",
    "saved_html",
    "subtract_background",
]
