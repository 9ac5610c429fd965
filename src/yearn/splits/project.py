"""The four-way split of a :class:`~yearn.data.Dataset` and of a whole project folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from yearn.config import ProjectConfig, SplitConfig, load_config
from yearn.errors import DataError
from yearn.splits._four_way import four_way_split
from yearn.splits.manifest import (
    SIDECAR_NAME,
    SplitManifest,
    load_manifest,
    manifest_path,
)

if TYPE_CHECKING:
    from yearn.data import Dataset

__all__ = ["SavedSplit", "split_dataset", "split_project"]


@dataclass(frozen=True)
class SavedSplit:
    """A split saved in a project: the manifest, where it lives, the run that recorded it."""

    manifest: SplitManifest
    path: Path
    run_id: str | None
    #: with a memory budget: how the split ran (in memory or streamed) and its estimates
    scale: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {**self.manifest.to_dict(), "path": str(self.path), "run_id": self.run_id}
        return out if self.scale is None else {**out, "scale": self.scale}

    def _repr_html_(self) -> str:
        from html import escape

        run = f", run {escape(self.run_id)}" if self.run_id else ""
        return (
            f"<div><p><b>Split saved</b> to <code>{escape(str(self.path))}</code>{run} "
            f"(sha256 {escape(self.manifest.sha256[:12])})</p>"
            f"{self.manifest._repr_html_()}</div>"
        )


def split_dataset(
    dataset: Dataset,
    config: SplitConfig | None = None,
    *,
    previous: SplitManifest | None = None,
    cross_source_groups: Literal["error", "train"] = "error",
    expected_error: float | None = 0.1,
    min_gain: float = 0.01,
    confidence: float = 0.95,
) -> SplitManifest:
    """:func:`four_way_split` over a Dataset, with the settings of ``config``.

    The target source is the one with role ``target``; the Dataset's group column, labels
    (multi-label ones are not stratified) and metadata columns are used for grouping, stratification
    and the dev-vs-test checks.
    """
    config = config or SplitConfig()
    from yearn.data.dataset import ROLE_COLUMN, SOURCE_COLUMN  # the data layer, when used

    sources = dataset.frame[SOURCE_COLUMN].reset_index(drop=True)
    is_target = (dataset.frame[ROLE_COLUMN] == "target").to_numpy(dtype=bool)
    targets = sorted({str(s) for s in sources[is_target].unique()})
    if not targets:
        present = sorted({str(s) for s in sources.unique()})
        raise DataError(
            f"no source has role 'target' (sources: {', '.join(present)}); dev and test are "
            "drawn only from the data the product will face — set role = 'target' on that "
            "source in yearn.toml."
        )
    metadata = (
        dataset.frame[list(dataset.metadata_columns)].reset_index(drop=True)
        if dataset.metadata_columns
        else None
    )
    return four_way_split(
        dataset.ids,
        sources,
        target=targets[0],
        groups=dataset.groups,
        labels=dataset.labels,
        task=dataset.task,
        dev=config.dev,
        test=config.test,
        target_to_train=config.target_to_train,
        train_dev=config.train_dev,
        salt=config.salt,
        stratify=config.stratify,
        cross_source_groups=cross_source_groups,
        previous=previous,
        metadata=metadata,
        expected_error=expected_error,
        min_gain=min_gain,
        confidence=confidence,
    )


def split_project(
    project: str | Path | ProjectConfig = ".",
    *,
    fresh: bool = False,
    record: bool = True,
    store_url: str | None = None,
    cross_source_groups: Literal["error", "train"] = "error",
    expected_error: float | None = 0.1,
    min_gain: float = 0.01,
    confidence: float = 0.95,
    memory: str | int | None = None,
    stream: bool = False,
) -> SavedSplit:
    """Load the project's data, split it, save the manifest and record a ``split`` run.

    Unless ``fresh``, an existing manifest is grown: every example it holds keeps its
    split and only new examples are assigned. ``memory`` (``"4GB"``): a budget; Parquet
    sources that would not fit it are split by streaming, with the same assignment
    (``docs/scale.md``); ``stream`` streams even data that would fit.
    """
    from yearn.data import load_project  # the data layer, imported when used

    config = project if isinstance(project, ProjectConfig) else load_config(project)
    root = config.root
    scale = None
    if memory is not None or stream:
        from yearn.splits._stream_project import split_within

        saved, scale = split_within(
            config,
            memory,
            stream=stream,
            fresh=fresh,
            cross_source_groups=cross_source_groups,
            expected_error=expected_error,
            min_gain=min_gain,
            confidence=confidence,
        )
        if saved is not None:
            run_id = _record_run(root, store_url, saved) if record else None
            return SavedSplit(saved, manifest_path(root), run_id, scale)
    dataset = load_project(config, features=False, screen=False)  # a split reads no features
    previous = None
    if not fresh and manifest_path(root).exists():
        previous = load_manifest(root)
    manifest = split_dataset(
        dataset,
        config.split,
        previous=previous,
        cross_source_groups=cross_source_groups,
        expected_error=expected_error,
        min_gain=min_gain,
        confidence=confidence,
    )
    saved = manifest.save(root)
    run_id = _record_run(root, store_url, saved) if record else None
    return SavedSplit(saved, manifest_path(root), run_id, scale)


def _record_run(root: Path, url: str | None, manifest: SplitManifest) -> str:
    """Record the split as a run of kind ``split``: sizes per split and both files."""
    from yearn.store import open_store

    store = open_store(root, url=url)
    try:
        config = {**manifest.settings, "sha256": manifest.sha256}
        with store.run(name="split", kind="split", config=config) as run:
            for split, n in manifest.sizes.items():
                run.log_metric("examples", n, split=split)
            path = manifest_path(root)
            run.log_artifact(path, name=path.name)
            run.log_artifact(path.with_name(SIDECAR_NAME), name=SIDECAR_NAME)
            return run.id
    finally:
        store.close()
