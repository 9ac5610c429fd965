"""``find_mismatch``: what separates the training data from the target data — the profile's
domain classifier (AUC with its interval, the drivers) and, side by side, the most
target-like training examples and the most train-like target examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from yearn._validation import check_positive_int
from yearn.errors import DataError
from yearn.mismatch._result import Example, MismatchResult

__all__ = ["find_mismatch"]

DRIVER_MIN_DROP = 0.01  # permutation AUC drop for a feature to count as a driver


def _short(name: str, image_column: str | None) -> str:
    prefix = f"{image_column}:" if image_column else None
    return name[len(prefix) :] if prefix and name.startswith(prefix) else name


def find_mismatch(
    project: str | Path = ".",
    *,
    n_examples: int = 8,
    random_state: int = 0,
    options: dict[str, Any] | None = None,
) -> MismatchResult:
    """Train (role ``train``) vs target (role ``target``) sources of the project at
    ``project``: the domain classifier of :mod:`yearn.profile` (half fit, half held out),
    its AUC and interval, the features that drive it (image statistics for images:
    brightness, contrast, sharpness, noise, rotation; columns for tables), and the
    ``n_examples`` most target-like training rows and most train-like target rows, scored
    out of sample."""
    from yearn.profile import AUC_SHIFT, adversarial_validation, build_context, shift_views
    from yearn.project import Project

    check_positive_int("n_examples", n_examples)
    proj = Project(project)
    config = proj.config
    dataset = proj.dataset
    roles = np.asarray(dataset.frame["role"].astype(str))
    if not (roles == "train").any() or not (roles == "target").any():
        raise DataError(
            f"{proj.paths.config_file}: mismatch compares a source with role 'train' and one "
            "with role 'target'; set role = 'target' on the source the product faces."
        )
    ctx = build_context(dataset, random_state=random_state, options=options)
    ctx.split = None  # compare by role (train sources vs the target source)
    sides = shift_views(ctx)
    if sides is None:  # pragma: no cover - roles checked above
        raise DataError("no train and target rows to compare.")
    ref, tgt, what, views = sides
    if not views or min(ref.size, tgt.size) < 10:
        raise DataError(
            f"{proj.paths.config_file}: too few rows or features to compare ({what}: "
            f"{ref.size} train and {tgt.size} target rows, {len(views)} feature(s)); "
            "mismatch needs at least 10 rows a side and one feature."
        )
    adv = adversarial_validation(ctx, views, ref, tgt, scores=True)
    rows, side, proba = adv.pop("held_rows"), adv.pop("held_side"), adv.pop("held_proba")
    image = ctx.image_column
    by_name = {v.name: v for v in views}

    drivers = []
    for name in sorted(by_name, key=lambda n: (-adv["importance"].get(n, 0.0), n)):
        v = by_name[name]
        a, b = v.values[ref], v.values[tgt]
        entry: dict[str, Any] = {
            "feature": _short(name, image),
            "auc_drop": adv["importance"].get(name),
            "alone_auc": adv["alone_auc"].get(name),
            "driver": adv["importance"].get(name, 0.0) >= DRIVER_MIN_DROP,
        }
        if v.kind == "numeric":
            entry["train_mean"] = float(np.nanmean(a)) if np.isfinite(a).any() else None
            entry["target_mean"] = float(np.nanmean(b)) if np.isfinite(b).any() else None
        drivers.append(entry)

    frame = dataset.frame
    label = dataset.label_columns[0] if len(dataset.label_columns) == 1 else None
    id_col = dataset.id_column

    def example(r: int, p: float) -> Example:
        values = {}
        for name, v in by_name.items():
            x = v.values[r]
            if v.kind == "categorical":
                values[_short(name, image)] = None if x < 0 else str(v.categories[x])
            else:
                values[_short(name, image)] = None if not np.isfinite(x) else float(x)
        return Example(
            id=str(frame[id_col].iloc[r]) if id_col else str(r),
            source=str(frame["source"].iloc[r]),
            label=None if label is None else str(frame[label].iloc[r]),
            p_target=round(float(p), 4),
            image=str(frame[image].iloc[r]) if image else None,
            values=values,
        )

    train_idx = np.flatnonzero(side == 0)
    target_idx = np.flatnonzero(side == 1)
    like_target = train_idx[np.argsort(-proba[train_idx], kind="stable")[:n_examples]]
    like_train = target_idx[np.argsort(proba[target_idx], kind="stable")[:n_examples]]
    detected = adv["ci"][0] > AUC_SHIFT
    return MismatchResult(
        project=config.name,
        compared=what,
        auc=adv["auc"],
        ci=tuple(adv["ci"]),
        n_scored=(int(train_idx.size), int(target_idx.size)),
        detected=bool(detected),
        threshold=AUC_SHIFT,
        drivers=drivers,
        target_like_train=[example(rows[i], proba[i]) for i in like_target],
        train_like_target=[example(rows[i], proba[i]) for i in like_train],
        kind="images" if image else "table",
    )
