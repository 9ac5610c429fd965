"""``--memory`` on a CSV project: read whole (in memory) when the estimate fits the budget,
said in one line; refused with the command that converts it to Parquet when it does not."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests._profile_data import make_table
from tests._toy_project import two_source_toml
from yearn.data.budget import CSV_SAMPLE_BYTES, csv_size

TOML = two_source_toml(name="csv")


@pytest.fixture
def project(tmp_path):
    frame = make_table(plant="leak").drop(columns=["split", "source"])
    for role, name in (("train", "web"), ("target", "phone")):
        part = frame[frame["role"] == role].drop(columns="role")
        part.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "yearn.toml").write_text(TOML)
    return tmp_path


def test_split_and_profile_of_a_csv_project_that_fits_run_in_memory(cli, project):
    split = cli("split", "--project", project, "--memory", "4GB")
    assert split.exit_code == 0, split.output
    line = " ".join(split.output.split())  # one line, wrapped by the terminal's width
    assert "run in memory (CSV source(s) 'web', 'phone' read whole" in line
    from yearn.splits import load_manifest

    within = load_manifest(project).table
    plain_split = cli("split", "--project", project, "--fresh")
    assert plain_split.exit_code == 0, plain_split.output
    pd.testing.assert_frame_equal(within, load_manifest(project).table)  # the same split
    profile = cli("profile", "--project", project, "--memory", "4GB", "--json")
    assert profile.exit_code == 0, profile.output
    scale = json.loads(profile.output)["scale"]
    assert scale["mode"] == "in-memory" and scale["rows"] == 1200
    assert "'web', 'phone' read whole" in scale["note"]
    plain = cli("profile", "--project", project, "--json")
    assert plain.exit_code == 0, plain.output
    leaks = [json.loads(out)["checks"] for out in (profile.output, plain.output)]
    found = [next(c for c in checks if c["name"] == "leakage")["summary"] for checks in leaks]
    assert found[0]["leaks"] == found[1]["leaks"] == ["leak"]  # the same profile


def test_a_csv_project_over_the_budget_is_refused_with_the_conversion(cli, project):
    for command in ("split", "profile"):
        result = cli(command, "--project", project, "--memory", "50MB")
        assert result.exit_code == 2, result.output
        text = " ".join(result.output.split())
        assert "over --memory 50 MB" in text and "streams Parquet only" in text
        assert ".to_parquet(" in text and "web.parquet" in text


def test_stream_still_refuses_csv(cli, project):
    result = cli("profile", "--project", project, "--memory", "4GB", "--stream")
    assert result.exit_code == 2
    assert "streams Parquet only" in " ".join(result.output.split())


def test_a_parquet_project_has_no_csv_note(cli, project):
    for name in ("web", "phone"):
        pd.read_csv(project / f"{name}.csv").to_parquet(project / f"{name}.parquet")
    (project / "yearn.toml").write_text(TOML.replace(".csv", ".parquet"))
    result = cli("profile", "--project", project, "--memory", "4GB", "--json")
    assert result.exit_code == 0, result.output
    scale = json.loads(result.output)["scale"]
    assert scale["mode"] == "in-memory" and "note" not in scale


def test_csv_size_estimate_from_the_first_lines(tmp_path):
    rng = np.random.default_rng(0)
    n = 200_000  # about 9 MB of text: the estimate reads the first 4 MB
    frame = pd.DataFrame(
        {"x": rng.normal(size=n), "k": rng.choice(["a", "bb", "ccc"], size=n), "q": '"a,\nb"'}
    )
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    assert path.stat().st_size > CSV_SAMPLE_BYTES
    size = csv_size(path)
    whole = pd.read_csv(path)
    assert abs(size.rows - n) < 0.02 * n
    actual = whole.memory_usage(deep=True, index=False).sum()
    assert abs(size.bytes() - actual) < 0.05 * actual
    small = tmp_path / "s.csv"
    frame.head(50).to_csv(small, index=False)
    assert csv_size(small).rows == 50  # a small file is read whole: exact
