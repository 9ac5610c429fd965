"""A small project for the dashboard tests: a store with runs, curves, predictions, images
and an error-analysis worksheet, written through the public APIs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from yearn.erroranalysis import sample_errors
from yearn.predictions import write_predictions
from yearn.store import open_store

CLASSES = ("three", "five", "eight")
_DIGIT = {"three": 3, "five": 5, "eight": 8}


@dataclass
class UIProject:
    root: Path
    run_a: str  # train run with curves, predictions and a worksheet
    run_b: str  # train run with curves only
    run_failed: str  # failed run, no artefacts
    worksheet: Path


def _curve(start: float, end: float, epochs: int, wobble: float, rng) -> list[float]:
    base = np.geomspace(start, end, epochs)
    return list(base + rng.normal(0, wobble, epochs).clip(-wobble, wobble))


def _log_curves(run, epochs: int, scale: float, rng) -> None:
    for split, extra in (("train", 0.0), ("train_dev", 0.04), ("dev", 0.09)):
        losses = _curve(1.1 * scale, 0.2 * scale + extra, epochs, 0.01, rng)
        errors = _curve(0.6 * scale, 0.05 * scale + extra / 2, epochs, 0.005, rng)
        for step, (loss, err) in enumerate(zip(losses, errors, strict=True), start=1):
            run.log_metrics({"loss": loss, "error": err}, split=split, step=step)


def _predictions(root: Path, rng) -> pd.DataFrame:
    from sklearn.datasets import load_digits

    (root / "images").mkdir(parents=True, exist_ok=True)
    bunch = load_digits()
    grey = (255 - bunch.images * 255 / 16).astype(np.uint8)  # dark digit on white
    digits = {d: grey[bunch.target == d] for d in _DIGIT.values()}
    rows = []
    for split, n, acc in (("train", 60, 0.9), ("train_dev", 30, 0.8), ("dev", 40, 0.7)):
        for i in range(n):
            label = CLASSES[i % 3]
            right = rng.random() < acc
            pred = label if right else CLASSES[(i + 1) % 3]
            p_pred = float(rng.uniform(0.4, 0.95))
            rest = (1 - p_pred) / 2
            proba = {f"proba:{c}": (p_pred if c == pred else rest) for c in CLASSES}
            ident = f"{split}-{i:03d}"
            img = f"images/{ident}.png"
            pixels = digits[_DIGIT[label]][i % len(digits[_DIGIT[label]])]
            Image.fromarray(pixels).resize((24, 24), Image.Resampling.NEAREST).save(root / img)
            rows.append(
                {
                    "id": ident,
                    "split": split,
                    "label": label,
                    "pred": pred,
                    **proba,
                    "path": img,
                    "blur": round(float(rng.uniform(0, 1)), 3),
                    "source": "phone" if i % 2 else "web",
                }
            )
    return pd.DataFrame(rows)


def make_ui_project(root: Path, *, random_state: int = 0) -> UIProject:
    """Write the project under ``root`` and return its run ids and worksheet path."""
    rng = np.random.default_rng(random_state)
    root.mkdir(parents=True, exist_ok=True)
    (root / "yearn.toml").write_text(
        '[project]\nname = "ui-demo"\ntask = "multiclass"\nlabel_column = "label"\n'
        'id_column = "id"\n\n[[sources]]\nname = "photos"\npath = "photos.csv"\n'
        'role = "target"\n',
        encoding="utf-8",
    )
    store = open_store(root)
    try:
        with store.run(name="mlp-small", kind="train", config={"hidden": 32}) as run:
            _log_curves(run, 12, 1.0, rng)
            frame = _predictions(root, rng)
            path = write_predictions(frame, run.artifact_dir / "_tmp_predictions.parquet")
            run.log_artifact(path, name="predictions.parquet")
            path.unlink()
            run_a = run.id
        with store.run(name="mlp-wide", kind="train", config={"hidden": 256}) as run:
            _log_curves(run, 15, 0.8, rng)
            run_b = run.id
        failed = store.start_run(name="broken", kind="train", config={})
        failed.finish("failed", error="TrainingError: loss became NaN at epoch 3")
        run_failed = failed.id
    finally:
        store.close()
    sheet = sample_errors(frame, n=8, n_correct=2, random_state=random_state)
    sheet.suggest(["blur > 0.6 -> blurry"])
    worksheet = root / ".yearn" / "worksheets" / f"{run_a}.csv"
    worksheet.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(worksheet)
    return UIProject(root, run_a, run_b, run_failed, worksheet)


_SHARED: dict[str, UIProject] = {}


def clone_ui_project(tmp_path_factory, dest: Path) -> UIProject:
    """A private copy of a project built once per test session (building takes seconds)."""
    import shutil

    key = str(tmp_path_factory.getbasetemp())
    if key not in _SHARED:
        _SHARED[key] = make_ui_project(tmp_path_factory.mktemp("ui-shared") / "proj")
    built = _SHARED[key]
    shutil.copytree(built.root, dest, symlinks=True)
    return UIProject(
        dest,
        built.run_a,
        built.run_b,
        built.run_failed,
        dest / built.worksheet.relative_to(built.root),
    )
