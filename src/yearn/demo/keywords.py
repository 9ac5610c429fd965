"""The synthetic keyword demo (no download): short clips of four "keywords" built from
tones and chirps — ``up`` (rising chirp), ``down`` (falling chirp), ``beep`` (two tone
bursts), ``hum`` (a low tone with vibrato) — with a ``clean`` train source (studio) and a
``car`` target source (other clips under engine noise at −20 to −10 dB SNR), plus two noise
banks for ``yearn synthesize``: ``noise/one`` (a single car clip) and ``noise/varied``
(many car clips, none of them used in the target).

>>> from yearn.demo.keywords import make_keyword_demo   # doctest: +SKIP
>>> make_keyword_demo("keywords")                         # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from yearn.errors import ConfigError

__all__ = ["KEYWORDS", "SAMPLE_RATE", "car_noise", "keyword_clip", "make_keyword_demo"]

SAMPLE_RATE = 8000
KEYWORDS = ("up", "down", "beep", "hum")
TARGET_SNR = (-20.0, -10.0)  # dB: the car source is loud
#: the split: no car clips in train (the model meets the car only in train-dev-less dev/test)
KEYWORD_SPLIT = {"dev": 0.4, "test": 0.4, "target_to_train": 0.0, "train_dev": 0.2}


def keyword_clip(word: str, rng: np.random.Generator, seconds: float = 0.5) -> np.ndarray:
    """One clip of ``word`` with a random pitch, speed, loudness and a little room noise."""
    n = int(SAMPLE_RATE * seconds * rng.uniform(0.85, 1.15))
    t = np.arange(n) / SAMPLE_RATE
    f0 = rng.uniform(0.8, 1.25)
    if word == "up":
        freq = f0 * (400 + 1200 * t / t[-1])
    elif word == "down":
        freq = f0 * (1600 - 1200 * t / t[-1])
    elif word == "beep":
        freq = np.full(n, f0 * 900.0)
    else:
        freq = f0 * (220 + 15 * np.sin(2 * np.pi * 6 * t))
    wave = np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE)
    envelope = np.sin(np.pi * t / t[-1]) ** 2
    if word == "beep":
        envelope *= ((t / t[-1]) % 0.5 < 0.3).astype(float)
    wave = rng.uniform(0.3, 0.8) * envelope * wave
    return wave + 0.003 * rng.standard_normal(n)


def car_noise(rng: np.random.Generator, seconds: float = 2.0) -> np.ndarray:
    """Engine noise: coloured noise plus twelve harmonics of a random engine speed."""
    from scipy.signal import lfilter

    n = int(SAMPLE_RATE * seconds)
    t = np.arange(n) / SAMPLE_RATE
    rumble = lfilter([1.0], [1.0, -rng.uniform(0.5, 0.9)], rng.standard_normal(n))
    rumble /= np.std(rumble) + 1e-12
    rpm = rng.uniform(40, 120)
    engine = sum(
        np.sin(2 * np.pi * rpm * k * t + rng.uniform(0, 6.3)) * rng.uniform(0.2, 1.0) / k**0.5
        for k in range(1, 13)
    )
    return rumble + rng.uniform(0.5, 1.5) * engine


def _write(path: Path, wave: np.ndarray) -> None:
    import soundfile

    path.parent.mkdir(parents=True, exist_ok=True)
    peak = max(1.0, float(np.max(np.abs(wave))))
    soundfile.write(str(path), (wave / peak).astype(np.float32), SAMPLE_RATE)


def make_keyword_demo(
    directory: str | Path,
    *,
    per_class: int = 80,
    target_per_class: int = 100,
    varied_noise: int = 40,
    random_state: int = 0,
) -> Path:
    """Write the keyword project into an empty ``directory`` and return it."""
    from yearn.mismatch import mix_at_snr
    from yearn.scaffold import write_project_file

    root = Path(directory)
    if root.exists() and any(root.iterdir()):
        raise ConfigError(f"{root}: folder is not empty; choose a new folder for the demo.")
    rng = np.random.default_rng(random_state)
    for word in KEYWORDS:
        for i in range(per_class):
            _write(root / "data" / "clean" / word / f"{word}{i:03d}.wav", keyword_clip(word, rng))
        for i in range(target_per_class):
            snr = rng.uniform(*TARGET_SNR)
            clip = mix_at_snr(keyword_clip(word, rng), car_noise(rng), snr, rng)
            _write(root / "data" / "car" / word / f"car-{word}{i:03d}.wav", clip)
    _write(root / "noise" / "one" / "car000.wav", car_noise(rng))
    for i in range(varied_noise):
        _write(root / "noise" / "varied" / f"car{i:03d}.wav", car_noise(rng))
    write_project_file(
        root,
        name="keyword-demo",
        task="multiclass",
        label="label",
        id_column="clip",
        group_column="group",
        sources=[
            {"name": "clean", "path": "data/clean", "role": "train", "format": "wav_folder"},
            {"name": "car", "path": "data/car", "role": "target", "format": "wav_folder"},
        ],
        metric="error",
        split=KEYWORD_SPLIT,
    )
    return root
