"""Loading every source of a project (``yearn.toml``) into one validated :class:`Dataset`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from yearn.config import ProjectConfig, SourceConfig, load_config
from yearn.data.build import finish_dataset, generated_id_column, prepare_table
from yearn.data.dataset import ROLE_COLUMN, SOURCE_COLUMN, Dataset
from yearn.data.images import check_image_files, read_image_folder, resolve_paths
from yearn.data.memory import release_memory
from yearn.data.screen import apply_screen
from yearn.data.tables import read_table, table_format
from yearn.data.validate import CLASSIFICATION_TASKS, Where
from yearn.errors import DataError

__all__ = ["load_project", "source_format"]

log = logging.getLogger(__name__)

DEFAULT_IMAGE_COLUMN = "image"


@dataclass(frozen=True)
class _Loaded:
    source: SourceConfig
    frame: pd.DataFrame
    where: Where


def source_format(source: SourceConfig) -> str:
    """``csv``, ``parquet`` or ``image_folder``: the source's format or, when ``auto``,
    guessed from the path (a folder is an image folder)."""
    if source.format != "auto":
        return source.format
    if source.path.is_dir():
        return "image_folder"
    return table_format(source.path)


def _read_source(
    config: ProjectConfig,
    source: SourceConfig,
    columns: list[str] | None = None,
    categorical_except: list[str] | None = None,
) -> _Loaded:
    path = source.path
    if not path.exists():
        raise DataError(
            f"source {source.name!r}: {path} not found; fix sources.path in yearn.toml "
            "(relative paths are relative to the project folder)."
        )
    fmt = source_format(source)
    image_column = config.image_column
    if fmt == "image_folder":
        if config.task not in CLASSIFICATION_TASKS:
            raise DataError(
                f"source {source.name!r}: an image folder (class sub-folders) gives one class "
                f"label per image, but the task is {config.task!r}; use a manifest table "
                "with a column of image paths instead."
            )
        frame = read_image_folder(
            path,
            label_column=config.label_columns[0],
            image_column=image_column or DEFAULT_IMAGE_COLUMN,
        )
        return _Loaded(source, frame, Where(str(path), 1, unit="image"))
    if fmt == "wav_folder":
        from yearn.data.audio import read_wav_folder

        if config.task not in CLASSIFICATION_TASKS:
            raise DataError(
                f"source {source.name!r}: an audio folder (class sub-folders) gives one class "
                f"label per clip, but the task is {config.task!r}."
            )
        frame = read_wav_folder(path, label_column=config.label_columns[0])
        frame["clip"] = source.name + "/" + frame["clip"]  # unique across sources
        return _Loaded(source, frame, Where(str(path), 1, unit="clip"))
    as_text = [*config.text_columns, config.id_column] if config.id_column else config.text_columns
    frame = read_table(
        path,
        format=fmt,
        text_columns=as_text,
        columns=columns,
        categorical_except=categorical_except,
    )
    where = Where(str(path), 2)
    if not len(frame):
        raise DataError(
            f"source {source.name!r}: {path} has a header but no rows; add the examples or "
            "remove the source from yearn.toml."
        )
    if image_column is not None and image_column in frame.columns:
        frame = resolve_paths(frame, image_column, path.parent, where)
    return _Loaded(source, frame, where)


def _named_columns(config: ProjectConfig, image_column: str | None) -> list[str]:
    """Every column the project names except the features: ids, groups, labels, metadata,
    text and images."""
    named = [config.id_column, config.group_column, image_column]
    named += list(config.label_columns) + list(config.metadata_columns)
    named += list(config.text_columns)
    return list(dict.fromkeys(c for c in named if c is not None))


def _keep_columns(config: ProjectConfig, image_column: str | None) -> list[str] | None:
    """The columns to keep when feature_columns is given (others are dropped)."""
    if not config.feature_columns:
        return None
    named = [config.id_column, config.group_column, image_column]
    named += list(config.label_columns) + list(config.metadata_columns)
    named += list(config.text_columns) + list(config.feature_columns)
    return list(dict.fromkeys(c for c in named if c is not None))


def _check_schemas(loaded: list[_Loaded]) -> None:
    if len(loaded) < 2:
        return
    columns = [set(item.frame.columns) for item in loaded]
    union = set().union(*columns)
    if all(c == union for c in columns):
        _check_kinds(loaded)
        return
    parts = []
    for item, cols in zip(loaded, columns, strict=True):
        lacking = [c for c in union if c not in cols]
        if lacking:
            order = {c: i for i, c in enumerate(_column_order(loaded))}
            lacking.sort(key=order.__getitem__)
            parts.append(
                f"source {item.source.name!r} ({item.where.name}) lacks "
                + ", ".join(repr(c) for c in lacking)
            )
    raise DataError(
        "the sources have different columns: "
        + "; ".join(parts)
        + ". Give every source the same columns, or list the ones to use in "
        "project.feature_columns."
    )


def _is_text(values: pd.Series) -> bool:
    """A column with at least one non-empty cell that is not a number type."""
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return False
    return bool(values.notna().any())


def _check_kinds(loaded: list[_Loaded]) -> None:
    """A column must be numbers in every source or text in every source."""
    for column in loaded[0].frame.columns:
        kinds = [_is_text(item.frame[column]) for item in loaded]
        if all(kinds) or not any(kinds):
            continue
        numeric = [item.source.name for item, text in zip(loaded, kinds, strict=True) if not text]
        text_item = next(item for item, text in zip(loaded, kinds, strict=True) if text)
        values = text_item.frame[column]
        bad = pd.to_numeric(values, errors="coerce").isna().to_numpy() & values.notna().to_numpy()
        pos = int(np.flatnonzero(bad)[0]) if bad.any() else 0
        raise DataError(
            f"column {column!r} holds numbers in source(s) {', '.join(map(repr, numeric))} but "
            f"text in source {text_item.source.name!r} ({text_item.where.row(pos)}: "
            f"{str(values.iloc[pos])!r}); make the column the same type in every source."
        )


def _column_order(loaded: list[_Loaded]) -> list[str]:
    return list(dict.fromkeys(c for item in loaded for c in item.frame.columns))


def _concat_column(pieces: list[pd.Series], categorical: bool) -> pd.Series:
    """One column of the sources, end to end (a categorical one stays categorical when
    every source's is, with the categories of all; else as ``pandas.concat`` makes it)."""
    if categorical and all(isinstance(p.dtype, pd.CategoricalDtype) for p in pieces):
        union = union_categoricals(pieces, ignore_order=True)
        return pd.Series(union, name=pieces[0].name)
    if categorical:  # some source's column is not text: its categories become values
        pieces = [
            p.astype(p.dtype.categories.dtype) if isinstance(p.dtype, pd.CategoricalDtype) else p
            for p in pieces
        ]
    return pd.concat(pieces, ignore_index=True)


def _concat_sources(parts: list[pd.DataFrame], categorical: bool) -> pd.DataFrame:
    """The sources' frames end to end, built column by column: each source's column is
    dropped once copied, so the peak is the result plus one column, not the data twice
    (the frames must be the only holders of their columns, as ``read_table`` makes them)."""
    names = list(parts[0].columns)
    columns: dict[str, pd.Series] = {}
    for name in names:
        pieces = [part.pop(name) for part in parts]
        columns[name] = _concat_column(pieces, categorical)
        del pieces
        release_memory()  # the sources' copies, before the next column is made
    return pd.DataFrame(columns, copy=False)


def _source_codes(values: list[str], sizes: list[int]) -> pd.Categorical:
    """Per-row ``values[k]`` for the ``sizes[k]`` rows of source ``k``, as a Categorical."""
    names = sorted(set(values))
    dtype = np.int8 if len(names) < 128 else np.int32
    codes = np.repeat(np.array([names.index(v) for v in values], dtype=dtype), sizes)
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype="str"))


