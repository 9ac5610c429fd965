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

from yearn._io import atomic_write_json
from yearn._validation import check_positive_int
from yearn.errors import ConfigError, DataError
from yearn.mismatch._coverage import MAX_REUSE, Coverage, coverage_check
from yearn.mismatch._fit import MATCHED_STATS, fit_quality, match_candidates, measure_arrays
from yearn.mismatch._ops import apply_ops, check_ops, draw_params
from yearn.mismatch._tables import TABLE_OPS, check_table_ops, distort_table
from yearn.mismatch._write import add_source_entry, check_new_source, write_source_folder
from yearn.paths import ProjectPaths

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
    kind: str = "images"  # or "rows" (a table)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["coverage"] = self.coverage.to_dict()
        return out

    def _repr_html_(self) -> str:
        from markupsafe import Markup

        from yearn.display import html_table

        head = Markup(
            "<p>{} synthetic " + self.kind + " in source <code>{}</code> ({}), fitted on {}.</p>"
        )
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


@dataclass
class _Plan:
    """What both kinds of synthesis read: the project, rows to copy and rows to match."""

    config: Any
    dataset: Any
    store_url: str | None
    originals: np.ndarray  # rows of train sources in the train split
    fit_rows: np.ndarray  # rows of the ``like`` source to match
    fitted_on: str
    notes: list[str]
    folder: Path
    rng: np.random.Generator


def _is_synthetic(path: Path) -> bool:
    """A source written by ``synthesize`` (its folder holds ``provenance.csv``)."""
    folder = path if path.is_dir() else path.parent
    return (folder / PROVENANCE).is_file()


