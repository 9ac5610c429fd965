"""``yearn synthesize``: fitted distortions, provenance, groups kept, coverage, evaluate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests._mismatch_project import make_image_project
from yearn.cli import app
from yearn.errors import ConfigError
from yearn.mismatch import coverage_check, evaluate_synthesis, gap_change, synthesize
from yearn.project import Project
from yearn.splits import split_project


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    root = make_image_project(tmp_path_factory.mktemp("syn"), shifted=True, n_train=80)
    split_project(root, record=False)
    result = synthesize(root, n=40, pool=3, ops=["blur", "contrast", "brightness", "noise"])
    return root, result


def test_synthetic_source_written_with_provenance_and_groups(grown):
    root, result = grown
    folder = root / "data" / "synthetic"
    manifest = pd.read_csv(folder / "manifest.csv")
    prov = pd.read_csv(folder / "provenance.csv")
    assert len(manifest) == len(prov) == 40 and (folder / manifest["path"][0]).is_file()
    web = pd.read_csv(root / "data" / "web" / "manifest.csv")
    assert list(manifest.columns) == list(web.columns)
    web = web.set_index("id")
    assert (manifest["g"].to_numpy() == web.loc[prov["original_id"], "g"].to_numpy()).all()
    assert set(json.loads(prov["params"][0])) == {"blur", "contrast", "brightness", "noise"}
    config = Project(root).config
    assert [s.name for s in config.sources] == ["web", "phone", "synthetic"]
    table = Project(root).manifest().table
    placed = table.set_index("id")["split"]
    originals = placed.loc[prov["original_id"]].to_numpy()
    assert (placed.loc[manifest["id"]].to_numpy() == originals).all()
    assert result.splits == {"train": 40}


def test_fitted_statistics_move_towards_the_target(grown):
    _, result = grown
    fit = {r["statistic"]: r for r in result.fit}
    for stat in ("contrast", "brightness"):
        assert fit[stat]["ks_synthetic"] < fit[stat]["ks_original"]
    # fitted on target images the split keeps out of dev and test
    assert "outside dev/test" in result.fitted_on and not result.notes


def test_name_taken_and_unknown_op_are_errors(grown):
    root, _ = grown
    with pytest.raises(ConfigError, match="exists already"):
        synthesize(root, n=5)
    with pytest.raises(ConfigError, match=r"unknown image op .warp.; choose from"):
        synthesize(root, n=5, ops=["warp"], name="other")


def test_coverage_warns_for_one_clip_and_not_for_a_varied_bank(grown):
    one = coverage_check(1, 10_000, what="noise clip")
    assert one.warning and "10000" in one.warning and "at least 200" in one.warning
    assert coverage_check(2_000, 10_000, what="noise clip").warning is None
    assert coverage_check(200, 10_000, source_amount=1.0, clean_amount=10_000.0).warning
    root, _ = grown
    few = synthesize(root, n=60, pool=1, name="few", max_reuse=1, write=False)
    assert few.coverage.warning and "original image" in few.coverage.warning


def test_gap_change_null_and_effect():
    rng = np.random.default_rng(0)
    td = rng.random(400) < 0.05
    dev = rng.random(400) < 0.3
    same = gap_change(td, td, dev, dev)[2]
    assert same["change"] == 0 and same["change_interval"] == [0.0, 0.0]
    better = dev & (rng.random(400) < 0.3)  # most dev errors fixed, train_dev unchanged
    row = gap_change(td, td, dev, better)[2]
    assert row["change"] < 0 and row["change_interval"][1] < 0
    noisy = gap_change(td, td, dev, rng.random(400) < 0.3)[2]
    assert noisy["change_interval"][0] < 0 < noisy["change_interval"][1]


def test_gap_change_resamples_groups_when_rows_are_renders_of_one_original():
    """Four renders of each original share their error: rows are not independent, so the
    grouped interval must be about twice as wide (sqrt(4)); one row per group: as rows."""
    rng = np.random.default_rng(1)
    per = lambda p: np.repeat(rng.random(100) < p, 4)  # noqa: E731 - 100 originals x 4
    td, dev, after = per(0.05), per(0.3), per(0.3)
    groups = np.repeat(np.arange(100), 4)

    def width(**kw):
        low, high = gap_change(td, td, dev, after, **kw)[2]["change_interval"]
        return high - low

    rows, grouped = width(), width(groups_train_dev=groups, groups_dev=groups)
    assert grouped > 1.6 * rows
    singles = np.arange(400)
    alone = width(groups_train_dev=singles, groups_dev=singles)
    assert abs(alone - rows) < 0.15 * rows


def test_evaluate_and_cli(grown, tmp_path):
    root, _ = grown
    ev = evaluate_synthesis(root, "synthetic", model="cnn", epochs=1, batch_size=32)
    assert ev.n_train[1] - ev.n_train[0] == 40
    assert [r["quantity"] for r in ev.rows][2].startswith("data-mismatch gap")
    assert ev.verdict and "resample whole groups" in ev.verdict
    other = make_image_project(tmp_path, shifted=True, n_train=60)
    split_project(other, record=False)
    out = CliRunner().invoke(
        app,
        ["synthesize", "--project", str(other), "--n", "20", "--ops", "contrast,blur", "--json"],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["synthesis"]["n"] == 20 and len(data["synthesis"]["fit"]) == 4
    bad = CliRunner().invoke(app, ["synthesize", "--project", str(other), "--ops", "warp"])
    assert bad.exit_code == 2 and "unknown image op" in bad.output
