"""The demo-data cache: built once per (kind, version, random_state), copied into projects.

Cache folder: ``$YEARN_CACHE_DIR/demo/<kind>-<DEMO_VERSION>-rs<random_state>/`` (default
``~/.cache/yearn``). An entry is built in a temporary sibling folder and renamed into place
only when complete (``truth/demo.json`` written last), so a crash or a concurrent build
never leaves a half-written entry behind.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yearn._io import atomic_write_json
from yearn.errors import ConfigError

__all__ = ["DEMO_VERSION", "cached_demo_data", "copy_demo_data", "demo_cache_dir"]

#: Bump when the generated data changes; old cache entries are then ignored.
DEMO_VERSION = "5"
_INFO = Path("truth") / "demo.json"
_log = logging.getLogger(__name__)


def demo_cache_dir() -> Path:
    """``$YEARN_CACHE_DIR`` (default ``~/.cache/yearn``) / ``demo``."""
    root = os.environ.get("YEARN_CACHE_DIR") or Path.home() / ".cache" / "yearn"
    return Path(root) / "demo"


def _read_info(entry: Path) -> dict[str, Any] | None:
    try:
        return json.loads((entry / _INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def cached_demo_data(kind: str, random_state: int, build: Callable[[Path], dict[str, Any]]) -> Path:
    """Return the cache entry for ``kind``/``random_state``, building it with ``build``."""
    if isinstance(random_state, bool) or not isinstance(random_state, int) or random_state < 0:
        raise ConfigError(f"random_state must be an integer >= 0; got {random_state!r}.")
    entry = demo_cache_dir() / f"{kind}-v{DEMO_VERSION}-rs{random_state}"
    info = _read_info(entry)
    if info and info.get("version") == DEMO_VERSION:
        return entry
    if entry.exists():  # incomplete or from another version: rebuild
        shutil.rmtree(entry, ignore_errors=True)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=entry.parent))
    except OSError as exc:
        raise ConfigError(
            f"{entry.parent}: cannot write the demo cache ({exc.strerror or exc}); "
            "set YEARN_CACHE_DIR to a writable folder."
        ) from None
    try:
        _log.info("building the %s demo data (random_state=%d) in %s", kind, random_state, entry)
        info = build(tmp)
        atomic_write_json(tmp / _INFO, {**info, "version": DEMO_VERSION})
        try:
            os.rename(tmp, entry)
        except OSError:  # another process finished first: use its entry
            if _read_info(entry) is None:
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return entry


def _link_or_copy(src: str, dst: str) -> str:
    """Hard-link images (read-only data, thousands of them); copy every other file."""
    if src.endswith(".png"):
        try:
            os.link(src, dst)
            return dst
        except OSError:  # another file system, or links not allowed: copy
            pass
    return shutil.copyfile(src, dst)


def copy_demo_data(entry: Path, project: Path) -> None:
    """Copy a cache entry's ``data/`` and ``truth/`` into ``project`` (replacing them).

    Tables and JSON are copied; the PNG images are hard-linked to the cache when the file
    system allows it (they are never written to), which makes a new demo project cheap.
    """
    project.mkdir(parents=True, exist_ok=True)
    for part in ("data", "truth"):
        tmp = Path(tempfile.mkdtemp(prefix=f".{part}.", dir=project))
        try:
            shutil.copytree(entry / part, tmp, dirs_exist_ok=True, copy_function=_link_or_copy)
            if (project / part).exists():
                shutil.rmtree(project / part)
            os.rename(tmp, project / part)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
