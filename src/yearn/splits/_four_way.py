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
import pyarrow as pa
import pyarrow.compute as pc

from yearn._validation import check_choice, check_number
from yearn.data import id_like_label
from yearn.errors import ConfigError, DataError
from yearn.splits._assign import allocate
from yearn.splits._hash import HASH_SCHEMES, hash_units
from yearn.splits._inputs import (
    as_array,
    as_text,
    check_ids,
    infer_task,
    missing_mask,
    resolve_count,
    strata_codes,
    text_codes,
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
    hash_scheme: str | None = None,
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
    warning (classification only). ``hash_scheme`` (``mix64`` or ``blake2b``; default: the
    previous manifest's, else ``mix64``) keys the units — see ``docs/splits.md``. Returns a
    :class:`SplitManifest` whose ``report`` holds the checks.
    """
    ids = as_array("ids", ids, None)
    keys = check_ids(ids)
    n = len(keys)
    if isinstance(sources, pd.Series) and len(sources) == n:  # factorised as it is stored
        src_code, src_names = text_codes(sources.reset_index(drop=True))
    else:
        src_code, src_names = text_codes(as_array("sources", sources, n))
    bad = src_code < 0
    if bad.any():
        raise DataError(
            f"sources: {int(bad.sum())} example(s) have no source (first at row "
            f"{int(np.flatnonzero(bad)[0])}); give every example the name of its source."
        )
    if not isinstance(target, str) or not target:
        raise ConfigError(
            f"target must name the target source (the data the product will face); got "
            f"{target!r}. Mark one source role = 'target' in yearn.toml."
        )
    if target not in set(src_names):
        raise DataError(
            f"no example comes from the target source {target!r}; sources present: "
            f"{', '.join(src_names)}. Dev and test are drawn only from the target "
            "source: name one of these, or add the target data."
        )
    is_target = src_code == int(np.searchsorted(src_names, target))
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
    scheme = _scheme(hash_scheme, previous)

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
    group_text = None
    id_units = _prefixed("i:", keys)
    if has_group.any():
        group_text = as_text(np.where(has_group, grp, ""))
        units = pc.if_else(pa.array(has_group), _prefixed("g:", group_text), id_units)
        encoded = units.dictionary_encode()
        unit_of = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        unit_names = encoded.dictionary
    else:  # no groups: every example is its own unit, in row order
        unit_of, unit_names = np.arange(n), id_units
    n_units = len(unit_names)
    sizes = np.bincount(unit_of, minlength=n_units)
    target_count = np.bincount(unit_of, weights=is_target, minlength=n_units)
    mixed = (target_count > 0) & (target_count < sizes)
    notes: list[str] = []
    if mixed.any():
        if cross_source_groups == "error":
            shown = ", ".join(
                repr(u[2:]) for u in unit_names.filter(pa.array(mixed)).to_pylist()[:5]
            )
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
    stratum, stratum_names = np.zeros(n, dtype=np.int64), np.array([""], dtype=object)
    if label_arr is not None and label_arr.ndim == 1 and task in ("binary", "multiclass"):
        id_like = id_like_label(label_arr)
        if id_like:
            notes.append(id_like)
    if stratify and label_arr is not None:
        if label_arr.ndim == 1:
            codes, names = strata_codes(label_arr, task or "multiclass")
            why = _unstratifiable(codes, len(names))
            if why:
                notes.append(why)
            else:
                stratum, stratum_names = codes, names
        else:
            notes.append("multi-label targets: splits are not stratified by label.")
    unit_stratum = _unit_mode(unit_of, stratum, n_units)
    prev_codes = None if previous is None else _previous_codes(previous, keys)
    fixed = _previous_splits(prev_codes, unit_of, n_units, unit_names)

    # stage 1: the target source → test, dev, rest (train)
    n_target = int(sizes[unit_is_target].sum())
    counts = _target_counts(n_target, target, dev, test, target_to_train, notes)
    tgt = np.flatnonzero(unit_is_target)
    if np.isin(fixed[~unit_is_target], (_DEV, _TEST)).any():
        raise DataError(
            "the previous manifest has examples in dev/test that are no longer in the "
            f"target source {target!r} (or whose group now spans sources); dev and test "
            "hold only target data — split afresh (yearn split --fresh)."
        )
    stage1 = allocate(
        hash_units(unit_names.take(tgt), salt, "target", scheme),
        sizes[tgt],
        unit_stratum[tgt],
        _STAGE1_CODE[fixed[tgt]],
        [counts["test"], counts["dev"]],
    )
    unit_split = np.full(n_units, _TRAIN, dtype=np.int8)
    unit_split[tgt] = np.array([_TEST, _DEV, _TRAIN], dtype=np.int8)[stage1]

    # stage 2: train (training sources + target share) → train_dev, train
    pool = np.flatnonzero(unit_split == _TRAIN)
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
    unit_source = _unit_mode(unit_of, src_code, n_units)
    pool_strata = _joint_strata(
        unit_source[pool], src_names, unit_stratum[pool], stratum_names
    )  # one stratum per source and label
    stage2 = allocate(
        hash_units(unit_names.take(pool), salt, "train_dev", scheme),
        sizes[pool],
        pool_strata,
        _STAGE2_CODE[fixed[pool]],
        [n_train_dev],
    )
    unit_split[pool] = np.array([_TRAIN_DEV, _TRAIN], dtype=np.int8)[stage2]
    counts["train_dev"] = n_train_dev

    table = pd.DataFrame(
        {
            "id": _id_column(ids, keys),
            "split": pd.Categorical.from_codes(unit_split[unit_of], categories=list(SPLITS)),
            "source": _source_column(src_code, src_names),
            "group": _group_column(group_text, has_group, n),
        }
    )
    if previous is not None:
        notes.append(_growth_note(previous, prev_codes))
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
        "hash": scheme,
    }
    expected_error = _precision_target(task, expected_error, notes)
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


_TRAIN, _TRAIN_DEV, _DEV, _TEST = range(4)  # positions in SPLITS
_STAGE1 = {"test": 0, "dev": 1, "train": 2, "train_dev": 2}
_STAGE2 = {"train_dev": 0, "train": 1}
# the same by split code (-1 for none: index -1 reads the last entry)
_STAGE1_CODE = np.array([2, 2, 1, 0, -1], dtype=np.int64)  # test 0, dev 1, train 2
_STAGE2_CODE = np.array([1, 0, -1, -1, -1], dtype=np.int64)  # train_dev 0, train 1


def _scheme(asked: str | None, previous: SplitManifest | None) -> str:
    """The hash scheme: the one asked, else the previous manifest's (so growing never
    moves an example), else ``mix64``. Manifests without the setting used ``blake2b``."""
    if previous is not None:
        held = previous.settings.get("hash", "blake2b")
        if asked is not None and asked != held:
            raise ConfigError(
                f"the previous manifest was drawn with hash {held!r}, this split asks for "
                f"{asked!r}; a new hash redraws everything — split afresh (yearn split "
                "--fresh) instead of growing the old manifest."
            )
        asked = held
    scheme = asked or "mix64"
    check_choice("hash_scheme", scheme, HASH_SCHEMES)
    return scheme


def _prefixed(prefix: str, text: pa.Array) -> pa.Array:
    """``prefix + value`` for each value of a ``large_string`` array."""
    return pc.binary_join_element_wise(
        pa.scalar(prefix, pa.large_string()), text, pa.scalar("", pa.large_string())
    )


def _id_column(ids: np.ndarray, keys: pa.Array) -> Any:
    """Keep integer ids as integers, anything else as strings."""
    if ids.dtype.kind in "iu":
        return ids.astype(np.int64)
    if ids.dtype.kind == "O" and all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in ids
    ):
        return ids.astype(np.int64)
    return pd.Series(pd.array(keys, dtype="string"))


def _source_column(codes: np.ndarray, names: np.ndarray) -> pd.Series:
    """The source of each example (``str`` dtype), decoded in Arrow from the codes."""
    text = pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32)), pa.array(list(names), pa.large_string())
    ).cast(pa.large_string())
    return pd.Series(pd.array(text, dtype="str"))


def _group_column(group_text: pa.Array | None, has_group: np.ndarray, n: int) -> pd.Series:
    """The group of each example as strings, missing where it has none."""
    if group_text is None:
        text = pa.nulls(n, pa.large_string())
    else:
        text = pc.if_else(pa.array(has_group), group_text, pa.scalar(None, pa.large_string()))
    return pd.Series(pd.array(text, dtype="string"))


def _unit_mode(unit_of: np.ndarray, codes: np.ndarray, n_units: int) -> np.ndarray:
    """The most frequent code per unit (ties: the smallest code, i.e. the smallest name
    when codes are ordered as the names sort)."""
    if n_units == len(unit_of):  # one example per unit
        out = np.empty(n_units, dtype=np.int64)
        out[unit_of] = codes
        return out
    frame = pd.DataFrame({"u": unit_of, "v": codes})
    counts = frame.value_counts().reset_index(name="n")
    counts = counts.sort_values(["u", "n", "v"], ascending=[True, False, True])
    first = counts.drop_duplicates("u")
    out = np.zeros(n_units, dtype=np.int64)
    out[first["u"].to_numpy()] = first["v"].to_numpy()
    return out


def _joint_strata(
    a: np.ndarray, a_names: np.ndarray, b: np.ndarray, b_names: np.ndarray
) -> np.ndarray:
    """Codes of the pairs ``a_name + "\\x1f" + b_name``, ordered as those texts sort."""
    pair = a.astype(np.int64) * len(b_names) + b
    present, inverse = np.unique(pair, return_inverse=True)
    text = np.array(
        [f"{a_names[p // len(b_names)]}\x1f{b_names[p % len(b_names)]}" for p in present],
        dtype=object,
    )
    rank = np.empty(len(text), dtype=np.int64)
    rank[np.argsort(text, kind="stable")] = np.arange(len(text))
    return rank[inverse.ravel()]


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
    per_example: np.ndarray | None, unit_of: np.ndarray, n_units: int, unit_names: pa.Array
) -> np.ndarray:
    """The split code each unit had in the previous manifest (-1 for new units), from
    ``per_example`` (each example's code there, -1 when new; None: no previous)."""
    fixed = np.full(n_units, -1, dtype=np.int64)
    if per_example is None:
        return fixed
    known = per_example >= 0
    frame = pd.DataFrame({"u": unit_of[known], "s": per_example[known]}).drop_duplicates()
    conflicted = frame["u"].duplicated(keep=False)
    if conflicted.any():
        first = int(frame.loc[conflicted, "u"].iloc[0])
        unit = unit_names[first].as_py()
        held = sorted(SPLITS[s] for s in frame.loc[frame["u"] == first, "s"])
        raise DataError(
            f"group {unit[2:]!r} holds examples that the previous manifest put in different "
            f"splits ({', '.join(held)}): group ids changed since it was drawn. Split afresh "
            "(yearn split --fresh) so no group straddles splits."
        )
    fixed[frame["u"].to_numpy()] = frame["s"].to_numpy()
    return fixed


def _previous_codes(previous: SplitManifest, keys: pa.Array) -> np.ndarray:
    """Per example: its split code in ``previous`` (-1 when the manifest lacks its id)."""
    table = previous.table
    old_ids = table["id"]
    if old_ids.dtype.kind in "iu":
        old_text = as_text(old_ids.to_numpy())
    else:
        old_text = as_text(old_ids.astype(str).to_numpy(dtype=object))
    where = pd.Index(pd.arrays.ArrowStringArray(old_text)).get_indexer(
        pd.arrays.ArrowStringArray(keys)
    )
    split_codes = pd.Categorical(table["split"].astype(str), categories=list(SPLITS)).codes
    out = np.asarray(split_codes, dtype=np.int64)[where]
    out[where < 0] = -1
    return out


def _growth_note(previous: SplitManifest, per_example: np.ndarray) -> str:
    n_old, kept = len(previous.table), int((per_example >= 0).sum())
    return (
        f"grown from the previous manifest: {kept} example(s) kept their split, "
        f"{len(per_example) - kept} new example(s) assigned"
        + (f", {n_old - kept} no longer in the data dropped" if n_old > kept else "")
        + "."
    )


#: A stratum needs one example for each of train, dev and test to be stratified.
_MIN_STRATUM = 3


def _unstratifiable(codes: np.ndarray, n_strata: int) -> str | None:
    """Why the split cannot be stratified by label (most examples in tiny strata), or None.

    Stratifying many one-example classes puts each whole class in one split and skews the
    others (every target row of train ending in train-dev); the split is then drawn
    without stratification, and the note says so.
    """
    counts = np.bincount(codes, minlength=n_strata)
    counts = counts[counts > 0]
    tiny = counts[counts < _MIN_STRATUM]
    if tiny.sum() <= 0.5 * len(codes):
        return None
    return (
        f"the split cannot be stratified by label: {len(tiny):,} of {len(counts):,} classes "
        f"have fewer than {_MIN_STRATUM} examples ({int(tiny.sum()):,} of {len(codes):,} "
        "examples), so no class can be in every split; drawn without stratification."
    )


def _precision_target(task: str, expected_error: float | None, notes: list[str]) -> float | None:
    """The error rate the precision check reasons about; none for regression (said once)."""
    if task == "regression" and expected_error is not None:
        notes.append(
            "precision check skipped: it reasons about an error rate, and this is a "
            "regression task."
        )
        return None
    return expected_error
