"""The project file ``yearn.toml``, loaded into typed, validated config objects.

A wrong key or value raises :class:`~yearn.errors.ConfigError` naming the file, the key,
the value and the allowed choices.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from yearn._validation import check_choice, check_number
from yearn.errors import ConfigError
from yearn.paths import ProjectPaths

__all__ = [
    "CONFIG_FILENAME",
    "TASK_KINDS",
    "Constraint",
    "FeaturesConfig",
    "MetricConfig",
    "ProjectConfig",
    "SourceConfig",
    "SplitConfig",
    "TrackingConfig",
    "TuneConfig",
    "error_name",
    "load_config",
    "parse_constraint",
    "resolve_store_url",
]

CONFIG_FILENAME = "yearn.toml"
TASK_KINDS = ("binary", "multiclass", "multilabel", "regression")
SOURCE_ROLES = ("train", "target")
SOURCE_FORMATS = ("auto", "csv", "parquet", "image_folder", "wav_folder")
TaskKind = Literal["binary", "multiclass", "multilabel", "regression"]

_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|<|>|==)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Constraint:
    """A satisficing constraint such as ``latency_ms <= 100``."""

    metric: str
    op: str
    threshold: float

    def satisfied(self, value: float) -> bool:
        """Whether ``value`` meets the constraint."""
        return {
            "<=": value <= self.threshold,
            "<": value < self.threshold,
            ">=": value >= self.threshold,
            ">": value > self.threshold,
            "==": value == self.threshold,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"


def parse_constraint(text: str, *, key: str = "metric.constraints") -> Constraint:
    """Parse ``"latency_ms <= 100"`` into a :class:`Constraint`."""
    match = _CONSTRAINT.match(str(text))
    if not match:
        raise ConfigError(
            f"{key}: cannot read constraint {text!r}; write it as "
            "'<metric> <op> <number>' with op one of <=, <, >=, >, == (e.g. 'latency_ms <= 100')."
        )
    name, op, number = match.groups()
    try:
        threshold = float(number)
    except ValueError:
        raise ConfigError(f"{key}: {number!r} in {text!r} is not a number.") from None
    return Constraint(name, op, threshold)


@dataclass(frozen=True)
class SourceConfig:
    """One data source: a file or folder and its role.

    ``role = "train"`` sources feed training; the single ``role = "target"`` source is the
    distribution the product will face, from which dev and test are drawn.
    """

    name: str
    path: Path
    role: Literal["train", "target"] = "train"
    format: str = "auto"


def error_name(metric: str) -> str:
    """A metric's name in error form without consulting the registry: ``f1`` → ``1-f1``,
    ``error``/``rmse``/``mae``/``log_loss`` unchanged (``accuracy`` → ``error``)."""
    key = str(metric).strip().lower().replace("−", "-")
    if key in ("accuracy", "1-accuracy"):
        return "error"
    if key in _LOWER_IS_BETTER or key.startswith("1-"):
        return key
    return f"1-{_METRIC_ALIASES.get(key, key)}"


_LOWER_IS_BETTER = ("error", "rmse", "mae", "log_loss")
_METRIC_ALIASES = {"auc": "roc_auc", "rocauc": "roc_auc", "f1_binary": "f1"}


@dataclass(frozen=True)
class MetricConfig:
    """The optimising metric, satisficing constraints and the human level.

    ``human_level_error`` is the human level of the optimising metric (in its error form);
    ``human_level`` gives it per metric, keyed by error-form name
    (``{"error": 0.01, "1-f1": 0.03}``). A metric with neither has no human level.
    """

    optimizing: str = "error"
    constraints: tuple[Constraint, ...] = ()
    human_level_error: float | None = None
    human_level: dict[str, float] = field(default_factory=dict)

    def human_level_for(self, metric: str | None = None) -> float | None:
        """The human level of ``metric`` (error form; default: the optimising metric),
        ``None`` when yearn.toml gives none for that metric."""
        name = error_name(metric or self.optimizing)
        if name in self.human_level:
            return self.human_level[name]
        if name == error_name(self.optimizing):
            return self.human_level_error
        return None


@dataclass(frozen=True)
class FeaturesConfig:
    """``[features]``: ``keep`` names columns to keep as model inputs even when the data
    profile flags them as leaky or id-like (they are left out by default)."""

    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class TuneConfig:
    """``[tune]``: ``epochs`` per trial; ``space`` entries (a range ``{low, high, log}``,
    a list of choices or a value) replace the default search space (see docs/tuning.md)."""

    epochs: int | None = None
    space: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackingConfig:
    """``[tracking] mlflow``: an MLflow URI every train run also logs to (relative
    ``sqlite:///`` paths are inside the project folder)."""

    mlflow: str | None = None


@dataclass(frozen=True)
class SplitConfig:
    """How the four-way split is drawn (counts when >= 1, shares of the source when < 1).

    ``target_to_train = None`` sends whatever of the target source is not dev or test to
    train; ``train_dev`` is a share or a count of train.
    """

    dev: float = 0.25
    test: float = 0.25
    target_to_train: float | None = None
    train_dev: float = 0.05
    salt: str = "yearn"
    stratify: bool = True


@dataclass(frozen=True)
class ProjectConfig:
    """Everything ``yearn.toml`` says about a project."""

    name: str
    task: TaskKind
    label_columns: tuple[str, ...]
    sources: tuple[SourceConfig, ...]
    id_column: str | None = None
    group_column: str | None = None
    feature_columns: tuple[str, ...] = ()
    metadata_columns: tuple[str, ...] = ()
    text_columns: tuple[str, ...] = ()
    image_column: str | None = None
    missing_label_marker: str | None = None
    metric: MetricConfig = field(default_factory=MetricConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    tune: TuneConfig = field(default_factory=TuneConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    store_url: str | None = None
    root: Path = Path(".")
    path: Path | None = None

    @property
    def label_column(self) -> str:
        """The single label column (raises for multi-label projects)."""
        if len(self.label_columns) != 1:
            raise ConfigError(
                f"project {self.name!r} has {len(self.label_columns)} label columns; "
                "this step needs exactly one."
            )
        return self.label_columns[0]

    @property
    def train_sources(self) -> tuple[SourceConfig, ...]:
        return tuple(s for s in self.sources if s.role == "train")

    @property
    def target_source(self) -> SourceConfig | None:
        targets = [s for s in self.sources if s.role == "target"]
        return targets[0] if targets else None

    @property
    def state_dir(self) -> Path:
        """``<root>/.yearn``: the run store, artefacts and split manifest live here."""
        return ProjectPaths(self.root).state_dir


_TOP_KEYS = {"project", "sources", "metric", "split", "store", "features", "tune", "tracking"}
_PROJECT_KEYS = {
    "name",
    "task",
    "id_column",
    "label_columns",
    "label_column",
    "group_column",
    "feature_columns",
    "metadata_columns",
    "text_columns",
    "image_column",
    "missing_label_marker",
}
_SOURCE_KEYS = {"name", "path", "role", "format"}
_METRIC_KEYS = {"optimizing", "constraints", "human_level_error", "human_level"}
_FEATURES_KEYS = {"keep"}
_SPLIT_KEYS = {"dev", "test", "target_to_train", "train_dev", "salt", "stratify"}
_STORE_KEYS = {"url"}
_TUNE_KEYS = {"epochs", "space"}
_TRACKING_KEYS = {"mlflow"}


def _tracking(raw: Any, root: Path, file: str) -> TrackingConfig:
    table = _check_keys("tracking", raw, _TRACKING_KEYS, file)
    uri = _opt_str("tracking.mlflow", table.get("mlflow"), file)
    if uri is None:
        return TrackingConfig()
    if "://" not in uri and not uri.startswith("file:"):
        raise ConfigError(f'{file}: tracking.mlflow must be a URI ("sqlite:///m.db"); got {uri!r}.')
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix) :].startswith("/"):
        uri = prefix + str((root / uri[len(prefix) :]).resolve())
    return TrackingConfig(mlflow=uri)


_RANGE_KEYS = {"low", "high", "log"}


def _tune_entry(name: str, raw: Any, file: str) -> Any:
    """One ``[tune.space]`` entry: a range table, a list of choices or a fixed value."""
    where = f"{file}: tune.space.{name}"
    if isinstance(raw, dict):
        _check_keys(f"tune.space.{name}", raw, _RANGE_KEYS, file)
        if "low" not in raw or "high" not in raw:
            raise ConfigError(f"{where} needs low and high, e.g. {{low = 1e-4, high = 0.1}}.")
        low = check_number(f"{where}.low", raw["low"])
        high = check_number(f"{where}.high", raw["high"])
        log = raw.get("log", False)
        if not isinstance(log, bool):
            raise ConfigError(f"{where}.log must be true or false; got {log!r}.")
        if not low < high or (log and low <= 0):
            raise ConfigError(f"{where}: need low < high (and low > 0 with log = true).")
        return {"low": raw["low"], "high": raw["high"], "log": log}
    if isinstance(raw, list) and raw and not any(isinstance(v, dict | list) for v in raw):
        return list(raw)
    if isinstance(raw, str | int | float | bool):
        return raw
    raise ConfigError(f"{where} must be a range table, a non-empty list or a value; got {raw!r}.")


def _tune(raw: Any, file: str) -> TuneConfig:
    table = _check_keys("tune", raw, _TUNE_KEYS, file)
    epochs = table.get("epochs")
    epochs = None if epochs is None else int(check_number(f"{file}: tune.epochs", epochs, low=1))
    raw = table.get("space", {})
    space = _check_keys("tune.space", raw, set(raw) if isinstance(raw, dict) else set(), file)
    return TuneConfig(epochs, {k: _tune_entry(k, v, file) for k, v in space.items()})


def _check_keys(where: str, table: Any, allowed: set[str], file: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: [{where}] must be a table; got {type(table).__name__}.")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{file}: unknown key {where}.{unknown[0]}; allowed keys in [{where}] are "
            f"{', '.join(sorted(allowed))}."
        )
    return table


def _str_list(key: str, value: Any, file: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{file}: {key} must be a list of column names; got {value!r}.")
    return tuple(value)


def _opt_str(key: str, value: Any, file: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{file}: {key} must be a non-empty string; got {value!r}.")
    return value


def _share(key: str, value: Any, file: str) -> float:
    v = check_number(f"{file}: {key}", value, low=0.0)
    if 0 < v < 1 or v == 0 or float(v).is_integer():
        return v
    raise ConfigError(
        f"{file}: {key} must be a share in [0, 1) or a whole count of examples; got {value!r}."
    )


def _human_levels(raw: Any, file: str) -> dict[str, float]:
    """``metric.human_level``: a table of error-form metric name → human level."""
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{file}: metric.human_level must be a table such as "
            '{error = 0.01, "1-f1" = 0.03}; got ' + f"{raw!r}."
        )
    levels = {}
    for name, value in raw.items():
        key = error_name(name)
        levels[key] = check_number(f"{file}: metric.human_level.{name}", value, low=0.0)
        if key not in ("rmse", "mae", "log_loss") and levels[key] > 1:
            raise ConfigError(
                f"{file}: metric.human_level.{name} is a fraction (0.01 for 1%); got {value!r}."
            )
    return levels


def config_from_dict(
    data: dict[str, Any], *, root: Path, file: str = CONFIG_FILENAME
) -> ProjectConfig:
    """Build a validated :class:`ProjectConfig` from parsed TOML."""
    _check_keys("top level", data, _TOP_KEYS, file)
    project = _check_keys("project", data.get("project", {}), _PROJECT_KEYS, file)
    task = check_choice(f"{file}: project.task", project.get("task"), TASK_KINDS)
    if "label_columns" in project and "label_column" in project:
        raise ConfigError(f"{file}: give project.label_columns or project.label_column, not both.")
    labels_raw = project.get("label_columns", project.get("label_column"))
    if labels_raw is None:
        raise ConfigError(
            f"{file}: project.label_column is missing; name the column that holds the label."
        )
    labels = _str_list("project.label_columns", labels_raw, file)
    if task != "multilabel" and len(labels) != 1:
        raise ConfigError(
            f"{file}: project.task = {task!r} takes one label column; got {list(labels)}. "
            "Use task = 'multilabel' for several."
        )

    raw_sources = data.get("sources")
    if not raw_sources or not isinstance(raw_sources, list):
        raise ConfigError(
            f"{file}: no [[sources]] given; add at least one with name, path and role."
        )
    sources = []
    for i, raw in enumerate(raw_sources):
        where = f"sources[{i}]"
        _check_keys(where, raw, _SOURCE_KEYS, file)
        name = _opt_str(f"{where}.name", raw.get("name"), file) or f"source{i}"
        if "path" not in raw:
            raise ConfigError(f"{file}: {where}.path is missing; give the file or folder.")
        path = Path(str(raw["path"]))
        if not path.is_absolute():
            path = root / path
        role = check_choice(f"{file}: {where}.role", raw.get("role", "train"), SOURCE_ROLES)
        fmt = check_choice(f"{file}: {where}.format", raw.get("format", "auto"), SOURCE_FORMATS)
        sources.append(SourceConfig(name=name, path=path, role=role, format=fmt))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"{file}: source names must be unique; got {names}.")
    if sum(s.role == "target" for s in sources) > 1:
        raise ConfigError(
            f"{file}: only one source may have role = 'target' (the distribution the "
            "product will face); merge them or mark the others role = 'train'."
        )

    metric_raw = _check_keys("metric", data.get("metric", {}), _METRIC_KEYS, file)
    optimizing = metric_raw.get("optimizing", "rmse" if task == "regression" else "error")
    if not isinstance(optimizing, str):
        raise ConfigError(f"{file}: metric.optimizing must be a metric name; got {optimizing!r}.")
    cons_raw = metric_raw.get("constraints", [])
    if not isinstance(cons_raw, list):
        raise ConfigError(f"{file}: metric.constraints must be a list of strings.")
    constraints = tuple(parse_constraint(c, key=f"{file}: metric.constraints") for c in cons_raw)
    human = metric_raw.get("human_level_error")
    if human is not None:
        human = check_number(f"{file}: metric.human_level_error", human, low=0.0)
        if optimizing in ("error", "1-f1", "1-accuracy") and human >= 1:  # as every rate
            raise ConfigError(
                f"{file}: metric.human_level_error is a fraction below 1 for metric "
                f"{optimizing!r}; {human:g} could mean {human:g}% (write 0.01 for 1%)."
            )
    per_metric = _human_levels(metric_raw.get("human_level", {}), file)

    split_raw = _check_keys("split", data.get("split", {}), _SPLIT_KEYS, file)
    defaults = SplitConfig()
    split = SplitConfig(
        dev=_share("split.dev", split_raw.get("dev", defaults.dev), file),
        test=_share("split.test", split_raw.get("test", defaults.test), file),
        target_to_train=None
        if split_raw.get("target_to_train") is None
        else _share("split.target_to_train", split_raw["target_to_train"], file),
        train_dev=_share("split.train_dev", split_raw.get("train_dev", defaults.train_dev), file),
        salt=str(split_raw.get("salt", defaults.salt)),
        stratify=bool(split_raw.get("stratify", defaults.stratify)),
    )

    store_raw = _check_keys("store", data.get("store", {}), _STORE_KEYS, file)
    features_raw = _check_keys("features", data.get("features", {}), _FEATURES_KEYS, file)
    return ProjectConfig(
        name=_opt_str("project.name", project.get("name"), file) or root.resolve().name,
        task=task,
        label_columns=labels,
        sources=tuple(sources),
        id_column=_opt_str("project.id_column", project.get("id_column"), file),
        group_column=_opt_str("project.group_column", project.get("group_column"), file),
        feature_columns=_str_list(
            "project.feature_columns", project.get("feature_columns", []), file
        ),
        metadata_columns=_str_list(
            "project.metadata_columns", project.get("metadata_columns", []), file
        ),
        text_columns=_str_list("project.text_columns", project.get("text_columns", []), file),
        image_column=_opt_str("project.image_column", project.get("image_column"), file),
        missing_label_marker=_opt_str(
            "project.missing_label_marker", project.get("missing_label_marker"), file
        ),
        metric=MetricConfig(optimizing, constraints, human, per_metric),
        split=split,
        features=FeaturesConfig(
            keep=_str_list("features.keep", features_raw.get("keep", []), file)
        ),
        tune=_tune(data.get("tune", {}), file),
        tracking=_tracking(data.get("tracking", {}), root, file),
        store_url=_opt_str("store.url", store_raw.get("url"), file),
        root=root,
        path=root / CONFIG_FILENAME,
    )


def resolve_store_url(
    root: str | Path, explicit: str | None = None, *, config: ProjectConfig | None = None
) -> str | None:
    """The run store of a project, resolved the one way every command uses.

    ``explicit`` (``--store-url``), then ``$YEARN_STORE_URL``, then ``[store] url`` of the
    project's ``yearn.toml``; None means the project's own SQLite file.
    """
    import os

    from yearn.paths import STORE_URL_ENV, ProjectPaths

    if explicit:
        return explicit
    if os.environ.get(STORE_URL_ENV):
        return os.environ[STORE_URL_ENV]
    if config is None and ProjectPaths(root).config_file.is_file():
        config = load_config(root)
    return config.store_url if config is not None else None


def load_config(path: str | Path = ".") -> ProjectConfig:
    """Load ``yearn.toml`` from a project folder or a file path."""
    path = Path(path)
    file = path / CONFIG_FILENAME if path.is_dir() else path
    if not file.exists():
        raise ConfigError(
            f"{file}: no project file here; run 'yearn init' to create one "
            "(or pass --project to point at the folder that has it)."
        )
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML ({exc}); fix the line it names.") from None
    config = config_from_dict(data, root=file.parent, file=str(file))
    return replace(config, path=file)
