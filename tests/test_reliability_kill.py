"""kill -9 at a write: the manifest pair stays loadable, temporary files are cleaned up."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import time

import numpy as np
import pytest

from yearn._io import atomic_write
from yearn.splits import SplitManifest, four_way_split, load_manifest, manifest_path

_ctx = mp.get_context("fork")


def _manifest(seed: int) -> SplitManifest:
    ids = np.array([f"ex{i}" for i in range(400)], dtype=object)
    sources = np.array(["web"] * 300 + ["phone"] * 100, dtype=object)
    labels = np.random.default_rng(seed).choice(["yes", "no"], size=400)
    return four_way_split(
        ids, sources, target="phone", labels=labels, dev=30, test=30, salt=f"s{seed}"
    )


def _save_forever(root: str, ready) -> None:
    pair = [_manifest(1), _manifest(2)]
    ready.set()
    k = 0
    while True:
        pair[k % 2].save(root)
        k += 1


def _kill_after_rename(root: str, which: int) -> None:
    """Save, dying by SIGKILL right after the ``which``-th rename of the commit."""
    import yearn.splits.manifest as mod

    real = os.replace
    count = {"n": 0}

    def replace_then_die(src, dst):
        real(src, dst)
        if str(dst).endswith(("splits.parquet", "splits.json")):
            count["n"] += 1
            if count["n"] == which:
                os.kill(os.getpid(), signal.SIGKILL)

    mod.os.replace = replace_then_die
    _manifest(2).save(root)
    os._exit(0)


@pytest.mark.parametrize("which", [1, 2])
def test_kill_between_the_two_renames_leaves_a_loadable_pair(tmp_path, which):
    first = _manifest(1).save(tmp_path)
    p = _ctx.Process(target=_kill_after_rename, args=(str(tmp_path), which))
    p.start()
    p.join(60)
    assert p.exitcode == -signal.SIGKILL
    loaded = load_manifest(tmp_path)  # rolled forward: the new pair
    assert loaded.sha256 != first.sha256
    assert loaded.settings["salt"] == "s2"
    assert load_manifest(tmp_path).sha256 == loaded.sha256


def test_sigkill_in_a_loop_never_leaves_a_refused_manifest(tmp_path):
    expected = {_manifest(1).save(tmp_path / "a").sha256, _manifest(2).save(tmp_path / "b").sha256}
    rng = random.Random(0)
    for _ in range(8):
        ready = _ctx.Event()
        p = _ctx.Process(target=_save_forever, args=(str(tmp_path), ready))
        p.start()
        ready.wait(60)
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(p.pid, signal.SIGKILL)
        p.join(10)
        if manifest_path(tmp_path).exists():
            assert load_manifest(tmp_path).sha256 in expected  # never "changed outside yearn"
    assert load_manifest(tmp_path).sha256 in expected


def _write_and_hang(path: str, ready) -> None:
    with atomic_write(path) as tmp:
        tmp.write_bytes(b"half a worksheet")
        ready.set()
        time.sleep(60)


def test_temporary_files_of_killed_writers_are_cleaned_on_the_next_write(tmp_path):
    target = tmp_path / "ws.csv"
    target.write_text("id,tags\n1,a\n")
    for _ in range(6):
        ready = _ctx.Event()
        p = _ctx.Process(target=_write_and_hang, args=(str(target), ready))
        p.start()
        assert ready.wait(30)
        os.kill(p.pid, signal.SIGKILL)
        p.join(10)
    # each write cleans what the killed one before it left: only the last kill's file is here
    assert len(list(tmp_path.glob(".ws.csv.*.tmp"))) == 1
    assert target.read_text() == "id,tags\n1,a\n"  # the old file survived every kill
    with atomic_write(target) as tmp:
        tmp.write_text("id,tags\n1,b\n")
    assert not list(tmp_path.glob(".ws.csv.*.tmp"))
    assert target.read_text() == "id,tags\n1,b\n"


def test_a_live_writers_temporary_file_is_left_alone(tmp_path):
    target = tmp_path / "ws.csv"
    ready = _ctx.Event()
    p = _ctx.Process(target=_write_and_hang, args=(str(target), ready))
    p.start()
    try:
        assert ready.wait(30)
        with atomic_write(target) as tmp:
            tmp.write_text("mine")
        assert len(list(tmp_path.glob(".ws.csv.*.tmp"))) == 1  # still being written
    finally:
        os.kill(p.pid, signal.SIGKILL)
        p.join(10)


def _tag_forever(path: str, ready) -> None:
    from yearn.erroranalysis import edit_worksheet

    ready.set()
    k = 0
    while True:
        with edit_worksheet(path) as sheet:
            sheet.set_tags(sheet.ids[k % len(sheet.ids)], f"t{k % 7}")
        k += 1


def test_sigkill_during_worksheet_saves_leaves_a_loadable_sheet_and_no_litter(tmp_path):
    from tests._tables import make_table
    from yearn.erroranalysis import load_worksheet, sample_errors
    from yearn.predictions import write_predictions

    preds = write_predictions(make_table(), tmp_path / "preds.csv")
    ws = sample_errors(preds, n=20).save(tmp_path / "ws.csv")
    rng = random.Random(1)
    for _ in range(6):
        ready = _ctx.Event()
        p = _ctx.Process(target=_tag_forever, args=(str(ws), ready))
        p.start()
        ready.wait(60)
        time.sleep(rng.uniform(0.05, 0.3))
        os.kill(p.pid, signal.SIGKILL)
        p.join(10)
        assert len(load_worksheet(ws)) == 20  # old or new, never half
        assert len(list(tmp_path.glob(".ws.csv.*.tmp"))) <= 1  # each save cleans the last
    with atomic_write(ws) as tmp:
        tmp.write_bytes(ws.read_bytes())
    assert not list(tmp_path.glob(".ws.csv.*.tmp"))


def _relabel_forever(project: str, k: int, ready) -> None:
    from yearn.labels import record_corrections

    ready.set()
    j = 0
    while True:
        record_corrections(project, [{"id": f"w{k}-{j}", "new_label": "dog"}])
        j += 1


def test_sigkill_during_relabel_appends_keeps_every_line_whole(tmp_path):
    from yearn.labels import read_relabel_log

    rng = random.Random(2)
    for round_ in range(4):
        events = [_ctx.Event() for _ in range(4)]
        procs = [
            _ctx.Process(target=_relabel_forever, args=(str(tmp_path), 4 * round_ + k, e))
            for k, e in enumerate(events)
        ]
        for p in procs:
            p.start()
        for e in events:
            e.wait(60)
        time.sleep(rng.uniform(0.05, 0.3))
        for p in procs:
            os.kill(p.pid, signal.SIGKILL)
        for p in procs:
            p.join(10)
        log = read_relabel_log(tmp_path)  # every line parses
        assert log["id"].is_unique and len(log) > 0
