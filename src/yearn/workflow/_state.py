"""What the workflow remembers between runs: one fingerprint and the outputs of each step,
in ``.yearn/workflow.json`` (written atomically), plus the fingerprinting itself."""

from __future__ import annotations

import hashlib
import json
import logging
import tomllib
from pathlib import Path
from typing import Any

from yearn._io import atomic_write_json
from yearn.paths import ProjectPaths
from yearn.project import WORKFLOW_STATE_VERSION, Project

__all__ = [
    "config_sections",
    "data_fingerprint",
    "digest",
    "load_options",
    "load_state",
    "save_state",
]

log = logging.getLogger(__name__)


def digest(value: Any) -> str:
    """sha256 of a JSON-able value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def config_sections(config_path: Path) -> dict[str, Any]:
    """The parsed ``yearn.toml``, section by section (each step hashes the ones it reads)."""
    with config_path.open("rb") as fh:
        return tomllib.load(fh)


def _stat(path: Path, root: Path) -> list[Any]:
    try:
        name = str(path.relative_to(root))
    except ValueError:
        name = str(path)  # a source outside the project folder
    try:
        st = path.stat()
    except OSError:
        return [name, None]
    return [name, st.st_size, st.st_mtime_ns]


def data_fingerprint(config: Any) -> str:
    """Sizes and modification times of every source file; for image projects, of every
    file in each source's folder too (an edited image changes the fingerprint)."""
    entries = []
    root = Path(config.root).resolve()
    for src in config.sources:
        path = Path(src.path).resolve()
        if path.is_dir():
            entries += [_stat(p, root) for p in sorted(path.rglob("*")) if p.is_file()]
            continue
        entries.append(_stat(path, root))
        if config.image_column is not None and path.parent.is_dir():
            entries += [
                _stat(p, root)
                for p in sorted(path.parent.rglob("*"))
                if p.is_file() and not ProjectPaths(root).is_state_path(p) and p != path
            ]
    return digest(entries)


def _read(root: Path) -> dict[str, Any]:
    return Project(root).workflow_state()


def load_state(root: Path) -> dict[str, Any]:
    """The recorded steps (``{}`` when there is no state or it cannot be read)."""
    steps = _read(root).get("steps")
    return steps if isinstance(steps, dict) else {}


def load_options(root: Path) -> dict[str, Any] | None:
    """The options of the last ``yearn run`` on the project, if recorded."""
    options = _read(root).get("options")
    return options if isinstance(options, dict) else None


def save_state(root: Path, steps: dict[str, Any], options: dict[str, Any] | None = None) -> Path:
    """Write the steps' fingerprints and outputs (and the options used) atomically."""
    path = ProjectPaths(root).workflow_state
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, {"version": WORKFLOW_STATE_VERSION, "options": options, "steps": steps})
    return path
