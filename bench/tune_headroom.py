"""How much room does ``yearn tune`` have on the tabular demo? The dev error of the default
MLP against the floor: the Bayes classifier of the demo's generator (its densities are
known), strong models (gradient boosting, k nearest neighbours, a big MLP trained long, an
ensemble), each chosen on train-dev, never on dev; then the power of tune's paired test
(McNemar exact, two-sided, alpha 0.05) on the confirm half for the gaps that exist.
Prints markdown tables for bench/README.md.

Run: ``OMP_NUM_THREADS=1 python bench/tune_headroom.py [--seeds 5] [--sims 4000]``."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

# the params of the top trials of the demo's search (bench/tune_demo.py, seed 0), exact:
# rounded to 4 digits they train to other models (0.3 points apart on the select half)
TUNE_TRIALS = {
    "#14": {
        "lr": 0.0034120069825989705,
        "weight_decay": 2.3157785032225456e-05,
        "batch_size": 32,
        "optimizer": "adamw",
        "width": 128,
        "depth": 2,
        "dropout": 0.14520483052952807,
        "class_weight": "balanced",
    },
    "#18": {
        "lr": 0.003996471170568629,
        "weight_decay": 7.952787713199267e-06,
        "batch_size": 32,
        "optimizer": "adamw",
        "width": 256,
        "depth": 3,
        "dropout": 0.18011814096110307,
        "class_weight": "balanced",
    },
    "#19": {
        "lr": 0.0015922456525749736,
        "weight_decay": 2.7920243933177424e-06,
        "batch_size": 32,
        "optimizer": "adamw",
        "width": 256,
        "depth": 4,
        "dropout": 0.06499355361219418,
        "class_weight": "balanced",
    },
}


def _bayes_posterior(raw: pd.DataFrame) -> np.ndarray:
    """P(malignant | x) under the demo's generator (a smoothed bootstrap per class of the 569
    real tumours; see yearn.demo._tabular.synthesize_tumours), a missing mean_symmetry
    marginalised out. Rounding to 5 decimals and the clamp at 0 are ignored."""
    from scipy.special import logsumexp
    from sklearn.datasets import load_breast_cancer

    from yearn.demo._tabular import BANDWIDTH_SCALE, LOG_OFFSET, TABULAR_FEATURES

    real_raw = load_breast_cancer()
    real = real_raw.data[:, : len(TABULAR_FEATURES)]
    malignant = real_raw.target == 0
    shift = LOG_OFFSET * np.median(real, axis=0)
    logged = np.log(real + shift)
    x = raw[list(TABULAR_FEATURES)].to_numpy(dtype=float)
    z = np.log(np.maximum(x, 0.0) + shift)
    d = logged.shape[1]
    log_joint = np.full((len(z), 2), -np.inf)
    for row_mask in (np.isnan(z).any(axis=1), ~np.isnan(z).any(axis=1)):
        rows = np.flatnonzero(row_mask)
        if not len(rows):
            continue
        dims = np.flatnonzero(~np.isnan(z[rows[0]]))
        assert all((~np.isnan(z[r]) == np.isin(np.arange(d), dims)).all() for r in rows[:50])
        for label in (0, 1):
            cls = logged[malignant == (label == 1)]
            bandwidth = (
                BANDWIDTH_SCALE * (4 / (d + 2)) ** (1 / (d + 4)) * len(cls) ** (-1 / (d + 4))
            )
            cov = (bandwidth**2) * np.cov(cls, rowvar=False)[np.ix_(dims, dims)]
            chol = np.linalg.cholesky(cov)
            log_det = 2 * np.log(np.diag(chol)).sum()
            diff = z[rows][:, None, dims] - cls[None, :, dims]  # rows × kernels × dims
            sol = np.linalg.solve(chol, diff.reshape(-1, len(dims)).T).T
            maha = (sol**2).sum(axis=1).reshape(len(rows), len(cls))
            log_k = -0.5 * (maha + log_det + len(dims) * np.log(2 * np.pi))
            log_joint[rows, label] = logsumexp(log_k, axis=1) - np.log(len(real))
    return np.exp(log_joint[:, 1] - logsumexp(log_joint, axis=1))


def _mcnemar_p(only_a: int, only_b: int) -> float:
    from scipy.stats import binom

    n = only_a + only_b
    if n == 0:
        return 1.0
    return float(min(1.0, 2 * binom.cdf(min(only_a, only_b), n, 0.5)))


def _power(p_better: float, p_worse: float, n: int, sims: int, seed: int) -> float:
    """Share of confirm halves of ``n`` rows on which McNemar's exact test finds the better
    model better at p < 0.05, when a row is won by it with probability ``p_better`` and
    lost with ``p_worse`` (the discordance the two models show on dev)."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, [p_better, p_worse, 1 - p_better - p_worse], size=sims)
    hits = 0
    for won, lost in counts[:, :2]:
        hits += won > lost and _mcnemar_p(int(won), int(lost)) < 0.05
    return hits / sims


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5, help="seeds of the default MLP")
    parser.add_argument("--trial-seeds", type=int, default=3, help="seeds of tune's configs")
    parser.add_argument("--sims", type=int, default=4000)
    parser.add_argument(
        "--demo-seed", type=int, default=0, help="random_state of the demo (0: the demo itself)"
    )
    args = parser.parse_args()
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.neighbors import KNeighborsClassifier

    from yearn import fit
    from yearn.demo import make_tabular_demo
    from yearn.splits import split_project
    from yearn.train import project_data
    from yearn.tune import confirm_mask

    load0, started = os.getloadavg()[0], time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_tabular_demo(Path(tmp) / "demo", random_state=args.demo_seed)
        split_project(root, record=False)
        _, data, store = project_data(root)
        store.close()
        raw = pd.concat(
            [pd.read_csv(root / "data" / f"{s}.csv") for s in ("registry", "clinic")]
        ).set_index("id")
    tr, td, dv = (data.splits[k] for k in ("train", "train_dev", "dev"))
    assert list(data.classes) == ["benign", "malignant"], data.classes
    y = dv.y.astype(int)
    confirm = confirm_mask(dv.ids)
    probs: dict[str, np.ndarray] = {}  # P(class 1) on dev
    notes: dict[str, str] = {}

    def mlp(name: str, seed: int, **params: object) -> None:
        t0 = time.perf_counter()
        res = fit("mlp", data, metric="error", random_state=seed, num_threads=1, **params)
        pred = res.predictions[res.predictions["split"] == "dev"].set_index("id").loc[dv.ids]
        probs[name] = pred[f"proba:{data.classes[1]}"].to_numpy(dtype=float)
        notes[name] = f"{time.perf_counter() - t0:.0f} s"

    for seed in range(args.seeds):
        mlp(f"default MLP, seed {seed}", seed, epochs=20)
    # what the demo's search reached (`yearn tune --trials 20`, seed 0): its winner (#14,
    # chosen on the select half) and the best two on the confirm half (#19, #18)
    for number, params in TUNE_TRIALS.items():
        for seed in range(args.trial_seeds):
            shape = f"{params['width']} × {params['depth']}"
            mlp(f"tune's trial {number} ({shape}), seed {seed}", seed, epochs=20, **params)
    # within a trial's budget (20 epochs): the default with a cosine schedule, a wider one
    mlp("default MLP + cosine schedule, 20 epochs", 0, epochs=20, schedule="cosine")
    mlp("MLP 256 × 3 + cosine, 20 epochs", 0, epochs=20, width=256, depth=3, schedule="cosine")
    # a big MLP trained long: the width `yearn scale-up` found best, a cosine schedule
    mlp("MLP 512 × 3, 60 epochs, cosine", 0, epochs=60, width=512, depth=3, schedule="cosine")

    def pick(name: str, candidates: dict[str, object]) -> None:
        """Fit each candidate on train, keep the one best on train-dev; its dev probs."""
        best = None
        for label, est in candidates.items():
            est.fit(tr.x, tr.y)
            err = float(np.mean(est.predict(td.x) != td.y))
            if best is None or err < best[0]:
                best = (err, label, est)
        assert best is not None
        probs[name] = best[2].predict_proba(dv.x)[:, 1]
        notes[name] = f"{best[1]} (train-dev error {best[0]:.4f})"

    boosting = {
        f"lr {lr}, {leaves} leaves": HistGradientBoostingClassifier(
            learning_rate=lr,
            max_leaf_nodes=leaves,
            max_iter=2000,
            random_state=0,
            early_stopping=True,
            n_iter_no_change=50,
            validation_fraction=0.1,
        )
        for lr in (0.03, 0.1)
        for leaves in (15, 63)
    }
    pick("gradient boosting", boosting)
    imputed = {s: np.nan_to_num(v.x) for s, v in (("tr", tr), ("td", td), ("dv", dv))}
    mean, std = imputed["tr"].mean(0), imputed["tr"].std(0) + 1e-9
    tr_k, td_k, dv_k = ((imputed[s] - mean) / std for s in ("tr", "td", "dv"))
    best = None
    for k in (5, 15, 31, 63):
        est = KNeighborsClassifier(k, weights="distance").fit(tr_k, tr.y)
        err = float(np.mean(est.predict(td_k) != td.y))
        if best is None or err < best[0]:
            best = (err, k, est)
    probs["k nearest neighbours"] = best[2].predict_proba(dv_k)[:, 1]
    notes["k nearest neighbours"] = f"k = {best[1]} (train-dev error {best[0]:.4f})"
    ens = ["MLP 512 × 3, 60 epochs, cosine", "gradient boosting", "k nearest neighbours"]
    probs["ensemble (mean of the 3 above)"] = np.mean([probs[n] for n in ens], axis=0)
    bayes = _bayes_posterior(raw.loc[dv.ids])
    probs["Bayes classifier (the generator's densities)"] = bayes
    notes["Bayes classifier (the generator's densities)"] = (
        f"expected error {np.mean(np.minimum(bayes, 1 - bayes)):.4f} "
        f"(confirm half {np.mean(np.minimum(bayes, 1 - bayes)[confirm]):.4f})"
    )

    wrong = {n: (p >= 0.5).astype(int) != y for n, p in probs.items()}
    default = wrong["default MLP, seed 0"]
    print(f"Tabular demo: dev {len(y)} rows, confirm half {int(confirm.sum())}, select "
          f"{int((~confirm).sum())}; every model trained on train ({len(tr.y)} rows), chosen "
          f"on train-dev, never on dev.\n")  # fmt: skip
    print("| model | dev error | select half | confirm half | vs default on confirm "
          "(won / lost, McNemar p) | note |\n|---|---:|---:|---:|---:|---|")  # fmt: skip
    for name, w in wrong.items():
        won = int(np.sum(default[confirm] & ~w[confirm]))
        lost = int(np.sum(~default[confirm] & w[confirm]))
        print(
            f"| {name} | {w.mean():.4f} | {w[~confirm].mean():.4f} | {w[confirm].mean():.4f} "
            f"| {won} / {lost}, p = {_mcnemar_p(won, lost):.3g} | {notes.get(name, '')} |"
        )
    n = int(confirm.sum())
    print(f"\nPower of tune's paired test (McNemar exact, two-sided, p < 0.05, the winner "
          f"better) on {n} confirm rows, when the winner is each model: per-row chances of "
          f"winning / losing a row against the default taken from the whole dev set; "
          f"{args.sims} simulated confirm halves.\n")  # fmt: skip
    print("| winner | true gap (points) | wins / losses per 1,000 rows | power |")
    print("|---|---:|---:|---:|")
    for name, w in wrong.items():
        if name.startswith("default"):
            continue
        p_win, p_lose = float(np.mean(default & ~w)), float(np.mean(~default & w))
        pw = _power(p_win, p_lose, n, args.sims, seed=1)
        print(f"| {name} | {100 * (p_lose - p_win):+.2f} | {1000 * p_win:.1f} / "
              f"{1000 * p_lose:.1f} | {pw:.2f} |")  # fmt: skip
    seeds = [wrong[f"default MLP, seed {s}"].mean() for s in range(args.seeds)]
    print(f"\nDefault MLP over {args.seeds} seeds: dev error {np.mean(seeds):.4f} "
          f"(min {min(seeds):.4f}, max {max(seeds):.4f}).")  # fmt: skip
    print(f"Load average (1 min) {load0:.1f} → {os.getloadavg()[0]:.1f}; "
          f"{time.perf_counter() - started:.0f} s in all.")  # fmt: skip


if __name__ == "__main__":
    main()
