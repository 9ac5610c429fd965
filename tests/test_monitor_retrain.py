"""`yearn retrain` on the digits demo: new phone-like labelled rows are appended, the split
grows without moving old rows, a better model is promoted with its lineage, a deliberately
worse one is refused, and --dry-run changes nothing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from yearn.demo import make_digits_demo
from yearn.project import Project


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from yearn.splits import split_project
    from yearn.train import train_project

    root = make_digits_demo(tmp_path_factory.mktemp("retrain") / "digits", random_state=0)
    phone = root / "data" / "phone" / "manifest.csv"
    rows = pd.read_csv(phone, dtype={"id": str})
    held = rows.sample(frac=0.5, random_state=0)
    rows.drop(held.index).to_csv(phone, index=False)  # production data labelled later
    held.to_csv(root / "data" / "phone" / "new_labelled.csv", index=False)
    split_project(root)
    result = train_project(root, "cnn", epochs=1, lr=0.0005, num_threads=1)
    with Project(root).store() as store:
        store.set_deployed(result.run_id, reason="first model")
    return root, result.run_id


def _deployed(root):
    with Project(root).store() as store:
        return store.deployed()


def test_dry_run_decides_and_changes_nothing(cli, demo):
    root, first = demo
    out = cli("retrain", "--project", root, "--dry-run", "--json")
    assert out.exit_code == 0, out.output
    decision = json.loads(out.output)
    assert decision["dry_run"] and not decision["promoted"]
    assert decision["eligible"] == (decision["ci_high"] >= 0 or decision["p_value"] > 0.05)
    assert decision["deployed_run"] == first and decision["added_rows"] == 0
    assert _deployed(root).run_id == first


def test_better_model_on_new_data_is_promoted_with_lineage(cli, demo):
    root, first = demo
    before = Project(root).manifest().table.set_index("id")["split"]
    new = root / "data" / "phone" / "new_labelled.csv"
    out = cli(
        "retrain",
        "--project",
        root,
        "--append",
        new,
        "--set",
        "epochs=5",
        "--set",
        "lr=0.003",
        "--json",
    )
    assert out.exit_code == 0, out.output
    decision = json.loads(out.output)
    assert decision["appended_rows"] == len(pd.read_csv(new))
    after = Project(root).manifest().table.set_index("id")["split"]
    assert (after[before.index] == before).all()  # old assignments never move
    assert decision["added_rows"] == len(after) - len(before) > 0
    assert decision["improvement"] > 0 and decision["ci_low"] > 0  # significantly better
    assert decision["promoted"]
    current = _deployed(root)
    assert current.run_id == decision["new_run"] and current.parent_run_id == first
    assert current.data_fingerprint == Project(root).manifest().sha256


def test_deliberately_worse_model_is_refused(cli, demo):
    root, _ = demo
    deployed = _deployed(root).run_id
    out = cli("retrain", "--project", root, "--set", "epochs=1", "--set", "lr=1e-5")
    assert out.exit_code == 0, out.output
    assert "not promoted" in out.output and "significantly worse" in out.output
    assert _deployed(root).run_id == deployed


def test_append_with_dry_run_or_clashing_ids_is_refused(cli, demo, tmp_path):
    root, _ = demo
    out = cli("retrain", "--project", root, "--append", "x.csv", "--dry-run")
    assert out.exit_code == 2 and "--dry-run changes nothing" in out.output
    phone = pd.read_csv(root / "data" / "phone" / "manifest.csv").head(3)
    again = tmp_path / "again.csv"
    phone.to_csv(again, index=False)
    out = cli("retrain", "--project", root, "--append", again)
    assert out.exit_code == 2 and "already in" in out.output
