"""Property tests of the four-way split on random inputs (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from yearn.splits import SPLITS, four_way_split

_ID = st.text(alphabet="abcdefgh0123456789-_", min_size=1, max_size=6)


@st.composite
def split_inputs(draw, *, max_train=40, max_target=40):
    n_train = draw(st.integers(0, max_train))
    n_target = draw(st.integers(6, max_target))
    n = n_train + n_target
    ids = np.array(draw(st.lists(_ID, min_size=n, max_size=n, unique=True)), dtype=object)
    sources = np.array(["web"] * n_train + ["phone"] * n_target, dtype=object)
    order = np.array(draw(st.permutations(range(n))))
    ids, sources = ids[order], sources[order]
    grouped = draw(st.booleans())
    groups = None
    if grouped:
        raw = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
        groups = np.array([f"{s}{g}" for s, g in zip(sources, raw, strict=True)], dtype=object)
    labels = np.array(draw(st.lists(st.sampled_from("abc"), min_size=n, max_size=n)))
    dev = draw(st.integers(1, n_target // 3))
    test = draw(st.integers(1, n_target // 3))
    target_to_train = draw(st.sampled_from([0, 0.2, n_target - dev - test]))
    train_dev = draw(st.sampled_from([0, 0.1, 0.3]))
    salt = draw(st.sampled_from(["yearn", "other salt"]))
    return {
        "ids": ids,
        "sources": sources,
        "groups": groups,
        "labels": labels,
        "dev": dev,
        "test": test,
        "target_to_train": target_to_train,
        "train_dev": train_dev,
        "salt": salt,
    }


def _split(data, **extra):
    args = {k: v for k, v in data.items() if k not in ("ids", "sources")}
    return four_way_split(
        data["ids"], data["sources"], target="phone", expected_error=None, **args, **extra
    )


def _mapping(manifest) -> dict[str, str]:
    return dict(
        zip(
            manifest.table["id"].astype(str),
            manifest.table["split"].astype(str),
            strict=True,
        )
    )


def _assert_valid(manifest, data) -> None:
    table = manifest.table
    # covering, in input order, each example in exactly one known split
    assert list(table["id"].astype(str)) == [str(i) for i in data["ids"]]
    assert set(table["split"].astype(str)) <= set(SPLITS)
    assert sum(manifest.sizes.values()) == len(data["ids"])
    # dev and test only from the target source
    dev_test = table["split"].isin(["dev", "test"]).to_numpy()
    assert set(data["sources"][dev_test]) <= {"phone"}
    # no group straddles splits
    if data["groups"] is not None:
        assert (table.groupby("group")["split"].nunique() <= 1).all()
    assert manifest.report.group_overlap == 0 and manifest.report.ok


@settings(max_examples=40, deadline=None)
@given(split_inputs())
def test_disjoint_covering_grouped_and_from_target(data):
    m = _split(data)
    _assert_valid(m, data)
    if data["groups"] is None:  # without groups the counts are exact
        assert m.sizes["dev"] == data["dev"] and m.sizes["test"] == data["test"]
        assert m.sizes["train_dev"] == m.report.requested["train_dev"]


@settings(max_examples=25, deadline=None)
@given(split_inputs(), st.randoms(use_true_random=False))
def test_identical_for_the_same_salt_whatever_the_row_order(data, rnd):
    first = _split(data)
    again = _split(data)
    pd.testing.assert_frame_equal(first.table, again.table)
    order = list(range(len(data["ids"])))
    rnd.shuffle(order)
    shuffled = {k: (v[order] if isinstance(v, np.ndarray) else v) for k, v in data.items()}
    assert _mapping(_split(shuffled)) == _mapping(first)


@settings(max_examples=25, deadline=None)
@given(split_inputs(), split_inputs(max_train=30, max_target=30))
def test_stable_when_data_is_appended(data, more):
    first = _split(data)
    fresh_ids = np.array([f"new:{i}" for i in more["ids"]], dtype=object)
    grown = {
        **data,
        "ids": np.concatenate([data["ids"], fresh_ids]),
        "sources": np.concatenate([data["sources"], more["sources"]]),
        "labels": np.concatenate([data["labels"], more["labels"]]),
        "groups": None
        if data["groups"] is None
        else np.concatenate(
            [data["groups"], more["groups"] if more["groups"] is not None else fresh_ids]
        ),
    }
    second = _split(grown, previous=first)
    _assert_valid(second, grown)
    before, after = _mapping(first), _mapping(second)
    assert all(after[i] == s for i, s in before.items())
