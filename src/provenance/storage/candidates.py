"""Candidate retrieval, the same rules for every storage back end.

A back end stores, for each key, the documents that have it, in read order (publication date,
then the order they were added: protocol.read_order): LSH band keys of each document and of its
passage windows, and term keys (one per content unit, while the term is in at most TERM_CAP
documents), with every term's document frequency. `find` reads the query's buckets through the
back end's `BucketStore` methods, scores documents by the uncrowded bands they share, verifies
the ones with only local or weak evidence on their window signatures, adds the documents that
share enough rare terms, and names the best. The rules live here once, so an SQLite index and
a shared Redis index give the same candidates for the same documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import numpy as np

from ..settings import SketchParams
from ..sketch import (
    PASSAGE_LEVEL,
    Signatures,
    Sketch,
    band_keys_matrix,
    lsh_params,
    signatures_text,
)
from .protocol import ROWID_MASK, Candidate

MIN_SCORE = 6  # a document's score below which a shared bucket is chance (see find)
BUCKET_READ = 20  # documents of one bucket that find reads (the first in read order)
CROWDED_DOC_BANDS = 3  # document bands a near-duplicate shares, crowded buckets included
# Weak evidence: where most buckets are crowded, a reworded source shares few uncrowded ones
# (3 to 5 passage bands for 7 of 50 planted paraphrases on 20,000 Zipf-word articles, where
# chance documents share up to 5). Of the documents below the minimum score that share
# WEAK_MIN_KEYS uncrowded passage bands, the WEAK_LIMIT with most are verified on their full
# window signatures: a candidate when some window pair's MinHash Jaccard estimate reaches
# WEAK_VERIFY (planted paraphrases there: 0.45 and up; chance documents: median 0.25, 90th
# percentile 0.28). At most WEAK_LIMIT texts are sketched again per check (about 1 ms each).
WEAK_MIN_KEYS = 3
WEAK_VERIFY = 0.4
WEAK_LIMIT = 10
LOCAL_MIN_KEYS = 4  # passage bands shared around one query sentence that are not chance
# A short query (a newspaper story of a few sentences: COUNTER's median is 6 segments, 3 windows)
# probes so few windows that its source shares one or two passage bands with it, not 3: on the
# COUNTER dev retrieval task the true source of 39 of 141 derived stories shared exactly 1 or 2
# (benchmarks/eval_counter.py). Queries of at most SHORT_QUERY_WINDOWS windows take this
# minimum; longer ones (every generated benchmark article, PAN documents) keep 3 and up.
SHORT_QUERY_WINDOWS = 7
SHORT_QUERY_MIN_SCORE = 1
# Rare shared terms (one content unit each; see sketch.term_keys). A term in more than TERM_CAP
# documents is common wording in any language, with or without a stop-word list: an index
# stores the postings of a term's first TERM_CAP documents only, and counts them all (its
# document frequency), and a check reads the postings of rare terms only. The rare weigh their inverse
# document frequency, and a document whose shared rare terms carry TERM_MIN of the weight of
# all the query's terms, and at least TERM_RELATIVE of the best document's, is a candidate (the
# best TERM_LIMIT, after those the bands found). On COUNTER's retrieval task
# (benchmarks/eval_counter.py) the bands missed the true source of 36 of 141 derived newspaper
# stories, short rewrites that share words but few runs of them; by shared rare terms every true
# source of a derived story carries 0.099 or more and 0.62 of the best or more (ranked 9th at
# worst among 200 same-period agency stories), while unrelated generated articles share 0.1-0.2
# through common topic words, so the relative rule is what keeps them out of alignment.
TERM_CAP = 64
TERM_MIN = 0.08
TERM_RELATIVE = 0.5
TERM_LIMIT = 10


class BucketStore(Protocol):
    """What `find` needs of a back end."""

    params: SketchParams

    def bucket_rows(self, keys: list[int], per_bucket: int) -> np.ndarray:
        """(key, read order) rows, an int64 array of shape (n, 2): at most `per_bucket`
        documents of each bucket, the first in read order (protocol.read_order: publication
        date, then the order they were added; the rowid is its low ROWID_BITS bits)."""

    def names(self, rowids: list[int]) -> dict[int, str]:
        """rowid -> document id, for those still stored."""

    def texts(self, rowids: list[int]) -> Iterator[tuple[int, str]]:
        """(rowid, text) of those still stored."""

    def __len__(self) -> int:
        """Documents stored."""

    def term_frequencies(self, keys: list[int]) -> np.ndarray:
        """The number of documents holding each term key (int64, 0 for none). A term's bucket
        holds the first TERM_CAP of them only."""


def find(store: BucketStore, query: Sketch, *, exclude: Iterable[str] = (), limit: int = 50,
         min_score: int | None = None) -> list[Candidate]:
    """Documents sharing LSH buckets with the query, most shared buckets first, then those
    sharing enough rare terms (see TERM_MIN).

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
        floor = SHORT_QUERY_MIN_SCORE if windows <= SHORT_QUERY_WINDOWS else 3
        min_score = min(MIN_SCORE, max(floor, round(windows / 5)))
    keys = list(query.query_keys) or sorted(
        set(query.doc_keys) | {k for _, ks in query.passage_keys for k in ks})
    # A bucket is read up to BUCKET_READ documents, the first in read order (publication date,
    # then the order they were added: storage.protocol.read_order), plus one to tell whether it
    # holds more. A bucket holding more is crowded: common wording in this corpus, whatever
    # the language, and no evidence of reuse by itself. Its passage bands are not counted,
    # and its document bands only for a document that shares CROWDED_DOC_BANDS document bands
    # with the query (a near-duplicate: at resemblance 0.7 it shares 4 of the 25 bands on
    # average, at 0.3 a chance document 0.06). On 20,000 articles of invented Zipf-distributed
    # words, where most passage buckets are crowded, chance documents reached scores of 10 to
    # 60 through crowded buckets and all 50 candidate places were aligned on every check;
    # counting only uncrowded passage bands, they score 5 at most (99.9th percentile) while
    # planted paraphrases and partial reuse score 5 or 6 and more (benchmarks/bench_query.py,
    # docs/scale.md). A story syndicated widely keeps its original: the original is read first
    # in every crowded bucket when its date is the earliest, and it is a near-duplicate.
    pairs = store.bucket_rows(keys, BUCKET_READ + 1)
    # In (key, read order) order, as one "key IN (...)" query returns them: ties below rank by it.
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    _, starts, sizes = np.unique(pairs[:, 0], return_index=True, return_counts=True)
    position = np.arange(len(pairs)) - np.repeat(starts, sizes)
    crowded = np.repeat(sizes > BUCKET_READ, sizes)[position < BUCKET_READ]
    pairs = pairs[position < BUCKET_READ]
    excluded = set(exclude)
    terms = _by_terms(store, query, excluded)
    if not len(pairs):
        return terms[:min(limit, TERM_LIMIT)]
    # Counted with numpy, per document in order of first appearance (ties keep that order,
    # as the dict of per-document counts this replaces did). That dict held thousands of
    # small lists per query, whose promotion set off most of the full garbage collections of
    # a long-running process (each scans every cached object): 213 instead of 32 in a process
    # checking 500 articles against 100,000 generated ones. (key, doc) rows are distinct, so
    # passage_hits counts distinct passage keys. Documents are their read order here (unique
    # per document), their rowids when named.
    passage = (pairs[:, 0] & 1).astype(bool)
    docs, first, inverse = np.unique(pairs[:, 1], return_index=True, return_inverse=True)
    near_duplicate = np.bincount(inverse[~passage], minlength=len(docs)) >= CROWDED_DOC_BANDS
    counted = ~crowded | (~passage & near_duplicate[inverse])
    passage_hits = np.bincount(inverse[passage & counted], minlength=len(docs))
    doc_hits = np.bincount(inverse[~passage & counted], minlength=len(docs))
    score = doc_hits * 4 + passage_hits
    # One document band and nothing else is chance where documents share common words: on
    # 100,000 Zipf-word articles, every slow check (250-850 ms) aligned 15 to 45 such documents.
    kept = (score >= min_score) & ((doc_hits > 1) | (passage_hits > 0))
    if int(kept.sum()) < limit + len(excluded) and query.signatures is not None:
        near = (passage_hits >= LOCAL_MIN_KEYS) & ~kept
        if near.any():
            rows_near = passage & counted & near[inverse]
            keys_of: dict[int, set[int]] = {}
            for key, doc in pairs[rows_near].tolist():
                keys_of.setdefault(doc & ROWID_MASK, set()).add(key)
            local = _local(store, query.signatures, keys_of)
            kept |= np.isin(docs & ROWID_MASK, np.asarray(local, dtype=np.int64))
        # Weak evidence, verified: see WEAK_MIN_KEYS.
        weak = np.flatnonzero((passage_hits >= WEAK_MIN_KEYS) & ~kept)
        if len(weak):
            weak = weak[np.lexsort((first[weak], -passage_hits[weak]))][:WEAK_LIMIT]
            everywhere = np.flatnonzero(query.signatures.filled).tolist()
            strong = _verified(store, query.signatures,
                               {int(docs[k] & ROWID_MASK): everywhere for k in weak},
                               max(WEAK_VERIFY, store.params.passage_threshold))
            kept |= np.isin(docs & ROWID_MASK, np.asarray(strong, dtype=np.int64))
    # Rank before naming, so only the best few rows of docs are read.
    chosen = np.flatnonzero(kept)
    ranked = chosen[np.lexsort((first[chosen], -score[chosen]))][:limit + len(excluded) + 50]
    cut = [(int(docs[k]), int(doc_hits[k]), int(passage_hits[k])) for k in ranked]
    names = store.names([o & ROWID_MASK for o, _, _ in cut])
    found = sorted((Candidate(o & ROWID_MASK, names[o & ROWID_MASK], d, p) for o, d, p in cut
                    if o & ROWID_MASK in names and names[o & ROWID_MASK] not in excluded),
                   key=lambda c: (-(c.doc_hits * 4 + c.passage_hits), c.id))[:limit]
    banded = {o & ROWID_MASK for o, _, _ in cut}
    taken = {c.id for c in found}
    more = [c for c in terms if c.rowid not in banded and c.id not in taken]
    # Room for the rare-term candidates, what the bands cannot see: the places left free, or
    # the last fifth of the list at most (a short list keeps its band candidates).
    take = min(len(more), max(limit - len(found), limit // 5))
    return found[:limit - take] + more[:take]


def _by_terms(store: BucketStore, query: Sketch, excluded: set[str]) -> list[Candidate]:
    """The documents whose shared rare terms weigh at least TERM_MIN of the query's terms and
    TERM_RELATIVE of the best other document's (excluded ones, such as the query itself when
    it is indexed, are no measure), heaviest first (ties by read order), at most TERM_LIMIT,
    as Candidates of no band; those no longer stored are left out."""
    docs, share = term_shares(store, query)
    chosen = np.flatnonzero(share >= TERM_MIN)
    if not len(chosen):
        return []
    chosen = chosen[np.lexsort((docs[chosen], -share[chosen]))][:TERM_LIMIT + len(excluded)]
    names = store.names([int(d) & ROWID_MASK for d in docs[chosen]])
    named = [(k, names[int(docs[k]) & ROWID_MASK]) for k in chosen.tolist()
             if names.get(int(docs[k]) & ROWID_MASK) not in (None, *excluded)]
    if not named:
        return []
    best = max(share[k] for k, _ in named)
    return [Candidate(int(docs[k]) & ROWID_MASK, name, 0, 0) for k, name in named
            if share[k] >= TERM_RELATIVE * best][:TERM_LIMIT]


def term_shares(store: BucketStore, query: Sketch) -> tuple[np.ndarray, np.ndarray]:
    """(read orders, share): the documents sharing a rare term with the query, and the weight of
    their shared rare terms over that of all the query's terms (idf weights)."""
    none = np.empty(0, dtype=np.int64), np.empty(0, dtype=float)
    total = len(store)
    if not query.term_keys or total == 0:
        return none
    keys = np.asarray(query.term_keys, dtype=np.int64)
    df = store.term_frequencies(keys.tolist())
    # Inverse document frequency, smoothed; a term no document has weighs as one in one.
    weights = np.log((total + 1) / (np.maximum(df, 1) + 0.5))
    whole = float(weights.sum())
    rare = (df > 0) & (df <= TERM_CAP)
    if not rare.any() or whole <= 0:
        return none
    rows = store.bucket_rows(keys[rare].tolist(), TERM_CAP)
    if not len(rows):
        return none
    # Each row's weight, by its key's place among the rare keys (a row of another key, which
    # only a damaged store returns, weighs nothing).
    rare_keys, rare_weights = keys[rare], weights[rare]
    order = np.argsort(rare_keys)
    place = np.minimum(np.searchsorted(rare_keys[order], rows[:, 0]), len(order) - 1)
    found = rare_keys[order][place] == rows[:, 0]
    row_weights = np.where(found, rare_weights[order][place], 0.0)
    docs, inverse = np.unique(rows[:, 1], return_inverse=True)
    return docs, np.bincount(inverse, weights=row_weights, minlength=len(docs)) / whole


def _local(store: BucketStore, query: Signatures, keys_of: dict[int, set[int]]) -> list[int]:
    """The documents (rowids) of `keys_of` (rowid -> passage keys shared with the query) with
    local, verified evidence: see `candidates`."""
    params = store.params
    pb, pr = lsh_params(params.passage_threshold, params.passage_num_perm)
    starts = np.flatnonzero(query.filled)
    windows_of: dict[int, list[int]] = {}
    matrix = band_keys_matrix(query.windows[starts], pb, pr, PASSAGE_LEVEL).tolist()
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
    return _verified(store, query, local, params.passage_threshold)


def _verified(store: BucketStore, query: Signatures, windows_of: dict[int, list[int]],
              threshold: float) -> list[int]:
    """The documents (rowids) of `windows_of` (rowid -> query window starts) one of whose
    windows has a MinHash Jaccard estimate of at least `threshold` with one of those query
    windows, on the full window signatures recomputed from the stored text."""
    verified = []
    for doc, text in store.texts(sorted(windows_of)):
        theirs = signatures_text(text, store.params)
        if not theirs.filled.any():
            continue
        ours = query.windows[windows_of[doc]]
        mine = theirs.windows[theirs.filled]
        estimate = max(float((mine == row).mean(axis=1).max()) for row in ours)
        if estimate >= threshold:
            verified.append(doc)
    return verified
