"""The near-duplicate image rule is set from measured precision on known families and
does not call distinct images duplicates (issue 13 §6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage

from yearn.profile import profile
from yearn.profile.checks.near_duplicates import calibrate


def _save(img: np.ndarray, path) -> str:
    img = (img - img.min()) / (img.max() - img.min() + 1e-12) * 255
    Image.fromarray(img.astype(np.uint8)).save(path)
    return str(path)


def _table(tmp_path, *, alike: bool, leak: bool) -> pd.DataFrame:
    """30 families × 4 variants, families in train or test. ``alike``: every family's base
    is one shared image plus a little noise (distinct images that hash alike); otherwise
    each family has its own base. ``leak``: a variant of family 0 sits, under another
    family's id, in test (a duplicate the grouping missed)."""
    rng = np.random.default_rng(0)
    shared = ndimage.gaussian_filter(rng.random((48, 48)), 4)
    rows = []
    for f in range(30):
        base = shared if alike else ndimage.gaussian_filter(rng.random((48, 48)), 4)
        base = base + (rng.normal(0, 0.02 * base.std(), base.shape) if alike else 0)
        for v in range(4):
            img = base + rng.normal(0, 0.03 * base.std(), base.shape)
            rows.append(
                {
                    "path": _save(img, tmp_path / f"f{f}v{v}.png"),
                    "fam": f"f{f}",
                    "y": ["a", "b"][f % 2],
                    "split": "train" if f < 20 else "test",
                }
            )
    if leak:
        first = np.asarray(Image.open(rows[0]["path"]), dtype=float)
        rows.append(
            {
                "path": _save(first + rng.normal(0, 2, first.shape), tmp_path / "leak.png"),
                "fam": "f29",
                "y": "a",
                "split": "test",
            }
        )
    return pd.DataFrame(rows)


def test_distinct_images_that_hash_alike_are_not_called_duplicates(tmp_path):
    near = profile(
        _table(tmp_path, alike=True, leak=False), label="y", image_column="path", group_column="fam"
    )["near_duplicates"]
    assert near.severity == "info" and near.summary["pairs_across_groups"] == 0
    assert "cannot tell this project's image families apart" in near.message
    assert near.flags is None or not np.asarray(near.flags).any()
    assert near.summary["calibration"][-1]["precision"] < 0.95


def test_a_duplicate_the_grouping_missed_is_found_with_its_measured_precision(tmp_path):
    near = profile(
        _table(tmp_path, alike=False, leak=True), label="y", image_column="path", group_column="fam"
    )["near_duplicates"]
    assert near.severity == "error" and near.summary["pairs_across_groups"] >= 1
    assert "precision" in near.message and "fam families" in near.message
    pair = next(e for e in near.evidence if "across" in e["kind"])
    assert sorted(pair["groups"]) == ["test", "train"]
    # without the leak: variants of one family are expected, nothing is flagged
    clean = profile(
        _table(tmp_path, alike=False, leak=False),
        label="y",
        image_column="path",
        group_column="fam",
    )["near_duplicates"]
    assert clean.severity == "info" and clean.summary["pairs"] == 0


def test_calibrate_picks_the_largest_precise_distance():
    d = np.array([0] * 20 + [3] * 20 + [5] * 20)
    same = np.array([True] * 20 + [True] * 19 + [False] + [False] * 20)
    chosen, table = calibrate(d, same, 6)
    assert chosen == 4 and table[3]["precision"] == 39 / 40 and table[5]["precision"] == 39 / 60
    assert calibrate(d, np.zeros(60, bool), 6)[0] is None
