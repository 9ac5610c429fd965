"""The four-way split for mismatched data: train / train-dev / dev / test.

Dev and test come only from the target source; a share of it may join train; train-dev is
carved at random out of train (with train's mix of sources and classes); a group never
straddles splits; the assignment is a keyed hash of salt + group-or-id, so it is stable.
See ``docs/splits.md`` for how exact counts and stability coexist.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import pandas as pd

from yearn._validation import check_choice, check_number
from yearn.data import id_like_label
from yearn.errors import ConfigError, DataError
from yearn.splits._assign import allocate, hash_keys
from yearn.splits._inputs import (
    as_array,
    check_ids,
    infer_task,
    missing_mask,
    resolve_count,
    strata_labels,
)
from yearn.splits.checks import build_report
from yearn.splits.manifest import SPLITS, SplitManifest

__all__ = ["four_way_split"]

log = logging.getLogger(__name__)

CROSS_SOURCE_POLICIES = ("error", "train")


def four_way_split(
    ids: Any,
    sources: Any,
    *,
    target: str,
    groups: Any = None,
    labels: Any = None,
    task: str | None = None,
    dev: float = 0.25,
    test: float = 0.25,
    target_to_train: float | None = None,
    train_dev: float = 0.05,
    salt: str = "yearn",
    stratify: bool = True,
    cross_source_groups: Literal["error", "train"] = "error",
    previous: SplitManifest | None = None,
    metadata: pd.DataFrame | None = None,
    expected_error: float | None = 0.1,
    min_gain: float = 0.01,
    confidence: float = 0.95,
) -> SplitManifest:
    """Split examples into train / train_dev / dev / test and check the result.

    ``ids`` and ``sources`` (the source name of each example) are arrays of one length;
    ``target`` names the source the product will face: dev and test come only from it.
    ``dev``, ``test`` and ``target_to_train`` are shares (< 1) of the target source or
    whole counts (>= 1); ``target_to_train=None`` (the default) sends the rest of the
    target source to train, and target examples claimed by none of them join train too.
    ``train_dev`` is a share (< 1) or count of train, drawn with train's mix of sources and
    classes. ``groups`` (optional) keeps each group in one split; ``labels`` (optional)
    stratifies every split. ``previous`` (a manifest drawn with the same salt) keeps every
    example it holds in its split and assigns only new ones. ``metadata`` columns are
    compared between dev and test; ``expected_error`` / ``min_gain`` drive the precision
    warning (classification only). Returns a :class:`SplitManifest` whose ``report``
    holds the checks.
    """
    ids = as_array("ids", ids, None)
    keys = check_ids(ids)
    n = len(keys)
    src = as_array("sources", sources, n)
    bad = missing_mask(src)
    if bad.any():
        raise DataError(
            f"sources: {int(bad.sum())} example(s) have no source (first at row "
            f"{int(np.flatnonzero(bad)[0])}); give every example the name of its source."
        )
    src = np.array([str(s) for s in src], dtype=object)
    if not isinstance(target, str) or not target:
        raise ConfigError(
            f"target must name the target source (the data the product will face); got "
            f"{target!r}. Mark one source role = 'target' in yearn.toml."
        )
    is_target = src == target
    if not is_target.any():
        raise DataError(
            f"no example comes from the target source {target!r}; sources present: "
            f"{', '.join(sorted(set(src)))}. Dev and test are drawn only from the target "
            "source: name one of these, or add the target data."
        )
    check_choice("cross_source_groups", cross_source_groups, CROSS_SOURCE_POLICIES)
    if expected_error is not None:
        check_number("expected_error", expected_error, low=0, high=1, low_inclusive=False)
    check_number("min_gain", min_gain, low=0, high=1, low_inclusive=False)
    check_number("confidence", confidence, low=0, high=1, low_inclusive=False, high_inclusive=False)
    if previous is not None and previous.settings.get("salt") != salt:
        raise ConfigError(
            f"the previous manifest was drawn with salt {previous.settings.get('salt')!r}, "
            f"this split asks for salt {salt!r}; a new salt redraws everything — split "
            "afresh (CLI: yearn split --fresh) instead of growing the old manifest."
        )

    if metadata is not None:
        if not isinstance(metadata, pd.DataFrame):
            raise DataError(
                f"metadata must be a DataFrame (one row per example); got "
                f"{type(metadata).__name__}."
            )
        if len(metadata) != n:
            raise DataError(
                f"metadata has {len(metadata)} rows but there are {n} ids; give one row per "
                "example, in the same order."
            )
    grp = None if groups is None else as_array("groups", groups, n)
    has_group = np.zeros(n, dtype=bool) if grp is None else ~missing_mask(grp)
    units = ("i:" + pd.Series(keys, dtype=object)).to_numpy(dtype=object, copy=True)
    if grp is not None:
        units[has_group] = ["g:" + str(g) for g in grp[has_group]]
    unit_of, unit_names = pd.factorize(units)
    unit_names = np.asarray(unit_names, dtype=object)
    n_units = len(unit_names)
    sizes = np.bincount(unit_of, minlength=n_units)
    target_count = np.bincount(unit_of, weights=is_target, minlength=n_units)
    mixed = (target_count > 0) & (target_count < sizes)
    notes: list[str] = []
    if mixed.any():
        if cross_source_groups == "error":
            shown = ", ".join(repr(u[2:]) for u in unit_names[mixed][:5])
            raise DataError(
                f"groups: {int(mixed.sum())} group(s) hold examples of both the target "
                f"source {target!r} and a training source (e.g. {shown}); a group may not "
                "straddle splits and dev/test hold only target data. Send such groups "
                "wholly to train (cross_source_groups='train', CLI --cross-source-groups "
                "train) or give them distinct group ids per source."
            )
        notes.append(
            f"{int(mixed.sum())} group(s) spanning the target and training sources "
            f"({int(target_count[mixed].sum())} target examples) went wholly to train."
        )
    unit_is_target = (target_count == sizes) & ~mixed

    label_arr = None if labels is None else as_array("labels", labels, n)
    if label_arr is not None and task is None:
        task = infer_task(label_arr)
    stratum = np.full(n, "", dtype=object)
    if label_arr is not None and label_arr.ndim == 1 and task in ("binary", "multiclass"):
        id_like = id_like_label(label_arr)
        if id_like:
            notes.append(id_like)
    if stratify and label_arr is not None:
        if label_arr.ndim == 1:
            stratum = strata_labels(label_arr, task or "multiclass")
            why = _unstratifiable(stratum)
            if why:
                notes.append(why)
                stratum = np.full(n, "", dtype=object)
        else:
            notes.append("multi-label targets: splits are not stratified by label.")
    unit_stratum = _unit_mode(unit_of, stratum, n_units)
    fixed = _previous_splits(previous, keys, unit_of, n_units, unit_names)

    # stage 1: the target source → test, dev, rest (train)
    n_target = int(sizes[unit_is_target].sum())
    counts = _target_counts(n_target, target, dev, test, target_to_train, notes)
    tgt = np.flatnonzero(unit_is_target)
    fixed_tgt = np.array([_STAGE1.get(s, -1) for s in fixed[tgt]], dtype=np.int64)
    if (fixed[~unit_is_target] == "dev").any() or (fixed[~unit_is_target] == "test").any():
        raise DataError(
            "the previous manifest has examples in dev/test that are no longer in the "
            f"target source {target!r} (or whose group now spans sources); dev and test "
            "hold only target data — split afresh (yearn split --fresh)."
        )
    stage1 = allocate(
        hash_keys(unit_names[tgt], salt, "target"),
        sizes[tgt],
        unit_stratum[tgt],
        fixed_tgt,
        [counts["test"], counts["dev"]],
    )
    unit_split = np.full(n_units, "train", dtype=object)
    unit_split[tgt] = np.array(["test", "dev", "train"], dtype=object)[stage1]

    # stage 2: train (training sources + target share) → train_dev, train
    pool = np.flatnonzero(unit_split == "train")
    n_pool = int(sizes[pool].sum())
    if n_pool == 0:
        raise DataError(
            "train would be empty: there is no training source and dev + test take the "
            f"whole target source {target!r}; add training data or lower dev and test."
        )
    n_train_dev = resolve_count("train_dev", train_dev, n_pool)
    if n_train_dev >= n_pool:
        raise ConfigError(
            f"train_dev = {train_dev!r} asks for {n_train_dev} of the {n_pool} training "
            "examples; train-dev is a slice of train (0.05 for 5%, or a smaller count)."
        )
    unit_source = _unit_mode(unit_of, src, n_units)
    source_text = np.asarray(unit_source[pool]).astype(str).astype(object)
    stratum_text = np.asarray(unit_stratum[pool]).astype(str).astype(object)
    pool_strata = source_text + "\x1f" + stratum_text  # one stratum per source and label
    fixed_pool = np.array([_STAGE2.get(s, -1) for s in fixed[pool]], dtype=np.int64)
    stage2 = allocate(
        hash_keys(unit_names[pool], salt, "train_dev"),
        sizes[pool],
        pool_strata,
        fixed_pool,
        [n_train_dev],
    )
    unit_split[pool] = np.array(["train_dev", "train"], dtype=object)[stage2]
    counts["train_dev"] = n_train_dev

    split = unit_split[unit_of]
    table = pd.DataFrame(
        {
            "id": _id_column(ids),
            "split": pd.Categorical(split, categories=list(SPLITS)),
            "source": src,
            "group": pd.array(
                [str(g) if h else None for g, h in zip(grp, has_group, strict=True)]
                if grp is not None
                else [None] * n,
                dtype="string",
            ),
        }
    )
    if previous is not None:
        _growth_notes(previous, keys, notes)
    settings = {
        "target": target,
        "dev": dev,
        "test": test,
        "target_to_train": target_to_train,
        "train_dev": train_dev,
        "salt": salt,
        "stratify": bool(stratify),
        "cross_source_groups": cross_source_groups,
        "task": task,
        "requested": counts,
        "grown_from": None if previous is None else previous.sha256,
    }
    if task == "regression" and expected_error is not None:
        notes.append(
            "precision check skipped: it reasons about an error rate, and this is a "
            "regression task."
        )
        expected_error = None
    report = build_report(
        table,
        target=target,
        labels=label_arr if (label_arr is not None and label_arr.ndim == 1) else None,
        task=task,
        metadata=metadata,
        requested=counts,
        notes=notes,
        expected_error=expected_error,
        min_gain=min_gain,
        confidence=confidence,
    )
    for message in report.warnings:
        log.info("split: %s", message)
    return SplitManifest(table=table, settings=settings, report=report)


_STAGE1 = {"test": 0, "dev": 1, "train": 2, "train_dev": 2}
_STAGE2 = {"train_dev": 0, "train": 1}


def _id_column(ids: np.ndarray) -> Any:
    """Keep integer ids as integers, anything else as strings."""
    if ids.dtype.kind in "iu":
        return ids.astype(np.int64)
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in ids):
        return ids.astype(np.int64)
    return pd.array([str(v) for v in ids], dtype="string")


def _unit_mode(unit_of: np.ndarray, values: np.ndarray, n_units: int) -> np.ndarray:
    """The most frequent value per unit (ties: the smallest string)."""
    if n_units == len(unit_of):  # one example per unit: units are in row order
        return np.asarray(values, dtype=object)[np.argsort(unit_of)]
    frame = pd.DataFrame({"u": unit_of, "v": values.astype(str)})
    counts = frame.value_counts().reset_index(name="n")
    counts = counts.sort_values(["u", "n", "v"], ascending=[True, False, True])
    first = counts.drop_duplicates("u")
    out = np.empty(n_units, dtype=object)
    out[first["u"].to_numpy()] = first["v"].to_numpy()
    return out


def _target_counts(
    n_target: int, target: str, dev: Any, test: Any, target_to_train: Any, notes: list[str]
) -> dict[str, int]:
    n_dev = resolve_count("dev", dev, n_target)
    n_test = resolve_count("test", test, n_target)
    if n_dev < 1 or n_test < 1:
        raise DataError(
            f"the target source {target!r} has {n_target} example(s): dev = {float(dev):g} gives "
            f"{n_dev} and test = {float(test):g} gives {n_test}, but each needs at least one "
            "(hundreds to measure anything). Add target data or give larger shares/counts."
        )
    if n_dev + n_test > n_target:
        raise DataError(
            f"the target source {target!r} has {n_target} example(s), too few for dev "
            f"({float(dev):g} → {n_dev}) and test ({float(test):g} → {n_test}); add target data or "
            "lower dev and test."
        )
    if target_to_train is None:
        return {"dev": n_dev, "test": n_test, "target_to_train": n_target - n_dev - n_test}
    n_ttt = resolve_count("target_to_train", target_to_train, n_target)
    shares = [float(v) for v in (dev, test, target_to_train) if v < 1]
    if len(shares) == 3 and abs(sum(shares) - 1) < 1e-9 and n_dev + n_test <= n_target:
        n_ttt = n_target - n_dev - n_test  # shares that add up to 1: absorb the rounding
    if n_dev + n_test + n_ttt > n_target:
        raise ConfigError(
            f"dev ({float(dev):g} → {n_dev}) + test ({float(test):g} → {n_test}) + target_to_train "
            f"({float(target_to_train):g} → {n_ttt}) = {n_dev + n_test + n_ttt} examples, but "
            f"the target source {target!r} has {n_target}; lower one of them so they "
            "add up to at most the target source."
        )
    rest = n_target - n_dev - n_test - n_ttt
    if rest > 0:
        notes.append(
            f"{rest} target example(s) not claimed by dev, test or target_to_train "
            "joined train too."
        )
    return {"dev": n_dev, "test": n_test, "target_to_train": n_ttt}


def _previous_splits(
    previous: SplitManifest | None,
    keys: np.ndarray,
    unit_of: np.ndarray,
    n_units: int,
    unit_names: np.ndarray,
) -> np.ndarray:
    """The split each unit had in ``previous`` ("" for new units)."""
    fixed = np.full(n_units, "", dtype=object)
    if previous is None:
        return fixed
    old = dict(
        zip(
            previous.table["id"].astype(str).to_numpy(),
            previous.table["split"].astype(str).to_numpy(),
            strict=True,
        )
    )
    per_example = np.array([old.get(k, "") for k in keys], dtype=object)
    known = per_example != ""
    frame = pd.DataFrame({"u": unit_of[known], "s": per_example[known]}).drop_duplicates()
    conflicted = frame["u"].duplicated(keep=False)
    if conflicted.any():
        unit = unit_names[int(frame.loc[conflicted, "u"].iloc[0])]
        held = sorted(frame.loc[frame["u"] == frame.loc[conflicted, "u"].iloc[0], "s"])
        raise DataError(
            f"group {unit[2:]!r} holds examples that the previous manifest put in different "
            f"splits ({', '.join(held)}): group ids changed since it was drawn. Split afresh "
            "(yearn split --fresh) so no group straddles splits."
        )
    fixed[frame["u"].to_numpy()] = frame["s"].to_numpy()
    return fixed


def _growth_notes(previous: SplitManifest, keys: np.ndarray, notes: list[str]) -> None:
    old = set(previous.table["id"].astype(str))
    new = set(keys)
    kept = len(old & new)
    notes.append(
        f"grown from the previous manifest: {kept} example(s) kept their split, "
        f"{len(new - old)} new example(s) assigned"
        + (f", {len(old - new)} no longer in the data dropped" if old - new else "")
        + "."
    )


#: A stratum needs one example for each of train, dev and test to be stratified.
_MIN_STRATUM = 3


def _unstratifiable(stratum: np.ndarray) -> str | None:
    """Why the split cannot be stratified by label (most examples in tiny strata), or None.

    Stratifying many one-example classes puts each whole class in one split and skews the
    others (every target row of train ending in train-dev); the split is then drawn
    without stratification, and the note says so.
    """
    counts = pd.Series(stratum).value_counts()
    tiny = counts[counts < _MIN_STRATUM]
    if tiny.sum() <= 0.5 * len(stratum):
        return None
    return (
        f"the split cannot be stratified by label: {len(tiny):,} of {len(counts):,} classes "
        f"have fewer than {_MIN_STRATUM} examples ({int(tiny.sum()):,} of {len(stratum):,} "
        "examples), so no class can be in every split; drawn without stratification."
    )
