"""WAV folders (``folder/<label>/<clip>.wav``) as tables of log-mel features: one row
per clip with ``clip`` (its path under the folder; a project prefixes the source's name),
``group`` (the clip's name before ``__``, so mixed copies share their original's group),
the label and ``mel_<band>_<frame>`` columns. Read with soundfile; the spectrogram is
computed with torch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from yearn.errors import DataError

__all__ = ["AUDIO_SUFFIXES", "N_FRAMES", "N_MELS", "log_mel", "read_audio", "read_wav_folder"]

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
N_MELS = 24
N_FRAMES = 12
GROUP_SEPARATOR = "__"


def _mel_filters(n_mels: int, n_fft: int, sample_rate: int) -> np.ndarray:
    """Triangular filters on the mel scale (HTK), shape ``(n_mels, n_fft // 2 + 1)``."""

    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(0.0), mel(sample_rate / 2), n_mels + 2))
    freqs = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    low, mid, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs - low) / np.maximum(mid - low, 1e-9)
    down = (high - freqs) / np.maximum(high - mid, 1e-9)
    return np.clip(np.minimum(up, down), 0.0, None)


def log_mel(
    wave: np.ndarray,
    sample_rate: int,
    *,
    n_mels: int = N_MELS,
    n_frames: int = N_FRAMES,
    n_fft: int = 512,
) -> np.ndarray:
    """``(n_mels, n_frames)`` log mel energies of a mono waveform: a Hann-windowed STFT
    (torch), mel filters, log(1e-6 + energy), frames averaged down to ``n_frames``."""
    import torch

    x = torch.as_tensor(np.asarray(wave, dtype=np.float32))
    if x.numel() < n_fft:
        x = torch.nn.functional.pad(x, (0, n_fft - x.numel()))
    spec = torch.stft(
        x, n_fft, hop_length=n_fft // 4, window=torch.hann_window(n_fft), return_complex=True
    )
    power = spec.abs() ** 2  # (freq, time)
    filters = torch.as_tensor(_mel_filters(n_mels, n_fft, sample_rate), dtype=torch.float32)
    mel = torch.log(1e-6 + filters @ power)
    pooled = torch.nn.functional.adaptive_avg_pool1d(mel[None], n_frames)[0]
    return pooled.numpy().astype(np.float64)


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """(mono float waveform, sample rate) of a sound file; DataError naming it if unreadable."""
    import soundfile

    try:
        wave, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError) as exc:
        raise DataError(f"{path}: not a readable sound file ({exc}); re-export it as WAV.") from exc
    return wave.mean(axis=1), int(rate)


def read_wav_folder(
    path: str | Path, *, label_column: str = "label", n_mels: int = N_MELS, n_frames: int = N_FRAMES
) -> pd.DataFrame:
    """Index ``folder/<label>/<clip>.wav`` into a table of log-mel features (see module)."""
    root = Path(path)
    if not root.is_dir():
        raise DataError(f"{root}: audio folder not found; check the source's path.")
    rows, feats = [], []
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for file in sorted(class_dir.iterdir()):
            if file.name.startswith(".") or file.suffix.lower() not in AUDIO_SUFFIXES:
                continue
            wave, rate = read_audio(file)
            feats.append(log_mel(wave, rate, n_mels=n_mels, n_frames=n_frames).ravel())
            rel = f"{class_dir.name}/{file.name}"
            rows.append((rel, file.stem.split(GROUP_SEPARATOR)[0], class_dir.name))
    if not rows:
        raise DataError(
            f"{root}: no sound files found; an audio folder holds one sub-folder per class "
            f"with files in it ({', '.join(AUDIO_SUFFIXES)}), e.g. {root}/yes/clip1.wav."
        )
    names = [f"mel_{b:02d}_{t:02d}" for b in range(n_mels) for t in range(n_frames)]
    frame = pd.DataFrame(np.vstack(feats), columns=names)
    meta = pd.DataFrame(rows, columns=["clip", "group", label_column])
    return pd.concat([meta, frame], axis=1)
