"""High-error slices of a predictions table (metadata and feature conditions, and pairs).

::

    from yearn.slices import find_slices
    report = find_slices("predictions.parquet", split="dev")
    report.top(5)        # ranked by excess errors, with corrected p-values
"""

from yearn.slices._slices import SliceReport, find_slices

__all__ = ["SliceReport", "find_slices"]
