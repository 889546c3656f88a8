"""The interface every storage back end implements, and what they share."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..documents import Document
from ..results import AddReport
from ..settings import SketchParams
from ..sketch import Sketch


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

    def add(self, documents: Iterable[Document], *, atomic: bool = False) -> AddReport: ...
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
    def close(self) -> None: ...
    def __enter__(self) -> Index: ...
    def __exit__(self, *exc: object) -> None: ...


def fingerprint_term(doc_id: str, sha: str) -> int:
    """A document's share of an index fingerprint (XOR of all: independent of insertion order)."""
    return int.from_bytes(hashlib.sha256(f"{doc_id}\0{sha}".encode()).digest()[:16], "big")
