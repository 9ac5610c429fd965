"""Data larger than memory: the streamed profile and split (``--memory``) agree with the
in-memory ones on small Parquet files read in tiny batches."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from yearn.config import load_config
from yearn.data.budget import parquet_size, parse_memory
from yearn.errors import ConfigError, DataError
from yearn.profile import profile_project
from yearn.profile._sketch import quantile_rank_error
from yearn.profile._stream import profile_streaming, streaming_plan
from yearn.splits import load_manifest, split_project
from yearn.splits._stream import split_plan, split_streaming
from yearn.splits._stream_previous import read_previous
from yearn.splits._stream_write import write_streamed
from yearn.splits.manifest import save_manifest

TOML = """
[project]
name = "big"
task = "{task}"
label_column = "y"
{id_line}

[[sources]]
name = "web"
path = "web.parquet"
role = "train"

[[sources]]
name = "phone"
path = "phone.parquet"
role = "target"
"""


def _frame(n: int, seed: int, start: int = 0, task: str = "binary") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[rng.random(n) < 0.1] = np.nan
    y = (rng.random(n) < 0.35).astype(np.int64)
    frame = pd.DataFrame(
        {
            "id": np.arange(start, start + n, dtype=np.int64),
            "x": x,
            "count": rng.integers(0, 7, size=n),
            "city": rng.choice(["paris", "lyon", "nice", "lille"], size=n),
            "const": 1.0,
            "leak": y * 3.0 + rng.normal(scale=0.05, size=n),
            "y": y if task == "binary" else rng.normal(size=n),
        }
    )
    frame.loc[rng.random(n) < 0.05, "city"] = None
    return frame


def _write(root, frames: dict[str, pd.DataFrame], task="binary", ids=True) -> None:
    for name, frame in frames.items():
        frame = frame if ids else frame.drop(columns="id")
        frame.to_parquet(root / f"{name}.parquet", index=False, row_group_size=250)
    id_line = 'id_column = "id"' if ids else ""
    (root / "yearn.toml").write_text(TOML.format(task=task, id_line=id_line))


@pytest.fixture
def project(tmp_path):
    web, phone = _frame(2400, 1), _frame(1200, 2, start=10_000)
    phone["x"] += 0.8  # a shift
    web = pd.concat([web, web.iloc[:30].assign(id=np.arange(50_000, 50_030))])  # duplicates
    _write(tmp_path, {"web": web, "phone": phone})
    return tmp_path


def _tiny_plan(plan, batch=300):
    return dataclasses.replace(plan, batch_rows=batch)


def test_parse_memory():
    assert parse_memory("4GB") == 4_000_000_000
    assert parse_memory("512 MiB") == 512 * 2**20
    assert parse_memory("1.5g") == 1_500_000_000
    for bad in ("lots", "4XB", "0GB"):
        with pytest.raises(ConfigError, match="--memory"):
            parse_memory(bad)


def test_parquet_size_from_footer(project):
    size = parquet_size(project / "web.parquet")
    assert size.rows == 2430 and size.row_groups == 10 and size.largest_group == 250
    assert size.widths["x"] == 8 and size.widths["city"] > 8


def test_streamed_profile_agrees_with_in_memory(project):
    config = load_config(project)
    plan = _tiny_plan(streaming_plan(config, parse_memory("3GB"), 200_000, force=True))
    assert plan.mode == "streaming"
    streamed = profile_streaming(config, plan)
    memory = profile_project(project)
    assert streamed.n_rows == memory.n_rows == 3630
    assert streamed.groups == memory.groups
    eps = quantile_rank_error()
    frames = {n: pd.read_parquet(project / f"{n}.parquet") for n in ("web", "phone")}
    got = streamed["summary"].summary["columns"]
    want = memory["summary"].summary["columns"]
    assert set(got) == set(want)
    for column in ("x", "count", "leak"):
        assert got[column]["missing"] == want[column]["missing"]
        assert got[column]["unique"] == want[column]["unique"]
        for group in ("web", "phone"):
            g, w = got[column]["by_group"][group], want[column]["by_group"][group]
            for key in ("count", "missing", "min", "max", "zeros", "histogram"):
                assert g[key] == w[key], (column, group, key)
            assert g["mean"] == pytest.approx(w["mean"], rel=1e-9)
            assert g["std"] == pytest.approx(w["std"], rel=1e-9)
            values = frames[group][column].dropna().to_numpy()
            for key, q in (("q25", 0.25), ("median", 0.5), ("q75", 0.75)):
                # the sketch's stated bound, in rank (ties: between the two ranks)
                below, upto = np.mean(values < g[key]), np.mean(values <= g[key])
                slack = eps + 1 / values.size
                assert below - slack <= q <= upto + slack, (column, group, key)
    for group in ("web", "phone"):
        assert got["city"]["by_group"][group] == want["city"]["by_group"][group]
    assert got["city"]["unique"] == want["city"]["unique"] == 4
    kinds = {e["column"]: e["kind"] for e in streamed["summary"].evidence}
    assert kinds == {"const": "constant"}
    assert streamed["balance"].summary == memory["balance"].summary
    assert streamed["duplicates"].summary == memory["duplicates"].summary
    assert streamed["duplicates"].summary["within_by_group"] == {"phone": 0, "web": 30}
    assert streamed["contamination"].summary == memory["contamination"].summary
    assert streamed["contamination"].severity == "info"
    # model-based checks ran on the stated sample and still find the planted leak and shift
    assert streamed["leakage"].summary["sample_rows"] == plan.sample_rows
    assert "leak" in streamed["leakage"].message
    assert "sample of" in streamed["shift"].message and streamed["shift"].severity == "warning"
    methods = streamed.scale["methods"]
    assert methods["balance"].startswith("exact")
    assert "rank error" in methods["summary"] and f"{plan.sample_rows:,}" in methods["leakage"]
    assert streamed.to_dict()["scale"]["mode"] == "streaming"


def test_streamed_profile_null_case(tmp_path):
    """No duplicates, no leak, no shift planted: the streamed profile claims none."""
    web, phone = _frame(1500, 3), _frame(900, 4, start=10_000)
    web, phone = (f.drop(columns=["leak", "const"]) for f in (web, phone))
    rng = np.random.default_rng(0)
    web["x"], phone["x"] = rng.normal(size=1500), rng.normal(size=900)  # no repeated rows
    _write(tmp_path, {"web": web, "phone": phone})
    config = load_config(tmp_path)
    plan = _tiny_plan(streaming_plan(config, parse_memory("3GB"), 200_000, force=True))
    result = profile_streaming(config, plan, checks=["summary", "duplicates", "leakage"])
    assert result["duplicates"].summary["duplicate_rows"] == 0
    assert result["summary"].severity == "info"
    assert result["leakage"].severity == "info", result["leakage"].message


def _splits(root) -> pd.Series:
    table = load_manifest(root).table
    return pd.Series(table["split"].astype(str).to_numpy(), index=table["id"].astype(str))


@pytest.mark.parametrize(("task", "ids"), [("binary", True), ("regression", False)])
def test_streamed_split_equals_in_memory(tmp_path, task, ids):
    _write(
        tmp_path,
        {"web": _frame(2000, 5, task=task), "phone": _frame(1500, 6, 9000, task)},
        task,
        ids,
    )
    split_project(tmp_path, record=False, fresh=True)
    memory = _splits(tmp_path)
    config = load_config(tmp_path)
    plan = _tiny_plan(split_plan(config, parse_memory("3GB"), force=True), 400)
    manifest, code = split_streaming(config, plan)
    save_manifest(manifest, tmp_path, write_table=lambda p: write_streamed(config, plan, code, p))
    streamed = _splits(tmp_path)
    assert streamed.index.tolist() == memory.index.tolist()
    assert (streamed == memory).all()
    assert manifest.sizes == load_manifest(tmp_path).sizes


def test_streamed_split_grows_like_in_memory(tmp_path):
    web, phone = _frame(2000, 7), _frame(1200, 8, 9000)
    _write(tmp_path, {"web": web.iloc[:1500], "phone": phone.iloc[:800]})
    split_project(tmp_path, record=False, fresh=True)
    old = _splits(tmp_path)
    _write(tmp_path, {"web": web, "phone": phone})
    saved = split_project(tmp_path, record=False, memory="3GB", stream=True)
    assert saved.scale["mode"] == "streaming"
    grown = _splits(tmp_path)
    assert (grown[old.index] == old).all()  # old assignments never move
    assert any("grown from the previous manifest" in n for n in saved.manifest.report.notes)
    # the in-memory growth of the same old manifest gives the same new assignments
    _write(tmp_path, {"web": web.iloc[:1500], "phone": phone.iloc[:800]})
    split_project(tmp_path, record=False, fresh=True)
    _write(tmp_path, {"web": web, "phone": phone})
    split_project(tmp_path, record=False)
    assert (_splits(tmp_path) == grown).all()


def test_streamed_split_names_a_repeated_id(tmp_path):
    web = _frame(800, 9)
    phone = _frame(600, 10, 5000)
    phone.loc[7, "id"] = int(web["id"].iloc[3])
    _write(tmp_path, {"web": web, "phone": phone})
    with pytest.raises(Exception, match="id '3' occurs more than once"):
        split_project(tmp_path, record=False, memory="3GB", stream=True)


def test_budget_below_streaming_is_one_line_exit_2(project, cli):
    for command in ("profile", "split"):
        result = cli(command, "--project", project, "--memory", "1MB")
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.strip().splitlines() if line.strip()]
        text = " ".join(lines)
        assert "--memory 1 MB is below what streaming" in text and "give --memory" in text


def test_cli_profile_and_split_with_memory(project, cli):
    result = cli("profile", "--project", project, "--memory", "3GB", "--stream", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["scale"]["mode"] == "streaming" and data["n_rows"] == 3630
    assert data["scale"]["sample_rows"] > 0
    names = [c["name"] for c in data["checks"]]
    assert set(data["scale"]["methods"]) == set(names)
    shown = cli("profile", "--project", project, "--memory", "3GB", "--stream")
    assert shown.exit_code == 0, shown.output
    assert "How each figure was computed" in shown.output and "uniform sample" in shown.output
    fits = cli("profile", "--project", project, "--memory", "8GB", "--json", "-c", "summary")
    assert json.loads(fits.output)["scale"]["mode"] == "in-memory"
    fits = split_project(project, record=False, fresh=True, memory="64GB")
    assert fits.scale["mode"] == "in-memory" and len(fits.manifest) == 3630
    split = cli("split", "--project", project, "--memory", "3GB", "--stream", "--no-record")
    assert split.exit_code == 0, split.output
    assert "streamed in batches" in split.output
    assert sum(load_manifest(project).sizes.values()) == 3630


def test_streamed_contamination_counts_an_id_in_two_sources(tmp_path):
    web, phone = _frame(900, 11), _frame(700, 12, 5000)
    phone.loc[[5, 9], "id"] = web["id"].iloc[[2, 4]].to_numpy()
    _write(tmp_path, {"web": web, "phone": phone})
    config = load_config(tmp_path)
    plan = _tiny_plan(streaming_plan(config, parse_memory("3GB"), 200_000, force=True))
    result = profile_streaming(config, plan, checks=["contamination"])["contamination"]
    assert result.severity == "warning"
    assert result.summary == {"ids_in_several_sources": 2}
    assert result.evidence[0]["rows"] in (["web:2", "phone:5"], ["web:4", "phone:9"])


def _grouped(tmp_path, web, phone) -> None:
    _write(tmp_path, {"web": web, "phone": phone})
    toml = (tmp_path / "yearn.toml").read_text()
    (tmp_path / "yearn.toml").write_text(
        toml.replace('id_column = "id"', 'id_column = "id"\ngroup_column = "user"')
    )


def _with_users(frame: pd.DataFrame, seed: int, prefix: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    users = np.array([f"{prefix}{u}" for u in rng.integers(0, len(frame) // 4, len(frame))], object)
    users[rng.random(len(frame)) < 0.2] = None  # examples without a group
    return frame.assign(user=users)


def _streamed(root, batch=300, **kwargs):
    config = load_config(root)
    plan = _tiny_plan(split_plan(config, parse_memory("3GB"), force=True), batch)
    manifest, code = split_streaming(config, plan, **kwargs)
    save_manifest(manifest, root, write_table=lambda p: write_streamed(config, plan, code, p))
    return manifest


def test_streamed_split_with_groups_equals_in_memory(tmp_path):
    web, phone = _with_users(_frame(2000, 13), 1, "w"), _with_users(_frame(1400, 14, 9000), 2, "p")
    _grouped(tmp_path, web, phone)
    split_project(tmp_path, record=False, fresh=True)
    memory = load_manifest(tmp_path).table
    streamed = _streamed(tmp_path)
    table = load_manifest(tmp_path).table
    assert table["id"].astype(str).tolist() == memory["id"].astype(str).tolist()
    assert (table["split"].astype(str) == memory["split"].astype(str)).all()
    assert table["group"].fillna("").tolist() == memory["group"].fillna("").tolist()
    assert streamed.report.group_overlap == 0
    # a group in both sources: refused, or sent wholly to train as asked
    phone.loc[3, "user"] = web["user"].dropna().iloc[0]
    _grouped(tmp_path, web, phone)
    with pytest.raises(Exception, match="hold examples of both the target source"):
        _streamed(tmp_path)
    split_project(tmp_path, record=False, fresh=True, cross_source_groups="train")
    memory = load_manifest(tmp_path).table
    _streamed(tmp_path, cross_source_groups="train")
    assert (load_manifest(tmp_path).table["split"].astype(str) == memory["split"].astype(str)).all()


def test_streamed_split_with_groups_grows_like_in_memory(tmp_path):
    web, phone = _with_users(_frame(1600, 15), 3, "w"), _with_users(_frame(1000, 16, 9000), 4, "p")
    _grouped(tmp_path, web.iloc[:1200], phone.iloc[:700])
    split_project(tmp_path, record=False, fresh=True)
    old = _splits(tmp_path)
    _grouped(tmp_path, web, phone)
    config = load_config(tmp_path)
    plan = _tiny_plan(split_plan(config, parse_memory("3GB"), force=True))
    previous = read_previous(tmp_path, config.split.salt, 500)
    _streamed(tmp_path, previous=previous)
    grown = _splits(tmp_path)
    assert (grown[old.index] == old).all()  # old assignments never move
    _grouped(tmp_path, web.iloc[:1200], phone.iloc[:700])
    split_project(tmp_path, record=False, fresh=True)
    _grouped(tmp_path, web, phone)
    split_project(tmp_path, record=False)
    assert (_splits(tmp_path) == grown).all()
    assert plan.mode == "streaming"


def test_streamed_split_report_tests_metadata_like_in_memory(tmp_path):
    _write(tmp_path, {"web": _frame(1500, 17), "phone": _frame(1500, 18, 9000)})
    toml = (tmp_path / "yearn.toml").read_text()
    toml = toml.replace(
        'id_column = "id"', 'id_column = "id"\nmetadata_columns = ["city", "count"]'
    )
    (tmp_path / "yearn.toml").write_text(toml)
    memory = split_project(tmp_path, record=False, fresh=True).manifest.report
    streamed = _streamed(tmp_path, batch=400).report
    got = {t.column: (t.test, round(t.p_value, 9)) for t in streamed.distribution}
    want = {t.column: (t.test, round(t.p_value, 9)) for t in memory.distribution}
    assert got == want and set(got) == {"label", "city", "count"}
    assert streamed.balance == memory.balance and streamed.sizes == memory.sizes


def test_streamed_profile_groups_by_split_like_in_memory(project):
    split_project(project, record=False, fresh=True)
    config = load_config(project)
    plan = _tiny_plan(streaming_plan(config, parse_memory("3GB"), 200_000, force=True))
    streamed = profile_streaming(config, plan)
    memory = profile_project(project)
    assert streamed.group_by == memory.group_by == "split"
    assert streamed.groups == memory.groups and next(iter(streamed.groups)) == "train"
    got = streamed["summary"].summary["columns"]["x"]["by_group"]
    want = memory["summary"].summary["columns"]["x"]["by_group"]
    for split in memory.groups:
        for key in ("count", "missing", "min", "max", "zeros", "histogram"):
            assert got[split][key] == want[split][key], (split, key)
    assert streamed["balance"].summary == memory["balance"].summary
    for name in ("duplicates", "contamination"):  # duplicates across splits: an error
        assert streamed[name].summary == memory[name].summary
        assert streamed[name].severity == memory[name].severity
        assert streamed[name].message == memory[name].message
    assert streamed["duplicates"].summary["across_groups"] > 0
    assert streamed.scale["grouped_by"].startswith("split")
    assert "sample of" in streamed["shift"].message


@pytest.mark.parametrize("grouped", [False, True])
def test_streamed_split_names_the_row_of_an_empty_id(tmp_path, grouped):
    """Both streamed paths (rows, and units with a group column) refuse an empty id with
    the file, the row and the fix."""
    web = _frame(800, 11)
    web["id"] = web["id"].astype(str)
    web.loc[5, "id"] = " "
    phone = _frame(600, 12, 5000)
    if grouped:
        _grouped(tmp_path, _with_users(web, 3, "w"), _with_users(phone, 4, "p"))
    else:
        _write(tmp_path, {"web": web, "phone": phone})
    with pytest.raises(DataError, match=r"web\.parquet row 7: the id column 'id' is empty"):
        split_project(tmp_path, record=False, memory="3GB", stream=True)
