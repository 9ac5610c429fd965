"""A vs B on the same examples (McNemar, paired bootstrap) and the dev-set size planner."""

from __future__ import annotations

from yearn.compare._compare import Comparison, compare_predictions, format_gain, format_metric
from yearn.compare._planner import DevSizePlan, detectable_gain, required_dev_size
from yearn.compare._stats import (
    BootstrapResult,
    McNemarResult,
    mcnemar_exact,
    paired_bootstrap,
    paired_bootstrap_binary,
)

__all__ = [
    "BootstrapResult",
    "Comparison",
    "DevSizePlan",
    "McNemarResult",
    "compare_predictions",
    "detectable_gain",
    "format_gain",
    "format_metric",
    "mcnemar_exact",
    "paired_bootstrap",
    "paired_bootstrap_binary",
    "required_dev_size",
]
