"""yearn init and yearn.scaffold.write_project_file: commented yearn.toml that loads back."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from yearn.config import load_config
from yearn.errors import ConfigError
from yearn.scaffold import parse_source, render_project_file, write_project_file

BASIC = {
    "task": "multiclass",
    "label": "label",
    "sources": ["web=data/web.csv:train", "phone=data/phone.csv:target"],
}


def test_written_file_loads_back_with_every_setting(tmp_path):
    path = write_project_file(
        tmp_path,
        name="shop",
        task="multiclass",
        label="label",
        id_column="id",
        group_column="user",
        feature_columns=["a", "b"],
        metadata_columns="device, region",
        text_columns=["review"],
        image_column="path",
        sources=[
            "web=data/web.csv:train",
            {"name": "phone", "path": "data/phone.parquet", "role": "target", "format": "parquet"},
            ("extra", "data/extra", "train", "image_folder"),
        ],
        metric="f1_macro",
        constraints=["latency_ms<=100", "size_mb <= 5"],
        human_level_error=0.01,
        split={"dev": 500, "test": 0.2, "train_dev": 0.1, "salt": "s1", "stratify": False},
        store_url="postgresql://u@localhost/db",
    )
    assert path == tmp_path / "yearn.toml"
    cfg = load_config(tmp_path)
    assert cfg.name == "shop" and cfg.task == "multiclass"
    assert cfg.label_columns == ("label",)
    assert (cfg.id_column, cfg.group_column, cfg.image_column) == ("id", "user", "path")
    assert cfg.feature_columns == ("a", "b")
    assert cfg.metadata_columns == ("device", "region")
    assert cfg.text_columns == ("review",)
    assert [(s.name, s.role, s.format) for s in cfg.sources] == [
        ("web", "train", "auto"),
        ("phone", "target", "parquet"),
        ("extra", "train", "image_folder"),
    ]
    assert cfg.sources[0].path == tmp_path / "data" / "web.csv"
    assert cfg.metric.optimizing == "f1_macro"
    assert [str(c) for c in cfg.metric.constraints] == ["latency_ms <= 100", "size_mb <= 5"]
    assert cfg.metric.human_level_error == 0.01
    assert (cfg.split.dev, cfg.split.test, cfg.split.train_dev) == (500, 0.2, 0.1)
    assert (cfg.split.salt, cfg.split.stratify) == ("s1", False)
    assert cfg.store_url == "postgresql://u@localhost/db"


def test_defaults_and_optional_keys_left_as_commented_examples(tmp_path):
    write_project_file(tmp_path, **BASIC)
    text = (tmp_path / "yearn.toml").read_text()
    cfg = load_config(tmp_path)
    assert cfg.id_column is None and cfg.metric.optimizing == "error"
    assert cfg.metric.human_level_error is None
    for key in ("id_column", "group_column", "metadata_columns", "human_level_error", "url"):
        assert re.search(rf"^# {key} = ", text, re.M), key
    reg = render_project_file(task="regression", label="price", sources=["a=a.csv"])
    assert 'optimizing = "rmse"' in reg
    multi = render_project_file(task="multilabel", label=["a", "b"], sources=["s=s.csv"])
    assert 'optimizing = "map"' in multi


def test_every_key_is_explained_by_a_comment_above_it(tmp_path):
    write_project_file(tmp_path, **BASIC, id_column="id", human_level_error=0.02)
    lines = (tmp_path / "yearn.toml").read_text().splitlines()
    keys = [i for i, line in enumerate(lines) if re.match(r"^[a-z_]+ = ", line)]
    assert len(keys) > 15
    header = "\n".join(line for line in lines if line.startswith("#   "))
    for i in keys:
        key = lines[i].split(" = ")[0]
        if lines[i - 1].startswith("[[sources]]") or not lines[i - 1].startswith("#"):
            assert f"#   {key}:" in header or f"{key} = " in header, lines[i]
        else:
            assert lines[i - 1].startswith("#"), lines[i]
    text = "\n".join(lines)
    for choices in ("binary, multiclass, multilabel, regression", "auto, csv, parquet"):
        assert choices in text
    assert "<=, <, >=, >, ==" in text


def test_multilabel_and_awkward_strings_round_trip(tmp_path):
    odd = 'say "hi" \\ tab\t é'
    write_project_file(
        tmp_path,
        task="multilabel",
        label=["cat", "dog,bird"],
        sources=[{"name": odd, "path": "d/x y.csv"}],
        missing_label_marker="?",
    )
    cfg = load_config(tmp_path)
    assert cfg.label_columns == ("cat", "dog", "bird")
    assert cfg.sources[0].name == odd
    assert cfg.sources[0].path == tmp_path / "d" / "x y.csv"
    assert cfg.missing_label_marker == "?"


@pytest.mark.parametrize(
    ("settings", "needles"),
    [
        ({"task": "clustering"}, ["project.task", "'clustering'", "'multiclass'"]),
        ({"sources": ["web=a.csv:test"]}, ["role", "'test'", "'target'"]),
        ({"sources": [{"path": "a", "format": "xlsx"}]}, ["format", "'xlsx'", "'parquet'"]),
        ({"metric": "accuracyy"}, ["metric.optimizing", "'accuracyy'", "'f1_macro'"]),
        ({"metric": "rmse"}, ["'rmse'", "does not apply", "'multiclass'", "f1_macro"]),
        ({"constraints": ["latency fast"]}, ["constraint", "latency fast", "<="]),
        ({"human_level_error": -0.1}, ["metric.human_level_error", ">= 0", "-0.1"]),
        ({"human_level_error": 5.0}, ["human_level_error", "fraction", "5"]),
        ({"label": ["a", "b"]}, ["one label column", "multilabel"]),
        ({"sources": []}, ["no sources", "NAME=PATH:ROLE"]),
        ({"sources": ["a=x.csv", "a=y.csv"]}, ["unique", "'a'"]),
        ({"sources": ["a=x.csv:target", "b=y.csv:target"]}, ["only one source", "target"]),
        ({"split": {"dev": 1.5}}, ["split.dev", "1.5"]),
        ({"split": {"folds": 5}}, ["folds", "train_dev"]),
        ({"split": {"dev": "0.2"}}, ["split.dev", "number", "'0.2'"]),
        ({"split": {"test": float("nan")}}, ["split.test", "finite", "nan"]),
        ({"split": {"stratify": "no"}}, ["split.stratify", "true or false", "'no'"]),
        ({"colour": "red"}, ["unknown project setting", "'colour'", "task"]),
    ],
)
def test_bad_values_are_rejected_with_key_value_and_choices(tmp_path, settings, needles):
    with pytest.raises(ConfigError) as info:
        write_project_file(tmp_path, **{**BASIC, **settings})
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary file left


def test_missing_required_setting(tmp_path):
    with pytest.raises(ConfigError, match="'task' is required"):
        write_project_file(tmp_path, label="y", sources=["a=a.csv"])


def test_refuses_to_overwrite_unless_forced(tmp_path):
    write_project_file(tmp_path, **BASIC)
    before = (tmp_path / "yearn.toml").read_text()
    with pytest.raises(ConfigError, match=r"already exists.*--force"):
        write_project_file(tmp_path, **{**BASIC, "task": "binary"})
    assert (tmp_path / "yearn.toml").read_text() == before
    write_project_file(tmp_path, **{**BASIC, "task": "binary"}, force=True)
    assert load_config(tmp_path).task == "binary"


def test_parse_source():
    assert parse_source("web=data/web.csv:target").role == "target"
    assert parse_source("web=data/web.csv").role == "train"
    for bad in ("data.csv", "=x.csv", "web=", "web=:train"):
        with pytest.raises(ConfigError, match="--source"):
            parse_source(bad)


# ---------------------------------------------------------------- CLI


def _flags(*extra):
    return [
        "--task",
        "multiclass",
        "--label",
        "label",
        "--source",
        "web=data/web.csv:train",
        "--source",
        "phone=data/phone.csv:target",
        *extra,
    ]


def test_cli_init_with_flags_writes_a_loadable_file(cli, tmp_path):
    project = tmp_path / "proj"
    result = cli(
        "init",
        project,
        *_flags(
            "--id-column",
            "id",
            "--group-column",
            "base_id",
            "--metadata",
            "blur,noise",
            "--metadata",
            "rotation",
            "--metric",
            "f1_macro",
            "--constraint",
            "latency_ms <= 100",
            "--human-level-error",
            "0.01",
            "--feature",
            "pixels,size",
            "--missing-label-marker",
            "?",
        ),
    )
    assert result.exit_code == 0, result.output
    assert load_config(project).feature_columns == ("pixels", "size")
    assert load_config(project).missing_label_marker == "?"
    assert "wrote" in result.output and "do not exist yet" in result.output
    cfg = load_config(project)
    assert cfg.metadata_columns == ("blur", "noise", "rotation")
    assert (cfg.id_column, cfg.group_column) == ("id", "base_id")
    assert cfg.metric.optimizing == "f1_macro"
    assert str(cfg.metric.constraints[0]) == "latency_ms <= 100"
    assert cfg.target_source.name == "phone"


def test_cli_init_json(cli, tmp_path):
    result = cli("init", tmp_path, *_flags("--json"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["task"] == "multiclass"
    assert [s["role"] for s in data["sources"]] == ["train", "target"]
    assert len(data["missing_paths"]) == 2


@pytest.mark.parametrize(
    ("drop", "flag"), [("--task", "--task"), ("--label", "--label"), ("--source", "--source")]
)
def test_cli_init_non_interactive_missing_value_exits_2_naming_the_flag(cli, tmp_path, drop, flag):
    args = _flags()
    keep = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a == drop:
            skip = True
            continue
        keep.append(a)
    result = cli("init", tmp_path, "--no-interactive", *keep)
    assert result.exit_code == 2
    assert f"missing {flag}" in result.output
    assert not (tmp_path / "yearn.toml").exists()


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        (["--task", "clustering"], ["project.task", "clustering", "multiclass"]),
        (["--source", "x=y.csv:holdout"], ["role", "holdout", "target"]),
        (["--metric", "accuracyy"], ["metric.optimizing", "accuracyy", "f1_macro"]),
        (["--constraint", "latency fast"], ["--constraint", "latency fast"]),
        (["--human-level-error", "-1"], ["human_level_error", ">= 0"]),
    ],
)
def test_cli_init_bad_value_exits_2(cli, tmp_path, extra, needles):
    result = cli("init", tmp_path, "--no-interactive", *_flags(), *extra)
    assert result.exit_code == 2, result.output
    for needle in needles:
        assert needle in result.output
    assert not (tmp_path / "yearn.toml").exists()


def test_cli_init_not_a_number_exits_2(cli, tmp_path):
    result = cli("init", tmp_path, *_flags("--human-level-error", "one percent"))
    assert result.exit_code == 2
    assert "human-level-error" in result.output


def test_cli_init_refuses_to_overwrite_unless_force(cli, tmp_path):
    assert cli("init", tmp_path, *_flags()).exit_code == 0
    result = cli("init", tmp_path, *_flags("--task", "binary"))
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert load_config(tmp_path).task == "multiclass"
    assert cli("init", tmp_path, *_flags("--force", "--task", "binary")).exit_code == 0
    assert load_config(tmp_path).task == "binary"


def test_cli_init_interactive_asks_for_what_is_missing(cli, tmp_path):
    answers = "\n".join(
        [
            "clustering",  # rejected: asked again
            "binary",
            "churned",
            "customer_id",
            "",  # no group column
            "plan, region",
            "shop=data/shop.parquet:train",
            "app=data/app.csv:target",
            "",  # no more sources
            "f1",
            "latency_ms <= 50",
            "",  # no more constraints
            "0.02",
        ]
    )
    result = cli("init", tmp_path, "--interactive", input=answers + "\n")
    assert result.exit_code == 0, result.output
    assert "Try again" in result.output
    cfg = load_config(tmp_path)
    assert cfg.task == "binary" and cfg.label_columns == ("churned",)
    assert cfg.id_column == "customer_id" and cfg.group_column is None
    assert cfg.metadata_columns == ("plan", "region")
    assert [(s.name, s.role) for s in cfg.sources] == [("shop", "train"), ("app", "target")]
    assert cfg.metric.optimizing == "f1"
    assert str(cfg.metric.constraints[0]) == "latency_ms <= 50"
    assert cfg.metric.human_level_error == 0.02


def test_cli_init_interactive_only_asks_for_missing_values(cli, tmp_path):
    # everything but the label is given: the first answer is the label, the rest default
    result = cli(
        "init",
        tmp_path,
        "--interactive",
        "--task",
        "regression",
        "--source",
        "a=a.csv",
        "--id-column",
        "id",
        "--group-column",
        "g",
        "--metadata",
        "m",
        "--metric",
        "mae",
        "--constraint",
        "size_mb <= 1",
        "--human-level-error",
        "0.5",
        input="price\n",
    )
    assert result.exit_code == 0, result.output
    cfg = load_config(tmp_path)
    assert cfg.label_columns == ("price",) and cfg.metric.optimizing == "mae"
    assert tomllib.loads((tmp_path / "yearn.toml").read_text())["project"]["task"] == "regression"


def test_cli_init_interactive_gives_up_after_three_bad_answers(cli, tmp_path):
    result = cli("init", tmp_path, "--interactive", input="a\nb\nc\n")
    assert result.exit_code == 2
    assert "project.task" in result.output


def test_directory_that_is_a_file_is_refused(tmp_path, cli):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match="not a folder"):
        write_project_file(tmp_path / "f", **BASIC)
    result = cli("init", tmp_path / "f", *_flags())
    assert result.exit_code == 2 and "not a folder" in result.output


def test_init_creates_a_missing_folder(tmp_path):
    path = write_project_file(tmp_path / "new" / "deeper", **BASIC)
    assert path.exists() and load_config(path.parent).task == "multiclass"
