"""Done-when: on the embedded web → phone digits demo, a model trained on web (+ the little
phone data the split moves into training) is diagnosed with data mismatch as the principal
gap; after adding phone-like (synthesised) images to training, the mismatch gap shrinks.

The model is scikit-learn's 3-nearest-neighbours on flattened 16×16 pixels: it has little
avoidable bias on web images, so the web → phone gap is what stands out. (A linear model
on raw pixels has high bias here too; docs/diagnosis.md shows that case.)
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import gaussian_filter

from yearn.diagnose import diagnose_predictions
from yearn.predictions import write_predictions

SPLITS = ("train", "train_dev", "dev", "test")


def phone_like(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Artificial data synthesis: blur, low contrast, a raised background, sensor noise."""
    out = np.empty_like(images)
    for i, im in enumerate(images.reshape(-1, 16, 16)):
        im = gaussian_filter(im, rng.uniform(0.3, 1.8))
        im = im * rng.uniform(0.3, 0.75) + rng.uniform(0.05, 0.35)
        out[i] = np.clip(im + rng.normal(0, rng.uniform(0.02, 0.1), im.shape), 0, 1).ravel()
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from yearn.config import load_config
    from yearn.data import load_images, load_project
    from yearn.demo import make_digits_demo
    from yearn.splits import load_manifest, split_project

    project = make_digits_demo(tmp_path_factory.mktemp("demo") / "digits", random_state=0)
    split_project(project, record=False)  # saves .yearn/splits.parquet
    cfg = load_config(project)
    ds = load_project(cfg)
    split = np.asarray(load_manifest(project).split_of(ds.ids))
    X = load_images(ds.frame[ds.image_column].tolist()).reshape(len(ds), -1)
    parts = {
        s: (
            X[split == s],
            ds.labels[split == s].astype(str),
            ds.ids[split == s].astype(str),
            ds.sources[split == s].astype(str),
        )
        for s in SPLITS
    }
    return cfg, parts


def _predictions(parts, random_state: int = 0) -> pd.DataFrame:
    """Fit 3-NN on train; predict every split (train error on a random 1,500 train rows)."""
    from sklearn.neighbors import KNeighborsClassifier

    X, y, _, _ = parts["train"]
    model = KNeighborsClassifier(3).fit(X, y)
    rng = np.random.default_rng(random_state)
    frames = []
    for s in SPLITS:
        Xs, ys, ids, _ = parts[s]
        if s == "train" and len(ys) > 1500:
            keep = rng.choice(len(ys), 1500, replace=False)
            Xs, ys, ids = Xs[keep], ys[keep], ids[keep]
        frames.append(pd.DataFrame({"id": ids, "split": s, "label": ys, "pred": model.predict(Xs)}))
    return pd.concat(frames, ignore_index=True)


def _with_phone_like(parts, random_state: int = 0):
    """Add one synthesised phone-like copy of every web image to train and train-dev."""
    rng = np.random.default_rng(random_state)
    out = dict(parts)
    for s in ("train", "train_dev"):
        X, y, ids, src = parts[s]
        web = src == "web"
        out[s] = (
            np.vstack([X, phone_like(X[web], rng)]),
            np.concatenate([y, y[web]]),
            np.concatenate([ids, np.char.add(ids[web], "-synth")]),
            np.concatenate([src, np.full(web.sum(), "synth")]),
        )
    return out


@pytest.mark.slow
def test_demo_mismatch_is_principal_and_shrinks_with_phone_like_data(demo, cli, tmp_path):
    cfg, parts = demo
    assert {s for s in parts["dev"][3]} == {"phone"}  # dev and test are the target source
    human = cfg.metric.human_level_error

    table = _predictions(parts)
    before = diagnose_predictions(table, task="multiclass", human=human)
    assert before.principal_name == "data_mismatch"
    mismatch = before.gaps["data_mismatch"]
    assert mismatch.ci_low > 0.15  # the web → phone gap is large and certain

    # the same through the CLI, from a Parquet file
    path = write_predictions(table, tmp_path / "preds.parquet")
    r = cli(
        "diagnose", "--predictions", path, "--task", "multiclass", "--project", cfg.root, "--json"
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["principal"] == "data_mismatch"
    assert out["errors"]["human"] == pytest.approx(human)  # read from the demo's yearn.toml

    after = diagnose_predictions(
        _predictions(_with_phone_like(parts)), task="multiclass", human=human
    )
    shrunk = after.gaps["data_mismatch"]
    assert shrunk.value < mismatch.value / 2
    assert shrunk.ci_high < mismatch.ci_low  # the two intervals do not overlap
    assert after.errors["dev"].value < before.errors["dev"].value  # and phone error fell


@pytest.mark.slow
def test_learning_curve_cli_on_the_image_demo(demo, cli, tmp_path):
    cfg, _ = demo
    r = cli(
        "learning-curve",
        "--project",
        cfg.root,
        "--estimator",
        "lda",
        "--max-train",
        "1500",
        "--fractions",
        "0.2,0.4,0.7,1",
        "--json",
        "--chart",
        tmp_path / "lc.png",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert "split manifest" in out["how"]
    assert out["sizes"] == [300, 600, 1050, 1500]
    assert out["dev_errors"][0] > out["dev_errors"][-1]  # more web data helps on phone a bit
    assert out["target_error"] == pytest.approx(cfg.metric.human_level_error)
    # a linear model on raw pixels: train error far above human level → bias, not data
    assert out["bias_limited"] and out["verdict"].startswith("more data will not fix bias")
    assert (tmp_path / "lc.png").stat().st_size > 1000
