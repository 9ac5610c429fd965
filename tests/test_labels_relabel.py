"""Relabelling: the log is kept, dev and test are corrected alike, sources never change."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from yearn.errors import DataError
from yearn.labels import (
    apply_corrections,
    correct_frame,
    read_relabel_log,
    record_corrections,
    relabel_log_path,
)
from yearn.predictions import load_predictions, write_predictions


def table() -> pd.DataFrame:
    split = np.array(["train"] * 4 + ["dev"] * 4 + ["test"] * 4)
    label = np.array(["cat", "dog", "cat", "dog"] * 3, dtype=object)
    pred = label.copy()
    pred[[1, 5, 9]] = "cat"  # a wrong label in each split: the model sees a cat
    frame = pd.DataFrame({"id": [f"i{k}" for k in range(12)], "split": split, "label": label})
    frame["proba:cat"] = np.where(pred == "cat", 0.9, 0.1)
    frame["proba:dog"] = 1 - frame["proba:cat"]
    return frame


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dev_and_test_corrected_log_kept_sources_unchanged(tmp_path):
    src = write_predictions(table(), tmp_path / "preds.csv")
    before = sha(src)
    fixes = pd.DataFrame({"id": ["i1", "i5", "i9"], "new_label": "cat", "reason": "it is a cat"})
    entries = record_corrections(tmp_path, fixes, predictions=src, who="tester")
    assert [e["old_label"] for e in entries] == ["dog", "dog", "dog"]
    log = read_relabel_log(tmp_path)
    assert log[["id", "old_label", "new_label", "who"]].values.tolist() == [
        ["i1", "dog", "cat", "tester"],
        ["i5", "dog", "cat", "tester"],
        ["i9", "dog", "cat", "tester"],
    ]
    assert log["time"].str.match(r"\d{4}-\d\d-\d\dT").all()
    result = apply_corrections(src, tmp_path)
    fixed = result.predictions.frame.set_index("id")["label"]
    assert fixed["i5"] == "cat" and fixed["i9"] == "cat"  # dev AND test
    assert fixed["i1"] == "dog"  # train untouched unless asked
    assert result.changed == {"train": 0, "dev": 1, "test": 1}
    assert result.error_before == {"train": 0.25, "dev": 0.25, "test": 0.25}
    assert result.error_after == {"train": 0.25, "dev": 0.0, "test": 0.0}
    assert result.warnings == []
    assert sha(src) == before  # the source file is never rewritten
    with_train = apply_corrections(src, tmp_path, include_train=True)
    assert with_train.changed["train"] == 1 and with_train.error_after["train"] == 0.0


def test_log_appends_and_latest_correction_wins(tmp_path):
    record_corrections(tmp_path, [{"id": "i5", "new_label": "dog", "reason": "first look"}])
    record_corrections(tmp_path, [{"id": "i5", "new_label": "cat", "reason": "second look"}])
    lines = relabel_log_path(tmp_path).read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["reason"] == "first look"
    result = apply_corrections(table(), tmp_path)
    assert result.predictions.frame.set_index("id").loc["i5", "label"] == "cat"


def test_warns_when_only_dev_is_corrected(tmp_path):
    record_corrections(tmp_path, [{"id": "i5", "new_label": "cat"}])
    result = apply_corrections(table(), tmp_path)
    assert result.changed["dev"] == 1 and result.changed["test"] == 0
    assert any("none in test" in w for w in result.warnings)


def test_bad_corrections(tmp_path):
    src = write_predictions(table(), tmp_path / "preds.parquet")
    with pytest.raises(DataError, match=r"unknown id.*'nope'"):
        record_corrections(tmp_path, [{"id": "nope", "new_label": "cat"}], predictions=src)
    with pytest.raises(DataError, match="'bird' is not a class"):
        record_corrections(tmp_path, [{"id": "i1", "new_label": "bird"}], predictions=src)
    with pytest.raises(DataError, match="no corrections"):
        record_corrections(tmp_path, [])
    assert not relabel_log_path(tmp_path).exists()  # nothing half-written
    relabel_log_path(tmp_path).parent.mkdir(parents=True, exist_ok=True)
    relabel_log_path(tmp_path).write_text('{"id": "i1", "new_label": "cat"}\nnot json\n')
    with pytest.raises(DataError, match="line 2 is not valid JSON"):
        read_relabel_log(tmp_path)


def test_cli_relabel_then_apply_and_rediagnose(cli, tmp_path):
    src = write_predictions(table(), tmp_path / "preds.csv")
    before = sha(src)
    result = cli(
        "relabel", "--project", tmp_path, "--id", "i5", "--to", "cat",
        "--reason", "a cat", "--predictions", src,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (tmp_path / "fixes.csv").write_text("id,to,reason\ni9,cat,also a cat\n")
    out = tmp_path / "corrected.parquet"
    result = cli(
        "relabel", "--project", tmp_path, "--corrections", tmp_path / "fixes.csv",
        "--predictions", src, "--out", out, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["changed"] == {"train": 0, "dev": 1, "test": 1}
    assert report["error_after"]["dev"] == 0.0
    assert "before" in report["diagnosis"] or "unavailable" in report["diagnosis"]
    corrected = load_predictions(out).frame.set_index("id")["label"]
    assert corrected["i5"] == "cat" and corrected["i9"] == "cat"
    assert len(read_relabel_log(tmp_path)) == 2
    assert sha(src) == before


def test_cli_relabel_errors(cli, tmp_path):
    src = write_predictions(table(), tmp_path / "preds.csv")
    result = cli("relabel", "--project", tmp_path, "--id", "i1")
    assert result.exit_code == 2 and "one --to per --id" in result.output
    result = cli("relabel", "--project", tmp_path, "--id", "zz", "--to", "cat", "-p", src)
    assert result.exit_code == 2 and "unknown id" in " ".join(result.output.split())
    result = cli("relabel", "--project", tmp_path, "--corrections", tmp_path / "none.csv")
    assert result.exit_code == 2 and "not found" in " ".join(result.output.split())
    result = cli("relabel", "--project", tmp_path, "--out", tmp_path / "x.csv")
    assert result.exit_code == 2 and "--predictions" in result.output


def test_correct_frame_uses_the_split_manifest(tmp_path):
    record_corrections(
        tmp_path, [{"id": "i1", "new_label": "cat"}, {"id": "i5", "new_label": "cat"}]
    )
    data = table()[["id", "label"]]
    manifest = table()[["id", "split"]]
    fixed = correct_frame(data, tmp_path, splits=manifest).set_index("id")["label"]
    assert fixed["i5"] == "cat" and fixed["i1"] == "dog"
    fixed = correct_frame(data, tmp_path, splits=manifest, include_train=True)
    assert fixed.set_index("id").loc["i1", "label"] == "cat"
    assert data.set_index("id").loc["i1", "label"] == "dog"  # the input is not modified
    with pytest.raises(DataError, match="column 'target' not found"):
        correct_frame(data, tmp_path, label_column="target")


def test_relabel_of_dev_warns_about_test_by_the_split(tmp_path, cli):
    """yearn's runs hold no test rows, so coverage is judged on the split manifest."""
    import numpy as np
    import pandas as pd

    from yearn.labels import coverage_warnings, record_corrections
    from yearn.splits import load_manifest, split_project

    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "x": rng.normal(size=n)})
    frame["y"] = np.where(frame["x"] > 0, "a", "b")
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "yearn.toml").write_text(
        '[project]\ntask = "binary"\nlabel_column = "y"\nid_column = "id"\n'
        '[[sources]]\nname = "all"\npath = "data.csv"\nrole = "target"\n',
        encoding="utf-8",
    )
    split_project(tmp_path)
    table = load_manifest(tmp_path).table
    dev_id = str(table.loc[table["split"] == "dev", "id"].iloc[0])
    test_id = str(table.loc[table["split"] == "test", "id"].iloc[0])
    assert coverage_warnings(tmp_path) == []  # null case: nothing logged
    out = cli("relabel", "--project", tmp_path, "--id", dev_id, "--to", "b", "--json")
    assert out.exit_code == 0, out.output
    notes = coverage_warnings(tmp_path)
    assert len(notes) == 1 and "none in test" in notes[0] and "label-issues --project" in notes[0]
    record_corrections(tmp_path, [{"id": test_id, "new_label": "a"}])
    assert coverage_warnings(tmp_path) == []  # dev and test both reviewed
    # the flow the warning names: out-of-fold flags over every split, test included
    flags = cli("label-issues", "--project", tmp_path, "--json")
    assert flags.exit_code == 0, flags.output
    import json

    assert {"dev", "test"} <= set(json.loads(flags.output)["splits"])


