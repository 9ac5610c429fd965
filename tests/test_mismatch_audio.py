"""Audio: WAV folders as log-mel features, noise mixed at an SNR, the keyword demo and
``yearn synthesize --noise-folder`` with the coverage check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from yearn.cli import app
from yearn.data.audio import log_mel
from yearn.demo.keywords import SAMPLE_RATE, keyword_clip, make_keyword_demo
from yearn.errors import ConfigError, DataError
from yearn.mismatch import mix_at_snr, synthesize
from yearn.project import Project
from yearn.splits import split_project


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = make_keyword_demo(
        tmp_path_factory.mktemp("kw") / "kw", per_class=8, target_per_class=6, varied_noise=6
    )
    split_project(root, record=False)
    return root


def test_mix_hits_the_snr():
    rng = np.random.default_rng(0)
    clean = keyword_clip("up", rng)
    noise = rng.standard_normal(1000)  # shorter than the clip: looped
    mixed = mix_at_snr(clean, noise, 5.0, rng)
    snr = 10 * np.log10(np.mean(clean**2) / np.mean((mixed - clean) ** 2))
    assert abs(snr - 5.0) < 1e-6
    with pytest.raises(DataError, match="silent"):
        mix_at_snr(clean, np.zeros(10), 5.0, rng)


def test_log_mel_separates_rising_from_falling():
    rng = np.random.default_rng(1)
    up, down = (log_mel(keyword_clip(w, rng), SAMPLE_RATE) for w in ("up", "down"))
    assert up.shape == down.shape == (24, 12)
    # a rising chirp ends higher than it starts; a falling one the other way
    top = lambda m: np.argmax(m, axis=0)  # noqa: E731
    assert top(up)[-2] > top(up)[1] and top(down)[-2] < top(down)[1]


def test_wav_folder_loads_as_features(demo):
    ds = Project(demo).dataset
    assert len(ds.frame) == 4 * 8 + 4 * 6 and len(ds.feature_columns) == 24 * 12
    assert ds.frame["clip"].iloc[0].startswith("car/") or ds.frame["clip"].iloc[0].startswith(
        "clean/"
    )


def test_synthesize_noise_one_clip_warns_varied_silent(demo):
    one = synthesize(demo, noise_folder=demo / "noise" / "one", name="car-one", max_reuse=5)
    assert (
        one.kind == "clips"
        and one.coverage.warning
        and "1 distinct noise clip" in (one.coverage.warning)
    )
    assert one.splits == {"train": one.n}
    prov = pd.read_csv(demo / "data" / "car-one" / "provenance.csv")
    assert set(prov["noise"]) == {"car000.wav"} and set(prov["snr_db"]) <= {0.0, 5.0, 10.0}
    varied = synthesize(
        demo, noise_folder=demo / "noise" / "varied", name="v", max_reuse=5, write=False
    )
    assert varied.n == one.n  # the first synthetic source is not copied again
    assert varied.coverage.warning is None
    with pytest.raises(ConfigError, match="--noise-folder"):
        synthesize(demo, name="x")


def test_cli_noise_folder(demo):
    out = CliRunner().invoke(
        app,
        [
            "synthesize",
            "--project",
            str(demo),
            "--noise-folder",
            str(demo / "noise" / "varied"),
            "--snr",
            "5",
            "--name",
            "car-v",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "noise clips over" in out.output
