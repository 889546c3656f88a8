"""Batch checks for CI: many articles against one index, in parallel, under a policy.

The library side of `provenance ci`. `run_batch` finds every article under the given paths,
checks each against the index in worker processes (each opens the SQLite index itself, so
nothing large is pickled), and returns the outcomes sorted by path, record line and id, so
the result is the same whatever the parallelism. A file that cannot be read becomes an error
outcome, never an exception and never a silent skip.

The policy decides what a flagged source means for the gate: a waiver (a person reviewed it,
with a reason), a licensed source or outlet (the allowlist), a common source (press releases,
official transcripts) are reported but never fail; the rest fail at or over `fail_on`.
"""

from __future__ import annotations

import fnmatch
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import api
from .documents import (
    Document,
    LoadFailure,
    article_files,
    iter_documents,
    iter_jsonl,
    load_document,
)
from .errors import ConfigError, ProvenanceError
from .index import AddReport, Index
from .results import CheckResult, SourceFinding
from .settings import Settings, level_at_least

FAIL_LEVELS = ("copy", "paraphrase", "partial")
# What a flagged source means for the gate, strongest claim first.
STATUSES = ("failing", "reported", "licensed", "common", "waived")


# --- Policy -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiver:
    """A finding a person reviewed: this article (id or path glob) may reuse this source
    (id glob or outlet name), for this reason."""

    article: str
    source: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"article": self.article, "source": self.source, "reason": self.reason}


@dataclass(frozen=True)
class Policy:
    """What the gate does with flagged sources. Source patterns are fnmatch globs on the source
    id; outlets compare case-insensitively; `ignore` globs match article paths or ids (a `*`
    matches across `/`; a pattern naming a folder ignores everything under it)."""

    fail_on: str = "paraphrase"
    allow_sources: tuple[str, ...] = ()
    allow_outlets: tuple[str, ...] = ()
    common_sources: tuple[str, ...] = ()
    common_outlets: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    ignore: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.fail_on not in FAIL_LEVELS:
            raise ConfigError(f"fail-on must be one of {', '.join(FAIL_LEVELS)}, got {self.fail_on!r}")

    @classmethod
    def from_config(cls, table: dict[str, Any]) -> Policy:
        """A policy from a validated `ci` table (config.parse_ci_table); unused keys are ignored."""
        lists = {k: tuple(table.get(k, ())) for k in
                 ("allow_sources", "allow_outlets", "common_sources", "common_outlets", "ignore")}
        waivers = tuple(Waiver(**w) for w in table.get("waivers", ()))
        return cls(fail_on=table.get("fail_on", "paraphrase"), waivers=waivers, **lists)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fail_on": self.fail_on, "allow_sources": list(self.allow_sources),
            "allow_outlets": list(self.allow_outlets), "common_sources": list(self.common_sources),
            "common_outlets": list(self.common_outlets),
            "waivers": [w.to_dict() for w in self.waivers], "ignore": list(self.ignore),
        }

    def classify(self, article_id: str, article_path: str | None, source: SourceFinding
                 ) -> tuple[str, str | None]:
        """The status of a flagged source for this article, and the reason when one applies."""
        for w in self.waivers:
            if _matches_any((article_id, article_path), w.article) and \
                    (_glob(source.id, w.source) or _same_outlet(source.outlet, w.source)):
                return "waived", w.reason
        for status, patterns, outlets in (("licensed", self.allow_sources, self.allow_outlets),
                                          ("common", self.common_sources, self.common_outlets)):
            where = "licence allowlist" if status == "licensed" else "common sources"
            for pattern in patterns:
                if _glob(source.id, pattern):
                    return status, f"source {pattern!r} in the {where}"
            for outlet in outlets:
                if _same_outlet(source.outlet, outlet):
                    return status, f"outlet {outlet!r} in the {where}"
        if level_at_least(source.verdict, self.fail_on):
            return "failing", None
        return "reported", None

    def ignores(self, path: str, doc_id: str | None = None) -> bool:
        return any(_matches_any((path, doc_id), p) or _matches_any((path, doc_id), p.rstrip("/") + "/*")
                   for p in self.ignore)


def _glob(value: str | None, pattern: str) -> bool:
    return value is not None and fnmatch.fnmatchcase(value, pattern)


def _matches_any(values: Iterable[str | None], pattern: str) -> bool:
    pattern = _posix(pattern)
    return any(v is not None and fnmatch.fnmatchcase(_posix(v), pattern) for v in values)


def _posix(path: str) -> str:
    return Path(os.path.normpath(path)).as_posix() if path else path


def _same_outlet(outlet: str | None, name: str) -> bool:
    return outlet is not None and outlet.strip().casefold() == name.strip().casefold()


