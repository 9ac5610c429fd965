"""The request log: every answered request is on disk, even after SIGKILL; segments are
whole Parquet files; a merge interrupted by a crash never double-counts."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pyarrow.parquet as pq

from yearn.serve import Column, RequestLog, read_request_log, segment_files

ROOT = Path(__file__).resolve().parents[1]
COLS = [Column("x1", "numeric"), Column("color", "category", categories=("a", "b"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _batch(log: RequestLog, n: int, rid: str):
    inputs = pd.DataFrame({"x1": [float(i) for i in range(n)], "color": ["a"] * n})
    outputs = pd.DataFrame({"pred": ["no"] * n, "proba:no": [0.7] * n, "proba:yes": [0.3] * n})
    return log.table(inputs, outputs, [rid] * n, [1.0] * n, "v1")


def test_segments_merge_and_an_interrupted_merge_counts_rows_once(tmp_path):
    log = RequestLog(tmp_path, COLS, merge_every=3)
    for k in range(7):
        log.append(_batch(log, 2, f"r{k}"))
        if log._merger is not None:
            log._merger.join()  # merges run in the background; wait to count files
    files = segment_files(tmp_path)
    assert len(files) == 3  # two merged segments of 3 + one small
    # a crash after writing a merged segment but before deleting the small ones:
    log.merge_every = 0
    small = [log.append(_batch(log, 1, f"s{k}")) for k in range(2)]
    copies = [p.read_bytes() for p in small]
    log.close()
    for p, data in zip(small, copies, strict=True):
        p.write_bytes(data)  # the small segments "survived" the crash
    frame = read_request_log(tmp_path)
    assert len(frame) == 7 * 2 + 2 and len(segment_files(tmp_path)) == 3
    assert frame["request_id"].value_counts().max() == 2
    assert list(frame.columns[:4]) == ["time", "request_id", "model_version", "latency_ms"]


def test_concurrent_appends_and_merges_keep_every_row_once(tmp_path):
    """Four threads append at once while merges run: merged names cover only segments
    they hold, so every row is read exactly once, before and after close()."""
    from concurrent.futures import ThreadPoolExecutor

    log = RequestLog(tmp_path, COLS, merge_every=5)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda k: log.append(_batch(log, 1 + k % 3, f"r{k}")), range(60)))
    if log._merger is not None:
        log._merger.join()
    expected = sum(1 + k % 3 for k in range(60))
    assert len(read_request_log(tmp_path)) == expected
    log.close()
    frame = read_request_log(tmp_path)
    assert len(frame) == expected and frame["request_id"].nunique() == 60
    assert len(segment_files(tmp_path)) < 60  # merged


def test_read_request_log_of_a_project_root(tmp_path):
    (tmp_path / ".yearn").mkdir()
    log = RequestLog.for_project(tmp_path, COLS)
    log.append(_batch(log, 3, "r"))
    assert len(read_request_log(tmp_path)) == 3
    assert len(read_request_log(tmp_path / "nothing-here")) == 0


async def _hammer(port: int, answered: list[str], stop_after: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

        async def one(k: int) -> None:
            body = {"rows": [{"x1": k, "x2": None, "color": "red"}] * (1 + k % 3)}
            r = await client.post("/predict", json=body)
            r.raise_for_status()
            answered.append(r.json()["request_id"])

        k = 0
        while len(answered) < stop_after:
            results = await asyncio.gather(*(one(k + i) for i in range(16)), return_exceptions=True)
            if any(isinstance(r, Exception) for r in results):
                return  # the server is gone
            k += 16


def test_sigkill_loses_no_answered_request(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "OMP_NUM_THREADS": "1"}
    out = tmp_path / "server.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests._serve_server", str(tmp_path), str(port), "5"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"server did not start: {out.read_text()}")
        answered: list[str] = []

        async def run_then_kill():
            task = asyncio.create_task(_hammer(port, answered, 10**9))
            while len(answered) < 200:
                await asyncio.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)  # mid-traffic: requests in flight
            await task

        asyncio.run(run_then_kill())
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    folder = tmp_path / "requests"
    for path in folder.glob("*.parquet"):
        pq.read_table(path)  # every visible segment is a whole Parquet file
    logged = read_request_log(folder)
    missing = set(answered) - set(logged["request_id"])
    assert not missing, f"{len(missing)} answered requests are not in the log"
    assert logged.groupby("request_id").size().isin([1, 2, 3]).all()  # no row twice
