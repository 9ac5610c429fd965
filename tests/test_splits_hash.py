"""The split manifest's hash schemes: mix64 (vectorised, format 2) and blake2b (format 1)."""

from __future__ import annotations

import hashlib
import struct

import numpy as np
import pyarrow as pa
import pytest

from yearn.errors import ConfigError, DataError
from yearn.splits import four_way_split
from yearn.splits._hash import hash_units, mix64

_M = 2**64 - 1


def _reference(name: str, salt: str, stream: str) -> int:
    """mix64 written out one name at a time in plain Python (the documented definition)."""

    def fmix(h: int) -> int:
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & _M
        h ^= h >> 33
        h = (h * 0xC4CEB9FE1A85EC53) & _M
        return h ^ (h >> 33)

    k0, k1 = struct.unpack("<QQ", hashlib.sha256(f"{salt}\x1f{stream}".encode()).digest()[:16])
    data = name.encode("utf-8")
    h = k0 ^ ((len(data) * 0x9E3779B97F4A7C15) & _M)
    for j in range(0, len(data), 8):
        h = fmix(h ^ int.from_bytes(data[j : j + 8].ljust(8, b"\0"), "little"))
    return fmix(h ^ k1)


NAMES = ["i:1", "g:user7", "", "é" * 9, "x" * 17, "i:123456789012345", "abcdefgh", "日本語 id"]


def test_mix64_matches_its_definition_and_is_pinned():
    got = [int(k) for k in mix64(NAMES, "yearn", "target")]
    assert got == [_reference(n, "yearn", "target") for n in NAMES]
    # pinned: a manifest must mean the same thing next year
    assert got[:2] == [10591630613763700339, 7020806139969520440]


def test_mix64_reads_sliced_arrow_arrays():
    arr = pa.array(NAMES).slice(2, 4)  # an offset into shared buffers
    assert [int(k) for k in mix64(arr, "s", "x")] == [_reference(n, "s", "x") for n in NAMES[2:6]]


def test_mix64_keys_depend_on_salt_and_stream_not_on_neighbours():
    a = mix64(["i:1", "i:2"], "yearn", "target")
    assert int(mix64(["i:2"], "yearn", "target")[0]) == int(a[1])
    assert (mix64(["i:1", "i:2"], "other", "target") != a).all()
    assert (mix64(["i:1", "i:2"], "yearn", "train_dev") != a).all()


def test_mix64_order_is_uniform_for_sequential_ids():
    # null case: the key order of sequential ids carries no trace of the ids
    keys = mix64([f"i:{i}" for i in range(20_000)], "yearn", "target")
    u = keys.astype(np.float64) / 2.0**64
    assert abs(u.mean() - 0.5) < 0.01
    assert abs(np.corrcoef(u, np.arange(len(u)))[0, 1]) < 0.03
    assert len(np.unique(keys)) == len(keys)


def test_unknown_scheme_is_refused():
    with pytest.raises(ConfigError, match="hash scheme 'md5'"):
        hash_units(["i:1"], "yearn", "target", "md5")


def _data(n_web: int, n_phone: int, start: int = 0):
    ids = np.arange(start, start + n_web + n_phone)
    sources = np.array(["web"] * n_web + ["phone"] * n_phone, dtype=object)
    return ids, sources


def test_a_format1_manifest_grows_with_blake2b_and_old_examples_never_move():
    ids, sources = _data(600, 400)
    old = four_way_split(ids, sources, target="phone", hash_scheme="blake2b")
    old.settings.pop("hash")  # as written by yearn before format 2
    more_ids, more_sources = _data(150, 100, start=10_000)
    grown = four_way_split(
        np.r_[ids, more_ids], np.r_[sources, more_sources], target="phone", previous=old
    )
    assert grown.settings["hash"] == "blake2b"
    before = old.table["split"].astype(str).to_numpy()
    assert (grown.table["split"].astype(str).to_numpy()[: len(ids)] == before).all()
    # the new examples are placed as blake2b places them: the same as a blake2b split
    blake = four_way_split(
        np.r_[ids, more_ids],
        np.r_[sources, more_sources],
        target="phone",
        previous=old,
        hash_scheme="blake2b",
    )
    assert grown.table["split"].equals(blake.table["split"])
    with pytest.raises(ConfigError, match="drawn with hash 'blake2b'"):
        four_way_split(ids, sources, target="phone", previous=old, hash_scheme="mix64")


def test_the_schemes_agree_on_counts_but_draw_different_examples():
    ids, sources = _data(3_000, 2_000)
    a = four_way_split(ids, sources, target="phone", expected_error=None)
    b = four_way_split(ids, sources, target="phone", expected_error=None, hash_scheme="blake2b")
    assert a.settings["hash"] == "mix64" and a.sizes == b.sizes
    assert not a.table["split"].equals(b.table["split"])


def test_duplicate_string_ids_are_found_through_the_hash():
    ids = np.array([f"a{i}" for i in range(500)] + ["a17"], dtype=object)
    sources = np.array(["web"] * 300 + ["phone"] * 201, dtype=object)
    with pytest.raises(DataError, match=r"'a17' at rows 17, 500"):
        four_way_split(ids, sources, target="phone")
