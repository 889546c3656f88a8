"""Corpus-wide reuse clustering: groups of articles that copy or paraphrase one another.

The stage behind `provenance scan` (api.scan reads the articles; cluster_dask.py runs the same
steps in partitions on a dask.distributed cluster):
1. sketch every article (sketch.scan_entries, equal to sketch.sketch_text): stored band keys
   (document bands, passage windows every `passage_stride` sentences), probe keys (every
   window) and the sorted distinct unit hashes;
2. candidate pairs: an article's probe keys joined with the other articles' stored keys (LSH band
   grouping); a bucket holding more than `max_bucket` articles is wording shared by many, joined
   as a star around one representative rather than as all its pairs (counted as crowded);
3. verification with exact set measures on the units (content-word stems) of both articles:
   Jaccard, and containment of each in the other; a pair is linked when its Jaccard reaches
   `link_jaccard`, or the containment of one in the other reaches `link_containment` with a
   band score (in the stronger direction) of at least `min_shared_keys` (on 300 generated
   articles unrelated articles of one topic reached containment 0.35 at most, partial reuse 0.44
   or more);
4. groups: connected components of the links; each group names its likely origin (the earliest
   published member, else the one a credit line names, else unknown), a reference member (the
   origin, else the earliest published and first by id) and the evidence of every other member
   against the reference: check's verdict when the link was aligned, else the verdict the set
   measures support.

Output: one dict per group, largest first, then by the id of its first member, so the same
corpus gives the same bytes; report/scan.py documents the shape and renders it (JSON Lines,
text, HTML).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from .documents import Document
from .parallel import CHUNK, PARALLEL_AFTER, chunks, default_workers, start_pool
from .results import ScanResult
from .settings import ScanOptions, Settings, SketchParams
from .verdict import analyse

# numpy and the sketching code load on first use: `provenance --help` and `check` do not pay
# for this module's imports.
if TYPE_CHECKING:
    import numpy as np

# Unit-set Jaccard from which a link needs no alignment to tell it from independent writing:
# three times the most that independently written texts on one subject reached in real data
# (Clough-Stevenson dev "non" answers against their source: 0.09-0.20; the seeds' independent
# CNSNews report against the Sputnik story and its rewrite: 0.20 and 0.23), while 7 of the 32
# derived Clough answers reach it, and 29% of the links that a scan of 100,000 generated
# articles aligned with the earlier limit of 0.8 (2,096 of 7,143).
ALIGN_BELOW = 0.6


@dataclass(frozen=True)
class DocInfo:
    id: str
    path: str | None
    outlet: str | None
    published: str | None
    title: str | None
    line: int | None = None
    # The text, compressed, for confirming a link by alignment (see verify).
    text_z: bytes = field(default=b"", repr=False, compare=False)

    def document(self) -> Document:
        return Document(id=self.id, text=zlib.decompress(self.text_z).decode("utf-8", "surrogatepass"),
                        path=self.path, outlet=self.outlet, published=self.published, title=self.title,
                        line=self.line)


def _empty() -> np.ndarray:
    import numpy as np

    return np.empty(0, np.int64)


@dataclass
class Sketches:
    """Per-article sketch data in flat arrays (row i = article i)."""

    docs: list[DocInfo] = field(default_factory=list)
    stored_keys: np.ndarray = field(default_factory=lambda: _empty())
    stored_docs: np.ndarray = field(default_factory=lambda: _empty())
    probe_keys: np.ndarray = field(default_factory=lambda: _empty())
    probe_docs: np.ndarray = field(default_factory=lambda: _empty())
    unit_hashes: list[np.ndarray] = field(default_factory=list)
    # Document signatures (row i = article i, uint32), for bounding the set measures of the
    # candidate pairs before computing them (verify); None when not sketched here.
    signatures: np.ndarray | None = None


def _sketch_texts(texts: list[str], params: SketchParams) -> list[tuple[bytes, bytes, bytes, bytes]]:
    """(stored keys, probe keys, sorted distinct unit hashes, document signature) of each text,
    as bytes (cheap to move between processes), computed for all of them at once
    (sketch.scan_entries)."""
    from .sketch import scan_entries

    return scan_entries(texts, params)


def _sketch_and_compress(texts: list[str], params: SketchParams
                         ) -> tuple[list[tuple[bytes, bytes, bytes, bytes]], list[bytes]]:
    """_sketch_texts and the compressed texts (kept for confirming links): both in the worker,
    so the process reading the input does not also compress every text."""
    return _sketch_texts(texts, params), [_compress(t) for t in texts]


def _compress(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def doc_info(doc: Document, text_z: bytes | None = None) -> DocInfo:
    return DocInfo(doc.id, doc.path, doc.outlet, doc.published, doc.title, doc.line,
                   _compress(doc.text) if text_z is None else text_z)


def collect(records: Iterable[tuple[DocInfo, tuple[bytes, bytes, bytes, bytes]]]) -> Sketches:
    """Assemble per-article records (in article order) into flat arrays."""
    import numpy as np

    out = Sketches()
    sk_parts, sd_parts, pk_parts, pd_parts, sig_parts = [], [], [], [], []
    for i, (info, (stored, probe, hashes, sig)) in enumerate(records):
        out.docs.append(info)
        s = np.frombuffer(stored, dtype=np.int64)
        p = np.frombuffer(probe, dtype=np.int64)
        sk_parts.append(s)
        sd_parts.append(np.full(len(s), i, dtype=np.int32))  # int32: probes run to ~500/article
        pk_parts.append(p)
        pd_parts.append(np.full(len(p), i, dtype=np.int32))
        out.unit_hashes.append(np.frombuffer(hashes, dtype=np.uint32))
        sig_parts.append(sig)
    if sig_parts:
        out.signatures = np.frombuffer(b"".join(sig_parts), dtype=np.uint32).reshape(len(sig_parts), -1)
    if sk_parts:
        out.stored_keys, out.stored_docs = np.concatenate(sk_parts), np.concatenate(sd_parts)
        out.probe_keys, out.probe_docs = np.concatenate(pk_parts), np.concatenate(pd_parts)
    return out


def sketch_documents(documents: Iterable[Document], params: SketchParams,
                     workers: int | None = None) -> Sketches:
    """Sketch every document, in worker processes when there are many (order kept)."""

    workers = default_workers() if workers is None else max(1, workers)
    pool = None
    results: list[tuple[DocInfo, tuple[bytes, bytes, bytes, bytes]]] = []
    pending: list = []
    seen: set[str] = set()

    def finish(item) -> None:
        chunk, res = item
        records, compressed = res.get() if hasattr(res, "get") else res
        results.extend(zip((doc_info(d, z) for d, z in zip(chunk, compressed, strict=True)), records,
                           strict=True))

    try:
        count = 0
        for chunk in chunks(documents, CHUNK):
            chunk = [d for d in chunk if not (d.id in seen or seen.add(d.id))]  # first wins
            texts = [d.text for d in chunk]
            count += len(chunk)
            if pool is None and workers > 1 and count > PARALLEL_AFTER:
                pool = start_pool(workers)
            if pool is None:
                finish((chunk, _sketch_and_compress(texts, params)))
            else:
                pending.append((chunk, pool.apply_async(_sketch_and_compress, (texts, params))))
                while len(pending) > 2 * workers:
                    finish(pending.pop(0))
        for item in pending:
            finish(item)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    return collect(results)


@dataclass(frozen=True)
class Buckets:
    """The stored keys grouped into LSH buckets: bucket i holds key `keys[i]` and the articles
    `docs[first[i]:first[i] + size[i]]` (ascending, so `docs[first[i]]` is its representative)."""

    keys: np.ndarray
    first: np.ndarray
    size: np.ndarray
    docs: np.ndarray

    @classmethod
    def build(cls, stored_keys: np.ndarray, stored_docs: np.ndarray) -> Buckets:
        import numpy as np

        order = np.lexsort((stored_docs, stored_keys))
        keys, docs = stored_keys[order], stored_docs[order].astype(np.int64)
        del order
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) \
            else np.empty(0, np.int64)
        size = np.diff(np.append(starts, len(keys)))
        return cls(keys[starts], starts, size, docs)

    def meet(self, probe_keys: np.ndarray, probe_docs: np.ndarray, max_bucket: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(codes probe_doc << 32 | other_doc, scores, crowded keys): how strongly each probing
        article's keys meet each other article's stored keys; a document band weighs 4, a
        passage band 1.

        A bucket holding more than `max_bucket` articles is common wording, not evidence that
        any two of them copy each other; it is joined as a star around its representative
        instead of all its pairs, which keeps the cost linear in its size and still brings
        syndicated copies (which share most of their buckets) together through the
        representative. At 100,000 generated articles, buckets of 51 to 200 articles gave three
        fifths of all pair rows (band grouping 27.4 s with a limit of 200, 13.8 s with 50, in
        one run on a loaded machine); a limit of 20 saved 2 s more but cost three planted
        paraphrases the band evidence that links them.
        """
        import numpy as np

        none = np.empty(0, np.int64)
        if not len(self.keys) or not len(probe_keys):
            return none, none, none
        order = np.argsort(probe_keys)  # in key order, the searches walk the buckets forward
        probe_keys, probe_docs = probe_keys[order], probe_docs[order].astype(np.int64)
        at = np.minimum(np.searchsorted(self.keys, probe_keys), len(self.keys) - 1)
        size, rep = self.size[at], self.docs[self.first[at]]
        # Most probes meet no bucket or only the prober's own: drop them before expanding.
        useful = (self.keys[at] == probe_keys) & ((size > 1) | (rep != probe_docs))
        at, probe_keys, mine, size, rep = (at[useful], probe_keys[useful], probe_docs[useful],
                                           size[useful], rep[useful])
        crowded = size > max_bucket
        size = np.where(crowded & (rep != mine), 1, size)  # a member meets the representative
        total = int(size.sum())
        start = np.repeat(self.first[at] - np.concatenate(([0], np.cumsum(size)[:-1])), size)
        other = self.docs[start + np.arange(total)]
        mine = np.repeat(mine, size)
        doc_band = np.repeat((probe_keys & 1) == 0, size)
        ok = mine != other
        # One sortable code per row (document numbers < 2**31): the pair, then its band level;
        # a plain sort and run lengths cost far less than unique(..., return_inverse).
        rows = np.sort((mine[ok] << 32) | (other[ok] << 1) | doc_band[ok])
        pair = rows >> 1
        runs = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1]))) if len(pair) else none
        scores = np.add.reduceat(1 + 3 * (rows & 1), runs) if len(runs) else none
        pair = pair[runs]
        return ((pair >> 31) << 32) | (pair & 0x7FFFFFFF), scores, np.unique(probe_keys[crowded])


