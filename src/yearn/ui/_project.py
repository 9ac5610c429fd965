"""What the dashboard reads and writes in a project: runs, curves, diagnoses, worksheets.

All access to the run store and to files of the project goes through :class:`DashboardProject`,
so the web layer never touches paths itself. Worksheets of a run are found at
``.yearn/worksheets/<run_id>.csv`` (or ``.parquet``); a project-wide worksheet given with
``worksheet=`` is used for every run that has none of its own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from yearn.errors import DataError, StoreError, YearnError
from yearn.paths import PREDICTIONS_ARTIFACT, ProjectPaths
from yearn.project import Project

__all__ = ["WORKSHEET_DIR", "DashboardProject", "NotFound", "RunSummary"]

WORKSHEET_DIR = ProjectPaths(".").worksheets
PREDICTIONS = PREDICTIONS_ARTIFACT
SUMMARY_METRICS = ("error", "loss")


class NotFound(YearnError):
    """An unknown run, example or file (HTTP 404)."""


class Forbidden(YearnError):
    """A file outside what the dashboard may serve (HTTP 403)."""


@dataclass(frozen=True)
class RunSummary:
    """One row of the runs list."""

    id: str
    name: str
    kind: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: float | None
    error: str | None
    metrics: dict[str, float] = field(default_factory=dict)  # "dev error" → last value
    epochs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "duration_s": self.duration_s,
            "error": self.error,
            "metrics": self.metrics,
            "epochs": self.epochs,
        }


def _last_values(frame: pd.DataFrame) -> tuple[dict[str, float], int]:
    """The last logged value of each (split, name), the key ones first; and the epochs."""
    if frame.empty:
        return {}, 0
    last = frame.sort_values("step").groupby(["split", "name"], sort=False).tail(1)
    out: dict[str, float] = {}
    order = {"dev": 0, "train_dev": 1, "train": 2}
    rows = sorted(
        last.itertuples(index=False),
        key=lambda r: (
            SUMMARY_METRICS.index(r.name) if r.name in SUMMARY_METRICS else 9,
            order.get(r.split, 9),
            r.name,
        ),
    )
    for r in rows:
        out[f"{r.split} {r.name}"] = float(r.value)
    steps = frame["step"].dropna()
    return out, int(steps.max()) if len(steps) else 0


class DashboardProject:
    """Read-and-tag access to one project folder for the dashboard."""

    def __init__(
        self,
        root: str | Path,
        *,
        store_url: str | None = None,
        worksheet: str | Path | None = None,
    ) -> None:
        root = Path(root)
        if not root.is_dir():
            raise DataError(
                f"project folder {root} does not exist; give the folder that holds yearn.toml "
                "and .yearn/ with --project."
            )
        self.root = root.resolve()
        self.store_url = store_url
        self._project = Project(self.root, store_url=store_url)
        self.worksheet = Path(worksheet).resolve() if worksheet else None
        self._lock = threading.RLock()
        self._diagnoses: dict[tuple[str, float], Any] = {}
        self._store: Any = None
        self._images: tuple[tuple, dict[str, Path]] | None = None

    # -- store -----------------------------------------------------------------------
    def has_store(self) -> bool:
        """A store to read: resolved as every command resolves it (``[store] url`` too)."""
        return self._project.has_store

    def _open(self) -> Any:
        """The project's run store, opened once and kept (a context manager that does not
        close it, so each caller can write ``with self._open() as store``)."""
        import contextlib

        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = self._project.store()
        return contextlib.nullcontext(self._store)

    def tune_result(self) -> Any:
        """The newest ``yearn tune`` search (None without one)."""
        if not self.has_store():
            return None
        from yearn.tune import latest_result

        with self._open() as store:
            return latest_result(store)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def runs(self) -> list[RunSummary]:
        """Every run, newest first, with its last metric values."""
        if not self.has_store():
            return []
        with self._open() as store:
            records = store.list_runs()
            metrics = store.metrics([r.id for r in records]) if records else None
        out = []
        for r in records:
            sub = metrics[metrics["run_id"] == r.id] if metrics is not None else pd.DataFrame()
            values, epochs = _last_values(sub)
            out.append(
                RunSummary(
                    r.id,
                    r.name,
                    r.kind,
                    r.status,
                    r.started_at,
                    r.ended_at,
                    r.duration_s,
                    r.error,
                    values,
                    epochs,
                )
            )
        return out

    def run(self, run_id: str) -> Any:
        """The store record of one run (:class:`NotFound` when unknown)."""
        if not self.has_store():
            raise NotFound(f"no run {run_id!r}: project {self.root} has no run store yet.")
        with self._open() as store:
            try:
                return store.get_run(run_id)
            except StoreError as exc:
                if "no run" in str(exc) or "ambiguous" in str(exc):
                    raise NotFound(str(exc)) from None
                raise

    def artifacts(self, run_id: str) -> list[Any]:
        with self._open() as store:
            return store.artifacts(run_id)

    def curves(self, run_ids: list[str]) -> pd.DataFrame:
        """Metrics of these runs: columns run_id, name, split, step, value."""
        for rid in run_ids:
            self.run(rid)
        with self._open() as store:
            return store.metrics(run_ids)

    # -- diagnosis -------------------------------------------------------------------
    def operating_point(self, run_id: str) -> tuple[Any | None, str | None]:
        """``(OperatingPoint, note)`` of a classifier run — the saved one, else the default
        threshold 0.5 with a note saying so — or ``(None, why there is none)``."""
        record = self.run(run_id)
        if PREDICTIONS not in {a.name for a in self.artifacts(record.id)}:
            return None, "no predictions for this run, so no operating point."
        from yearn.project import Project
        from yearn.ship import operating_point_of

        try:
            result, saved = operating_point_of(
                Project(self.root, store_url=self.store_url), record.id
            )
        except YearnError as exc:
            return None, f"no operating point for run {record.id}: {exc}"
        note = (
            None
            if saved
            else (
                "default threshold 0.5: choose one with `yearn operating-point --cost-fp 1 "
                "--cost-fn 20` (or --min-precision / --max-alerts-per-1000)."
            )
        )
        return result, note

    def diagnosis(self, run_id: str) -> tuple[Any | None, str | None]:
        """``(RunDiagnosis, None)`` or ``(None, why there is none)``."""
        record = self.run(run_id)
        arts = {a.name: a for a in self.artifacts(record.id)}
        if PREDICTIONS not in arts:
            return None, (
                f"no predictions for this run: run {record.id} has no {PREDICTIONS} artefact "
                "(train a model with `yearn train`, or log a predictions table to the run)."
            )
        key = (record.id, arts[PREDICTIONS].logged_at.timestamp())
        if key in self._diagnoses:
            return self._diagnoses[key], None
        from yearn.diagnose import diagnose_run

        try:
            result = diagnose_run(record.id, project=self.root, store_url=self.store_url)
        except YearnError as exc:
            return None, f"cannot diagnose run {record.id}: {exc}"
        self._diagnoses[key] = result
        return result, None

    # -- worksheets ------------------------------------------------------------------
    def worksheet_path(self, run_id: str) -> Path | None:
        """The worksheet of a run, if there is one."""
        for suffix in (".csv", ".parquet"):
            path = self.root / WORKSHEET_DIR / f"{run_id}{suffix}"
            if path.is_file():
                return path
        if self.worksheet is not None and self.worksheet.is_file():
            return self.worksheet
        return None

    def load_worksheet(self, run_id: str) -> Any:
        """The worksheet of a run (:class:`NotFound` when it has none)."""
        from yearn.erroranalysis import load_worksheet

        record = self.run(run_id)
        path = self.worksheet_path(record.id)
        if path is None:
            raise NotFound(
                f"run {record.id} has no error-analysis worksheet; create one on its errors "
                f"page or with `yearn errors sample --out {WORKSHEET_DIR}/{record.id}.csv`."
            )
        return load_worksheet(path)

    def create_worksheet(self, run_id: str, *, n: int = 100, n_correct: int = 10) -> Path:
        """Sample a run's dev errors into ``.yearn/worksheets/<run_id>.csv``."""
        from yearn.erroranalysis import sample_errors

        record = self.run(run_id)
        with self._lock:
            path = self.worksheet_path(record.id)
            if path is not None:
                return path
            if PREDICTIONS not in {a.name for a in self.artifacts(record.id)}:
                raise NotFound(
                    f"no predictions for run {record.id} (no {PREDICTIONS} artefact), so no "
                    "errors to sample; train a model or log its predictions table first."
                )
            with self._open() as store:
                preds = store.artifact_path(record.id, PREDICTIONS)
            sheet = sample_errors(preds, n=n, n_correct=n_correct, base_dir=self.root)
            target = self.root / WORKSHEET_DIR / f"{record.id}.csv"
            target.parent.mkdir(parents=True, exist_ok=True)
            return sheet.save(target)

    def set_tags(self, run_id: str, example_id: str, tags: list[str]) -> list[str]:
        """Replace one example's tags and save the worksheet at once (atomically)."""
        from yearn.erroranalysis import edit_worksheet

        record = self.run(run_id)
        path = self.worksheet_path(record.id)
        if path is None:
            self.load_worksheet(record.id)  # raises NotFound with the fix
        with self._lock, edit_worksheet(path) as sheet:  # the same file lock as the CLI
            if example_id not in set(sheet.ids):
                raise NotFound(f"example {example_id!r} is not in the worksheet {sheet.source}.")
            sheet.set_tags(example_id, tags)
            return sheet.tags(example_id)

    # -- files -----------------------------------------------------------------------
    def image_column(self, sheet: Any) -> str | None:
        from yearn.erroranalysis import detect_preview_kind

        kind, column = detect_preview_kind(sheet.frame, sheet.metadata_columns)
        return column if kind == "image" else None

    def _locate(self, rel: str, sheet: Any) -> Path:
        """A project path, relative to the project root (or to the worksheet's folder)."""
        candidates = [self.root / rel, Path(sheet.source).parent / rel]
        for c in candidates:
            if c.exists():
                return c
        return candidates[0]

    def image_url_path(self, value: str, sheet: Any) -> str | None:
        """The project-relative path under which an image cell is served, if it is safe."""
        text = str(value).strip()
        if not text or Path(text).is_absolute():
            return None
        try:
            real = self._locate(text, sheet).resolve(strict=True)
            return real.relative_to(self.root).as_posix()
        except (OSError, ValueError):
            return None

    def _served(self, path: Path) -> str | None:
        try:
            return path.resolve(strict=True).relative_to(self.root).as_posix()
        except (OSError, RuntimeError, ValueError):
            return None

    def dataset_images(self) -> dict[str, Path]:
        """Example id → image file, from the project's sources when yearn.toml names an
        ``image_column`` (paths are relative to each source table's folder)."""
        from yearn.config import CONFIG_FILENAME, load_config

        config_file = self.root / CONFIG_FILENAME
        if not config_file.is_file():
            return {}
        try:
            cfg = load_config(self.root)
        except YearnError:
            return {}
        if not cfg.image_column or not cfg.id_column:
            return {}
        stamp = tuple(
            (str(src.path), src.path.stat().st_mtime if src.path.is_file() else 0.0)
            for src in cfg.sources
        )
        if self._images is not None and self._images[0] == stamp:
            return self._images[1]
        out: dict[str, Path] = {}
        for src in cfg.sources:
            path = Path(src.path)
            suffix = path.suffix.lower()
            if not path.is_file() or suffix not in (".csv", ".parquet"):
                continue
            cols = [cfg.id_column, cfg.image_column]
            try:
                if suffix == ".csv":
                    frame = pd.read_csv(path, usecols=cols, dtype=str)
                else:
                    frame = pd.read_parquet(path, columns=cols)
            except (OSError, ValueError, KeyError):
                continue
            for ident, value in zip(frame[cols[0]], frame[cols[1]], strict=True):
                if isinstance(value, str) and value and not Path(value).is_absolute():
                    out[str(ident)] = path.parent / value
        self._images = (stamp, out)
        return out

    def sheet_images(self, sheet: Any) -> dict[str, str]:
        """Example id → project-relative path of its image, for the rows of a worksheet
        (from the worksheet's image column, else from the project's sources)."""
        column = self.image_column(sheet)
        out: dict[str, str] = {}
        if column is not None:
            for ident, value in zip(sheet.frame["id"], sheet.frame[column], strict=True):
                served = None if pd.isna(value) else self.image_url_path(str(value), sheet)
                if served:
                    out[str(ident)] = served
            return out
        images = self.dataset_images()
        for ident in sheet.ids:
            if ident in images:
                served = self._served(images[ident])
                if served:
                    out[ident] = served
        return out

    def safe_file(self, run_id: str, rel: str) -> Path:
        """A file of the project that this run's worksheet refers to; refuse anything else."""
        if not rel or rel.startswith(("/", "\\")) or Path(rel).is_absolute() or ":" in rel:
            raise Forbidden(f"{rel!r}: absolute paths are not served; use a project path.")
        parts = rel.replace("\\", "/").split("/")
        if any(p in ("..", "") for p in parts):
            raise Forbidden(f"{rel!r}: '..' and empty path segments are not served.")
        path = self.root / rel
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise NotFound(f"{rel!r}: no such file in the project.") from None
        if not real.is_relative_to(self.root):
            raise Forbidden(f"{rel!r} leads outside the project folder (a symlink?); not served.")
        if not real.is_file():
            raise NotFound(f"{rel!r}: not a file.")
        sheet = self.load_worksheet(run_id)
        allowed = set(self.sheet_images(sheet).values())
        if real.relative_to(self.root).as_posix() not in allowed:
            raise Forbidden(f"{rel!r} is not an image of run {run_id}'s worksheet; not served.")
        return real
