"""Data profile: registered checks over a table, each returning a uniform result.

    >>> from yearn.profile import profile
    >>> result = profile(frame, label="y")          # doctest: +SKIP
    >>> result["leakage"].severity                  # doctest: +SKIP

Checks (run in this order): summary, missing, balance, leakage, duplicates,
near_duplicates, contamination, shift, geo, samples. Add one by subclassing
:class:`Check` and decorating it with :func:`register`. See ``docs/profile.md``.
"""

from yearn.profile import checks as _checks  # noqa: F401  (registers the built-in checks)
from yearn.profile._api import build_context, profile
from yearn.profile._context import ColumnView, ProfileContext
from yearn.profile._imagestats import IMAGE_FEATURES, image_features, measure_image
from yearn.profile._phash import average_hash, hamming_pairs, phash
from yearn.profile._project import profile_project, screen_features, screened_dataset
from yearn.profile._registry import REGISTRY, Check, get_check, register
from yearn.profile._result import SEVERITIES, CheckResult, Profile
from yearn.profile._screen import (
    FeatureScreen,
    flagged_columns,
    recorded_screen,
)
from yearn.profile.checks.shift import AUC_SHIFT, adversarial_validation, shift_views

__all__ = [
    "AUC_SHIFT",
    "IMAGE_FEATURES",
    "REGISTRY",
    "SEVERITIES",
    "Check",
    "CheckResult",
    "ColumnView",
    "FeatureScreen",
    "Profile",
    "ProfileContext",
    "adversarial_validation",
    "average_hash",
    "build_context",
    "flagged_columns",
    "get_check",
    "hamming_pairs",
    "image_features",
    "measure_image",
    "phash",
    "profile",
    "profile_project",
    "recorded_screen",
    "register",
    "screen_features",
    "screened_dataset",
    "shift_views",
]