# --- Outcomes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingOutcome:
    """A flagged source of one article, as the gate sees it."""

    source: str
    outlet: str | None
    verdict: str
    coverage: float
    score: float
    status: str  # one of STATUSES
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "outlet": self.outlet, "verdict": self.verdict,
                "coverage": round(self.coverage, 4), "score": round(self.score, 4),
                "status": self.status, "reason": self.reason}


@dataclass(frozen=True)
class ArticleOutcome:
    """One article's check and what the gate makes of it: "fail", "pass" or "error"."""

    result: CheckResult
    findings: tuple[FindingOutcome, ...]
    outcome: str
    revision: bool = False  # the article's id was already in the index

    @property
    def id(self) -> str:
        return self.result.article.id

    @property
    def path(self) -> str | None:
        return self.result.article.path

    @property
    def line(self) -> int | None:
        return self.result.article.line

    @property
    def failing(self) -> tuple[FindingOutcome, ...]:
        return tuple(f for f in self.findings if f.status == "failing")

    def to_dict(self, policy: Policy) -> dict[str, Any]:
        """The `check --format json` object plus a `ci` key with the gate's view."""
        data = self.result.to_dict()
        data["ci"] = {"outcome": self.outcome, "revision": self.revision,
                      "findings": [f.to_dict() for f in self.findings], "policy": policy.to_dict()}
        return data


@dataclass(frozen=True)
class BatchReport:
    outcomes: tuple[ArticleOutcome, ...]
    policy: Policy
    settings: Settings
    index: dict[str, Any]  # what was checked against: kind, path(s), fingerprint, documents
    corpus_failures: tuple[LoadFailure, ...] = ()  # --against files that could not be read
    ignored: int = 0  # paths left out by policy.ignore (a folder counts once)
    update: AddReport | None = None

    @property
    def failed(self) -> bool:
        return any(o.outcome == "fail" for o in self.outcomes)

    @property
    def incomplete(self) -> bool:
        return bool(self.corpus_failures) or any(o.outcome == "error" for o in self.outcomes)

    def count(self, outcome: str) -> int:
        return sum(o.outcome == outcome for o in self.outcomes)

    def run_info(self) -> dict[str, Any]:
        """What every output records so a result can be audited: tool version, settings and
        policy in force, the index's fingerprint. Nothing here depends on --jobs or timing."""
        from . import __version__

        return {"tool": "provenance", "version": __version__, "settings": self.settings.to_dict(),
                "policy": self.policy.to_dict(), "index": self.index,
                "corpus_failures": [{"path": f.path, "error": f.error} for f in self.corpus_failures],
                "ignored": self.ignored}


def judge(result: CheckResult, policy: Policy, revision: bool = False) -> ArticleOutcome:
    if result.status != "ok":
        return ArticleOutcome(result, (), "error", revision)
    findings = []
    for s in result.findings:
        status, reason = policy.classify(result.article.id, result.article.path, s)
        findings.append(FindingOutcome(s.id, s.outlet, s.verdict, s.coverage, s.score, status, reason))
    outcome = "fail" if any(f.status == "failing" for f in findings) else "pass"
    return ArticleOutcome(result, tuple(findings), outcome, revision)


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

    @property
    def key(self) -> tuple[str, int, str]:
        return (_posix(self.path), self.line or 0, self.id)


def collect_tasks(paths: Sequence[str | os.PathLike[str]], policy: Policy,
                  max_chars: int) -> tuple[list[Task], int]:
    """The articles under `paths` (ids as iter_documents gives them), minus ignored ones, sorted;
    and how many paths were ignored (a folder counts once: ignored folders are not walked)."""
    tasks: list[Task] = []
    ignored = 0
    for given in paths:
        shown = os.fspath(given)
        if os.path.isdir(shown):
            for file, rel in _walk(shown, policy):
                if file is None:
                    ignored += 1
                    continue
                ignored += _add_tasks(tasks, file, rel, policy, max_chars)
        elif policy.ignores(shown, Path(shown).name):
            ignored += 1
        elif os.path.lexists(shown):
            ignored += _add_tasks(tasks, shown, Path(shown).name, policy, max_chars)
        else:
            tasks.append(Task(shown, Path(shown).name,
                              failure=LoadFailure(Path(shown).name, shown, f"{shown}: no such file or directory")))
    tasks.sort(key=lambda t: t.key)
    return tasks, ignored


def _walk(folder: str, policy: Policy) -> Iterator[tuple[str | None, str]]:
    """(file, id) of the articles under `folder`; (None, id) for an ignored file or folder
    (counted, not checked). Ignored folders are pruned, so a big ignored tree costs nothing."""
    pruned: list[str] = []

    def prune(path: str) -> bool:
        rel = Path(os.path.relpath(path, folder)).as_posix()
        if policy.ignores(path, rel):
            pruned.append(rel)
            return True
        return False

    for file in article_files(folder, prune):
        while pruned:
            yield None, pruned.pop(0)
        rel = Path(os.path.relpath(file, folder)).as_posix()
        yield (None if policy.ignores(file, rel) else file), rel
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


