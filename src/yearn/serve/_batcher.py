"""Micro-batching: concurrent requests gathered into one model call.

Each caller ``await``s :meth:`MicroBatcher.submit` with its rows (a list). A single
worker task takes the first waiting request, then keeps gathering until ``max_batch`` rows
are queued, ``max_wait_ms`` have passed since that first request, or no other request is
on its way (``arriving``, counted by the server while it reads a request: a lone request
does not wait), runs ``run_batch`` once on the concatenated rows (in a thread, so the event
loop keeps accepting requests), and hands every caller its own slice. Errors reach the
callers: a failing batch of several requests is rerun one request at a time, so each
caller gets its own result or its own error; nobody waits forever.

With ``commit`` (the request log), answers wait for their write (handed to the OS, or
fsynced too: the log's sync mode): each finished batch is committed in a thread and only
then are its callers answered; meanwhile the worker computes the next batches, up to
``max_commits`` writes run at once (a file system commits concurrent fsyncs together:
measured 69 fsynced writes/s one at a time, 546 four at a time), and batches finished while
all of them are busy share the next write (group commit). The disk's latency is thus paid
neither once per batch in series nor by the model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from yearn._validation import check_number, check_positive_int

__all__ = ["BatchInfo", "MicroBatcher"]

log = logging.getLogger(__name__)


@dataclass
class BatchInfo:
    """What a caller learns about the batch its rows ran in."""

    size: int
    requests: int
    latency_ms: float = 0.0


@dataclass
class _Pending:
    rows: list
    meta: Any
    future: asyncio.Future
    queued: float = field(default_factory=time.perf_counter)


class MicroBatcher:
    """Gathers concurrent :meth:`submit` calls into batches for ``run_batch``.

    ``run_batch(rows, metas) -> list`` gets the rows of every request of the batch (one
    list, in arrival order) and the requests' ``meta`` objects; it must return one output
    per input row in the same order. ``max_batch=1`` with ``max_wait_ms=0`` is
    one request, one inference.

    With ``commit``, ``run_batch`` returns ``(outputs, record)`` instead, and
    ``commit(records)`` (run in a thread, at most ``max_commits`` calls at once, each with
    the records of one or more finished batches) must make them durable: callers are
    answered only after it returns, and get its error if it raises.
    """

    def __init__(
        self,
        run_batch: Callable[[list, list[Any]], Sequence[Any]],
        *,
        max_batch: int = 64,
        max_wait_ms: float = 5.0,
        commit: Callable[[list[Any]], None] | None = None,
        max_commits: int = 4,
    ) -> None:
        check_positive_int("max_batch", max_batch)
        check_positive_int("max_commits", max_commits)
        check_number("max_wait_ms", max_wait_ms, low=0, high=60_000)
        self.run_batch = run_batch
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000.0
        self._queue: asyncio.Queue[_Pending] | None = None
        self._worker: asyncio.Task | None = None
        self._carry: _Pending | None = None  # the request that would have overfilled a batch
        self.commit = commit
        self.max_commits = max_commits
        self._to_commit: list[tuple[list[_Pending], list, Any, BatchInfo]] = []
        self._committing: set[asyncio.Task] = set()
        #: durable writes made (each covers one or more batches)
        self.commits = 0
        #: requests known to be on their way (being read and validated): worth waiting for
        self.arriving = 0
        self.batches = 0
        self.rows = 0

    async def start(self) -> None:
        """Start the worker on the running loop (idempotent)."""
        if self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._work(), name="yearn-microbatcher")

    async def stop(self) -> None:
        """Stop the worker; batches already computed are committed (their callers answered);
        callers still waiting get an error rather than hang."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        while self._committing or self._to_commit:  # write what was computed
            self._commit_soon()
            await asyncio.gather(*self._committing, return_exceptions=True)
        if self._queue is not None:
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if not item.future.done():
                    item.future.set_exception(RuntimeError("the server is shutting down"))

    async def submit(self, rows: list, meta: Any = None) -> tuple[list, BatchInfo]:
        """Queue ``rows`` and wait for their outputs and the batch they ran in."""
        if len(rows) == 0:
            raise ValueError("submit needs at least one row")
        await self.start()
        assert self._queue is not None
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(list(rows), meta, fut))
        return await fut

    async def _gather(self) -> list[_Pending]:
        assert self._queue is not None
        first, self._carry = self._carry or await self._queue.get(), None
        batch, n = [first], len(first.rows)
        deadline = time.perf_counter() + self.max_wait
        while n < self.max_batch:
            if self._queue.empty():
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or self.arriving == 0:
                    break  # nobody else is coming: run now rather than wait
                try:
                    item = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            else:
                item = self._queue.get_nowait()
            if n + len(item.rows) > self.max_batch:
                self._carry = item  # first of the next batch
                break
            batch.append(item)
            n += len(item.rows)
        return batch

    async def _run(self, live: list[_Pending]) -> None:
        """Run ``live`` as one batch; on failure rerun each request alone (when there are
        several), so one bad request cannot fail its neighbours."""
        rows = [r for p in live for r in p.rows]
        started = time.perf_counter()
        record = None
        try:
            result = await asyncio.to_thread(self.run_batch, rows, [p.meta for p in live])
            if self.commit is not None:
                result, record = result
            out = list(result)
            if len(out) != len(rows):
                raise RuntimeError(f"the model returned {len(out)} rows for {len(rows)} inputs")
        except asyncio.CancelledError:
            for p in live:
                if not p.future.done():
                    p.future.set_exception(RuntimeError("the server is shutting down"))
            raise
        except Exception as exc:  # handed to the callers, never swallowed
            if len(live) > 1:
                log.info(
                    "batch of %d requests failed (%s); running them one by one", len(live), exc
                )
                for p in live:
                    await self._run([p])
                return
            log.warning("request of %d rows failed: %s", len(rows), exc)
            if not live[0].future.done():
                live[0].future.set_exception(exc)
            return
        self.batches += 1
        self.rows += len(rows)
        info = BatchInfo(
            size=len(rows),
            requests=len(live),
            latency_ms=(time.perf_counter() - started) * 1000.0,
        )
        if self.commit is not None:
            self._to_commit.append((live, out, record, info))
            self._commit_soon()  # answered once written
            return
        self._answer(live, out, info)

    @staticmethod
    def _answer(live: list[_Pending], out: list, info: BatchInfo) -> None:
        start = 0
        for p in live:
            stop = start + len(p.rows)
            if not p.future.done():
                p.future.set_result((out[start:stop], info))
            start = stop

    def _commit_soon(self) -> None:
        """Start a write of every batch waiting, unless ``max_commits`` are under way (then
        the next one to finish starts it)."""
        if self._to_commit and len(self._committing) < self.max_commits:
            group, self._to_commit = self._to_commit, []
            task = asyncio.ensure_future(self._commit_group(group))
            self._committing.add(task)
            task.add_done_callback(self._committed)

    def _committed(self, task: asyncio.Task) -> None:
        self._committing.discard(task)
        self._commit_soon()

    async def _commit_group(self, group: list[tuple[list[_Pending], list, Any, BatchInfo]]):
        assert self.commit is not None
        try:
            await asyncio.to_thread(self.commit, [g[2] for g in group])
        except asyncio.CancelledError:
            _fail(group, RuntimeError("the server is shutting down"))
            raise
        except Exception as exc:  # handed to the callers, never swallowed
            log.warning("commit of %d batches failed: %s", len(group), exc)
            _fail(group, exc)
            return
        self.commits += 1
        for live, out, _record, info in group:
            self._answer(live, out, info)

    async def _work(self) -> None:
        while True:
            batch = await self._gather()
            live = [p for p in batch if not p.future.done()]  # drop callers that went away
            if live:
                await self._run(live)


def _fail(group: list[tuple[list[_Pending], list, Any, BatchInfo]], exc: Exception) -> None:
    for live, _out, _record, _info in group:
        for p in live:
            if not p.future.done():
                p.future.set_exception(exc)
