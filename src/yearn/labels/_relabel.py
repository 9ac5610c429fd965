"""Relabelling: corrections kept in a log, applied to dev and test alike.

Corrections (id, old label, new label, reason, time, who) are appended to
``<project>/.yearn/relabel_log.jsonl``, one JSON object per line; source files are never
rewritten. :func:`apply_corrections` returns a corrected copy of a predictions table: rows
of every split except ``train`` are corrected (``include_train=True`` adds train), so dev
and test stay from one distribution, and it warns when the corrections cover only one of
the two (review both with the same process, as the course says).
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from yearn._io import append_line
from yearn.errors import DataError, YearnError
from yearn.paths import ProjectPaths
from yearn.predictions import SPLITS, Predictions, load_predictions

__all__ = [
    "LOG_NAME",
    "RelabelResult",
    "apply_corrections",
    "correct_frame",
    "coverage_warnings",
    "read_corrections_csv",
    "read_relabel_log",
    "record_corrections",
    "relabel_log_path",
]

LOG_NAME = "relabel_log.jsonl"
_LOG_FIELDS = ("id", "old_label", "new_label", "reason", "time", "who")


def relabel_log_path(project: str | Path) -> Path:
    return ProjectPaths(project).relabel_log


def _who() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry
        return os.environ.get("USER", "unknown")


def read_corrections_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV of corrections: columns ``id``, ``new_label`` (or ``to``), optional ``reason``."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found; give a CSV with columns id, new_label, reason.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise DataError(f"{path}: cannot read it as CSV ({exc}).") from None
    if "to" in frame and "new_label" not in frame:
        frame = frame.rename(columns={"to": "new_label"})
    for col in ("id", "new_label"):
        if col not in frame:
            raise DataError(
                f"{path}: missing column {col!r}; a corrections CSV has columns id, new_label "
                f"(or to) and optionally reason. Got: {', '.join(frame.columns)}."
            )
    for i, row in enumerate(frame.itertuples(index=False)):
        if not str(row.id).strip() or not str(row.new_label).strip():
            raise DataError(f"{path}: row {i + 2}: id and new_label must not be empty.")
    if "reason" not in frame:
        frame["reason"] = ""
    return frame[["id", "new_label", "reason"]]


def record_corrections(
    project: str | Path,
    corrections: pd.DataFrame | list[dict[str, Any]],
    *,
    predictions: Predictions | pd.DataFrame | str | None = None,
    who: str | None = None,
) -> list[dict[str, Any]]:
    """Append corrections to the project's relabel log and return the new entries.

    Each correction has ``id``, ``new_label`` and optionally ``reason``. With
    ``predictions`` the ids and new labels are checked against it and ``old_label`` is
    filled in. Each entry is appended as one line (``O_APPEND``, fsync, under a file
    lock), so concurrent writers never lose one and earlier lines are never rewritten.
    """
    frame = pd.DataFrame(corrections)
    if frame.empty:
        raise DataError("no corrections given; pass at least one (id, new_label).")
    for col in ("id", "new_label"):
        if col not in frame:
            raise DataError(f"each correction needs {col!r}; got keys {', '.join(frame)}.")
    preds = None
    if predictions is not None:
        preds = (
            predictions if isinstance(predictions, Predictions) else load_predictions(predictions)
        )
    lookup: dict[str, str] = {}
    if preds is not None:
        ids = preds.frame["id"].astype(str).to_numpy()
        labels = preds.frame["label"].astype(str).to_numpy()
        lookup = dict(zip(ids, labels, strict=True))
        unknown = [str(i) for i in frame["id"] if str(i) not in lookup]
        if unknown:
            raise DataError(
                f"{preds.source}: unknown id(s) {', '.join(map(repr, unknown[:10]))}"
                + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
                + "; corrections must name ids of the predictions table."
            )
        if preds.classes:
            bad = [str(v) for v in frame["new_label"] if str(v) not in preds.classes]
            if bad:
                raise DataError(
                    f"new label {bad[0]!r} is not a class of {preds.source}; classes are "
                    f"{', '.join(preds.classes)}."
                )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    who = who or _who()
    entries = []
    for row in frame.to_dict(orient="records"):
        ident = str(row["id"])
        entries.append(
            {
                "id": ident,
                "old_label": lookup.get(ident, row.get("old_label")),
                "new_label": str(row["new_label"]),
                "reason": str(row.get("reason") or ""),
                "time": now,
                "who": who,
            }
        )
    path = relabel_log_path(project)
    for entry in entries:  # one O_APPEND write per line: concurrent writers lose nothing
        append_line(path, json.dumps(entry, sort_keys=True, default=str))
    return entries


def read_relabel_log(project: str | Path) -> pd.DataFrame:
    """The relabel log as a table (columns id, old_label, new_label, reason, time, who)."""
    path = relabel_log_path(project)
    if not path.exists():
        return pd.DataFrame(columns=list(_LOG_FIELDS))
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{path}: line {n} is not valid JSON ({exc.msg}); fix or remove it."
            ) from None
        if not isinstance(entry, dict) or "id" not in entry or "new_label" not in entry:
            raise DataError(f"{path}: line {n} needs at least 'id' and 'new_label'.")
        rows.append({k: entry.get(k) for k in _LOG_FIELDS})
    frame = pd.DataFrame(rows, columns=list(_LOG_FIELDS))
    frame["id"] = frame["id"].astype(str)
    frame["new_label"] = frame["new_label"].astype(str)
    return frame


@dataclass
class RelabelResult:
    """A corrected predictions table and what changed.

    ``changed``: rows corrected per split; ``error_before`` / ``error_after``: error rate
    per split (classification) before and after the corrections.
    """

    predictions: Predictions
    changed: dict[str, int]
    error_before: dict[str, float]
    error_after: dict[str, float]
    not_found: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "error_before": self.error_before,
            "error_after": self.error_after,
            "not_found": self.not_found,
            "warnings": self.warnings,
        }

    def _repr_html_(self) -> str:
        return _relabel_html(self)


def apply_corrections(
    predictions: Predictions | pd.DataFrame | str,
    corrections: pd.DataFrame | str | Path,
    *,
    include_train: bool = False,
) -> RelabelResult:
    """Apply corrections (a log table or a project folder) to a predictions table.

    The latest correction of an id wins. ``pred`` is left alone; only ``label`` changes.
    Corrected rows of train are skipped unless ``include_train``.
    """
    preds = predictions if isinstance(predictions, Predictions) else load_predictions(predictions)
    log = corrections if isinstance(corrections, pd.DataFrame) else read_relabel_log(corrections)
    latest = log.assign(id=log["id"].astype(str)).drop_duplicates("id", keep="last")
    mapping = dict(zip(latest["id"], latest["new_label"].astype(str), strict=True))
    if preds.classes:
        bad = sorted({v for v in mapping.values() if v not in preds.classes})
        if bad:
            raise DataError(
                f"correction(s) to unknown class(es) {', '.join(bad)}; classes of "
                f"{preds.source} are {', '.join(preds.classes)}."
            )
    frame = preds.frame.copy()
    ids = frame["id"].astype(str)
    new = ids.map(mapping)
    touch = new.notna().to_numpy(copy=True)
    if not include_train:
        touch &= (frame["split"] != "train").to_numpy()
    before = _errors(preds)
    label = frame["label"].astype(object).to_numpy(copy=True)
    label[touch] = new.to_numpy()[touch]
    numeric = pd.api.types.is_numeric_dtype(preds.frame["label"])
    frame["label"] = pd.to_numeric(label) if numeric else label
    corrected = load_predictions(frame, task=preds.task)
    corrected = Predictions(corrected.frame, preds.task, preds.classes, preds.tasks, preds.source)
    split = frame["split"].to_numpy()
    changed = {s: int((touch & (split == s)).sum()) for s in SPLITS if (split == s).any()}
    notes = []
    if changed.get("dev", 0) and not changed.get("test", 0) and "test" in changed:
        notes.append(
            f"{changed['dev']} dev label(s) corrected but none in test: review test with the "
            "same process so dev and test stay from one distribution."
        )
    if changed.get("test", 0) and not changed.get("dev", 0) and "dev" in changed:
        notes.append(
            f"{changed['test']} test label(s) corrected but none in dev: review dev with the "
            "same process so dev and test stay from one distribution."
        )
    return RelabelResult(
        predictions=corrected,
        changed=changed,
        error_before=before,
        error_after=_errors(corrected),
        not_found=sorted(set(mapping) - set(ids)),
        warnings=notes,
    )


def coverage_warnings(project: str | Path) -> list[str]:
    """Warnings when the project's relabel log corrects dev but not test (or test but not
    dev), judged on the project's split manifest — whatever rows a predictions table
    holds (yearn's training runs do not predict test)."""
    from yearn.paths import ProjectPaths
    from yearn.splits import load_manifest

    if not ProjectPaths(project).manifest.is_file():
        return []
    log = read_relabel_log(project)
    if log.empty:
        return []
    table = load_manifest(project).table
    split_of = dict(zip(table["id"].astype(str), table["split"].astype(str), strict=True))
    logged = {str(i) for i in log["id"]}
    counts = {s: sum(split_of.get(i) == s for i in logged) for s in ("dev", "test")}
    has = {s: bool((table["split"] == s).any()) for s in ("dev", "test")}
    how = (
        "flag its likely wrong labels with `yearn label-issues --project "
        f"{project}` (out-of-fold probabilities over every row, test included) and review "
        "them with the same process, so dev and test stay from one distribution"
    )
    notes = []
    if counts["dev"] and not counts["test"] and has["test"]:
        notes.append(f"{counts['dev']} dev label(s) corrected but none in test: {how}.")
    if counts["test"] and not counts["dev"] and has["dev"]:
        notes.append(
            f"{counts['test']} test label(s) corrected but none in dev: review dev with the "
            "same process, so dev and test stay from one distribution."
        )
    return notes


def correct_frame(
    frame: pd.DataFrame,
    corrections: pd.DataFrame | str | Path,
    *,
    splits: pd.Series | pd.DataFrame | None = None,
    id_column: str = "id",
    label_column: str = "label",
    include_train: bool = False,
) -> pd.DataFrame:
    """A corrected copy of any table (a dataset's frame, a manifest): labels of the logged ids.

    ``splits`` says which split each id is in: a Series indexed by id, or the split
    manifest (columns ``id``, ``split``); rows in ``train`` are left alone unless
    ``include_train``. Without ``splits`` every row with a correction is corrected.
    """
    for col in (id_column, label_column):
        if col not in frame:
            raise DataError(f"column {col!r} not found; columns are {', '.join(map(str, frame))}.")
    log = corrections if isinstance(corrections, pd.DataFrame) else read_relabel_log(corrections)
    latest = log.assign(id=log["id"].astype(str)).drop_duplicates("id", keep="last")
    mapping = dict(zip(latest["id"], latest["new_label"].astype(str), strict=True))
    ids = frame[id_column].astype(str)
    new = ids.map(mapping)
    touch = new.notna().to_numpy(copy=True)
    if splits is not None:
        if isinstance(splits, pd.DataFrame):
            splits = pd.Series(splits["split"].to_numpy(), index=splits["id"].astype(str))
        split_of = ids.map(splits.rename(index=str)).to_numpy()
        if not include_train:
            touch &= split_of != "train"
    out = frame.copy()
    label = out[label_column].astype(object).to_numpy(copy=True)
    label[touch] = new.to_numpy()[touch]
    numeric = pd.api.types.is_numeric_dtype(frame[label_column])
    out[label_column] = pd.to_numeric(label) if numeric else label
    return out


def _errors(preds: Predictions) -> dict[str, float]:
    if preds.task not in ("binary", "multiclass"):
        return {}
    wrong = ~preds.correct()
    split = preds.frame["split"].to_numpy()
    return {s: float(wrong[split == s].mean()) for s in preds.splits if (split == s).any()}


def rediagnose(
    before: Predictions, after: Predictions, *, project: str | Path | None = None
) -> dict[str, Any]:
    """The diagnosis ladder (``yearn.diagnose``) on the original and the corrected labels;
    with ``project``, in its metric, with its human level and counting its groups
    (:func:`yearn.diagnose.project_diagnosis_options`), as ``yearn diagnose`` does.

    Returns ``{"before": verdict, "after": verdict, "errors_before": {...}, "errors_after":
    {...}, "metric": name}``; empty when the diagnosis module is unavailable or cannot read
    the table.
    """
    try:
        from yearn.diagnose import diagnose_predictions, project_diagnosis_options
    except ImportError:  # pragma: no cover - the diagnosis module is optional here
        return {}
    options = {} if project is None else project_diagnosis_options(project, before.frame)
    out: dict[str, Any] = {}
    for name, preds in (("before", before), ("after", after)):
        try:
            diag = diagnose_predictions(preds, **options)
        except YearnError as exc:  # e.g. a table without a train split: say why
            return {"unavailable": f"{type(exc).__name__}: {exc}"}
        out[name] = diag.verdict()
        out["metric"] = diag.metric
        out[f"errors_{name}"] = {k: getattr(r, "value", None) for k, r in diag.errors.items()}
    return out


def _relabel_html(result: RelabelResult) -> str:
    """Rows corrected and error rate per split before and after, as a table and bars."""
    from yearn.display import bar_chart, html_table

    splits = list(dict.fromkeys([*result.changed, *result.error_before, *result.error_after]))
    rows = [
        {
            "split": s,
            "corrected": result.changed.get(s, 0),
            "error before": result.error_before.get(s),
            "error after": result.error_after.get(s),
        }
        for s in splits
    ]
    table = html_table(rows, formats={"error before": ".1%", "error after": ".1%"})
    labels, values = [], []
    for s in splits:
        for when, errors in (("before", result.error_before), ("after", result.error_after)):
            if s in errors:
                labels.append(f"{s} {when}")
                values.append(errors[s])
    chart = bar_chart(labels, values, title="error rate before / after relabelling", fmt=".1%")
    notes = "".join(f"<p>⚠ {escape(w)}</p>" for w in result.warnings)
    if result.not_found:
        shown = ", ".join(result.not_found[:10])
        more = f" and {len(result.not_found) - 10} more" if len(result.not_found) > 10 else ""
        notes += (
            f"<p>{len(result.not_found)} corrected id(s) not in the table: "
            f"{escape(shown)}{more}</p>"
        )
    total = sum(result.changed.values())
    return f"<div><p><b>{total} label(s) corrected</b></p>{notes}{table}{chart}</div>"
