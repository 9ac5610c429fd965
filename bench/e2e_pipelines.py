"""Is the built-in image pipeline of ``yearn e2e-compare`` a fair one? Pipeline variants on
the digits demo (issue 20): dev error, mean of 3 seeds, on the same nested subsets
``e2e-compare`` draws (the pipeline alone: no network is trained).

Variants: last session's (HOG + profiles, logistic regression), a wider C grid,
Dalal-Triggs block-normalised HOG, the RBF SVM (C and gamma by CV on the training rows),
the background step, both (the default now), and both after smoothing (not adopted).
Builds the demo in a temporary folder, splits it, prints a markdown table.

    python bench/e2e_pipelines.py            # about 3 min of CPU (OMP_NUM_THREADS=1)
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

SIZES = (20, 50, 100, 200, 400, 1000)
SEEDS = 3


def _block_hog(x: np.ndarray, cell: int = 4, bins: int = 9) -> np.ndarray:
    """Dalal-Triggs HOG: orientations interpolated between bins, 2x2-cell blocks (stride
    one cell), L2-Hys normalisation."""
    pad = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gy = (pad[:, 2:, 1:-1] - pad[:, :-2, 1:-1]) / 2
    gx = (pad[:, 1:-1, 2:] - pad[:, 1:-1, :-2]) / 2
    mag, ang = np.hypot(gx, gy), np.mod(np.arctan2(gy, gx), np.pi)
    pos = ang / np.pi * bins - 0.5
    low = np.floor(pos).astype(int)
    frac = pos - low
    n, h, w = x.shape
    ch, cw = h // cell, w // cell
    hist = np.zeros((n, ch, cw, bins))
    for b in range(bins):
        m = np.where(np.mod(low, bins) == b, mag * (1 - frac), 0.0)
        m += np.where(np.mod(low + 1, bins) == b, mag * frac, 0.0)
        hist[..., b] = m[:, : ch * cell, : cw * cell].reshape(n, ch, cell, cw, cell).sum((2, 4))
    blocks = [hist[:, i : ch - 1 + i, j : cw - 1 + j] for i in (0, 1) for j in (0, 1)]
    v = np.stack(blocks, axis=3).reshape(n, ch - 1, cw - 1, -1)
    v = v / np.sqrt((v**2).sum(-1, keepdims=True) + 1e-6)
    v = np.minimum(v, 0.2)
    v = v / np.sqrt((v**2).sum(-1, keepdims=True) + 1e-6)
    return v.reshape(n, -1)


def _variants() -> list[tuple[str, Callable, str, Callable | None]]:
    """(name, features of (N, 1, H, W) images, head, head override)."""
    from scipy.ndimage import gaussian_filter
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from yearn.e2e import image_descriptors, subtract_background

    def plain(x):
        return image_descriptors(x, background="keep")

    def blocks(x):
        grey = x[:, 0].astype(np.float64)
        return np.concatenate([_block_hog(grey), plain(x)[:, 144:]], axis=1)

    def smoothed(x):
        grey = subtract_background(x[:, 0].astype(np.float64))
        smooth = gaussian_filter(grey, (0, 0.7, 0.7), mode="nearest")
        return image_descriptors(smooth, background="keep")

    def wide_c(y, seed):
        folds = int(min(3, np.bincount(y).min()))
        head = LogisticRegressionCV(
            Cs=list(np.logspace(-4, 2, 7)), cv=folds, l1_ratios=(0.0,),
            scoring="neg_log_loss", max_iter=3000, use_legacy_attributes=False,
            random_state=seed,
        )  # fmt: skip
        return make_pipeline(StandardScaler(), head)

    return [
        ("HOG + profiles, logistic regression (session 3)", plain, "logistic", None),
        ("the same, C in 1e-4..100", plain, "logistic", wide_c),
        ("block-normalised HOG (Dalal-Triggs) + profiles, logistic", blocks, "logistic", None),
        ("HOG + profiles, RBF SVM (C, gamma by CV)", plain, "svm", None),
        ("background subtracted, HOG + profiles, logistic", image_descriptors, "logistic", None),
        (
            "**background subtracted, HOG + profiles, RBF SVM (default)**",
            image_descriptors,
            "svm",
            None,
        ),
        ("... and smoothed, sigma 0.7 px (not adopted)", smoothed, "svm", None),
    ]


def main() -> None:
    from typer.testing import CliRunner

    from yearn.cli import app
    from yearn.data import load_images
    from yearn.e2e._compare import nested_orders
    from yearn.e2e._models import simple_model
    from yearn.project import Project
    from yearn.train import project_data, split_indices

    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "digits"
        runner = CliRunner()
        for args in (["demo", "--dir", str(root), "--no-run"], ["split", "--project", str(root)]):
            result = runner.invoke(app, args)
            if result.exit_code != 0:
                sys.exit(result.output)
        config, data, store = project_data(root, None)
        store.close()
        proj = Project(config.root)
        index = split_indices(proj.dataset, proj.manifest())
        images = load_images(proj.dataset.frame[proj.dataset.image_column].tolist())
        y, y_dev = data.splits["train"].y, data.splits["dev"].y
        orders = nested_orders(y, SEEDS, 0, True)
        print(f"digits demo: train {len(y):,}, dev {len(y_dev):,}; dev error, mean of {SEEDS}")
        print("seeds (the subsets e2e-compare draws); the pipeline alone\n")
        print("| pipeline | " + " | ".join(f"{n:,}" for n in SIZES) + " | s |")
        print("|---|" + "---|" * (len(SIZES) + 1))
        for name, features, kind, override in _variants():
            start = time.process_time()
            f_train, f_dev = features(images[index["train"]]), features(images[index["dev"]])
            cells = []
            for n in SIZES:
                errors = []
                for s in range(SEEDS):
                    rows = np.sort(orders[s][:n])
                    if override is None:
                        model = simple_model("multiclass", s, kind)
                    else:
                        model = override(y[rows], s)
                    fitted = model.fit(f_train[rows], y[rows])
                    errors.append(float((fitted.predict(f_dev) != y_dev).mean()))
                cells.append(f"{np.mean(errors):.3f}")
            seconds = time.process_time() - start
            print(f"| {name} | " + " | ".join(cells) + f" | {seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
