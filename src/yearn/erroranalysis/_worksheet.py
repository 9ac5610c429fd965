"""The error-analysis worksheet: sampled dev errors that people tag in a spreadsheet.

Columns, in order: ``id``, ``split``, ``label``, ``pred``, ``confidence`` (the model's
probability of its prediction), ``correct``, the metadata columns of the predictions table,
``preview``, ``tags``, ``suggested_tags``, ``comment``. ``tags`` and ``suggested_tags`` hold
``;``-separated tags (see :mod:`yearn.erroranalysis._tags`). Saved as CSV or Parquet
atomically; the previous file is first copied to ``.yearn-backups/`` beside it, so an edit
is never lost, and a worksheet that does not validate is never written.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yearn._io import atomic_write, file_lock
from yearn._validation import check_positive_int
from yearn.erroranalysis._preview import make_previews
from yearn.erroranalysis._tags import Rule, format_tags, parse_rule, parse_tag_cell
from yearn.errors import DataError, PredictionsError
from yearn.paths import BACKUP_DIR
from yearn.predictions import Predictions, load_predictions

__all__ = ["Worksheet", "edit_worksheet", "load_worksheet", "sample_errors"]

FIXED_HEAD = ("id", "split", "label", "pred", "confidence", "correct")
FIXED_TAIL = ("preview", "tags", "suggested_tags", "comment")
REQUIRED = ("id", "label", "pred", "tags")
KEEP_BACKUPS = 20


def _as_predictions(predictions: Predictions | pd.DataFrame | str | Path) -> Predictions:
    return load_predictions(predictions)


@dataclass
class Worksheet:
    """Sampled examples with tags; edit with :meth:`set_tags`, persist with :meth:`save`."""

    frame: pd.DataFrame
    source: str = "<worksheet>"

    # -- access ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.frame)

    @property
    def ids(self) -> list[str]:
        return self.frame["id"].tolist()

    @property
    def metadata_columns(self) -> tuple[str, ...]:
        fixed = set(FIXED_HEAD) | set(FIXED_TAIL)
        return tuple(c for c in self.frame.columns if c not in fixed)

    def _row(self, id: Any) -> int:
        hits = np.flatnonzero(self.frame["id"].to_numpy() == str(id))
        if not hits.size:
            raise DataError(f"{self.source}: id {str(id)!r} is not in the worksheet.")
        return int(hits[0])

    def tags(self, id: Any) -> list[str]:
        """The confirmed tags of one example."""
        return parse_tag_cell(self.frame.at[self._row(id), "tags"])

    def tag_lists(self, column: str = "tags") -> list[list[str]]:
        return [parse_tag_cell(v) for v in self.frame[column].tolist()]

    # -- edits -----------------------------------------------------------------------
    def set_tags(self, id: Any, tags: Iterable[str] | str) -> None:
        """Replace the tags of one example (a list, or one ``;``-separated string)."""
        cell = format_tags(parse_tag_cell(tags) if isinstance(tags, str) else tags)
        self.frame.at[self._row(id), "tags"] = cell

    def add_tags(self, id: Any, tags: Iterable[str]) -> None:
        self.set_tags(id, [*self.tags(id), *tags])

    def set_comment(self, id: Any, comment: str) -> None:
        self.frame.at[self._row(id), "comment"] = str(comment)

    def suggest(
        self, rules: Iterable[str | Rule] = (), *, mislabeled_ids: Iterable[Any] = ()
    ) -> Worksheet:
        """Fill ``suggested_tags`` from rules over the columns and flagged label issues.

        Suggestions stay apart from ``tags`` until a person confirms them (or
        :meth:`accept_suggestions` copies them, for automation).
        """
        from yearn.labels import POSSIBLY_MISLABELED

        parsed = [parse_rule(r) for r in rules]
        suggested: list[list[str]] = [[] for _ in range(len(self.frame))]
        for rule in parsed:
            for i in np.flatnonzero(rule.mask(self.frame)):
                if rule.tag not in suggested[i]:
                    suggested[i].append(rule.tag)
        flagged = {str(i) for i in mislabeled_ids}
        for i, ident in enumerate(self.frame["id"].tolist()):
            if ident in flagged:
                suggested[i].append(POSSIBLY_MISLABELED)
        self.frame["suggested_tags"] = [format_tags(s) for s in suggested]
        return self

    def accept_suggestions(self) -> Worksheet:
        """Add every suggested tag to the confirmed tags."""
        merged = [
            format_tags([*t, *s])
            for t, s in zip(self.tag_lists(), self.tag_lists("suggested_tags"), strict=True)
        ]
        self.frame["tags"] = merged
        return self

    # -- persistence -----------------------------------------------------------------
    def validate(self, predictions: Predictions | None = None) -> Worksheet:
        """Check columns, ids and tag cells (and ids against ``predictions``)."""
        _validate(self.frame, self.source, predictions)
        return self

    def save(self, path: str | Path) -> Path:
        """Validate, back up the previous file, then write atomically (CSV or Parquet)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise DataError(f"{path}: save a worksheet as .csv or .parquet; got {suffix!r}.")
        _validate(self.frame, str(path), None)
        frame = self.frame.copy()
        for col in ("tags", "suggested_tags", "comment"):
            frame[col] = frame[col].fillna("").astype(str)
        with file_lock(path):
            if path.exists():
                _backup(path)
            with atomic_write(path) as tmp:
                if suffix == ".csv":
                    frame.to_csv(tmp, index=False)
                else:
                    frame.to_parquet(tmp, index=False)
                reread = _read(tmp, suffix)  # a file that does not read back is not kept
                if len(reread) != len(frame):
                    raise DataError(f"{path}: the written worksheet did not read back; not saved.")
        self.source = str(path)
        return path

    def _repr_html_(self, max_rows: int = 20) -> str:
        from html import escape

        cols = ["id", "label", "pred", "confidence", "preview", "tags", "suggested_tags"]
        head = "".join(f"<th>{c}</th>" for c in cols)
        body = []
        for row in self.frame.head(max_rows).to_dict(orient="records"):
            cells = []
            for c in cols:
                v = row.get(c, "")
                if c == "preview" and str(v).startswith("data:image/"):
                    cells.append(f'<td><img src="{escape(str(v))}" width="32"></td>')
                else:
                    cells.append(f"<td>{escape(str(v))}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        more = f"<p>{len(self) - max_rows} more rows</p>" if len(self) > max_rows else ""
        return f"{self._tags_chart()}<table><tr>{head}</tr>{''.join(body)}</table>{more}"

    def _tags_chart(self) -> str:
        """Bars of the ten most used tags so far (an empty chart before any tagging)."""
        from collections import Counter

        from yearn.display import bar_chart

        counts = Counter(t for tags in self.tag_lists() for t in tags).most_common(10)
        return bar_chart(
            [t for t, _ in counts],
            [n for _, n in counts],
            title=f"tags so far ({len(self)} rows)",
            fmt=".0f",
        )

    def to_records(self) -> list[dict[str, Any]]:
        """Rows as dicts with ``tags`` / ``suggested_tags`` as lists (for a web page)."""
        out = []
        for row in self.frame.to_dict(orient="records"):
            row = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            row["tags"] = parse_tag_cell(row.get("tags"))
            row["suggested_tags"] = parse_tag_cell(row.get("suggested_tags"))
            out.append(row)
        return out


def _backup(path: Path) -> Path:
    folder = path.parent / BACKUP_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    with atomic_write(target) as tmp:
        shutil.copyfile(path, tmp)
    olds = sorted(folder.glob(f"{path.stem}.*{path.suffix}"))
    for old in olds[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
    return target


def _read(path: Path, suffix: str) -> pd.DataFrame:
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        for col in ("id", "tags", "suggested_tags", "comment"):
            if col in frame:
                frame[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
        return frame
    text_cols = ("id", "label", "pred", "tags", "suggested_tags", "comment")
    frame = pd.read_csv(path, dtype=dict.fromkeys(text_cols, str))
    for col in text_cols:
        if col in frame:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
    return frame


def _validate(frame: pd.DataFrame, source: str, predictions: Predictions | None) -> None:
    missing = [c for c in REQUIRED if c not in frame]
    if missing:
        raise DataError(
            f"{source}: missing column(s) {', '.join(missing)}; a worksheet needs "
            f"{', '.join(REQUIRED)} (make one with `yearn errors sample`)."
        )
    ids = frame["id"].astype(str)
    empty = np.flatnonzero((ids.str.strip() == "").to_numpy())
    if empty.size:
        raise DataError(f"{source}: row {int(empty[0]) + 2}: the id cell is empty.")
    dup = np.flatnonzero(ids.duplicated().to_numpy())
    if dup.size:
        raise DataError(
            f"{source}: row {int(dup[0]) + 2}: id {ids.iloc[dup[0]]!r} appears twice; "
            "each example once."
        )
    for col in ("tags", "suggested_tags"):
        if col not in frame:
            continue
        for i, cell in enumerate(frame[col].tolist()):
            parse_tag_cell(cell, where=f"{source}: row {i + 2}, column {col!r}")
    if predictions is not None:
        known = set(predictions.frame["id"].astype(str))
        unknown = [i for i in ids if i not in known]
        if unknown:
            shown = ", ".join(repr(u) for u in unknown[:10])
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            raise DataError(
                f"{source}: id(s) {shown}{more} are not in the predictions table "
                f"{predictions.source}; was the worksheet made from another table, or an id "
                "edited? Restore them (a backup is in .yearn-backups/) or delete those rows."
            )


def load_worksheet(
    path: str | Path, predictions: Predictions | pd.DataFrame | str | Path | None = None
) -> Worksheet:
    """Read and validate a worksheet (CSV or Parquet), optionally against its predictions."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: worksheet not found; make one with `yearn errors sample`.")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise DataError(f"{path}: a worksheet is a .csv or .parquet file; got {suffix!r}.")
    try:
        frame = _read(path, suffix)
    except Exception as exc:
        raise DataError(
            f"{path}: cannot read the worksheet ({type(exc).__name__}: {exc}); restore the "
            f"last good copy from {path.parent / BACKUP_DIR}."
        ) from None
    for col in ("suggested_tags", "comment", "preview"):
        if col not in frame:
            frame[col] = ""
    if "id" in frame:
        frame["id"] = frame["id"].astype(str)
    preds = None if predictions is None else _as_predictions(predictions)
    _validate(frame, str(path), preds)
    return Worksheet(frame, str(path))


@contextlib.contextmanager
def edit_worksheet(
    path: str | Path, predictions: Predictions | pd.DataFrame | str | Path | None = None
) -> Iterator[Worksheet]:
    """Load, edit and save a worksheet as one step that no other writer can interleave.

    The worksheet's file lock is held from the read to the save, so several processes
    tagging the same file (CLI, dashboard, scripts) each see the others' edits and none is
    lost. The block's edits are saved when it ends without an exception.

    >>> with edit_worksheet("ws.csv") as sheet:  # doctest: +SKIP
    ...     sheet.set_tags("17", "blurry")
    """
    path = Path(path)
    with file_lock(path):
        sheet = load_worksheet(path, predictions)
        yield sheet
        sheet.save(path)


def sample_errors(
    predictions: Predictions | pd.DataFrame | str | Path,
    n: int = 100,
    n_correct: int = 0,
    random_state: int = 0,
    *,
    split: str = "dev",
    preview_column: str | None = None,
    base_dir: str | Path | None = None,
) -> Worksheet:
    """A worksheet of ``n`` misclassified examples of ``split`` (all when fewer).

    ``n_correct`` correctly classified examples are added too (fixes must not only look at
    errors). The sample is a deterministic function of ``random_state``.
    """
    check_positive_int("n", n)
    check_positive_int("n_correct", n_correct, minimum=0)
    preds = _as_predictions(predictions)
    if preds.task not in ("binary", "multiclass"):
        raise PredictionsError(
            f"{preds.source}: the error worksheet needs single-label classification "
            f"(label/pred); this table is {preds.task}."
        )
    if "model" in preds.frame and len(preds.models) > 1:
        raise PredictionsError(
            f"{preds.source}: the table holds several models ({', '.join(preds.models)}); "
            "pick one with Predictions.for_model (CLI: --model)."
        )
    rows = preds.split(split)
    correct = rows.correct()
    rng = np.random.default_rng(random_state)
    wrong_idx = np.flatnonzero(~correct)
    right_idx = np.flatnonzero(correct)
    take = rng.choice(wrong_idx, size=min(n, wrong_idx.size), replace=False)
    extra = rng.choice(right_idx, size=min(n_correct, right_idx.size), replace=False)
    chosen = np.sort(np.concatenate([take, extra]).astype(np.int64))
    sub = rows.frame.iloc[chosen].reset_index(drop=True)
    meta = rows.metadata_columns
    if (
        rows.classes
        and rows.task in ("binary", "multiclass")
        and any(c.startswith("proba:") for c in rows.frame.columns)
    ):
        proba = rows.proba()[chosen]
        pred_idx = rows.pred_indices()[chosen]
        confidence = proba[np.arange(len(chosen)), pred_idx]
    else:
        confidence = np.full(len(chosen), np.nan)
    out = pd.DataFrame(
        {
            "id": sub["id"].astype(str).to_numpy(),
            "split": sub["split"].to_numpy(),
            "label": sub["label"].astype(str).to_numpy(),
            "pred": sub["pred"].astype(str).to_numpy(),
            "confidence": np.round(confidence, 6),
            "correct": correct[chosen],
        }
    )
    for c in meta:
        out[c] = sub[c].to_numpy()
    base = Path(base_dir) if base_dir else None
    if base is None and preds.source != "<DataFrame>":
        base = Path(preds.source).parent
    out["preview"] = make_previews(sub, meta, preview_column=preview_column, base_dir=base)
    out["tags"] = ""
    out["suggested_tags"] = ""
    out["comment"] = ""
    return Worksheet(out, f"<sample of {preds.source}>")
