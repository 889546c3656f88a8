"""What the check workers run: each worker (a process, or a thread when embedded) opens the index
itself, once, and keeps it; every function here takes and returns plain picklable values.

The server's own process uses the same functions from one thread of its own for the cheap
look-ups (health, the archive's list), so those never wait behind a running check.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..api import check
from ..documents import Document, document_from_bytes, load_document
from ..errors import IndexError_, InputError, ProvenanceError
from ..fetch import fetch_document
from ..report import render
from ..results import CheckResult, SourceFinding
from ..settings import Settings
from ..storage import Index, IndexSpec

META_FIELDS = ("title", "outlet", "published")

# Everything a worker holds is per thread: an SQLite connection belongs to the thread that
# opened it, and two servers in one process (tests, embedding) must not share settings.
_local = threading.local()


class NotInIndex(ProvenanceError):
    """A document id the index does not hold."""


def init(spec: IndexSpec, settings: Settings, allow_private: bool, worker: bool = False
         ) -> None:
    """The initializer of every worker (process or thread)."""
    _local.spec, _local.settings, _local.allow_private = spec, settings, allow_private
    _local.index = None
    if worker:
        # Ctrl-C reaches the whole process group: the server shuts the pool down itself, and
        # a worker's KeyboardInterrupt traceback would only add noise.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True,
                         name="provenance-parent-watch").start()


def _exit_with(parent: int) -> None:
    # A server killed outright (SIGKILL, or SIGTERM re-raised after shutdown) cannot stop its
    # pool, and a worker waiting on the task queue never sees end-of-file (it holds a writing
    # end itself): it leaves when it is orphaned instead.
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _settings() -> Settings:
    return _local.settings


def _index() -> Index:
    index = _local.index
    if index is None:
        index = _local.index = _local.spec.open()
    return index


def _forget_index() -> None:
    # After an error the handle may be dead (a Redis restart, a replaced file): reopen next time.
    index = getattr(_local, "index", None)
    _local.index = None
    if index is not None:
        try:
            index.close()
        except Exception:  # noqa: BLE001 - closing a broken handle may fail in any way
            pass


def _with_index(fn):
    @functools.wraps(fn)  # the qualified name too: a process pool pickles functions by name
    def call(*args):
        try:
            return fn(*args)
        except IndexError_:
            _forget_index()
            raise

    return call


# --- What crosses the process boundary ---------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """An article to check, as the form or the API received it."""

    kind: str  # "text", "url" or "file"
    data: str | bytes  # the text, the URL, or the uploaded file's bytes
    name: str  # the article's id (text: "stdin" as `check -` gives it; file: its name)
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    html: bool = True  # render the HTML report too (the JSON API does not need it)


@dataclass(frozen=True)
class Ref:
    """A document as pages list it, with a verdict when it was checked."""

    id: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    verdict: str | None = None
    coverage: float = 0.0


@dataclass(frozen=True)
class Outcome:
    key: str  # content hash of the article, the index and the settings: the permalink
    json: str  # exactly what `provenance check --format json` prints
    html: str
    article: Ref  # verdict: the article's overall verdict
    findings: tuple[Ref, ...] = ()
    reusers: tuple[Ref, ...] = ()
    candidates: tuple[str, ...] = ()  # ids of every source the check aligned with the article

    @property
    def size(self) -> int:
        return len(self.json) + len(self.html)


def result_key(doc: Document, result: CheckResult) -> str:
    """The same article (text and metadata) against the same index content under the same
    settings gives the same key, so a permalink is reproducible and never names someone else's
    result."""
    index = result.tool.get("index") or {}
    material = json.dumps({"article": [doc.id, doc.path, doc.format, doc.text, doc.metadata()],
                           "index": index.get("fingerprint") if isinstance(index, dict) else None,
                           "settings": result.tool.get("settings")},
                          sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(material.encode("ascii")).hexdigest()[:32]


def _ref(finding: SourceFinding) -> Ref:
    return Ref(finding.id, finding.title, finding.outlet, finding.published, finding.verdict,
               finding.coverage)


def _outcome(doc: Document, result: CheckResult, html: bool) -> Outcome:
    a = result.article
    return Outcome(
        key=result_key(doc, result), json=render(result, "json"),
        html=render(result, "html") if html else "",
        article=Ref(a.id, a.title, a.outlet, a.published, result.verdict),
        findings=tuple(_ref(f) for f in result.findings),
        reusers=tuple(_ref(f) for f in result.reusers),
        candidates=tuple(f.id for f in result.sources))


# --- Checks ------------------------------------------------------------------------------


def load(sub: Submission) -> Document:
    max_chars = _settings().max_article_chars
    if sub.kind == "url":
        doc = fetch_document(str(sub.data), allow_private=_local.allow_private,
                             max_chars=max_chars)
    elif sub.kind == "file":
        doc = _uploaded(sub, max_chars)
    else:
        data = sub.data.encode("utf-8", "surrogatepass") if isinstance(sub.data, str) else sub.data
        doc = document_from_bytes(data, sub.name, "-" if sub.name == "stdin" else sub.name,
                                  max_chars)
    given = {k: getattr(sub, k) for k in META_FIELDS if getattr(sub, k)}
    return replace(doc, **given) if given else doc


def _uploaded(sub: Submission, max_chars: int) -> Document:
    """An uploaded file read exactly as `provenance check FILE` reads it (its suffix decides
    plain text or HTML), from a private temporary folder."""
    suffix = Path(sub.name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="provenance-upload-") as folder:
        path = os.path.join(folder, "upload" + suffix)
        with open(path, "wb") as fh:
            fh.write(sub.data if isinstance(sub.data, bytes) else sub.data.encode("utf-8"))
        try:
            doc = load_document(path, doc_id=sub.name, max_chars=max_chars)
        except InputError as exc:  # the message names the temporary file: name the upload
            raise type(exc)(str(exc).replace(path, sub.name)) from None
    return replace(doc, path=sub.name,
                   warnings=tuple(w.replace(path, sub.name) for w in doc.warnings))


@_with_index
def check_submission(sub: Submission) -> Outcome:
    doc = load(sub)
    index = _index()
    if len(index) == 0:
        # As `check` says: checking against nothing is no pass.
        raise IndexError_(f"no article to check against in {index.location}")
    return _outcome(doc, check(doc, index, _settings()), sub.html)


@_with_index
def check_indexed(doc_id: str) -> Outcome:
    """An indexed document checked against the rest of the index."""
    index = _index()
    doc = index.get(doc_id)
    if doc is None:
        raise NotInIndex(f"no document {doc_id!r} in the index")
    return _outcome(doc, check(doc, index, _settings()), True)


@_with_index
def reuse_of(candidate_id: str, doc_id: str) -> Ref | None:
    """The candidate, when its own check names `doc_id` as a flagged origin (not as a later
    article reusing it): then the candidate reuses the document."""
    index = _index()
    doc = index.get(candidate_id)
    if doc is None:
        return None
    result = check(doc, index, _settings())
    for source in result.sources:
        if source.id == doc_id and source.flagged and not source.reuses_article:
            return Ref(doc.id, doc.title, doc.outlet, doc.published, source.verdict,
                       source.coverage)
    return None


# --- Cheap look-ups (the server's own thread) -------------------------------------------


@_with_index
def warm() -> int:
    """Open the index and run one small check, so that the first real check does not pay for
    the imports and caches."""
    index = _index()
    documents = len(index)
    if documents:
        doc = Document("warm-up", "Warming up the worker. It checks one short text first.")
        render(check(doc, index, _settings()), "html")
    return documents


@_with_index
def count() -> int:
    return len(_index())


@_with_index
def fingerprint() -> str:
    return _index().fingerprint()


@_with_index
def archive_rows() -> list[Ref]:
    return [Ref(doc_id, meta.get("title"), meta.get("outlet"), meta.get("published"))
            for doc_id, _path, meta in _index().list()]


@_with_index
def document_ref(doc_id: str) -> Ref | None:
    doc = _index().get(doc_id)
    return None if doc is None else Ref(doc.id, doc.title, doc.outlet, doc.published)
