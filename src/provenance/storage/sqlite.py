"""The persistent index: one SQLite file holding documents, signatures and LSH buckets.

Why SQLite: datasketch's MinHashLSH keeps its buckets in memory (about 7.5 KB per document) or on
a server (Redis, Cassandra); there is no embedded on-disk storage, and unpickling a whole LSH to
check one article costs seconds at 100,000 documents. Here each LSH band key is a row of a
clustered B-tree, so a query reads only the buckets it touches: opening the index and checking an
article does not grow with the corpus. Writes are transactions (atomic: an interrupted run leaves
the index as it was after its last commit), and WAL mode lets readers work while a writer adds.

Nothing read back is unpickled or evaluated: texts are zlib-compressed UTF-8, signatures raw
uint32 bytes, metadata JSON. Nothing read back is trusted either: a damaged file (a bad disk, a
copy cut short, a hand edit) is reported as IndexError_ naming the index and the article, never
as an exception of sqlite3, json or zlib. Opening checks the schema and the metadata (a few
small reads); rows are checked as they are read; `info` runs SQLite's quick_check, which reads
every page (0.4 s at 20,000 articles), too slow for every check.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sqlite3
import stat
import urllib.parse
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, replace
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..documents import Document
from ..errors import ConfigError, IndexError_
from ..parallel import CHUNK, PARALLEL_AFTER, chunks, default_workers, start_pool
from ..results import AddReport
from ..settings import SettingError, SketchParams, short_repr
from ..sketch import (
    COMMON_LEARN_AT,
    READS_SKETCH_VERSIONS,
    SKETCH_VERSION,
    Sketch,
    index_entries,
    is_term,
    learn_common,
    lsh_params,
    sketch_text,
    unit_frequencies,
)
from . import candidates
from .protocol import (
    Candidate,
    VectorTable,
    check_rowid,
    decode_common,
    fingerprint_term,
    read_order,
)

FORMAT_NAME = "provenance-index"
FORMAT_VERSION = 3  # 3: term keys in buckets, their document frequencies in terms
BATCH = 2000  # documents per transaction
MAX_BATCH = 20_000  # batches grow with the index up to this (memory: ~4 million bucket rows)
REBUILD = "rebuild it with `provenance index add --index NEW.db CORPUS...`"
# The UTF-8 of the longest article max-article-chars allows: a stored text that inflates past
# it is damaged (or a zlib bomb), and decompressing stops there.
MAX_TEXT_BYTES = 4 * 50_000_000
_COLUMNS = {
    "meta": ["key", "value"],
    "docs": ["rowid", "id", "path", "format", "sha256", "meta", "text", "signature"],
    "buckets": ["key", "doc"],
    "terms": ["key", "df"],
}
# Cross-language vectors (the xlang extra), in a table of their own made by the first add that
# embeds: an index without it keeps its format version and opens as before. One row per document:
# its language, its document vector and its sentences' vectors as int8 codes (512 bytes each),
# and the sentences' (start, end) offsets as int32 pairs.
_VECTOR_COLUMNS = ["doc", "language", "vector", "spans", "sentences"]
_VECTOR_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    doc INTEGER PRIMARY KEY,
    language TEXT NOT NULL,
    vector BLOB NOT NULL,
    spans BLOB NOT NULL,
    sentences BLOB NOT NULL
)"""
_PARAM_NAMES = {f.name for f in fields(SketchParams) if f.compare}  # `common` is stored apart
# What a docs row's JSON may hold: the Document fields its other columns do not store.
_META_NAMES = {f.name for f in fields(Document)} - {"id", "text", "path", "format", "warnings"}

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
CREATE TABLE IF NOT EXISTS terms (key INTEGER PRIMARY KEY, df INTEGER NOT NULL);
"""


class _Damaged(ValueError):
    """A stored value that does not decode; the caller names the index and the article."""


def _database_error(location: str, exc: sqlite3.DatabaseError) -> IndexError_:
    """The IndexError_ for an error of SQLite, by what the user can do about it."""
    # SQLite quotes what it could not read (a damaged text, a schema): keep the line one line.
    message = "".join(c if c.isprintable() else "?" for c in " ".join(str(exc).split()))
    message = message if len(message) <= 200 else message[:197] + "..."
    # By SQLite's result code, not the message: a message may quote damaged text.
    name = getattr(exc, "sqlite_errorname", None) or ""  # SQLITE_IOERR_SHORT_READ -> IOERR
    code = name.split("_")[1] if name.startswith("SQLITE_") else ""
    if code == "READONLY":
        return IndexError_(f"{location}: the index is read-only ({message}); it can be checked "
                           "against, not changed")
    if code in ("BUSY", "LOCKED"):
        return IndexError_(f"{location}: the index is locked by another process ({message}); "
                           "try again when it has finished")
    if code in ("FULL", "CANTOPEN", "IOERR", "PERM", "NOMEM"):
        return IndexError_(f"{location}: cannot read or write the index ({message})")
    if code == "NOTADB":
        return IndexError_(f"{location}: not a provenance index or corrupt ({message})")
    return IndexError_(f"{location}: index is damaged ({message}); {REBUILD}")


_F = TypeVar("_F", bound=Callable[..., Any])


def _guarded(method: _F) -> _F:
    """Turn an sqlite3 error raised by `method` (or while iterating it, for a generator) into
    IndexError_: a damaged page can surface in any statement, not only when the file is opened."""
    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def generator(self: SQLiteIndex, *args: Any, **kwargs: Any) -> Any:
            try:
                yield from method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise _database_error(self.location, exc) from None
        return generator  # type: ignore[return-value]

    @functools.wraps(method)
    def call(self: SQLiteIndex, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise _database_error(self.location, exc) from None
    return call  # type: ignore[return-value]


def _writable(location: str) -> bool:
    """Whether this process may write the file and create its -wal and -shm beside it."""
    folder = os.path.dirname(os.path.abspath(location))
    return os.access(location, os.W_OK) and os.access(folder, os.W_OK | os.X_OK)


def _connect(location: str, timeout: float, readonly: bool) -> sqlite3.Connection:
    if not readonly:
        return sqlite3.connect(location, timeout=timeout, isolation_level=None)
    uri = "file:" + urllib.parse.quote(os.path.abspath(location))
    conn = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=timeout, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        # A WAL database needs its -shm file even to be read, and a read-only folder cannot
        # hold a new one. Read without it (immutable: no locks, no WAL) when there is no
        # write-ahead log to lose; with one, the index must be recovered where it is writable.
        conn.close()
    try:
        wal = os.path.getsize(location + "-wal")
    except OSError:
        wal = 0
    if wal:
        raise IndexError_(f"{location}: cannot read the index: its folder is not writable and "
                          f"its write-ahead log ({location}-wal) holds changes to recover; open "
                          "it once where it can be written")
    return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, timeout=timeout,
                           isolation_level=None)


def _rollback(conn: sqlite3.Connection) -> None:
    # After a damaged page even ROLLBACK may fail: the error that got here is the one to report.
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.DatabaseError:
        pass


def _decode_text(blob: object) -> str:
    if not isinstance(blob, bytes):
        raise _Damaged(f"its text is a {type(blob).__name__}, not compressed bytes")
    inflate = zlib.decompressobj()
    try:
        raw = inflate.decompress(blob, MAX_TEXT_BYTES)
    except zlib.error as exc:
        raise _Damaged(f"its text does not decompress: {exc}") from None
    if inflate.unconsumed_tail:
        raise _Damaged(f"its text inflates past {MAX_TEXT_BYTES:,} bytes")
    if not inflate.eof:
        raise _Damaged("its compressed text is cut short")
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise _Damaged(f"its text is not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _decode_meta(meta_json: object) -> dict[str, Any]:
    try:
        meta = json.loads(meta_json) if isinstance(meta_json, str) else None
    except (ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict):
        raise _Damaged(f"its metadata is not a JSON object: {short_repr(meta_json)}")
    unknown = set(meta) - _META_NAMES
    if unknown:
        raise _Damaged(f"its metadata has unknown keys {short_repr(sorted(unknown))}")
    for key, value in meta.items():
        ok = (isinstance(value, int) and not isinstance(value, bool)) if key == "line" \
            else isinstance(value, str)
        if value is not None and not ok:
            raise _Damaged(f"its metadata {key!r} is {short_repr(value)}")
    return meta


class SQLiteIndex:
    """A provenance index in one SQLite file (or in memory, for one-off `--against` checks).

    Example:
        >>> idx = SQLiteIndex.open("corpus.db", create=True)
        >>> idx.add(iter_documents(["corpus/"]))
        >>> result = check(load_document("new.txt"), idx)
    """

    def __init__(self, conn: sqlite3.Connection, location: str, params: SketchParams,
                 readonly: bool = False):
        self._conn = conn
        self.location = location
        self._params = params
        self._learned = bool(params.common)  # the common units are known (sketch.learn_common)
        self.readonly = readonly  # the file or its folder is not writable: checks only
        self._vector_table: VectorTable | None = None
        self._count: tuple[str, int] | None = None  # (fingerprint, documents)

    @property
    def params(self) -> SketchParams:
        """How this index sketches, its common units included: learned by whichever process
        added the COMMON_LEARN_AT-th document, so until then each use looks for them (one
        small read), and a long-running reader does not go on sketching without them."""
        self._look_for_common()
        return self._params

    def _look_for_common(self) -> None:
        """Take the common units another process (or add) has stored, if not known yet."""
        if self._learned:
            return
        try:
            stored = self._meta_or_none("common")
        except sqlite3.ProgrammingError:  # closed: what it knew stands
            return
        except sqlite3.DatabaseError as exc:
            raise _database_error(self.location, exc) from None
        self._take_common(stored)

    def _take_common(self, stored: str | None) -> None:
        try:
            common = decode_common(stored)
        except ValueError as exc:
            raise IndexError_(f"{self.location}: index is damaged (its common units: {exc}); "
                              f"{REBUILD}") from None
        if common is not None:
            self._params = replace(self._params, common=common)
            self._learned = True

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
        try:
            exists = p.exists()
            if exists and p.is_dir():
                raise IndexError_(f"{location}: is a directory, not an index file")
            if exists and not stat.S_ISREG(p.stat().st_mode):
                # SQLite would block on a FIFO and read /dev/zero for ever.
                raise IndexError_(f"{location}: not a regular file, not an index file")
        except OSError as exc:
            raise IndexError_(f"{location}: cannot access the index ({exc.strerror or exc})"
                              ) from None
        if not exists and not create:
            raise IndexError_(f"{location}: no index here (create one with `provenance index add --index {location} FILES...`)")
        if not exists:
            cls._make_folder(location, p.parent)
        elif not os.access(location, os.R_OK):
            raise IndexError_(f"{location}: index is not readable (permission denied)")
        readonly = exists and not _writable(location)
        conn = None
        try:
            conn = _connect(location, timeout, readonly)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")  # with WAL: atomic and consistent after a crash
            if not exists or (create and not conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]):
                # A new file, or an empty one left by a first `index add` killed before its
                # schema was committed.
                if readonly:
                    raise IndexError_(f"{location}: the index is empty and read-only (the file or "
                                      "its folder is not writable)")
                return cls._initialise(conn, location, params or SketchParams())
            return cls._load(conn, location, readonly)
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise _database_error(location, exc) from None
        except IndexError_:
            if conn is not None:
                conn.close()
            raise

    @staticmethod
    def _make_folder(location: str, folder: Path) -> None:
        """The folder of a new index, made if missing; IndexError_ when it cannot hold one."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            in_the_way = next((a for a in (folder, *folder.parents) if a.exists()), folder)
            raise IndexError_(f"{location}: cannot create the index: {in_the_way} is a file, "
                              "not a folder") from None
        except OSError as exc:
            # A folder without permission, a read-only file system, a name too long.
            raise IndexError_(f"{location}: cannot create the index: cannot make its folder "
                              f"{folder} ({exc.strerror or exc})") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise IndexError_(f"{location}: cannot create the index: its folder {folder} is not "
                              "writable (permission denied)")

    @classmethod
    def in_memory(cls, params: SketchParams | None = None) -> SQLiteIndex:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        return cls._initialise(conn, ":memory:", params or SketchParams())

    @classmethod
    def _initialise(cls, conn: sqlite3.Connection, location: str, params: SketchParams) -> SQLiteIndex:
        # 16 KB pages (a new file only: an existing one keeps its own): a docs row (compressed
        # text and signature, about 2.5 KB) left a third of each 4 KB page unused, 1.3 KB per
        # article at 20,000 generated articles (SQLite's dbstat).
        conn.execute("PRAGMA page_size = 16384")
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
        # An index learns its own common units: none supplied with the parameters count.
        return cls._load(conn, location) if existing else cls(conn, location, replace(params, common=()))

    @classmethod
    def _load(cls, conn: sqlite3.Connection, location: str, readonly: bool = False) -> SQLiteIndex:
        """The index of an opened file, its schema and metadata checked (small reads: opening
        stays about a millisecond whatever the size of the index)."""
        foreign = IndexError_(f"{location}: not a provenance index (an SQLite file of something "
                              "else)")
        columns = {table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
                   for table in _COLUMNS}
        if columns["meta"] != _COLUMNS["meta"]:
            raise foreign
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != FORMAT_NAME:
            raise foreign
        # The version first: an index of an older format lacks tables this one has.
        raw_version = meta.get("version")
        try:
            version = int(raw_version)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problem = "it has no format version" if raw_version is None else \
                f"its format version {short_repr(raw_version)} is not a number"
            raise IndexError_(f"{location}: index is damaged ({problem}); {REBUILD}") from None
        if version != FORMAT_VERSION:
            raise IndexError_(
                f"{location}: index format version {version} is not supported by this version of "
                f"provenance (it reads version {FORMAT_VERSION}); rebuild it with "
                f"`provenance index add --index NEW.db CORPUS...`"
            )
        for table, expected in _COLUMNS.items():
            if columns[table] != expected:
                found = f"columns {', '.join(columns[table])}" if columns[table] else "missing"
                raise IndexError_(f"{location}: index is damaged (table {table}: {found}, expected "
                                  f"columns {', '.join(expected)}); {REBUILD}")
        vector_columns = [row[1] for row in conn.execute("PRAGMA table_info(vectors)")]
        if vector_columns and vector_columns != _VECTOR_COLUMNS:
            raise IndexError_(f"{location}: index is damaged (table vectors: columns "
                              f"{', '.join(vector_columns)}, expected columns "
                              f"{', '.join(_VECTOR_COLUMNS)}); {REBUILD}")
        if meta.get("sketch_version") not in READS_SKETCH_VERSIONS:
            raise IndexError_(f"{location}: index built by another version of provenance's sketching; "
                              f"rebuild it with `provenance index add --index NEW.db CORPUS...`")
        fingerprint = meta.get("fingerprint")
        try:
            int(fingerprint)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise IndexError_(f"{location}: index is damaged (its fingerprint "
                              f"{short_repr(fingerprint)} is not a number); {REBUILD}") from None
        index = cls(conn, location, cls._params(location, meta.get("params")), readonly)
        index._take_common(meta.get("common"))
        return index

    @staticmethod
    def _params(location: str, stored: object) -> SketchParams:
        """The stored sketch parameters: exactly SketchParams' fields, valid values."""
        try:
            data = json.loads(stored) if isinstance(stored, str) else None
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            problem = f"not a JSON object: {short_repr(stored)}"
        elif set(data) != _PARAM_NAMES:
            missing, unknown = sorted(_PARAM_NAMES - set(data)), sorted(set(data) - _PARAM_NAMES)
            problem = "; ".join(
                ([f"missing {', '.join(missing)}"] if missing else [])
                + ([f"unknown {short_repr(', '.join(unknown))}"] if unknown else []))
        else:
            try:
                return SketchParams(**data)
            except SettingError as exc:
                problem = str(exc)
        raise IndexError_(f"{location}: index is damaged (its sketch parameters: {problem}); "
                          f"{REBUILD}")

    def _damaged(self, doc_id: object, exc: Exception) -> IndexError_:
        return IndexError_(f"{self.location}: index is damaged (the stored article "
                           f"{short_repr(doc_id)}: {exc}); {REBUILD}")

    def _refuse_writes(self) -> None:
        if self.readonly:
            raise IndexError_(f"{self.location}: the index is read-only (the file or its folder "
                              "is not writable); it can be checked against, not changed")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SQLiteIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing --------------------------------------------------------------------------

    @_guarded
    def add(self, documents: Iterable[Document], *, atomic: bool = False,
            batch: int = BATCH, workers: int | None = None, embed: bool | None = None) -> AddReport:
        """Add or replace documents. Unchanged ones (same id, same text and metadata) are no-ops.

        Commits after `batch` changed documents, or half the size of the index when that is
        more (up to MAX_BATCH), so an interrupted run keeps what it
        committed, every committed document complete;
        with atomic=True everything goes in one transaction (all or nothing). Sketching runs in
        `workers` processes (default: $PROVENANCE_WORKERS, else the number of CPUs) once more
        than a few hundred documents need it; the writes stay in this process, in order, so the
        result does not depend on the number of workers.

        embed=True also stores each document's cross-language vectors (the xlang extra; documents
        already indexed without them get them too), and marks the index so that every later add
        does (embed=None follows the index; False never embeds).
        """
        self._refuse_writes()
        conn = self._conn
        embed = self._resolve_embed(embed)
        # A big page cache while writing: bucket rows land all over the B-tree.
        conn.execute("PRAGMA cache_size = -262144")
        writer = _Writer(self, workers if workers is not None else default_workers(), embed)
        try:
            conn.execute("BEGIN IMMEDIATE")
            if embed:
                conn.execute(_VECTOR_SCHEMA)
                self._set_meta("xlang", _xlang().MODEL_ID)
            writer.fingerprint = self._fingerprint()
            writer.next_rowid = self._next_rowid()
            stored = len(self)
            for chunk in chunks(documents, CHUNK):
                writer.submit(chunk)
                # Batches grow with the index (half of it, at least `batch`): a batch's bucket
                # rows land all over the key space, so each commit rewrites most of the bucket
                # B-tree's pages, and fixed batches would make a big add quadratic.
                # A commit too when the index reaches COMMON_LEARN_AT documents: the fewer it
                # holds when it learns its common units, the fewer it sketches twice.
                learns = not self._learned and stored + writer.added >= COMMON_LEARN_AT
                if not atomic and (learns or writer.pending >= max(batch, min(MAX_BATCH, (stored + writer.added) // 2))):
                    writer.drain()
                    self._commit_batch(writer)
                    if self._learn_common(writer.workers):
                        conn.execute("COMMIT")
                        conn.execute("BEGIN IMMEDIATE")
            writer.drain()
            self._commit_batch(writer, again=False)
            if not self._learned and len(self) >= COMMON_LEARN_AT:
                # After the documents are committed: when this fails (the index busy, a damaged
                # row) the add still stands, and the next add learns them.
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    self._learn_common(writer.workers)
                    conn.execute("COMMIT")
                except (IndexError_, sqlite3.DatabaseError):
                    _rollback(conn)
            if writer.added + writer.updated >= batch and self.location != ":memory:":
                # Fold the write-ahead log back into the file after a big add, so the index
                # does not keep a second copy of the pages it just wrote.
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException:
            _rollback(conn)
            raise
        finally:
            writer.close()
        return AddReport(writer.added, writer.updated, writer.unchanged)

    def _resolve_embed(self, embed: bool | None) -> bool:
        stored = self._meta_or_none("xlang")
        if embed is None:
            embed = stored is not None
        if not embed:
            return False
        xlang = _xlang()
        if not xlang.available():
            what = "this index stores cross-language vectors, so adding to it" if stored else \
                "storing cross-language vectors"
            raise ConfigError(f"{self.location}: {what} needs the xlang extra: "
                              "pip install 'news-provenance[xlang]'")
        if stored is not None and stored != xlang.MODEL_ID:
            raise IndexError_(f"{self.location}: the index's cross-language vectors were made by "
                              f"{short_repr(stored)}, not {xlang.MODEL_ID}; {REBUILD}")
        return True

    def _meta_or_none(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _has_vectors(self) -> bool:
        return self._conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'vectors'").fetchone() is not None

    def _commit_batch(self, writer: _Writer, again: bool = True) -> None:
        writer.flush_buckets()
        if writer.embed:
            # Readers holding a VectorTable reload it when this changes.
            self._set_meta("vector_generation", str(int(self._meta("vector_generation") or 0) + 1))
        self._set_meta("fingerprint", str(writer.fingerprint))
        self._conn.execute("COMMIT")
        writer.pending = 0
        if again:
            self._conn.execute("BEGIN IMMEDIATE")

    def _learn_common(self, workers: int) -> bool:
        """In the open transaction, once the index holds COMMON_LEARN_AT documents: learn its
        common units from its first COMMON_LEARN_AT documents by rowid (sketch.learn_common),
        store them, and sketch again the passage keys of every document it holds (document and
        term keys do not change). True when it learned them now."""
        self._look_for_common()  # another process may have learned them since this one looked
        if self._learned or len(self) < COMMON_LEARN_AT:
            return False
        self._conn.execute("DELETE FROM buckets WHERE (key & 1) = 1")  # every passage band
        writer = _Writer(self, workers)
        params = None
        try:
            last = 0
            while True:
                # The first batch holds at least the first COMMON_LEARN_AT documents by rowid.
                docs = self._conn.execute("SELECT rowid, text, meta, id FROM docs WHERE rowid > ? "
                                          "ORDER BY rowid LIMIT ?",
                                          (last, max(MAX_BATCH, COMMON_LEARN_AT))).fetchall()
                if not docs:
                    break
                last = docs[-1][0]
                texts, orders = [], []
                for rowid, blob, meta, doc_id in docs:
                    try:
                        texts.append(_decode_text(blob))
                        orders.append(read_order(_decode_meta(meta).get("published"), rowid))
                    except _Damaged as exc:
                        raise self._damaged(doc_id, exc) from None
                if params is None:
                    first = texts[:COMMON_LEARN_AT]
                    params = replace(self._params,
                                     common=learn_common(writer.unit_frequencies(first), len(first)))
                    self._set_meta("common", json.dumps(list(params.common)))
                    self._set_meta("sketch_version", str(SKETCH_VERSION))
                keys = writer.sketch_keys(texts, params)
                owners = np.repeat(np.asarray(orders, dtype=np.int64), [len(k) for k in keys])
                flat = np.concatenate(keys) if keys else np.empty(0, np.int64)
                passage = (flat & 1) == 1
                order = np.lexsort((owners[passage], flat[passage]))
                self._conn.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?)",
                                       zip(flat[passage][order].tolist(), owners[passage][order].tolist(),
                                           strict=True))
        finally:
            writer.close()
        assert params is not None  # the index holds COMMON_LEARN_AT documents
        self._params, self._learned = params, True
        return True

    def _next_rowid(self) -> int:
        # Rowids are never reused (AUTOINCREMENT), so a bucket row of a removed document can
        # never point at another document.
        row = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'docs'").fetchone()
        top = self._conn.execute("SELECT max(rowid) FROM docs").fetchone()[0]
        return max(row[0] if row else 0, top or 0) + 1

    def _delete_rowid(self, rowid: int) -> None:
        # A document's bucket keys are recomputed from its stored text (the same sketch that
        # stored them), which spares an index on buckets(doc): a third of the file.
        row = self._conn.execute("SELECT id, text, meta FROM docs WHERE rowid = ?", (rowid,)).fetchone()
        if row is not None:
            try:
                text = _decode_text(row[1])
                order = read_order(_decode_meta(row[2]).get("published"), rowid)
            except _Damaged as exc:
                raise self._damaged(row[0], exc) from None
            keys = sketch_text(text, self.params).index_keys()
            self._conn.executemany("DELETE FROM buckets WHERE key = ? AND doc = ?",
                                   [(k, order) for k in keys.tolist()])
            # Its terms are one document less frequent. A term that falls back to TERM_CAP
            # documents lacks the postings of those added while it was above (they were not
            # stored): a candidate by rare terms may be missed there, never invented.
            self._conn.executemany("UPDATE terms SET df = df - 1 WHERE key = ?",
                                   [(k,) for k in keys[is_term(keys)].tolist()])
        self._conn.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))
        if self._has_vectors():
            self._conn.execute("DELETE FROM vectors WHERE doc = ?", (rowid,))

    @_guarded
    def remove(self, doc_id: str) -> bool:
        """Remove a document by id; returns False when it was not there."""
        self._refuse_writes()
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT rowid, sha256 FROM docs WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                conn.execute("ROLLBACK")
                return False
            self._delete_rowid(row[0])
            fingerprint = self._fingerprint() ^ fingerprint_term(doc_id, row[1])
            self._set_meta("fingerprint", str(fingerprint))
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        return True

    def _meta(self, key: str) -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def _fingerprint(self) -> int:
        value = self._meta("fingerprint")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise IndexError_(f"{self.location}: index is damaged (its fingerprint "
                              f"{short_repr(value)} is not a number); {REBUILD}") from None

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- reading --------------------------------------------------------------------------

    @_guarded
    def __len__(self) -> int:
        # Every check asks (candidates.term_shares weighs terms by it), and counting walks the
        # whole id index: counted again only when the fingerprint (every add and removal
        # changes it) has changed.
        stamp = self._meta("fingerprint")
        if self._count is None or self._count[0] != stamp:
            self._count = (stamp, self._conn.execute("SELECT count(*) FROM docs").fetchone()[0])
        return self._count[1]

    @_guarded
    def __contains__(self, doc_id: object) -> bool:
        return self._conn.execute("SELECT 1 FROM docs WHERE id = ?", (doc_id,)).fetchone() is not None

    @_guarded
    def fingerprint(self) -> str:
        """Identifies the index content (ids and texts), independent of insertion order."""
        return f"{self._fingerprint():032x}"

    @_guarded
    def info(self) -> dict[str, object]:
        """Location, size, parameters, and the result of SQLite's quick_check: the one place
        every page is read (about 2 s at 100,000 articles, so not on every open). IndexError_
        when it finds damage."""
        problems = [row[0] for row in self._conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            found = " ".join(str(p) for p in problems).replace("*** in database main ***", "")
            found = " ".join(found.split())  # one line
            found = found if len(found) <= 200 else found[:197] + "..."
            raise IndexError_(f"{self.location}: index is damaged (quick_check: {found}); "
                              f"{REBUILD}")
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
            # Units left out of passage signatures (sketch.COMMON_SHARE); null until learned.
            "common_units": len(self.params.common) if self._learned else None,
            "integrity": "ok",
        } | ({"xlang": {"model": self._meta("xlang"), "documents": self._conn.execute(
            "SELECT count(*) FROM vectors").fetchone()[0]}} if self._has_vectors() else {})

    @_guarded
    def list(self) -> Iterator[tuple[str, str | None, dict[str, str | None]]]:
        for doc_id, path, meta in self._conn.execute("SELECT id, path, meta FROM docs ORDER BY id"):
            try:
                _check_names(doc_id, path)
                yield doc_id, path, _decode_meta(meta)
            except _Damaged as exc:
                raise self._damaged(doc_id, exc) from None

    @_guarded
    def ids(self) -> list[str]:
        ids = [r[0] for r in self._conn.execute("SELECT id FROM docs ORDER BY id")]
        for doc_id in ids:
            if not isinstance(doc_id, str):
                raise self._damaged(doc_id, _Damaged("its id is not text"))
        return ids

    @_guarded
    def get(self, doc_id: str) -> Document | None:
        row = self._conn.execute(
            "SELECT id, path, format, meta, text FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return self._document(row) if row else None

    def get_many(self, ids: list[str]) -> list[Document]:
        return [d for d in (self.get(i) for i in ids) if d is not None]

    def _document(self, row: tuple) -> Document:
        doc_id, path, fmt, meta_json, blob = row
        try:
            _check_names(doc_id, path)
            if not isinstance(fmt, str):
                raise _Damaged(f"its format is {short_repr(fmt)}")
            meta = _decode_meta(meta_json)
            text = _decode_text(blob)
        except _Damaged as exc:
            raise self._damaged(doc_id, exc) from None
        line = meta.pop("line", None)
        return Document(id=doc_id, path=path, format=fmt, text=text, line=line, **meta)

    @_guarded
    def signature(self, doc_id: str) -> np.ndarray | None:
        row = self._conn.execute("SELECT signature FROM docs WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        blob, size = row[0], 4 * self.params.num_perm
        if not isinstance(blob, bytes) or len(blob) != size:
            length = f"{len(blob)} bytes" if isinstance(blob, bytes) else type(blob).__name__
            raise self._damaged(doc_id, _Damaged(f"its signature is {length}, not {size} bytes"))
        return np.frombuffer(blob, dtype=np.uint32)

    def candidates(self, query: Sketch, *, exclude: Iterable[str] = (), limit: int = 50,
                   min_score: int | None = None) -> list[Candidate]:
        """Documents sharing LSH buckets with the query, best first (storage.candidates.find)."""
        return candidates.find(self, query, exclude=exclude, limit=limit, min_score=min_score)

    # --- cross-language vectors -------------------------------------------------------------

    @_guarded
    def vectors(self, doc_id: str) -> Any:
        """The document's stored xlang.DocumentVectors, None when it has none."""
        if not self._has_vectors():
            return None
        row = self._conn.execute(
            "SELECT v.language, v.vector, v.spans, v.sentences FROM vectors v JOIN docs d "
            "ON d.rowid = v.doc WHERE d.id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        try:
            return _decode_vectors(*row)
        except (ValueError, TypeError) as exc:
            raise self._damaged(doc_id, _Damaged(f"its vectors: {exc}")) from None

    @_guarded
    def nearest(self, vector: np.ndarray, *, exclude_language: str | None = None,
                k: int = 10) -> list[tuple[str, float]]:
        """The k documents whose vectors are nearest `vector` by cosine (exact search), leaving
        out those in `exclude_language`; best first, with their cosines."""
        if not self._has_vectors():
            return []
        stamp = (self._meta("fingerprint"), self._meta("vector_generation"))
        table = self._vector_table
        if table is None or table.stamp != stamp:
            ids, languages, codes = [], [], []
            for doc_id, language, code in self._conn.execute(
                    "SELECT d.id, v.language, v.vector FROM vectors v JOIN docs d "
                    "ON d.rowid = v.doc ORDER BY v.doc"):
                if not isinstance(code, bytes) or len(code) != _xlang().DIM \
                        or not isinstance(language, str):
                    raise self._damaged(doc_id, _Damaged("its document vector is not "
                                                         f"{_xlang().DIM} bytes of codes"))
                ids.append(doc_id)
                languages.append(language)
                codes.append(code)
            table = self._vector_table = VectorTable(stamp, ids, languages, b"".join(codes),
                                                     _xlang().DIM)
        return table.nearest(vector, exclude_language, k)

    # --- candidates.BucketStore -------------------------------------------------------------

    @_guarded
    def bucket_rows(self, keys: list[int], per_bucket: int) -> np.ndarray:
        # Buckets are clustered by (key, read order), so LIMIT reads the first in read order.
        # SQLite allows 500 terms in a compound select.
        one = f"SELECT * FROM (SELECT key, doc FROM buckets WHERE key = ? LIMIT {int(per_bucket)})"
        parts = []
        for chunk_start in range(0, len(keys), 250):
            chunk = keys[chunk_start:chunk_start + 250]
            rows = self._conn.execute(" UNION ALL ".join([one] * len(chunk)), chunk).fetchall()
            try:
                parts.append(np.fromiter(chain.from_iterable(rows), dtype=np.int64,
                                         count=2 * len(rows)))
            except (TypeError, ValueError, OverflowError):
                raise IndexError_(f"{self.location}: index is damaged (a bucket row is not a pair "
                                  f"of integers); {REBUILD}") from None
        return np.concatenate(parts).reshape(-1, 2) if parts else np.empty((0, 2), dtype=np.int64)

    @_guarded
    def term_frequencies(self, keys: list[int]) -> np.ndarray:
        # One statement for any number of keys (json_each), not one per 500.
        found = dict(self._conn.execute(
            "SELECT key, df FROM terms WHERE key IN (SELECT value FROM json_each(?))",
            (json.dumps(keys),)).fetchall())
        try:
            return np.fromiter((found.get(k, 0) for k in keys), dtype=np.int64, count=len(keys))
        except (TypeError, ValueError, OverflowError):
            raise IndexError_(f"{self.location}: index is damaged (a term's document frequency "
                              f"is not an integer); {REBUILD}") from None

    @_guarded
    def names(self, rowids: list[int]) -> dict[int, str]:
        names: dict[int, str] = {}
        for chunk_start in range(0, len(rowids), 500):
            chunk = rowids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for rowid, doc_id in self._conn.execute(
                    f"SELECT rowid, id FROM docs WHERE rowid IN ({marks})", chunk):
                if not isinstance(doc_id, str):
                    raise self._damaged(doc_id, _Damaged("its id is not text"))
                names[rowid] = doc_id
        return names

    @_guarded
    def texts(self, rowids: list[int]) -> Iterator[tuple[int, str]]:
        for chunk_start in range(0, len(rowids), 500):
            chunk = rowids[chunk_start:chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for rowid, doc_id, blob in self._conn.execute(
                    f"SELECT rowid, id, text FROM docs WHERE rowid IN ({marks})", chunk):
                try:
                    text = _decode_text(blob)
                except _Damaged as exc:
                    raise self._damaged(doc_id, exc) from None
                yield rowid, text


def _check_names(doc_id: object, path: object) -> None:
    if not isinstance(doc_id, str):
        raise _Damaged("its id is not text")
    if path is not None and not isinstance(path, str):
        raise _Damaged(f"its path is {short_repr(path)}")


class _Writer:
    """The add pipeline: decide what changed (here), sketch it (here or in worker processes,
    several chunks in flight), write it (here, in input order)."""

    def __init__(self, index: SQLiteIndex, workers: int, embed: bool = False):
        self.index = index
        self.embed = embed
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
        backfill: list[Document] = []
        for doc in chunk:
            meta_json = json.dumps(doc.metadata() | {"line": doc.line}, sort_keys=True)
            state = (doc.sha256, meta_json, doc.path)
            if self.latest.get(doc.id, known.get(doc.id)) == state:
                self.unchanged += 1
                if self.embed and doc.id not in self.latest:
                    backfill.append(doc)
                continue
            # Whether a row with this id will exist when this document is written: stored
            # before, or written earlier in this add (writes keep input order).
            replaces = doc.id in known or doc.id in self.latest
            self.latest[doc.id] = state
            work.append((doc, state, replaces))
        if backfill:
            self._backfill(backfill)
        if not work:
            return
        texts = [doc.text for doc, _, _ in work]
        self.sketched += len(work)
        if self.pool is None and self.workers > 1 and self.sketched > PARALLEL_AFTER:
            self.pool = start_pool(self.workers)
        if self.pool is not None:
            self.inflight.append((work, self.pool.apply_async(_sketch_batch, (texts, self.index.params,
                                                                            self.embed))))
            while len(self.inflight) > 2 * self.workers:
                self._write(*self.inflight.popleft())
        else:
            self._write(work, _sketch_batch(texts, self.index.params, self.embed))

    def drain(self) -> None:
        while self.inflight:
            self._write(*self.inflight.popleft())

    def _map(self, function: Callable[[list[str]], Any], texts: list[str], size: int) -> list[Any]:
        """function of each run of `size` texts, in order, in worker processes when there are
        many texts."""
        if self.pool is None and self.workers > 1 and len(texts) > PARALLEL_AFTER:
            self.pool = start_pool(self.workers)
        parts = list(chunks(texts, size))
        return self.pool.map(function, parts) if self.pool is not None else [function(p) for p in parts]

    def unit_frequencies(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """sketch.unit_frequencies of the texts, in parts."""
        return self._map(unit_frequencies, texts, 4 * CHUNK)

    def sketch_keys(self, texts: list[str], params: SketchParams) -> list[np.ndarray]:
        """Each text's index keys under `params`, in order."""
        done = self._map(functools.partial(index_entries, params=params), texts, CHUNK)
        return [np.frombuffer(keys, dtype=np.int64) for part in done for _, keys in part]

    def _backfill(self, docs: list[Document]) -> None:
        """Vectors for documents indexed before the index stored them (unchanged otherwise)."""
        marks = ",".join("?" * len(docs))
        missing = self.conn.execute(
            f"SELECT d.rowid, d.id FROM docs d LEFT JOIN vectors v ON v.doc = d.rowid "
            f"WHERE d.id IN ({marks}) AND v.doc IS NULL", [d.id for d in docs]).fetchall()
        texts = {d.id: d.text for d in docs}
        rows = [(rowid, *_vector_row(texts[doc_id])) for rowid, doc_id in missing]
        self.conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)", rows)
        self.pending += len(rows)

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
        vector_rows = []
        for (doc, state, replaces), (blob, sig, keys, vecs) in zip(work, results, strict=True):
            sha, meta_json, path = state
            old = conn.execute("SELECT rowid, sha256 FROM docs WHERE id = ?", (doc.id,)).fetchone() \
                if replaces else None
            if old is not None:
                # Rows of this chunk written so far must be in the table first (the old row
                # may be one of them), and its old bucket rows too, to be deleted.
                self._insert_docs(rows)
                rows = []
                self._insert_vectors(vector_rows)
                vector_rows = []
                self.flush_buckets()
                self.fingerprint ^= fingerprint_term(doc.id, old[1])
                self.index._delete_rowid(old[0])
                self.updated += 1
            else:
                self.added += 1
            rowid = self.next_rowid
            check_rowid(rowid, self.index.location)
            self.next_rowid += 1
            rows.append((rowid, doc.id, path, doc.format, sha, meta_json, blob, sig))
            if vecs is not None:
                vector_rows.append((rowid, *vecs))
            key_array = np.frombuffer(keys, dtype=np.int64)
            self.bucket_keys.append(key_array)
            self.bucket_docs.append(np.full(len(key_array), read_order(doc.published, rowid),
                                            dtype=np.int64))
            self.fingerprint ^= fingerprint_term(doc.id, sha)
            self.pending += 1
            if self.latest.get(doc.id) == state:
                del self.latest[doc.id]
        self._insert_docs(rows)
        self._insert_vectors(vector_rows)

    def _insert_vectors(self, rows: list[tuple]) -> None:
        if rows:
            self.conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)", rows)

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
        terms = is_term(keys)
        if terms.any():
            # A term's posting is stored while it is in fewer than TERM_CAP documents, the
            # earliest added: above that it is common wording, which candidates never read.
            term_keys, term_docs = keys[terms], docs[terms]
            distinct, first, counts = np.unique(term_keys, return_index=True, return_counts=True)
            stored = self.index.term_frequencies(distinct.tolist())
            before = np.repeat(stored, counts) + (np.arange(len(term_keys)) - np.repeat(first, counts))
            posted = before < candidates.TERM_CAP
            self.conn.executemany(
                "INSERT INTO terms VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET df = df + excluded.df",
                zip(distinct.tolist(), counts.tolist(), strict=True))
            keys = np.concatenate((keys[~terms], term_keys[posted]))
            docs = np.concatenate((docs[~terms], term_docs[posted]))
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


def _sketch_batch(texts: list[str], params: SketchParams, embed: bool = False) -> list[tuple]:
    """(compressed text, doc signature, index keys, vector row or None) of each text: the
    CPU-bound part of add (embedding, with the xlang extra, is most of it)."""
    return [(zlib.compress(text.encode("utf-8", "surrogatepass"), 6), sig, keys,
             _vector_row(text) if embed else None)
            for text, (sig, keys) in zip(texts, index_entries(texts, params), strict=True)]


def _xlang() -> Any:
    # Imported when vectors are used: the stage (and numpy work it brings) is optional.
    from .. import xlang

    return xlang


def _vector_row(text: str) -> tuple[str, bytes, bytes, bytes]:
    """(language, document vector codes, sentence offsets, sentence vector codes)."""
    xlang = _xlang()
    found = xlang.vectorize(text)
    return (found.language, xlang.encode_codes(found.vector), xlang.encode_spans(found.spans),
            xlang.encode_codes(found.sentences))


def _decode_vectors(language: object, vector: object, spans: object, sentences: object) -> Any:
    xlang = _xlang()
    if not isinstance(language, str) or not all(isinstance(b, bytes)
                                                for b in (vector, spans, sentences)):
        raise ValueError("a column is not of its type")
    decoded_spans = xlang.decode_spans(spans)
    decoded = xlang.decode_codes(sentences)
    if len(decoded) != len(decoded_spans):
        raise ValueError(f"{len(decoded)} sentence vectors for {len(decoded_spans)} sentences")
    return xlang.DocumentVectors(language, xlang.decode_codes(vector)[0], decoded_spans, decoded)
