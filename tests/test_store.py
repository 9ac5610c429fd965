"""The run store: round trips, atomicity, crash recovery, concurrency, PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from yearn.errors import StoreError
from yearn.store import open_store

from ._pg import start_postgres


@pytest.fixture(scope="module")
def pg_url():
    workdir = Path(tempfile.mkdtemp(prefix="yearn-pg-"))
    url, reason, stop = start_postgres(workdir)
    if url is None:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    yield url
    stop()


def _roundtrip(store):
    with store.run("mlp", "train", {"lr": 0.1, "layers": [64, 64]}) as run:
        run.log_metrics({"loss": 0.5, "error": 0.2}, split="train", step=0)
        run.log_metric("loss", 0.4, split="dev", step=0)
        run.log_metric("loss", float("nan"), split="dev", step=1)
        record = run.log_artifact(b"id,split\n1,dev\n", "predictions.csv")
    got = store.get_run(run.id)
    assert got.status == "completed"
    assert got.config == {"lr": 0.1, "layers": [64, 64]}
    assert got.duration_s is not None and got.duration_s >= 0
    assert "yearn" in got.code_version
    m = store.metrics(run.id)
    assert len(m) == 4
    dev = m[(m.name == "loss") & (m.split == "dev")].sort_values("step")
    assert dev.value.iloc[0] == pytest.approx(0.4) and dev.value.isna().iloc[1]
    assert len(record.sha256) == 64
    path = store.artifact_path(run.id, "predictions.csv")
    assert path.read_bytes() == b"id,split\n1,dev\n"
    return run


def test_sqlite_roundtrip(tmp_path):
    store = open_store(tmp_path)
    _roundtrip(store)
    assert (tmp_path / ".yearn" / "runs.db").exists()
    mode = (
        sqlite3.connect(tmp_path / ".yearn" / "runs.db").execute("PRAGMA journal_mode").fetchone()
    )
    assert mode[0] == "wal"


def test_failed_run_keeps_error(tmp_path):
    store = open_store(tmp_path)
    with pytest.raises(ZeroDivisionError), store.run("bad", "train") as run:
        run.log_metric("loss", 1.0)
        1 / 0  # noqa: B018
    got = store.get_run(run.id)
    assert got.status == "failed"
    assert "ZeroDivisionError" in got.error
    with pytest.raises(StoreError, match="already finished"):
        run.log_metric("loss", 2.0)


def test_tampered_and_missing_artifacts(tmp_path):
    store = open_store(tmp_path)
    run = _roundtrip(store)
    path = store.artifact_path(run.id, "predictions.csv")
    path.write_bytes(b"changed")
    with pytest.raises(StoreError, match="sha256 mismatch"):
        store.artifact_path(run.id, "predictions.csv")
    with pytest.raises(StoreError, match="has no artefact 'nope'"):
        store.artifact_path(run.id, "nope")
    path.unlink()
    with pytest.raises(StoreError, match="missing on disk"):
        store.artifact_path(run.id, "predictions.csv")
    with pytest.raises(StoreError, match="no run 'zzz'"):
        store.get_run("zzz")


def test_bad_inputs(tmp_path):
    store = open_store(tmp_path)
    run = store.start_run("x", "train")
    with pytest.raises(StoreError, match="must be numbers"):
        run.log_metric("loss", "high")
    with pytest.raises(StoreError, match="relative path"):
        run.log_artifact(b"x", "../escape.txt")
    with pytest.raises(StoreError, match="not a file"):
        run.log_artifact(tmp_path / "missing.bin")
    run.finish()


def test_corrupt_database_is_a_clear_error(tmp_path, cli):
    (tmp_path / ".yearn").mkdir()
    (tmp_path / ".yearn" / "runs.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a valid SQLite database"):
        open_store(tmp_path)
    result = cli("runs", "--project", tmp_path)
    assert result.exit_code == 2
    assert "not a valid SQLite database" in result.output


def test_test_looks_are_counted(tmp_path):
    store = open_store(tmp_path)
    assert store.record_test_look("mlp", metric="error", value=0.1) == 1
    assert store.record_test_look("mlp", metric="error", value=0.09) == 2
    looks = store.test_looks()
    assert list(looks.model) == ["mlp", "mlp"]


_WRITER = textwrap.dedent(
    """
    import sys, time
    from yearn.store import open_store
    root, n, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    store = open_store(root)
    run = store.start_run(name, "train", {"writer": name})
    print(run.id, flush=True)
    for i in range(n):
        run.log_metrics({"loss": 1.0 / (i + 1), "error": 0.5}, split="train", step=i)
        run.log_artifact(("x" * 1000 * (i % 7)).encode(), f"ckpt-{i % 3}.bin")
    run.finish()
    """
)


def test_kill_mid_write_leaves_a_sound_store_and_a_failed_run(tmp_path):
    store = open_store(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path), "100000", "victim"],
        stdout=subprocess.PIPE,
        text=True,
    )
    run_id = proc.stdout.readline().strip()
    deadline = time.time() + 30
    while time.time() < deadline and len(store.metrics(run_id)) < 200:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    db = sqlite3.connect(tmp_path / ".yearn" / "runs.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    reopened = open_store(tmp_path)  # opening reaps dead runs
    got = reopened.get_run(run_id)
    assert got.status == "failed"
    assert "ended without finishing" in got.error
    rows = reopened.metrics(run_id)
    assert len(rows) >= 200 and len(rows) % 2 == 0  # both metrics of a step, or neither
    # every artefact file is one complete version (atomic writes); one replaced at the
    # moment of the kill may be newer than its row, and that is detected, not served
    for art in reopened.artifacts(run_id):
        path = reopened.artifact_root / art.path
        assert set(path.read_bytes()) <= {ord("x")} and path.stat().st_size % 1000 == 0
        try:
            reopened.artifact_path(run_id, art.name)
        except StoreError as exc:
            assert "changed on disk" in str(exc)


def _concurrent_writers(root_or_url: str, tmp_path: Path, n_proc: int = 4, n_rows: int = 150):
    env = dict(os.environ)
    if "://" in root_or_url:
        env["YEARN_STORE_URL"] = root_or_url
        root = str(tmp_path)
    else:
        root = root_or_url
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, root, str(n_rows), f"w{i}"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(n_proc)
    ]
    ids = [p.stdout.readline().strip() for p in procs]
    for p in procs:
        assert p.wait(timeout=240) == 0
        p.stdout.close()
    store = open_store(root, url=env.get("YEARN_STORE_URL"))
    for run_id in ids:
        assert store.get_run(run_id).status == "completed"
        assert len(store.metrics(run_id)) == 2 * n_rows
    return store


def test_concurrent_writer_processes_lose_nothing(tmp_path):
    _concurrent_writers(str(tmp_path), tmp_path).close()


def test_cli_lists_runs(tmp_path, cli):
    store = open_store(tmp_path)
    _roundtrip(store)
    with pytest.raises(RuntimeError), store.run("broken", "baseline"):
        raise RuntimeError("boom")
    result = cli("runs", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    assert "mlp" in result.output and "broken" in result.output and "failed" in result.output
    result = cli("runs", "--project", tmp_path, "--json", "--status", "failed")
    data = json.loads(result.output)
    assert [r["name"] for r in data] == ["broken"]
    assert "RuntimeError: boom" in data[0]["error"]


def test_bad_store_url_is_a_clear_error(tmp_path, cli):
    result = cli("runs", "--project", tmp_path, "--store-url", "nosuchdb://x")
    assert result.exit_code == 2
    assert "cannot use run store URL" in result.output


@pytest.mark.postgres
def test_postgres_roundtrip_and_concurrency(pg_url, tmp_path):
    with open_store(tmp_path, url=pg_url) as store:
        _roundtrip(store)
    _concurrent_writers(pg_url, tmp_path, n_proc=3, n_rows=60).close()


def test_find_artifact_takes_the_newest_completed_run_that_has_it(tmp_path):
    store = open_store(tmp_path)
    with store.run("old", "train") as old:
        old.log_artifact(b"old", "predictions.parquet")
    with store.run("no-preds", "train") as other:
        other.log_artifact(b"x", "notes.txt")
    failed = store.start_run("crashed", "train")
    failed.log_artifact(b"half", "predictions.parquet")
    failed.finish("failed", error="boom")
    assert store.latest_run_with("predictions.parquet") == old.id
    assert store.find_artifact("predictions.parquet").read_bytes() == b"old"
    assert store.find_artifact("notes.txt", other.id).read_bytes() == b"x"
    with pytest.raises(StoreError, match=r"no completed run .* has a model\.onnx artefact"):
        store.find_artifact("model.onnx")
    store.close()
