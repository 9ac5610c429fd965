"""The tabular demo: scikit-learn's bundled breast-cancer table with planted problems.

Two sources of the 569 tumours (label ``diagnosis``: benign / malignant):

* ``registry`` (role train): records from across the state;
* ``clinic`` (role target): one clinic's patients, selected with a preference for larger
  tumours, so features and class balance shift between the sources.

Planted for the profile checks to find: ``pathology_score`` is a near-copy of the label
(1 for malignant, 0 for benign, plus a little noise: target leakage), ``record_number`` is
unique per row (an id-like column), ``latitude`` / ``longitude`` give a map, and a few
values of ``mean_symmetry`` are missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["TABULAR_FEATURES", "build_tabular_data"]

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


def build_tabular_data(folder: str | Path, *, random_state: int = 0) -> dict[str, object]:
    """Write ``data/registry.csv`` and ``data/clinic.csv`` into ``folder``; describe them."""
    from sklearn.datasets import load_breast_cancer

    folder = Path(folder)
    rng = np.random.default_rng(np.random.SeedSequence(random_state))
    raw = load_breast_cancer()
    n = len(raw.target)
    frame = pd.DataFrame(raw.data[:, : len(TABULAR_FEATURES)], columns=list(TABULAR_FEATURES))
    frame = frame.round(5)
    malignant = (raw.target == 0).astype(float)  # sklearn codes malignant as 0
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
            "id": [f"p{i:04d}" for i in range(n)],
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
