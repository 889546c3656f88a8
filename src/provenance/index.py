"""The persistent index: one SQLite file holding documents, signatures and LSH buckets.

Why SQLite: datasketch's MinHashLSH keeps its buckets in memory (about 7.5 KB per document) or on
a server (Redis, Cassandra); there is no embedded on-disk storage, and unpickling a whole LSH to
check one article costs seconds at 100,000 documents. Here each LSH band key is a row of a
clustered B-tree, so a query reads only the buckets it touches: opening the index and checking an
article does not grow with the corpus. Writes are transactions (atomic: an interrupted run leaves
the index as it was after its last commit), and WAL mode lets readers work while a writer adds.

Nothing read back is unpickled or evaluated: texts are zlib-compressed UTF-8, signatures raw
uint32 bytes, metadata JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from .documents import Document
from .errors import IndexError_
from .sketch import (
    PASSAGE_LEVEL,
    SKETCH_VERSION,
    Signatures,
    Sketch,
    SketchParams,
    _band_keys_matrix,
    index_entries,
    lsh_params,
    signatures_text,
    sketch_text,
)

FORMAT_NAME = "provenance-index"
FORMAT_VERSION = 2
BATCH = 2000  # documents per transaction
MAX_BATCH = 20_000  # batches grow with the index up to this (memory: ~4 million bucket rows)
CHUNK = 128  # documents per sketching task
PARALLEL_AFTER = 1000  # documents to sketch before starting worker processes
MIN_SCORE = 6  # candidates() score below which a shared bucket is chance
BUCKET_READ = 20  # documents of one bucket that candidates() reads (the earliest added)
LOCAL_MIN_KEYS = 4  # passage bands shared around one query sentence that are not chance


def default_index_path() -> Path:
    """$PROVENANCE_INDEX, else $XDG_DATA_HOME/provenance/index.db (~/.local/share/...)."""
    env = os.environ.get("PROVENANCE_INDEX")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "provenance" / "index.db"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    path TEXT,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    meta TEXT NOT NULL,
    text BLOB NOT NULL,
    signature BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS buckets (
    key INTEGER NOT NULL,
    doc INTEGER NOT NULL,
    PRIMARY KEY (key, doc)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class AddReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Candidate:
    """A document LSH put in a bucket with the query, before verification."""

    rowid: int
    id: str
    doc_hits: int
    passage_hits: int


def _fingerprint_term(doc_id: str, sha: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{doc_id}\0{sha}".encode()).digest()[:16], "big")


class Index:
    """A provenance index in one SQLite file (or in memory, for one-off `--against` checks).

    Example:
        >>> idx = Index.open("corpus.db", create=True)
        >>> idx.add(iter_documents(["corpus/"]))
        >>> result = check(load_document("new.txt"), idx)
    """

    def __init__(self, conn: sqlite3.Connection, location: str, params: SketchParams):
        self._conn = conn
        self.location = location
        self.params = params

    # --- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = False,
             params: SketchParams | None = None, timeout: float = 60.0) -> Index:
        """Open an index file. With create=True a missing file becomes a new, empty index.

        Raises IndexError_ when the file is missing (and create is False), not a provenance index,
        corrupt, or of another format version.
        """
        location = os.fspath(path)
        p = Path(location)
        if p.is_dir():
            raise IndexError_(f"{location}: is a directory, not an index file")
        exists = p.exists()
        if not exists and not create:
            raise IndexError_(f"{location}: no index here (create one with `provenance index add --index {location} FILES...`)")
        if not exists:
            p.parent.mkdir(parents=True, exist_ok=True)
        elif not os.access(location, os.R_OK):
            raise IndexError_(f"{location}: index is not readable (permission denied)")
        try:
            conn = sqlite3.connect(location, timeout=timeout, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")  # with WAL: atomic and consistent after a crash
            if not exists or (create and not conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]):
                # A new file, or an empty one left by a first `index add` killed before its
                # schema was committed.
                return cls._initialise(conn, location, params or SketchParams())
            return cls._load(conn, location)
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"{location}: not a provenance index or corrupt ({exc})") from None

    @classmethod
    def in_memory(cls, params: SketchParams | None = None) -> Index:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        return cls._initialise(conn, ":memory:", params or SketchParams())

    @classmethod
    def _initialise(cls, conn: sqlite3.Connection, location: str, params: SketchParams) -> Index:
        if location != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        for statement in _SCHEMA.strip().split(";"):
            if statement.strip():
                conn.execute(statement)
        existing = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if not existing:
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("format", FORMAT_NAME), ("version", str(FORMAT_VERSION)),
                ("params", json.dumps(params.to_dict(), sort_keys=True)), ("fingerprint", "0"),
                ("sketch_version", str(SKETCH_VERSION)),
            ])
        conn.execute("COMMIT")
        return cls._load(conn, location) if existing else cls(conn, location, params)

    @classmethod
    def _load(cls, conn: sqlite3.Connection, location: str) -> Index:
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise IndexError_(f"{location}: not a provenance index (an SQLite file of something else)") from None
            raise
        if meta.get("format") != FORMAT_NAME:
            raise IndexError_(f"{location}: not a provenance index (an SQLite file of something else)")
        version = int(meta.get("version", "0"))
        if version != FORMAT_VERSION:
            raise IndexError_(
                f"{location}: index format version {version} is not supported by this version of "
                f"provenance (it reads version {FORMAT_VERSION}); rebuild it with "
                f"`provenance index add --index NEW.db CORPUS...`"
            )
        if meta.get("sketch_version") != str(SKETCH_VERSION):
            raise IndexError_(f"{location}: index built by another version of provenance's sketching; "
                              f"rebuild it with `provenance index add --index NEW.db CORPUS...`")
        params = SketchParams(**json.loads(meta["params"]))
        return cls(conn, location, params)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing --------------------------------------------------------------------------

    def add(self, documents: Iterable[Document], *, atomic: bool = False,
            batch: int = BATCH, workers: int | None = None) -> AddReport:
        """Add or replace documents. Unchanged ones (same id, same text and metadata) are no-ops.

        Commits after `batch` changed documents, or half the size of the index when that is
        more (up to MAX_BATCH), so an interrupted run keeps what it
        committed, every committed document complete;
        with atomic=True everything goes in one transaction (all or nothing). Sketching runs in
        `workers` processes (default: $PROVENANCE_WORKERS, else the number of CPUs) once more
        than a few hundred documents need it; the writes stay in this process, in order, so the
        result does not depend on the number of workers.
        """
        conn = self._conn
        # A big page cache while writing: bucket rows land all over the B-tree.
        conn.execute("PRAGMA cache_size = -262144")
        writer = _Writer(self, workers if workers is not None else _default_workers())
        try:
            conn.execute("BEGIN IMMEDIATE")
            writer.fingerprint = int(self._meta("fingerprint"))
            writer.next_rowid = self._next_rowid()
            stored = len(self)
            for chunk in chunks(documents, CHUNK):
                writer.submit(chunk)
                # Batches grow with the index (half of it, at least `batch`): a batch's bucket
                # rows land all over the key space, so each commit rewrites most of the bucket
                # B-tree's pages, and fixed batches would make a big add quadratic.
                if not atomic and writer.pending >= max(batch, min(MAX_BATCH, (stored + writer.added) // 2)):
                    writer.drain()
                    self._commit_batch(writer)
            writer.drain()
            self._commit_batch(writer, again=False)
            if writer.added + writer.updated >= batch and self.location != ":memory:":
                # Fold the write-ahead log back into the file after a big add, so the index
                # does not keep a second copy of the pages it just wrote.
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            writer.close()
        return AddReport(writer.added, writer.updated, writer.unchanged)

    def _commit_batch(self, writer: _Writer, again: bool = True) -> None:
        writer.flush_buckets()
        self._set_meta("fingerprint", str(writer.fingerprint))
        self._conn.execute("COMMIT")
        writer.pending = 0
        if again:
            self._conn.execute("BEGIN IMMEDIATE")

    def _next_rowid(self) -> int:
        # Rowids are never reused (AUTOINCREMENT), so a bucket row of a removed document can
        # never point at another document.
        row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'docs'").fetchone()
        top = self._conn.execute("SELECT max(rowid) FROM docs").fetchone()[0]
        return max(row[0] if row else 0, top or 0) + 1

    def _delete_rowid(self, rowid: int) -> None:
        # A document's bucket keys are recomputed from its stored text (the same sketch that
        # stored them), which spares an index on buckets(doc): a third of the file.
        row = self._conn.execute("SELECT text FROM docs WHERE rowid = ?", (rowid,)).fetchone()
        if row is not None:
            text = zlib.decompress(row[0]).decode("utf-8", "surrogatepass")
            keys = sketch_text(text, self.params).index_keys().tolist()
            self._conn.executemany("DELETE FROM buckets WHERE key = ? AND doc = ?",
                                   [(k, rowid) for k in keys])
        self._conn.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))

    def remove(self, doc_id: str) -> bool:
        """Remove a document by id; returns False when it was not there."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT rowid, sha256 FROM docs WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                conn.execute("ROLLBACK")
                return False
            self._delete_rowid(row[0])
            fingerprint = int(self._meta("fingerprint")) ^ _fingerprint_term(doc_id, row[1])
            self._set_meta("fingerprint", str(fingerprint))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return True

    def _meta(self, key: str) -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    def __contains__(self, doc_id: object) -> bool:
        return self._conn.execute("SELECT 1 FROM docs WHERE id = ?", (doc_id,)).fetchone() is not None

    def fingerprint(self) -> str:
        """Identifies the index content (ids and texts), independent of insertion order."""
        return f"{int(self._meta('fingerprint')):032x}"

    def info(self) -> dict[str, object]:
        size = 0
        if self.location != ":memory:":
            for suffix in ("", "-wal"):
                try:
                    size += os.path.getsize(self.location + suffix)
                except OSError:
                    pass
        b, r = lsh_params(self.params.doc_threshold, self.params.num_perm)
        pb, pr = lsh_params(self.params.passage_threshold, self.params.passage_num_perm)
        return {
            "path": self.location,
            "format_version": FORMAT_VERSION,
            "documents": len(self),
            "buckets": self._conn.execute("SELECT count(*) FROM buckets").fetchone()[0],
            "bytes": size,
            "fingerprint": self.fingerprint(),
            "params": self.params.to_dict() | {"doc_bands": [b, r], "passage_bands": [pb, pr]},
        }

    def list(self) -> Iterator[tuple[str, str | None, dict[str, str | None]]]:
        for doc_id, path, meta in self._conn.execute("SELECT id, path, meta FROM docs ORDER BY id"):
            yield doc_id, path, json.loads(meta)

    def ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT id FROM docs ORDER BY id")]

    def get(self, doc_id: str) -> Document | None:
        row = self._conn.execute(
            "SELECT id, path, format, meta, text FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return self._document(row) if row else None

    def get_many(self, ids: list[str]) -> list[Document]:
        return [d for d in (self.get(i) for i in ids) if d is not None]

    @staticmethod
    def _document(row: tuple) -> Document:
        doc_id, path, fmt, meta_json, blob = row
        meta = json.loads(meta_json)
        line = meta.pop("line", None)
        return Document(id=doc_id, path=path, format=fmt, text=zlib.decompress(blob).decode("utf-8", "surrogatepass"),
                        line=line, **meta)

    def signature(self, doc_id: str) -> np.ndarray | None:
        row = self._conn.execute("SELECT signature FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return np.frombuffer(row[0], dtype=np.uint32) if row else None

    def candidates(self, query: Sketch, *, exclude: Iterable[str] = (), limit: int = 50,
                   min_score: int | None = None) -> list[Candidate]:
        """Documents sharing LSH buckets with the query, most shared buckets first.

        Only the buckets of the query's band keys are read (document bands and every passage
        window). A document's score is 4 per document band plus 1 per passage band it shares;
        below `min_score` it is chance (on 10,000 generated articles, planted sources scored 7
        or more, while unrelated articles mostly shared one to three passage bands, and at
        100,000 articles a threshold of 3 let 50 chance candidates through to alignment).
        Chance hits grow with the number of windows the query probes, so by default the minimum
        is one per five windows, between 3 and MIN_SCORE (a 600-word article probes about 30).
        A cap of 4 with Settings.max_candidates 100 finds 104 instead of 102 of the 106 PAN 2013
        dev sources, but at 100,000 generated articles it let so many chance candidates through
        that the check's p50 rose from 78 to 371 ms: the cap stays 6.

        Local evidence: a short passage reused inside a long article meets its source in the few
        windows around it, while chance hits are spread one band at a time over the whole
        article. So when fewer than `limit` documents reach the minimum, a document below it is
        still a candidate if (1) the query windows holding one sentence (`passage_sentences`
        windows) share at least LOCAL_MIN_KEYS distinct passage bands with it (distinct, because
        neighbouring windows often have identical bands), and (2) verified on its full window
        signatures, the bands being a coarse test: some window of the query and some window of
        the document have a MinHash Jaccard estimate of at least the passage threshold. Such
        documents rank after every one that reaches the minimum. LOCAL_MIN_KEYS is 4, not 3: on
        PAN 2013 dev, 3 finds both sources that share only a ~400-character passage with a long
        document (4 bands in all) and 4 one of them, but at 100,000 generated articles (passage
        threshold 0.3) 3 bands around one sentence happen by chance to 23 documents per query
        (16 ms of verification) and 4 to 0.4. Ties break on id.
        """
        if min_score is None:
            windows = int(query.signatures.filled.sum()) if query.signatures is not None else 30
            min_score = min(MIN_SCORE, max(3, round(windows / 5)))
        keys = list(query.query_keys) or sorted(
            set(query.doc_keys) | {k for _, ks in query.passage_keys for k in ks})
        parts = []
        # At most BUCKET_READ documents of a bucket, the earliest added: a bucket holding
        # thousands is common wording, and reading it whole was most of a check's time. At
        # 100,000 generated articles with the default passage threshold (bench_query.py): read
        # whole, p50 518 ms and paraphrase sources found 99 of 100; at 50, 146 ms and 98; at
        # 20, 69 ms and 94 (fewer chance documents reach the minimum score, so fewer are
        # aligned). PAN 2013 dev and Clough-Stevenson results are the same at 20 as read whole.
        # Syndicated copies meet their earliest-indexed members. (SQLite allows 500 terms in a
        # compound select.)
        one = f"SELECT * FROM (SELECT key, doc FROM buckets WHERE key = ? LIMIT {BUCKET_READ})"
        for chunk_start in range(0, len(keys), 250):
            chunk = keys[chunk_start:chunk_start + 250]
            rows = self._conn.execute(" UNION ALL ".join([one] * len(chunk)), chunk).fetchall()
            parts.append(np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)))
        pairs = np.concatenate(parts).reshape(-1, 2) if parts else np.empty((0, 2), dtype=np.int64)
        # In (key, doc) order, as one "key IN (...)" query returns them: ties below rank by it.
        pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
        if not len(pairs):
            return []
        # Counted with numpy, per document in order of first appearance (ties keep that order,
        # as the dict of per-document counts this replaces did). That dict held thousands of
        # small lists per query, whose promotion set off most of the full garbage collections of
        # a long-running process (each scans every cached object): 213 instead of 32 in a process
        # checking 500 articles against 100,000 generated ones. (key, doc) rows are distinct, so
        # passage_hits counts distinct passage keys.
        passage = (pairs[:, 0] & 1).astype(bool)
        docs, first, inverse = np.unique(pairs[:, 1], return_index=True, return_inverse=True)
        passage_hits = np.bincount(inverse[passage], minlength=len(docs))
        doc_hits = np.bincount(inverse, minlength=len(docs)) - passage_hits
        score = doc_hits * 4 + passage_hits
        excluded = set(exclude)
        kept = score >= min_score
        if int(kept.sum()) < limit + len(excluded) and query.signatures is not None:
            near = (passage_hits >= LOCAL_MIN_KEYS) & ~kept
            if near.any():
                rows_near = passage & near[inverse]
                keys_of: dict[int, set[int]] = {}
                for key, doc in pairs[rows_near].tolist():
                    keys_of.setdefault(doc, set()).add(key)
                local = self._local_candidates(query.signatures, keys_of)
                kept |= np.isin(docs, np.asarray(local, dtype=np.int64))
        # Rank before naming, so only the best few rows of docs are read.
        chosen = np.flatnonzero(kept)
        ranked = chosen[np.lexsort((first[chosen], -score[chosen]))][:limit + len(excluded) + 50]
        cut = [(int(docs[k]), int(doc_hits[k]), int(passage_hits[k])) for k in ranked]
        names: dict[int, str] = {}
        rowids = [r for r, _, _ in cut]
        for chunk_start in range(0, len(rowids), 500):
            chunk = rowids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            names.update(self._conn.execute(f"SELECT rowid, id FROM docs WHERE rowid IN ({marks})", chunk))
        found = [Candidate(r, names[r], d, p) for r, d, p in cut if r in names and names[r] not in excluded]
        found.sort(key=lambda c: (-(c.doc_hits * 4 + c.passage_hits), c.id))
        return found[:limit]

    def _local_candidates(self, query: Signatures, keys_of: dict[int, set[int]]) -> list[int]:
        """The documents (rowids) of `keys_of` (rowid -> passage keys shared with the query) with
        local, verified evidence: see `candidates`."""
        params = self.params
        pb, pr = lsh_params(params.passage_threshold, params.passage_num_perm)
        starts = np.flatnonzero(query.filled)
        windows_of: dict[int, list[int]] = {}
        matrix = _band_keys_matrix(query.windows[starts], pb, pr, PASSAGE_LEVEL).tolist()
        for start, row in zip(starts.tolist(), matrix, strict=True):
            for key in row:
                windows_of.setdefault(key, []).append(start)
        span = params.passage_sentences  # windows fewer than this apart share a sentence
        local: dict[int, list[int]] = {}  # rowid -> the query windows of its best neighbourhood
        for doc, ks in keys_of.items():
            placed = sorted((w, k) for k in ks for w in windows_of.get(k, ()))
            best: tuple[int, int, int] = (0, 0, 0)  # distinct keys, first, last index in placed
            lo = 0
            for hi in range(len(placed)):
                while placed[hi][0] - placed[lo][0] >= span:
                    lo += 1
                distinct = len({k for _, k in placed[lo:hi + 1]})
                if distinct > best[0]:
                    best = (distinct, lo, hi)
            if best[0] >= LOCAL_MIN_KEYS:
                local[doc] = sorted({w for w, _ in placed[best[1]:best[2] + 1]})
        verified = []
        for doc, text in self._texts(sorted(local)):
            theirs = signatures_text(text, params)
            if not theirs.filled.any():
                continue
            ours = query.windows[local[doc]]
            mine = theirs.windows[theirs.filled]
            estimate = max(float((mine == row).mean(axis=1).max()) for row in ours)
            if estimate >= params.passage_threshold:
                verified.append(doc)
        return verified

    def _texts(self, rowids: list[int]) -> Iterator[tuple[int, str]]:
        for chunk_start in range(0, len(rowids), 500):
            chunk = rowids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for rowid, blob in self._conn.execute(
                    f"SELECT rowid, text FROM docs WHERE rowid IN ({marks})", chunk):
                yield rowid, zlib.decompress(blob).decode("utf-8", "surrogatepass")


