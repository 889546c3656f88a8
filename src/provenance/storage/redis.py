"""A shared index on Redis: several processes or machines check against one corpus.

The same contents as the SQLite index, under one basename:
- `NAME:meta`          hash: format, version, sketch_version, params (JSON), fingerprint, and once
                       learned `common` (JSON: the common units' term keys, sketch.learn_common)
- `NAME:doc:ID`        hash of plain bytes: rowid, path, format, sha256, meta (JSON),
                       zlib-compressed UTF-8 text, the MinHash signature as raw uint32 values
- `NAME:ids`           sorted set of document ids; `NAME:rowids` hash rowid -> id
- `NAME:b:KEY`         one bucket (an LSH band or a term): a sorted set of rowids scored by
                       read order (protocol.read_order: publication date, then rowid), so they
                       are read in the SQLite index's clustered (key, read order) order
- `NAME:terms`         hash: each term key's document frequency (candidates.TERM_CAP)
- `NAME:vec:ID`        with the xlang extra only: the document's language, its document vector
                       and sentence vectors as int8 codes, the sentences' offsets (int32 pairs);
                       `NAME:meta` then also holds `xlang` (the model) and `vector_generation`
Candidates are found by `candidates.find`, the SQLite index's own rules (document and passage
bands, crowded buckets, verified local and weak evidence, rare terms), so both back ends give
the same result.
Nothing read back is unpickled.

Why not datasketch's MinHashLSH with Redis storage (this back end's first form): its buckets are
unordered sets and its query returns a union without per-band counts, so neither the candidate
scoring nor the bucket-read limit could be the same as the SQLite index's.

A write is not one transaction across Redis keys: a document's hash is written last when adding
and removed first when removing, so a reader never sees a document without its buckets, at worst
buckets of a document that is gone (ignored: `names` does not find it).

    idx = open_index("corpus", backend="redis", redis_url="redis://127.0.0.1:6379/0")
"""

from __future__ import annotations

import functools
import json
import re
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from urllib.parse import parse_qsl, urlparse

import numpy as np

from ..documents import Document
from ..errors import ConfigError, IndexError_, ProvenanceError
from ..results import AddReport
from ..settings import SketchParams
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

FORMAT_NAME = "provenance-redis-index"
FORMAT_VERSION = 3  # 3: term keys, their document frequencies in BASE:terms
_CREDENTIALS = re.compile(r"(?<=://)[^@/]*@")


def redact(url: str) -> str:
    """The URL without user name and password, for messages and `index info`."""
    return _CREDENTIALS.sub("***@", url)


def _client(url: str):
    try:
        import redis
    except ImportError:
        raise IndexError_("the redis back end needs the redis package: pip install 'news-provenance[redis]'") from None
    # One parsed URL serves every connection (user, password, TLS with rediss://, a unix socket,
    # the database number): a bad one is a usage error, exit 2.
    try:
        parsed = urlparse(url)
        parsed.port  # noqa: B018  (raises ValueError for a port out of range or not a number)
    except ValueError as exc:
        raise ConfigError(f"{redact(url)}: not a valid Redis URL ({exc})") from None
    if parsed.scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"{redact(url)}: not a Redis URL (redis://[USER:PASSWORD@]HOST:PORT/DB, "
                          "rediss:// for TLS, unix:///PATH?db=N)")
    db = parsed.path.strip("/") if parsed.scheme != "unix" else ""
    db = db or dict(parse_qsl(parsed.query)).get("db", "0")
    if not db.isdigit():
        raise ConfigError(f"{redact(url)}: not a valid Redis URL (database {db!r} is not a number)")
    try:
        return redis.Redis.from_url(url)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{redact(url)}: not a valid Redis URL ({redact(str(exc))})") from None


