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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .documents import Document
from .errors import IndexError_
from .sketch import Sketch, SketchParams, lsh_params, sketch
from .text import segment

FORMAT_NAME = "provenance-index"
FORMAT_VERSION = 1
BATCH = 500


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
    rowid INTEGER PRIMARY KEY,
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
    passage INTEGER NOT NULL,
    PRIMARY KEY (key, doc, passage)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS buckets_doc ON buckets (doc);
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
            if not exists:
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
            batch: int = BATCH) -> AddReport:
        """Add or replace documents. Unchanged ones (same id, same text and metadata) are no-ops.

        Commits every `batch` documents, so an interrupted run keeps what it committed; with
        atomic=True everything goes in one transaction (all or nothing).
        """
        added = updated = unchanged = 0
        pending = 0
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            fingerprint = int(self._meta("fingerprint"))
            for doc in documents:
                outcome, fingerprint = self._put(doc, fingerprint)
                added += outcome == "added"
                updated += outcome == "updated"
                unchanged += outcome == "unchanged"
                pending += outcome != "unchanged"
                if not atomic and pending >= batch:
                    self._set_meta("fingerprint", str(fingerprint))
                    conn.execute("COMMIT")
                    conn.execute("BEGIN IMMEDIATE")
                    pending = 0
            self._set_meta("fingerprint", str(fingerprint))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return AddReport(added, updated, unchanged)

    def _put(self, doc: Document, fingerprint: int) -> tuple[str, int]:
        meta_json = json.dumps(doc.metadata() | {"line": doc.line}, sort_keys=True)
        sha = doc.sha256
        row = self._conn.execute("SELECT rowid, sha256, meta, path FROM docs WHERE id = ?", (doc.id,)).fetchone()
        if row is not None and row[1] == sha and row[2] == meta_json and row[3] == doc.path:
            return "unchanged", fingerprint
        if row is not None:
            fingerprint ^= _fingerprint_term(doc.id, row[1])
            self._delete_rowid(row[0])
        sk = sketch(doc.text, segment(doc.text), self.params)
        cur = self._conn.execute(
            "INSERT INTO docs (id, path, format, sha256, meta, text, signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (doc.id, doc.path, doc.format, sha, meta_json,
             zlib.compress(doc.text.encode("utf-8", "surrogatepass"), 6), sk.doc_signature.tobytes()),
        )
        rowid = cur.lastrowid
        rows = {(key, rowid, -1) for key in sk.doc_keys}
        rows.update((key, rowid, number) for number, keys in sk.passage_keys for key in keys)
        self._conn.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?, ?)", sorted(rows))
        fingerprint ^= _fingerprint_term(doc.id, sha)
        return ("updated" if row is not None else "added"), fingerprint

    def _delete_rowid(self, rowid: int) -> None:
        self._conn.execute("DELETE FROM buckets WHERE doc = ?", (rowid,))
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

    def candidates(self, query: Sketch, *, exclude: Iterable[str] = (), limit: int = 50) -> list[Candidate]:
        """Documents sharing an LSH bucket with the query, most shared buckets first.

        Only the buckets of the query's band keys are read. Ties break on id for stable output.
        """
        keys = sorted(set(query.doc_keys) | {k for _, ks in query.passage_keys for k in ks})
        if not keys:
            return []
        hits: dict[int, list[int]] = {}
        for chunk_start in range(0, len(keys), 500):
            chunk = keys[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for doc, passage in self._conn.execute(
                    f"SELECT doc, passage FROM buckets WHERE key IN ({marks})", chunk):
                counts = hits.setdefault(doc, [0, 0])
                counts[0 if passage < 0 else 1] += 1
        if not hits:
            return []
        rowids = sorted(hits)
        names: dict[int, str] = {}
        for chunk_start in range(0, len(rowids), 500):
            chunk = rowids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            names.update(self._conn.execute(f"SELECT rowid, id FROM docs WHERE rowid IN ({marks})", chunk))
        excluded = set(exclude)
        found = [Candidate(r, names[r], h[0], h[1]) for r, h in hits.items()
                 if r in names and names[r] not in excluded]
        found.sort(key=lambda c: (-(c.doc_hits * 4 + c.passage_hits), c.id))
        return found[:limit]


def build_temporary(documents: Iterable[Document], params: SketchParams | None = None) -> Index:
    """An in-memory index of the given documents, for one-off `--against` checks."""
    index = Index.in_memory(params)
    index.add(documents, atomic=True)
    return index
