"""How trustworthy are the diagnosis's intervals, verdicts and learning-curve forecasts?

Three simulations, printed as side-by-side tables (not part of the test suite):

1. coverage of 95% intervals for a gap between two error rates: Newcombe's hybrid score
   interval (what yearn uses) next to the normal (Wald) interval;
2. how often the principal-gap rule names a gap when no true gap exceeds the tolerance
   (false claims), and how often it finds a real 3-point gap (power), by sample size;
3. learning curves: the dev error forecast for twice the data (fitted on half the pool)
   against the dev error actually measured with twice the data.

    .venv/bin/python bench/diagnose_calibration.py [--reps 4000] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from yearn.diagnose import diagnose, learning_curve, newcombe_diff


def wald(p1: float, n1: int, p2: float, n2: int) -> tuple[float, float]:
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    d = p1 - p2
    return d - 1.959964 * se, d + 1.959964 * se


def coverage(reps: int, rng: np.random.Generator) -> None:
    print("\n1) 95% interval coverage for a gap p_hi − p_lo (target 0.95)")
    print(f"{'p_lo':>6} {'p_hi':>6} {'n':>6} | {'Newcombe':>9} {'Wald':>7}")
    for p_lo, p_hi in [(0.01, 0.01), (0.01, 0.03), (0.05, 0.08), (0.10, 0.20), (0.001, 0.005)]:
        for n in (50, 200, 1000):
            k1 = rng.binomial(n, p_hi, reps)
            k2 = rng.binomial(n, p_lo, reps)
            hit_n = hit_w = 0
            for a, b in zip(k1, k2, strict=True):
                lo, hi = newcombe_diff(a / n, n, b / n, n)
                hit_n += lo <= p_hi - p_lo <= hi
                lo, hi = wald(a / n, n, b / n, n)
                hit_w += lo <= p_hi - p_lo <= hi
            print(f"{p_lo:6.3f} {p_hi:6.3f} {n:6d} | {hit_n / reps:9.3f} {hit_w / reps:7.3f}")


def claims(reps: int, rng: np.random.Generator) -> None:
    print("\n2) principal-gap rule on simulated ladders (human 2% exact, tolerance 1 point)")
    print("   null: train 2.5%, train-dev 3%, dev 3.5% (every true gap 0.5 point)")
    print("   alternative: the same with dev 6% (a true 3-point data mismatch)")
    print(f"{'n per split':>11} | {'null: any claim':>22} | {'3-pt mismatch named':>22}")
    print(f"{'':>11} | {'default':>10} {'strict':>11} | {'default':>10} {'strict':>11}")
    m = reps // 4
    for n in (100, 300, 1000, 3000, 10000):
        false = {False: 0, True: 0}
        found = {False: 0, True: 0}
        for _ in range(m):
            null = rng.binomial(n, [0.025, 0.03, 0.035]) / n
            alt = rng.binomial(n, [0.025, 0.03, 0.06]) / n
            for strict in (False, True):
                kw = dict(human=0.02, n_train=n, n_train_dev=n, n_dev=n, strict=strict)
                d = diagnose(train=null[0], train_dev=null[1], dev=null[2], **kw)
                false[strict] += bool(d.principal)
                d = diagnose(train=alt[0], train_dev=alt[1], dev=alt[2], **kw)
                found[strict] += "data_mismatch" in d.principal
        print(
            f"{n:11d} | {false[False] / m:10.3f} {false[True] / m:11.3f} | "
            f"{found[False] / m:10.3f} {found[True] / m:11.3f}"
        )


def forecasts(seeds: int) -> None:
    from sklearn.datasets import make_classification
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    print("\n3) learning-curve forecast of dev error at 2n (fit on n) vs measured at 2n")
    print(
        f"{'seed':>4} {'n':>5} | {'dev@n':>6} {'forecast@2n':>11} {'measured@2n':>11} "
        f"{'gain CI':>17} {'in CI':>5}"
    )
    inside, errs = 0, []
    for seed in range(seeds):
        X, y = make_classification(
            n_samples=4000,
            n_features=40,
            n_informative=30,
            n_redundant=0,
            class_sep=1.0,
            random_state=seed,
        )
        n = 400
        Xdev, ydev = X[2000:], y[2000:]
        lc = learning_curve(
            LinearDiscriminantAnalysis(), X[:n], y[:n], Xdev, ydev, random_state=seed
        )
        full = LinearDiscriminantAnalysis().fit(X[: 2 * n], y[: 2 * n])
        measured = float(np.mean(full.predict(Xdev) != ydev))
        gain = lc.dev_errors[-1] - measured
        ok = lc.gain_ci[0] <= gain <= lc.gain_ci[1]
        inside += ok
        errs.append(abs(lc.predicted_dev_at_double - measured))
        ci = f"[{lc.gain_ci[0]:+.3f}, {lc.gain_ci[1]:+.3f}]"
        print(
            f"{seed:4d} {n:5d} | {lc.dev_errors[-1]:6.3f} {lc.predicted_dev_at_double:11.3f} "
            f"{measured:11.3f} {ci:>17} {'yes' if ok else 'no':>5}"
        )
    print(
        f"mean |forecast − measured| = {np.mean(errs):.4f}; measured gain inside the "
        f"interval in {inside}/{seeds} runs"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=4000)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t = time.perf_counter()
    coverage(args.reps, rng)
    claims(args.reps, rng)
    forecasts(args.seeds)
    print(f"\n({time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
