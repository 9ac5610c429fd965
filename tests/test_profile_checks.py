"""Each planted problem is found by its check; clean data of the same shape raises nothing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests._profile_data import make_table
from yearn.errors import ConfigError, DataError
from yearn.profile import (
    REGISTRY,
    Check,
    CheckResult,
    Profile,
    profile,
    register,
)


def _run(frame, **kw) -> Profile:
    return profile(frame, label="y", id_column="id", **kw)


@pytest.fixture(scope="module")
def clean() -> Profile:
    return _run(make_table())


def test_clean_data_raises_no_alarm(clean):
    assert clean.names == list(REGISTRY)
    assert {r.name: r.severity for r in clean.results} == {n: "info" for n in REGISTRY}
    assert clean.issues == []
    assert clean.group_by == "split"
    counts = make_table()["split"].value_counts()
    assert clean.groups == {s: int(counts[s]) for s in ("train", "dev", "test")}


@pytest.mark.parametrize("seed", [1, 2])
def test_clean_data_other_seeds_no_alarm(seed):
    result = _run(make_table(seed=seed), checks=["missing", "leakage", "duplicates", "shift"])
    assert [r.severity for r in result.results] == ["info"] * 4


def test_leaky_column_found():
    result = _run(make_table(plant="leak"))["leakage"]
    assert result.severity == "error"
    assert result.summary["leaks"] == ["leak"]
    item = next(e for e in result.evidence if e["column"] == "leak")
    assert item["auc"] >= 0.98


def test_column_duplicating_the_label_found():
    frame = make_table()
    frame["outcome_text"] = np.where(frame["y"] == 1, "yes", "no")
    result = _run(frame)["leakage"]
    assert result.severity == "error"
    kinds = {e["column"]: e["kind"] for e in result.evidence}
    assert kinds["outcome_text"] == "duplicates label"


def test_id_column_found():
    result = _run(make_table(plant="id_column"))["leakage"]
    assert result.severity == "warning"
    assert result.summary["id_like"] == ["row_number"]
    assert "monotone" in result.evidence[0]["why"]


def test_string_id_unique_per_row_found():
    frame = make_table()
    frame["ticket"] = [f"T{i}" for i in np.random.default_rng(0).permutation(len(frame))]
    result = _run(frame)["leakage"]
    assert result.summary["id_like"] == ["ticket"]
    assert "unique per row" in result.evidence[0]["why"]


def test_cross_split_duplicates_found():
    result = _run(make_table(plant="cross_duplicate"))["duplicates"]
    assert result.severity == "error"
    assert result.summary["across_groups"] == 16
    assert result.n_flagged >= 8
    assert result.evidence[0]["groups"] == ["test", "train"]


def test_within_split_duplicates_and_conflicting_labels():
    frame = make_table()
    rows = np.flatnonzero(frame["split"] == "train")[:30]
    cols = ["x1", "x2", "x3", "x4", "c1", "c2"]
    frame.loc[rows[15:], cols] = frame.loc[rows[:15], cols].to_numpy()
    frame.loc[rows[15:], "y"] = 1 - frame.loc[rows[:15], "y"].to_numpy()
    result = _run(frame)["duplicates"]
    assert result.summary["within_by_group"]["train"] == 15
    assert result.summary["conflicting_labels"] == 15
    assert result.severity == "warning"


def test_shifted_feature_found():
    result = _run(make_table(plant="shift"))["shift"]
    assert result.severity == "warning"
    assert result.summary["shifted"] == ["x2"]
    assert result.summary["drivers"][0] == "x2"
    adv = result.summary["adversarial"]
    assert adv["ci"][0] > 0.55
    assert "p_value" in result.summary["tests"][0]  # small sample: p-values reported


def test_no_shift_auc_interval_covers_one_half(clean):
    adv = clean["shift"].summary["adversarial"]
    assert adv["ci"][0] <= 0.5 + 0.05 and adv["ci"][1] >= 0.45


def test_severe_imbalance_found():
    result = _run(make_table(plant="imbalance"))["balance"]
    assert result.severity == "warning"
    assert result.summary["by_group"]["all"]["ratio"] >= 10
    assert "severe class imbalance" in result.message


def test_missingness_predicting_label_found():
    result = _run(make_table(plant="missing_predicts"))["missing"]
    assert result.severity == "warning"
    assert result.summary["predictive"] == ["x4"]
    assoc = result.summary["columns"]["x4"]["label_association"]
    assert assoc["value"] >= 0.1
    assert result.summary["columns"]["x3"]["rate"] == pytest.approx(0.1, abs=0.03)


def test_contaminated_groups_found():
    frame = make_table()
    frame["user"] = np.arange(len(frame)) // 4  # users of 4 rows, splits drawn per row
    result = profile(frame, label="y", id_column="id", group_column="user")["contamination"]
    assert result.severity == "error"
    assert result.summary["groups_in_several_splits"] > 0
    clean = frame.assign(user=frame["split"].map({"train": 0, "dev": 1, "test": 2}))
    ok = profile(clean, label="y", id_column="id", group_column="user")["contamination"]
    assert ok.severity == "info"


def test_split_manifest_and_per_source_grouping():
    frame = make_table().drop(columns="split")
    by_source = _run(frame)
    assert by_source.group_by == "source"
    assert set(by_source.groups) == {"web", "phone"}
    manifest = pd.DataFrame(
        {"id": frame["id"], "split": np.where(frame.index < 600, "train", "dev")}
    )
    by_split = _run(frame, split=manifest)
    assert by_split.groups == {"train": 600, "dev": 600}


def test_regression_and_multiclass_labels():
    frame = make_table(plant="leak")
    frame["y_reg"] = frame["x1"] * 2 + np.random.default_rng(0).normal(size=len(frame))
    frame["leak_reg"] = frame["y_reg"] + 0.01
    reg = profile(frame.drop(columns=["y", "leak"]), label="y_reg")
    assert reg.task == "regression"
    assert reg["leakage"].summary["metric"] == "r2"
    assert "leak_reg" in reg["leakage"].summary["leaks"]
    assert reg["balance"].severity == "info"
    frame["y3"] = np.array(["a", "b", "c"])[frame["c1"].map({"a": 0, "b": 1, "c": 2, "d": 2})]
    multi = profile(frame.drop(columns=["y", "leak", "y_reg", "leak_reg"]), label="y3")
    assert multi.task == "multiclass"
    assert multi["leakage"].summary["leaks"] == ["c1"]


BAD_INPUTS = {
    "constant": lambda f: f.assign(const=7.0),
    "all_missing": lambda f: f.assign(empty=np.nan),
    "mixed_types": lambda f: f.assign(mixed=[1 if i % 2 else "one" for i in range(len(f))]),
    "single_row_split": lambda f: f.assign(split=["holdout", *list(f["split"][1:])]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_reported_not_crashed_on(case):
    result = _run(BAD_INPUTS[case](make_table()))
    assert result.names == list(REGISTRY)
    json.dumps(result.to_dict())
    summary = result["summary"]
    if case == "constant":
        assert {"column": "const", "kind": "constant"}.items() <= summary.evidence[0].items()
    elif case == "all_missing":
        assert result["missing"].summary["all_missing"] == ["empty"]
        assert result["missing"].severity == "warning"
    elif case == "mixed_types":
        assert summary.evidence[0]["kind"] == "mixed types"
        assert summary.severity == "warning"
    else:
        assert result.groups["holdout"] == 1


def test_polars_frames_are_accepted():
    import polars as pl

    result = _run(pl.from_pandas(make_table(plant="leak")), checks=["leakage"])
    assert result["leakage"].summary["leaks"] == ["leak"]


def test_tiny_and_one_class_tables_do_not_crash():
    tiny = make_table(n=12)
    assert len(_run(tiny).results) == len(REGISTRY)
    one_class = make_table().assign(y=1)
    result = _run(one_class)
    assert result["leakage"].severity == "info"


def test_wrong_arguments_raise_yearn_errors():
    frame = make_table()
    with pytest.raises(ConfigError, match="'nope' is not a column"):
        profile(frame, label="nope")
    with pytest.raises(ConfigError, match="unknown profile check 'speling'"):
        profile(frame, label="y", checks=["speling"])
    with pytest.raises(DataError, match="no rows"):
        profile(frame.iloc[:0], label="y")
    with pytest.raises(DataError, match="DataFrame or a yearn Dataset"):
        profile([[1, 2]], label="y")
    with pytest.raises(DataError, match="one per row"):
        profile(frame, label="y", split=["train"] * 3)


def test_a_new_check_is_one_small_class():
    @register
    class RowCount(Check):
        name = "row_count_test"

        def run(self, ctx):
            return self.result(message=f"{ctx.n} rows", summary={"n": ctx.n})

    try:
        result = _run(make_table(), checks=["row_count_test"])
        assert result["row_count_test"].summary == {"n": 1200}
    finally:
        REGISTRY.pop("row_count_test")
    with pytest.raises(TypeError):
        register(int)


def test_results_serialise_and_display(clean):
    data = json.loads(json.dumps(clean.to_dict()))
    assert data["worst_severity"] == "info"
    assert [c["name"] for c in data["checks"]] == list(REGISTRY)
    assert isinstance(clean["missing"], CheckResult)
    assert data["checks"][1]["n_flagged"] == clean["missing"].n_flagged
    sections = dict(clean.sections(figures=False))
    assert "<section" in sections["leakage"] and "<img" not in sections["summary"]
    figs = clean.figures()
    assert figs["summary/histograms.png"].startswith(b"\x89PNG")
    assert figs["samples/rows.png"].startswith(b"\x89PNG")
    with pytest.raises(KeyError, match="no check named"):
        clean["nope"]


def test_parallel_checks_give_the_same_profile():
    frame = make_table(plant="shift")
    one = _run(frame).to_dict()
    two = _run(frame, n_jobs=3).to_dict()
    for a, b in zip(one["checks"], two["checks"], strict=True):
        a.pop("seconds"), b.pop("seconds")
        assert a == b


def test_ids_shared_between_sources_before_a_split():
    frame = make_table().drop(columns="split")
    first_phone = np.flatnonzero(frame["source"] == "phone")[:3]
    first_web = np.flatnonzero(frame["source"] == "web")[:3]
    frame.loc[first_phone, "id"] = frame.loc[first_web, "id"].to_numpy()
    result = _run(frame)["contamination"]
    assert result.severity == "warning"
    assert result.summary["ids_in_several_sources"] == 3
    assert result.n_flagged == 6
    clean = _run(make_table().drop(columns="split"))["contamination"]
    assert clean.severity == "info" and clean.summary == {"ids_in_several_sources": 0}


def test_on_check_sees_every_result_in_order():
    seen = []
    result = _run(make_table(n=200), checks=["summary", "balance"], on_check=seen.append)
    assert [r.name for r in seen] == ["summary", "balance"] == result.names


def test_missing_values_only_in_target_suggest_injection():
    frame = make_table()
    target = np.flatnonzero(frame["role"] == "target")
    frame.loc[target[::5], "x4"] = np.nan  # 20% of target rows, none in training
    result = _run(frame)["missing"]
    assert result.severity == "warning"
    assert result.summary["missing_mostly_in_target"] == ["x4"]
    assert "inject_missing" in result.message
    rates = result.summary["columns"]["x4"]["train_vs_target"]
    assert rates == [0.0, round(len(target[::5]) / len(target), 4)]


def test_text_column_that_spells_the_label_is_a_leak():
    frame = make_table()
    rng = np.random.default_rng(5)
    filler = np.array(["patient seen today", "follow up booked", "notes reviewed twice"])
    outcome = np.where(frame["y"] == 1, "outcome churned", "outcome stayed")
    frame["notes"] = [
        f"{a} {b}" for a, b in zip(rng.choice(filler, len(frame)), outcome, strict=True)
    ]
    frame["plain_notes"] = rng.choice(filler, len(frame))
    result = _run(frame, text_columns=["notes", "plain_notes"])["leakage"]
    assert result.summary["leaks"] == ["notes"]
    assert result.summary["scores"]["plain_notes"] < 0.7


def test_check_result_displays_summary_table_and_bars_escaped() -> None:
    result = CheckResult(
        "balance",
        severity="warning",
        message="minority class <i>cat</i>",
        summary={
            "classes": ["<b>x</b>", "cat"],
            "by_group": {"all": {"n": 5, "ratio": 1.5, "counts": {"<b>x</b>": 3, "cat": 2}}},
        },
        flags=np.array([True, False, False, True, False]),
    )
    page = result._repr_html_()
    assert "<table" in page and "<svg" in page  # no figure of its own: bars of the counts
    assert "<b>x</b>" not in page and "<i>cat</i>" not in page and "&lt;b&gt;x" in page
    assert "rows flagged" in page and ">2<" in page
    empty = CheckResult("geo")._repr_html_()
    assert "<table" in empty and "<svg" not in empty  # nothing to draw: no empty chart
