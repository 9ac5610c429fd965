"""What every check reads: the table, its roles (label, id, split, source) and cached
column views (float arrays for numbers, integer codes for categories) computed once."""

from __future__ import annotations

import functools
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from yearn.data import release_memory

__all__ = ["ColumnView", "ProfileContext"]

TEXT_MIN_MEAN_LENGTH = 40
CLASSIFICATION = ("binary", "multiclass")


class ColumnView:
    """One column seen by the checks.

    ``kind`` is ``numeric``, ``categorical``, ``text``, ``image`` or ``empty`` (all missing).
    ``values`` are float64 (NaN = missing) for numeric columns and int64 codes (-1 = missing)
    with ``categories`` for categorical ones; text and image columns keep the raw column.

    Kept small, as the profile holds one per column of a table of millions of rows: codes
    are stored in the narrowest integer type that holds them (``values`` widens them, a
    fresh array each time), and ``missing`` of a numeric or categorical column is worked
    out from the values when asked (NaN, or a negative code) rather than stored.
    """

    def __init__(
        self,
        name: str,
        kind: str,
        values: np.ndarray,
        missing: np.ndarray,
        categories: np.ndarray | None = None,
        mixed_types: str | None = None,
        integer_valued: bool = False,
    ) -> None:
        self.name = name
        self.kind = kind
        self.categories = categories
        self.mixed_types = mixed_types
        self.integer_valued = integer_valued
        derived = (kind == "numeric" and values.dtype == np.float64) or (
            kind == "categorical" and values.dtype.kind == "i"
        )
        if derived and not np.array_equal(missing, _missing_of(kind, values)):
            derived = False  # a mask that is not the values' own: keep it
        if kind == "categorical" and derived:
            values = values.astype(_code_type(len(categories) if categories is not None else 0))
        self._values = values
        self._missing = None if derived else np.asarray(missing, dtype=bool)

    @property
    def values(self) -> np.ndarray:
        if self.kind == "categorical" and self._values.dtype != np.int64:
            return self._values.astype(np.int64)
        return self._values

    @property
    def missing(self) -> np.ndarray:
        if self._missing is not None:
            return self._missing
        return _missing_of(self.kind, self._values)

    @functools.cached_property
    def n_missing(self) -> int:
        return int(self.missing.sum())

    @functools.cached_property
    def n_unique(self) -> int:
        if self.kind == "categorical":
            return len(self.categories)  # type: ignore[arg-type]
        if self.kind == "numeric":
            v = self.values[~self.missing]
            return int(np.unique(v).size) if v.size else 0
        return int(pd.Series(self.values).nunique())

    def __repr__(self) -> str:
        return f"ColumnView({self.name!r}, {self.kind!r}, rows={self._values.size})"


def _missing_of(kind: str, values: np.ndarray) -> np.ndarray:
    """The missing cells of a numeric (NaN) or categorical (negative code) column."""
    return np.isnan(values) if kind == "numeric" else values < 0


