"""The streamed split without a group column, its per-row state on disk.

One pass over the data writes a 27-byte record per row to a temporary file (its two
hash keys, label, source and previous split) and each ``train_dev`` key to an on-disk
hash partition (for repeated ids). The allocation of :func:`~yearn.splits._assign.allocate`
is then replayed from counts: within a stratum the free examples fill their shares in key
order, so the only figures it needs are the keys at a few ranks per stratum, found exactly
by :func:`~yearn.splits._stream_select.select`. Every pass reads the records in chunks;
what stays in memory per row is the split code and the manifest's split and source codes
(3 bytes). The result is the in-memory assignment, row for row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn.data.budget import iter_batches, parquet_sources
from yearn.data.spill import Partitions, Spill, check_disk, partition_bits
from yearn.errors import ConfigError, DataError
from yearn.splits._assign import quota_shares
from yearn.splits._four_way import _MIN_STRATUM, _STAGE1_CODE, _STAGE2_CODE, _target_counts
from yearn.splits._hash import hash_units
from yearn.splits._inputs import resolve_count
from yearn.splits._stream_previous import growth_note, previous_splits
from yearn.splits._stream_rows import (
    batch_ids,
    batch_labels,
    name_duplicate,
    split_columns,
)
from yearn.splits._stream_select import at_or_after, float_keys, select
from yearn.splits.manifest import SPLITS

__all__ = [
    "RECORD_BYTES",
    "moment_balance",
    "place",
    "repeated_keys",
    "report_table",
    "row_strata",
    "split_spilled",
    "tally",
]

RECORD_BYTES = 27 + 8  # the row's record + its key in the partitions, on disk
_DEV_TEST = [SPLITS.index("dev"), SPLITS.index("test")]


def _dtype(task: str | None) -> np.dtype:
    label = "<f8" if task == "regression" else "<i4"
    return np.dtype(
        [("k_t", "<u8"), ("k_td", "<u8"), ("lab", label), ("src", "<i2"), ("fix", "i1")]
    )


class _Classes:
    classes: dict[str, int]

    def __init__(self) -> None:
        self.classes = {}


def _spill(config, plan, salt, scheme, target, previous, folder: Path):
    """Pass 1 over the data: the records, the class texts, counts per class, and the
    partitions of the ``train_dev`` keys."""
    sources = parquet_sources(config)
    rows = sum(_rows(s.path) for s in sources)
    spill = Spill(folder / "rows.bin", _dtype(config.task))
    bits = partition_bits(rows, 8, plan.budget / 8)
    keys = Partitions(folder, "keys", [("key", "<u8")], bits)
    labels = _Classes()
    kept = _fill(config, plan, salt, scheme, target, previous, sources, spill, keys, labels)
    note = None if previous is None else growth_note(previous, kept, spill.rows)
    return spill, labels.classes, keys, note


def _fill(config, plan, salt, scheme, target, previous, sources, spill, keys, labels) -> int:
    """Write every row's record and key; returns how many rows the previous manifest held."""
    kept = 0
    for code, source in enumerate(sources):
        start = 0
        for batch in iter_batches(source.path, split_columns(config), plan.batch_rows):
            n = batch.num_rows
            ids = batch_ids(config, source, batch, start)
            units = ["i:" + v for v in ids]
            rec = np.zeros(n, dtype=spill.dtype)
            rec["k_td"] = hash_units(units, salt, "train_dev", scheme)
            if source.name == target:
                rec["k_t"] = hash_units(units, salt, "target", scheme)
            rec["src"] = code
            rec["fix"] = previous_splits(previous, rec["k_td"])[0]
            kept += int((rec["fix"] >= 0).sum())
            codes = batch_labels(config, source, batch, labels, start)
            if codes is not None:
                rec["lab"] = codes
            spill.append(rec)
            keys.append(np.rec.fromarrays([rec["k_td"]], dtype=[("key", "<u8")]))
            start += n
    return kept


def _rows(path) -> int:
    from yearn.data.budget import parquet_size

    return parquet_size(path).rows


def repeated_keys(keys: Partitions) -> set[int]:
    """Keys held by more than one row (one partition in memory at a time)."""
    out: set[int] = set()
    for part in keys:
        ordered = np.sort(part["key"])
        out.update(ordered[1:][ordered[1:] == ordered[:-1]].tolist())
    return out


