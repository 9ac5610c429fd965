"""Concurrent writers lose nothing: 8 real processes (fork) tagging and relabelling at once."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import stat
from pathlib import Path

import pytest

from tests._tables import make_table
from yearn._io import append_line, atomic_write_text, file_lock
from yearn.erroranalysis import edit_worksheet, load_worksheet, sample_errors
from yearn.predictions import write_predictions

N = 8
_ctx = mp.get_context("fork")


def _run_all(target, args_list) -> list[int]:
    """Start one process per args tuple behind a barrier; return their exit codes."""
    barrier = _ctx.Barrier(len(args_list))
    procs = [_ctx.Process(target=target, args=(barrier, *a)) for a in args_list]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    return [p.exitcode for p in procs]


def _cli(args: list[str]) -> int:
    from typer.testing import CliRunner

    from yearn.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code


def _tag_with_cli(barrier, ws: str, ident: str, tag: str) -> None:
    barrier.wait()
    os._exit(_cli(["errors", "tag", ws, "--id", ident, "--tags", tag]))


def _tag_like_dashboard(barrier, ws: str, ident: str, tag: str) -> None:
    barrier.wait()
    with edit_worksheet(ws) as sheet:  # what the dashboard's PUT does
        sheet.set_tags(ident, [tag])
    os._exit(0)


@pytest.fixture
def worksheet(tmp_path) -> Path:
    preds = write_predictions(make_table(), tmp_path / "preds.csv")
    sheet = sample_errors(preds, n=20, random_state=0)
    return sheet.save(tmp_path / "ws.csv")


def test_eight_processes_tagging_one_worksheet_keep_every_tag(worksheet):
    ids = load_worksheet(worksheet).ids[:N]
    codes = _run_all(_tag_with_cli, [(str(worksheet), i, f"tag{k}") for k, i in enumerate(ids)])
    assert codes == [0] * N
    sheet = load_worksheet(worksheet)
    assert [sheet.tags(i) for i in ids] == [[f"tag{k}"] for k in range(N)]
    assert not list(worksheet.parent.glob(".*.tmp"))


def test_cli_and_dashboard_tagging_together_keep_every_tag(worksheet):
    ids = load_worksheet(worksheet).ids[:N]
    args = [(str(worksheet), i, f"t{k}") for k, i in enumerate(ids)]
    barrier = _ctx.Barrier(N)
    procs = [
        _ctx.Process(target=_tag_with_cli if k % 2 else _tag_like_dashboard, args=(barrier, *a))
        for k, a in enumerate(args)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * N
    sheet = load_worksheet(worksheet)
    assert [sheet.tags(i) for i in ids] == [[f"t{k}"] for k in range(N)]


def _relabel(barrier, project: str, ident: str) -> None:
    barrier.wait()
    os._exit(_cli(["relabel", "--project", project, "--id", ident, "--to", "dog"]))


def test_eight_concurrent_relabels_keep_every_line(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    codes = _run_all(_relabel, [(str(project), f"x{k}") for k in range(N)])
    assert codes == [0] * N
    lines = (project / ".yearn" / "relabel_log.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == [f"x{k}" for k in range(N)]


def _append_many(barrier, path: str, k: int) -> None:
    barrier.wait()
    for j in range(25):
        append_line(path, json.dumps({"writer": k, "n": j}))
    os._exit(0)


def test_append_line_from_eight_processes_keeps_every_whole_line(tmp_path):
    path = tmp_path / "log.jsonl"
    assert _run_all(_append_many, [(str(path), k) for k in range(N)]) == [0] * N
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == N * 25
    assert {(r["writer"], r["n"]) for r in rows} == {(k, j) for k in range(N) for j in range(25)}


def test_append_line_closes_a_torn_last_line(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"a": 1}\n{"torn": ')
    append_line(path, '{"b": 2}')
    assert path.read_text().splitlines() == ['{"a": 1}', '{"torn": ', '{"b": 2}']
    with pytest.raises(ValueError, match="one line"):
        append_line(path, "two\nlines")


def _count_in_lock(barrier, path: str, counter: str) -> None:
    barrier.wait()
    for _ in range(20):
        with file_lock(path), file_lock(path):  # re-entrant within a process
            value = int(Path(counter).read_text())
            Path(counter).write_text(str(value + 1))
    os._exit(0)


def test_file_lock_serialises_read_modify_write_across_processes(tmp_path):
    counter = tmp_path / "counter.txt"
    counter.write_text("0")
    assert _run_all(_count_in_lock, [(str(counter), str(counter))] * N) == [0] * N
    assert int(counter.read_text()) == N * 20


def test_atomic_write_keeps_the_file_mode(tmp_path):
    path = tmp_path / "yearn.toml"
    path.write_text("a = 1\n")
    path.chmod(0o644)
    atomic_write_text(path, "a = 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    path.chmod(0o640)
    atomic_write_text(path, "a = 3\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    fresh = tmp_path / "new.txt"
    atomic_write_text(fresh, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask


def test_worksheet_save_keeps_its_mode(worksheet):
    worksheet.chmod(0o644)
    with edit_worksheet(worksheet) as sheet:
        sheet.set_tags(sheet.ids[0], "blurry")
    assert stat.S_IMODE(worksheet.stat().st_mode) == 0o644


def _hold_the_run_lock(state: str, marker: str, ready) -> None:
    import time

    with file_lock(state):
        ready.set()
        time.sleep(1.0)
        Path(marker).write_text("released")
    os._exit(0)


def test_a_second_yearn_run_waits_for_the_first(tmp_path):
    from tests._toy_project import TOY_TOML, toy_table
    from yearn.paths import ProjectPaths
    from yearn.workflow import run_project

    root = tmp_path / "p"
    root.mkdir()
    (root / "yearn.toml").write_text(TOY_TOML)
    (root / "web.csv").write_text(toy_table("w", 30, 0).to_csv(index=False), encoding="utf-16")
    toy_table("p", 20, 1).to_csv(root / "phone.csv", index=False)
    marker = tmp_path / "released"
    ready = _ctx.Event()
    holder = _ctx.Process(
        target=_hold_the_run_lock,
        args=(str(ProjectPaths(root.resolve()).workflow_state), str(marker), ready),
    )
    holder.start()
    assert ready.wait(30)
    result = run_project(root, report=False)  # blocks until the holder lets go
    assert marker.exists()  # it ran after the first one, not interleaved with it
    assert result["split"].status == "failed"
    holder.join(30)
