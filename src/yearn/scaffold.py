"""Write a commented ``yearn.toml``: every key explained, the allowed choices listed.

:func:`write_project_file` renders the settings, validates the text with the same loader
that reads it back (:func:`yearn.config.load_config`), and only then writes it atomically.
A wrong value raises :class:`~yearn.errors.ConfigError` naming the key, the value and the
allowed choices; an existing ``yearn.toml`` is never overwritten unless ``force=True``.
"""

from __future__ import annotations

import json
import math
import textwrap
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yearn._io import atomic_write_text
from yearn._validation import check_choice, check_number
from yearn.config import (
    CONFIG_FILENAME,
    SOURCE_FORMATS,
    SOURCE_ROLES,
    TASK_KINDS,
    config_from_dict,
    parse_constraint,
)
from yearn.errors import ConfigError

__all__ = [
    "SourceSpec",
    "default_metric",
    "known_metrics",
    "parse_source",
    "render_project_file",
    "write_project_file",
]

_DEFAULT_METRIC = {"regression": "rmse", "multilabel": "map"}


def default_metric(task: str) -> str:
    """The optimising metric used when none is given: error, rmse (regression), map."""
    return _DEFAULT_METRIC.get(task, "error")


def known_metrics(task: str | None = None) -> tuple[str, ...]:
    """Metric names ``metric.optimizing`` may take (for ``task`` when given), from the
    metric registry (:mod:`yearn.metrics`)."""
    from yearn.metrics import available_metrics, get_metric

    table = {str(n): tuple(get_metric(n).task_kinds) for n in available_metrics()}
    return tuple(sorted(n for n, kinds in table.items() if task is None or task in kinds))


@dataclass(frozen=True)
class SourceSpec:
    """One ``[[sources]]`` entry as given to :func:`write_project_file`."""

    name: str
    path: str
    role: str = "train"
    format: str = "auto"


def parse_source(text: str) -> SourceSpec:
    """Parse ``NAME=PATH:ROLE`` (``:ROLE`` optional, default ``train``) into a SourceSpec."""
    name, sep, rest = str(text).partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise ConfigError(
            f"--source: cannot read {text!r}; write it as NAME=PATH:ROLE with ROLE one of "
            f"{', '.join(SOURCE_ROLES)} (e.g. web=data/web.csv:train)."
        )
    path, role = rest, "train"
    if ":" in rest:
        path, _, role = rest.rpartition(":")
    check_choice(f"--source {text!r}: role", role, SOURCE_ROLES)
    if not path:
        raise ConfigError(f"--source {text!r}: the path is empty; write NAME=PATH:ROLE.")
    return SourceSpec(name=name.strip(), path=path, role=role)


def _as_source(value: Any, i: int) -> SourceSpec:
    if isinstance(value, SourceSpec):
        spec = value
    elif isinstance(value, str):
        spec = parse_source(value)
    elif isinstance(value, Mapping):
        unknown = sorted(set(value) - {"name", "path", "role", "format"})
        if unknown:
            raise ConfigError(
                f"sources[{i}]: unknown key {unknown[0]!r}; allowed keys are "
                "name, path, role, format."
            )
        if "path" not in value:
            raise ConfigError(f"sources[{i}].path is missing; give the file or folder.")
        spec = SourceSpec(
            name=str(value.get("name") or f"source{i}"),
            path=Path(value["path"]).as_posix(),
            role=str(value.get("role", "train")),
            format=str(value.get("format", "auto")),
        )
    elif isinstance(value, Sequence) and 2 <= len(value) <= 4:
        spec = SourceSpec(*(Path(v).as_posix() if j == 1 else str(v) for j, v in enumerate(value)))
    else:
        raise ConfigError(
            f"sources[{i}] must be 'NAME=PATH:ROLE', a mapping with name/path/role or a "
            f"(name, path, role) tuple; got {value!r}."
        )
    check_choice(f"sources[{i}].role", spec.role, SOURCE_ROLES)
    check_choice(f"sources[{i}].format", spec.format, SOURCE_FORMATS)
    return spec


