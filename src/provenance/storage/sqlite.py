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

import json
import os
import sqlite3
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

import numpy as np

from ..documents import Document
from ..errors import IndexError_
from ..parallel import CHUNK, PARALLEL_AFTER, chunks, default_workers, start_pool
from ..results import AddReport
from ..settings import SketchParams
from ..sketch import SKETCH_VERSION, Sketch, index_entries, lsh_params, sketch_text
from . import candidates
from .protocol import Candidate, fingerprint_term

FORMAT_NAME = "provenance-index"
FORMAT_VERSION = 2
BATCH = 2000  # documents per transaction
MAX_BATCH = 20_000  # batches grow with the index up to this (memory: ~4 million bucket rows)



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


class SQLiteIndex:
    """A provenance index in one SQLite file (or in memory, for one-off `--against` checks).

    Example:
        >>> idx = SQLiteIndex.open("corpus.db", create=True)
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
             params: SketchParams | None = None, timeout: float = 60.0) -> SQLiteIndex:
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
    def in_memory(cls, params: SketchParams | None = None) -> SQLiteIndex:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        return cls._initialise(conn, ":memory:", params or SketchParams())

    @classmethod
    def _initialise(cls, conn: sqlite3.Connection, location: str, params: SketchParams) -> SQLiteIndex:
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
    def _load(cls, conn: sqlite3.Connection, location: str) -> SQLiteIndex:
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

    def __enter__(self) -> SQLiteIndex:
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
        writer = _Writer(self, workers if workers is not None else default_workers())
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
            fingerprint = int(self._meta("fingerprint")) ^ fingerprint_term(doc_id, row[1])
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
        """Documents sharing LSH buckets with the query, best first (storage.candidates.find)."""
        return candidates.find(self, query, exclude=exclude, limit=limit, min_score=min_score)

    # --- candidates.BucketStore -------------------------------------------------------------

    def bucket_rows(self, keys: list[int], per_bucket: int) -> np.ndarray:
        # Buckets are clustered by (key, doc) and rowids only grow, so LIMIT reads the earliest
        # added. SQLite allows 500 terms in a compound select.
        one = f"SELECT * FROM (SELECT key, doc FROM buckets WHERE key = ? LIMIT {int(per_bucket)})"
        parts = []
        for chunk_start in range(0, len(keys), 250):
            chunk = keys[chunk_start:chunk_start + 250]
            rows = self._conn.execute(" UNION ALL ".join([one] * len(chunk)), chunk).fetchall()
            parts.append(np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)))
        return np.concatenate(parts).reshape(-1, 2) if parts else np.empty((0, 2), dtype=np.int64)

    def names(self, rowids: list[int]) -> dict[int, str]:
        names: dict[int, str] = {}
        for chunk_start in range(0, len(rowids), 500):
            chunk = rowids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            names.update(self._conn.execute(f"SELECT rowid, id FROM docs WHERE rowid IN ({marks})", chunk))
        return names

    def texts(self, rowids: list[int]) -> Iterator[tuple[int, str]]:
        for chunk_start in range(0, len(rowids), 500):
            chunk = rowids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for rowid, blob in self._conn.execute(
                    f"SELECT rowid, text FROM docs WHERE rowid IN ({marks})", chunk):
                yield rowid, zlib.decompress(blob).decode("utf-8", "surrogatepass")


class _Writer:
    """The add pipeline: decide what changed (here), sketch it (here or in worker processes,
    several chunks in flight), write it (here, in input order)."""

    def __init__(self, index: SQLiteIndex, workers: int):
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
            self.pool = start_pool(self.workers)
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
                self.fingerprint ^= fingerprint_term(doc.id, old[1])
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
            self.fingerprint ^= fingerprint_term(doc.id, sha)
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


def _sketch_batch(texts: list[str], params: SketchParams) -> list[tuple[bytes, bytes, bytes]]:
    """(compressed text, doc signature, index keys) of each text: the CPU-bound part of add."""
    return [(zlib.compress(text.encode("utf-8", "surrogatepass"), 6), sig, keys)
            for text, (sig, keys) in zip(texts, index_entries(texts, params), strict=True)]