def directed_scores(stored_keys: np.ndarray, stored_docs: np.ndarray, probe_keys: np.ndarray,
                    probe_docs: np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Buckets.meet over the given stored keys (one shard of the Dask engine)."""
    return Buckets.build(stored_keys, stored_docs).meet(probe_keys, probe_docs, max_bucket)


def strong_pairs(codes: np.ndarray, scores: np.ndarray, min_score: int) -> tuple[np.ndarray, np.ndarray]:
    """Undirected pairs (a < b) whose score in either direction reaches `min_score`, with the
    larger of the two scores, in pair order."""
    import numpy as np

    keep = scores >= min_score
    codes, scores = codes[keep], scores[keep]
    x, y = codes >> 32, codes & 0xFFFFFFFF
    undirected = np.minimum(x, y) * (1 << 32) + np.maximum(x, y)
    order = np.lexsort((-scores, undirected))
    undirected, scores = undirected[order], scores[order]
    first = np.concatenate(([True], undirected[1:] != undirected[:-1])) if len(undirected) else undirected.astype(bool)
    undirected, scores = undirected[first], scores[first]
    return np.stack((undirected >> 32, undirected & 0xFFFFFFFF), axis=1), scores


# What the band_pairs workers read: set while the pool is forked, so the buckets and probes
# (hundreds of megabytes at 100,000 articles) are shared with them, not sent; the lock keeps
# two threads scanning at once from forking each other's work.
_BAND_WORK: tuple | None = None
_BAND_LOCK = threading.Lock()
PARALLEL_CHUNKS = 4  # probe chunks from which band_pairs uses worker processes


def _meet_slice(bounds: tuple[int, int], work: tuple | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Buckets.meet for the probes probe_keys[lo:hi] of `work` (in a forked worker, _BAND_WORK),
    the pairs below the minimum score dropped."""
    work = work if work is not None else _BAND_WORK
    if work is None:
        raise RuntimeError("band grouping worker started without its work")
    buckets, probe_keys, probe_docs, max_bucket, min_score = work
    lo, hi = bounds
    codes, scores, big = buckets.meet(probe_keys[lo:hi], probe_docs[lo:hi], max_bucket)
    keep = scores >= min_score
    return codes[keep], scores[keep], big


def band_pairs(stored_keys: np.ndarray, stored_docs: np.ndarray, probe_keys: np.ndarray,
               probe_docs: np.ndarray, max_bucket: int, min_score: int = 3,
               chunk_docs: int = 2000, workers: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
    """(pairs as (a, b) rows with a < b, scores, crowded buckets): articles whose probe keys
    meet another's stored keys with a score of at least `min_score` in one direction. The
    buckets are built once (at 100,000 articles sorting is the costly part); probes are taken
    `chunk_docs` articles at a time (probe_docs ascending), so memory stays bounded, and by
    `workers` forked processes when there are PARALLEL_CHUNKS chunks or more (the chunks'
    results are taken in order: the same pairs whatever the number of workers)."""
    global _BAND_WORK
    import multiprocessing

    import numpy as np

    buckets = Buckets.build(stored_keys, stored_docs)
    bounds = np.searchsorted(probe_docs, np.arange(0, int(probe_docs.max(initial=-1)) + chunk_docs + 1, chunk_docs))
    slices = [(lo, hi) for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True) if lo < hi]
    work = (buckets, probe_keys, probe_docs, max_bucket, min_score)
    if workers > 1 and len(slices) >= PARALLEL_CHUNKS and "fork" in multiprocessing.get_all_start_methods():
        with _BAND_LOCK:
            _BAND_WORK = work
            try:
                pool = start_pool(workers)  # the workers are forked here, with their copy
            finally:
                _BAND_WORK = None
        try:
            results = pool.map(_meet_slice, slices, chunksize=1)
        finally:
            pool.terminate()
            pool.join()
    else:
        results = [_meet_slice(piece, work) for piece in slices]
    all_codes = [codes for codes, _, _ in results]
    all_scores = [scores for _, scores, _ in results]
    crowded = [big for _, _, big in results]
    if not all_codes:
        return np.empty((0, 2), np.int64), np.empty(0, np.int64), 0
    pairs, scores = strong_pairs(np.concatenate(all_codes), np.concatenate(all_scores), min_score)
    return pairs, scores, int(np.unique(np.concatenate(crowded)).size)


def set_measures(ha: np.ndarray, hb: np.ndarray) -> tuple[float, float, float]:
    """(Jaccard, containment of a in b, containment of b in a) of two sorted unit-hash sets."""
    import numpy as np

    if ha.size == 0 or hb.size == 0:
        return 0.0, 0.0, 0.0
    inter = np.intersect1d(ha, hb, assume_unique=True).size
    return inter / (ha.size + hb.size - inter), inter / ha.size, inter / hb.size


@dataclass(frozen=True)
class Link:
    a: int
    b: int
    shared_keys: int
    jaccard: float
    a_in_b: float
    b_in_a: float
    verdict: str | None = None  # check's verdict between the two, when they were aligned
    origin: int | None = None  # the likely origin by a credit line, when dates do not tell


def _confirm(pair: tuple[DocInfo, DocInfo], settings: Settings | None = None) -> tuple[str, str | None]:
    """(verdict, origin id) of two articles by check's own rules; runs in worker processes.

    Reuse covers more of the shorter article, so checking it against the longer is what finds
    a link; the other way is tried only when that finds none. On 300 links of the generated
    100,000-article corpus this gave the same verdicts as verdict.relate, which always aligns both
    ways, with half the alignments.
    """
    settings = settings or Settings()
    x, y = pair[0].document(), pair[1].document()
    first, second = (x, y) if len(x.text) <= len(y.text) else (y, x)
    for article, source in ((first, second), (second, first)):
        found = [s for s in analyse(article, [source], settings, {}).sources if s.verdict != "none"]
        if found:
            best = found[0]
            origin = (source.id if best.direction == "source-to-article" else
                      article.id if best.direction == "article-to-source" else None)
            return best.verdict, origin
    return "none", None


CONFIRM_PARALLEL_AFTER = 64  # pairs to confirm before worker processes pay for themselves


# How far above its MinHash estimate a pair's unit-set Jaccard may be, in standard deviations of
# the estimate at its widest (J = 0.5: 0.5 / sqrt(num_perm)); at 128 permutations, 0.22. A pair
# whose Jaccard and containment cannot reach the link rules even that far above the estimate is
# not measured exactly: most candidate pairs are chance meetings in one or two buckets, and
# measuring each (an intersection of two stem sets) took 16 s of a 100,000-article scan in one
# process. The chance that a pair meeting the rules is estimated that low is below 1e-6.
SIGNATURE_SIGMAS = 5.0


def may_link(pairs: np.ndarray, counts: np.ndarray, sizes: np.ndarray, signatures: np.ndarray,
             options: ScanOptions, chunk: int = 1 << 16) -> np.ndarray:
    """For each candidate pair, whether its set measures may meet the link rules, judged on the
    document signatures: the Jaccard estimate raised by SIGNATURE_SIGMAS standard deviations,
    and the containment that Jaccard implies for the two sizes (|A & B| = J (|A| + |B|) / (1 + J))."""
    import numpy as np

    margin = SIGNATURE_SIGMAS * 0.5 / np.sqrt(signatures.shape[1])
    keep = np.ones(len(pairs), dtype=bool)
    for lo in range(0, len(pairs), chunk):
        a, b = pairs[lo:lo + chunk, 0], pairs[lo:lo + chunk, 1]
        estimate = (signatures[a] == signatures[b]).mean(axis=1)
        jaccard = np.minimum(1.0, estimate + margin)
        na, nb = sizes[a], sizes[b]
        contained = jaccard * (na + nb) / (1.0 + jaccard) / np.maximum(np.minimum(na, nb), 1)
        keep[lo:lo + chunk] = (jaccard >= options.link_jaccard) | (
            (counts[lo:lo + chunk] >= options.min_shared_keys) & (contained >= options.link_containment))
    return keep


def verify(pairs: np.ndarray, counts: np.ndarray, unit_hashes: list[np.ndarray],
           options: ScanOptions, docs: list[DocInfo] | None = None,
           workers: int | None = None, settings: Settings | None = None,
           signatures: np.ndarray | None = None) -> list[Link]:
    """The candidate pairs that exact measures confirm, in pair order.

    Unit-set overlap alone cannot tell a rewrite from two reports of one event (the seeds: the
    CNSNews story shares 0.37-0.54 of its stems with the Sputnik story and its rewrite). So a
    pair whose Jaccard is below ALIGN_BELOW is confirmed by aligning the two texts with check's
    own rules (_confirm) and kept only when a verdict other than none results; above it the
    link stands on the measures and has no verdict.
    The alignments run in worker processes (an order-preserving map: the result does not
    depend on their number). With the document `signatures`, pairs that cannot meet the rules
    are dropped before measuring (may_link).
    """
    import numpy as np

    if signatures is not None and len(pairs) and len(signatures) == len(unit_hashes):
        sizes = np.fromiter((h.size for h in unit_hashes), dtype=np.int64, count=len(unit_hashes))
        keep = may_link(pairs, counts, sizes, signatures, options)
        pairs, counts = pairs[keep], counts[keep]
    candidates = []
    to_confirm = []
    for (a, b), n in zip(pairs.tolist(), counts.tolist(), strict=True):
        j, ab, ba = set_measures(unit_hashes[a], unit_hashes[b])
        if not (j >= options.link_jaccard or (n >= options.min_shared_keys
                                              and max(ab, ba) >= options.link_containment)):
            continue
        link = Link(a, b, n, j, ab, ba)
        confirm = j < ALIGN_BELOW and docs is not None and bool(docs[a].text_z)
        candidates.append((link, confirm))
        if confirm:
            to_confirm.append((docs[a], docs[b]))  # type: ignore[index]
    workers = default_workers() if workers is None else max(1, workers)
    if workers > 1 and len(to_confirm) > CONFIRM_PARALLEL_AFTER:
        pool = start_pool(workers)
        try:
            outcomes = pool.map(partial(_confirm, settings=settings), to_confirm, chunksize=16)
        finally:
            pool.terminate()
            pool.join()
    else:
        outcomes = [_confirm(pair, settings) for pair in to_confirm]
    confirmed = iter(outcomes)
    links = []
    for link, confirm in candidates:
        if not confirm:
            links.append(link)
            continue
        verdict, origin_id = next(confirmed)
        if verdict == "none":
            continue
        origin = (link.a if origin_id == docs[link.a].id else  # type: ignore[index]
                  link.b if origin_id == docs[link.b].id else None)  # type: ignore[index]
        links.append(Link(link.a, link.b, link.shared_keys, link.jaccard, link.a_in_b,
                          link.b_in_a, verdict, origin))
    return links


def _when(published: str | None) -> datetime | None:
    if not published:
        return None
    text = published.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# Jaccard from which a link standing on the measures alone reads as a copy (the generated
# near-copies and light edits of the scan benchmark reach it; rewrites stay under it).
COPY_JACCARD = 0.8


def relation(jaccard: float, containment: float, linked: bool = False) -> str | None:
    """The verdict (check's vocabulary: copy, paraphrase, partial) that the set measures alone
    support, for a member whose link to the reference was not aligned: Jaccard >= COPY_JACCARD
    copy, >= link_jaccard paraphrase, `containment` (the larger of the two directions) >=
    link_containment partial; else None, or partial when the two are `linked` directly (the only
    other rule that links two articles is containment with enough shared bands).
    The default ScanOptions thresholds are used, so every engine reads the same measures alike."""
    if jaccard >= COPY_JACCARD:
        return "copy"
    if jaccard >= ScanOptions.link_jaccard:
        return "paraphrase"
    if containment >= ScanOptions.link_containment or linked:
        return "partial"
    return None


def _sort_key(when: datetime | None, doc: DocInfo) -> tuple[bool, datetime, str]:
    return (when is None, when or datetime.max.replace(tzinfo=UTC), doc.id)


def groups(sketches: Sketches, links: list[Link]) -> list[dict[str, object]]:
    """Connected components of the links, each with its likely origin and per-member evidence.

    Each group names a reference member: its likely origin when one is known, else the earliest
    published member (the first by id among equals; all members are equal when none is dated).
    Every other member carries evidence against the reference and never the reference against
    itself. The shape of each group is documented in report/scan.py.
    """
    parent = list(range(len(sketches.docs)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in links:
        ra, rb = root(link.a), root(link.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = {}
    group_links: dict[int, list[Link]] = {}
    for link in links:
        group_links.setdefault(root(link.a), []).append(link)
    for x in range(len(parent)):
        r = root(x)
        if r in group_links:
            members.setdefault(r, []).append(x)
    out = []
    for r, group in members.items():
        inner = group_links[r]
        when = {i: _when(sketches.docs[i].published) for i in group}
        dated = sorted((w, i) for i, w in when.items() if w is not None)
        origin = None
        basis = "unknown"
        reason = "unknown: no member has a publication date"
        if dated:
            if len(dated) > 1 and dated[0][0] == dated[1][0]:
                reason = "unknown: the earliest members were published at the same time"
            else:
                origin = dated[0][1]
                basis = "earliest-published"
                reason = "earliest published" + ("" if len(dated) == len(group)
                                                 else " (some members have no date)")
        if origin is None:
            # No dates decide: a credit line does ("According to Sputnik" names the origin),
            # when every crediting link in the group names the same article.
            credited = {link.origin for link in inner if link.origin is not None}
            if len(credited) == 1:
                origin = credited.pop()
                basis = "credited"
                reason = "credited by a member (no publication dates decide it)"
        ref = origin if origin is not None else min(
            group, key=lambda i: _sort_key(when[i], sketches.docs[i]))
        # The links of each member, for the direct link to the reference and, failing that, the
        # member through which it is linked (breadth-first from the reference, in id order).
        neighbours: dict[int, dict[int, Link]] = {}
        for link in inner:
            neighbours.setdefault(link.a, {})[link.b] = link
            neighbours.setdefault(link.b, {})[link.a] = link
        via = {ref: ref}
        frontier = [ref]
        while frontier:
            following = []
            for x in frontier:
                for y in sorted(neighbours.get(x, {}), key=lambda i: sketches.docs[i].id):
                    if y not in via:
                        via[y] = x
                        following.append(y)
            frontier = following
        rows = []
        for i in group:
            d = sketches.docs[i]
            row: dict[str, object] = {"id": d.id, "path": d.path, "outlet": d.outlet,
                                      "published": d.published, "title": d.title}
            if d.line is not None:
                row["line"] = d.line
            if i == ref:
                row["role"] = "origin" if i == origin else "reference"
            else:
                j, inside, outside = set_measures(sketches.unit_hashes[i], sketches.unit_hashes[ref])
                direct = neighbours.get(i, {}).get(ref)
                evidence: dict[str, object] = {"against": sketches.docs[ref].id}
                if direct is not None and direct.verdict is not None:
                    evidence.update(verdict=direct.verdict, basis="aligned")
                else:
                    verdict = relation(j, max(inside, outside), linked=direct is not None)
                    evidence.update(verdict=verdict, basis="measures" if verdict else "indirect")
                evidence.update(jaccard=round(j, 4), containment=round(inside, 4))
                if direct is None:
                    evidence["via"] = sketches.docs[via[i]].id
                row["role"] = "member"
                row["evidence"] = evidence
            rows.append(row)
        rows.sort(key=lambda r: (r["role"] == "member", r["published"] or "~", r["id"]))
        out.append({"origin": sketches.docs[origin].id if origin is not None else None,
                    "origin_basis": basis, "origin_reason": reason,
                    "reference": sketches.docs[ref].id, "size": len(group), "members": rows})
    out.sort(key=lambda g: (-g["size"], g["members"][0]["id"]))
    return [{"group": number, **g} for number, g in enumerate(out, 1)]


def scan_sketches(sketches: Sketches, options: ScanOptions | None = None,
                  workers: int | None = None, settings: Settings | None = None) -> ScanResult:
    options = options or ScanOptions()
    workers = default_workers() if workers is None else max(1, workers)
    pairs, counts, crowded = band_pairs(sketches.stored_keys, sketches.stored_docs,
                                        sketches.probe_keys, sketches.probe_docs, options.max_bucket,
                                        options.min_score, workers=workers)
    links = verify(pairs, counts, sketches.unit_hashes, options, sketches.docs, workers, settings,
                   sketches.signatures)
    return ScanResult(groups(sketches, links), len(sketches.docs), len(pairs), len(links), crowded)


def scan(documents: Iterable[Document], params: SketchParams | None = None,
         options: ScanOptions | None = None, workers: int | None = None,
         settings: Settings | None = None) -> ScanResult:
    """Cluster the documents into groups of articles that reuse one another (local engine)."""
    return scan_sketches(sketch_documents(documents, params or SketchParams(), workers), options,
                         workers, settings)