def load_project(
    config: ProjectConfig | str | Path,
    *,
    check_images: bool = True,
    screen: bool = True,
    features: bool = True,
    keep: Sequence[str] = (),
    categorical: bool = False,
) -> Dataset:
    """Load every source of a project into one validated :class:`Dataset`.

    Each source is read (CSV / Parquet / image folder, by extension unless the source
    sets ``format``), checked (columns, labels, numbers), given ``source`` and ``role``
    columns and concatenated. Without ``id_column`` ids are ``<source>:<row>`` (row counts
    data rows from 0). With ``check_images`` every image file is opened and verified.
    Raises :class:`DataError` naming the file, column and row of the first problem.
    With ``screen`` the columns the data profile flagged as leaky or id-like are left out
    of the features (:func:`yearn.data.apply_screen`), except those in ``keep``; the profile
    itself loads unscreened. This reads the recorded screen only: model entry points use
    :func:`yearn.profile.screened_dataset`, which records a current one first.
    Without ``features`` only the named columns (ids, groups, labels, metadata, images) are
    read and checked — what splitting needs, at a fraction of the time on a wide table.
    With ``categorical`` the text features of Parquet sources and the ``source`` / ``role``
    columns are pandas Categoricals (a code per row, each value once: what the data profile
    reads, at a fraction of the memory); the values are the same.
    """
    if not isinstance(config, ProjectConfig):
        config = load_config(config)
    image_column = config.image_column
    if image_column is None and any(source_format(s) == "image_folder" for s in config.sources):
        image_column = DEFAULT_IMAGE_COLUMN
    kept = tuple(keep)  # flagged columns to keep as features (``keep`` is reused below)
    only = None if features else _named_columns(config, image_column)
    keep = None if only is not None else _keep_columns(config, image_column)
    features = () if only is not None else (tuple(config.feature_columns) or None)
    plain = _named_columns(config, image_column) if categorical else None
    loaded: list[_Loaded] = []
    for source in config.sources:
        item = _read_source(config, source, only, plain)
        frame = prepare_table(
            item.frame,
            task=config.task,
            label_columns=config.label_columns,
            id_column=config.id_column,
            group_column=config.group_column,
            metadata=config.metadata_columns,
            text_columns=config.text_columns,
            image_column=image_column,
            feature_columns=features,
            where=item.where,
            missing_label_marker=config.missing_label_marker,
            source=source.name,
            role=source.role,
        )
        if keep is not None:
            frame = frame[keep]
        loaded.append(_Loaded(source, frame, item.where))
        del item
        log.debug("loaded source %s: %d rows", source.name, len(frame))
    frame = None  # the sources' frames are held by ``loaded`` only
    if (
        config.id_column is not None
        and len({_is_text(i.frame[config.id_column]) for i in loaded}) > 1
    ):
        # ids read as text from a CSV and as numbers from a Parquet file: compare as text
        for item in loaded:
            item.frame[config.id_column] = item.frame[config.id_column].astype("str")
    _check_schemas(loaded)

    order = _column_order(loaded)
    id_column = config.id_column or generated_id_column(order)
    sizes = [len(item.frame) for item in loaded]
    wheres = [item.where for item in loaded]
    sources = [item.source for item in loaded]
    parts = []
    while loaded:  # each source's frame is held by its part only (see _concat_sources)
        item = loaded.pop(0)
        frame = item.frame
        del item
        if config.id_column is None:
            ids = sources[len(parts)].name + ":" + pd.Series(np.arange(len(frame)).astype(str))
            frame = frame.copy(deep=False)
            frame.insert(0, id_column, ids.to_numpy(dtype=object))
        if not categorical:
            source = sources[len(parts)]
            frame = frame.assign(**{SOURCE_COLUMN: source.name, ROLE_COLUMN: source.role})
        columns = [id_column, *[c for c in order if c != id_column]]
        parts.append(frame[columns + ([] if categorical else [SOURCE_COLUMN, ROLE_COLUMN])])
        del frame
    frame = parts[0] if len(parts) == 1 else _concat_sources(parts, categorical)
    del parts
    if categorical:
        frame[SOURCE_COLUMN] = _source_codes([s.name for s in sources], sizes)
        frame[ROLE_COLUMN] = _source_codes([s.role for s in sources], sizes)

    starts = np.cumsum([0, *sizes])

    def place(position: int) -> str:
        k = int(np.searchsorted(starts, position, side="right") - 1)
        return wheres[k].row(position - int(starts[k]))

    dataset = finish_dataset(
        frame,
        task=config.task,
        label_columns=config.label_columns,
        id_column=id_column,
        group_column=config.group_column,
        metadata=config.metadata_columns,
        text_columns=config.text_columns,
        image_column=image_column,
        feature_columns=features,
        place=place,
    )
    if check_images and image_column is not None:
        for where, start, size in zip(wheres, starts[:-1], sizes, strict=True):
            paths = frame[image_column].iloc[int(start) : int(start) + size]
            check_image_files(paths.tolist(), where)
    return apply_screen(dataset, config, kept) if screen else dataset
