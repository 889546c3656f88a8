"""Batch checks for CI: many articles against one index, in parallel, under a policy.

The library side of `provenance ci`. `run_batch` finds every article under the given paths,
checks each against the index (an SQLite file or a shared Redis index) in worker processes (each
opens the index itself, so nothing large is pickled), and returns the outcomes sorted by path,
record line and id, so the result is the same whatever the parallelism. A file that cannot be
read becomes an error outcome, never an exception and never a silent skip. What a flagged
source means for the gate is the policy's (policy.py).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..documents import (
    Document,
    article_files,
    is_skipped_link,
    iter_documents,
    iter_jsonl,
    load_document,
    readable_name,
    skipped_link,
    unique_id,
)
from ..errors import ConfigError, ProvenanceError
from ..policy import Policy, judge, posix_path
from ..results import BatchReport, CheckResult, LoadFailure
from ..settings import Settings
from ..storage import Index, IndexSpec
from . import check, error_result, tool_info

# --- Finding the articles ---------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One article to check: a file to load in the worker, or an already parsed JSON Lines
    record, or an input that already failed."""

    path: str
    id: str
    line: int | None = None
    document: Document | None = None
    failure: LoadFailure | None = None
    note: str | None = None  # a warning about the task itself (its id was changed)

    @property
    def key(self) -> tuple[str, int, str]:
        return (posix_path(self.path), self.line or 0, self.id)


def collect_tasks(paths: Sequence[str | os.PathLike[str]], policy: Policy,
                  max_chars: int, follow_symlinks: bool = False) -> tuple[list[Task], int]:
    """The articles under `paths` (ids as iter_documents gives them, repeated ids suffixed as it
    does), minus ignored ones, sorted; and how many paths were ignored (a folder counts once:
    ignored folders are not walked)."""
    tasks: list[Task] = []
    ignored = 0
    for given in paths:
        real = os.fspath(given)
        shown = readable_name(real)
        if os.path.isdir(real):
            for file, rel in _walk(real, policy, follow_symlinks):
                if file is None:
                    ignored += 1
                elif is_skipped_link(file, follow_symlinks):
                    tasks.append(Task(readable_name(file), rel, failure=skipped_link(file, rel)))
                else:
                    ignored += _add_tasks(tasks, file, rel, policy, max_chars)
        elif policy.ignores(shown, Path(shown).name):
            ignored += 1
        elif os.path.lexists(real):
            ignored += _add_tasks(tasks, real, Path(shown).name, policy, max_chars)
        else:
            tasks.append(Task(shown, Path(shown).name,
                              failure=LoadFailure(Path(shown).name, shown, f"{shown}: no such file or directory")))
    tasks = _unique_task_ids(tasks)
    tasks.sort(key=lambda t: t.key)
    return tasks, ignored


def _unique_task_ids(tasks: list[Task]) -> list[Task]:
    """Repeated ids get the suffix iter_documents gives them, in input order; the article's
    warning says so (a check keyed by id would otherwise mix the two up)."""
    taken: set[str] = set()
    out = []
    for task in tasks:
        new = unique_id(task.id, taken)
        taken.add(new)
        if new != task.id:
            note = (f"{task.path}: another article already has the id {task.id!r}; this one is "
                    f"{new!r} (give their folder instead of the files to keep paths as ids)")
            document = task.document
            if document is not None:
                document = replace(document, id=new, warnings=document.warnings + (note,))
            task = replace(task, id=new, document=document, note=note)
        out.append(task)
    return out


def _walk(folder: str, policy: Policy, follow_symlinks: bool) -> Iterator[tuple[str | None, str]]:
    """(file, id) of the articles under `folder`; (None, id) for an ignored file or folder
    (counted, not checked). Ignored folders are pruned, so a big ignored tree costs nothing."""
    pruned: list[str] = []

    def prune(path: str) -> bool:
        rel = readable_name(Path(os.path.relpath(path, folder)).as_posix())
        if policy.ignores(readable_name(path), rel):
            pruned.append(rel)
            return True
        return False

    for file in article_files(folder, prune, follow_symlinks):
        while pruned:
            yield None, pruned.pop(0)
        rel = readable_name(Path(os.path.relpath(file, folder)).as_posix())
        yield (None if policy.ignores(readable_name(file), rel) else file), rel
    while pruned:
        yield None, pruned.pop(0)


