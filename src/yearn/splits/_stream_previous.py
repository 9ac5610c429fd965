"""The saved manifest as the streaming split reads it: in batches, its sha256 checked."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from yearn.errors import DataError
from yearn.splits._hash import hash_units
from yearn.splits._stream_groups import id_text
from yearn.splits.manifest import SPLITS

__all__ = ["ManifestLookup", "Previous", "growth_note", "previous_splits", "read_previous"]


@dataclasses.dataclass(frozen=True)
class Previous:
    """A saved manifest as the streaming split needs it: its settings, sha256 and the
    ``train_dev`` key and split index (into SPLITS) of each example, sorted by key."""

    settings: dict[str, Any]
    sha256: str
    keys: np.ndarray
    codes: np.ndarray


def read_previous(root: Path, salt: str, rows: int) -> Previous:
    """Read ``<root>/.yearn/splits.parquet`` in batches after checking its sha256."""
    import json

    import pyarrow.parquet as pq

    from yearn.splits.manifest import SIDECAR_NAME, _sha256, manifest_path

    path = manifest_path(root)
    sidecar = path.with_name(SIDECAR_NAME)
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    sha = _sha256(path)
    if not isinstance(meta, dict) or meta.get("sha256") != sha:
        raise DataError(
            f"{path}: its sha256 does not match the {SIDECAR_NAME} sidecar (or the sidecar is "
            "missing): the manifest was changed outside yearn. Restore it or redraw with "
            "'yearn split --fresh'."
        )
    keys, codes = [], []
    for batch in pq.ParquetFile(path).iter_batches(batch_size=rows, columns=["id", "split"]):
        ids = id_text(batch.column(0))
        scheme = (meta.get("settings") or {}).get("hash", "blake2b")  # as it was drawn
        keys.append(hash_units(["i:" + v for v in ids], salt, "train_dev", scheme))
        split = batch.column(1).cast("string").to_pylist()
        codes.append(np.array([SPLITS.index(v) for v in split], dtype=np.int8))
    all_keys = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
    all_codes = np.concatenate(codes) if codes else np.zeros(0, np.int8)
    order = np.argsort(all_keys)
    return Previous(dict(meta.get("settings") or {}), sha, all_keys[order], all_codes[order])


def previous_splits(previous: Previous | None, k_td: np.ndarray):
    """The split index (into SPLITS) each row had in ``previous`` (-1 when new), and a note."""
    fixed = np.full(k_td.size, -1, dtype=np.int8)
    if previous is None:
        return fixed, None
    old_keys, old_split = previous.keys, previous.codes
    if old_keys.size:
        pos = np.minimum(np.searchsorted(old_keys, k_td), old_keys.size - 1)
        known = old_keys[pos] == k_td
        fixed[known] = old_split[pos[known]]
    else:
        known = np.zeros(k_td.size, dtype=bool)
    return fixed, growth_note(previous, int(known.sum()), k_td.size)


def growth_note(previous: Previous, kept: int, rows: int) -> str:
    """The note of a split grown from ``previous``: ``kept`` of ``rows`` examples known."""
    dropped = previous.keys.size - kept
    return (
        f"grown from the previous manifest: {kept} example(s) kept their split, "
        f"{rows - kept} new example(s) assigned"
        + (f", {dropped} no longer in the data dropped" if dropped else "")
        + "."
    )


class ManifestLookup:
    """The split of each id in a project's saved manifest (its sha256 checked), for code
    that streams the data: ``codes(ids, start)`` gives each id's index in SPLITS, -1 for
    ids the manifest does not hold.

    A manifest lists the examples in the order of the data it was drawn from, so the
    lookup first reads it alongside the data: when the manifest's ids at rows
    ``start ..`` are the ids asked, their splits are read from there (memory: one batch).
    Otherwise (the data changed since the split, or ``start`` is not given) every key of
    the manifest is loaded once, sorted (about 9 bytes per example held, 35 while sorting)."""

    def __init__(self, root: str | Path, rows: int = 1 << 18) -> None:
        import json

        import pyarrow.parquet as pq

        from yearn.splits.manifest import SIDECAR_NAME, _sha256, manifest_path

        path = manifest_path(root)
        try:
            meta = json.loads(path.with_name(SIDECAR_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = None
        settings = (meta.get("settings") if isinstance(meta, dict) else None) or {}
        if not isinstance(meta, dict) or meta.get("sha256") != _sha256(path):
            read_previous(Path(root), "", rows)  # raises, naming the fix
        self.root, self.rows = Path(root), rows
        self.salt = str(settings.get("salt", "yearn"))
        self.scheme = settings.get("hash", "blake2b")
        self.previous: Previous | None = None  # loaded on the first miss
        self._batches = pq.ParquetFile(path).iter_batches(batch_size=rows, columns=["id", "split"])
        import pyarrow as pa

        self._start = 0  # the manifest row of self._ids[0]
        self._ids: Any = pa.array([], pa.string())  # None once every key is loaded
        self._codes = np.zeros(0, dtype=np.int8)
        self.aligned_rows = 0  # rows answered by reading alongside (for the tests)

    def codes_of(self, column: Any, start: int | None = None) -> np.ndarray:
        """``codes`` of an Arrow id column (ids as text, as the split hashes them)."""
        if self.previous is None and start is not None:
            aligned = self._aligned(_text(column), start)
            if aligned is not None:
                self.aligned_rows += len(column)
                return aligned
        return self.codes(id_text(column))

    def codes(self, ids: list[str], start: int | None = None) -> np.ndarray:
        """The split index of each id; ``start``: the data row of ``ids[0]``."""
        if self.previous is None and start is not None:
            import pyarrow as pa

            aligned = self._aligned(pa.array(list(ids), pa.string()), start)
            if aligned is not None:
                self.aligned_rows += len(ids)
                return aligned
        if self.previous is None:
            self.previous = read_previous(self.root, self.salt, self.rows)
            self._ids, self._codes = None, np.zeros(0, dtype=np.int8)
        keys = hash_units(["i:" + v for v in ids], self.salt, "train_dev", self.scheme)
        return previous_splits(self.previous, keys)[0]

    def _aligned(self, ids: Any, start: int) -> np.ndarray | None:
        """The manifest's splits of rows ``start ..`` when its ids there are ``ids`` (an
        Arrow string array), read alongside: one batch of the manifest held at a time."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if start < self._start or self._ids is None:
            return None
        self._drop(start - self._start)
        while self._start + len(self._ids) < start + len(ids):
            batch = next(self._batches, None)
            if batch is None:
                return None
            split = pc.index_in(batch.column(1).cast(pa.string()), value_set=pa.array(SPLITS))
            codes = split.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int8)
            self._ids = pa.concat_arrays([self._ids, _text(batch.column(0))])
            self._codes = np.r_[self._codes, codes]
            self._drop(start - self._start)
        if self._start != start or not self._ids.slice(0, len(ids)).equals(ids):
            return None
        return self._codes[: len(ids)].copy()

    def _drop(self, rows: int) -> None:
        """Forget the first ``rows`` rows held (never more than are held)."""
        rows = max(0, min(rows, len(self._ids)))
        self._ids, self._codes = self._ids.slice(rows), self._codes[rows:]
        self._start += rows


def _text(column: Any) -> Any:
    """An Arrow id column as a string array, as :func:`id_text` writes each id."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_integer(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    if pa.types.is_string(column.type):
        return column
    return pa.array(id_text(column), pa.string())
