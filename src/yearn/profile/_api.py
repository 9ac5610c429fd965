"""``profile()``: run the registered checks over a DataFrame or a yearn Dataset."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_positive_int
from yearn.data import release_memory
from yearn.errors import ConfigError, DataError
from yearn.profile._context import ProfileContext
from yearn.profile._registry import REGISTRY, get_check
from yearn.profile._result import CheckResult, Profile

__all__ = ["build_context", "profile"]

log = logging.getLogger(__name__)
SPLITS = ("train", "train_dev", "dev", "test")
ROLE_COLUMNS = ("source", "role", "split")


def _infer_task(y: pd.Series) -> str:
    y = y.dropna()
    if y.empty:
        return "binary"
    if pd.api.types.is_float_dtype(y) and not np.all(y == np.round(y)):
        return "regression"
    if pd.api.types.is_numeric_dtype(y) and y.nunique() > 20:
        return "regression"
    return "binary" if y.nunique() <= 2 else "multiclass"


def _split_per_row(frame: pd.DataFrame, split: Any, id_column: str | None) -> np.ndarray | None:
    """Per-row split names from a column name, an array or a manifest table (id → split)."""
    if split is None:
        return frame.get("split")
    if isinstance(split, str):
        if split not in frame:
            raise ConfigError(
                f"split column {split!r} is not in the table; columns: "
                f"{', '.join(map(str, frame.columns[:20]))}."
            )
        return frame[split]
    if isinstance(split, pd.DataFrame):
        if not {"id", "split"} <= set(split.columns):
            raise DataError(
                f"a split manifest needs columns 'id' and 'split'; got {list(split.columns)}."
            )
        if id_column is None:
            raise ConfigError("a split manifest maps ids to splits: pass id_column= too.")
        return _splits_of_ids(split, frame[id_column])
    arr = np.asarray(split, dtype=object)
    if arr.shape != (len(frame),):
        raise DataError(f"split has {arr.size} values for {len(frame)} rows; give one per row.")
    return arr


def _splits_of_ids(manifest: pd.DataFrame, ids: pd.Series) -> pd.Categorical:
    """Each row's split, looked up by id in a manifest table (ids compared as text, or as
    integers when both sides are integers; the first row of a repeated id counts; ids
    the manifest lacks have no split)."""
    known, wanted = manifest["id"], ids
    if not (pd.api.types.is_integer_dtype(known) and pd.api.types.is_integer_dtype(wanted)):
        known, wanted = known.astype(str), wanted.astype(str)
    index = pd.Index(known.to_numpy())
    split = pd.Categorical(manifest["split"])  # codes, compared without making strings
    codes = np.asarray(split.codes, dtype=np.int64)
    if not index.is_unique:
        first = ~index.duplicated()
        index, codes = index[first], codes[first]
    where = index.get_indexer(wanted.to_numpy())
    per_row = np.where(where >= 0, codes[where], -1)
    present = np.bincount(per_row + 1, minlength=len(split.categories) + 1)[1:] > 0
    names = [str(c) for c in split.categories[present]]
    order = np.argsort(names)  # categories sorted, as pd.Categorical(values) sorts them
    lookup = np.full(len(split.categories) + 1, -1, dtype=np.int64)
    lookup[np.flatnonzero(present)[order]] = np.arange(len(order))
    return pd.Categorical.from_codes(lookup[per_row], categories=[names[i] for i in order])


def _categorical(values: Any) -> pd.Categorical | None:
    """Per-row names as a Categorical of strings (cheap comparisons and codes)."""
    if values is None:
        return None
    if isinstance(values, pd.Categorical) and all(isinstance(c, str) for c in values.categories):
        return values
    series = pd.Series(values).reset_index(drop=True)
    cat = pd.Categorical(series)
    if not all(isinstance(c, str) for c in cat.categories):
        cat = pd.Categorical(series.astype(str).where(series.notna()))
    return cat


def build_context(
    data: Any,
    *,
    label: str | None = None,
    task: str | None = None,
    features: Sequence[str] | None = None,
    id_column: str | None = None,
    group_column: str | None = None,
    image_column: str | None = None,
    text_columns: Sequence[str] = (),
    split: Any = None,
    random_state: int = 0,
    options: dict[str, Any] | None = None,
) -> ProfileContext:
    """A :class:`ProfileContext` from a DataFrame (arguments name the columns) or a
    Dataset (its attributes do)."""
    if hasattr(data, "frame") and hasattr(data, "label_columns"):
        ds = data
        frame = ds.frame
        label = label or (ds.label_columns[0] if len(ds.label_columns) == 1 else None)
        task = task or ds.task
        id_column = id_column or ds.id_column
        group_column = group_column or ds.group_column
        image_column = image_column or ds.image_column
        text_columns = tuple(text_columns) or tuple(ds.text_columns)
        if features is None:
            features = [c for c in (*ds.feature_columns, *ds.text_columns) if c in frame]
            if ds.image_column and ds.image_column not in features:
                features.append(ds.image_column)
    elif isinstance(data, pd.DataFrame):
        frame = data
    elif hasattr(data, "to_pandas") and hasattr(data, "columns"):  # polars, pyarrow
        frame = data.to_pandas()
    else:
        raise DataError(
            f"profile() takes a pandas DataFrame or a yearn Dataset; got "
            f"{type(data).__name__}. Convert it with pandas.DataFrame(...)."
        )
    if len(frame) == 0:
        raise DataError("the table to profile has no rows; check the source files.")
    for name, col in (
        ("label", label),
        ("id_column", id_column),
        ("group_column", group_column),
        ("image_column", image_column),
    ):
        if col is not None and col not in frame:
            raise ConfigError(
                f"{name} {col!r} is not a column of the table; columns: "
                f"{', '.join(map(str, frame.columns[:20]))}."
            )
    if label is not None and task is None:
        task = _infer_task(frame[label])
    reserved = {label, id_column, group_column, *ROLE_COLUMNS} - {None}
    if features is None:
        features = [c for c in frame.columns if c not in reserved]
    missing = [c for c in features if c not in frame]
    if missing:
        raise ConfigError(f"feature column(s) {missing} are not in the table.")
    if not frame.columns.is_unique:
        dup = frame.columns[frame.columns.duplicated()].tolist()
        raise DataError(f"the table has duplicate column names {dup}; rename them.")
    return ProfileContext(
        frame=frame,
        label=label,
        task=task,
        features=list(features),
        id_column=id_column,
        group_column=group_column,
        image_column=image_column,
        text_columns=tuple(text_columns),
        split=_categorical(_split_per_row(frame, split, id_column)),
        source=_categorical(frame["source"]) if "source" in frame else None,
        role=_categorical(frame["role"]) if "role" in frame else None,
        random_state=random_state,
        options=dict(options or {}),
    )


def profile(
    data: Any,
    *,
    label: str | None = None,
    task: str | None = None,
    features: Sequence[str] | None = None,
    id_column: str | None = None,
    group_column: str | None = None,
    image_column: str | None = None,
    text_columns: Sequence[str] = (),
    split: Any = None,
    checks: Sequence[str] | None = None,
    random_state: int = 0,
    max_rows: int = 200_000,
    n_jobs: int = 1,
    options: dict[str, Any] | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
) -> Profile:
    """Profile a table: run every registered check (or those named in ``checks``).

    ``data`` is a pandas DataFrame or a :class:`yearn.data.Dataset`. Rows are grouped by
    ``split`` (a column name, one name per row, or a manifest table ``id → split``; a
    ``split`` column is used when present), else by the ``source`` column. Columns
    ``source`` / ``role`` (``train`` or ``target``) mark where rows come from; shift is
    measured between the train sources and the target source. ``max_rows`` caps the rows
    the model-based checks (leakage) subsample; summaries use every row. ``n_jobs``
    checks run at once in threads (results do not depend on it). ``on_check`` is called
    with each result as it is ready (a progress display).
    """
    check_positive_int("max_rows", max_rows, minimum=100)
    start = time.perf_counter()
    opts = {"max_rows": max_rows, **(options or {})}
    ctx = build_context(
        data,
        label=label,
        task=task,
        features=features,
        id_column=id_column,
        group_column=group_column,
        image_column=image_column,
        text_columns=text_columns,
        split=split,
        random_state=random_state,
        options=opts,
    )
    names = list(REGISTRY) if checks is None else list(checks)
    instances = [get_check(name)() for name in names]
    n_jobs = check_positive_int("n_jobs", n_jobs)
    ctx.prepare(n_jobs)  # column views, label codes and groups: built once, read-only after

    def run(check) -> CheckResult:
        t0 = time.perf_counter()
        result = check.run(ctx)
        result.seconds = time.perf_counter() - t0
        release_memory()  # the check's temporaries, before the next check allocates its own
        log.debug("profile check %s: %s (%.2fs)", check.name, result.severity, result.seconds)
        if on_check is not None:
            on_check(result)
        return result

    if n_jobs == 1 or len(instances) == 1:
        results = [run(c) for c in instances]
    else:  # numpy, pandas and the classifier release the GIL: checks overlap on cores
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            results = list(pool.map(run, instances))
    return Profile(
        results=results,
        n_rows=ctx.n,
        n_columns=len(ctx.features),
        group_by=ctx.group_by,
        groups={g: int(i.size) for g, i in ctx.group_indices().items()},
        label=ctx.label,
        task=ctx.task,
        seconds=time.perf_counter() - start,
    )
