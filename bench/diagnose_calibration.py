"""How trustworthy are the diagnosis's intervals, verdicts and learning-curve forecasts?

Three simulations, printed as side-by-side tables (not part of the test suite):

1. coverage of 95% intervals for a gap between two error rates: Newcombe's hybrid score
   interval (what yearn uses) next to the normal (Wald) interval;
2. how often the principal-gap rule names a gap when every true gap is at most half the
   tolerance (false claims), and how often it finds a real gap of three tolerances (power),
   by error level (0.1% to 40%) and sample size;
3. learning curves: the dev error forecast for twice the data (fitted on half the pool)
   against the dev error actually measured with twice the data.

    .venv/bin/python bench/diagnose_calibration.py [--reps 4000] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from yearn.diagnose import (
    DEFAULT_RATE_TOLERANCE,
    RELATIVE_RATE_TOLERANCE,
    diagnose,
    learning_curve,
    newcombe_diff,
)


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


def _tolerance(errors: list[float]) -> float:
    """The default tolerance of a ladder with a human level (the rule of yearn.diagnose)."""
    return min(DEFAULT_RATE_TOLERANCE, RELATIVE_RATE_TOLERANCE * max(errors))


def _ladder(level: float, gap: float) -> tuple[list[float], float]:
    """human = level; train, train-dev at +tau/2 each; dev at train-dev + gap * tau, where
    tau is the tolerance of the true ladder (found by fixed-point iteration)."""
    tau = 0.01
    for _ in range(60):
        errs = [level, level + tau / 2, level + tau, level + tau + gap * tau]
        tau = _tolerance(errs)
    return errs, tau


def claims(reps: int, rng: np.random.Generator) -> None:
    print("\n2) principal-gap rule on simulated ladders (human level given, exact)")
    print("   null: every true gap (bias, variance, mismatch) at half the tolerance tau;")
    print("   zero: no gap at all (train = train-dev = dev = human);")
    print("   power: the same null with a true data mismatch of 3 tau")
    head = f"{'error':>6} {'tau':>6} {'n per split':>11} | {'null':>6} {'zero':>6} {'power':>6}"
    print(f"{head} | {'null':>6} {'power':>6}  (strict)")
    for level in (0.001, 0.01, 0.05, 0.1, 0.4):
        null, tau = _ladder(level, 0.5)
        alt, _ = _ladder(level, 3.0)
        zero = [level] * 4
        for n in (300, 1000, 3000, 10000, 100000):
            counts = {"null": [0, 0], "zero": [0, 0], "power": [0, 0]}
            for _ in range(reps):
                for name, errs in (("null", null), ("zero", zero), ("power", alt)):
                    obs = rng.binomial(n, errs[1:]) / n
                    for strict in (False, True):
                        d = diagnose(
                            human=errs[0],
                            train=obs[0],
                            train_dev=obs[1],
                            dev=obs[2],
                            n_train=n,
                            n_train_dev=n,
                            n_dev=n,
                            strict=strict,
                        )
                        hit = "data_mismatch" in d.principal if name == "power" else d.principal
                        counts[name][strict] += bool(hit)
            r = {k: (v[0] / reps, v[1] / reps) for k, v in counts.items()}
            print(
                f"{level:6.1%} {tau:6.2%} {n:11d} | {r['null'][0]:6.3f} {r['zero'][0]:6.3f} "
                f"{r['power'][0]:6.3f} | {r['null'][1]:6.3f} {r['power'][1]:6.3f}"
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
    ap.add_argument("--claim-reps", type=int, default=400)
    ap.add_argument("--only-claims", action="store_true")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t = time.perf_counter()
    if not args.only_claims:
        coverage(args.reps, rng)
    claims(args.claim_reps, rng)
    if not args.only_claims:
        forecasts(args.seeds)
    print(f"\n({time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