def _guarded(method):
    """Redis lost mid-run, or a key that is not what this index wrote: one IndexError_ (exit 3),
    with the URL's credentials redacted, instead of a redis or decoding traceback."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        try:
            result = method(self, *args, **kwargs)
            if isinstance(result, Iterator):
                return iter(list(result))  # decode errors surface here, not in the caller's loop
            return result
        except ProvenanceError:
            raise
        except (ValueError, TypeError, KeyError, zlib.error, UnicodeError) as exc:
            raise IndexError_(f"{self.location}: an entry of this index is damaged "
                              f"({type(exc).__name__}: {exc}); rebuild it") from None
        except Exception as exc:
            if type(exc).__module__.split(".")[0] != "redis":
                raise
            raise IndexError_(f"{self.location}: Redis failed ({type(exc).__name__}: "
                              f"{redact(str(exc))})") from None

    return run


class RedisIndex:
    """An index whose buckets, signatures and texts live in Redis under one basename."""

    def __init__(self, client, url: str, basename: str, params: SketchParams):
        self.url, self.basename, self._params = url, basename, params
        self.location = f"{redact(url)}#{basename}"
        self._r = client
        self._base = basename.encode()
        self._vector_table: VectorTable | None = None
        self._learned = bool(params.common)  # the common units are known (sketch.learn_common)
        self._look_after = 0.0  # monotonic time after which to look for them again

    @property
    def params(self) -> SketchParams:
        """How this index sketches, its common units included, as the SQLite index's `params`:
        until they are learned, Redis is asked for them at most once a second (each ask is a
        round trip)."""
        if not self._learned and time.monotonic() >= self._look_after:
            self._look_after = time.monotonic() + 1.0
            self._look_for_common()
        return self._params

    def _look_for_common(self) -> None:
        """Take the common units another writer has stored, if not known yet."""
        if not self._learned:
            self._take_common(self._r.hget(self._k(b"meta"), b"common"))

    def _take_common(self, stored: bytes | str | None) -> None:
        try:
            common = decode_common(stored.decode() if isinstance(stored, bytes) else stored)
        except ValueError as exc:
            raise IndexError_(f"{self.location}: the index's common units are unreadable ({exc}); "
                              "rebuild it") from None
        if common is not None:
            self._params = replace(self._params, common=common)
            self._learned = True

    def _k(self, *parts: bytes) -> bytes:
        return b":".join((self._base, *parts))

    # --- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, basename: str = "provenance", *, create: bool = False,
             params: SketchParams | None = None) -> RedisIndex:
        """Open (or with create=True, start) the index stored under `basename` in Redis.

        Raises IndexError_ when Redis cannot be reached, the basename holds no index (and create
        is False), or an index of another format or sketch version.
        """
        client = _client(url)
        meta_key = basename.encode() + b":meta"
        try:
            meta = {k.decode(): v.decode() for k, v in client.hgetall(meta_key).items()}
            if not meta:
                if not create:
                    raise IndexError_(f"{redact(url)}: no provenance index under {basename!r}")
                params = params or SketchParams()
                client.hsetnx(meta_key, "format", FORMAT_NAME)
                client.hset(meta_key, mapping={
                    "version": str(FORMAT_VERSION), "sketch_version": str(SKETCH_VERSION),
                    "params": json.dumps(params.to_dict(), sort_keys=True)})
                client.hsetnx(meta_key, "fingerprint", "0")
                # An index learns its own common units: none supplied with the parameters count.
                return cls(client, url, basename, replace(params, common=()))
        except IndexError_:
            client.close()
            raise
        except Exception as exc:  # redis.ConnectionError, AuthenticationError and friends
            client.close()
            raise IndexError_(f"{redact(url)}: cannot reach Redis ({type(exc).__name__}: "
                              f"{redact(str(exc))})") from None
        if meta.get("format") != FORMAT_NAME or meta.get("version") != str(FORMAT_VERSION) \
                or meta.get("sketch_version") not in READS_SKETCH_VERSIONS:
            client.close()
            raise IndexError_(f"{redact(url)}: {basename!r} holds another format or version of "
                              "index; rebuild it")
        try:
            stored = SketchParams(**json.loads(meta["params"]))
        except (KeyError, TypeError, ValueError) as exc:
            client.close()
            raise IndexError_(f"{redact(url)}: {basename!r} has unreadable parameters ({exc})") from None
        index = cls(client, url, basename, stored)
        try:
            index._take_common(meta.get("common"))
        except IndexError_:
            client.close()
            raise
        return index

    def close(self) -> None:
        self._r.close()

    def __enter__(self) -> RedisIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing --------------------------------------------------------------------------

    @_guarded
    def add(self, documents: Iterable[Document], *, atomic: bool = False,
            embed: bool | None = None, **_: object) -> AddReport:
        """Add or replace documents; unchanged ones are no-ops. (`atomic` is accepted for the
        protocol's sake: Redis has no transaction across this many keys.) `embed` as for the
        SQLite index: True stores cross-language vectors from now on, None follows the index."""
        embed = self._resolve_embed(embed)
        added = updated = unchanged = 0
        try:
            for doc in documents:
                result = self._add_one(doc, embed)
                added += result == "added"
                updated += result == "updated"
                unchanged += result == "unchanged"
                if result != "unchanged" and (added + updated) % 1000 == 0:
                    self._learn_common()
            self._learn_common()
        finally:
            if embed:
                self._r.hincrby(self._k(b"meta"), b"vector_generation", 1)
        return AddReport(added, updated, unchanged)

    def _learn_common(self) -> None:
        """Once the index holds COMMON_LEARN_AT documents: learn its common units from its first
        COMMON_LEARN_AT by rowid (as the SQLite index does: the same documents, the same units)
        and sketch again the passage keys of every document it holds. The units are chosen
        first and kept as `common_pending`, every document is moved to them, and only then are
        they published as `common`: a run stopped half-way, or two writers learning at once,
        move to the same units, and moving a document again changes nothing. Until they are
        published the documents moved are found by their document bands and terms only, and a
        writer that adds at the same moment stores its documents the old way, to be moved by
        the next learning run if it comes after (Redis has no transaction across this many
        keys)."""
        self._look_for_common()  # another writer may have learned them since this one looked
        if self._learned or len(self) < COMMON_LEARN_AT:
            return
        meta = self._k(b"meta")
        rowids = sorted(int(r) for r in self._r.hkeys(self._k(b"rowids")))[:COMMON_LEARN_AT]
        ids = self._r.hmget(self._k(b"rowids"), [str(r) for r in rowids])
        pipe = self._r.pipeline(transaction=False)
        for doc_id in ids:
            if doc_id is not None:
                pipe.hget(self._k(b"doc", doc_id), b"text")
        texts = [zlib.decompress(blob).decode("utf-8", "surrogatepass")
                 for blob in pipe.execute() if blob is not None]
        learned = learn_common([unit_frequencies(texts)], len(texts))
        self._r.hsetnx(meta, b"common_pending", json.dumps(list(learned)))
        try:
            pending = decode_common(self._r.hget(meta, b"common_pending").decode())
        except (AttributeError, ValueError) as exc:
            raise IndexError_(f"{self.location}: the index's pending common units are unreadable "
                              f"({exc}); rebuild it") from None
        params = replace(self._params, common=pending)
        self._move_passages(self._params, params)
        pipe = self._r.pipeline(transaction=True)
        pipe.hsetnx(meta, b"common", json.dumps(list(params.common)))
        pipe.hset(meta, b"sketch_version", str(SKETCH_VERSION))
        pipe.hdel(meta, b"common_pending")
        pipe.execute()
        self._take_common(self._r.hget(meta, b"common"))

    def _move_passages(self, old_params: SketchParams, new_params: SketchParams) -> None:
        """Every stored document's bucket keys as sketched with `new_params` instead of
        `old_params` (only passage keys differ): the new added, then the old removed."""
        ids = [k.decode("utf-8", "surrogatepass") for k in self._r.zrange(self._k(b"ids"), 0, -1)]
        for start in range(0, len(ids), 500):
            pipe = self._r.pipeline(transaction=False)
            for doc_id in ids[start:start + 500]:
                pipe.hmget(self._doc_key(doc_id), [b"rowid", b"text", b"meta"])
            stored = pipe.execute()
            pipe = self._r.pipeline(transaction=False)
            for rowid, blob, meta_json in stored:
                if rowid is None or blob is None:
                    continue  # removed meanwhile
                text = zlib.decompress(blob).decode("utf-8", "surrogatepass")
                old = set(sketch_text(text, old_params).index_keys().tolist())
                new = set(sketch_text(text, new_params).index_keys().tolist())
                order = read_order(json.loads(meta_json or b"{}").get("published"), int(rowid))
                for k in sorted(new - old):
                    pipe.zadd(self._bucket(k), {rowid: order})
                for k in sorted(old - new):
                    pipe.zrem(self._bucket(k), rowid)
            pipe.execute()

    def _resolve_embed(self, embed: bool | None) -> bool:
        stored = self._r.hget(self._k(b"meta"), b"xlang")
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
        if stored is not None and stored.decode() != xlang.MODEL_ID:
            raise IndexError_(f"{self.location}: the index's cross-language vectors were made by "
                              f"{stored.decode()!r}, not {xlang.MODEL_ID}; rebuild it")
        self._r.hset(self._k(b"meta"), b"xlang", xlang.MODEL_ID)
        return True

    def _add_one(self, doc: Document, embed: bool) -> str:
        meta_json = json.dumps(doc.metadata() | {"line": doc.line}, sort_keys=True)
        sha = doc.sha256
        old = self._r.hmget(self._doc_key(doc.id), [b"sha256", b"meta", b"path"])
        if old[0] is not None and old[0].decode() == sha and old[1].decode() == meta_json \
                and (old[2] or b"").decode() == (doc.path or ""):
            if embed and not self._r.exists(self._vec_key(doc.id)):
                self._r.hset(self._vec_key(doc.id), mapping=_vector_fields(doc.text))
            return "unchanged"
        outcome = "updated" if old[0] is not None else "added"
        if old[0] is not None:
            self.remove(doc.id)
        (sig, keys), = index_entries([doc.text], self.params)
        rowid = int(self._r.incr(self._k(b"rowid")))
        check_rowid(rowid, self.location)
        member = str(rowid).encode()
        key = doc.id.encode("utf-8", "surrogatepass")
        key_array = np.frombuffer(keys, dtype=np.int64)
        terms = is_term(key_array)
        # Term postings while a term is in at most TERM_CAP documents, as the SQLite index
        # keeps them (candidates.TERM_CAP); every term counted.
        pipe = self._r.pipeline(transaction=False)
        for k in key_array[terms].tolist():
            pipe.hincrby(self._k(b"terms"), str(k), 1)
        frequencies = pipe.execute()
        posted = [k for k, df in zip(key_array[terms].tolist(), frequencies, strict=True)
                  if int(df) <= candidates.TERM_CAP]
        order = read_order(doc.published, rowid)  # exact as a double: below 2 ** 52
        pipe = self._r.pipeline(transaction=False)
        for k in key_array[~terms].tolist() + posted:
            pipe.zadd(self._bucket(k), {member: order})
        pipe.execute()
        pipe = self._r.pipeline(transaction=True)
        pipe.hset(self._k(b"rowids"), member, key)
        pipe.hset(self._doc_key(doc.id), mapping={
            "rowid": member, "path": (doc.path or "").encode("utf-8", "surrogatepass"),
            "format": doc.format, "sha256": sha, "meta": meta_json,
            "text": zlib.compress(doc.text.encode("utf-8", "surrogatepass"), 6),
            "signature": np.frombuffer(sig, dtype=np.uint32).astype("<u4").tobytes()})
        pipe.zadd(self._k(b"ids"), {key: 0})
        if embed:
            # In the document's transaction: a reader never sees one without the other.
            pipe.hset(self._vec_key(doc.id), mapping=_vector_fields(doc.text))
        pipe.execute()
        self._xor_fingerprint(fingerprint_term(doc.id, sha))
        return outcome

    @_guarded
    def remove(self, doc_id: str) -> bool:
        key = doc_id.encode("utf-8", "surrogatepass")
        sha, rowid, blob = self._r.hmget(self._doc_key(doc_id), [b"sha256", b"rowid", b"text"])
        if sha is None:
            return False
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(self._doc_key(doc_id))
        pipe.delete(self._vec_key(doc_id))
        pipe.zrem(self._k(b"ids"), key)
        if rowid is not None:
            pipe.hdel(self._k(b"rowids"), rowid)
        pipe.execute()
        if rowid is not None and blob is not None:
            # The bucket keys are recomputed from the stored text, as the SQLite index does.
            text = zlib.decompress(blob).decode("utf-8", "surrogatepass")
            keys = sketch_text(text, self.params).index_keys()
            pipe = self._r.pipeline(transaction=False)
            for k in keys.tolist():
                pipe.zrem(self._bucket(k), rowid)
            for k in keys[is_term(keys)].tolist():
                pipe.hincrby(self._k(b"terms"), str(k), -1)
            pipe.execute()
        self._xor_fingerprint(fingerprint_term(doc_id, sha.decode()))
        return True

    def _doc_key(self, doc_id: str) -> bytes:
        return self._k(b"doc", doc_id.encode("utf-8", "surrogatepass"))

    def _vec_key(self, doc_id: str) -> bytes:
        return self._k(b"vec", doc_id.encode("utf-8", "surrogatepass"))

    def _bucket(self, key: int) -> bytes:
        return self._k(b"b", str(key).encode())

    def _xor_fingerprint(self, term: int) -> None:
        # WATCH/MULTI so concurrent writers do not lose each other's terms.
        meta = self._k(b"meta")
        with self._r.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(meta)
                    value = int(pipe.hget(meta, b"fingerprint") or b"0") ^ term
                    pipe.multi()
                    pipe.hset(meta, b"fingerprint", str(value))
                    pipe.execute()
                    return
                except Exception as exc:
                    if type(exc).__name__ != "WatchError":
                        raise

    # --- reading --------------------------------------------------------------------------

    @_guarded
    def __len__(self) -> int:
        return int(self._r.zcard(self._k(b"ids")))

    @_guarded
    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and bool(self._r.exists(self._doc_key(doc_id)))

    @_guarded
    def fingerprint(self) -> str:
        return f"{int(self._r.hget(self._k(b'meta'), b'fingerprint') or b'0'):032x}"

    @_guarded
    def info(self) -> dict[str, object]:
        b, r = lsh_params(self.params.doc_threshold, self.params.num_perm)
        pb, pr = lsh_params(self.params.passage_threshold, self.params.passage_num_perm)
        model = self._r.hget(self._k(b"meta"), b"xlang")
        return {"path": self.location, "backend": "redis", "format_version": FORMAT_VERSION,
                "documents": len(self), "fingerprint": self.fingerprint(),
                "params": self.params.to_dict() | {"doc_bands": [b, r], "passage_bands": [pb, pr]}
                } | ({"xlang": {"model": model.decode()}} if model is not None else {})

    @_guarded
    def ids(self) -> list[str]:
        return sorted(k.decode("utf-8", "surrogatepass") for k in self._r.zrange(self._k(b"ids"), 0, -1))

    @_guarded
    def list(self) -> Iterator[tuple[str, str | None, dict[str, str | None]]]:
        for doc_id in self.ids():
            path, meta = self._r.hmget(self._doc_key(doc_id), [b"path", b"meta"])
            if meta is not None:
                yield doc_id, (path.decode("utf-8", "surrogatepass") or None), json.loads(meta)

    @_guarded
    def get(self, doc_id: str) -> Document | None:
        fields = self._r.hmget(self._doc_key(doc_id), [b"path", b"format", b"meta", b"text"])
        if fields[3] is None:
            return None
        meta = json.loads(fields[2])
        line = meta.pop("line", None)
        return Document(id=doc_id, path=fields[0].decode("utf-8", "surrogatepass") or None,
                        format=fields[1].decode(), line=line, **meta,
                        text=zlib.decompress(fields[3]).decode("utf-8", "surrogatepass"))

    @_guarded
    def get_many(self, ids: list[str]) -> list[Document]:
        return [d for d in (self.get(i) for i in ids) if d is not None]

    @_guarded
    def signature(self, doc_id: str) -> np.ndarray | None:
        raw = self._r.hget(self._doc_key(doc_id), b"signature")
        return np.frombuffer(raw, dtype="<u4").astype(np.uint32) if raw is not None else None

    @_guarded
    def vectors(self, doc_id: str):
        """The document's stored xlang.DocumentVectors, None when it has none."""
        found = self._r.hmget(self._vec_key(doc_id),
                              [b"language", b"vector", b"spans", b"sentences"])
        if found[1] is None:
            return None
        xlang = _xlang()
        spans = xlang.decode_spans(found[2])
        sentences = xlang.decode_codes(found[3])
        if len(spans) != len(sentences):
            raise ValueError(f"{len(sentences)} sentence vectors for {len(spans)} sentences")
        return xlang.DocumentVectors(found[0].decode(), xlang.decode_codes(found[1])[0], spans,
                                     sentences)

    @_guarded
    def nearest(self, vector: np.ndarray, *, exclude_language: str | None = None,
                k: int = 10) -> list[tuple[str, float]]:
        """The k documents whose vectors are nearest `vector` by cosine (exact search), leaving
        out those in `exclude_language`; best first, with their cosines."""
        stamp = tuple(self._r.hmget(self._k(b"meta"), [b"fingerprint", b"vector_generation"]))
        if stamp[1] is None:
            return []
        table = self._vector_table
        if table is None or table.stamp != stamp:
            dim = _xlang().DIM
            ids, languages, codes = [], [], []
            all_ids = self.ids()
            pipe = self._r.pipeline(transaction=False)
            for doc_id in all_ids:
                pipe.hmget(self._vec_key(doc_id), [b"language", b"vector"])
            for doc_id, (language, code) in zip(all_ids, pipe.execute(), strict=True):
                if code is None:
                    continue
                if len(code) != dim:
                    raise ValueError(f"the document vector of {doc_id!r} is {len(code)} bytes")
                ids.append(doc_id)
                languages.append(language.decode())
                codes.append(code)
            table = self._vector_table = VectorTable(stamp, ids, languages, b"".join(codes), dim)
        return table.nearest(vector, exclude_language, k)

    @_guarded
    def candidates(self, query: Sketch, *, exclude: Iterable[str] = (), limit: int = 50,
                   min_score: int | None = None) -> list[Candidate]:
        """Documents sharing LSH buckets with the query, best first (storage.candidates.find)."""
        return candidates.find(self, query, exclude=exclude, limit=limit, min_score=min_score)

    # --- candidates.BucketStore -------------------------------------------------------------

    @_guarded
    def bucket_rows(self, keys: list[int], per_bucket: int) -> np.ndarray:
        pipe = self._r.pipeline(transaction=False)
        for k in keys:
            pipe.zrange(self._bucket(k), 0, per_bucket - 1, withscores=True)
        rows = [(k, int(score)) for k, members in zip(keys, pipe.execute(), strict=True)
                for _, score in members]
        return np.asarray(rows, dtype=np.int64).reshape(-1, 2)

    @_guarded
    def term_frequencies(self, keys: list[int]) -> np.ndarray:
        if not keys:
            return np.zeros(0, dtype=np.int64)
        found = self._r.hmget(self._k(b"terms"), [str(k) for k in keys])
        try:
            return np.asarray([int(v) if v is not None else 0 for v in found], dtype=np.int64)
        except ValueError:
            raise IndexError_(f"{self.location}: index is damaged (a term's document frequency "
                              "is not an integer); rebuild it") from None

    @_guarded
    def names(self, rowids: list[int]) -> dict[int, str]:
        if not rowids:
            return {}
        found = self._r.hmget(self._k(b"rowids"), [str(r).encode() for r in rowids])
        return {r: v.decode("utf-8", "surrogatepass") for r, v in zip(rowids, found, strict=True)
                if v is not None}

    @_guarded
    def texts(self, rowids: list[int]) -> Iterator[tuple[int, str]]:
        for rowid, doc_id in sorted(self.names(rowids).items()):
            blob = self._r.hget(self._doc_key(doc_id), b"text")
            if blob is not None:
                yield rowid, zlib.decompress(blob).decode("utf-8", "surrogatepass")


def _xlang():
    # Imported when vectors are used: the stage is optional.
    from .. import xlang

    return xlang


def _vector_fields(text: str) -> dict[str, bytes]:
    xlang = _xlang()
    found = xlang.vectorize(text)
    return {"language": found.language.encode(), "vector": xlang.encode_codes(found.vector),
            "spans": xlang.encode_spans(found.spans),
            "sentences": xlang.encode_codes(found.sentences)}
