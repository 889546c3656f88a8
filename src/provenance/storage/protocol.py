"""The interface every storage back end implements, and what they share."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..documents import Document
from ..errors import IndexError_
from ..results import AddReport
from ..settings import SketchParams
from ..sketch import Sketch

if TYPE_CHECKING:
    from ..xlang import DocumentVectors


@dataclass(frozen=True)
class Candidate:
    """A document LSH put in a bucket with the query, before verification."""

    rowid: int
    id: str
    doc_hits: int
    passage_hits: int


@runtime_checkable
class Index(Protocol):
    """What every back end offers: the library, `check`, `ci`, `scan` and `index *` use only this.

    Every method raises IndexError_ when the store is damaged, unreachable or read-only (never
    an exception of the back end's driver, nor of json or zlib on what it read back), so the
    CLI reports one line and exit 3 whichever back end failed.
    """

    location: str
    params: SketchParams

    def add(self, documents: Iterable[Document], *, atomic: bool = False,
            embed: bool | None = None) -> AddReport: ...
    def remove(self, doc_id: str) -> bool: ...
    def __len__(self) -> int: ...
    def __contains__(self, doc_id: object) -> bool: ...
    def fingerprint(self) -> str: ...
    def info(self) -> dict[str, object]: ...
    def list(self) -> Iterator[tuple[str, str | None, dict[str, Any]]]: ...
    def ids(self) -> list[str]: ...
    def get(self, doc_id: str) -> Document | None: ...
    def get_many(self, ids: list[str]) -> list[Document]: ...
    def signature(self, doc_id: str) -> np.ndarray | None: ...
    def candidates(self, query: Sketch, *, exclude: Iterable[str] = (), limit: int = 50,
                   min_score: int | None = None) -> list[Candidate]: ...
    # Cross-language vectors (the xlang extra): stored at `add` when embed=True, and from then on
    # by every add to that index (embed=None); an index without them answers None and [].
    def vectors(self, doc_id: str) -> DocumentVectors | None: ...
    def nearest(self, vector: np.ndarray, *, exclude_language: str | None = None,
                k: int = 10) -> list[tuple[str, float]]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Index: ...
    def __exit__(self, *exc: object) -> None: ...


# A bucket lists its documents by read order: publication date where known (earliest first),
# then the order they were added, packed in one integer: days since 1899-12-31 above
# ROWID_BITS bits of rowid. Undated documents take day 0, so they come first, and an index of
# undated documents (most plain-text corpora) stores bare rowids (3-byte integers in SQLite
# rather than 6). A bucket read only up to its first documents therefore holds the earliest
# published: a story syndicated widely is found through its original even when its copies
# were indexed first.
ROWID_BITS = 30  # a billion documents; with 17 bits of days (to year 2258), a 6-byte integer
ROWID_MASK = (1 << ROWID_BITS) - 1
_EPOCH = datetime.date(1899, 12, 31).toordinal()
_LAST_DAY = (1 << 17) - 1
_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")


def check_rowid(rowid: int, location: str) -> None:
    """IndexError_ for a rowid read_order cannot hold (rowids are never reused: after a
    billion additions and updates the index must be rebuilt, which numbers from 1 again)."""
    if rowid > ROWID_MASK:
        raise IndexError_(f"{location}: the index has numbered {ROWID_MASK:,} documents; rebuild it "
                          "with `provenance index add --index NEW.db CORPUS...`")


def decode_common(stored: object) -> tuple[int, ...] | None:
    """An index's learned common units (sketch.learn_common) as stored: a JSON list of term
    keys, sorted; None for an index that has not learned them. ValueError when it is not."""
    if stored is None:
        return None
    data = json.loads(stored)
    if not isinstance(data, list) or not all(type(k) is int for k in data) or data != sorted(data):
        raise ValueError("not a sorted list of term keys")
    return tuple(data)


def read_order(published: str | None, rowid: int) -> int:
    """The position of a document in the buckets it is in (see ROWID_BITS)."""
    day = 0
    m = _DATE.match(published or "")
    if m:
        try:
            day = datetime.date(int(m[1]), int(m[2]), int(m[3])).toordinal() - _EPOCH
        except ValueError:
            day = 0
        day = min(_LAST_DAY, max(1, day)) if day else 0
    return (day << ROWID_BITS) | (rowid & ROWID_MASK)


def fingerprint_term(doc_id: str, sha: str) -> int:
    """A document's share of an index fingerprint (XOR of all: independent of insertion order)."""
    return int.from_bytes(hashlib.sha256(f"{doc_id}\0{sha}".encode()).digest()[:16], "big")


class VectorTable:
    """Every stored document vector as one int8 matrix, for an exact nearest-documents search.

    Loaded once per index object and reloaded when `stamp` (the back end's fingerprint and
    vector generation) changes. Scores are int8 dot products rescaled by each row's norm: the
    cosine of the query with the decoded vector. The matrix is multiplied in slices, so the
    float copy of the codes never exceeds SLICE rows.
    """

    SLICE = 16384

    def __init__(self, stamp: object, ids: list[str], languages: list[str], codes: bytes,
                 dim: int):
        self.stamp = stamp
        self.ids = ids
        self.languages = np.asarray(languages, dtype=object)
        self.codes = np.frombuffer(codes, dtype=np.int8).reshape(len(ids), dim)
        norms = np.sqrt(np.einsum("ij,ij->i", self.codes.astype(np.float32),
                                  self.codes.astype(np.float32))) if len(ids) else np.ones(0)
        self.inverse_norms = (1.0 / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def nearest(self, vector: np.ndarray, exclude_language: str | None, k: int
                ) -> list[tuple[str, float]]:
        if not self.ids or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).ravel()
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        scores = np.empty(len(self.ids), dtype=np.float32)
        for start in range(0, len(self.ids), self.SLICE):
            part = self.codes[start:start + self.SLICE].astype(np.float32)
            scores[start:start + self.SLICE] = part @ query
        scores *= self.inverse_norms
        if exclude_language is not None:
            scores[self.languages == exclude_language] = -np.inf
        k = min(k, int(np.isfinite(scores).sum()))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        # Ties by id, so both back ends answer alike.
        order = sorted(top.tolist(), key=lambda i: (-float(scores[i]), self.ids[i]))
        return [(self.ids[i], float(scores[i])) for i in order]