def _init_worker(index_path: str, settings: Settings, tool: dict[str, Any]) -> None:
    _worker.clear()
    _worker.update(path=index_path, settings=settings, tool=tool, index=None)


def _worker_index() -> Index:
    if _worker["index"] is None:
        _worker["index"] = Index.open(_worker["path"])
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
        result = api.check(doc, _worker_index(), settings)
    except ProvenanceError as exc:
        return _error(task, str(exc), tool), None
    except Exception as exc:  # a bug must cost one article, not the whole run; it is reported
        return _error(task, f"{task.path}: internal error: {type(exc).__name__}: {exc}", tool), None
    # The sources' texts only serve side-by-side reports; leave them out of the pickle.
    light = tuple(replace(s, text="", segments=()) for s in result.sources)
    return replace(result, sources=light), doc


def _error(task: Task, message: str, tool: dict[str, Any]) -> CheckResult:
    return replace(api.error_result(task.id, task.path, message, line=task.line), tool=tool)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _check_all(tasks: list[Task], index_path: str, settings: Settings, tool: dict[str, Any],
               jobs: int, progress: Callable[[int, int], None] | None
               ) -> list[tuple[CheckResult, Document | None]]:
    total = len(tasks)
    results: list[tuple[CheckResult, Document | None] | None] = [None] * total
    if jobs <= 1 or total <= 1:
        _init_worker(index_path, settings, tool)
        try:
            for i, task in enumerate(tasks):
                results[i] = _check_task(task)
                if progress:
                    progress(i + 1, total)
        finally:
            _close_worker_index()
        return results  # type: ignore[return-value]
    done = 0
    with ProcessPoolExecutor(max_workers=min(jobs, total), initializer=_init_worker,
                             initargs=(index_path, settings, tool)) as pool:
        pending = {pool.submit(_check_task, t): i for i, t in enumerate(tasks)}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                i = pending.pop(future)
                try:
                    results[i] = future.result()
                except BrokenProcessPool:
                    # A worker died (killed, out of memory): its articles are errors, not a crash.
                    results[i] = (_error(tasks[i], f"{tasks[i].path}: worker process died while "
                                         "checking this article", tool), None)
                done += 1
                if progress:
                    progress(done, total)
    return results  # type: ignore[return-value]


def run_batch(paths: Sequence[str | os.PathLike[str]], *, index_path: str | os.PathLike[str] | None = None,
              against: Sequence[str | os.PathLike[str]] = (), settings: Settings | None = None,
              policy: Policy | None = None, jobs: int | None = None, update_index: bool = False,
              progress: Callable[[int, int], None] | None = None) -> BatchReport:
    """Check every article under `paths` against an index file or a temporary index built once
    from `against`; outcomes sorted by path, record line and id whatever `jobs` is.

    With `update_index`, the checked articles are then added to the index file in one
    transaction (all or nothing); an article whose id was already there is a revision: it was
    checked against the rest of the corpus (never its earlier version) and replaces it.

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
    tasks, ignored = collect_tasks(paths, policy, settings.max_article_chars)
    with tempfile.TemporaryDirectory(prefix="provenance-ci-") as tmp:
        corpus_failures: list[LoadFailure] = []
        if index_path is None:
            path = os.path.join(tmp, "against.db")
            with Index.open(path, create=True, params=api.sketch_params(settings)) as idx:
                docs = []
                for item in iter_documents(against, max_chars=settings.max_article_chars):
                    (corpus_failures if isinstance(item, LoadFailure) else docs).append(item)
                idx.add(docs, atomic=True)
            described: dict[str, Any] = {"kind": "against", "paths": [os.fspath(p) for p in against]}
        else:
            path = os.fspath(index_path)
            described = {"kind": "index", "path": path}
        with Index.open(path, create=update_index, params=api.sketch_params(settings)) as idx:
            tool = api.tool_info(settings, idx)
            described |= {"fingerprint": idx.fingerprint(), "documents": len(idx)}
            revisions = {t.id for t in tasks if t.failure is None and t.id in idx}
        # The main process holds no connection while workers (forked) open their own.
        checked = _check_all(tasks, path, settings, tool, jobs, progress)
    outcomes = tuple(judge(result, policy, result.article.id in revisions and result.status == "ok")
                     for result, _ in checked)
    update = None
    if update_index:
        with Index.open(path) as idx:
            update = idx.add((doc for _, doc in checked if doc is not None), atomic=True)
            described["updated_fingerprint"] = idx.fingerprint()
            described["updated_documents"] = len(idx)
    return BatchReport(outcomes, policy, settings, described, tuple(corpus_failures), ignored, update)


__all__ = ["ArticleOutcome", "BatchReport", "FindingOutcome", "Policy", "Task", "Waiver",
           "collect_tasks", "default_jobs", "judge", "run_batch"]