def _add_tasks(tasks: list[Task], file: str, doc_id: str, policy: Policy, max_chars: int) -> int:
    if not file.lower().endswith(".jsonl"):
        tasks.append(Task(file, doc_id))
        return 0
    ignored = 0
    for item in iter_jsonl(file, max_chars=max_chars):
        if policy.ignores(item.path or file, item.id):
            ignored += 1
        elif isinstance(item, LoadFailure):
            tasks.append(Task(item.path, item.id, item.line, failure=item))
        else:
            tasks.append(Task(file, item.id, item.line, document=item))
    return ignored


# --- Checking ---------------------------------------------------------------------------------

# A worker's index, opened once per process (SQLite connections must not cross a fork).
_worker: dict[str, Any] = {}


def _init_worker(spec: IndexSpec, settings: Settings, tool: dict[str, Any],
                 revisions: frozenset[str] = frozenset()) -> None:
    _worker.clear()
    _worker.update(spec=spec, settings=settings, tool=tool, index=None, revisions=revisions)


def _worker_index() -> Index:
    if _worker["index"] is None:
        _worker["index"] = _worker["spec"].open()
    return _worker["index"]


def _close_worker_index() -> None:
    if _worker.get("index") is not None:
        _worker["index"].close()
        _worker["index"] = None


def _check_task(task: Task) -> tuple[CheckResult, Document | None]:
    """Check one article in this process; any failure becomes an error result."""
    settings: Settings = _worker["settings"]
    tool: dict[str, Any] = _worker["tool"]
    doc = task.document
    try:
        if task.failure is not None:
            return _error(task, task.failure.error, tool), None
        if doc is None:
            doc = load_document(task.path, doc_id=task.id, max_chars=settings.max_article_chars)
            if task.note:
                doc = replace(doc, warnings=doc.warnings + (task.note,))
        # An earlier version of this article (added by ci --update-index) is not a source; a
        # corpus document of the same name is: a copy saved under its source's name still fails.
        own = [doc.id] if doc.id in _worker["revisions"] else []
        result = check(doc, _worker_index(), settings, exclude=own)
    except ProvenanceError as exc:
        return _error(task, str(exc), tool), None
    except Exception as exc:  # a bug must cost one article, not the whole run; it is reported
        return _error(task, f"{task.path}: internal error: {type(exc).__name__}: {exc}", tool), None
    # The sources' texts only serve side-by-side reports; leave them out of the pickle.
    light = tuple(replace(s, text="", segments=()) for s in result.sources)
    return replace(result, sources=light), doc


def _error(task: Task, message: str, tool: dict[str, Any]) -> CheckResult:
    return replace(error_result(task.id, readable_name(task.path), message, line=task.line), tool=tool)


def _revisions(index: Index, tasks: list[Task]) -> frozenset[str]:
    """Ids of the articles that are new versions of the checked collection's own documents
    (added by an earlier `ci --update-index`), never of corpus sources."""
    found = set()
    for task in tasks:
        if task.failure is None and task.id in index:
            stored = index.get(task.id)
            if stored is not None and stored.collection == "checked":
                found.add(task.id)
    return frozenset(found)


def _collection(checked: list[tuple[CheckResult, Document | None]], revisions: frozenset[str],
                taken: set[str]) -> Iterator[Document]:
    """The checked articles as the index keeps them: marked as the checked collection's own;
    one named after a corpus document gets the next free id instead of replacing the source."""
    for _, doc in checked:
        if doc is None:
            continue
        if doc.id in taken and doc.id not in revisions:
            doc = replace(doc, id=unique_id(doc.id, taken))
        taken.add(doc.id)
        yield replace(doc, collection="checked")


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _check_all(tasks: list[Task], spec: IndexSpec, settings: Settings, tool: dict[str, Any],
               jobs: int, progress: Callable[[int, int], None] | None,
               revisions: frozenset[str] = frozenset()
               ) -> list[tuple[CheckResult, Document | None]]:
    total = len(tasks)
    results: list[tuple[CheckResult, Document | None] | None] = [None] * total
    if jobs <= 1 or total <= 1:
        _init_worker(spec, settings, tool, revisions)
        try:
            for i, task in enumerate(tasks):
                results[i] = _check_task(task)
                if progress:
                    progress(i + 1, total)
        finally:
            _close_worker_index()
        return results  # type: ignore[return-value]
    return _check_in_pool(tasks, spec, settings, tool, jobs, progress, results, revisions)


