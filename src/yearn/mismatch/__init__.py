"""Data mismatch: see what separates training data from target data, and synthesise
training data that looks like the target (see ``docs/mismatch.md``)."""

from yearn.mismatch._find import find_mismatch
from yearn.mismatch._result import Example, MismatchResult, thumbnail_uri
from yearn.mismatch._saved import mismatch_html, save_mismatch

__all__ = [
    "Example",
    "MismatchResult",
    "find_mismatch",
    "mismatch_html",
    "save_mismatch",
    "thumbnail_uri",
]