def row_strata(config, spill: Spill, classes: dict[str, int], chunk: int, notes: list[str]):
    """``(f, names)``: ``f(records, rows)`` gives each row's stratum code, ordered as the
    in-memory stratum names ``names`` sort."""
    n = spill.rows
    label = config.label_columns[0] if len(config.label_columns) == 1 else None
    flat = ([""], lambda rec, rows: np.zeros(len(rec), dtype=np.int64))
    if (
        not config.split.stratify
        or label is None
        or config.task
        not in (
            "binary",
            "multiclass",
            "regression",
        )
    ):
        return flat
    if config.task == "regression":  # deciles of the label's rank (ties: row order)

        def chunks():
            for start, rec in spill.chunks(chunk):
                rows = np.arange(start, start + len(rec))
                yield np.zeros(len(rec), np.int64), float_keys(rec["lab"]), rows

        ranks = np.array([[-(-b * n // 10) for b in range(1, 10)]])
        k, r, e = select(chunks, 1, ranks)

        def deciles(rec, rows):
            fk = float_keys(rec["lab"])
            return sum(
                at_or_after(fk, rows, k[0, b], r[0, b], e[0, b]).astype(np.int64) for b in range(9)
            )

        return [f"q{b}" for b in range(10)], deciles
    names = sorted(classes)
    remap = np.empty(max(len(classes), 1), dtype=np.int64)
    for text, code in classes.items():
        remap[code] = names.index(text)
    counts = np.zeros(len(names), dtype=np.int64)
    for _, rec in spill.chunks(chunk):
        counts += np.bincount(remap[rec["lab"]], minlength=len(names))
    tiny = counts[counts < _MIN_STRATUM]
    if tiny.sum() > 0.5 * n:
        notes.append(
            f"the split cannot be stratified by label: {len(tiny):,} of {len(names):,} classes "
            f"have fewer than {_MIN_STRATUM} examples ({int(tiny.sum()):,} of {n:,} examples), "
            "so no class can be in every split; drawn without stratification."
        )
        return flat
    return names, lambda rec, rows: remap[rec["lab"]]


def _boundaries(spill, chunk, pick, n_free, bounds):
    """``select`` over the rows ``pick(records, rows)`` marks: (stratum, key, row)."""

    def chunks():
        for start, rec in spill.chunks(chunk):
            yield pick(rec, np.arange(start, start + len(rec)))

    return select(chunks, n_free, bounds)


def place(key, rows, index, k, r, e) -> np.ndarray:
    """Each free row's split: how many of its stratum's boundaries it sorts at or after."""
    out = np.zeros(len(key), dtype=np.int64)
    for j in range(k.shape[1]):
        out += at_or_after(key, rows, k[index, j], r[index, j], e[index, j])
    return out


def split_spilled(config, plan, previous, scheme: str, target: str, notes: list[str]):
    """Each row's split code (SPLITS order), source code, the requested counts and the
    report's inputs, with per-row state on disk (see the module docstring)."""
    import tempfile

    sources = parquet_sources(config)
    names = [s.name for s in sources]
    settings = config.split
    chunk = max(plan.batch_rows, 1024)
    rows = sum(_rows(s.path) for s in sources)
    check_disk(rows * RECORD_BYTES, f"the streamed split of {rows:,} rows")
    with tempfile.TemporaryDirectory(prefix="yearn-split-") as tmp:
        spill, classes, keys, growth = _spill(
            config, plan, settings.salt, scheme, target, previous, Path(tmp)
        )
        if config.id_column is not None:
            suspects = repeated_keys(keys)
            if suspects:
                name_duplicate(config, plan, suspects, scheme)
        for part in keys.parts:
            part.path.unlink()
        strata_names, stratum = row_strata(config, spill, classes, chunk, notes)
        width = len(strata_names)
        target_codes = [i for i, s in enumerate(sources) if s.name == target]

        # stage 1: target rows -> test 0 / dev 1 / train 2
        free1 = np.zeros(width, dtype=np.int64)
        taken1 = np.zeros(3, dtype=np.int64)
        n_target = 0
        for start, rec in spill.chunks(chunk):
            tgt = np.isin(rec["src"], target_codes)
            if (~tgt & np.isin(rec["fix"], _DEV_TEST)).any():
                raise DataError(
                    "the previous manifest has examples in dev/test that are no longer in the "
                    f"target source {target!r}; split afresh (yearn split --fresh)."
                )
            f1 = _STAGE1_CODE[rec["fix"]]
            st = stratum(rec, np.arange(start, start + len(rec)))
            n_target += int(tgt.sum())
            taken1 += np.bincount(f1[tgt & (f1 >= 0)], minlength=3)
            free1 += np.bincount(st[tgt & (f1 < 0)], minlength=width)
        counts = _target_counts(
            n_target, target, settings.dev, settings.test, settings.target_to_train, notes
        )
        present1 = np.flatnonzero(free1)
        index1 = np.full(width, -1, dtype=np.int64)
        index1[present1] = np.arange(present1.size)
        share1 = quota_shares(taken1, free1[present1], [counts["test"], counts["dev"]])

        def free_target(rec, rows):
            m = np.isin(rec["src"], target_codes) & (_STAGE1_CODE[rec["fix"]] < 0)
            return index1[stratum(rec, rows)[m]], rec["k_t"][m], rows[m]

        b1 = _boundaries(spill, chunk, free_target, present1.size, share1[:, :-1].cumsum(1))

        def first_stage(rec, rows):
            """Split codes after stage 1 (target rows placed, the rest train) and strata."""
            st = stratum(rec, rows)
            tgt = np.isin(rec["src"], target_codes)
            s1 = _STAGE1_CODE[rec["fix"]]
            m = tgt & (s1 < 0)
            s1[m] = place(rec["k_t"][m], rows[m], index1[st[m]], *b1)
            code = np.zeros(len(rec), dtype=np.int8)
            code[tgt] = np.array([3, 2, 0], dtype=np.int8)[s1[tgt]]
            return code, st

        # stage 2: the pool (train) -> train_dev 0 / train 1, by source and stratum
        n_pairs = len(names) * width
        every, free2 = np.zeros(n_pairs, np.int64), np.zeros(n_pairs, np.int64)
        taken2 = np.zeros(2, dtype=np.int64)
        for start, rec in spill.chunks(chunk):
            code, st = first_stage(rec, np.arange(start, start + len(rec)))
            pool = code == 0
            pair = rec["src"].astype(np.int64) * width + st
            f2 = _STAGE2_CODE[rec["fix"]]
            every += np.bincount(pair[pool], minlength=n_pairs)
            taken2 += np.bincount(f2[pool & (f2 >= 0)], minlength=2)
            free2 += np.bincount(pair[pool & (f2 < 0)], minlength=n_pairs)
        n_pool = int(every.sum())
        n_train_dev = resolve_count("train_dev", settings.train_dev, n_pool)
        if n_train_dev >= n_pool:
            raise ConfigError(
                f"train_dev = {settings.train_dev!r} asks for {n_train_dev} of the {n_pool} "
                "training examples; train-dev is a slice of train."
            )
        present = np.flatnonzero(every)  # one stratum per source and label, ordered as text
        text = [f"{names[p // width]}\x1f{strata_names[p % width]}" for p in present]
        rank = np.zeros(n_pairs, dtype=np.int64)
        rank[present[np.argsort(np.array(text, dtype=object), kind="stable")]] = np.arange(
            present.size
        )
        present2 = np.flatnonzero(free2)
        present2 = present2[np.argsort(rank[present2], kind="stable")]
        index2 = np.full(n_pairs, -1, dtype=np.int64)
        index2[present2] = np.arange(present2.size)
        share2 = quota_shares(taken2, free2[present2], [n_train_dev])

        def free_pool(rec, rows):
            code, st = first_stage(rec, rows)
            m = (code == 0) & (_STAGE2_CODE[rec["fix"]] < 0)
            pair = rec["src"].astype(np.int64) * width + st
            return index2[pair[m]], rec["k_td"][m], rows[m]

        b2 = _boundaries(spill, chunk, free_pool, present2.size, share2[:, :1])
        counts["train_dev"] = n_train_dev
        out = _final(config, spill, chunk, first_stage, width, index2, b2, classes, names)
    if growth:
        notes.append(growth)
    return out, counts


def _final(config, spill, chunk, first_stage, width, index2, b2, classes, names):
    """The last pass: each row's split code and source code, and the report's inputs."""

    def code_of(rec, rows):
        c, st = first_stage(rec, rows)
        f2 = _STAGE2_CODE[rec["fix"]]
        pool = c == 0
        m = pool & (f2 < 0)
        pair = rec["src"].astype(np.int64) * width + st
        s2 = f2.copy()
        s2[m] = place(rec["k_td"][m], rows[m], index2[pair[m]], *b2)
        c[pool] = np.array([1, 0], dtype=np.int8)[s2[pool]]
        return c

    return tally(config, spill, chunk, code_of, classes, names)


def tally(config, spill, chunk, code_of, classes, names):
    """Each row's split code (``code_of(records, rows)``, chunk by chunk) and source code,
    and the report's inputs: counts per split, source and class; for regression the
    label moments per split; the dev and test rows' labels when a test needs them."""
    n = spill.rows
    code = np.zeros(n, dtype=np.int8)
    src = np.zeros(n, dtype=np.int8 if len(names) < 128 else np.int16)
    regression = config.task == "regression"
    label = config.label_columns[0] if len(config.label_columns) == 1 else None
    labelled = label is not None and config.task in ("binary", "multiclass", "regression")
    n_classes = max(len(classes), 1) if labelled and not regression else 1
    cells = np.zeros(len(SPLITS) * len(names) * n_classes, dtype=np.int64)
    keep_eval = labelled and (regression or bool(config.metadata_columns))
    eval_rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # code, source, label
    moments = np.zeros((len(SPLITS), 3))  # regression: n, mean, M2 per split (finite)
    for start, rec in spill.chunks(chunk):
        c = code_of(rec, np.arange(start, start + len(rec)))
        code[start : start + len(rec)] = c
        src[start : start + len(rec)] = rec["src"]
        lab = rec["lab"] if labelled and not regression else np.zeros(len(rec), np.int64)
        cell = (c.astype(np.int64) * len(names) + rec["src"]) * n_classes + lab
        cells += np.bincount(cell, minlength=cells.size)
        if keep_eval:
            e = np.isin(c, _DEV_TEST)
            eval_rows.append((c[e], rec["src"][e], rec["lab"][e]))
        if regression:
            for s in range(len(SPLITS)):
                v = rec["lab"][c == s]
                v = v[np.isfinite(v)]
                if v.size:
                    moments[s] = _merge(moments[s], v)
    class_text = np.empty(n_classes, dtype=object)
    for t, k in classes.items():
        class_text[k] = t
    evals = None
    if keep_eval:
        evals = [np.concatenate([r[i] for r in eval_rows]) for i in range(3)]
        if not regression:
            evals[2] = class_text[evals[2]]
    inputs = {
        "cells": cells.reshape(len(SPLITS), len(names), n_classes),
        "class_text": class_text if labelled and not regression else None,
        "eval": evals,  # (split code, source code, label) of the dev and test rows
        "moments": moments if regression and labelled else None,
    }
    return code, src, inputs


def _merge(acc: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Chan's update of (n, mean, M2) with the values ``v``."""
    n, mean, m2 = acc
    k, vm = v.size, float(v.mean())
    vm2 = float(((v - vm) ** 2).sum())
    total = n + k
    delta = vm - mean
    return np.array([total, mean + delta * k / total, m2 + vm2 + delta**2 * n * k / total])


def report_table(src_names: list[str], inputs: dict[str, Any]):
    """The report's weighted table (one row per split, source and label cell), its labels
    and weights, for :func:`~yearn.splits.checks.build_report`. Regression: the dev and
    test rows one by one (the KS test needs their values) and train / train_dev as
    unlabelled cells, whose balance is then :func:`moment_balance`."""
    cells = inputs["cells"]
    s, g, c = np.nonzero(cells)
    weights = cells[s, g, c]
    labels = None if inputs["class_text"] is None else inputs["class_text"][c]
    if inputs["moments"] is not None:
        keep = ~np.isin(s, _DEV_TEST)
        s, g, weights = s[keep], g[keep], weights[keep]
        labels = np.full(len(s), np.nan)
        if inputs["eval"] is not None:
            e_split, e_src, e_lab = inputs["eval"]
            s, g = np.r_[s, e_split], np.r_[g, e_src]
            weights = np.r_[weights, np.ones(len(e_split), dtype=np.int64)]
            labels = np.r_[labels, e_lab]
    table = pd.DataFrame(
        {
            "split": pd.Categorical.from_codes(s.astype(np.int64), categories=list(SPLITS)),
            "source": pd.Categorical.from_codes(g.astype(np.int64), categories=src_names),
            "group": pd.Series(pd.NA, index=pd.RangeIndex(len(s)), dtype="string"),
        }
    )
    return table, labels, weights


def moment_balance(balance: dict[str, Any], moments: np.ndarray) -> dict[str, Any]:
    """Regression: train and train_dev label mean / std from the streamed moments."""
    out = dict(balance)
    for s in ("train", "train_dev"):
        n, mean, m2 = moments[SPLITS.index(s)]
        out[s] = (
            {"n": int(n), "mean": float(mean), "std": float(np.sqrt(m2 / n))} if n else {"n": 0}
        )
    return out
