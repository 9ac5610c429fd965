"""The built-in profile checks; importing this package registers them (in run order)."""
# isort: skip_file

from yearn.profile.checks import (  # noqa: F401  (imported to register)
    summary,
    missing,
    balance,
    leakage,
    duplicates,
    near_duplicates,
    contamination,
    shift,
    geo,
    samples,
)
