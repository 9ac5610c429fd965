"""The shared error-analysis fixture: a predictions table of the embedded digits demo.

``demo_predictions()`` builds the web → phone digits demo (``yearn.demo``), fits a quick
scikit-learn model (PCA + k-nearest neighbours) on web + half of the phone images, and
writes a predictions table with every split, the demo's metadata (blur, brightness,
contrast, rotation, noise) and the image path. It is cached per test session; the test
modules of error analysis, labels and slices import it, and
``tests/test_erroranalysis_fixture.py`` checks the fixture itself.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

METADATA = ("blur", "brightness", "contrast", "rotation", "noise")


@dataclass(frozen=True)
class DemoPredictions:
    project: Path
    path: Path  # predictions.parquet
    frame: pd.DataFrame
    mislabeled: frozenset[str]  # planted wrong labels (ids)


@functools.lru_cache(maxsize=1)
def demo_predictions() -> DemoPredictions:
    from PIL import Image
    from sklearn.decomposition import PCA
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    from yearn.demo import make_digits_demo
    from yearn.predictions import write_predictions

    root = Path(tempfile.mkdtemp(prefix="yearn-ea-demo-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    project = make_digits_demo(root / "digits")
    frames = []
    for source in ("web", "phone"):
        f = pd.read_csv(project / "data" / source / "manifest.csv")
        f["path"] = f"data/{source}/" + f["path"]
        frames.append(f)
    df = pd.concat(frames, ignore_index=True)
    X = np.stack(
        [np.asarray(Image.open(project / p), dtype=np.float32).ravel() / 255 for p in df["path"]]
    )
    X -= X.mean(axis=1, keepdims=True)  # per-image normalisation: brightness/contrast out
    X /= X.std(axis=1, keepdims=True) + 1e-6
    rng = np.random.default_rng(0)
    bases = rng.permutation(df.loc[df["source"] == "phone", "base_id"].unique())
    n = len(bases)
    group = {
        b: "train" if i < n // 2 else "dev" if i < 3 * n // 4 else "test"
        for i, b in enumerate(bases)
    }
    df["split"] = np.where(df["source"] == "web", "train", df["base_id"].map(group))
    train = (df["split"] == "train").to_numpy()
    y = df["label"].to_numpy()
    model = make_pipeline(PCA(40, random_state=0), KNeighborsClassifier(15))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        proba = model.fit(X[train], y[train]).predict_proba(X)
    table = pd.DataFrame({"id": df["id"], "split": df["split"], "label": y})
    for i, c in enumerate(model.classes_):
        table[f"proba:{c}"] = proba[:, i]
    table["source"] = df["source"]
    for c in METADATA:
        table[c] = df[c]
    table["path"] = df["path"]
    path = write_predictions(table, project / "predictions.parquet")
    truth = pd.read_csv(project / "truth" / "mislabeled.csv")
    return DemoPredictions(project, path, table, frozenset(truth["id"].astype(str)))
