"""Image sources: a folder of class sub-folders, or a manifest table of file paths.

Images stay on disk; the Dataset holds their paths (``image_column``) and
:func:`load_images` decodes them on demand into a float32 ``(N, C, H, W)`` array in [0, 1].
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from yearn.data.validate import Where
from yearn.errors import DataError

__all__ = [
    "IMAGE_SUFFIXES",
    "check_image_files",
    "load_images",
    "read_image_folder",
    "resolve_paths",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def read_image_folder(
    path: str | Path, *, label_column: str = "label", image_column: str = "image"
) -> pd.DataFrame:
    """Index ``folder/<label>/<file>`` into a table of (image path, label), sorted by path.

    Files whose extension is not an image's (``IMAGE_SUFFIXES``) and hidden files are
    skipped; a folder without class sub-folders holding images is an error.
    """
    root = Path(path)
    if not root.is_dir():
        raise DataError(f"{root}: image folder not found; check the source's path.")
    paths: list[str] = []
    labels: list[str] = []
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if class_dir.name.startswith("."):
            continue
        for file in sorted(class_dir.iterdir()):
            if file.name.startswith(".") or file.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            paths.append(str(file.resolve()))
            labels.append(class_dir.name)
    if not paths:
        raise DataError(
            f"{root}: no images found; an image folder holds one sub-folder per class "
            f"with image files in it ({', '.join(IMAGE_SUFFIXES)}), e.g. {root}/cat/1.png."
        )
    return pd.DataFrame({image_column: paths, label_column: labels})


def resolve_paths(frame: pd.DataFrame, column: str, base: Path, where: Where) -> pd.DataFrame:
    """Make the image paths of a manifest absolute (relative ones are relative to ``base``)."""
    values = frame[column]
    empty = values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"{where.row(pos)}: the image column {column!r} is empty; every row of a "
            "manifest needs the path of its image file."
        )
    base_text = str(base.resolve()) + os.sep
    text = values.astype(str)
    absolute = text.map(os.path.isabs).to_numpy(dtype=bool)
    resolved = np.where(
        absolute, text.to_numpy(dtype=object), base_text + text.to_numpy(dtype=object)
    )
    frame = frame.copy(deep=False)
    frame[column] = pd.Series(resolved, index=frame.index, dtype=object).map(os.path.normpath)
    return frame


def _image_problem(path: str, decode: bool) -> str | None:
    """What is wrong with one image file, or None."""
    from PIL import Image

    if not os.path.isfile(path):
        return (
            f"image file {path} not found; fix the path (relative paths are relative to the "
            "manifest) or remove the row."
        )
    if not decode:
        return None
    try:
        with Image.open(path) as img:
            img.verify()
    except Exception as exc:  # PIL raises many types for corrupt files
        return (
            f"image {path} cannot be decoded ({type(exc).__name__}: {exc}); replace the "
            "file or remove the row."
        )
    return None


def check_image_files(
    paths: Sequence[str], where: Where, *, decode: bool = True, workers: int = 8
) -> None:
    """Raise naming the row and file of the first image that is missing or cannot be read.

    With ``decode`` each file is opened and verified by PIL (header and checksums). Files
    are read by ``workers`` threads (reading is I/O-bound); the first problem in row order
    is reported.
    """
    paths = [str(p) for p in paths]
    if not paths:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(paths)))) as pool:
        chunk = 256
        for start in range(0, len(paths), chunk):
            part = paths[start : start + chunk]
            for offset, problem in enumerate(pool.map(_image_problem, part, [decode] * len(part))):
                if problem is not None:
                    raise DataError(f"{where.row(start + offset)}: {problem}")


def _size(size: int | tuple[int, int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    if isinstance(size, int):
        size = (size, size)
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise DataError(f"size must be a positive int or (height, width); got {size!r}.")
    return (int(size[0]), int(size[1]))


def _decode(path: str | Path, hw: tuple[int, int] | None, mode: str) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as img:
            img = img.convert(mode)
            if hw is not None and img.size != (hw[1], hw[0]):
                img = img.resize((hw[1], hw[0]), Image.Resampling.BILINEAR)
            return np.asarray(img, dtype=np.uint8)
    except FileNotFoundError:
        raise DataError(f"image {path} not found.") from None
    except Exception as exc:
        raise DataError(
            f"image {path} cannot be decoded ({type(exc).__name__}: {exc}); replace "
            "the file or remove it from the data."
        ) from None


def load_images(
    paths: Sequence[str | Path],
    *,
    size: int | tuple[int, int] | None = None,
    grayscale: bool = True,
    workers: int = 4,
) -> np.ndarray:
    """Decode image files into a float32 array ``(N, C, H, W)`` with values in [0, 1].

    ``C`` is 1 with ``grayscale`` else 3. ``size`` (an int or ``(height, width)``) resizes
    every image; without it all images must share one size. A file that cannot be decoded
    raises :class:`DataError` naming it (the first such file in order). ``workers``
    threads decode in parallel.
    """
    hw = _size(size)
    mode = "L" if grayscale else "RGB"
    paths = list(paths)
    if not paths:
        h, w = hw or (0, 0)
        return np.zeros((0, 1 if grayscale else 3, h, w), dtype=np.float32)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(paths)))) as pool:
        arrays = list(pool.map(_decode, paths, [hw] * len(paths), [mode] * len(paths)))
    shapes = np.array([a.shape[:2] for a in arrays])
    differs = np.flatnonzero(np.any(shapes != shapes[0], axis=1))
    if len(differs):
        k = int(differs[0])
        (h0, w0), (h1, w1) = shapes[0], shapes[k]
        raise DataError(
            f"images differ in size: {paths[0]} is {h0}x{w0} but {paths[k]} is {h1}x{w1} "
            "(height x width); pass size=(H, W) to resize them all."
        )
    stacked = np.stack(arrays)
    stacked = stacked[:, None, :, :] if grayscale else stacked.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(stacked, dtype=np.float32) / np.float32(255.0)
