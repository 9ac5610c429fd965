"""Hand-designed features of yearn.e2e: image descriptors and the features contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from yearn.e2e import apply_features, image_descriptors, load_features_function
from yearn.errors import ConfigError, DataError


def test_descriptors_see_shape_not_brightness_or_contrast():
    rng = np.random.default_rng(0)
    images = rng.random((5, 1, 16, 16))
    f = image_descriptors(images)
    assert f.shape == (5, 16 * 9 + 32 + 32) and np.isfinite(f).all()
    dimmer = image_descriptors(0.5 * images + 0.2)  # contrast halved, brightness moved
    np.testing.assert_allclose(f, dimmer, atol=3e-3)  # 1e-3 of the span: a quarter grey level
    other = image_descriptors(rng.random((5, 1, 16, 16)))
    assert np.abs(f - other).max() > 0.1  # different images, different descriptors
    with pytest.raises(DataError, match="smaller than one 4x4 cell"):
        image_descriptors(np.zeros((1, 1, 3, 3)))


def test_features_contract_errors_name_the_fix(tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    with pytest.raises(ConfigError, match=r"FILE\.py:FUNCTION"):
        load_features_function("no_colon_here")
    with pytest.raises(ConfigError, match="cannot be imported"):
        load_features_function("no_such_module_xyz:make")
    broken = tmp_path / "broken.py"
    broken.write_text("def make_features(frame):\n    return 1 / 0\n")
    with pytest.raises(DataError, match="ZeroDivisionError"):
        apply_features(load_features_function(f"{broken}:make_features"), frame)
    text = tmp_path / "text.py"
    text.write_text("def make_features(frame):\n    return frame.assign(b='x')\n")
    with pytest.raises(DataError, match="non-numeric column"):
        apply_features(load_features_function(f"{text}:make_features"), frame)
    nan = tmp_path / "nan.py"
    nan.write_text("def make_features(frame):\n    return frame / frame.where(frame > 1)\n")
    with pytest.raises(DataError, match="example 'r1'"):
        apply_features(load_features_function(f"{nan}:make_features"), frame, ["r1", "r2", "r3"])
    ok = apply_features(lambda f: f["a"] * 2, frame)
    assert ok.shape == (3, 1) and ok[2, 0] == 6.0


def test_background_is_taken_out_whatever_its_level_and_polarity():
    """A digit-like stroke on a raised, noisy background, or dark on light paper, gives the
    descriptors of the clean image; ``background="keep"`` keeps the difference."""
    from yearn.e2e import subtract_background

    clean = np.zeros((1, 16, 16))
    clean[0, 3:13, 7:9] = 1.0  # a vertical stroke
    clean[0, 3:5, 5:11] = 1.0
    noise = np.random.default_rng(1).normal(0, 0.03, clean.shape)
    photo = 0.2 + 0.5 * clean + noise  # raised background, low contrast, sensor noise
    paper = 1.0 - clean  # dark ink on white
    out = subtract_background(photo)
    assert out.min() == 0.0 and out.max() == 1.0
    assert np.abs(out - clean).mean() < 0.03  # the noise below the median is cut
    np.testing.assert_allclose(subtract_background(paper), clean, atol=1e-3)
    f = image_descriptors(clean[:, None])
    assert np.abs(image_descriptors(paper[:, None]) - f).max() < 1e-2
    kept = image_descriptors(photo[:, None], background="keep")
    cut = image_descriptors(photo[:, None])
    assert np.abs(cut - f).mean() < 0.8 * np.abs(kept - f).mean()  # measured: 0.70
    with pytest.raises(ValueError, match="background"):
        image_descriptors(clean[:, None], background="blur")
