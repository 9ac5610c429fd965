"""MicroBatcher: concurrent requests share batches bounded by max_batch; every caller gets
its own rows back; a failure reaches the callers as an error, never a hang."""

from __future__ import annotations

import asyncio

import pytest

from yearn.errors import ConfigError
from yearn.serve import MicroBatcher


def _rows(start: int, n: int) -> list[int]:
    return list(range(start, start + n))


def _double(rows: list[int], metas) -> list[int]:
    return [2 * x for x in rows]


async def _run_clients(batcher: MicroBatcher, sizes: list[int]):
    starts = [sum(sizes[:i]) * 100 for i in range(len(sizes))]
    try:
        return await asyncio.wait_for(
            asyncio.gather(
                *(batcher.submit(_rows(s, n)) for s, n in zip(starts, sizes, strict=True)),
                return_exceptions=True,
            ),
            timeout=30,
        )
    finally:
        await batcher.stop()


def test_concurrent_requests_share_batches_and_get_their_own_rows():
    sizes = [1, 3, 2, 1, 5, 1, 1, 2] * 4
    calls: list[int] = []

    def run(rows, metas):
        calls.append(len(rows))
        return _double(rows, metas)

    results = asyncio.run(_run_clients(MicroBatcher(run, max_batch=8, max_wait_ms=200), sizes))
    starts = [sum(sizes[:i]) * 100 for i in range(len(sizes))]
    for (out, info), s, n in zip(results, starts, sizes, strict=True):
        assert out == [2 * v for v in range(s, s + n)]
        assert info.size <= 8
    assert sum(calls) == sum(sizes)
    assert max(calls) <= 8 and len(calls) < len(sizes)  # batched, never over max_batch


def test_one_request_one_inference_with_max_batch_1():
    calls: list[int] = []

    def run(rows, metas):
        calls.append(len(rows))
        return _double(rows, metas)

    asyncio.run(_run_clients(MicroBatcher(run, max_batch=1, max_wait_ms=0), [1] * 10))
    assert calls == [1] * 10


def test_a_failing_batch_is_an_error_for_each_caller_not_a_hang():
    def boom(rows, metas):
        raise RuntimeError("model exploded")

    results = asyncio.run(_run_clients(MicroBatcher(boom, max_batch=16, max_wait_ms=20), [1] * 6))
    assert all(isinstance(r, RuntimeError) and "exploded" in str(r) for r in results)


def test_only_the_bad_request_fails_when_batch_is_rerun_alone():
    def picky(rows, metas):
        if 300 in rows:
            raise ValueError("x=300 refused")
        return _double(rows, metas)

    results = asyncio.run(_run_clients(MicroBatcher(picky, max_batch=16, max_wait_ms=50), [1] * 6))
    assert isinstance(results[3], ValueError)
    assert all(not isinstance(r, Exception) for i, r in enumerate(results) if i != 3)


def test_wrong_row_count_from_the_model_is_an_error():
    results = asyncio.run(
        _run_clients(MicroBatcher(lambda r, m: [], max_batch=4, max_wait_ms=5), [2, 2])
    )
    assert all(isinstance(r, RuntimeError) and "returned 0 rows" in str(r) for r in results)


def test_parameters_are_checked():
    with pytest.raises(ConfigError, match="max_batch"):
        MicroBatcher(_double, max_batch=0)
    with pytest.raises(ConfigError, match="max_wait_ms"):
        MicroBatcher(_double, max_wait_ms=-1)
    with pytest.raises(ConfigError, match="max_commits"):
        MicroBatcher(_double, max_commits=0)


