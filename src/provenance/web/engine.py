"""Where checks run, and what the server remembers of them.

Checks are CPU-bound Python, so they run in a pool of worker processes sized to the cores (each
opens the index itself); the event loop only awaits them, and a slow check or a slow URL never
holds up another request. Cheap index look-ups (health, the archive's list) run on one thread
of the server's own, with its own connection, so they answer even when every worker is busy.

Results are kept in memory, least recently used first out, bounded by count and bytes, under
their content key (`work.result_key`): the permalink of a result is the same for the same
article, index and settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..errors import ProvenanceError
from . import work
from .config import WebConfig
from .work import Outcome, Ref, Submission

T = TypeVar("T")
STOP_WAIT = 10.0  # seconds a shutdown waits for running checks


class Busy(ProvenanceError):
    """Too many checks queued: the client should try again later (429)."""


class WorkerCrashed(ProvenanceError):
    """A worker process died during a check (killed, out of memory): the pool is rebuilt."""


class LRU(Generic[T]):
    """A mapping that forgets its least recently used entries past `items` entries or `size`
    total (as `weigh` measures its values)."""

    def __init__(self, items: int, size: int = 0, weigh: Callable[[T], int] = lambda _: 0):
        self._data: OrderedDict[Any, T] = OrderedDict()
        self._items, self._size, self._weigh, self._total = items, size, weigh, 0

    def get(self, key: Any) -> T | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: Any, value: T) -> None:
        old = self._data.pop(key, None)
        if old is not None:
            self._total -= self._weigh(old)
        self._data[key] = value
        self._total += self._weigh(value)
        while len(self._data) > 1 and (len(self._data) > self._items
                                       or (self._size and self._total > self._size)):
            _, dropped = self._data.popitem(last=False)
            self._total -= self._weigh(dropped)

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class Job:
    """A form check under way; its page polls until the result is there."""

    id: str
    task: asyncio.Task[Outcome]
    submission: Submission
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class DocumentView:
    """An indexed document: its own check, and the documents whose checks name it."""

    document: Ref
    key: str  # its own check's result, for the full report
    findings: tuple[Ref, ...]  # what it reuses
    reusers: tuple[Ref, ...]  # what reuses it
    checked: int  # candidates checked for reuse of it
    candidates: int  # candidates its own check aligned with it


class Engine:
    def __init__(self, config: WebConfig):
        self.config = config
        self.results: LRU[Outcome] = LRU(config.max_results, config.max_result_bytes,
                                         lambda o: o.size)
        self.jobs: LRU[Job] = LRU(1000)
        self.views: LRU[DocumentView] = LRU(256)
        self._view_tasks: dict[tuple[str, str], asyncio.Task[DocumentView]] = {}
        self._archive: tuple[str | None, list[Ref]] = (None, [])
        self._pending = 0
        self._pool: Executor | None = None
        # One thread, one connection, for the look-ups of the server's own process.
        self._lookups = ThreadPoolExecutor(1, "provenance-lookup", work.init, self._init_args())

    # --- life cycle ---------------------------------------------------------------------

    def _init_args(self, worker: bool = False) -> tuple[Any, ...]:
        c = self.config
        return (c.index, c.settings, c.allow_private_urls, worker)

    def _new_pool(self) -> Executor:
        size = self.config.pool_size()
        if self.config.pool == "thread":
            return ThreadPoolExecutor(size, "provenance-check", work.init, self._init_args())
        # Spawned, not forked: the server has threads, and a fork copies their locks.
        return ProcessPoolExecutor(size, multiprocessing.get_context("spawn"), work.init,
                                   self._init_args(worker=True))

    async def start(self) -> None:
        self._pool = self._new_pool()
        # Start every worker now (imports, the index opened) rather than on the first check;
        # an index that cannot be opened yet is reported per request, not here.
        warm = [self._run(work.warm) for _ in range(self.config.pool_size())]
        await asyncio.gather(*warm, return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._view_tasks.values()):
            task.cancel()
        self._lookups.shutdown(wait=False, cancel_futures=True)
        if self._pool is not None:
            # Queued checks are dropped; running ones may finish for a while, not forever
            # (workers also leave by themselves once this process is gone: work.init).
            stopping = asyncio.to_thread(self._pool.shutdown, True, cancel_futures=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping, STOP_WAIT)

    # --- running ------------------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = self._new_pool()
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            if self._pool is pool:
                self._pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise WorkerCrashed("a check worker stopped unexpectedly; try again") from None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run in the pool, refusing when too much is queued already (a client looping on
        the API must not queue unbounded work)."""
        if self._pending >= self.config.pending_limit():
            raise Busy(f"busy: {self._pending} checks under way; try again shortly")
        self._pending += 1
        try:
            return await self._run(fn, *args)
        finally:
            self._pending -= 1

    async def lookup(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._lookups, fn, *args)

    # --- checks -------------------------------------------------------------------------

    async def check(self, sub: Submission) -> Outcome:
        outcome = await self.run(work.check_submission, sub)
        if sub.html:
            self.results.put(outcome.key, outcome)
        return outcome

    def start_job(self, sub: Submission) -> Job:
        job = Job(secrets.token_urlsafe(16), asyncio.ensure_future(self.check(sub)), sub)
        # A job nobody polls any more still finishes; its exception must not be "never
        # retrieved" noise in the log.
        job.task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self.jobs.put(job.id, job)
        return job

    @staticmethod
    async def wait(task: asyncio.Future[T], timeout: float) -> T | None:
        """The task's result if it is done within `timeout` seconds, else None (it goes on)."""
        done, _ = await asyncio.wait({task}, timeout=timeout)
        return task.result() if done else None

    # --- the archive ----------------------------------------------------------------------

    async def archive(self) -> list[Ref]:
        """Every indexed document (id, title, outlet, date), reread when the index changed."""
        fingerprint = await self.lookup(work.fingerprint)
        if self._archive[0] != fingerprint:
            self._archive = (fingerprint, await self.lookup(work.archive_rows))
        return self._archive[1]

    def document_task(self, doc_id: str, fingerprint: str) -> asyncio.Task[DocumentView]:
        key = (doc_id, fingerprint)
        task = self._view_tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(self._document_view(doc_id, key))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._view_tasks[key] = task
        return task

    async def _document_view(self, doc_id: str, key: tuple[str, str]) -> DocumentView:
        try:
            own = await self.run(work.check_indexed, doc_id)
            self.results.put(own.key, own)
            # The documents that share LSH buckets with this one and align with it are the
            # only ones whose checks can name it: each is checked against the whole index.
            candidates = [c for c in own.candidates if c != doc_id][:self.config.reuse_checks]
            found = await asyncio.gather(*(self._run(work.reuse_of, c, doc_id)
                                           for c in candidates))
            reusers = sorted((r for r in found if r is not None), key=lambda r: (-r.coverage, r.id))
            view = DocumentView(own.article, own.key, own.findings, tuple(reusers),
                                len(candidates), len(own.candidates))
            self.views.put(key, view)
            return view
        finally:
            self._view_tasks.pop(key, None)

    async def cached_view(self, doc_id: str) -> tuple[DocumentView | None, str]:
        fingerprint = await self.lookup(work.fingerprint)
        return self.views.get((doc_id, fingerprint)), fingerprint


@contextlib.asynccontextmanager
async def running(engine: Engine):
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()