# --- The dask engine: the same checks on a dask.distributed cluster ----------------------------

_dask_local = threading.local()


def _dask_check(task: Task, spec: IndexSpec, settings: Settings, tool: dict[str, Any],
                revisions: frozenset[str]) -> tuple[CheckResult, Document | None]:
    """One article on a dask worker: the worker's threads each keep their own index connection
    (SQLite connections must not cross threads; a Redis client could, but one rule serves both)."""
    cache = getattr(_dask_local, "indexes", None)
    if cache is None:
        cache = _dask_local.indexes = {}
    if spec not in cache:
        cache[spec] = spec.open()
    _worker.update(spec=spec, settings=settings, tool=tool, index=cache[spec], revisions=revisions)
    return _check_task(task)


def _check_on_dask(tasks: list[Task], spec: IndexSpec, settings: Settings, tool: dict[str, Any],
                   revisions: frozenset[str], scheduler: str | None, jobs: int,
                   progress: Callable[[int, int], None] | None
                   ) -> list[tuple[CheckResult, Document | None]]:
    """The checks on a dask.distributed cluster: the scheduler at `scheduler`, else a local
    cluster of `jobs` worker processes. Results come back in task order, so the outputs are the
    local engine's. A remote cluster needs an index its workers can open (a shared Redis index,
    or an SQLite file at the same path on every machine)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ConfigError("ci --engine dask needs dask.distributed: "
                          "pip install 'news-provenance[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(_dask_check, tasks, spec=spec, settings=settings, tool=tool,
                             revisions=revisions, pure=False)
        position = {f.key: i for i, f in enumerate(futures)}
        results: list[tuple[CheckResult, Document | None] | None] = [None] * len(tasks)
        for done, future in enumerate(as_completed(futures), 1):
            i = position[future.key]
            try:
                results[i] = future.result()
            except Exception as exc:  # a worker lost: this article is an error, not the run
                results[i] = (_error(tasks[i], f"{readable_name(tasks[i].path)}: dask worker "
                                     f"failed ({type(exc).__name__}: {exc})", tool), None)
            if progress:
                progress(done, len(tasks))
        return results  # type: ignore[return-value]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_in_pool(tasks: list[Task], spec: IndexSpec, settings: Settings, tool: dict[str, Any],
                   jobs: int, progress: Callable[[int, int], None] | None,
                   results: list[tuple[CheckResult, Document | None] | None],
                   revisions: frozenset[str]) -> list[tuple[CheckResult, Document | None]]:
    """At most two articles per worker in flight, so a worker that dies (killed, out of memory)
    costs only its own article: the articles in flight when the pool broke are checked again, each
    alone in a fresh process, and only one that kills that process too is an error."""
    total = len(tasks)
    done = 0
    queue = list(range(total))
    suspects: list[int] = []
    while queue or suspects:
        if suspects:
            batch, width = [suspects.pop(0)], 1
        else:
            batch, queue, width = queue, [], min(jobs, len(queue))
        alone = width == 1 and len(batch) == 1
        broken: list[int] = []
        with ProcessPoolExecutor(max_workers=width, initializer=_init_worker,
                                 initargs=(spec, settings, tool, revisions)) as pool:
            waiting = list(batch)
            pending: dict[Any, int] = {}
            while waiting or pending:
                # Two per worker keep the workers busy; a death suspects only these.
                while waiting and len(pending) < 2 * width and not broken:
                    i = waiting.pop(0)
                    pending[pool.submit(_check_task, tasks[i])] = i
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = pending.pop(future)
                    try:
                        results[i] = future.result()
                    except BrokenProcessPool:
                        broken.append(i)
                        continue
                    done += 1
                    if progress:
                        progress(done, total)
                if broken:
                    broken.extend(pending.values())
                    pending.clear()
        if not broken:
            continue
        if alone:
            # It killed a process of its own: this article is the cause.
            i = broken[0]
            results[i] = (_error(tasks[i], f"{readable_name(tasks[i].path)}: worker process died "
                                 "while checking this article", tool), None)
            done += 1
            if progress:
                progress(done, total)
        else:
            suspects.extend(sorted(broken))
            queue = waiting + queue
    return results  # type: ignore[return-value]


def run_batch(paths: Sequence[str | os.PathLike[str]], *,
              index_path: str | os.PathLike[str] | IndexSpec | None = None,
              against: Sequence[str | os.PathLike[str]] = (), settings: Settings | None = None,
              policy: Policy | None = None, jobs: int | None = None, update_index: bool = False,
              progress: Callable[[int, int], None] | None = None,
              follow_symlinks: bool = False, engine: str = "local",
              scheduler: str | None = None) -> BatchReport:
    """Check every article under `paths` against an index (an SQLite file's path, or an
    IndexSpec naming either back end) or a temporary index built once from `against`; outcomes
    sorted by path, record line and id whatever `jobs` is.

    With `update_index`, the checked articles are then added to the index (for SQLite in one
    transaction: all or nothing) as the checked collection's own. An article whose id belongs to
    one of those (added by an earlier `ci --update-index`) is a revision: it was checked against
    the rest of the corpus (never its earlier version) and replaces it. An article named after a
    corpus source is no revision: it is checked against that source too, and added as `ID #2`.

    Raises IndexError_ when the index cannot be opened, ConfigError for contradictory arguments.
    Unreadable articles are error outcomes, not exceptions.
    """
    settings = settings or Settings()
    policy = policy or Policy()
    jobs = jobs or default_jobs()
    if (index_path is None) == (not against):
        raise ConfigError("give either an index or --against paths, not both or neither")
    if update_index and index_path is None:
        raise ConfigError("--update-index needs --index (a temporary --against index is not kept)")
    tasks, ignored = collect_tasks(paths, policy, settings.max_article_chars, follow_symlinks)
    params = settings.sketch_params()
    with tempfile.TemporaryDirectory(prefix="provenance-ci-") as tmp:
        corpus_failures: list[LoadFailure] = []
        if index_path is None:
            spec = IndexSpec("sqlite", os.path.join(tmp, "against.db"))
            with spec.open(create=True, params=params) as idx:
                docs = []
                for item in iter_documents(against, max_chars=settings.max_article_chars,
                                           follow_symlinks=follow_symlinks):
                    (corpus_failures if isinstance(item, LoadFailure) else docs).append(item)
                idx.add(docs, atomic=True)
            described: dict[str, Any] = {"kind": "against", "paths": [os.fspath(p) for p in against]}
        else:
            spec = index_path if isinstance(index_path, IndexSpec) else IndexSpec("sqlite", os.fspath(index_path))
            described = spec.describe()
        with spec.open(create=update_index, params=params) as idx:
            tool = tool_info(settings, idx)
            described |= {"fingerprint": idx.fingerprint(), "documents": len(idx)}
            revisions = _revisions(idx, tasks)
            taken = set(idx.ids()) if update_index else set()
        # The main process holds no connection while workers (forked) open their own.
        if engine == "dask":
            checked = _check_on_dask(tasks, spec, settings, tool, revisions, scheduler, jobs,
                                     progress)
        elif engine == "local":
            checked = _check_all(tasks, spec, settings, tool, jobs, progress, revisions)
        else:
            raise ConfigError(f"unknown engine {engine!r} (local or dask)")
    outcomes = tuple(judge(result, policy, result.article.id in revisions and result.status == "ok")
                     for result, _ in checked)
    update = None
    if update_index:
        with spec.open() as idx:
            update = idx.add(_collection(checked, revisions, taken), atomic=True)
            described["updated_fingerprint"] = idx.fingerprint()
            described["updated_documents"] = len(idx)
    return BatchReport(outcomes, policy, settings, described, tuple(corpus_failures), ignored, update)


__all__ = ["Task", "collect_tasks", "default_jobs", "run_batch"]