class _Writer:
    """The add pipeline: decide what changed (here), sketch it (here or in worker processes,
    several chunks in flight), write it (here, in input order)."""

    def __init__(self, index: Index, workers: int):
        self.index = index
        self.conn = index._conn
        self.workers = max(1, workers)
        self.pool = None
        self.inflight: deque = deque()
        self.latest: dict[str, tuple[str, str, str | None]] = {}  # id -> (sha, meta, path) in flight
        self.sketched = 0
        self.added = self.updated = self.unchanged = self.pending = 0
        self.fingerprint = 0
        self.next_rowid = 1
        self.bucket_keys: list[np.ndarray] = []
        self.bucket_docs: list[np.ndarray] = []

    def submit(self, chunk: list[Document]) -> None:
        known = self._stored([d.id for d in chunk if d.id not in self.latest])
        work = []
        for doc in chunk:
            meta_json = json.dumps(doc.metadata() | {"line": doc.line}, sort_keys=True)
            state = (doc.sha256, meta_json, doc.path)
            if self.latest.get(doc.id, known.get(doc.id)) == state:
                self.unchanged += 1
                continue
            # Whether a row with this id will exist when this document is written: stored
            # before, or written earlier in this add (writes keep input order).
            replaces = doc.id in known or doc.id in self.latest
            self.latest[doc.id] = state
            work.append((doc, state, replaces))
        if not work:
            return
        texts = [doc.text for doc, _, _ in work]
        self.sketched += len(work)
        if self.pool is None and self.workers > 1 and self.sketched > PARALLEL_AFTER:
            self.pool = _start_pool(self.workers)
        if self.pool is not None:
            self.inflight.append((work, self.pool.apply_async(_sketch_batch, (texts, self.index.params))))
            while len(self.inflight) > 2 * self.workers:
                self._write(*self.inflight.popleft())
        else:
            self._write(work, _sketch_batch(texts, self.index.params))

    def drain(self) -> None:
        while self.inflight:
            self._write(*self.inflight.popleft())

    def _stored(self, ids: list[str]) -> dict[str, tuple[str, str, str | None]]:
        out = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for doc_id, sha, meta, path in self.conn.execute(
                    f"SELECT id, sha256, meta, path FROM docs WHERE id IN ({marks})", chunk):
                out[doc_id] = (sha, meta, path)
        return out

    def _write(self, work: list, sketched: object) -> None:
        results = sketched.get() if hasattr(sketched, "get") else sketched
        conn = self.conn
        rows = []
        for (doc, state, replaces), (blob, sig, keys) in zip(work, results, strict=True):
            sha, meta_json, path = state
            old = conn.execute("SELECT rowid, sha256 FROM docs WHERE id = ?", (doc.id,)).fetchone() \
                if replaces else None
            if old is not None:
                # Rows of this chunk written so far must be in the table first (the old row
                # may be one of them), and its old bucket rows too, to be deleted.
                self._insert_docs(rows)
                rows = []
                self.flush_buckets()
                self.fingerprint ^= _fingerprint_term(doc.id, old[1])
                self.index._delete_rowid(old[0])
                self.updated += 1
            else:
                self.added += 1
            rowid = self.next_rowid
            self.next_rowid += 1
            rows.append((rowid, doc.id, path, doc.format, sha, meta_json, blob, sig))
            key_array = np.frombuffer(keys, dtype=np.int64)
            self.bucket_keys.append(key_array)
            self.bucket_docs.append(np.full(len(key_array), rowid, dtype=np.int64))
            self.fingerprint ^= _fingerprint_term(doc.id, sha)
            self.pending += 1
            if self.latest.get(doc.id) == state:
                del self.latest[doc.id]
        self._insert_docs(rows)

    def _insert_docs(self, rows: list[tuple]) -> None:
        if rows:
            self.conn.executemany("INSERT INTO docs (rowid, id, path, format, sha256, meta, text, signature) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def flush_buckets(self) -> None:
        if not self.bucket_keys:
            return
        keys = np.concatenate(self.bucket_keys)
        docs = np.concatenate(self.bucket_docs)
        self.bucket_keys, self.bucket_docs = [], []
        # In key order, so the B-tree is filled page by page rather than at random.
        order = np.lexsort((docs, keys))
        keys, docs = keys[order], docs[order]
        # In slices: Python ints for millions of rows at once would cost more than the index.
        for start in range(0, len(keys), 262144):
            self.conn.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?)",
                                  zip(keys[start:start + 262144].tolist(),
                                      docs[start:start + 262144].tolist(), strict=True))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def _default_workers() -> int:
    env = os.environ.get("PROVENANCE_WORKERS")
    if env and env.isdigit():
        return max(1, int(env))
    return os.cpu_count() or 1


def _start_pool(workers: int):
    import multiprocessing

    # fork: workers start at once and do not re-import the caller's __main__ (a library cannot
    # require the `if __name__ == "__main__"` guard of its callers); they only compute sketches
    # and never touch the inherited SQLite connection.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn").Pool(workers)


def _sketch_batch(texts: list[str], params: SketchParams) -> list[tuple[bytes, bytes, bytes]]:
    """(compressed text, doc signature, index keys) of each text: the CPU-bound part of add."""
    return [(zlib.compress(text.encode("utf-8", "surrogatepass"), 6), sig, keys)
            for text, (sig, keys) in zip(texts, index_entries(texts, params), strict=True)]


def chunks(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    """Lists of `size` items (the last one shorter), for work handed out in chunks."""
    chunk: list[Document] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def build_temporary(documents: Iterable[Document], params: SketchParams | None = None) -> Index:
    """An in-memory index of the given documents, for one-off `--against` checks."""
    index = Index.in_memory(params)
    index.add(documents, atomic=True)
    return index