def test_rediagnose_speaks_the_projects_metric(tmp_path):
    """With the project, the before/after diagnosis is in its metric (1-f1 here, not the
    error rate), as `yearn diagnose` does; without it, in the error rate."""
    from yearn.labels import rediagnose

    rng = np.random.default_rng(0)
    n = 400
    label = rng.choice(["no", "yes"], n, p=[0.8, 0.2])
    p = np.clip(np.where(label == "yes", 0.7, 0.2) + rng.normal(0, 0.2, n), 0.01, 0.99)
    frame = pd.DataFrame(
        {"id": [f"i{k}" for k in range(n)], "label": label, "proba:no": 1 - p, "proba:yes": p}
    )
    frame["split"] = np.repeat(["train", "train_dev", "dev"], [200, 100, 100])
    frame["origin"] = [f"g{k // 4}" for k in range(n)]
    (tmp_path / "yearn.toml").write_text(
        '[project]\ntask = "binary"\nlabel_column = "label"\nid_column = "id"\n'
        'group_column = "origin"\n\n[metric]\noptimizing = "f1"\n\n'
        '[[sources]]\nname = "main"\npath = "data.csv"\nrole = "target"\n'
    )
    preds = load_predictions(frame)
    plain, projected = rediagnose(preds, preds), rediagnose(preds, preds, project=tmp_path)
    assert plain["metric"] == "error" and projected["metric"] == "1-f1"
    assert projected["errors_before"]["dev"] != plain["errors_before"]["dev"]
