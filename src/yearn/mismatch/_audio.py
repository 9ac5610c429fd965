"""Audio: noise clips from a noise folder mixed into clean clips at chosen signal-to-noise
ratios, written as a WAV folder (``<label>/<clip>__<noise>_snr<k>.wav``: each copy keeps its
original's group), with the coverage check on the noise bank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import DataError
from yearn.mismatch._coverage import MAX_REUSE, Coverage, coverage_check

__all__ = ["AudioMix", "mix_at_snr", "mix_noise_folder"]


def mix_at_snr(
    clean: np.ndarray, noise: np.ndarray, snr_db: float, rng: np.random.Generator
) -> np.ndarray:
    """``clean`` plus a random stretch of ``noise`` (looped when shorter) scaled so that
    10·log10(clean power / noise power) = ``snr_db``."""
    clean = np.asarray(clean, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    if noise.size == 0 or not np.any(noise):
        raise DataError("a noise clip is empty or silent; remove it from the noise folder.")
    reps = -(-clean.size // noise.size) + 1
    start = int(rng.integers(0, noise.size))
    seg = np.tile(noise, reps)[start : start + clean.size]
    p_clean, p_noise = np.mean(clean**2), np.mean(seg**2)
    scale = np.sqrt(p_clean / (p_noise * 10 ** (snr_db / 10))) if p_clean > 0 else 0.0
    return clean + scale * seg


@dataclass
class AudioMix:
    """What ``mix_noise_folder`` wrote."""

    folder: str
    n_clips: int
    n_noise: int
    snrs: tuple[float, ...]
    coverage: Coverage

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["coverage"] = self.coverage.to_dict()
        return out


def _sound_files(folder: Path) -> list[Path]:
    from yearn.data.audio import AUDIO_SUFFIXES

    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in AUDIO_SUFFIXES and not p.name.startswith(".")
    )


def mix_noise_folder(
    clean: Sequence[tuple[Path, str]],
    noise_folder: str | Path,
    out: str | Path,
    *,
    snrs: Sequence[float] = (0.0, 5.0, 10.0),
    random_state: int = 0,
    max_reuse: int = MAX_REUSE,
    check_only: bool = False,
) -> AudioMix:
    """Mix each ``(clean file, label)`` with a noise clip of ``noise_folder`` (the bank
    cycled in a shuffled order) at an SNR drawn from ``snrs``; write ``out/<label>/...``
    and ``out/provenance.csv``. The coverage check counts the noise clips (and seconds)
    against the clean clips (and seconds) before anything is written."""
    import soundfile

    from yearn.data.audio import read_audio
    from yearn.mismatch._write import write_source_folder

    bank = _sound_files(Path(noise_folder))
    if not bank:
        raise DataError(f"{noise_folder}: no sound files (.wav, .flac, .ogg) in the noise folder.")
    noises = [read_audio(p) for p in bank]
    waves = [(read_audio(p), label, p) for p, label in clean]
    coverage = coverage_check(
        len(bank),
        len(waves),
        what="noise clip",
        max_reuse=max_reuse,
        source_amount=round(sum(w.size / r for w, r in noises), 2),
        clean_amount=round(sum(w.size / r for (w, r), _, _ in waves), 2),
        unit=" s",
    )
    result = AudioMix(str(out), len(waves), len(bank), tuple(snrs), coverage)
    if check_only:
        return result
    rng = np.random.default_rng(random_state)
    order = np.concatenate([rng.permutation(len(bank)) for _ in range(-(-len(waves) // len(bank)))])

    def fill(tmp: Path) -> None:
        rows = []
        for i, ((wave, rate), label, path) in enumerate(waves):
            k = int(order[i])
            snr = float(snrs[int(rng.integers(len(snrs)))])
            mixed = mix_at_snr(wave, noises[k][0], snr, rng)
            peak = max(1.0, float(np.max(np.abs(mixed))))
            name = f"{path.stem}__{bank[k].stem}_snr{snr:g}.wav"
            (tmp / label).mkdir(exist_ok=True)
            soundfile.write(str(tmp / label / name), (mixed / peak).astype(np.float32), rate)
            rows.append(
                {
                    "clip": f"{label}/{name}",
                    "original": str(path),
                    "noise": bank[k].name,
                    "snr_db": snr,
                }
            )
        pd.DataFrame(rows).to_csv(tmp / "provenance.csv", index=False)

    write_source_folder(Path(out), fill)
    return result
