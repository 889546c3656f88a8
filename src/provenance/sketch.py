"""Shingles, MinHash signatures and LSH band keys, at document and passage level.

A shingle is a content unit (see text.content_units): the five-character stem of a content word,
or a character bigram in scripts written without spaces. Sets of stems, not word n-grams, because
a close paraphrase keeps most of its source's content words but few of its 5-grams (the seeds:
passage Jaccard 0.46-0.90 on stems, word 5-gram Jaccard 0.12 for the whole pair).

Signatures are datasketch MinHash values (scheme affine32 over xxh32 hashes of the shingles), so a
stored signature can be rebuilt as a `LeanMinHash` and compared with datasketch's own estimates.
They are computed with numpy, all at once per document: every unit is hashed once, the affine
permutations are applied to all of a document's units in one matrix, and a passage's signature is
the element-wise minimum of its sentences' signatures (the MinHash of a union is the minimum of
the MinHashes), so overlapping windows cost almost nothing. Band counts are those datasketch's
MinHashLSH parameter optimizer picks for the chosen threshold (reimplemented, as are its
permutations, so that a check imports neither datasketch nor scipy; tests compare with both).

Passages: the index stores windows of `passage_sentences` scorable segments every
`passage_stride` segments; a query probes every window (stride 1), a superset, so a reused run of
at least passage_sentences + passage_stride - 1 sentences (7 by default), wherever it starts,
contains an indexed window that a probe covers exactly; a shorter run meets indexed windows in
part. The index keeps only 1/stride of the windows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import xxhash

from .results import Segment
from .settings import SketchParams
from .text import (
    PLAIN_TOKEN,
    STEMS,
    is_plain,
    plain_spans,
    scorable,
    scorable_spans,
    segment_units,
    units_fast,
)

# A key's two lowest bits say what it is: bit 0 set, a passage band; else bit 1 set, a term (one
# content unit, see term_keys); else a document band.
DOC_LEVEL = 0
PASSAGE_LEVEL = 1
TERM_LEVEL = 2
# Version of the unit/key computation: an index records it, and one built by another version is
# rebuilt rather than silently mixed (keys would not match). 5: term keys, two level bits,
# 47-bit keys. 6: common units left out of passage signatures (see COMMON_SHARE); an index of
# version 5 has the same keys as one of 6 that has not learned its common units, so it is read
# and becomes 6 when it learns them (a tool that reads only 5 then refuses it).
SKETCH_VERSION = 6
READS_SKETCH_VERSIONS = frozenset({"5", "6"})


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) that datasketch's MinHashLSH picks for this threshold and num_perm.

    Its optimiser (datasketch.lsh._optimal_param, weights 0.5/0.5) reimplemented without
    datasketch, whose LSH module imports scipy (over a second of a check's start-up): of every
    (b, r) with b * r <= num_perm, the first, in its order, that minimises the mean of the false
    positive probability (the integral of 1 - (1 - s^r)^b over [0, threshold]) and the false
    negative one (the integral of (1 - s^r)^b over [threshold, 1]). Both integrands are
    polynomials of degree b * r <= num_perm, which Gauss-Legendre with num_perm / 2 + 1 nodes
    integrates exactly, so the values agree with scipy's quad to about 1e-16: the nearest
    distinct errors seen are 1e-13 apart, exact ties (0.5 with 2 permutations) fall within
    _TIE and go to the first pair as in datasketch. A test checks the choice against datasketch
    for thresholds 0.05..0.95 and num_perm 2..16, 32..1024. The same ValueErrors as MinHashLSH.
    """
    if threshold > 1.0 or threshold < 0.0:
        raise ValueError("threshold must be in [0.0, 1.0]")
    if num_perm < 2:
        raise ValueError("Too few permutation functions")
    b, r = _optimal_param(float(threshold), int(num_perm))
    if b < 2:
        raise ValueError("The number of bands are too small (b < 2)")
    return b, r


# Errors closer than this are a tie (the first pair wins): above the integration's rounding
# (about 1e-16), below the smallest real gap between candidates (1.2e-13, at threshold 0.08).
_TIE = 1e-14


