"""yearn.toml → ProjectConfig: values, defaults, and errors naming key, value and choices."""

from __future__ import annotations

import math
import os

import pytest

from yearn.config import load_config, parse_constraint
from yearn.diagnose import diagnose
from yearn.errors import ConfigError

GOOD = """
[project]
name = "cars"
task = "binary"
label_column = "label"
id_column = "id"
group_column = "speaker"

[[sources]]
name = "general"
path = "data/general.csv"
role = "train"

[[sources]]
name = "car"
path = "data/car.parquet"
role = "target"

[metric]
optimizing = "error"
constraints = ["latency_ms <= 100", "size_mb < 5"]
human_level_error = 0.01

[split]
dev = 5000
test = 5000
target_to_train = 10000
"""


def _write(tmp_path, text):
    (tmp_path / "yearn.toml").write_text(text)
    return tmp_path


def test_good_file_loads(tmp_path, monkeypatch):
    _write(tmp_path, GOOD)
    monkeypatch.chdir(tmp_path.parent)
    config = load_config(tmp_path.name)  # a relative folder
    assert config.path == tmp_path.relative_to(tmp_path.parent) / "yearn.toml"
    assert config.path.is_file()
    assert config.label_column == "label" and config.task == "binary"
    assert [s.role for s in config.sources] == ["train", "target"]
    assert config.target_source.name == "car"
    assert config.sources[0].path == config.root / "data" / "general.csv"
    assert [str(c) for c in config.metric.constraints] == ["latency_ms <= 100", "size_mb < 5"]
    assert config.split.dev == 5000 and config.split.target_to_train == 10000
    assert config.state_dir == config.root / ".yearn"


def test_defaults(tmp_path):
    _write(tmp_path, '[project]\ntask = "regression"\nlabel_column = "y"\n'
                     '[[sources]]\npath = "t.csv"\n')  # fmt: skip
    config = load_config(tmp_path / "yearn.toml")
    assert config.metric.optimizing == "rmse"
    assert config.split.target_to_train is None
    assert config.target_source is None
    assert config.name == tmp_path.name


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('task = "binary"', 'task = "binry"'), "project.task must be one of 'binary'"),
        (('role = "target"', 'role = "dev"'), "sources\\[1\\].role must be one of"),
        (("[split]", "[split]\nshuffle = true"), "unknown key split.shuffle"),
        (("human_level_error = 0.01", "human_level_error = 5"), "is a fraction"),
        (('"size_mb < 5"', '"size_mb about 5"'), "cannot read constraint"),
        (("dev = 5000", "dev = 12.5"), "split.dev must be a share"),
        (('role = "train"', 'role = "target"'), "only one source may have role = 'target'"),
        (('label_column = "label"', 'labels = "label"'), "unknown key project.labels"),
    ],
)
def test_wrong_values_name_key_value_and_choices(tmp_path, change, message, cli):
    _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)
    result = cli("check", "--project", tmp_path)
    assert result.exit_code == 2
    assert "yearn.toml" in result.output


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="run 'yearn init'"):
        load_config(tmp_path)
    _write(tmp_path, "[project\ntask=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path)


def test_constraints():
    c = parse_constraint(" latency_ms<=100 ")
    assert (c.metric, c.op, c.threshold) == ("latency_ms", "<=", 100.0)
    assert c.satisfied(100) and not c.satisfied(100.5)
    assert parse_constraint("auc >= 0.9").satisfied(0.95)


def test_ladder_chart_survives_an_interval_that_excludes_its_estimate(tmp_path):
    """A skewed bootstrap interval can sit beside its estimate: whiskers clip at 0."""
    import dataclasses

    diag = diagnose(train=0.1, dev=0.2, n_train=100, n_dev=100)
    rung = next(iter(diag.errors))
    r = diag.errors[rung]
    diag.errors[rung] = dataclasses.replace(r, ci_low=r.value + 1e-9, ci_high=r.value + 0.05)
    path = diag.save_chart(tmp_path / "ladder.png")
    assert os.path.getsize(path) > 1000 and not math.isnan(r.value)
