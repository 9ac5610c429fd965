"""Writing a new train source: a folder (written aside, then renamed into place) and its
``[[sources]]`` entry in ``yearn.toml`` (validated, then written atomically)."""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

from yearn._io import atomic_write_text
from yearn.errors import ConfigError

__all__ = ["add_source_entry", "check_new_source", "write_source_folder"]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def check_new_source(config, name: str) -> Path:
    """The folder ``data/<name>`` for a new source; ConfigError when the name is taken."""
    if not NAME.match(name):
        raise ConfigError(
            f"source name {name!r}: use letters, digits, '-' and '_' (e.g. --name synthetic)."
        )
    if any(s.name == name for s in config.sources):
        raise ConfigError(
            f"{config.path}: a source named {name!r} exists already; choose another --name "
            "or remove that source first."
        )
    folder = config.root / "data" / name
    if folder.exists():
        raise ConfigError(f"{folder}: exists already; choose another --name or remove it.")
    return folder


def write_source_folder(folder: Path, fill: Callable[[Path], None]) -> Path:
    """Call ``fill(tmp)`` on a fresh sibling folder, then rename it to ``folder``."""
    tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        fill(tmp)
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def add_source_entry(config, name: str, path: str, fmt: str = "csv") -> None:
    """Append a ``[[sources]]`` entry (role train) to the project file, after the last
    one; the new text must parse as a project file before it replaces the old."""
    from yearn.config import config_from_dict

    file = Path(config.path)
    text = file.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    last = max((i for i, ln in enumerate(lines) if ln.strip() == "[[sources]]"), default=None)
    entry = f'[[sources]]\nname = "{name}"\npath = "{path}"\nrole = "train"\nformat = "{fmt}"\n\n'
    if last is None:
        new = text.rstrip("\n") + "\n\n" + entry
    else:
        end = next(
            (
                i
                for i in range(last + 1, len(lines))
                if lines[i].lstrip().startswith("[")
                and not lines[i].strip().startswith("[sources.")
            ),
            len(lines),
        )
        new = "".join(lines[:end]) + ("" if lines[end - 1].strip() == "" else "\n") + entry
        new += "".join(lines[end:])
    config_from_dict(tomllib.loads(new), root=config.root)
    atomic_write_text(file, new)
