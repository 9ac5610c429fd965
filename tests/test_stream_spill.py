"""On-disk per-row state of the streamed split: exact rank selection over chunks, hash
partitions, and the split equal to the in-memory one when the state spills to many files."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from tests._toy_project import two_source_toml
from yearn.config import load_config
from yearn.data.budget import parse_memory
from yearn.data.spill import Partitions, Spill, partition_bits
from yearn.splits import load_manifest, split_project
from yearn.splits._stream import split_plan, split_streaming
from yearn.splits._stream_select import at_or_after, float_keys, select
from yearn.splits._stream_write import write_streamed
from yearn.splits.manifest import save_manifest


def _chunks(strata, keys, size):
    def gen():
        for start in range(0, len(keys), size):
            rows = np.arange(start, min(start + size, len(keys)))
            yield strata[rows], keys[rows], rows

    return gen


def _brute(strata, keys, n_strata, ranks):
    out = []
    for s in range(n_strata):
        rows = np.flatnonzero(strata == s)
        order = rows[np.lexsort((rows, keys[rows]))]
        out.append([None if r >= order.size else (keys[order[r]], order[r]) for r in ranks[s]])
    return out


@pytest.mark.parametrize("cap", [1 << 21, 50, 3])
def test_select_equals_sorting_every_stratum(cap):
    rng = np.random.default_rng(0)
    n = 5000
    strata = rng.integers(0, 3, n)
    keys = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2)
    keys[rng.random(n) < 0.3] = np.uint64(12345)  # a heavy tie: resolved by row order
    keys[:40] = np.uint64(2**64 - 1)
    ranks = np.array([[0, 7, 1000, 1400], [5, 900, 1600, 1700], [1, 2, 3, 99_999]])
    k, r, end = select(_chunks(strata, keys, 333), 3, ranks, cap=cap)
    want = _brute(strata, keys, 3, ranks)
    for s in range(3):
        for j in range(ranks.shape[1]):
            if want[s][j] is None:
                assert end[s, j]
            else:
                assert not end[s, j] and (k[s, j], r[s, j]) == want[s][j], (s, j)
    # rows at or after the boundary are exactly those of rank >= the rank asked
    rows = np.flatnonzero(strata == 1)
    order = rows[np.lexsort((rows, keys[rows]))]
    after = at_or_after(keys[order], order, k[1, 1], r[1, 1], end[1, 1])
    assert after.tolist() == [i >= ranks[1, 1] for i in range(order.size)]


def test_float_keys_sort_as_numpy():
    v = np.array([3.0, -1.0, np.nan, -0.0, 0.0, -np.inf, np.inf, 2.5, -np.nan, 1e-300])
    order = np.lexsort((np.arange(v.size), float_keys(v)))
    assert order.tolist() == np.argsort(v, kind="stable").tolist()


def test_spill_and_partitions_round_trip(tmp_path):
    dtype = np.dtype([("key", "<u8"), ("x", "<i4")])
    spill = Spill(tmp_path / "rows.bin", dtype)
    parts = Partitions(tmp_path, "p", dtype, bits=3)
    rng = np.random.default_rng(1)
    every = []
    for _ in range(4):
        rec = np.zeros(1000, dtype)
        rec["key"] = rng.integers(0, 2**63, 1000, dtype=np.uint64) * np.uint64(2)
        rec["x"] = rng.integers(0, 9, 1000)
        spill.append(rec)
        parts.append(rec)
        every.append(rec)
    every = np.concatenate(every)
    got = np.concatenate([c for _, c in spill.chunks(700)])
    assert (got == every).all() and (spill.read(1500, 10) == every[1500:1510]).all()
    seen = [p["key"] for p in parts]
    assert len(parts.parts) == len(seen) == 8 and parts.rows == 4000
    assert (
        np.concatenate(seen) == np.sort(every["key"])[np.argsort(np.argsort(np.concatenate(seen)))]
    ).all()
    tops = [np.unique(k >> np.uint64(61)) for k in seen if k.size]
    assert all(t.size == 1 for t in tops) and [int(t[0]) for t in tops] == sorted(
        int(t[0]) for t in tops
    )
    assert partition_bits(10**6, 8, 1e9) == 0 and partition_bits(10**8, 8, 1e8) == 5


def _project(root, task, n_web=1800, n_phone=1300, seed=0):
    rng = np.random.default_rng(seed)
    for name, n, start in (("web", n_web, 0), ("phone", n_phone, 10_000)):
        y = (
            rng.normal(size=n).round(1)  # a regression label with many ties
            if task == "regression"
            else rng.choice(["a", "b", "c", "d", "e"], n, p=[0.5, 0.2, 0.2, 0.09, 0.01])
        )
        frame = pd.DataFrame({"id": np.arange(start, start + n), "x": rng.normal(size=n), "y": y})
        frame.to_parquet(root / f"{name}.parquet", index=False, row_group_size=300)
    (root / "yearn.toml").write_text(
        two_source_toml(task=task, web="web.parquet", phone="phone.parquet", name="spill")
    )


def _split_streamed(root, budget="20kB", **kwargs):
    config = load_config(root)
    plan = split_plan(config, parse_memory("3GB"), force=True)
    plan = dataclasses.replace(plan, batch_rows=256, budget=parse_memory(budget))
    manifest, code = split_streaming(config, plan, **kwargs)
    save_manifest(manifest, root, write_table=lambda p: write_streamed(config, plan, code, p))
    return manifest


def _table(root) -> pd.Series:
    table = load_manifest(root).table
    return pd.Series(table["split"].astype(str).to_numpy(), index=table["id"].astype(str))


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_spilled_split_equals_in_memory(tmp_path, task):
    _project(tmp_path, task)
    memory = split_project(tmp_path, record=False, fresh=True).manifest
    want = _table(tmp_path)
    streamed = _split_streamed(tmp_path)  # 20 kB: the id keys spill to 64 partitions
    got = _table(tmp_path)
    assert got.index.tolist() == want.index.tolist() and (got == want).all()
    assert streamed.report.sizes == memory.report.sizes
    assert streamed.report.sources == memory.report.sources
    if task == "multiclass":
        assert streamed.report.balance == memory.report.balance
    else:
        for split, stats in memory.report.balance.items():
            assert streamed.report.balance[split]["n"] == stats["n"]
            if stats["n"]:
                assert streamed.report.balance[split]["mean"] == pytest.approx(stats["mean"])
                assert streamed.report.balance[split]["std"] == pytest.approx(stats["std"])
    got_tests = {t.column: (t.test, round(t.p_value, 9)) for t in streamed.report.distribution}
    want_tests = {t.column: (t.test, round(t.p_value, 9)) for t in memory.report.distribution}
    assert got_tests == want_tests and got_tests
    assert streamed.report.warnings == memory.report.warnings


def test_spilled_split_names_a_repeated_id_across_partitions(tmp_path):
    _project(tmp_path, "multiclass")
    phone = pd.read_parquet(tmp_path / "phone.parquet")
    phone.loc[900, "id"] = 17  # also in web
    phone.to_parquet(tmp_path / "phone.parquet", index=False, row_group_size=300)
    with pytest.raises(Exception, match="id '17' occurs more than once"):
        _split_streamed(tmp_path)


def test_profile_hashes_spilled_to_many_partitions_give_the_same_counts(tmp_path):
    from yearn.profile._stream import profile_streaming, streaming_plan

    _project(tmp_path, "multiclass")
    web = pd.read_parquet(tmp_path / "web.parquet")
    phone = pd.read_parquet(tmp_path / "phone.parquet")
    web = pd.concat([web, web.iloc[:20].assign(id=np.arange(70_000, 70_020))])  # duplicates
    phone.loc[:4, "id"] = web["id"].iloc[:5].to_numpy()  # ids in both sources
    web.to_parquet(tmp_path / "web.parquet", index=False, row_group_size=300)
    phone.to_parquet(tmp_path / "phone.parquet", index=False, row_group_size=300)
    config = load_config(tmp_path)
    plan = streaming_plan(config, parse_memory("3GB"), 2000, force=True)
    names = ["duplicates", "contamination"]
    one = profile_streaming(config, plan, checks=names)
    many = profile_streaming(config, dataclasses.replace(plan, budget=4000), checks=names)
    for name in names:
        assert one[name].summary == many[name].summary
        assert one[name].evidence == many[name].evidence and one[name].message == many[name].message
    assert many["duplicates"].summary["duplicate_rows"] == 20
    assert many["contamination"].summary == {"ids_in_several_sources": 5}
    assert many["contamination"].severity == "warning"


def test_manifest_lookup_reads_alongside_then_falls_back_to_keys(tmp_path):
    from yearn.splits import ManifestLookup

    _project(tmp_path, "multiclass")
    table = split_project(tmp_path, record=False, fresh=True).manifest.table
    ids = [str(i) for s in ("web", "phone") for i in pd.read_parquet(tmp_path / f"{s}.parquet").id]
    assert table["id"].astype(str).tolist() == ids  # the manifest lists the data in order
    want = pd.Categorical(table["split"].astype(str), categories=SPLIT_ORDER).codes
    lookup = ManifestLookup(tmp_path, rows=500)
    got = np.concatenate([lookup.codes(ids[i : i + 700], i) for i in range(0, len(ids), 700)])
    assert (got == want).all() and lookup.aligned_rows == len(ids) and lookup.previous is None
    # rows the manifest does not list where asked (new data): every key is loaded once
    shifted = ["new-1", *ids[:99]]
    again = lookup.codes(shifted, 0)
    assert lookup.previous is not None and again[0] == -1 and (again[1:] == want[:99]).all()
    assert (lookup.codes(ids[3000:], 3000) == want[3000:]).all()


SPLIT_ORDER = ["train", "train_dev", "dev", "test"]


@pytest.mark.parametrize("seed", [0, 1])
def test_select_weighted_places_units_as_allocate(seed):
    from yearn.splits._assign import allocate, quota_shares
    from yearn.splits._stream_select import select_weighted

    rng = np.random.default_rng(seed)
    n = 4000
    keys = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2)
    keys[:30] = keys[30:60]  # equal keys: ties in unit order
    sizes = rng.integers(1, 9, n)
    strata = rng.integers(0, 3, n)
    fixed = np.where(rng.random(n) < 0.1, rng.integers(0, 3, n), -1)
    quotas = [3000, 2500]
    want = allocate(keys, sizes, strata, fixed, quotas)
    free = fixed < 0
    taken = np.bincount(fixed[~free], weights=sizes[~free], minlength=3).astype(np.int64)
    share = quota_shares(taken, np.bincount(strata[free], weights=sizes[free]).astype(int), quotas)
    index = np.arange(n)

    def chunks():
        for start in range(0, n, 700):
            m = np.flatnonzero(free[start : start + 700]) + start
            yield strata[m], keys[m], index[m], sizes[m]

    k, r, e = select_weighted(chunks, 3, share[:, :-1].cumsum(1))
    got = fixed.copy()
    m = np.flatnonzero(free)
    got[m] = sum(
        at_or_after(keys[m], m, k[strata[m], j], r[strata[m], j], e[strata[m], j]) for j in range(2)
    )
    assert (got == want).all()


def _with_groups(root, seed=3):
    rng = np.random.default_rng(seed)
    for name, prefix in (("web", "w"), ("phone", "p")):
        frame = pd.read_parquet(root / f"{name}.parquet")
        users = np.array([f"{prefix}{u}" for u in rng.integers(0, len(frame) // 3, len(frame))])
        users = users.astype(object)
        users[rng.random(len(frame)) < 0.2] = None  # examples without a group
        frame.assign(user=users).to_parquet(root / f"{name}.parquet", row_group_size=300)
    toml = (root / "yearn.toml").read_text()
    (root / "yearn.toml").write_text(
        toml.replace('id_column = "id"', 'id_column = "id"\ngroup_column = "user"')
    )


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_spilled_split_with_groups_equals_in_memory(tmp_path, task):
    _project(tmp_path, task)
    _with_groups(tmp_path)
    memory = split_project(tmp_path, record=False, fresh=True).manifest
    want = _table(tmp_path)
    streamed = _split_streamed(tmp_path)  # 20 kB: rows and units spill to many partitions
    got = _table(tmp_path)
    assert got.index.tolist() == want.index.tolist() and (got == want).all()
    assert streamed.report.sizes == memory.report.sizes
    assert load_manifest(tmp_path).table["group"].fillna("").tolist() == (
        memory.table["group"].fillna("").tolist()
    )


def test_spilled_split_with_groups_names_a_group_in_both_sources(tmp_path):
    _project(tmp_path, "multiclass")
    _with_groups(tmp_path)
    phone = pd.read_parquet(tmp_path / "phone.parquet")
    phone.loc[5, "user"] = "w7"
    phone.to_parquet(tmp_path / "phone.parquet", row_group_size=300)
    with pytest.raises(Exception, match=r"group\(s\) hold examples of both .* 'w7'"):
        _split_streamed(tmp_path)
    split_project(tmp_path, record=False, fresh=True, cross_source_groups="train")
    want = _table(tmp_path)
    _split_streamed(tmp_path, cross_source_groups="train")
    assert (_table(tmp_path) == want).all()


def test_spilled_split_with_groups_grows_like_in_memory(tmp_path):
    from yearn.splits._stream_previous import read_previous

    _project(tmp_path, "multiclass")
    _with_groups(tmp_path)
    full = {s: pd.read_parquet(tmp_path / f"{s}.parquet") for s in ("web", "phone")}
    for s, frame in full.items():
        frame.iloc[: len(frame) * 3 // 4].to_parquet(tmp_path / f"{s}.parquet")
    split_project(tmp_path, record=False, fresh=True)
    old = _table(tmp_path)
    for s, frame in full.items():
        frame.to_parquet(tmp_path / f"{s}.parquet", row_group_size=300)
    split_project(tmp_path, record=False)  # the in-memory growth
    want = _table(tmp_path)
    for s, frame in full.items():
        frame.iloc[: len(frame) * 3 // 4].to_parquet(tmp_path / f"{s}.parquet")
    split_project(tmp_path, record=False, fresh=True)
    for s, frame in full.items():
        frame.to_parquet(tmp_path / f"{s}.parquet", row_group_size=300)
    config = load_config(tmp_path)
    manifest = _split_streamed(tmp_path, previous=read_previous(tmp_path, config.split.salt, 500))
    got = _table(tmp_path)
    assert (got[old.index] == old).all() and (got == want).all()
    assert any("grown from the previous manifest" in n for n in manifest.report.notes)


def test_plans_count_the_saved_manifest_keys_only_when_they_may_be_loaded(tmp_path):
    from yearn.data.budget import manifest_memory
    from yearn.profile._stream import streaming_plan

    def need(plan):  # the estimate without this process's own size
        return plan.stream_bytes - plan.baseline

    _project(tmp_path, "multiclass")
    config = load_config(tmp_path)
    assert manifest_memory(tmp_path) == 0.0
    budget = parse_memory("3GB")
    fresh = need(split_plan(config, budget, force=True))
    grow_nothing = need(split_plan(config, budget, force=True, grow=True))
    profile_before = need(streaming_plan(config, budget, 2000, force=True))
    assert grow_nothing == fresh
    split_project(tmp_path, record=False, fresh=True)
    held = manifest_memory(tmp_path)
    assert held >= 3100 * 40
    assert need(split_plan(config, budget, force=True)) == fresh  # --fresh: never loaded
    assert need(split_plan(config, budget, force=True, grow=True)) - fresh == pytest.approx(held)
    assert need(streaming_plan(config, budget, 2000, force=True)) - profile_before == (
        pytest.approx(held)
    )
