"""Dev split into a *select* half (trials are scored on it) and a *confirm* half (only the
top trials and the default config are re-scored on it, once, after the search)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

__all__ = ["HALVES_SALT", "confirm_mask", "dev_half"]

HALVES_SALT = "yearn-tune"


def confirm_mask(ids: Any, salt: str = HALVES_SALT) -> np.ndarray:
    """True for the ids of the confirm half: a keyed hash of each id, so the halves stay
    put when rows are added or reordered."""
    from yearn.splits import hash_keys

    keys = hash_keys([str(i) for i in np.asarray(ids, dtype=object)], salt, "dev-halves")
    return (keys % np.uint64(2)) == 1


def dev_half(data: Any, half: str, salt: str = HALVES_SALT) -> Any:
    """``data`` (TrainData) with its dev split cut to one half (``select`` or ``confirm``);
    the confirm view keeps only train and dev (nothing else is scored there)."""
    from yearn.errors import DataError

    if "dev" not in data.splits or len(data.splits["dev"]) == 0:
        raise DataError("yearn tune needs a dev split to score trials on; run 'yearn split'.")
    dev = data.splits["dev"]
    mask = confirm_mask(dev.ids, salt)
    keep = mask if half == "confirm" else ~mask
    if keep.sum() < 2:
        raise DataError(
            f"the dev split has {len(dev)} examples, too few to split into select and "
            "confirm halves; give dev more examples ([split] dev in yearn.toml)."
        )
    meta = dev.meta.iloc[np.flatnonzero(keep)].reset_index(drop=True) if len(dev.meta) else dev.meta
    part = replace(dev, x=dev.x[keep], y=dev.y[keep], ids=dev.ids[keep], meta=meta)
    splits = {k: v for k, v in data.splits.items() if k != "dev" and k != "test"}
    if half == "confirm":
        splits = {"train": data.splits["train"]}
    splits["dev"] = part
    return replace(data, splits=splits)