def _code_type(n_categories: int) -> type:
    """The narrowest signed integer type holding codes -1 .. n_categories - 1."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_categories <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def _infer_kind(col: pd.Series, name: str, text_columns: tuple[str, ...], image: str | None):
    if name == image:
        return "image", None
    if name in text_columns:
        return "text", None
    if col.isna().all():
        return "empty", None
    if isinstance(col.dtype, pd.CategoricalDtype):
        # strings kept as categories (``load_project(categorical=True)``) are judged as the
        # strings would be: free text or categories
        strings = pd.api.types.is_string_dtype(col.dtype.categories.dtype)
        return ("text" if strings and _looks_like_text(col) else "categorical"), None
    if pd.api.types.is_bool_dtype(col):
        return "categorical", None
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
        return "numeric", None
    inferred = pd.api.types.infer_dtype(col, skipna=True)
    if inferred in ("integer", "floating", "decimal", "mixed-integer-float"):
        return "numeric", None
    mixed = inferred if inferred.startswith("mixed") else None
    if inferred == "string" and _looks_like_text(col):
        return "text", None
    return "categorical", mixed


def _looks_like_text(col: pd.Series) -> bool:
    """Free text rather than categories: long values, most of them distinct (judged on
    the first 2,000 present values)."""
    sample = col.dropna()
    sample = sample.iloc[: min(len(sample), 2000)]
    lengths = sample.str.len()
    return bool(lengths.mean() >= TEXT_MIN_MEAN_LENGTH and sample.nunique() > 0.5 * len(sample))


def _column_view(col: pd.Series, name: str, kind: str, mixed: str | None) -> ColumnView:
    missing = col.isna().to_numpy()
    if kind == "numeric":
        if pd.api.types.is_datetime64_any_dtype(col):
            values = col.astype("int64").to_numpy(dtype=np.float64)
            values[missing] = np.nan
        elif pd.api.types.is_numeric_dtype(col):
            values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
        finite = np.isfinite(values)
        missing = missing | np.isnan(values)
        present = values[finite]
        integer_valued = bool(present.size) and bool(np.all(present == np.round(present)))
        return ColumnView(name, kind, values, missing, integer_valued=integer_valued)
    if kind == "categorical":
        source = col.astype(str).where(~missing, None) if mixed else col
        codes, uniques = pd.factorize(source, use_na_sentinel=True)
        cats = np.asarray(uniques, dtype=object) if not isinstance(uniques, np.ndarray) else uniques
        return ColumnView(name, kind, codes, missing, cats, mixed)
    return ColumnView(name, kind, col.to_numpy(dtype=object), missing)


@dataclass
class ProfileContext:
    """The table and what its columns mean; column views are built lazily and cached."""

    frame: pd.DataFrame
    label: str | None
    task: str | None
    features: list[str]
    id_column: str | None = None
    group_column: str | None = None
    image_column: str | None = None
    text_columns: tuple[str, ...] = ()
    split: pd.Categorical | None = None  # per-row split name, or None
    source: pd.Categorical | None = None
    role: pd.Categorical | None = None
    random_state: int = 0
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._views: dict[str, ColumnView] = {}

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def group_by(self) -> str:
        """``split`` when a split is known, else ``source`` (else ``all``)."""
        if self.split is not None:
            return "split"
        return "source" if self.source is not None else "all"

    @functools.cached_property
    def group_codes(self) -> tuple[np.ndarray, list[str]]:
        """Per-row group code and the group names (splits, sources or ``all``)."""
        per_row = {"split": self.split, "source": self.source}.get(self.group_by)
        if per_row is None:
            return np.zeros(self.n, dtype=np.int64), ["all"]
        cat = per_row.add_categories("(unassigned)") if per_row.isna().any() else per_row
        if per_row.isna().any():
            cat = cat.fillna("(unassigned)")
        present = [
            str(c)
            for c, k in zip(
                cat.categories, np.bincount(cat.codes, minlength=len(cat.categories)), strict=True
            )
            if k
        ]
        order = ["train", "train_dev", "dev", "test"]
        names = [s for s in order if s in present] + sorted(s for s in present if s not in order)
        lookup = np.array(
            [names.index(str(c)) if str(c) in names else -1 for c in cat.categories], dtype=np.int64
        )
        return lookup[cat.codes], names

    def group_indices(self) -> dict[str, np.ndarray]:
        codes, names = self.group_codes
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
        return {name: order[bounds[i] : bounds[i + 1]] for i, name in enumerate(names)}

    def train_target_rows(self) -> tuple[np.ndarray, np.ndarray, str] | None:
        """Rows of the training side and of the target side, and what they are: the
        ``role`` column (train sources vs the target source), else the split (train and
        train_dev vs dev and test); None when neither separates two sides."""
        if self.role is not None:
            ref = np.flatnonzero(np.asarray(self.role == "train"))
            tgt = np.flatnonzero(np.asarray(self.role == "target"))
            if ref.size and tgt.size:
                return ref, tgt, "train sources vs target source"
        if self.split is not None:
            ref = np.flatnonzero(np.asarray(self.split.isin(["train", "train_dev"])))
            tgt = np.flatnonzero(np.asarray(self.split.isin(["dev", "test"])))
            if ref.size and tgt.size:
                return ref, tgt, "train/train_dev vs dev/test"
        return None

    def prepare(self, n_jobs: int = 1) -> None:
        """Build every cached view up front (``n_jobs`` columns at once, in threads), so
        checks may then run in parallel threads."""
        wanted = dict.fromkeys([*self.features, *([self.label] if self.label else [])])
        names = [n for n in wanted if n not in self._views]
        with warnings.catch_warnings():  # process-wide: set once, around every thread
            warnings.simplefilter("ignore", RuntimeWarning)
            if n_jobs > 1 and len(names) > 1:  # numpy, pandas and Arrow release the GIL
                with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                    views = list(pool.map(self._build_view, names))
            else:
                views = [self._build_view(name) for name in names]
        self._views.update(zip(names, views, strict=True))
        _ = self.target, self.group_codes
        # the views' temporaries (factorising, widening): handed back, not kept as the
        # process's high-water mark while the checks run
        release_memory()

    def view(self, name: str) -> ColumnView:
        """The cached :class:`ColumnView` of a column."""
        if name not in self._views:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                self._views[name] = self._build_view(name)
        return self._views[name]

    def _build_view(self, name: str) -> ColumnView:
        col = self.frame[name]
        kind, mixed = _infer_kind(col, name, self.text_columns, self.image_column)
        return _column_view(col, name, kind, mixed)

    def views(self, kinds: tuple[str, ...] | None = None) -> list[ColumnView]:
        out = [self.view(c) for c in self.features]
        return [v for v in out if kinds is None or v.kind in kinds]

    @functools.cached_property
    def target(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """``(y, known, classes)``: label codes (classification) or floats (regression),
        the mask of rows with a label, and the class names."""
        if self.label is None:
            return np.zeros(self.n), np.zeros(self.n, dtype=bool), []
        col = self.frame[self.label]
        known = col.notna().to_numpy()
        if self.task in CLASSIFICATION:
            labels = col.astype(str).where(col.notna(), None)
            classes = sorted(pd.unique(labels[known]).tolist())
            codes = pd.Categorical(labels, categories=classes).codes.astype(np.int64)
            return codes, known & (codes >= 0), [str(c) for c in classes]
        y = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
        return y, known & np.isfinite(y), []

    def sample_rows(self, rows: np.ndarray, max_rows: int, salt: int = 0) -> np.ndarray:
        """A seeded random subset of the row positions ``rows`` (order kept) of about
        ``max_rows`` rows (exactly that many when it is a small share of ``rows``; else each
        row is kept with probability ``max_rows / len(rows)``). ``salt`` varies the draw."""
        if rows.size <= max_rows:
            return rows
        rng = np.random.default_rng([self.random_state, 0x79E4, salt])
        if max_rows <= 10_000 or max_rows <= rows.size // 50:  # exact size, cheap here
            return np.sort(rows[rng.choice(rows.size, size=max_rows, replace=False)])
        return rows[rng.random(rows.size) < max_rows / rows.size]
