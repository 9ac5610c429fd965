"""``split_project(..., memory=...)``: decide in memory vs streaming, and run the
streaming split end to end (previous manifest, split, manifest written batch by batch)."""

from __future__ import annotations

from typing import Any

from yearn.config import ProjectConfig
from yearn.errors import ConfigError
from yearn.splits._stream import split_plan, split_streaming
from yearn.splits._stream_previous import read_previous
from yearn.splits._stream_write import write_streamed
from yearn.splits.manifest import SplitManifest, manifest_path, save_manifest

__all__ = ["split_within"]


def split_within(
    config: ProjectConfig,
    memory: str | int | None,
    *,
    stream: bool,
    fresh: bool,
    cross_source_groups: str,
    expected_error: float | None,
    min_gain: float,
    confidence: float,
) -> tuple[SplitManifest | None, dict[str, Any]]:
    """The saved streamed manifest and the plan; ``(None, plan)`` when the split fits in
    memory (the caller then splits as usual)."""
    from yearn.data.budget import parse_memory

    if memory is None:
        raise ConfigError("stream=True needs a memory budget: pass memory='4GB' (--memory 4GB).")
    root = config.root
    grow = not fresh and manifest_path(root).exists()
    plan = split_plan(config, parse_memory(memory), force=stream, grow=grow)
    scale = plan.to_dict()
    if plan.mode != "streaming":
        scale["methods"] = {"split": "in memory, as without --memory"}
        return None, scale
    previous = None
    if grow:
        previous = read_previous(root, config.split.salt, plan.batch_rows)
    manifest, code = split_streaming(
        config,
        plan,
        previous=previous,
        cross_source_groups=cross_source_groups,
        expected_error=expected_error,
        min_gain=min_gain,
        confidence=confidence,
    )
    saved = save_manifest(
        manifest, root, write_table=lambda tmp: write_streamed(config, plan, code, tmp)
    )
    return saved, scale
