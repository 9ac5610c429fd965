"""The four-way split: the course's worked example, stratification, groups, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from yearn.errors import ConfigError, DataError, YearnError
from yearn.splits import SPLITS, four_way_split, precision_check
from yearn.splits.checks import build_report


def _two_sources(n_train: int, n_target: int, *, names=("web", "phone")):
    ids = np.arange(n_train + n_target)
    sources = np.array([names[0]] * n_train + [names[1]] * n_target, dtype=object)
    return ids, sources


def test_course_car_speech_example_reproduces_exactly():
    # 500,000 general speech + 20,000 in-car examples: 10,000 in-car join training,
    # dev 5,000 and test 5,000 from the in-car data, train-dev a random slice of train.
    ids, sources = _two_sources(500_000, 20_000, names=("general", "car"))
    m = four_way_split(
        ids,
        sources,
        target="car",
        dev=5_000,
        test=5_000,
        target_to_train=10_000,
        train_dev=10_000,
        expected_error=None,
    )
    assert m.sizes == {"train": 500_000, "train_dev": 10_000, "dev": 5_000, "test": 5_000}
    src = m.report.sources
    assert src["dev"] == {"car": 5_000} and src["test"] == {"car": 5_000}
    # train-dev has train's distribution: the 10,000 car examples are 10/510 of train
    assert src["train"]["car"] + src["train_dev"]["car"] == 10_000
    assert src["train_dev"] == {"general": 9_804, "car": 196}
    assert m.report.ok and m.report.group_overlap == 0
    assert m.report.notes == [] and m.report.warnings == []


def test_course_example_with_shares_gives_the_same_proportions():
    # the same recipe as shares, at a tenth of the scale: 50,000 general + 2,000 car
    ids, sources = _two_sources(50_000, 2_000, names=("general", "car"))
    m = four_way_split(
        ids, sources, target="car", dev=0.25, test=0.25, target_to_train=0.5, train_dev=0.02
    )
    assert m.sizes["dev"] == 500 and m.sizes["test"] == 500
    assert m.sizes["train"] + m.sizes["train_dev"] == 51_000
    assert m.sizes["train_dev"] == round(0.02 * 51_000)
    assert m.report.sources["train_dev"] == {"general": 1_000, "car": 20}


def test_stratified_counts_per_class_match_the_shares():
    rng = np.random.default_rng(1)
    ids, sources = _two_sources(2_000, 1_000)
    labels = rng.choice(["cat", "dog", "bird"], size=3_000, p=[0.6, 0.3, 0.1])
    m = four_way_split(ids, sources, target="phone", labels=labels, dev=200, test=200)
    target_counts = pd.Series(labels[1000 * 2 :]).value_counts()
    bal = m.report.balance
    for cls in ("cat", "dog", "bird"):
        expected = target_counts[cls] * 200 / 1_000
        assert abs(bal["dev"][cls] - expected) <= 1
        assert abs(bal["test"][cls] - expected) <= 1
    assert sum(bal["dev"].values()) == 200
    assert m.report.distribution[0].column == "label" and m.report.distribution[0].ok


def test_regression_labels_are_stratified_by_quantile_bins():
    rng = np.random.default_rng(2)
    ids, sources = _two_sources(500, 1_000)
    y = rng.lognormal(size=1_500)
    m = four_way_split(ids, sources, target="phone", labels=y, dev=0.2, test=0.2)
    assert m.settings["task"] == "regression"
    split = m.table["split"].astype(str).to_numpy()
    target = sources == "phone"
    # each label decile sends 20% of its target examples to dev (±1 example)
    ranks = pd.Series(y).rank(method="first").to_numpy()
    decile = np.floor((ranks - 1) * 10 / len(y))
    for d in range(10):
        in_bin = target & (decile == d)
        assert abs(int(np.sum(split[in_bin] == "dev")) - 0.2 * in_bin.sum()) <= 1
    assert m.report.distribution[0].test == "ks"


def test_groups_never_straddle_and_sizes_stay_close():
    rng = np.random.default_rng(3)
    ids, sources = _two_sources(3_000, 2_000)
    users = np.array(
        [f"{s}-{u}" for s, u in zip(sources, rng.integers(0, 400, 5_000), strict=True)]
    )
    m = four_way_split(ids, sources, target="phone", groups=users, dev=400, test=400)
    per_group = m.table.groupby("group")["split"].nunique()
    assert (per_group == 1).all()
    assert m.report.group_overlap == 0
    largest = pd.Series(users).value_counts().max()
    assert abs(m.sizes["dev"] - 400) <= largest and abs(m.sizes["test"] - 400) <= largest


def test_unassigned_target_examples_join_train_with_a_note():
    ids, sources = _two_sources(100, 100)
    m = four_way_split(ids, sources, target="phone", dev=20, test=20, target_to_train=10)
    assert m.sizes["dev"] == 20 and m.sizes["test"] == 20
    assert m.report.sources["train"]["phone"] + m.report.sources["train_dev"].get("phone", 0) == 60
    assert any("50 target example(s) not claimed" in n for n in m.report.notes)


def test_same_salt_same_split_other_salt_other_split():
    ids, sources = _two_sources(300, 300)
    a = four_way_split(ids, sources, target="phone", salt="s1")
    b = four_way_split(ids, sources, target="phone", salt="s1")
    c = four_way_split(ids, sources, target="phone", salt="s2")
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not a.table["split"].equals(c.table["split"])
    assert a.sizes == c.sizes


def test_cross_source_groups_error_or_go_to_train():
    ids, sources = _two_sources(10, 30)
    groups = np.array([f"g{i % 12}" for i in range(40)], dtype=object)  # g0..g9 span both
    with pytest.raises(DataError, match="straddle") as info:
        four_way_split(ids, sources, target="phone", groups=groups, dev=5, test=5)
    assert "cross_source_groups='train'" in str(info.value)
    m = four_way_split(
        ids,
        sources,
        target="phone",
        groups=groups,
        dev=3,
        test=3,
        target_to_train=0,
        cross_source_groups="train",
    )
    mixed = {f"g{i}" for i in range(10)}
    in_mixed = m.table["group"].isin(mixed).to_numpy()
    assert set(m.table.loc[in_mixed, "split"].astype(str)) <= {"train", "train_dev"}
    assert m.report.group_overlap == 0
    assert any("spanning the target and training sources" in n for n in m.report.notes)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dev": 0.5, "test": 0.3, "target_to_train": 0.5}, ConfigError, "add up"),
        ({"dev": 60, "test": 60}, DataError, "too few for dev"),
        ({"dev": 0.001, "test": 0.25}, DataError, "at least one"),
        ({"dev": 2.5}, ConfigError, "whole count"),
        ({"dev": -0.1}, ConfigError, "dev must be >= 0"),
        ({"train_dev": 500}, ConfigError, "slice of train"),
        ({"target": "car"}, DataError, "no example comes from the target source 'car'"),
        ({"target": None}, ConfigError, "target must name"),
        ({"cross_source_groups": "drop"}, ConfigError, "cross_source_groups"),
        ({"min_gain": 0}, ConfigError, "min_gain"),
    ],
)
def test_bad_settings_get_clear_errors(kwargs, error, match):
    ids, sources = _two_sources(100, 100)
    kwargs = {"target": "phone", **kwargs}
    with pytest.raises(error, match=match):
        four_way_split(ids, sources, **kwargs)


def test_bad_arrays_get_clear_errors():
    ids, sources = _two_sources(5, 5)
    with pytest.raises(DataError, match=r"occur more than once, e.g. '3' at rows 3, 4"):
        four_way_split(np.array([0, 1, 2, 3, 3, 5, 6, 7, 8, 9]), sources, target="phone")
    with pytest.raises(DataError, match="missing id"):
        four_way_split(
            np.array(["a", None, "c", *"defghij"], dtype=object), sources, target="phone"
        )
    with pytest.raises(DataError, match="sources has 9 entries"):
        four_way_split(ids, sources[:9], target="phone")
    with pytest.raises(DataError, match="no examples"):
        four_way_split(np.array([]), np.array([]), target="phone")
    with pytest.raises(DataError, match="no source"):
        four_way_split(ids, np.array(["web"] * 9 + [None], dtype=object), target="web")
    with pytest.raises(DataError, match="finite numbers"):
        four_way_split(
            ids,
            sources,
            target="phone",
            labels=[0.5, 1.5, "x", 1, 2, 3, 4, 5, 6, 7.5],
            task="regression",
        )
    with pytest.raises(DataError, match="metadata has 3 rows"):
        four_way_split(ids, sources, target="phone", metadata=pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(DataError, match="train would be empty"):
        four_way_split(ids[5:], sources[5:], target="phone", dev=2, test=3, target_to_train=0)
    assert issubclass(DataError, YearnError)


def test_precision_check_matches_the_normal_approximation():
    check = precision_check("dev", 300, 0.1, 0.01, 0.95)
    z = 1.959963984540054
    assert check.half_width == pytest.approx(z * math.sqrt(0.1 * 0.9 / 300))
    assert check.needed == math.ceil(z * z * 0.09 / 0.0001) == 3458
    assert not check.ok
    assert precision_check("dev", 5_000, 0.1, 0.01).ok


def test_small_dev_set_warns_with_the_numbers():
    ids, sources = _two_sources(1_000, 400)
    m = four_way_split(ids, sources, target="phone", dev=100, test=100, min_gain=0.02)
    dev_warning = [w for w in m.report.warnings if w.startswith("dev has 100 examples")]
    assert dev_warning
    assert "±5.88 points" in dev_warning[0] and "2.00-point gain" in dev_warning[0]
    assert "865 examples are needed" in dev_warning[0]


def test_dev_vs_test_check_flags_different_distributions():
    n = 400
    split = np.array(["dev"] * 200 + ["test"] * 200)
    table = pd.DataFrame(
        {
            "id": np.arange(n),
            "split": split,
            "source": ["phone"] * n,
            "group": pd.array([None] * n, dtype="string"),
        }
    )
    rng = np.random.default_rng(0)
    meta = pd.DataFrame(
        {
            "blur": np.r_[rng.normal(0, 1, 200), rng.normal(1, 1, 200)],
            "device": ["ios"] * 150 + ["android"] * 50 + ["ios"] * 50 + ["android"] * 150,
            "same": rng.normal(size=n),
        }
    )
    report = build_report(
        table,
        target="phone",
        labels=None,
        task=None,
        metadata=meta,
        requested={},
        notes=[],
        expected_error=None,
        min_gain=0.01,
        confidence=0.95,
    )
    verdict = {t.column: (t.test, t.ok) for t in report.distribution}
    assert verdict == {"blur": ("ks", False), "device": ("chi2", False), "same": ("ks", True)}
    assert sum("dev and test differ" in w for w in report.warnings) == 2


def test_metadata_is_compared_between_dev_and_test():
    rng = np.random.default_rng(5)
    ids, sources = _two_sources(200, 800)
    meta = pd.DataFrame({"blur": rng.normal(size=1_000), "device": rng.choice(["a", "b"], 1_000)})
    m = four_way_split(ids, sources, target="phone", metadata=meta, dev=200, test=200)
    assert {t.column for t in m.report.distribution} == {"blur", "device"}
    assert all(t.ok for t in m.report.distribution)


def test_every_split_name_is_known():
    ids, sources = _two_sources(50, 50)
    m = four_way_split(ids, sources, target="phone", dev=10, test=10)
    assert set(m.table["split"].astype(str)) <= set(SPLITS)
    assert list(m.table["id"]) == list(ids)


def test_regression_skips_the_error_rate_precision_check():
    ids, sources = _two_sources(100, 100)
    y = np.linspace(0.5, 10.5, 200)
    m = four_way_split(ids, sources, target="phone", labels=y, dev=10, test=10)
    assert m.report.precision == [] and not m.report.warnings
    assert any("precision check skipped" in n for n in m.report.notes)


def test_growing_keeps_old_splits_and_hits_the_new_counts_exactly():
    rng = np.random.default_rng(11)
    ids, sources = _two_sources(500, 1_000)
    labels = rng.choice(["a", "b", "c"], size=1_500)
    first = four_way_split(ids, sources, target="phone", labels=labels, dev=0.2, test=0.2)
    more_ids = np.arange(1_500, 1_800)
    more_sources = np.array(["phone"] * 250 + ["web"] * 50, dtype=object)
    grown = four_way_split(
        np.r_[ids, more_ids],
        np.r_[sources, more_sources],
        target="phone",
        labels=np.r_[labels, rng.choice(["a", "b", "c"], size=300)],
        dev=0.2,
        test=0.2,
        previous=first,
    )
    assert grown.sizes["dev"] == 250 and grown.sizes["test"] == 250  # 20% of 1,250
    assert grown.sizes["train_dev"] == grown.report.requested["train_dev"]
    old = grown.table.iloc[:1_500]["split"].astype(str).to_numpy()
    assert (old == first.table["split"].astype(str).to_numpy()).all()
    with pytest.raises(ConfigError, match="salt 'yearn'"):
        four_way_split(ids, sources, target="phone", salt="v2", previous=first)


def test_assignment_is_pinned_across_versions():
    # a manifest must mean the same thing next year: the keyed hash and the allocation are
    # part of the contract, so any change to either must show up here
    from yearn.splits._assign import hash_keys

    keys = hash_keys(["i:1", "g:user7"], "yearn", "target")
    assert [int(k) for k in keys] == [11377407135575841565, 6955702207146977873]
    m = four_way_split(
        np.arange(20),
        np.array(["web"] * 10 + ["phone"] * 10),
        target="phone",
        dev=3,
        test=3,
        train_dev=2,
        expected_error=None,
        hash_scheme="blake2b",  # manifest format 1 (and any manifest without "hash")
    )
    code = {"train": ".", "train_dev": "t", "dev": "D", "test": "T"}
    assert "".join(code[s] for s in m.table["split"].astype(str)) == "t.........t..TDTTDD."
    # format 2 (the default for a fresh split): the vectorised mix64 keys, pinned too
    m = four_way_split(
        np.arange(20),
        np.array(["web"] * 10 + ["phone"] * 10),
        target="phone",
        dev=3,
        test=3,
        train_dev=2,
        expected_error=None,
    )
    assert m.settings["hash"] == "mix64"
    assert "".join(code[s] for s in m.table["split"].astype(str)) == "....t.....DTT.D..tTD"


def test_target_to_train_defaults_to_the_rest():
    ids, sources = _two_sources(10, 10)
    m = four_way_split(ids, sources, target="phone", dev=3, test=3, expected_error=None)
    assert m.report.requested["target_to_train"] == 4 and m.report.notes == []
