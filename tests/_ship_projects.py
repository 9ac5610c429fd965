"""Tiny trained projects for the ship tests: the toy table (binary MLP, one column with
missing values) and a small image project (3-class CNN), each split and trained through
the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._toy_project import TOY_TOML, toy_table

IMAGE_TOML = """
[project]
name = "tiny-images"
task = "multiclass"
label_column = "label"
id_column = "id"
image_column = "path"

[[sources]]
name = "web"
path = "web.csv"
role = "train"

[[sources]]
name = "phone"
path = "phone.csv"
role = "target"
"""


def _check(result) -> None:
    assert result.exit_code == 0, result.output


def make_table_project(root: Path, cli, *, width: int = 8, depth: int = 1) -> Path:
    """Toy binary project; ``x2`` has missing values in training (so NaN is allowed)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "yearn.toml").write_text(TOY_TOML)
    web = toy_table("w", 240, 0)
    web.loc[web.index % 17 == 0, "x2"] = np.nan
    web.to_csv(root / "web.csv", index=False)
    toy_table("p", 120, 1).to_csv(root / "phone.csv", index=False)
    _check(cli("split", "--project", root))
    _check(cli("train", "--project", root, "--epochs", "3", "--width", width, "--depth", depth))
    return root


def write_images(folder: Path, prefix: str, n: int, seed: int) -> pd.DataFrame:
    """``n`` 8x8 grey images of three classes (a bright row, column or the diagonal)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        label = i % 3
        img = rng.uniform(0, 60, size=(8, 8))
        if label == 0:
            img[rng.integers(0, 8), :] += 180
        elif label == 1:
            img[:, rng.integers(0, 8)] += 180
        else:
            img[np.arange(8), np.arange(8)] += 180
        name = f"{prefix}{i}.png"
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), mode="L").save(folder / name)
        rows.append({"id": f"{prefix}{i}", "path": f"img/{name}", "label": f"c{label}"})
    return pd.DataFrame(rows)


def make_image_project(root: Path, cli) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "yearn.toml").write_text(IMAGE_TOML)
    write_images(root / "img", "w", 90, 0).to_csv(root / "web.csv", index=False)
    write_images(root / "img", "p", 60, 1).to_csv(root / "phone.csv", index=False)
    _check(cli("split", "--project", root))
    _check(
        cli("train", "--project", root, "--model", "cnn", "--epochs", "2", "--width", "4",
            "--depth", "1")
    )  # fmt: skip
    return root


MULTILABEL_TOML = """
[project]
name = "ml"
task = "multilabel"
label_columns = ["a", "b"]
id_column = "id"

[[sources]]
name = "web"
path = "web.csv"
role = "train"

[[sources]]
name = "phone"
path = "phone.csv"
role = "target"
"""


def make_multilabel_project(root: Path, cli) -> Path:
    """Two tasks from two numbers and a category; 10% of task ``a`` unknown."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "yearn.toml").write_text(MULTILABEL_TOML)
    for name, n, seed in (("web", 300, 0), ("phone", 120, 1)):
        rng = np.random.default_rng(seed)
        x1, x2, c = rng.normal(size=n), rng.normal(size=n), rng.choice(["u", "v"], n)
        a = (x1 > 0).astype(float)
        a[rng.random(n) < 0.1] = np.nan
        b = ((x2 + (c == "u")) > 0.5).astype(float)
        pd.DataFrame(
            {"id": [f"{name}{i}" for i in range(n)], "x1": x1, "x2": x2, "c": c, "a": a, "b": b}
        ).to_csv(root / f"{name}.csv", index=False)
    _check(cli("split", "--project", root))
    _check(cli("train", "--project", root, "--epochs", "3", "--width", "8"))
    return root
