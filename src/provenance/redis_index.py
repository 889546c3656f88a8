"""A shared index on Redis: several processes or machines check against one corpus.

The LSH buckets are datasketch's own `MinHashLSH` with Redis storage (one LSH for documents, one
for passage windows), with `prepickle=False` and bytes keys, so nothing read back from Redis is
unpickled. Next to them, under the same basename, each document is a Redis hash of plain bytes:
zlib-compressed UTF-8 text, metadata as JSON, the MinHash signature as raw uint32 values.

    idx = open_index("corpus", backend="redis", redis_url="redis://127.0.0.1:6379/0")

`RedisIndex` has the methods of `index.Index` that `api.check` and the CLI use (add, remove, list,
ids, get, get_many, signature, candidates, info, fingerprint, len, in). A write is not one
transaction across Redis keys: a document's hash is written last when adding and first removed
when removing, so a reader never sees a document without its buckets, at worst buckets of a
document that is gone (ignored).
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterable, Iterator
from urllib.parse import urlparse

import numpy as np

from .documents import Document
from .errors import IndexError_
from .index import AddReport, Candidate, _fingerprint_term, default_index_path
from .sketch import SKETCH_VERSION, Signatures, Sketch, SketchParams, signatures_text

FORMAT_NAME = "provenance-redis-index"
FORMAT_VERSION = 1
_SEP = b"\x00"


def _client(url: str):
    try:
        import redis
    except ImportError:
        raise IndexError_("the redis back end needs the redis package: pip install 'provenance[redis]'") from None
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss", "unix"):
        raise IndexError_(f"{url}: not a Redis URL (redis://HOST:PORT/DB)")
    return redis.Redis.from_url(url)


def _storage(url: str, basename: bytes) -> dict:
    parsed = urlparse(url)
    db = int(parsed.path.strip("/") or 0) if parsed.scheme != "unix" else 0
    config: dict[str, object] = {"host": parsed.hostname or "127.0.0.1", "port": parsed.port or 6379, "db": db}
    if parsed.password:
        config["password"] = parsed.password
    return {"type": "redis", "basename": basename, "redis": config}


def _lean(values: np.ndarray, seed: int):
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=values, scheme="affine32")


class RedisIndex:
    """An index whose buckets, signatures and texts live in Redis under one basename."""

    def __init__(self, url: str, basename: str, params: SketchParams):
        from datasketch import MinHashLSH

        self.url, self.basename, self.params = url, basename, params
        self.location = f"{url}#{basename}"
        self._r = _client(url)
        base = basename.encode()
        self._k = lambda *parts: b":".join((base, *parts))
        self._doc_lsh = MinHashLSH(threshold=params.doc_threshold, num_perm=params.num_perm,
                                   storage_config=_storage(url, base + b":lsh:doc"), prepickle=False)
        self._psg_lsh = MinHashLSH(threshold=params.passage_threshold, num_perm=params.passage_num_perm,
                                   storage_config=_storage(url, base + b":lsh:passage"), prepickle=False)

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
        except Exception as exc:  # redis.ConnectionError and friends
            raise IndexError_(f"{url}: cannot reach Redis ({exc})") from None
        finally:
            client.close()
        if not meta:
            if not create:
                raise IndexError_(f"{url}: no provenance index under {basename!r}")
            params = params or SketchParams()
            index = cls(url, basename, params)
            index._r.hset(meta_key, mapping={
                "format": FORMAT_NAME, "version": str(FORMAT_VERSION),
                "sketch_version": str(SKETCH_VERSION),
                "params": json.dumps(params.to_dict(), sort_keys=True), "fingerprint": "0"})
            return index
        if meta.get("format") != FORMAT_NAME or meta.get("version") != str(FORMAT_VERSION) \
                or meta.get("sketch_version") != str(SKETCH_VERSION):
            raise IndexError_(f"{url}: {basename!r} holds another format or version of index; rebuild it")
        return cls(url, basename, SketchParams(**json.loads(meta["params"])))

    def close(self) -> None:
        self._r.close()

    def __enter__(self) -> RedisIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing --------------------------------------------------------------------------

    def add(self, documents: Iterable[Document], **_: object) -> AddReport:
        """Add or replace documents; unchanged ones are no-ops."""
        added = updated = unchanged = 0
        for doc in documents:
            meta_json = json.dumps(doc.metadata() | {"line": doc.line}, sort_keys=True)
            sha = doc.sha256
            old = self._r.hmget(self._doc_key(doc.id), [b"sha256", b"meta", b"path"])
            if old[0] is not None and old[0].decode() == sha and old[1].decode() == meta_json \
                    and (old[2] or b"").decode() == (doc.path or ""):
                unchanged += 1
                continue
            if old[0] is not None:
                self.remove(doc.id)
                updated += 1
            else:
                added += 1
            sigs = signatures_text(doc.text, self.params)
            key = doc.id.encode("utf-8", "surrogatepass")
            with self._doc_lsh.insertion_session() as session:
                session.insert(key, _lean(sigs.doc, self.params.seed), check_duplication=False)
            passage_keys = []
            with self._psg_lsh.insertion_session() as session:
                for number, row in enumerate(sigs.stored):
                    if row >= 0:
                        pkey = key + _SEP + str(number).encode()
                        session.insert(pkey, _lean(sigs.windows[row], self.params.seed),
                                       check_duplication=False)
                        passage_keys.append(pkey)
            pipe = self._r.pipeline(transaction=True)
            if passage_keys:
                pipe.rpush(self._k(b"passages", key), *passage_keys)
            pipe.hset(self._doc_key(doc.id), mapping={
                "id": key, "path": (doc.path or "").encode(), "format": doc.format, "sha256": sha,
                "meta": meta_json, "text": zlib.compress(doc.text.encode("utf-8", "surrogatepass"), 6),
                "signature": sigs.doc.astype("<u4").tobytes()})
            pipe.zadd(self._k(b"ids"), {key: 0})
            pipe.execute()
            self._xor_fingerprint(_fingerprint_term(doc.id, sha))
        return AddReport(added, updated, unchanged)

    def remove(self, doc_id: str) -> bool:
        key = doc_id.encode("utf-8", "surrogatepass")
        row = self._r.hget(self._doc_key(doc_id), b"sha256")
        if row is None:
            return False
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(self._doc_key(doc_id))
        pipe.zrem(self._k(b"ids"), key)
        pipe.lrange(self._k(b"passages", key), 0, -1)
        pipe.delete(self._k(b"passages", key))
        passage_keys = pipe.execute()[2]
        if key in self._doc_lsh:
            self._doc_lsh.remove(key)
        for pkey in passage_keys:
            if pkey in self._psg_lsh:
                self._psg_lsh.remove(pkey)
        self._xor_fingerprint(_fingerprint_term(doc_id, row.decode()))
        return True

    def _doc_key(self, doc_id: str) -> bytes:
        return self._k(b"doc", doc_id.encode("utf-8", "surrogatepass"))

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

    def __len__(self) -> int:
        return int(self._r.zcard(self._k(b"ids")))

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and bool(self._r.exists(self._doc_key(doc_id)))

    def fingerprint(self) -> str:
        return f"{int(self._r.hget(self._k(b'meta'), b'fingerprint') or b'0'):032x}"

    def info(self) -> dict[str, object]:
        from .sketch import lsh_params

        b, r = lsh_params(self.params.doc_threshold, self.params.num_perm)
        pb, pr = lsh_params(self.params.passage_threshold, self.params.passage_num_perm)
        return {"path": self.location, "backend": "redis", "format_version": FORMAT_VERSION,
                "documents": len(self), "fingerprint": self.fingerprint(),
                "params": self.params.to_dict() | {"doc_bands": [b, r], "passage_bands": [pb, pr]}}

    def ids(self) -> list[str]:
        return sorted(k.decode("utf-8", "surrogatepass") for k in self._r.zrange(self._k(b"ids"), 0, -1))

    def list(self) -> Iterator[tuple[str, str | None, dict[str, str | None]]]:
        for doc_id in self.ids():
            path, meta = self._r.hmget(self._doc_key(doc_id), [b"path", b"meta"])
            if meta is not None:
                yield doc_id, (path.decode() or None), json.loads(meta)

    def get(self, doc_id: str) -> Document | None:
        fields = self._r.hmget(self._doc_key(doc_id), [b"path", b"format", b"meta", b"text"])
        if fields[3] is None:
            return None
        meta = json.loads(fields[2])
        line = meta.pop("line", None)
        return Document(id=doc_id, path=fields[0].decode() or None, format=fields[1].decode(),
                        text=zlib.decompress(fields[3]).decode("utf-8", "surrogatepass"), line=line, **meta)

    def get_many(self, ids: list[str]) -> list[Document]:
        return [d for d in (self.get(i) for i in ids) if d is not None]

    def signature(self, doc_id: str) -> np.ndarray | None:
        raw = self._r.hget(self._doc_key(doc_id), b"signature")
        return np.frombuffer(raw, dtype="<u4").astype(np.uint32) if raw is not None else None

    def candidates(self, query: Sketch | Signatures, *, exclude: Iterable[str] = (), limit: int = 50,
                   min_score: int = 3) -> list[Candidate]:
        """Documents the LSH puts with the query: 4 for the document level, 1 per passage window
        pair; below `min_score` it is chance."""
        if isinstance(query, Sketch):
            if query.signatures is None:
                raise TypeError("this Sketch carries no signatures; use sketch.sketch or sketch_text")
            query = query.signatures
        hits: dict[str, list[int]] = {}
        for key in self._doc_lsh.query(_lean(query.doc, self.params.seed)):
            hits.setdefault(key.decode("utf-8", "surrogatepass"), [0, 0])[0] += 1
        for row in np.flatnonzero(query.filled):
            for pkey in self._psg_lsh.query(_lean(query.windows[row], self.params.seed)):
                doc_id = pkey.rsplit(_SEP, 1)[0].decode("utf-8", "surrogatepass")
                hits.setdefault(doc_id, [0, 0])[1] += 1
        excluded = set(exclude)
        found = [Candidate(0, d, h[0], h[1]) for d, h in hits.items()
                 if d not in excluded and h[0] * 4 + h[1] >= min_score]
        found.sort(key=lambda c: (-(c.doc_hits * 4 + c.passage_hits), c.id))
        return found[:limit]


def open_index(path: str | os.PathLike[str] | None = None, backend: str = "sqlite",
               redis_url: str | None = None, *, create: bool = False,
               params: SketchParams | None = None):
    """The index to use: an SQLite file (`path`, default location when None) or, with
    backend="redis", the index named `path` (default "provenance") on the Redis at `redis_url`."""
    if backend == "redis":
        if not redis_url:
            raise IndexError_("--backend redis needs --redis-url redis://HOST:PORT/DB")
        name = os.fspath(path) if path else "provenance"
        return RedisIndex.open(redis_url, name, create=create, params=params)
    if backend != "sqlite":
        raise IndexError_(f"unknown index back end {backend!r} (sqlite or redis)")
    from .index import Index

    return Index.open(path or default_index_path(), create=create, params=params)

