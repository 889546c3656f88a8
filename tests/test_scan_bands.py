"""scan's band grouping (Buckets.meet, band_pairs) against a plain-Python reading of its rules."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.cluster import Buckets, band_pairs


def reference(stored: dict[int, set[int]], probes: dict[int, set[int]], max_bucket: int, min_score: int):
    """Directed scores spelled out: each probe key of article a meeting a bucket adds 4 (document
    band, even key) or 1 (passage band, odd key) towards every other article in it; a bucket of
    more than max_bucket articles pairs its smallest article with each other member only."""
    bucket: dict[int, list[int]] = defaultdict(list)
    for doc, keys in stored.items():
        for k in keys:
            bucket[k].append(doc)
    directed: dict[tuple[int, int], int] = defaultdict(int)
    for a, keys in probes.items():
        for k in keys:
            members = sorted(bucket.get(k, []))
            if len(members) > max_bucket and a != members[0]:
                members = members[:1]
            for b in members:
                if b != a:
                    directed[a, b] += 4 if k % 2 == 0 else 1
    best: dict[tuple[int, int], int] = {}
    for (a, b), score in directed.items():
        if score >= min_score:
            pair = (min(a, b), max(a, b))
            best[pair] = max(best.get(pair, 0), score)
    return sorted(best.items())


def flat(per_doc: dict[int, set[int]]) -> tuple[np.ndarray, np.ndarray]:
    keys = [k for d in sorted(per_doc) for k in sorted(per_doc[d])]
    docs = [d for d in sorted(per_doc) for _ in per_doc[d]]
    return np.asarray(keys, np.int64), np.asarray(docs, np.int32)


key_sets = st.dictionaries(st.integers(0, 30), st.sets(st.integers(0, 40), max_size=12), max_size=25)


@settings(max_examples=200, deadline=None)
@given(stored=key_sets, extra=key_sets, max_bucket=st.integers(1, 6), min_score=st.integers(1, 6),
       chunk=st.integers(1, 7))
def test_band_pairs_follow_the_rules(stored, extra, max_bucket, min_score, chunk) -> None:
    # As sketched: an article probes its stored keys and more.
    probes = {d: stored.get(d, set()) | extra.get(d, set()) for d in set(stored) | set(extra)}
    sk, sd = flat(stored)
    pk, pd = flat(probes)
    pairs, scores, _ = band_pairs(sk, sd, pk, pd, max_bucket, min_score, chunk_docs=chunk)
    got = [((int(a), int(b)), int(s)) for (a, b), s in zip(pairs.tolist(), scores.tolist(), strict=True)]
    assert got == reference(stored, probes, max_bucket, min_score)


def test_a_crowded_bucket_is_joined_as_a_star() -> None:
    # Ten articles share one document band: with max_bucket 4 each meets only article 0.
    stored = {d: {2} for d in range(10)}
    sk, sd = flat(stored)
    codes, scores, crowded = Buckets.build(sk, sd).meet(sk, sd.astype(np.int64), 4)
    pairs = {(int(c) >> 32, int(c) & 0xFFFFFFFF) for c in codes}
    assert pairs == {(0, d) for d in range(1, 10)} | {(d, 0) for d in range(1, 10)}
    assert set(scores.tolist()) == {4}
    assert crowded.tolist() == [2]
    # Below the limit every pair meets.
    codes, _, crowded = Buckets.build(sk, sd).meet(sk, sd.astype(np.int64), 10)
    assert len(codes) == 90 and crowded.size == 0


def test_no_keys_no_pairs() -> None:
    empty = np.empty(0, np.int64)
    pairs, scores, crowded = band_pairs(empty, empty.astype(np.int32), empty, empty.astype(np.int32), 20)
    assert pairs.shape == (0, 2) and scores.size == 0 and crowded == 0


def test_worker_processes_find_the_same_pairs() -> None:
    # Forty articles in chunks of three: enough chunks for band_pairs to fork its workers.
    rng = np.random.default_rng(7)
    stored = {d: set(rng.integers(0, 60, 8).tolist()) for d in range(40)}
    sk, sd = flat(stored)
    serial = band_pairs(sk, sd, sk, sd, 5, 2, chunk_docs=3)
    forked = band_pairs(sk, sd, sk, sd, 5, 2, chunk_docs=3, workers=2)
    assert len(serial[0]) > 20
    assert serial[0].tolist() == forked[0].tolist() and serial[1].tolist() == forked[1].tolist()
    assert serial[2] == forked[2] > 0
    got = [((int(a), int(b)), int(s)) for (a, b), s in zip(*[x.tolist() for x in forked[:2]], strict=True)]
    assert got == reference(stored, stored, 5, 2)


def test_threads_grouping_bands_at_once_keep_their_own_work() -> None:
    # band_pairs shares its work with forked workers through a module global: a thread running
    # it in one process must still read only its own buckets.
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(11)
    inputs = []
    for _ in range(2):
        stored = {d: set(rng.integers(0, 50, 6).tolist()) for d in range(30)}
        inputs.append(flat(stored))
    expected = [band_pairs(sk, sd, sk, sd, 5, 2, chunk_docs=3)[0].tolist() for sk, sd in inputs]
    assert expected[0] != expected[1]

    def run(i: int) -> bool:
        sk, sd = inputs[i % 2]
        return band_pairs(sk, sd, sk, sd, 5, 2, chunk_docs=3)[0].tolist() == expected[i % 2]

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(run, range(40)))
