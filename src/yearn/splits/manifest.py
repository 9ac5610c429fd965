"""The split manifest: a table id → split, saved as ``<project>/.yearn/splits.parquet``.

A JSON sidecar (``splits.json``) beside it holds the settings used, the sizes, the checks
and the sha256 of the Parquet file; loading verifies that hash, so a manifest edited by
hand is refused instead of silently changing every later result.

The pair is committed as one step: both files are first written completely under the names
``.splits.next.parquet`` / ``.splits.next.json`` (the sidecar last: its presence marks a
complete pair), then switched into place by two renames, all under the manifest's file
lock. A kill before the switch leaves the old pair; a kill between the two renames leaves
the new table beside its ``.next`` sidecar, and the next load (or save) rolls the switch
forward. So a crash never leaves a pair that every command refuses.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn._io import atomic_write, atomic_write_json, file_lock
from yearn.errors import DataError
from yearn.paths import ProjectPaths
from yearn.splits.checks import SplitReport

__all__ = [
    "MANIFEST_NAME",
    "SIDECAR_NAME",
    "SPLITS",
    "SplitManifest",
    "load_manifest",
    "manifest_path",
    "save_manifest",
]

SPLITS = ("train", "train_dev", "dev", "test")
MANIFEST_NAME = ProjectPaths(".").manifest.name
SIDECAR_NAME = ProjectPaths(".").manifest_sidecar.name
FORMAT_VERSION = 1
_NEXT_TABLE = ".splits.next.parquet"
_NEXT_SIDECAR = ".splits.next.json"


@dataclass(frozen=True)
class SplitManifest:
    """Which split each example is in, plus the settings and checks that produced it.

    ``table`` has columns ``id``, ``split`` (train / train_dev / dev / test), ``source``
    and ``group`` (empty without groups). ``sha256`` is the hash of the saved Parquet
    file (None until saved or when built in memory).
    """

    table: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    report: SplitReport | None = None
    sha256: str | None = None

    @property
    def sizes(self) -> dict[str, int]:
        """Examples per split, in the order train, train_dev, dev, test."""
        column = self.table["split"]
        if isinstance(column.dtype, pd.CategoricalDtype):  # count codes, not strings
            counts = dict(
                zip(column.cat.categories, np.bincount(column.cat.codes + 1)[1:], strict=False)
            )
        else:
            counts = column.astype(str).value_counts().to_dict()
        return {s: int(counts.get(s, 0)) for s in SPLITS}

    def __len__(self) -> int:
        return len(self.table)

    def ids(self, split: str) -> np.ndarray:
        """The ids in one split, in table order."""
        _check_split_name(split)
        return self.table.loc[self.table["split"] == split, "id"].to_numpy()

    def split_of(self, ids: Any) -> np.ndarray:
        """The split of each of ``ids``; raises naming the ids the manifest does not hold."""
        lookup = pd.Series(
            self.table["split"].astype(str).to_numpy(), index=self.table["id"].astype(str)
        )
        keys = pd.Index([str(v) for v in np.asarray(ids, dtype=object)])
        found = lookup.reindex(keys)
        missing = found.isna().to_numpy()
        if missing.any():
            shown = ", ".join(repr(k) for k in keys[missing][:5])
            raise DataError(
                f"{int(missing.sum())} id(s) are not in the split manifest (e.g. {shown}): "
                "the data grew since the split was drawn; run 'yearn split' again (it keeps "
                "every earlier example in its split and assigns the new ones)."
            )
        return found.to_numpy(dtype=object)

    def indices(self, ids: Any) -> dict[str, np.ndarray]:
        """Row positions of ``ids`` (e.g. ``dataset.ids``) in each split: no data is copied."""
        splits = self.split_of(ids)
        return {s: np.flatnonzero(splits == s) for s in SPLITS}

    def save(self, project_root: str | Path) -> SplitManifest:
        """Save to ``<project_root>/.yearn/`` atomically; returns the manifest with its sha256."""
        return save_manifest(self, project_root)

    def to_dict(self) -> dict[str, Any]:
        """Settings, sizes, sha256 and checks as plain JSON-ready data."""
        return {
            "settings": self.settings,
            "sizes": self.sizes,
            "rows": len(self.table),
            "sha256": self.sha256,
            "report": None if self.report is None else self.report.to_dict(),
        }

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        if self.report is not None:  # its table and chart show the sizes per split
            body = self.report._repr_html_()
        else:
            sizes = [{"split": s, "examples": n} for s, n in self.sizes.items()]
            body = html_table(sizes) + bar_chart(
                list(self.sizes), list(self.sizes.values()), title="examples per split", fmt=",.0f"
            )
        salt = html.escape(str(self.settings.get("salt")))
        return f"<div><b>Split manifest</b> (salt {salt}){body}</div>"


def manifest_path(project_root: str | Path) -> Path:
    """``<project_root>/.yearn/splits.parquet``."""
    return ProjectPaths(project_root).manifest


def _check_split_name(split: str) -> None:
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; splits are {', '.join(SPLITS)}.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _roll_forward(path: Path) -> bool:
    """Finish a save killed between its two renames; True when it did. Hold the lock."""
    next_sidecar = path.with_name(_NEXT_SIDECAR)
    if not (path.exists() and next_sidecar.exists()):
        return False
    meta = _read_json(next_sidecar)
    if not isinstance(meta, dict) or meta.get("sha256") != _sha256(path):
        return False
    os.replace(next_sidecar, path.with_name(SIDECAR_NAME))
    return True


def save_manifest(
    manifest: SplitManifest,
    project_root: str | Path,
    *,
    write_table: Callable[[Path], None] | None = None,
) -> SplitManifest:
    """Write ``splits.parquet`` and its sidecar ``splits.json`` as one atomic pair.

    ``write_table(path)`` writes the table instead of ``manifest.table`` (the streaming
    split writes it batch by batch)."""
    path = manifest_path(project_root)
    table = manifest.table.reset_index(drop=True)
    next_table, next_sidecar = path.with_name(_NEXT_TABLE), path.with_name(_NEXT_SIDECAR)
    with file_lock(path):
        _roll_forward(path)  # an earlier kill between the renames: finish that pair first
        next_sidecar.unlink(missing_ok=True)  # a stale sidecar never marks the new table
        with atomic_write(next_table) as tmp:
            if write_table is None:
                table.to_parquet(tmp, index=False)
            else:
                write_table(tmp)
            sha = _sha256(tmp)
        saved = replace(manifest, table=table, sha256=sha)
        sidecar = {"format": FORMAT_VERSION, "file": MANIFEST_NAME, **saved.to_dict()}
        atomic_write_json(next_sidecar, sidecar)  # written last: the pair is complete
        os.replace(next_table, path)
        os.replace(next_sidecar, path.with_name(SIDECAR_NAME))
    return saved


def load_manifest(project_root: str | Path) -> SplitManifest:
    """Load and verify the manifest saved in ``<project_root>/.yearn/``."""
    path = manifest_path(project_root)
    sidecar_path = path.with_name(SIDECAR_NAME)
    if not path.exists():
        raise DataError(
            f"{path}: no split manifest yet; run 'yearn split --project {project_root}' "
            "(or yearn.splits.split_project) to draw one."
        )
    data, meta = _read_pair(path, sidecar_path)
    sha = _sha256_bytes(data)
    if not isinstance(meta, dict) or meta.get("sha256") != sha:
        with file_lock(path):  # a save in progress, or one killed between its renames
            _roll_forward(path)
            data, meta = _read_pair(path, sidecar_path)
            sha = _sha256_bytes(data)
    if not sidecar_path.exists():
        raise DataError(
            f"{sidecar_path}: the manifest's sidecar is missing, so its settings and hash "
            "are unknown; redraw it with 'yearn split --fresh'."
        )
    if meta is None:
        raise DataError(f"{sidecar_path}: not valid JSON; redraw with 'yearn split --fresh'.")
    if not isinstance(meta, dict) or meta.get("sha256") != sha:
        raise DataError(
            f"{path}: sha256 {sha[:12]}… does not match the {SIDECAR_NAME} sidecar "
            f"({str(meta.get('sha256') if isinstance(meta, dict) else None)[:12]}…): the "
            "manifest was changed outside yearn. Restore it or redraw with "
            "'yearn split --fresh'."
        )
    try:
        table = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise DataError(f"{path}: cannot read the manifest ({exc}); redraw it.") from None
    _validate_table(table, path)
    split = table["split"]
    if isinstance(split.dtype, pd.CategoricalDtype):  # as saved: recode the categories only
        table["split"] = split.cat.set_categories(list(SPLITS))
    else:
        table["split"] = pd.Categorical(split.astype(str), categories=list(SPLITS))
    try:
        report = SplitReport.from_dict(meta["report"]) if meta.get("report") else None
    except (TypeError, KeyError, ValueError):  # a sidecar from another version: no checks
        report = None
    return SplitManifest(
        table=table,
        settings=dict(meta.get("settings") or {}),
        report=report,
        sha256=sha,
    )


def _read_pair(path: Path, sidecar_path: Path) -> tuple[bytes, Any]:
    """The table's bytes and the parsed sidecar (None when absent or not JSON)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: the split manifest disappeared while reading it.") from None
    return data, _read_json(sidecar_path) if sidecar_path.exists() else None


def _validate_table(table: pd.DataFrame, path: Path) -> None:
    for column in ("id", "split"):
        if column not in table.columns:
            raise DataError(f"{path}: column {column!r} is missing; redraw the manifest.")
    split = table["split"]
    if isinstance(split.dtype, pd.CategoricalDtype) and not split.isna().any():
        bad = ~split.isin(SPLITS)  # compares the few categories, then the codes
    else:
        bad = ~split.astype(str).isin(SPLITS)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: row {row} has split {table['split'].iloc[row]!r}; splits are "
            f"{', '.join(SPLITS)}."
        )
    ids = table["id"]
    dup = (ids if pd.api.types.is_integer_dtype(ids) else ids.astype(str)).duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(f"{path}: id {table['id'].iloc[row]!r} appears twice (row {row}).")
