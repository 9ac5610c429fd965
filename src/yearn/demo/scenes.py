"""Synthetic street scenes for multi-task learning (the course's driving example).

Each 32×32 grey image may hold a pedestrian (stick figure), a car (body + wheels), a stop
sign (octagon on a pole) and a traffic light (box with three lamps), each present or
absent independently, drawn with numpy at random positions and sizes over a noisy
road-like background. The labels are one 1/0 column per object; a share of the label
cells is unknown — empty, or the marker ``?`` (``missing_label_marker`` in yearn.toml) —
as when annotators labelled only some objects.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from yearn._validation import check_fraction, check_positive_int
from yearn.errors import ConfigError

__all__ = ["SCENE_OBJECTS", "build_scene_images", "make_scenes_demo"]

SCENE_OBJECTS = ("pedestrian", "car", "stop_sign", "traffic_light")
SIZE = 32
PRESENT = {"pedestrian": 0.45, "car": 0.5, "stop_sign": 0.35, "traffic_light": 0.4}


def _grid() -> tuple[np.ndarray, np.ndarray]:
    return np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)


def _pedestrian(img, rng, yy, xx, level):
    cy, cx, s = rng.uniform(9, 23), rng.uniform(6, 26), rng.uniform(0.8, 1.2)
    head = (yy - (cy - 6 * s)) ** 2 + (xx - cx) ** 2 <= (1.8 * s) ** 2
    body = (np.abs(xx - cx) <= 0.6) & (yy >= cy - 4 * s) & (yy <= cy + 2 * s)
    legs = (
        (yy > cy + 2 * s)
        & (yy <= cy + 7 * s)
        & (np.abs(np.abs(xx - cx) - (yy - cy - 2 * s) * 0.5) <= 0.7)
    )
    arms = (np.abs(yy - (cy - 2 * s)) <= 0.6) & (np.abs(xx - cx) <= 3 * s)
    img[head | body | legs | arms] = level


def _car(img, rng, yy, xx, level):
    cy, cx, w = rng.uniform(14, 26), rng.uniform(9, 23), rng.uniform(6, 9)
    body = (np.abs(xx - cx) <= w) & (yy >= cy - 2.5) & (yy <= cy + 1.5)
    roof = (np.abs(xx - cx) <= w * 0.55) & (yy >= cy - 5) & (yy < cy - 2.5)
    img[body | roof] = level
    for side in (-1, 1):
        wheel = (yy - (cy + 2)) ** 2 + (xx - (cx + side * w * 0.6)) ** 2 <= 2.2**2
        img[wheel] = 1.0 - level


def _stop_sign(img, rng, yy, xx, level):
    cy, cx, r = rng.uniform(7, 16), rng.uniform(6, 26), rng.uniform(3.5, 5)
    dy, dx = np.abs(yy - cy), np.abs(xx - cx)
    octagon = (dy <= r) & (dx <= r) & (dy + dx <= r * 1.41)
    pole = (np.abs(xx - cx) <= 0.5) & (yy > cy + r) & (yy <= min(cy + r + 10, SIZE - 1))
    img[octagon | pole] = level
    img[octagon & (dy <= 0.8) & (dx <= r * 0.6)] = 1.0 - level  # the white bar


def _traffic_light(img, rng, yy, xx, level):
    cy, cx = rng.uniform(8, 22), rng.uniform(5, 27)
    box = (np.abs(xx - cx) <= 2.2) & (np.abs(yy - cy) <= 6.5)
    img[box] = level
    for off in (-4, 0, 4):
        lamp = (yy - (cy + off)) ** 2 + (xx - cx) ** 2 <= 1.4**2
        img[lamp] = 1.0 - level


_DRAW = {
    "pedestrian": _pedestrian,
    "car": _car,
    "stop_sign": _stop_sign,
    "traffic_light": _traffic_light,
}


def build_scene_images(n: int, *, random_state: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
    """``n`` scenes: images (n, 32, 32) in [0, 1] and the true 0/1 labels per object."""
    check_positive_int("n", n)
    rng = np.random.default_rng(random_state)
    yy, xx = _grid()
    images = np.empty((n, SIZE, SIZE))
    truth = {name: np.zeros(n, dtype=np.int64) for name in SCENE_OBJECTS}
    for i in range(n):
        img = rng.uniform(0.35, 0.55) + 0.05 * rng.standard_normal((SIZE, SIZE))
        for name in rng.permutation(SCENE_OBJECTS):
            if rng.random() < PRESENT[name]:
                _DRAW[name](
                    img, rng, yy, xx, rng.choice([rng.uniform(0.0, 0.2), rng.uniform(0.8, 1.0)])
                )
                truth[name][i] = 1
        img += 0.04 * rng.standard_normal((SIZE, SIZE))
        images[i] = np.clip(img, 0.0, 1.0)
    return images, pd.DataFrame(truth)


def _png(pixels: np.ndarray) -> bytes:
    from yearn.demo._digits import _png as encode

    return encode(np.round(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8))


def make_scenes_demo(
    directory: str | Path,
    *,
    n: int = 2000,
    missing_share: float = 0.25,
    random_state: int = 0,
    force: bool = False,
) -> Path:
    """Create the multi-label scenes project in ``directory``; return the folder.

    Writes ``data/images/*.png``, ``data/scenes.csv`` (id, path, one column per object:
    1, 0, empty or ``?`` when unknown), ``truth/labels.csv`` (every true label) and a
    ``yearn.toml`` (task multilabel, ``missing_label_marker = "?"``). About
    ``missing_share`` of the label cells are unknown (half empty, half ``?``).
    """
    from yearn._io import atomic_write_bytes
    from yearn.demo._projects import _prepare
    from yearn.scaffold import write_project_file

    missing_share = check_fraction("missing_share", missing_share)
    if missing_share >= 0.95:
        raise ConfigError("missing_share must be below 0.95: every task needs known labels.")
    project = _prepare(directory, force)
    images, truth = build_scene_images(n, random_state=random_state)
    rng = np.random.default_rng([random_state, 1])
    folder = project / "data" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"scene-{i:05d}" for i in range(n)]
    for i, name in enumerate(ids):
        atomic_write_bytes(folder / f"{name}.png", _png(images[i]))
    table = pd.DataFrame({"id": ids, "path": [f"images/{i}.png" for i in ids]})
    for name in SCENE_OBJECTS:
        cells = np.array(truth[name].astype(str).tolist(), dtype=object)
        hide = rng.random(n) < missing_share
        cells[hide] = np.where(rng.random(int(hide.sum())) < 0.5, "", "?")
        table[name] = cells
    table.to_csv(project / "data" / "scenes.csv", index=False)
    (project / "truth").mkdir(exist_ok=True)
    truth.insert(0, "id", ids)
    truth.to_csv(project / "truth" / "labels.csv", index=False)
    write_project_file(
        project,
        force=True,
        name="scenes-demo",
        task="multilabel",
        label=list(SCENE_OBJECTS),
        id_column="id",
        image_column="path",
        missing_label_marker="?",
        sources=[{"name": "scenes", "path": "data/scenes.csv", "role": "target", "format": "csv"}],
        metric="error",
    )
    return project