def _optimal_param(threshold: float, num_perm: int) -> tuple[int, int]:
    bands = np.concatenate([np.arange(1, num_perm + 1)[:num_perm // r] for r in range(1, num_perm + 1)])
    rows = np.repeat(np.arange(1, num_perm + 1), [num_perm // r for r in range(1, num_perm + 1)])
    order = np.lexsort((rows, bands))  # datasketch's order: b, then r
    bands, rows = bands[order], rows[order]
    nodes, weights = _gauss_legendre(max(32, num_perm // 2 + 8))
    powers = np.arange(1, num_perm + 1, dtype=np.float64)[:, None]
    # log(1 - s^r) at the nodes of each interval, one row per r.
    low = np.log1p(-(threshold * nodes)[None, :] ** powers)
    high = np.log1p(-(threshold + (1.0 - threshold) * nodes)[None, :] ** powers)
    b = bands.astype(np.float64)[:, None]
    false_positive = (-np.expm1(b * low[rows - 1]) @ weights) * threshold
    false_negative = (np.exp(b * high[rows - 1]) @ weights) * (1.0 - threshold)
    error = false_positive * 0.5 + false_negative * 0.5
    best = int(np.flatnonzero(error <= error.min() + _TIE)[0])
    return int(bands[best]), int(rows[best])


@lru_cache(maxsize=4)
def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of n-point Gauss-Legendre quadrature on [0, 1]: Newton's method on the
    Legendre polynomial P_n from the usual cosine guesses (no numpy.polynomial import)."""
    x = np.cos(np.pi * (np.arange(1, n + 1) - 0.25) / (n + 0.5))
    for _ in range(100):
        p, dp = _legendre(n, x)
        step = p / dp
        x = x - step
        if np.abs(step).max() < 1e-16:
            break
    _, dp = _legendre(n, x)
    return (1.0 - x) / 2.0, 1.0 / ((1.0 - x * x) * dp * dp)


def _legendre(n: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P_n(x), P_n'(x)) by the three-term recurrence."""
    p0, p1 = np.ones_like(x), x.copy()
    for j in range(2, n + 1):
        p0, p1 = p1, ((2 * j - 1) * x * p1 - (j - 1) * p0) / j
    return p1, n * (x * p1 - p0) / (x * x - 1.0)


@lru_cache(maxsize=16)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations (MinHash._init_permutations): odd multipliers a and
    offsets b drawn from RandomState(seed), without importing datasketch (a test compares)."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


_HASHES: dict[str, int] = {}


def _unit_hash(unit: str) -> int:
    # Units are few distinct stems repeated across documents (Zipf), so a bounded memo saves most
    # of the encode+hash calls.
    h = _HASHES.get(unit)
    if h is None:
        if len(_HASHES) > 500_000:
            _HASHES.clear()
        h = _HASHES[unit] = xxhash.xxh32_intdigest(unit.encode("utf-8", "surrogatepass"))
    return h


def hash_units(units: list[str] | set[str] | frozenset[str]) -> np.ndarray:
    """xxh32 of each distinct unit, as uint32, sorted (so signatures do not depend on order)."""
    values = {_unit_hash(u) for u in units}
    return np.fromiter(sorted(values), dtype=np.uint32, count=len(values))


_EMPTY = np.uint32(0xFFFFFFFF)


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's 32-bit finalizer, datasketch's affine32 pre-mix (datasketch.minhash._fmix).
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _affine(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """len(hashes) x num_perm matrix of permuted values; uint32 wrap-around is the modulo."""
    a, b = _permutations(num_perm, seed)
    return _fmix32(hashes.astype(np.uint32))[:, None] * a + b


def signature(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash values identical to datasketch's
    `MinHash(num_perm, seed, hashfunc=xxh32_intdigest).update_batch(units)` (scheme affine32).

    Computed with numpy in one pass instead of one Python call per shingle; a test checks the
    values against datasketch itself.
    """
    if hashes.size == 0:
        return np.full(num_perm, _EMPTY, dtype=np.uint32)
    return _affine(hashes, num_perm, seed).min(axis=0).astype(np.uint32)


_M64 = np.uint64(0x9E3779B97F4A7C15)


def band_keys_matrix(sigs: np.ndarray, bands: int, rows: int, level: int) -> np.ndarray:
    """Keys of every band of every signature row (n x bands int64), lowest bit = level.

    A numpy mix of the band's values (multiply-xorshift, wrapping uint64) instead of a hash call
    per band: keys only have to be equal for equal bands and spread otherwise.
    """
    n = sigs.shape[0]
    v = sigs[:, :bands * rows].reshape(n, bands, rows).astype(np.uint64)
    k = np.broadcast_to((np.arange(bands, dtype=np.uint64) + np.uint64(1 + 64 * level)) * _M64,
                        (n, bands)).copy()
    for j in range(rows):
        k ^= v[:, :, j]
        k *= _M64
        k ^= k >> np.uint64(29)
    return _finish_keys(k, level)


def _finish_keys(k: np.ndarray, level: int) -> np.ndarray:
    """Mixed uint64 values (changed in place) as keys: a last mix, cut to _KEY_MASK, the level
    in the low bits."""
    k *= np.uint64(0xBF58476D1CE4E5B9)
    k ^= k >> np.uint64(32)
    k = (k & _KEY_MASK) | np.uint64(level)
    return k.view(np.int64)


# Keys keep 47 bits (two of them the level): SQLite stores an integer below 2**47 in 6 bytes
# instead of 8, two bytes saved on each of an article's ~190 bucket rows. Collisions: at
# 100,000 articles and ~10 million distinct keys of one level, about one pair of keys is
# expected to collide (n^2 / 2^46), which merges two buckets: a chance hit, no lost one.
_KEY_MASK = np.uint64(((1 << 47) - 1) & ~3)


def term_keys(hashes: np.ndarray) -> np.ndarray:
    """The term key (int64, level TERM_LEVEL) of each unit hash: a term's bucket lists the
    documents that contain that content unit, an inverted index whose bucket sizes are the
    units' document frequencies (what candidates.find weights shared terms by)."""
    k = (hashes.astype(np.uint64) + np.uint64(1)) * _M64
    k ^= k >> np.uint64(29)
    return _finish_keys(k, TERM_LEVEL)


def is_term(keys: np.ndarray) -> np.ndarray:
    """Which of these int64 keys are term keys."""
    return (keys & 3) == TERM_LEVEL


def key_level(key: int) -> int:
    return PASSAGE_LEVEL if key & 1 else key & 2


@dataclass(frozen=True)
class Passage:
    """A window of consecutive scorable segments, the unit of passage-level retrieval."""

    number: int
    first: int  # index into the scorable segments
    last: int  # inclusive
    units: frozenset[str]


def window_starts(n: int, size: int, stride: int) -> list[int]:
    """First segments of the windows of `size` segments every `stride` segments, the last window
    ending at the last segment; a document shorter than a window gives one window."""
    if n == 0:
        return []
    starts = list(range(0, max(1, n - size + 1), stride))
    if starts[-1] + size < n:
        starts.append(n - size)
    return starts


def passages(units_per_segment: list[list[str]], size: int, stride: int) -> list[Passage]:
    """Windows of `size` segments every `stride` segments; short documents give one window."""
    n = len(units_per_segment)
    out = []
    for number, first in enumerate(window_starts(n, size, stride)):
        last = min(n, first + size) - 1
        units = frozenset(u for seg in units_per_segment[first:last + 1] for u in seg)
        if units:
            out.append(Passage(number, first, last, units))
    return out


@dataclass(frozen=True)
class Sketch:
    """Everything retrieval needs of one document: its unit set, signatures and band keys.

    `passage_keys` are the indexed windows (stride `passage_stride`); `query_keys` are the keys a
    query probes: the document's bands and those of every window (stride 1).
    """

    units: frozenset[str]
    doc_signature: np.ndarray
    doc_keys: tuple[int, ...]
    passage_keys: tuple[tuple[int, tuple[int, ...]], ...]  # (passage number, keys)
    query_keys: tuple[int, ...] = field(default=(), compare=False)
    signatures: Signatures | None = field(default=None, compare=False, repr=False)
    term_keys: tuple[int, ...] = ()  # one per distinct unit, sorted

    def band_keys(self) -> np.ndarray:
        """Distinct band keys (document and stored passage windows; int64, sorted)."""
        keys = list(self.doc_keys)
        for _, ks in self.passage_keys:
            keys.extend(ks)
        return np.unique(np.asarray(keys, dtype=np.int64))

    def index_keys(self) -> np.ndarray:
        """Distinct keys an index stores for this document: its band keys and its term keys
        (int64, sorted)."""
        return np.union1d(self.band_keys(), np.asarray(self.term_keys, dtype=np.int64))


class _HashTable(dict):
    """unit -> xxh32 of its UTF-8 bytes; units are few distinct stems repeated across documents."""

    def __missing__(self, unit: str) -> int:
        if len(self) > 500_000:
            self.clear()
        h = self[unit] = xxhash.xxh32_intdigest(unit.encode("utf-8", "surrogatepass"))
        return h


_UNIT_HASHES = _HashTable()


# Common units. Two-row passage bands meet wherever two windows share their two minimum units,
# and where a few hundred units are in most windows (a language's function words that no list
# here knows, a corpus's house vocabulary) those buckets grow with the corpus: at 100,000
# articles of Zipf-distributed invented words, planted paraphrases shared 24 to 54 passage
# buckets with their source, nearly all holding more than candidates.BUCKET_READ documents, and
# 22 of 100 were missed. So an index, once it holds COMMON_LEARN_AT documents, learns the units
# in more than COMMON_SHARE of its first COMMON_LEARN_AT (by the order they were added: the same
# documents whatever the back end, the number of workers or the moment it learns) and leaves
# them out of every passage signature from then on, its earlier documents re-sketched;
# document signatures and term keys keep every unit. Measured at 100,000 (docs/scale.md):
# paraphrases found 78 -> 98 of 100 (Zipf words) and 96 -> 99 (news-like), check p95 down.
# Learned once and kept: passage keys of one index must all leave out the same units, whatever
# it holds later. A smaller index never learns (none of the real evaluation sets reaches 5,000
# documents, so their figures do not move).
COMMON_SHARE = 0.05
COMMON_LEARN_AT = 5000


def unit_frequencies(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct unit hashes of these texts, sorted; how many of the texts hold each)."""
    if not texts:
        return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.int64)
    hashes, _, _, doc_units = _chunk_units(texts)
    # A sort and run lengths, not np.unique (which took 1.5 of 3.2 s for 5,000 articles).
    held = np.sort(_distinct_units(hashes, doc_units)[1])
    starts = np.flatnonzero(np.concatenate(([True], held[1:] != held[:-1]))) if held.size else \
        np.empty(0, dtype=np.int64)
    return held[starts], np.diff(np.append(starts, held.size))


def _distinct_units(hashes: np.ndarray, doc_units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(document, unit hash) of each document's distinct units, by document then hash, from the
    unit hashes of consecutive documents (doc_units of each): (document, hash) pairs sorted as
    one number and their repeats dropped (np.unique was twenty times slower here)."""
    owner = np.repeat(np.arange(doc_units.size, dtype=np.uint64), doc_units)
    pairs = np.sort((owner << np.uint64(32)) | hashes.astype(np.uint64))
    first = np.ones(pairs.size, dtype=bool)
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    pairs = pairs[first]
    return (pairs >> np.uint64(32)).astype(np.int64), (pairs & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def learn_common(frequencies: Iterable[tuple[np.ndarray, np.ndarray]], documents: int) -> tuple[int, ...]:
    """The term keys (sorted) of the content units in more than COMMON_SHARE of `documents`,
    from unit_frequencies of parts of them."""
    parts = list(frequencies)
    if not parts:
        return ()
    hashes = np.concatenate([h for h, _ in parts])
    counts = np.concatenate([c for _, c in parts])
    distinct, inverse = np.unique(hashes, return_inverse=True)
    totals = np.bincount(inverse, weights=counts, minlength=distinct.size)
    return tuple(sorted(term_keys(distinct[totals > COMMON_SHARE * documents]).tolist()))


@lru_cache(maxsize=8)
def _common_array(common: tuple[int, ...]) -> np.ndarray:
    return np.asarray(common, dtype=np.int64)


def _passage_part(hashes: np.ndarray, counts: np.ndarray, common: tuple[int, ...]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, units per segment) without the common units: what passage signatures are made
    of (counts: the units of each segment, in order, over `hashes`)."""
    if not common or hashes.size == 0:
        return hashes, counts
    keep = ~np.isin(term_keys(hashes), _common_array(common))
    kept = np.zeros(hashes.size + 1, dtype=np.int64)
    np.cumsum(keep, out=kept[1:])
    ends = np.cumsum(counts)
    return hashes[keep], kept[ends] - kept[ends - counts]


def _sliding_min(rows: np.ndarray, size: int) -> np.ndarray:
    """Row i = element-wise minimum of rows[i:i+size] (one row when there are fewer rows)."""
    n = rows.shape[0]
    if n <= size:
        return rows.min(axis=0, keepdims=True)
    out = rows[:n - size + 1].copy()
    for j in range(1, size):
        np.minimum(out, rows[j:n - size + 1 + j], out=out)
    return out


@dataclass(frozen=True)
class Signatures:
    """A document's MinHash values: the whole document (num_perm), and every passage window
    (stride 1, passage_num_perm); `stored` picks the windows an index stores."""

    units: frozenset[str]
    doc: np.ndarray
    windows: np.ndarray  # one row per window start 0..n-size (one row for a short document)
    filled: np.ndarray  # bool per window: it has at least one unit
    stored: tuple[int, ...]  # window rows stored, one per passage number (-1: empty passage)


def _signatures(units: list[list[str]], params: SketchParams) -> Signatures:
    n = len(units)
    counts = np.fromiter(map(len, units), dtype=np.int64, count=n)
    total = int(counts.sum())
    flat_units = [u for seg in units for u in seg]
    all_units = frozenset(flat_units)
    flat = np.fromiter(map(_UNIT_HASHES.__getitem__, flat_units), dtype=np.uint32, count=total)
    doc_sig = signature(np.unique(flat), params.num_perm, params.seed)
    if total == 0:
        empty = np.empty((0, params.passage_num_perm), dtype=np.uint32)
        return Signatures(all_units, doc_sig, empty, np.empty(0, dtype=bool), ())
    # One row per segment: the MinHash of its units (EMPTY for a segment without units); a
    # window's MinHash is the minimum of its rows.
    flat, counts = _passage_part(flat, counts, params.common)
    values = _affine(flat, params.passage_num_perm, params.seed)
    seg_sigs = np.full((n, params.passage_num_perm), _EMPTY, dtype=np.uint32)
    nonempty = counts > 0
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    seg_sigs[nonempty] = np.minimum.reduceat(values, offsets[nonempty], axis=0)
    size = params.passage_sentences
    windows = _sliding_min(seg_sigs, size)
    filled = _sliding_min(-counts[:, None], size)[:, 0] < 0
    last = len(windows) - 1
    stored = tuple(min(start, last) if filled[min(start, last)] else -1
                   for start in window_starts(n, size, params.passage_stride))
    return Signatures(all_units, doc_sig, windows, filled, stored)


def _build(units: list[list[str]], params: SketchParams) -> Sketch:
    sigs = _signatures(units, params)
    b, r = lsh_params(params.doc_threshold, params.num_perm)
    doc_key_array = band_keys_matrix(sigs.doc[None, :], b, r, DOC_LEVEL)[0]
    doc_keys = tuple(doc_key_array.tolist())
    terms = tuple(np.unique(term_keys(hash_units(sigs.units))).tolist())
    if not sigs.stored:
        return Sketch(sigs.units, sigs.doc, doc_keys, (), doc_keys, sigs, terms)
    pb, pr = lsh_params(params.passage_threshold, params.passage_num_perm)
    keys = band_keys_matrix(sigs.windows, pb, pr, PASSAGE_LEVEL)
    passage_keys = tuple((number, tuple(keys[row].tolist()))
                         for number, row in enumerate(sigs.stored) if row >= 0)
    query = np.concatenate((doc_key_array, keys[sigs.filled].ravel()))
    return Sketch(sigs.units, sigs.doc, doc_keys, passage_keys, tuple(np.unique(query).tolist()),
                  sigs, terms)


def signatures_text(text: str, params: SketchParams) -> Signatures:
    """The MinHash values behind `sketch_text` (for back ends that do their own banding)."""
    return _signatures(units_fast(text, scorable_spans(text)), params)


def sketch(text: str, segments: list[Segment], params: SketchParams) -> Sketch:
    """Sketch a segmented document at document and passage level."""
    return _build(segment_units(text, scorable(segments, text)), params)


def sketch_text(text: str, params: SketchParams) -> Sketch:
    """The same sketch as `sketch(text, segment(text), params)`, computed straight from the text
    (about three times faster): what indexing uses."""
    return _build(units_fast(text, scorable_spans(text)), params)


# --- the bulk path: many documents at once, for index building ------------------------------

# Bytes of permuted values computed at a time: blocks of whole permutation rows that stay in the
# (1 MB per core) L2 cache between the multiply, the add and the minimum.
_BLOCK_BYTES = 1 << 19


def _minima(mixed: np.ndarray, starts: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """len(starts) x num_perm: the MinHash values of each run mixed[starts[i]:starts[i + 1]]
    of fmix-ed hashes (the last run ends at the end; every run must be non-empty).

    Permuted values are computed transposed (one row per permutation), so a run's minimum is taken
    along a contiguous row, and a few rows at a time into one buffer: a whole chunk's matrix is
    megabytes that would be written to memory and read back."""
    a, b = _permutations(num_perm, seed)
    out = np.empty((num_perm, starts.size), dtype=np.uint32)
    rows = max(1, min(num_perm, _BLOCK_BYTES // (4 * max(1, mixed.size))))
    buf = np.empty((rows, mixed.size), dtype=np.uint32)
    for i in range(0, num_perm, rows):
        block = buf[:min(rows, num_perm - i)]
        np.multiply(a[i:i + rows, None], mixed[None, :], out=block)
        np.add(block, b[i:i + rows, None], out=block)
        np.minimum.reduceat(block, starts, axis=1, out=out[i:i + rows])
    return out.T


def index_entries(texts: list[str], params: SketchParams) -> list[tuple[bytes, bytes]]:
    """(document signature as uint32 bytes, `Sketch.index_keys()` as int64 bytes: band and term
    keys) of each text,
    equal to what `sketch_text` gives (a test checks), with the numpy work done once for all
    the texts instead of once per text: what index building uses."""
    return [(sig, keys) for sig, keys, _, _ in _bulk(texts, params, probes=False)]


def scan_entries(texts: list[str], params: SketchParams) -> list[tuple[bytes, bytes, bytes, bytes]]:
    """(`band_keys()`, `query_keys`, sorted distinct unit hashes as uint32, document signature
    as uint32) of each text, as bytes, equal to what `sketch_text` gives (a test checks): what
    `scan` uses."""
    return [(keys, probe, hashes, sig) for sig, keys, probe, hashes in _bulk(texts, params, probes=True)]


def _window_rows(n_segs: np.ndarray, first_seg: np.ndarray, doc_units: np.ndarray, size: int,
                 stride: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """(document, start, segment rows of each window) of the windows every `stride` segments
    (stride 1: every window a query probes) of documents that have units."""
    win_doc: list[int] = []
    win_start: list[int] = []
    for d in range(len(n_segs)):
        if doc_units[d] == 0:
            continue  # no units, no window (sketch: `total == 0`)
        n = int(n_segs[d])
        starts = window_starts(n, size, stride) if stride > 1 else list(range(max(1, n - size + 1)))
        win_doc.extend([d] * len(starts))
        win_start.extend(starts)
    wd = np.asarray(win_doc, dtype=np.int64)
    ws = np.asarray(win_start, dtype=np.int64)
    last_row = first_seg[wd] + n_segs[wd] - 1
    return wd, ws, [np.minimum(first_seg[wd] + ws + j, last_row) for j in range(size)]


def _starts(lengths: np.ndarray) -> np.ndarray:
    """Offsets of consecutive runs of these lengths."""
    starts = np.zeros(lengths.size, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def _doc_sorted_unique(key_doc: np.ndarray, keys: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """(keys, bounds): each document's distinct keys, sorted, in keys[bounds[d]:bounds[d+1]]."""
    # Sorted by key, then stably by document (a radix sort for small document numbers): five
    # times faster than np.lexsort.
    order = np.argsort(keys)
    doc_type = np.int16 if n_docs < 1 << 15 else np.int64
    order = order[np.argsort(key_doc[order].astype(doc_type), kind="stable")]
    key_doc, keys = key_doc[order], keys[order]
    keep = np.ones(keys.size, dtype=bool)
    keep[1:] = (keys[1:] != keys[:-1]) | (key_doc[1:] != key_doc[:-1])
    key_doc, keys = key_doc[keep], keys[keep]
    return keys, np.searchsorted(key_doc, np.arange(n_docs + 1))


# Codes of the words of a plain text: the xxh32 of the word's unit, or one of these.
_STOP = -1  # a stopword: a token without a unit
_NO_TOKEN = -2  # apostrophes alone
_SEP = -3  # the end of a span
_MULTI = -4  # several tokens run together by apostrophes ("a''b"): tokenize the text again


class _CodeTable(dict):
    """A word of a plain text (lower-cased ASCII bytes, as _WORD_BYTES and split cut it) -> its
    code; one lookup per word replaces stemming, joining, splitting and hashing."""

    def __missing__(self, word: bytes) -> int:
        if len(self) > 500_000:
            self.clear()
        if word == b"\x00":
            code = _SEP
        else:
            # Apostrophes are kept in words, so PLAIN_TOKEN decides what they join or drop.
            tokens = PLAIN_TOKEN.findall(word.decode("ascii"))
            if len(tokens) == 1:
                unit = STEMS[tokens[0]]
                code = _UNIT_HASHES[unit] if unit else _STOP
            else:
                code = _MULTI if tokens else _NO_TOKEN
        self[word] = code
        return code


_CODES = _CodeTable()
# Letters lower-cased; digits, apostrophes and NUL (the span separator) kept; every other byte,
# including the "?" that stands for a plain text's non-ASCII character, a space.
_WORD_BYTES = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or 48 <= c <= 57 or c in b"'\x00"
                    else 32 for c in range(256))


def _text_codes(text: str) -> tuple[np.ndarray, int]:
    """(codes, number of spans): the codes of the words of each candidate span of the text, each
    span followed by _SEP. A span without a letter or digit has no token code (_STOP or a hash):
    the caller drops it, as scorable_spans does."""
    if is_plain(text):
        spans = plain_spans(text)
        joined = " \x00 ".join([text[s:e] for s, e in spans] + [""])
        words = joined.replace("\u2019", "'").encode("ascii", "replace").translate(_WORD_BYTES).split()
        codes = np.fromiter(map(_CODES.__getitem__, words), dtype=np.int64, count=len(words))
        if not codes.size or codes.min() > _MULTI:
            return codes, len(spans)
    spans = scorable_spans(text)
    # These spans are scorable already: a leading _STOP keeps even one without units.
    out: list[int] = []
    for units in units_fast(text, spans):
        out.append(_STOP)
        out.extend(map(_UNIT_HASHES.__getitem__, units))
        out.append(_SEP)
    return np.array(out, dtype=np.int64), len(spans)


def _chunk_units(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(unit hashes of all the texts in order, units per scorable segment, scorable segments per
    text, units per text) as sketch_text's units would give them."""
    parts, n_spans = zip(*map(_text_codes, texts), strict=True)
    codes = np.concatenate(parts)
    ends = np.flatnonzero(codes == _SEP)  # one per span: each run [start, end] holds its _SEP,
    starts = np.zeros(ends.size, dtype=np.intp)  # so none is empty (as reduceat needs)
    starts[1:] = ends[:-1] + 1
    unit = codes >= 0
    if ends.size:
        scorable = np.logical_or.reduceat(codes >= _STOP, starts)
        units_per_span = np.add.reduceat(unit, starts, dtype=np.intp)
    else:
        scorable, units_per_span = np.zeros(0, dtype=bool), np.zeros(0, dtype=np.intp)
    span_text = np.repeat(np.arange(len(texts)), n_spans)
    doc_units = np.zeros(len(texts), dtype=np.intp)
    np.add.at(doc_units, span_text, units_per_span)
    return (codes[unit].astype(np.uint32), units_per_span[scorable],
            np.bincount(span_text[scorable], minlength=len(texts)), doc_units)


def _bulk(texts: list[str], params: SketchParams, probes: bool
          ) -> list[tuple[bytes, bytes, bytes, bytes]]:
    if not texts:
        return []
    size, stride = params.passage_sentences, params.passage_stride
    n_docs = len(texts)
    all_hashes, counts, n_segs, doc_units = _chunk_units(texts)
    mixed = _fmix32(all_hashes)

    # Document signatures: the minimum over all of a document's units (a repeated unit changes
    # no minimum, so the hashes need not be made distinct first).
    doc_sigs = np.full((n_docs, params.num_perm), _EMPTY, dtype=np.uint32)
    present = doc_units > 0
    if all_hashes.size:
        doc_sigs[present] = _minima(mixed, _starts(doc_units[present]), params.num_perm, params.seed)
    b, r = lsh_params(params.doc_threshold, params.num_perm)
    doc_keys = band_keys_matrix(doc_sigs, b, r, DOC_LEVEL)

    # Passage windows: one signature per segment, a stored window is the minimum of its rows.
    passage_hashes, counts = _passage_part(all_hashes, counts, params.common)
    passage_mixed = mixed if passage_hashes is all_hashes else _fmix32(passage_hashes)
    seg_sigs = np.full((counts.size, params.passage_num_perm), _EMPTY, dtype=np.uint32)
    nonempty = counts > 0
    if passage_hashes.size:
        seg_sigs[nonempty] = _minima(passage_mixed, _starts(counts[nonempty]), params.passage_num_perm,
                                     params.seed)
    first_seg = np.concatenate(([0], np.cumsum(n_segs)[:-1]))
    pb, pr = lsh_params(params.passage_threshold, params.passage_num_perm)

    def window_keys(stride: int) -> tuple[np.ndarray, np.ndarray]:
        wd, _, rows = _window_rows(n_segs, first_seg, doc_units, size, stride)
        win_sigs = seg_sigs[rows[0]]
        win_units = counts[rows[0]].copy()
        for j in range(1, size):
            np.minimum(win_sigs, seg_sigs[rows[j]], out=win_sigs)
            win_units += counts[rows[j]]
        filled = win_units > 0
        return wd[filled], band_keys_matrix(win_sigs[filled], pb, pr, PASSAGE_LEVEL)

    unit_doc, unit_hashes = _distinct_units(all_hashes, doc_units)

    doc_of_key = np.repeat(np.arange(n_docs, dtype=np.int64), b)
    wd, win_keys = window_keys(stride)
    band_doc = np.concatenate((doc_of_key, np.repeat(wd, pb)))
    band_keys = np.concatenate((doc_keys.ravel(), win_keys.ravel()))
    if probes:
        keys, bounds = _doc_sorted_unique(band_doc, band_keys, n_docs)
        wd, win_keys = window_keys(1)
        pkeys, pbounds = _doc_sorted_unique(np.concatenate((doc_of_key, np.repeat(wd, pb))),
                                            np.concatenate((doc_keys.ravel(), win_keys.ravel())), n_docs)
        hbounds = np.searchsorted(unit_doc, np.arange(n_docs + 1))
        return [(doc_sigs[d].tobytes(), keys[bounds[d]:bounds[d + 1]].tobytes(),
                 pkeys[pbounds[d]:pbounds[d + 1]].tobytes(),
                 unit_hashes[hbounds[d]:hbounds[d + 1]].tobytes()) for d in range(n_docs)]
    keys, bounds = _doc_sorted_unique(np.concatenate((band_doc, unit_doc)),
                                      np.concatenate((band_keys, term_keys(unit_hashes))), n_docs)
    return [(doc_sigs[d].tobytes(), keys[bounds[d]:bounds[d + 1]].tobytes(), b"", b"") for d in range(n_docs)]
