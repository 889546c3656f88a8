"""Sketches: datasketch-identical signatures, and the fast text path equal to the segmented one."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import xxhash
from datasketch import LeanMinHash, MinHash

from provenance.sketch import (
    SketchParams,
    hash_units,
    key_level,
    scorable,
    scorable_spans,
    signature,
    sketch,
    sketch_text,
)
from provenance.text import segment

from .conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus_gen import generate  # noqa: E402


@pytest.mark.parametrize("units", [["a"], ["stem1", "stem2", "nucle", "sanct"], [f"u{i}" for i in range(500)]])
@pytest.mark.parametrize("num_perm", [64, 128])
def test_signature_is_datasketch_affine32(units, num_perm):
    mh = MinHash(num_perm=num_perm, seed=1, hashfunc=xxhash.xxh32_intdigest)
    mh.update_batch([u.encode() for u in units])
    ours = signature(hash_units(units), num_perm, 1)
    assert np.array_equal(ours, mh.hashvalues.astype(np.uint32))
    lean = LeanMinHash(seed=1, hashvalues=ours, scheme="affine32")
    assert lean.jaccard(LeanMinHash(mh)) == 1.0


def test_empty_signature():
    assert (signature(hash_units([]), 16, 1) == 0xFFFFFFFF).all()


def _texts():
    yield from (p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt")))
    yield from (a.text for a in generate(60, seed=7))
    yield "READ ALSO: x\nBy John Smith\nHeading here\nOne. Two sentences here. 東京で会議が開かれた。"
    yield ""


@pytest.mark.parametrize("text", list(_texts()))
def test_fast_path_equals_segmented_path(text):
    params = SketchParams()
    assert scorable_spans(text) == [(s.start, s.end) for s in scorable(segment(text), text)]
    slow, fast = sketch(text, segment(text), params), sketch_text(text, params)
    assert slow.units == fast.units
    assert np.array_equal(slow.doc_signature, fast.doc_signature)
    assert slow.doc_keys == fast.doc_keys and slow.passage_keys == fast.passage_keys
    assert slow.query_keys == fast.query_keys


def test_query_keys_cover_stored_keys_and_levels():
    text = next(a.text for a in generate(1, seed=3))
    sk = sketch_text(text, SketchParams())
    assert set(sk.band_keys().tolist()) <= set(sk.query_keys)
    assert {key_level(k) for k in sk.term_keys} == {2} and len(sk.term_keys) == len(sk.units)
    assert {key_level(k) for k in sk.doc_keys} == {0}
    assert {key_level(k) for _, ks in sk.passage_keys for k in ks} == {1}


def test_index_entries_equal_sketch_text():
    from provenance.sketch import index_entries

    params = SketchParams()
    texts = list(_texts()) + ["x", "\n\n", "... !!! ???", "Mr. Smith went. U.S. officials said so. He\u2019s here.",
                              "Caf\u00e9 na\u00efve r\u00e9sum\u00e9. \u201cQuoted\u201d words \u2014 here.\x00 nul"]
    expected = [(sk.doc_signature.tobytes(), sk.index_keys().tobytes())
                for sk in (sketch_text(t, params) for t in texts)]
    assert index_entries(texts, params) == expected
    assert index_entries(texts[3:9], params) == expected[3:9]


def test_scan_entries_equal_sketch_text():
    from provenance.sketch import _UNIT_HASHES, scan_entries

    params = SketchParams()
    texts = list(_texts()) + ["x", "\n\n", "Mr. Smith went. U.S. officials said so. He\u2019s here."]
    for text, (stored, probe, hashes, sig) in zip(texts, scan_entries(texts, params), strict=True):
        sk = sketch_text(text, params)
        assert sig == sk.doc_signature.tobytes()
        assert stored == sk.band_keys().tobytes()
        # The same keys, sorted (a text without units keeps its bands' order in query_keys).
        assert probe == np.unique(np.asarray(sk.query_keys, dtype=np.int64)).tobytes()
        expected = np.unique(np.fromiter(map(_UNIT_HASHES.__getitem__, sk.units), dtype=np.uint32))
        assert hashes == expected.tobytes()
