"""The tabular demo: 20,000 synthetic patients made from scikit-learn's breast-cancer table,
with planted problems.

**The patients are synthetic.** scikit-learn bundles 569 real tumours (ten ``mean_*``
measurements each, benign or malignant). Each synthetic patient is one of them picked at
random, moved by Gaussian noise in log space with the covariance of its class scaled by
0.4 × Silverman's bandwidth (a smoothed bootstrap: draws from a kernel density estimate of
each class), and keeps that tumour's diagnosis (:func:`synthesize_tumours`). The population
therefore keeps the local structure of the real table: its Bayes error is below 0.1% (the
densities are known, so it can be computed), a logistic regression stays near 6%, and
small networks trained briefly leave avoidable bias that bigger ones close (``yearn
scale-up``: 3.7% dev error with 64 × 2 units for 3 epochs, 1.2% with 512 × 3 for 12).
Whether ``yearn tune`` beats the default configuration here is measured, not assumed
(bench/README.md: from nothing to about a point on the confirm half, at the edge of what
it can show).

Two sources (label ``diagnosis``: benign / malignant):

* ``registry`` (role train): records from across the state;
* ``clinic`` (role target): one clinic's patients, selected with a preference for larger
  tumours, so features and class balance shift between the sources.

Planted for the profile checks to find: ``pathology_score`` is a near-copy of the label
(1 for malignant, 0 for benign, plus a little noise: target leakage), ``record_number`` is
unique per row (an id-like column), ``latitude`` / ``longitude`` give a map, and 3% of the
values of ``mean_symmetry`` are missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["N_PATIENTS", "TABULAR_FEATURES", "build_tabular_data", "synthesize_tumours"]

TABULAR_FEATURES = (
    "mean_radius",
    "mean_texture",
    "mean_perimeter",
    "mean_area",
    "mean_smoothness",
    "mean_compactness",
    "mean_concavity",
    "mean_concave_points",
    "mean_symmetry",
    "mean_fractal_dimension",
)
LEAKY_COLUMN = "pathology_score"
ID_LIKE_COLUMN = "record_number"
LEAK_NOISE = 0.25  # sigma of the noise added to the label in the leaky column
MISSING_SHARE = 0.03  # share of mean_symmetry values blanked
CLINIC = (43.0731, -89.4012)  # the target source's clinic (Madison, WI)
REGION = ((42.6, 46.0), (-92.0, -87.8))  # the registry's records: across Wisconsin
N_PATIENTS = 20_000  # synthetic patients drawn from the 569 real tumours
BANDWIDTH_SCALE = 0.4  # times Silverman's bandwidth: patients stay near a real tumour
LOG_OFFSET = 0.1  # log(x + 0.1 · median): measurements that can be 0 stay finite


def synthesize_tumours(
    n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` synthetic tumours drawn from the 569 real ones: (features, malignant, source).

    A smoothed bootstrap per class: pick a real tumour at random, then move it by Gaussian
    noise with the covariance of its class (in log space, where the measurements are
    roughly normal) scaled by Silverman's bandwidth ``(4 / (d + 2)) ** (1 / (d + 4)) ·
    n_class ** (-1 / (d + 4))``; the diagnosis is the real tumour's. So the synthetic
    patients follow a kernel density estimate of each class of the real table.
    """
    from sklearn.datasets import load_breast_cancer

    raw = load_breast_cancer()
    real = raw.data[:, : len(TABULAR_FEATURES)]
    malignant = (raw.target == 0).astype(int)  # sklearn codes malignant as 0
    shift = LOG_OFFSET * np.median(real, axis=0)  # some concavities are exactly 0
    logged = np.log(real + shift)
    d = logged.shape[1]
    source = rng.integers(0, len(real), n)
    out = np.empty((n, d))
    for label in (0, 1):
        cls = logged[malignant == label]
        bandwidth = BANDWIDTH_SCALE * (4 / (d + 2)) ** (1 / (d + 4)) * len(cls) ** (-1 / (d + 4))
        chol = np.linalg.cholesky(np.cov(cls, rowvar=False))
        rows = np.flatnonzero(malignant[source] == label)
        noise = rng.standard_normal((len(rows), d)) @ chol.T
        out[rows] = logged[source[rows]] + bandwidth * noise
    features = np.maximum(np.exp(out) - shift, 0.0)
    return features, malignant[source].astype(float), source


def build_tabular_data(
    folder: str | Path, *, random_state: int = 0, n_patients: int = N_PATIENTS
) -> dict[str, object]:
    """Write ``data/registry.csv`` and ``data/clinic.csv`` into ``folder``; describe them."""
    folder = Path(folder)
    rng = np.random.default_rng(np.random.SeedSequence(random_state))
    n = int(n_patients)
    features, malignant, _ = synthesize_tumours(n, rng)
    frame = pd.DataFrame(features, columns=list(TABULAR_FEATURES)).round(5)
    diagnosis = np.where(malignant == 1, "malignant", "benign")

    radius = frame["mean_radius"].to_numpy()
    p_clinic = 0.12 + 0.5 / (1 + np.exp(-(radius - 14.5) / 1.5))
    clinic = rng.random(n) < p_clinic
    lat = np.where(
        clinic,
        CLINIC[0] + rng.normal(0, 0.05, n),
        rng.uniform(*REGION[0], n),
    )
    lon = np.where(
        clinic,
        CLINIC[1] + rng.normal(0, 0.07, n),
        rng.uniform(*REGION[1], n),
    )
    missing = rng.choice(n, size=round(MISSING_SHARE * n), replace=False)
    frame.loc[missing, "mean_symmetry"] = np.nan
    order = rng.permutation(n)
    table = pd.DataFrame(
        {
            "id": [f"p{i:05d}" for i in range(n)],
            ID_LIKE_COLUMN: rng.choice(np.arange(100_000, 1_000_000), size=n, replace=False),
            **{c: frame[c].to_numpy()[order] for c in TABULAR_FEATURES},
            LEAKY_COLUMN: np.round(malignant + rng.normal(0, LEAK_NOISE, n), 3)[order],
            "latitude": np.round(lat, 4)[order],
            "longitude": np.round(lon, 4)[order],
            "diagnosis": diagnosis[order],
        }
    )
    in_clinic = clinic[order]
    (folder / "data").mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, mask in (("registry", ~in_clinic), ("clinic", in_clinic)):
        part = table[mask]
        part.to_csv(folder / "data" / f"{name}.csv", index=False)
        sizes[name] = {
            "rows": len(part),
            "malignant": int((part["diagnosis"] == "malignant").sum()),
        }
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    return {
        "kind": "tabular",
        "random_state": random_state,
        "sizes": sizes,
        "leaky_column": LEAKY_COLUMN,
        "id_like_column": ID_LIKE_COLUMN,
        "geo_columns": ["latitude", "longitude"],
        "missing": {"mean_symmetry": len(missing)},
    }