@pytest.mark.parametrize("arriving", [0, 1])
def test_a_batch_waits_only_for_requests_on_their_way(arriving):
    """A request announced as arriving is waited for (one batch); without one the first
    request runs at once (two batches)."""
    calls: list[int] = []

    def run(rows, metas):
        calls.append(len(rows))
        return _double(rows, metas)

    async def go():
        batcher = MicroBatcher(run, max_batch=8, max_wait_ms=2000)
        batcher.arriving = arriving
        first = asyncio.create_task(batcher.submit([1]))
        await asyncio.sleep(0.3)
        batcher.arriving = 0
        second = await batcher.submit([2])
        out = [await first, second]
        await batcher.stop()
        return out

    (out1, _), (out2, _) = asyncio.run(go())
    assert out1 == [2] and out2 == [4]
    assert calls == ([1, 1] if arriving == 0 else [2])


def _with_record(rows, metas):
    return _double(rows, metas), list(rows)


class _SlowDisk:
    """A commit that blocks until released, recording the records of each call."""

    def __init__(self, fail: Exception | None = None) -> None:
        import threading

        self.calls: list[list] = []
        self.entered, self.release = threading.Event(), threading.Event()
        self.fail = fail
        self.inside = self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, records: list) -> None:
        with self.lock:
            self.inside += 1
        self.entered.set()
        try:
            assert self.release.wait(30)
            if self.fail is not None:
                raise self.fail
            with self.lock:
                self.calls.append(records)
        finally:
            with self.lock:
                self.inside -= 1


@pytest.mark.parametrize("max_commits", [1, 2])
def test_answers_wait_for_their_write_and_writes_overlap_up_to_max_commits(max_commits):
    """While the first write is under way, two more batches finish: with one write at a
    time they share the next write; with two, the second batch's write starts at once."""
    disk = _SlowDisk()

    async def go():
        batcher = MicroBatcher(
            _with_record, max_batch=8, max_wait_ms=0, commit=disk, max_commits=max_commits
        )
        first = asyncio.create_task(batcher.submit([1]))
        await asyncio.to_thread(disk.entered.wait, 30)  # the first write is under way
        later = []
        for k in (2, 3):  # two batches, both computed while the first write runs
            later.append(asyncio.create_task(batcher.submit([k])))
            await asyncio.sleep(0.05)
        for _ in range(1000):  # until both are computed and the writes allowed have started
            if batcher.batches == 3 and disk.inside == max_commits:
                break
            await asyncio.sleep(0.01)
        waiting = not first.done() and not any(t.done() for t in later)
        disk.peak = disk.inside
        disk.release.set()
        out = [await first] + [await t for t in later]
        await batcher.stop()
        return waiting, out, batcher

    waiting, out, batcher = asyncio.run(go())
    assert waiting  # nobody was answered before their rows were written
    assert [o for o, _info in out] == [[2], [4], [6]]
    assert batcher.batches == 3
    if max_commits == 1:
        assert disk.peak == 1 and disk.calls == [[[1]], [[2], [3]]]  # a shared second write
        assert batcher.commits == 2
    else:
        assert disk.peak == 2 and sorted(disk.calls) == [[[1]], [[2]], [[3]]]
        assert batcher.commits == 3


def test_a_failing_commit_is_an_error_for_its_callers_not_a_hang():
    disk = _SlowDisk(fail=OSError("disk full"))
    disk.release.set()
    batcher = MicroBatcher(_with_record, max_batch=8, max_wait_ms=20, commit=disk)
    results = asyncio.run(_run_clients(batcher, [1, 2, 1]))
    assert all(isinstance(r, OSError) and "disk full" in str(r) for r in results)
    assert batcher.commits == 0


def test_stop_writes_what_was_computed_before_ending():
    disk = _SlowDisk()

    async def go():
        batcher = MicroBatcher(_with_record, max_batch=8, max_wait_ms=0, commit=disk)
        caller = asyncio.create_task(batcher.submit([5]))
        await asyncio.to_thread(disk.entered.wait, 30)
        stopping = asyncio.create_task(batcher.stop())
        await asyncio.sleep(0.1)
        disk.release.set()
        await stopping
        return await caller

    out, info = asyncio.run(go())
    assert out == [10] and info.size == 1 and disk.calls == [[[5]]]
