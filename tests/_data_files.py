"""Small project folders for the data-loading and validation tests: a yearn.toml over
CSV sources, a table, two sources (web / phone) and PNG files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image


def write_project(root: Path, sources: list[tuple[str, str, str]], **project) -> Path:
    """Write yearn.toml with ``sources`` = [(name, path, role)] and ``project`` keys."""
    lines = ["[project]"]
    project.setdefault("task", "binary")
    if "label_columns" not in project:
        project.setdefault("label_column", "y")
    for key, value in project.items():
        if isinstance(value, list | tuple):
            lines.append(f"{key} = [{', '.join(repr(v) for v in value)}]")
        else:
            lines.append(f'{key} = "{value}"')
    for name, path, role in sources:
        lines += ["[[sources]]", f'name = "{name}"', f'path = "{path}"', f'role = "{role}"']
    (root / "yearn.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def table(n: int = 6, **extra) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "uid": [f"u{i}" for i in range(n)],
            "a": np.arange(n, dtype=float),
            "b": np.arange(n) * 3,
            "y": ["cat", "dog"] * (n // 2),
        }
    )
    for key, value in extra.items():
        frame[key] = value
    return frame


def two_sources(root: Path, web: pd.DataFrame, phone: pd.DataFrame, **project) -> Path:
    web.to_csv(root / "web.csv", index=False)
    phone.to_csv(root / "phone.csv", index=False)
    return write_project(
        root, [("web", "web.csv", "train"), ("phone", "phone.csv", "target")], **project
    )


def png(path: Path, size=(8, 8), value: int = 128) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(size, value, dtype=np.uint8)).save(path)
    return path


# -- the cases: each builds a project in tmp_path and names the expected message -------------
