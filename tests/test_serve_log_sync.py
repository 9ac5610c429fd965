"""The request log's sync modes: ``machine`` fsyncs a batch's segment and folder before its
answer; ``process`` answers once the segment is handed to the OS and fsyncs in the
background (an fsync that never returns does not hold up answers)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests._serve_model import TinyTabular
from yearn.errors import ConfigError
from yearn.serve import RequestLog, columns_of, create_app, read_request_log, segment_files

ROW = {"x1": 0.5, "x2": 1.0, "color": "red"}


class FsyncSpy:
    """Stands in for ``os.fsync``: records which file each call was for, in order with
    the answers the test records; ``gate`` (when set up) holds every call until opened."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.real = os.fsync
        self.events: list[tuple[str, str]] = []
        self.gate = gate
        self.lock = threading.Lock()

    def __call__(self, fd: int) -> None:
        target = os.readlink(f"/proc/self/fd/{fd}")
        if self.gate is not None:
            assert self.gate.wait(30), "the test never opened the fsync gate"
        self.real(fd)
        with self.lock:
            self.events.append(("fsync", target))

    def answered(self, request_id: str) -> None:
        with self.lock:
            self.events.append(("answer", request_id))


def _serve(tmp_path: Path, sync: str, **kw) -> tuple[TestClient, RequestLog]:
    model = TinyTabular(tmp_path)
    log = RequestLog(tmp_path / "requests", columns_of(model.schema), sync=sync, **kw)
    return TestClient(create_app(model, request_log=log, max_batch=8, max_wait_ms=0)), log


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_machine_mode_fsyncs_segment_and_folder_before_each_answer(tmp_path, monkeypatch):
    spy = FsyncSpy()
    monkeypatch.setattr(os, "fsync", spy)
    client, _log = _serve(tmp_path, "machine")
    folder = str((tmp_path / "requests").resolve())
    with client:
        assert client.get("/health").json()["log_sync"] == "machine"
        for _ in range(3):
            r = client.post("/predict", json=ROW)
            assert r.status_code == 200
            spy.answered(r.json()["request_id"])
    answers = [i for i, e in enumerate(spy.events) if e[0] == "answer"]
    start = 0
    for i in answers:  # before each answer: its segment's file, then the folder (the rename)
        before = [t for kind, t in spy.events[start:i] if kind == "fsync"]
        assert any(Path(t).name.startswith(".part-") for t in before), spy.events
        assert folder in before, spy.events
        start = i + 1
    assert len(read_request_log(tmp_path / "requests")) == 3


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_process_mode_answers_without_waiting_for_fsync_then_fsyncs(tmp_path, monkeypatch):
    gate = threading.Event()
    spy = FsyncSpy(gate)
    monkeypatch.setattr(os, "fsync", spy)
    # the background fsync is due every 10 ms but blocks in the spy until the gate opens
    client, log = _serve(tmp_path, "process", sync_every_s=0.01, merge_every=0)
    folder = tmp_path / "requests"
    with client:
        health = client.get("/health").json()
        assert health["log_sync"] == "process" and "killed server" in health["log_survives"]
        ids = []
        for _ in range(5):  # answered while every fsync is stuck
            r = client.post("/predict", json=ROW)
            assert r.status_code == 200
            ids.append(r.json()["request_id"])
        assert not spy.events  # no fsync has returned, yet all five were answered
        # ... and their rows are already readable (handed to the OS, renamed into place)
        assert set(read_request_log(folder)["request_id"]) == set(ids)
        gate.set()
    # close() fsynced the rest: every segment written and the folder were fsynced
    synced = {t for _, t in spy.events}
    assert str(folder.resolve()) in synced
    assert any("part-" in Path(t).name for t in synced)
    assert log.sync_error is None and len(read_request_log(folder)) == 5


def test_flush_fsyncs_each_new_segment_once_and_skips_merged_away_ones(tmp_path, monkeypatch):
    spy = FsyncSpy()
    monkeypatch.setattr(os, "fsync", spy)
    model = TinyTabular(tmp_path)
    log = RequestLog(tmp_path / "r", columns_of(model.schema), sync="process", sync_every_s=60)
    inputs = pd.DataFrame({"x1": [1.0], "x2": [2.0], "color": ["red"]})
    outputs = pd.DataFrame({"pred": ["no"], "proba:no": [0.6], "proba:yes": [0.4]})
    paths = [log.append(log.table(inputs, outputs, [f"r{k}"], [1.0], "v")) for k in range(3)]
    assert not spy.events  # append never fsyncs in process mode
    paths[0].unlink()  # as if merged away
    assert log.flush() == 2
    assert log.flush() == 0  # nothing new
    names = [Path(t).name for _, t in spy.events]
    assert names == [paths[1].name, paths[2].name, "r"]
    log._stop_syncing.set()  # not close(): it would merge the segment deleted above


def test_unknown_sync_mode_names_the_choices(tmp_path):
    with pytest.raises(ConfigError, match=r"'process'.*'machine'"):
        RequestLog(tmp_path, [], sync="always")


def test_a_sync_round_merges_new_segments_into_one_fsynced_file(tmp_path, monkeypatch):
    spy = FsyncSpy()
    monkeypatch.setattr(os, "fsync", spy)
    cols = columns_of(TinyTabular(tmp_path).schema)
    log = RequestLog(tmp_path / "r", cols, sync_every_s=3600, merge_every=0)
    inputs = pd.DataFrame({"x1": [1.0], "x2": [2.0], "color": ["red"]})
    outputs = pd.DataFrame({"pred": ["no"], "proba:no": [0.6], "proba:yes": [0.4]})
    for k in range(4):
        log.append(log.table(inputs, outputs, [f"r{k}"], [1.0], "v"))
    assert not spy.events
    log.sync_round()  # what the background thread runs every second
    files = segment_files(tmp_path / "r")
    assert [f.name for f in files] == [f"part-{log.writer}-000000000001-000000000004.parquet"]
    synced = [Path(t).name for _, t in spy.events]
    assert synced[0].startswith(f".{files[0].name}.") and "r" in synced  # the file, the folder
    assert len(read_request_log(tmp_path / "r")) == 4 and log.syncs == 1
    log.close()
