"""Data preparation on scikit-learn transformers, fitted on train only and saved as JSON
config + arrays (never pickle). See ``docs/prep.md``.

* :class:`TabularPreprocessor` — numbers (median + missing indicator + standardisation),
  categories ("missing" category + one-hot with rare categories grouped), text (TF-IDF or
  hashing);
* :class:`TreeInputs` — numbers as they are and categories as integer codes, for gradient
  boosting's native categorical splits;
* :class:`ImageNormalizer` — images → float32 tensors normalised with train statistics;
* :func:`inject_missing` — blank training values up to the target's missing rates.
"""

from yearn.prep._codes import TreeInputs
from yearn.prep._images import ImageNormalizer
from yearn.prep._inject import InjectionReport, inject_missing
from yearn.prep._state import ALLOWED_CLASSES
from yearn.prep._tabular import (
    MISSING_CATEGORY,
    TabularPreprocessor,
    infer_columns,
    numeric_matrix,
)

__all__ = [
    "ALLOWED_CLASSES",
    "MISSING_CATEGORY",
    "ImageNormalizer",
    "InjectionReport",
    "TabularPreprocessor",
    "TreeInputs",
    "infer_columns",
    "inject_missing",
    "numeric_matrix",
]
