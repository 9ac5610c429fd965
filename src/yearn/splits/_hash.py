"""Keyed 64-bit hashes of unit names, vectorised: the ``mix64`` scheme of split manifests.

The four-way split orders its units by a keyed hash of their names. Manifests drawn before
format 2 used BLAKE2b per name (:func:`yearn.splits.hash_keys`, one Python call per unit:
about 1 s per million units); ``mix64`` computes the same kind of key for every unit at once
with numpy over the UTF-8 bytes of an Arrow string array (about 0.1 s per million units).

``mix64`` of a name with UTF-8 bytes ``b`` (length ``L``), salt and stream: ``k0, k1`` are
the first two little-endian 64-bit words of ``sha256(salt + "\\x1f" + stream)``;
``h = k0 ^ (L * 0x9E3779B97F4A7C15)``; for each 8-byte little-endian word ``w`` of ``b``
(the last one zero-padded) ``h = fmix64(h ^ w)``; the key is ``fmix64(h ^ k1)``, where
``fmix64`` is MurmurHash3's 64-bit finaliser. All arithmetic is modulo 2**64, so the key
is the same on every machine; ``tests/test_splits_hash.py`` pins values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from yearn.errors import ConfigError

__all__ = ["HASH_SCHEMES", "hash_units", "mix64"]

#: Hash schemes of the split manifest: ``blake2b`` (format 1, one BLAKE2b call per unit)
#: and ``mix64`` (format 2, vectorised); a manifest without a ``hash`` setting is blake2b.
HASH_SCHEMES = ("mix64", "blake2b")

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser, in place on a uint64 array (a bijection with full avalanche)."""
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


def _stream_key(salt: str, stream: str) -> tuple[np.uint64, np.uint64]:
    digest = hashlib.sha256(f"{salt}\x1f{stream}".encode()).digest()
    k0, k1 = np.frombuffer(digest[:16], dtype="<u8")
    return np.uint64(k0), np.uint64(k1)


def _as_strings(units: pa.Array | Sequence[str] | np.ndarray) -> pa.Array:
    if isinstance(units, pa.ChunkedArray):
        units = units.combine_chunks()
    if not isinstance(units, pa.Array):
        units = pa.array(np.asarray(units, dtype=object), type=pa.large_string())
    if pa.types.is_string(units.type):
        units = units.cast(pa.large_string())
    if not pa.types.is_large_string(units.type) or units.null_count:
        raise TypeError("unit names must be strings without nulls")
    return units


def mix64(units: pa.Array | Sequence[str] | np.ndarray, salt: str, stream: str) -> np.ndarray:
    """A uint64 key per unit name (``mix64`` scheme; see the module docstring)."""
    arr = _as_strings(units)
    n = len(arr)
    k0, k1 = _stream_key(salt, stream)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = np.zeros(0, np.uint8) if data_buf is None else np.frombuffer(data_buf, np.uint8)
    start = offsets[:-1]
    length = (offsets[1:] - start).astype(np.uint64)
    h = k0 ^ (length * _GOLDEN)
    # an 8-byte window at every byte position (zero bytes appended past the end)
    padded = np.zeros(int(offsets[-1]) + 8, dtype=np.uint8)
    padded[: int(offsets[-1]) - int(offsets[0])] = data[int(offsets[0]) : int(offsets[-1])]
    windows = np.lib.stride_tricks.as_strided(padded, (len(padded) - 7, 8), (1, 1))
    base = start - offsets[0]
    max_len = int(length.max()) if n else 0
    for j in range(0, max_len, 8):
        rows = np.flatnonzero(length > j)
        pos = base[rows] + j
        word = np.ascontiguousarray(windows[pos]).view("<u8").ravel()
        left = length[rows] - np.uint64(j)
        short = left < 8
        if short.any():  # bytes past the name's end belong to the next name: mask them
            keep = (np.uint64(1) << (np.uint64(8) * left[short])) - np.uint64(1)
            word[short] &= keep
        h[rows] = _fmix64(h[rows] ^ word)
    return _fmix64(h ^ k1)


def hash_units(
    units: pa.Array | Sequence[str] | np.ndarray, salt: str, stream: str, scheme: str
) -> np.ndarray:
    """Keys of the unit names under a manifest's hash ``scheme`` (``mix64`` or ``blake2b``)."""
    if scheme == "mix64":
        return mix64(units, salt, stream)
    if scheme == "blake2b":
        from yearn.splits._assign import hash_keys

        names = units.to_pylist() if isinstance(units, pa.Array | pa.ChunkedArray) else units
        return hash_keys(names, salt, stream)
    raise ConfigError(
        f"split hash scheme {scheme!r} is unknown; choose among {', '.join(HASH_SCHEMES)} "
        "(a manifest written by a newer yearn: upgrade yearn)."
    )
