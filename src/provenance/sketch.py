"""Shingles, MinHash signatures and LSH band keys, at document and passage level.

A shingle is a content unit (see text.content_units): the five-character stem of a content word,
or a character bigram in scripts written without spaces. Sets of stems, not word n-grams, because
a close paraphrase keeps most of its source's content words but few of its 5-grams (the seeds:
passage Jaccard 0.46-0.90 on stems, word 5-gram Jaccard 0.12 for the whole pair).

Signatures are datasketch MinHash values (scheme affine32 over xxh32 hashes of the shingles), so a
stored signature can be rebuilt as a `LeanMinHash` and compared with datasketch's own estimates.
Band counts come from datasketch's MinHashLSH parameter optimizer for the chosen threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xxhash

from .text import Segment, content_units, tokenize

DOC_LEVEL = 0
PASSAGE_LEVEL = 1


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) that datasketch's MinHashLSH picks for this threshold and num_perm."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


@lru_cache(maxsize=16)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def hash_units(units: list[str] | set[str] | frozenset[str]) -> np.ndarray:
    """xxh32 of each distinct unit, as uint32, sorted (so signatures do not depend on order)."""
    values = {xxhash.xxh32_intdigest(u.encode("utf-8", "surrogatepass")) for u in units}
    return np.fromiter(sorted(values), dtype=np.uint32, count=len(values))


_EMPTY = np.uint32(0xFFFFFFFF)


def signature(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash values identical to datasketch's
    `MinHash(num_perm, seed, hashfunc=xxh32_intdigest).update_batch(units)` (scheme affine32).

    Computed with numpy in one pass instead of one Python call per shingle; a test checks the
    values against datasketch itself.
    """
    from datasketch.minhash import _fmix

    a, b = _permutations(num_perm, seed)
    if hashes.size == 0:
        return np.full(num_perm, _EMPTY, dtype=np.uint32)
    # affine32: pre-mix the 32-bit hash once (MurmurHash3 finalizer), then a*h + b mod 2^32,
    # where uint32 wrap-around is the modulo.
    h = _fmix(hashes.astype(np.uint32), 32)
    return (np.outer(h, a) + b).min(axis=0).astype(np.uint32)


def band_keys(sig: np.ndarray, bands: int, rows: int, level: int) -> list[int]:
    """One signed 64-bit key per band (SQLite INTEGER), distinct across bands and levels."""
    keys = []
    for band in range(bands):
        chunk = sig[band * rows:(band + 1) * rows].tobytes()
        key = xxhash.xxh64_intdigest(bytes((level, band)) + chunk)
        keys.append(key - (1 << 63))
    return keys


@dataclass(frozen=True)
class Passage:
    """A window of consecutive scorable segments, the unit of passage-level retrieval."""

    number: int
    first: int  # index into the scorable segments
    last: int  # inclusive
    units: frozenset[str]


def scorable(segments: list[Segment], text: str) -> list[Segment]:
    return [s for s in segments if s.kind in ("sentence", "heading") and any(c.isalnum() for c in s.text)]


def passages(units_per_segment: list[list[str]], size: int, stride: int) -> list[Passage]:
    """Windows of `size` segments every `stride` segments; short documents give one window."""
    n = len(units_per_segment)
    if n == 0:
        return []
    starts = list(range(0, max(1, n - size + 1), stride))
    if starts[-1] + size < n:
        starts.append(n - size)
    out = []
    for number, first in enumerate(starts):
        last = min(n, first + size) - 1
        units = frozenset(u for seg in units_per_segment[first:last + 1] for u in seg)
        if units:
            out.append(Passage(number, first, last, units))
    return out


@dataclass(frozen=True)
class Sketch:
    """Everything retrieval needs of one document: its unit set, signatures and band keys."""

    units: frozenset[str]
    doc_signature: np.ndarray
    doc_keys: tuple[int, ...]
    passage_keys: tuple[tuple[int, tuple[int, ...]], ...]  # (passage number, keys)


@dataclass(frozen=True)
class SketchParams:
    num_perm: int = 128
    passage_num_perm: int = 64
    doc_threshold: float = 0.5
    passage_threshold: float = 0.3
    passage_sentences: int = 4
    passage_stride: int = 2
    seed: int = 1

    def to_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def segment_units(text: str, segments: list[Segment]) -> list[list[str]]:
    return [content_units(tokenize(text, s.start, s.end)) for s in segments]


def sketch(text: str, segments: list[Segment], params: SketchParams) -> Sketch:
    """Sketch a segmented document at document and passage level."""
    units = segment_units(text, scorable(segments, text))
    all_units = frozenset(u for seg in units for u in seg)
    doc_sig = signature(hash_units(all_units), params.num_perm, params.seed)
    b, r = lsh_params(params.doc_threshold, params.num_perm)
    doc_keys = tuple(band_keys(doc_sig, b, r, DOC_LEVEL))
    pb, pr = lsh_params(params.passage_threshold, params.passage_num_perm)
    pkeys = []
    for p in passages(units, params.passage_sentences, params.passage_stride):
        sig = signature(hash_units(p.units), params.passage_num_perm, params.seed)
        pkeys.append((p.number, tuple(band_keys(sig, pb, pr, PASSAGE_LEVEL))))
    return Sketch(all_units, doc_sig, doc_keys, tuple(pkeys))
