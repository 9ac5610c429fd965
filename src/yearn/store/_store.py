"""The run store: runs, metrics and artefacts in SQLite (default) or PostgreSQL."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, update
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from yearn._version import __version__
from yearn.errors import StoreError
from yearn.paths import STORE_URL_ENV, ProjectPaths
from yearn.store import _deployments as _deploy
from yearn.store import _schema as t
from yearn.store._deployments import Deployment
from yearn.store._process import current_process, process_alive
from yearn.store._records import ArtifactRecord, RunRecord
from yearn.store._run import Run

__all__ = ["STORE_URL_ENV", "RunStore", "open_store"]

_STALE_AFTER = timedelta(minutes=30)


def open_store(root: str | Path = ".", *, url: str | None = None) -> RunStore:
    """Open the run store of a project.

    ``root`` is the project folder (artefacts go to ``<root>/.yearn/artifacts``). The
    database is ``url`` if given, else ``$YEARN_STORE_URL``, else ``[store] url`` of
    ``<root>/yearn.toml``, else SQLite at ``<root>/.yearn/runs.db``
    (:func:`yearn.config.resolve_store_url`, the rule every command shares). A URL passed
    as ``root`` is used as ``url``.
    """
    from yearn.config import resolve_store_url

    if isinstance(root, str) and "://" in root:
        url, root = root, "."
    root = Path(root)
    url = resolve_store_url(root, url)
    paths = ProjectPaths(root)
    if url is None:
        paths.state_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{paths.store_db.resolve()}"
    return RunStore(url, artifact_root=paths.artifacts)


def _normalise_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


@functools.cache
def _git_version(root: str) -> dict[str, Any]:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        if sha.returncode != 0:
            return {}
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return {"git_commit": sha.stdout.strip(), "git_dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {}


class RunStore:
    """Records runs (config, status, timings, code version), metrics and artefacts.

    Every write is one short transaction; SQLite runs in WAL mode with a busy timeout and
    takes the write lock at the start of a transaction, so concurrent writer processes
    wait instead of failing. A run whose process died is marked ``failed`` when the store
    is next opened (:meth:`reap_dead_runs`).
    """

    def __init__(self, url: str, *, artifact_root: str | Path) -> None:
        self.url = _normalise_url(url)
        self.artifact_root = Path(artifact_root)
        self.engine = self._make_engine(self.url)
        self._create_schema()
        self.reap_dead_runs()

    def __repr__(self) -> str:
        return f"RunStore({_safe_url(self.url)!r})"

    # -- engine ------------------------------------------------------------------------
    @staticmethod
    def _make_engine(url: str) -> Engine:
        try:
            if url.startswith("sqlite"):
                engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 60})

                @event.listens_for(engine, "connect")
                def _sqlite_pragmas(dbapi_conn, _record) -> None:
                    dbapi_conn.isolation_level = None  # transactions are begun below
                    cur = dbapi_conn.cursor()
                    cur.execute("PRAGMA busy_timeout = 60000")
                    cur.execute("PRAGMA journal_mode = WAL")
                    cur.execute("PRAGMA synchronous = FULL")
                    cur.execute("PRAGMA foreign_keys = ON")
                    cur.close()

                @event.listens_for(engine, "begin")
                def _sqlite_begin(conn) -> None:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")

                return engine
            return create_engine(url, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(
                f"cannot use run store URL {_safe_url(url)!r} ({exc}); give a URL such as "
                "sqlite:///path/runs.db or postgresql://user:password@host/db."
            ) from None

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except (OperationalError, DBAPIError) as exc:
            msg = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
            hint = "check that the database is reachable and the URL is right"
            if "not a database" in msg or "malformed" in msg:
                hint = "the file is not a valid SQLite database: move it aside and start again"
            raise StoreError(f"run store {_safe_url(self.url)}: {msg.strip()}; {hint}.") from None

    def _create_schema(self) -> None:
        for attempt in range(3):
            try:
                with self._begin() as conn:
                    t.metadata.create_all(conn, checkfirst=True)
                    have = conn.execute(
                        select(t.meta.c.value).where(t.meta.c.key == "schema_version")
                    ).scalar()
                    if have is None:
                        conn.execute(
                            insert(t.meta).values(key="schema_version", value=str(t.SCHEMA_VERSION))
                        )
                    elif int(have) > t.SCHEMA_VERSION:
                        raise StoreError(
                            f"run store {_safe_url(self.url)} has schema version {have}, newer "
                            f"than this yearn ({t.SCHEMA_VERSION}); upgrade yearn."
                        )
                return
            except StoreError:
                if attempt == 2:
                    raise
            except SQLAlchemyError:  # another process created the tables at the same moment
                if attempt == 2:
                    raise

    @staticmethod
    def _now() -> datetime:
        return datetime.now(UTC)

    # -- runs --------------------------------------------------------------------------
    def start_run(self, name: str, kind: str, config: dict[str, Any] | None = None) -> Run:
        """Start a run (status ``running``) and return its handle."""
        try:
            config_json = json.dumps(config or {}, sort_keys=True, default=str)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"start_run: config must be JSON-serialisable ({exc}).") from None
        now = self._now()
        run_id = f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        host, pid, proc_start = current_process()
        code = {"yearn": __version__, **_git_version(str(Path.cwd()))}
        with self._begin() as conn:
            conn.execute(
                insert(t.runs).values(
                    id=run_id,
                    name=name,
                    kind=kind,
                    status="running",
                    config=config_json,
                    code_version=json.dumps(code, sort_keys=True),
                    host=host,
                    pid=pid,
                    proc_start=proc_start,
                    started_at=now,
                    heartbeat_at=now,
                )
            )
        return Run(self, run_id, name, kind)

    @contextlib.contextmanager
    def run(self, name: str, kind: str, config: dict[str, Any] | None = None) -> Iterator[Run]:
        """``with store.run(...) as run:`` — completed on success, failed on an exception."""
        handle = self.start_run(name, kind, config)
        with handle:
            yield handle

    def get_run(self, run_id: str) -> RunRecord:
        """The run with this id (a unique prefix is enough)."""
        with self._begin() as conn:
            rows = conn.execute(
                select(t.runs).where(t.runs.c.id.like(f"{run_id}%")).limit(2)
            ).fetchall()
        if not rows:
            raise StoreError(f"no run {run_id!r} in the store; 'yearn runs' lists the runs.")
        if len(rows) > 1 and rows[0].id != run_id:
            raise StoreError(f"run id prefix {run_id!r} is ambiguous; give more characters.")
        return _record(rows[0])

    def list_runs(
        self, *, kind: str | None = None, status: str | None = None, limit: int | None = None
    ) -> list[RunRecord]:
        """Runs, newest first, optionally of one kind or status."""
        query = select(t.runs).order_by(t.runs.c.started_at.desc(), t.runs.c.id.desc())
        if kind:
            query = query.where(t.runs.c.kind == kind)
        if status:
            query = query.where(t.runs.c.status == status)
        if limit:
            query = query.limit(limit)
        with self._begin() as conn:
            return [_record(r) for r in conn.execute(query)]

    def reap_dead_runs(self, *, stale_after: timedelta = _STALE_AFTER) -> list[str]:
        """Mark ``failed`` every running run whose process is gone; return their ids.

        On this host the process is checked directly (pid and start time); runs from
        other hosts are reaped when their heartbeat is older than ``stale_after``.
        """
        host, _, _ = current_process()
        now = self._now()
        with self._begin() as conn:
            running = conn.execute(select(t.runs).where(t.runs.c.status == "running")).fetchall()
            dead = []
            for row in running:
                beat = _aware(row.heartbeat_at)
                if row.host == host:
                    gone = not process_alive(row.pid, row.proc_start)
                else:
                    gone = now - beat > stale_after
                if gone:
                    dead.append(row.id)
                    conn.execute(
                        update(t.runs)
                        .where(t.runs.c.id == row.id)
                        .values(
                            status="failed",
                            ended_at=now,
                            error=f"process {row.pid} on {row.host} ended without finishing "
                            "the run (killed or crashed)",
                        )
                    )
        return dead

    # -- metrics and artefacts -------------------------------------------------------------
    def metrics(self, run_id: str | Sequence[str]) -> pd.DataFrame:
        """Metrics of one run or several: columns run_id, name, split, step, value."""
        ids = [run_id] if isinstance(run_id, str) else list(run_id)
        query = (
            select(
                t.metrics.c.run_id,
                t.metrics.c.name,
                t.metrics.c.split,
                t.metrics.c.step,
                t.metrics.c.value,
            )
            .where(t.metrics.c.run_id.in_(ids))
            .order_by(
                t.metrics.c.run_id,
                t.metrics.c.name,
                t.metrics.c.split,
                t.metrics.c.step,
                t.metrics.c.id,
            )
        )
        with self._begin() as conn:
            rows = conn.execute(query).fetchall()
        # from plain tuples: pandas probing each SQLAlchemy Row object costs ~5 µs a row
        # (0.5 s of a report at 100 runs x 100 epochs x 6 curves)
        frame = pd.DataFrame.from_records(
            [tuple(r) for r in rows], columns=["run_id", "name", "split", "step", "value"]
        )
        frame["value"] = frame["value"].astype(float)
        return frame

    def artifacts(self, run_id: str) -> list[ArtifactRecord]:
        """Artefacts recorded for a run."""
        with self._begin() as conn:
            rows = conn.execute(
                select(t.artifacts)
                .where(t.artifacts.c.run_id == run_id)
                .order_by(t.artifacts.c.name)
            ).fetchall()
        return [ArtifactRecord(**row._mapping) for row in rows]

    def latest_run_with(self, artifact: str, *, status: str = "completed") -> str | None:
        """Id of the newest run (of ``status``) that recorded an artefact named ``artifact``."""
        query = (
            select(t.runs.c.id)
            .join(t.artifacts, t.artifacts.c.run_id == t.runs.c.id)
            .where((t.artifacts.c.name == artifact) & (t.runs.c.status == status))
            .order_by(t.runs.c.started_at.desc(), t.runs.c.id.desc())
            .limit(1)
        )
        with self._begin() as conn:
            return conn.execute(query).scalar()

    def find_artifact(self, name: str, run_id: str | None = None) -> Path:
        """Path of artefact ``name`` of ``run_id`` — or, without a run, of the newest
        completed run that has one (sha256 checked)."""
        if run_id is None:
            run_id = self.latest_run_with(name)
            if run_id is None:
                raise StoreError(
                    f"no completed run in {self!r} has a {name} artefact; run the step that "
                    "makes it first (for predictions: yearn train or yearn run)."
                )
        return self.artifact_path(run_id, name)

    def artifact_path(self, run_id: str, name: str, *, verify: bool = True) -> Path:
        """Path of a run's artefact, after checking that its sha256 still matches."""
        run = self.get_run(run_id)
        match = [a for a in self.artifacts(run.id) if a.name == name]
        if not match:
            have = ", ".join(a.name for a in self.artifacts(run.id)) or "none"
            raise StoreError(f"run {run.id} has no artefact {name!r} (it has: {have}).")
        path = self.artifact_root / match[0].path
        if not path.is_file():
            raise StoreError(
                f"artefact {name!r} of run {run.id} is missing on disk ({path}); re-run the step."
            )
        if verify and hashlib.sha256(path.read_bytes()).hexdigest() != match[0].sha256:
            raise StoreError(
                f"artefact {name!r} of run {run.id} was changed on disk (sha256 mismatch at "
                f"{path}); re-run the step to regenerate it."
            )
        return path

    # -- the deployed pointer -----------------------------------------------------------
    def set_deployed(self, run_id: str, **lineage: Any) -> Deployment:
        """Record a completed run as the deployed model (see :func:`set_deployed`)."""
        return _deploy.set_deployed(self, run_id, **lineage)

    def deployed(self) -> Deployment | None:
        """The deployed model (newest promotion), or None."""
        return _deploy.deployed(self)

    def deployments(self) -> list[Deployment]:
        """Every promotion, newest first (the lineage of the production model)."""
        return _deploy.deployments(self)

    # -- looks at the test set ------------------------------------------------------------
    def record_test_look(
        self,
        model: str,
        *,
        run_id: str | None = None,
        metric: str | None = None,
        value: float | None = None,
    ) -> int:
        """Count one look at the test set; returns how many looks there have been in all."""
        with self._begin() as conn:
            conn.execute(
                insert(t.test_looks).values(
                    run_id=run_id,
                    model=model,
                    metric=metric,
                    value=None if value is None else float(value),
                    looked_at=self._now(),
                )
            )
            return len(conn.execute(select(t.test_looks.c.id)).fetchall())

    def test_looks(self) -> pd.DataFrame:
        """Every recorded look at the test set."""
        with self._begin() as conn:
            rows = conn.execute(select(t.test_looks).order_by(t.test_looks.c.id)).fetchall()
        return pd.DataFrame(rows, columns=[c.name for c in t.test_looks.columns])

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _record(row: Any) -> RunRecord:
    m = row._mapping
    return RunRecord(
        id=m["id"],
        name=m["name"],
        kind=m["kind"],
        status=m["status"],
        config=json.loads(m["config"]),
        code_version=json.loads(m["code_version"]),
        host=m["host"],
        pid=m["pid"],
        started_at=_aware(m["started_at"]),
        heartbeat_at=_aware(m["heartbeat_at"]),
        ended_at=_aware(m["ended_at"]) if m["ended_at"] else None,
        error=m["error"],
    )