def _q(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML; DEL must be escaped too)."""
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _num(value: float, key: str = "value") -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} must be a number; got {value!r} ({type(value).__name__}).")
    if not math.isfinite(value):
        raise ConfigError(f"{key} must be a finite number; got {value!r}.")
    return repr(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def _bool(value: Any, key: str) -> str:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false; got {value!r}.")
    return "true" if value else "false"


def _columns(name: str, value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"project.{name} must be column names (strings); got {item!r}.")
        out.extend(part.strip() for part in item.split(",") if part.strip())
    return tuple(out)


def _opt(key: str, line: str | None, example: str) -> str:
    return f"{key} = {line}" if line is not None else f"# {key} = {example}"


def render_project_file(
    *,
    task: str,
    label: str | Sequence[str],
    sources: Sequence[Any],
    name: str | None = None,
    id_column: str | None = None,
    group_column: str | None = None,
    feature_columns: str | Sequence[str] | None = None,
    metadata_columns: str | Sequence[str] | None = None,
    text_columns: str | Sequence[str] | None = None,
    image_column: str | None = None,
    missing_label_marker: str | None = None,
    metric: str | None = None,
    constraints: Sequence[str] = (),
    human_level_error: float | None = None,
    split: Mapping[str, Any] | None = None,
    store_url: str | None = None,
) -> str:
    """Return the commented text of a ``yearn.toml`` for these settings (validated)."""
    check_choice("project.task", task, TASK_KINDS)
    labels = _columns("label_columns", label)
    if not labels:
        raise ConfigError("project.label_column is missing; name the column that holds the label.")
    if task != "multilabel" and len(labels) != 1:
        raise ConfigError(
            f"project.task = {task!r} takes one label column; got {list(labels)}. "
            "Use task = 'multilabel' for several."
        )
    if not sources:
        raise ConfigError(
            "no sources given; add at least one as NAME=PATH:ROLE (e.g. web=data/web.csv:train)."
        )
    specs = [_as_source(s, i) for i, s in enumerate(sources)]
    metrics = known_metrics(task)
    optimizing = metric or default_metric(task)
    if optimizing not in metrics and optimizing in known_metrics():
        raise ConfigError(
            f"metric.optimizing = {optimizing!r} does not apply to task {task!r}; "
            f"for {task} use one of {', '.join(metrics)}."
        )
    check_choice("metric.optimizing", optimizing, metrics)
    cons = [str(parse_constraint(c)) for c in constraints]
    if human_level_error is not None:
        human_level_error = check_number("metric.human_level_error", human_level_error, low=0.0)
    split = dict(split or {})

    label_line = (
        f"label_columns = {_list(labels)}"
        if task == "multilabel"
        else f"label_column = {_q(labels[0])}"
    )
    feats, meta, texts = (
        _columns("feature_columns", feature_columns),
        _columns("metadata_columns", metadata_columns),
        _columns("text_columns", text_columns),
    )
    lines = [
        "# yearn.toml: the project file, read by every yearn command.",
        "# Written by `yearn init`; edit freely. Paths are relative to this file's folder.",
        "# `yearn check` loads the data it names and reports what is wrong.",
        "",
        "[project]",
        "# Name shown in reports and run listings (default: this folder's name).",
        _opt("name", _q(name) if name else None, '"my-project"'),
        "# Kind of task: one of binary, multiclass, multilabel, regression.",
        f"task = {_q(task)}",
        "# Column that holds the label. For task = multilabel write",
        '# label_columns = ["task_a", "task_b"] instead: one 1 / 0 / empty column per task.',
        label_line,
        "# Column with a unique id per example (default: ids are made as '<source>:<row>').",
        _opt("id_column", _q(id_column) if id_column else None, '"id"'),
        "# Column grouping examples that must stay in one split (a user, a patient, the base",
        "# image a variant was made from): a group never straddles train/dev/test.",
        _opt("group_column", _q(group_column) if group_column else None, '"user_id"'),
        "# Model inputs (default: every column that is not id, label, group or metadata).",
        _opt("feature_columns", _list(feats) if feats else None, '["age", "income"]'),
        "# Columns describing examples that are not model inputs (device, blur, region):",
        "# used by slices, error analysis and drift, never for training.",
        _opt("metadata_columns", _list(meta) if meta else None, '["device", "region"]'),
        "# Columns holding free text (vectorised as text, not as categories).",
        _opt("text_columns", _list(texts) if texts else None, '["review"]'),
        "# Column of image file paths (relative to the table that lists them).",
        _opt("image_column", _q(image_column) if image_column else None, '"path"'),
        "# Cell value meaning 'label unknown' (multilabel), besides empty cells.",
        _opt(
            "missing_label_marker",
            _q(missing_label_marker) if missing_label_marker else None,
            '"?"',
        ),
        "",
        "# Data sources, one [[sources]] table each.",
        "#   name:   a short name for the source (shown in reports, slices and splits).",
        "#   path:   a CSV or Parquet file, or an image folder (relative to this file).",
        "#   role = 'train':  training data (it may come from another distribution).",
        "#   role = 'target': the distribution the product will face; dev and test are drawn",
        "#                    only from it (at most one target source).",
        "#   format: auto, csv, parquet, image_folder, wav_folder (auto: from the extension).",
    ]
    if not any(s.role == "target" for s in specs):
        lines.append("# No target source given: say which data the product will face when known.")
    for spec in specs:
        lines += [
            "[[sources]]",
            f"name = {_q(spec.name)}",
            f"path = {_q(spec.path)}",
            f"role = {_q(spec.role)}",
            f"format = {_q(spec.format)}",
            "",
        ]
    human_line = (
        _num(human_level_error, "metric.human_level_error")
        if human_level_error is not None
        else None
    )
    lines += [
        "[metric]",
        "# The single number to optimise (compared in error form: accuracy -> 1 - accuracy).",
        *textwrap.wrap(
            f"One of (for task {task}): {', '.join(metrics)}.",
            88,
            initial_indent="# ",
            subsequent_indent="#   ",
        ),
        f"optimizing = {_q(optimizing)}",
        "# Satisficing constraints: a model must meet each one to be chosen.",
        "# Each is '<metric> <op> <number>' with op one of <=, <, >=, >, ==.",
        _opt("constraints", _list(cons) if cons else None, '["latency_ms <= 100", "size_mb <= 5"]'),
        "# Human-level error: the error careful people reach, yearn's proxy for the Bayes",
        "# error (a fraction for error-like metrics: 0.01 = 1%). Used by `yearn diagnose`.",
        _opt("human_level_error", human_line, "0.01"),
        "",
        "[split]",
        "# The four-way split: dev and test from the target source, train-dev carved out of",
        "# train. Numbers < 1 are shares of the source, whole numbers >= 1 are counts.",
        "# Share (or count) of the target source used for dev:",
        f"dev = {_num(split.pop('dev', 0.25), 'split.dev')}",
        "# Share (or count) of the target source used for test:",
        f"test = {_num(split.pop('test', 0.25), 'split.test')}",
        "# Share (or count) of the target source put into train (the rest of it):",
        f"target_to_train = {_num(split.pop('target_to_train', 0.5), 'split.target_to_train')}",
        "# Share of train held out as train-dev (train's distribution, never trained on):",
        f"train_dev = {_num(split.pop('train_dev', 0.05), 'split.train_dev')}",
        "# Salt of the hash that assigns splits (change it to draw a new split):",
        f"salt = {_q(split.pop('salt', 'yearn'))}",
        "# Keep class shares equal across splits (classification): true or false.",
        f"stratify = {_bool(split.pop('stratify', True), 'split.stratify')}",
        "",
        "[store]",
        "# Run store: SQLite in .yearn/runs.db by default; a PostgreSQL URL here (or in",
        "# YEARN_STORE_URL) puts it on a server.",
        _opt("url", _q(store_url) if store_url else None, '"postgresql://user@localhost/yearn"'),
        "",
    ]
    if split:
        raise ConfigError(
            f"unknown split setting {sorted(split)[0]!r}; allowed are dev, test, "
            "target_to_train, train_dev, salt, stratify."
        )
    return "\n".join(lines)


def write_project_file(
    directory: str | Path = ".", *, force: bool = False, **settings: Any
) -> Path:
    """Write a commented ``yearn.toml`` into ``directory`` and return its path.

    ``settings`` are the keyword arguments of :func:`render_project_file` (``task``,
    ``label``, ``sources`` as ``"NAME=PATH:ROLE"`` strings, mappings or tuples,
    ``id_column``, ``metric``, ``constraints``, ``human_level_error``, ...). The text is
    validated with :func:`yearn.config.config_from_dict` before anything is written.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory}: not a folder; give the project folder for yearn.toml.")
    target = directory / CONFIG_FILENAME
    if target.exists() and not force:
        raise ConfigError(
            f"{target}: a project file already exists; edit it, or pass --force "
            "(force=True) to replace it."
        )
    allowed = set(render_project_file.__kwdefaults__ or {}) | {"task", "label", "sources"}
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise ConfigError(
            f"unknown project setting {unknown[0]!r}; allowed are {', '.join(sorted(allowed))}."
        )
    for key in ("task", "label", "sources"):
        if key not in settings:
            raise ConfigError(f"the project setting {key!r} is required (see `yearn init --help`).")
    text = render_project_file(**settings)
    config_from_dict(tomllib.loads(text), root=directory, file=str(target))
    return atomic_write_text(target, text)
