"""``synthesize``: a new train source made from training images distorted so that their
measured statistics match the target's (parameters fitted, not guessed)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_positive_int
from yearn.errors import ConfigError, DataError
from yearn.mismatch._coverage import MAX_REUSE, Coverage, coverage_check
from yearn.mismatch._fit import MATCHED_STATS, fit_quality, match_candidates, measure_arrays
from yearn.mismatch._ops import apply_ops, check_ops, draw_params
from yearn.mismatch._write import add_source_entry, check_new_source, write_source_folder

__all__ = ["DEFAULT_OPS", "SynthesisResult", "synthesize"]

log = logging.getLogger(__name__)
DEFAULT_OPS = ("blur", "contrast", "brightness", "noise")
MIN_FIT_ROWS = 50  # target images outside dev/test needed to fit on them alone
MAX_TARGET = 2000  # target images measured
PROVENANCE = "provenance.csv"


@dataclass
class SynthesisResult:
    """What ``synthesize`` wrote and how well it matches the target."""

    name: str
    folder: str
    n: int
    ops: tuple[str, ...]
    fitted_on: str
    fit: list[dict[str, Any]]
    coverage: Coverage
    params: dict[str, dict[str, float]]  # per op: quantiles of the fitted values
    splits: dict[str, int]  # where the synthetic rows landed
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["coverage"] = self.coverage.to_dict()
        return out

    def _repr_html_(self) -> str:
        from markupsafe import Markup

        from yearn.display import html_table

        head = Markup("<p>{} synthetic images in source <code>{}</code> ({}), fitted on {}.</p>")
        parts = [head.format(self.n, self.name, ", ".join(self.ops), self.fitted_on)]
        parts.append(html_table(self.fit, caption="KS distance to the target, before / after"))
        if self.coverage.warning:
            parts.append(Markup("<p><b>coverage:</b> {}</p>").format(self.coverage.warning))
        return str(Markup("").join(parts))


def _read_images(paths: Sequence[str]) -> tuple[np.ndarray, bool]:
    from PIL import Image

    from yearn.data import load_images

    with Image.open(paths[0]) as im:
        grey = im.mode in ("L", "1", "I", "F", "LA")
    arr = load_images(list(paths), grayscale=grey)  # (N, C, H, W) in [0, 1]
    arr = arr[:, 0] if grey else np.transpose(arr, (0, 2, 3, 1))
    return arr.astype(np.float64), grey


def _candidate(img, ops, params, k, seed) -> np.ndarray:
    rng = np.random.default_rng([seed, k])
    return apply_ops(img, {op: float(params[op][k]) for op in ops}, rng)


def synthesize(
    project: str | Path = ".",
    *,
    like: str = "target",
    ops: Sequence[str] = DEFAULT_OPS,
    n: int | None = None,
    name: str = "synthetic",
    pool: int = 4,
    max_reuse: int = MAX_REUSE,
    random_state: int = 0,
    write: bool = True,
) -> SynthesisResult:
    """Distort training images (rows of train sources in the ``train`` split) so that their
    image statistics (brightness, contrast, sharpness, noise; rotation with ``rotate``)
    match those of the ``like`` source (``target``: the target source). ``pool`` × ``n``
    candidates are drawn from a broad prior and the closest to each target image kept.
    Writes ``data/<name>/`` (PNG files, ``manifest.csv`` with the columns of the other
    sources and each original's group, ``provenance.csv``: id, original_id, ops, params),
    adds the source to ``yearn.toml`` and grows the split manifest (each synthetic image
    lands in its original's split). ``write=False`` fits and checks without writing."""
    from yearn.profile import image_features
    from yearn.project import Project

    check_positive_int("pool", pool)
    ops = check_ops(ops)
    proj = Project(project)
    config = proj.config
    if config.image_column is None:
        raise ConfigError(
            f"{config.path}: synthesize distorts images; this project has no image_column."
        )
    if config.group_column is None:
        raise ConfigError(
            f"{config.path}: synthetic images must stay in their original's group (no leak "
            "across splits); set project.group_column (e.g. one id per original photo)."
        )
    folder = check_new_source(config, name) if write else config.root / "data" / name
    dataset = proj.dataset
    manifest = proj.manifest()
    frame = dataset.frame
    split = pd.Series(
        manifest.table["split"].astype(str).to_numpy(), index=manifest.table["id"].astype(str)
    ).reindex(dataset.ids.astype(str))
    split = split.to_numpy(dtype=object)
    roles, sources = frame["role"].astype(str).to_numpy(), frame["source"].astype(str).to_numpy()
    like_mask = roles == "target" if like == "target" else sources == like
    if not like_mask.any():
        raise ConfigError(
            f"--like {like!r}: no such source; give 'target' or one of "
            f"{', '.join(sorted(set(sources)))}."
        )
    originals = np.flatnonzero((roles == "train") & (split == "train") & ~like_mask)
    if originals.size == 0:
        raise DataError(
            "no rows of a train source in the train split to distort; run `yearn split`."
        )
    rng = np.random.default_rng(random_state)
    notes: list[str] = []
    fit_rows = np.flatnonzero(like_mask & np.isin(split, ["train", "train_dev"]))
    fitted_on = f"{fit_rows.size} {like} images outside dev/test"
    if fit_rows.size < MIN_FIT_ROWS:
        fit_rows = np.flatnonzero(like_mask)
        fitted_on = f"{fit_rows.size} {like} images (dev/test included: too few elsewhere)"
        notes.append(
            "the distortions were fitted on dev/test images too (fewer than "
            f"{MIN_FIT_ROWS} target images outside them): dev error after is slightly optimistic."
        )
    fit_rows = rng.permutation(fit_rows)[:MAX_TARGET]
    paths = frame[config.image_column].to_numpy(dtype=object)
    target = image_features(list(paths[fit_rows]))
    n = originals.size if n is None else check_positive_int("n", n)
    stats = MATCHED_STATS + (("rotation",) if "rotate" in ops else ())

    images, grey = _read_images(list(paths[originals]))
    side = min(images.shape[1:3])
    n_cand = pool * n
    which = rng.integers(0, originals.size, n_cand)
    params = draw_params(ops, n_cand, side, rng)
    seed = int(rng.integers(2**31))
    cand = measure_arrays(
        [_candidate(images[which[k]], ops, params, k, seed) for k in range(n_cand)]
    )
    chosen = match_candidates(target, cand, stats, n, rng)
    synthetic = {s: v[chosen] for s, v in cand.items()}
    sample = rng.permutation(originals.size)[:MAX_TARGET]
    original = measure_arrays([images[i] for i in sample])
    quality = fit_quality(target, original, synthetic, stats)
    coverage = coverage_check(
        int(np.unique(which[chosen]).size), n, what="original image", max_reuse=max_reuse
    )
    if coverage.warning:
        log.warning("%s", coverage.warning)
    fitted = {
        op: {
            q: round(float(np.quantile(params[op][chosen], p)), 4)
            for q, p in (("p10", 0.1), ("median", 0.5), ("p90", 0.9))
        }
        for op in ops
    }
    result = SynthesisResult(
        name, str(folder), n, ops, fitted_on, quality, coverage, fitted, {}, notes
    )
    if not write:
        return result

    rows = originals[which[chosen]]
    ids = [f"{name}-{i:05d}" for i in range(n)]

    def fill(tmp: Path) -> None:
        from PIL import Image

        (tmp / "images").mkdir()
        for i, k in enumerate(chosen):
            img = _candidate(images[which[k]], ops, params, int(k), seed)
            pixels = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
            Image.fromarray(pixels, mode="L" if grey else "RGB").save(
                tmp / "images" / f"{ids[i]}.png"
            )
        _tables(tmp, name, config, dataset, rows, ids, ops, params, chosen)

    write_source_folder(folder, fill)
    add_source_entry(config, name, f"data/{name}/manifest.csv")
    from yearn.splits import split_project

    saved = split_project(config.root, store_url=proj.store_url)
    table = saved.manifest.table
    placed = table[table["source"].astype(str) == name]["split"].astype(str).value_counts()
    result.splits = {str(k): int(v) for k, v in placed.items()}
    from yearn._io import atomic_write_json
    from yearn.paths import ProjectPaths

    record = ProjectPaths(config.root).mismatch / f"synthesize-{name}.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(record, result.to_dict())
    return result


def _tables(tmp, name, config, dataset, rows, ids, ops, params, chosen) -> None:
    """``manifest.csv`` (the other sources' columns; the original's label, group and
    metadata) and ``provenance.csv`` (original id, ops and fitted parameters)."""
    from yearn.data import read_table

    frame = dataset.frame.iloc[rows].reset_index(drop=True)
    first = next(s for s in config.train_sources if s.name == str(frame["source"].iloc[0]))
    columns = list(read_table(first.path).columns)
    out = pd.DataFrame({c: frame.get(c, np.nan) for c in columns})
    if config.id_column:
        out[config.id_column] = ids
    out[config.image_column] = [f"images/{i}.png" for i in ids]
    if "source" in out:
        out["source"] = name
    out.to_csv(tmp / "manifest.csv", index=False)
    prov = pd.DataFrame({"id": ids, "original_id": np.asarray(dataset.ids)[rows].astype(str)})
    prov["original_source"] = frame["source"].astype(str).to_numpy()
    prov["ops"] = ",".join(ops)
    for op in ops:
        prov[op] = np.round(params[op][chosen], 4)
    prov["params"] = [
        json.dumps({op: round(float(params[op][k]), 4) for op in ops}) for k in chosen
    ]
    prov.to_csv(tmp / PROVENANCE, index=False)