def _plan(project, like: str, name: str, write: bool, random_state: int, what: str) -> _Plan:
    from yearn.project import Project

    proj = Project(project)
    config = proj.config
    if config.group_column is None:
        raise ConfigError(
            f"{config.path}: synthetic {what} must stay in their original's group (no leak "
            "across splits); set project.group_column (e.g. one id per original)."
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
    made = [s.name for s in config.sources if _is_synthetic(Path(s.path))]
    copies = np.isin(sources, made)  # earlier synthetic sources are not copied again
    originals = np.flatnonzero((roles == "train") & (split == "train") & ~like_mask & ~copies)
    if originals.size == 0:
        raise DataError("no rows of a train source in the train split to copy; run `yearn split`.")
    rng = np.random.default_rng(random_state)
    notes: list[str] = []
    fit_rows = np.flatnonzero(like_mask & np.isin(split, ["train", "train_dev"]))
    fitted_on = f"{fit_rows.size} {like} {what} outside dev/test"
    if fit_rows.size < MIN_FIT_ROWS:
        fit_rows = np.flatnonzero(like_mask)
        fitted_on = f"{fit_rows.size} {like} {what} (dev/test included: too few elsewhere)"
        notes.append(
            "the distortions were fitted on dev/test rows too (fewer than "
            f"{MIN_FIT_ROWS} target rows outside them): dev error after is slightly optimistic."
        )
    fit_rows = rng.permutation(fit_rows)[:MAX_TARGET]
    return _Plan(
        config, dataset, proj.store_url, originals, fit_rows, fitted_on, notes, folder, rng
    )


def synthesize(
    project: str | Path = ".",
    *,
    like: str = "target",
    ops: Sequence[str] | None = None,
    n: int | None = None,
    name: str = "synthetic",
    columns: Sequence[str] | None = None,
    pool: int = 4,
    max_reuse: int = MAX_REUSE,
    random_state: int = 0,
    write: bool = True,
    noise_folder: str | Path | None = None,
    snrs: Sequence[float] = (0.0, 5.0, 10.0),
) -> SynthesisResult:
    """Copies of training rows (train sources, ``train`` split) made to look like the
    ``like`` source (``target``: the target source).

    Images: ``ops`` (default blur, contrast, brightness, noise; also rotate, jpeg) with
    parameters fitted so the image statistics (brightness, contrast, sharpness, noise;
    rotation with ``rotate``) match the target's — ``pool`` × ``n`` candidates are drawn
    from a broad prior and the closest to each target image kept. Tables: ``ops`` missing
    and/or noise on ``columns`` (default: every feature column), missing values matched to
    the target's missing rate, noise sized to match each column's spread.

    Writes ``data/<name>/`` (``manifest.csv`` with the other sources' columns and each
    original's group, image files, ``provenance.csv``: id, original_id, ops, params), adds
    the source to ``yearn.toml`` and grows the split manifest (each copy lands in its
    original's split). The coverage check warns when few originals are repeated over many
    copies. ``write=False`` fits and checks without writing.

    Audio (train sources that are WAV folders): each clean clip of the train split is mixed
    with a clip of ``noise_folder`` at an SNR drawn from ``snrs`` (dB) and written as a WAV
    folder source; the coverage check counts the noise clips and seconds."""
    check_positive_int("pool", pool)
    config = _project_config(project)
    if any(src.format == "wav_folder" for src in config.train_sources):
        return _audio(project, like, name, noise_folder, snrs, random_state, max_reuse, write)
    image = config.image_column is not None
    what = "images" if image else "rows"
    ops = check_ops(ops or DEFAULT_OPS) if image else check_table_ops(ops or TABLE_OPS)
    plan = _plan(project, like, name, write, random_state, what)
    n = plan.originals.size if n is None else check_positive_int("n", n)
    if image:
        result, fill = _images(plan, ops, n, name, pool, max_reuse)
    else:
        result, fill = _table(plan, ops, n, name, columns, max_reuse)
    if result.coverage.warning:
        log.warning("%s", result.coverage.warning)
    if not write:
        return result
    write_source_folder(plan.folder, fill)
    add_source_entry(plan.config, name, f"data/{name}/manifest.csv")
    return _grow(plan.config, plan.store_url, name, result)


def _grow(plan_config, store_url, name: str, result: SynthesisResult) -> SynthesisResult:
    from yearn.splits import split_project

    saved = split_project(plan_config.root, store_url=store_url)
    table = saved.manifest.table
    placed = table[table["source"].astype(str) == name]["split"].astype(str).value_counts()
    result.splits = {str(k): int(v) for k, v in placed.items()}
    record = ProjectPaths(plan_config.root).mismatch / f"synthesize-{name}.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(record, result.to_dict())
    return result


def _audio(project, like, name, noise_folder, snrs, random_state, max_reuse, write):
    from yearn.mismatch._audio import mix_noise_folder

    if noise_folder is None:
        raise ConfigError(
            "audio: give the noise to mix in with --noise-folder DIR (sound files of the "
            "target's conditions, e.g. car noise) and --snr 0,5,10."
        )
    plan = _plan(project, like, name, write, random_state, "clips")
    frame, by_name = plan.dataset.frame, {s.name: s for s in plan.config.sources}
    clips = frame["clip"].astype(str).to_numpy()
    srcs = frame["source"].astype(str).to_numpy()
    label = plan.config.label_columns[0]
    clean = [
        (Path(by_name[srcs[r]].path) / clips[r].split("/", 1)[1], str(frame[label].iloc[r]))
        for r in plan.originals
    ]
    mix = mix_noise_folder(
        clean,
        noise_folder,
        plan.folder,
        snrs=snrs,
        random_state=random_state,
        max_reuse=max_reuse,
        check_only=not write,
    )
    if mix.coverage.warning:
        log.warning("%s", mix.coverage.warning)
    result = SynthesisResult(
        name,
        str(plan.folder),
        mix.n_clips,
        ("noise-mix",),
        f"noise clips of {noise_folder} (SNRs as given)",
        [],
        mix.coverage,
        {"snr_db": {"choices": list(map(float, snrs))}},
        {},
        plan.notes,
        "clips",
    )
    if not write:
        return result
    add_source_entry(plan.config, name, f"data/{name}", fmt="wav_folder")
    return _grow(plan.config, plan.store_url, name, result)


def _project_config(project):
    from yearn.project import Project

    return Project(project).config


def _quantiles(values: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    return {
        op: {
            q: round(float(np.quantile(v, p)), 4)
            for q, p in (("p10", 0.1), ("median", 0.5), ("p90", 0.9))
        }
        for op, v in values.items()
    }


def _images(plan: _Plan, ops, n, name, pool, max_reuse):
    from yearn.profile import image_features

    config, rng, originals = plan.config, plan.rng, plan.originals
    paths = plan.dataset.frame[config.image_column].to_numpy(dtype=object)
    target = image_features(list(paths[plan.fit_rows]))
    stats = MATCHED_STATS + (("rotation",) if "rotate" in ops else ())
    images, grey = _read_images(list(paths[originals]))
    n_cand = pool * n
    which = rng.integers(0, originals.size, n_cand)
    params = draw_params(ops, n_cand, min(images.shape[1:3]), rng)
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
    fitted = _quantiles({op: params[op][chosen] for op in ops})
    result = SynthesisResult(
        name, str(plan.folder), n, ops, plan.fitted_on, quality, coverage, fitted, {}, plan.notes
    )
    rows = originals[which[chosen]]
    ids = [f"{name}-{i:05d}" for i in range(n)]
    chosen_params = {op: params[op][chosen] for op in ops}

    def fill(tmp: Path) -> None:
        from PIL import Image

        (tmp / "images").mkdir()
        for i, k in enumerate(chosen):
            img = _candidate(images[which[k]], ops, params, int(k), seed)
            pixels = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
            Image.fromarray(pixels).convert("L" if grey else "RGB").save(
                tmp / "images" / f"{ids[i]}.png"
            )
        frame = plan.dataset.frame.iloc[rows].reset_index(drop=True).copy()
        frame[config.image_column] = [f"images/{i}.png" for i in ids]
        _tables(tmp, name, plan, rows, frame, ids, ops, chosen_params)

    return result, fill


def _table(plan: _Plan, ops, n, name, columns, max_reuse):
    rng, originals, frame = plan.rng, plan.originals, plan.dataset.frame
    columns = list(columns or plan.dataset.feature_columns)
    absent = [c for c in columns if c not in frame]
    if absent or not columns:
        raise ConfigError(
            (
                f"--columns: {absent[0]!r} is not a column of the project"
                if absent
                else "no feature columns to distort"
            )
            + f"; choose from {', '.join(map(str, plan.dataset.feature_columns))}."
        )
    rows = originals[rng.choice(originals.size, n, replace=n > originals.size)]
    copies = frame.iloc[rows].reset_index(drop=True)
    out, quality, sigmas, added = distort_table(
        copies,
        frame.iloc[plan.fit_rows],
        frame.iloc[originals],
        ops=ops,
        columns=columns,
        rng=rng,
        random_state=int(rng.integers(2**31)),
    )
    coverage = coverage_check(
        int(np.unique(rows).size), n, what="original row", max_reuse=max_reuse
    )
    result = SynthesisResult(
        name,
        str(plan.folder),
        n,
        tuple(ops),
        plan.fitted_on,
        quality,
        coverage,
        {c: {"noise_sigma": s} for c, s in sigmas.items()},
        {},
        plan.notes,
        "rows",
    )
    ids = [f"{name}-{i:05d}" for i in range(n)]
    changed = {
        c: np.where(copies[c].isna() & out[c].isna(), np.nan, out[c].isna().astype(float))
        for c in columns
        if "missing" in ops
    }

    def fill(tmp: Path) -> None:
        _tables(
            tmp,
            name,
            plan,
            rows,
            out,
            ids,
            ops,
            {
                **{f"blanked:{c}": v for c, v in changed.items()},
                **{f"noise:{c}": v for c, v in added.items()},
            },
        )

    return result, fill


def _tables(tmp, name, plan: _Plan, rows, frame, ids, ops, params) -> None:
    """``manifest.csv`` (the other sources' columns; the original's label, group and
    metadata) and ``provenance.csv`` (original id, ops and per-copy parameters)."""
    from yearn.data import read_table

    config, dataset = plan.config, plan.dataset
    first = next(s for s in config.train_sources if s.name == str(frame["source"].iloc[0]))
    columns = list(read_table(first.path).columns)
    out = pd.DataFrame({c: frame.get(c, np.nan) for c in columns})
    if config.id_column:
        out[config.id_column] = ids
    if "source" in out:
        out["source"] = name
    out.to_csv(tmp / "manifest.csv", index=False)
    prov = pd.DataFrame({"id": ids, "original_id": np.asarray(dataset.ids)[rows].astype(str)})
    prov["original_source"] = dataset.frame["source"].iloc[rows].astype(str).to_numpy()
    prov["ops"] = ",".join(ops)
    for key, values in params.items():
        prov[key] = np.round(np.asarray(values, dtype=float), 4)
    prov["params"] = [
        json.dumps(
            {k: None if np.isnan(v[i]) else round(float(v[i]), 4) for k, v in params.items()}
        )
        for i in range(len(ids))
    ]
    prov.to_csv(tmp / PROVENANCE, index=False)
