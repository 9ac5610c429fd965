"""Label issues: yearn's confident learning vs cleanlab on the same out-of-fold probabilities.

Usage (one-time setup of cleanlab's own venv, then the benchmark)::

    bash bench/setup_cleanlab_env.sh
    .venv/bin/python bench/label_issues.py [--seeds 3] [--repeat 7]

For each seed: scikit-learn's digits (1,797 images, 10 classes) with 10% of the labels
flipped at random to another class; 5-fold out-of-fold probabilities from a standardised
logistic regression (``yearn.labels.out_of_fold_proba``). Both libraries get the same
``labels.npy`` / ``pred_probs.npy`` (cleanlab in a subprocess, in bench/.envs/cleanlab) and
their flags are scored against the truly flipped rows: precision, recall, F1. Wall time
is the median of ``--repeat`` calls of the finder alone (no I/O, no import), at the
digits size and at 100x that size (the probabilities tiled, for scaling).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CLEANLAB_PY = HERE / ".envs" / "cleanlab" / "bin" / "python"
OUT = HERE / "out" / "label_issues"

CLEANLAB_SCRIPT = r"""
import json, sys, time
import numpy as np
from cleanlab.filter import find_label_issues
import cleanlab
folder, repeat = sys.argv[1], int(sys.argv[2])
out = {"version": cleanlab.__version__}
for name in ("small", "large"):
    labels = np.load(f"{folder}/labels_{name}.npy")
    probs = np.load(f"{folder}/pred_probs_{name}.npy")
    times = []
    for _ in range(repeat if name == "small" else max(1, repeat // 2)):
        t = time.perf_counter()
        idx = find_label_issues(labels, probs, filter_by="prune_by_noise_rate",
                                return_indices_ranked_by="self_confidence", n_jobs=1)
        times.append(time.perf_counter() - t)
    flagged = idx.tolist() if name == "small" else len(idx)
    out[name] = {"seconds": float(np.median(times)), "flagged": flagged}
print(json.dumps(out))
"""


def flip_labels(y: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    rows = rng.choice(len(y), size=round(share * len(y)), replace=False)
    noisy = y.copy()
    noisy[rows] = (y[rows] + rng.integers(1, k, size=len(rows))) % k
    return noisy, np.sort(rows)


def scores(flagged: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    tp = len(np.intersect1d(flagged, truth))
    p = tp / len(flagged) if len(flagged) else 0.0
    r = tp / len(truth)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), result


def main() -> None:
    from sklearn.datasets import load_digits

    from yearn.labels import find_label_issues, out_of_fold_proba

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    if not CLEANLAB_PY.exists():
        sys.exit("cleanlab venv missing: run `bash bench/setup_cleanlab_env.sh` first.")
    X, y = load_digits(return_X_y=True)
    rows = []
    for seed in range(args.seeds):
        noisy, flipped = flip_labels(y, 0.10, seed)
        probs, _ = out_of_fold_proba(X, noisy, n_splits=5, random_state=seed)
        folder = OUT / f"seed{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        big_labels, big_probs = np.tile(noisy, 100), np.tile(probs, (100, 1))
        np.save(folder / "labels_small.npy", noisy)
        np.save(folder / "pred_probs_small.npy", probs)
        np.save(folder / "labels_large.npy", big_labels)
        np.save(folder / "pred_probs_large.npy", big_probs)
        proc = subprocess.run(
            [str(CLEANLAB_PY), "-c", CLEANLAB_SCRIPT, str(folder), str(args.repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
        cl = json.loads(proc.stdout.strip().splitlines()[-1])
        t_small, ours = timed(lambda n=noisy, p=probs: find_label_issues(n, p), args.repeat)
        t_large, ours_large = timed(
            lambda n=big_labels, p=big_probs: find_label_issues(n, p), max(1, args.repeat // 2)
        )
        theirs = np.asarray(cl["small"]["flagged"])
        rows.append(
            {
                "seed": seed,
                "yearn": (*scores(ours, flipped), t_small, t_large, len(ours)),
                "cleanlab": (
                    *scores(theirs, flipped),
                    cl["small"]["seconds"],
                    cl["large"]["seconds"],
                    len(theirs),
                ),
                "same_flags": bool(np.array_equal(np.sort(ours), np.sort(theirs))),
                "same_order": bool(np.array_equal(ours, theirs)),
                "large_flags": (len(ours_large), cl["large"]["flagged"]),
                "cleanlab_version": cl["version"],
            }
        )
    print(
        f"digits: {len(y)} examples, 10 classes, 10% labels flipped; 5-fold out-of-fold "
        f"logistic regression; cleanlab {rows[0]['cleanlab_version']}; "
        f"median of {args.repeat} calls"
    )
    head = (
        f"{'seed':>4} {'library':<9} {'flagged':>7} {'precision':>9} {'recall':>7} {'F1':>6} "
        f"{'time 1.8k':>10} {'time 180k':>10}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        for lib in ("yearn", "cleanlab"):
            p, rec, f, ts, tl, n = r[lib]
            print(
                f"{r['seed']:>4} {lib:<9} {n:>7} {p:>9.3f} {rec:>7.3f} {f:>6.3f} "
                f"{ts * 1e3:>8.2f}ms {tl * 1e3:>8.1f}ms"
            )
        print(
            f"     same flagged set: {r['same_flags']}, same order: {r['same_order']}, "
            f"180k flags yearn/cleanlab: {r['large_flags'][0]}/{r['large_flags'][1]}"
        )
    for lib in ("yearn", "cleanlab"):
        arr = np.array([r[lib] for r in rows])
        print(
            f"mean {lib:<9} precision {arr[:, 0].mean():.3f} recall {arr[:, 1].mean():.3f} "
            f"F1 {arr[:, 2].mean():.3f} time {arr[:, 3].mean() * 1e3:.2f}ms / "
            f"{arr[:, 4].mean() * 1e3:.1f}ms"
        )


if __name__ == "__main__":
    main()
