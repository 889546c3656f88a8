"""The bulk sketching path (index_entries, scan_entries) against the segmented path, on texts
chosen to reach each of its branches: plain texts (ASCII and characters read as spaces)
tokenized from bytes, the fallback for other texts, apostrophe runs, NUL, spans without
letters, long lines."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from provenance import sketch as sk
from provenance import text as tx
from provenance.sketch import (
    SketchParams,
    index_entries,
    scan_entries,
    scorable,
    sketch,
    sketch_text,
)
from provenance.text import _BOUNDARY, _FOLD, _FULLWIDTH_BOUNDARY, _TOKEN, _UNSPACED, segment

FAST = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


def _common(*units: str) -> tuple[int, ...]:
    """The term keys of these units: an index's learned common units (sketch.learn_common)."""
    hashes = np.fromiter((sk._UNIT_HASHES[u] for u in units), dtype=np.uint32, count=len(units))
    return tuple(sorted(sk.term_keys(hashes).tolist()))


PARAMS = [SketchParams(), SketchParams(num_perm=32, passage_num_perm=16, passage_sentences=2,
                                       passage_stride=3, seed=7),
          # Common units left out of the passage signatures (the bulk path filters its flat
          # arrays, the slow one each text's units).
          SketchParams(common=_common("minis", "talks", "nucle", "sanct", "2024", "smith"))]

PLAIN_PIECES = [
    " ", " ", "  ", "\n", "\n\n", "\r\n", "\t", "\x0b", ". ", "! ", "? ", "...", "?! ", "'", "''",
    '"', "(", ")", "[", "]", ",", ";", ":", "-", "_", "x'", "'s", "a''b", "rock'n'roll", "don't",
    "It's", "'90s", "Mr. ", "Dr. Smith", "U.S. ", "J. ", "e.g. ", "5. ", "3.5", "No. 3", "By John Smith",
    "READ ALSO:", "Discuss", "(Photo: AP)", "Copyright", "the", "and", "said", "of", "THE", "Talks",
    "minister", "Sanctions", "GENEVA", "nuclear", "x", "ab12", "2024",
    "\u201cQuoted,\u201d", "\u2018", "\u201e", "\u00ab", "\u00bb", "\u2013", "\u2014", "\u2026",
    "\u00a0", "\u2022", "\u2019", "don\u2019t", "\u2019s", "a\u2019\u2019b", "a'\u2019b", "rock\u2019n'roll",
    "\u2018Quoted.\u2019 ", "\u00a3", "\u20ac5", "20\u00b0C", "\u00a9", "\u200b", "\u3000", "\u2028", "\x85",
    "\u2032", "\u2033", "\u201a", "\u0bbe",
]
# Characters that take a text off the plain path, or that the plain path must not mistake.
OTHER_PIECES = ["\x00", "Caf\u00e9", "e\u0301", "\u00aa", "\u00b2",
                "\u0645\u0630\u0627\u06a9\u0631\u0627\u062a", "\u0627\u06cc\u0631\u0627\u0646",
                "\u5317\u4eac\u7ecf\u6d4e", "\u3002", "\uff01", "\u0964", "\u041c\u043e\u0441\u043a\u0432\u0430",
                "\u0130", "\ufb01", "\u0e3f", "\u30fb", "\u212a"]
LONG = ["x" * 1005, "word " * 230, "Long, clause; after: clause " * 40]

plain_chars = st.text(st.characters(codec=None).filter(tx.is_plain), max_size=3)
plain_text = st.lists(st.sampled_from(PLAIN_PIECES + LONG[:1]) | st.sampled_from(LONG[1:]) | plain_chars,
                      max_size=80).map("".join)
any_text = st.lists(st.sampled_from(PLAIN_PIECES + OTHER_PIECES) | st.text(max_size=5)
                    | st.sampled_from(LONG), max_size=60).map("".join)


def reference(text: str, params: SketchParams, segmented: bool) -> sk.Sketch:
    return sketch(text, segment(text), params) if segmented else sketch_text(text, params)


def slow_index_entry(text: str, params: SketchParams, segmented: bool = True) -> tuple[bytes, bytes]:
    s = reference(text, params, segmented)
    return s.doc_signature.tobytes(), s.index_keys().tobytes()


def slow_scan_entry(text: str, params: SketchParams, segmented: bool = True) -> tuple[bytes, bytes, bytes, bytes]:
    s = reference(text, params, segmented)
    hashes = np.unique(np.fromiter(map(sk._UNIT_HASHES.__getitem__, s.units), dtype=np.uint32))
    return (s.band_keys().tobytes(), np.unique(np.asarray(s.query_keys, dtype=np.int64)).tobytes(),
            hashes.tobytes(), s.doc_signature.tobytes())


def check_bulk(texts: list[str], segmented: bool = True) -> None:
    for params in PARAMS:
        assert index_entries(texts, params) == [slow_index_entry(t, params, segmented) for t in texts]
        assert scan_entries(texts, params) == [slow_scan_entry(t, params, segmented) for t in texts]


@FAST
@given(st.lists(plain_text, min_size=1, max_size=5))
@example(["", "x", " \n ", "...", "'", "a''b c. D''e f.\nHeading"])
@example(["One. Two.\n\nOne. Two.\nBy Ann Lee\nA line of five words here.\nA line of five words here."])
# Boundaries inside lines that are skipped (boilerplate, a repeated line, a heading, a byline).
@example(["READ ALSO: Talks. Sanctions.\nFirst one. Second one.\nRepeated line here. Yes it is.\n"
          "Repeated line here. Yes it is.\nHead. Line\nBy Ann Lee. Reporter\nLast. One."])
def test_bulk_equals_segmented_path_on_plain_texts(texts: list[str]) -> None:
    assert all(tx.is_plain(t) for t in texts)
    check_bulk(texts)


@FAST
@given(st.lists(any_text, min_size=1, max_size=5))
@example(["plain text. Here.", "nul\x00 inside. Text.", "\u5317\u4eac\u7ecf\u6d4e\u3002\u8c08\u5224",
          "don\u2019t stop. Caf\u00e9 ici.", ""])
def test_bulk_equals_sketch_text_on_any_texts(texts: list[str]) -> None:
    # Against sketch_text, what check and the index use: see the next test for where it and the
    # segmented path part.
    check_bulk(texts, segmented=False)


@pytest.mark.xfail(strict=True, reason="known: sketch_text reads a character that NFKC maps into "
                   "an unspaced script (U+2F98B -> U+8201) as a word, segment() as a lone "
                   "unspaced character; fixing it changes keys (SKETCH_VERSION)")
def test_sketch_text_on_a_compatibility_ideograph():
    text = "Talks \U0002f98b here."
    assert sketch_text(text, SketchParams()).units == sketch(text, segment(text), SketchParams()).units


@FAST
@given(plain_text)
@example("  Lead space. Next one.  \nx" + " y" * 25 + ".\n" + "z" * 1200 + ". After.")
def test_plain_spans_are_text_split_block_spans(text: str) -> None:
    expected = [(s.start, s.end) for s in scorable(segment(text), text)]
    assert [(s, e) for s, e in tx.plain_spans(text) if any(c.isalnum() for c in text[s:e])] == expected
    assert tx.scorable_spans(text) == expected


def test_no_texts():
    assert index_entries([], SketchParams()) == [] and scan_entries([], SketchParams()) == []


def test_plain_characters_are_read_as_spaces():
    # What the plain path relies on, checked over every non-ASCII character: those a plain text
    # may hold are never part of a token (but U+2019, read as the ASCII apostrophe, as text does),
    # nor letters or digits (even lower-cased), unspaced script or full-width sentence ends.
    every = "".join(map(chr, range(0x80, 0x110000)))
    plain = tx._NOT_PLAIN_OTHER.sub("", tx._NOT_PLAIN_WORD.sub("", every))
    assert len(plain) > 900_000 and "\u2019" in plain and tx.is_plain(plain)
    usual = tx._USUAL.sub("", every)  # the quick test's characters must be plain
    assert len(usual) == 12 and not tx._NOT_PLAIN_WORD.search(usual) and not tx._NOT_PLAIN_OTHER.search(usual)
    assert not _TOKEN.search(plain.replace("\u2019", "")) and not re.search(r"[^\W_]", plain)
    assert not _UNSPACED.search(plain) and not _FULLWIDTH_BOUNDARY.search(plain)
    assert not re.search("[\x00-\x7f]", plain.lower())
    assert _FOLD["\u2019"] == "'"
    assert _TOKEN.findall("don\u2019t 'n\u2019 a\u2019'b") == ["don\u2019t", "n", "a", "b"]
    assert not tx.is_plain("a\x00") and not tx.is_plain("caf\u00e9") and tx.is_plain("")
    assert not tx.is_plain("e\u0301") and not tx.is_plain("\u0e3f") and tx.is_plain("\u00a3\u2014")


def test_line_boundary_is_text_boundary_over_whole_texts():
    assert _BOUNDARY.pattern.count(r"(\s+)") == 1
    assert tx._LINE_BOUNDARY.pattern.replace("([^\\S\\n]+)", "(\\s+)") == _BOUNDARY.pattern != tx._LINE_BOUNDARY.pattern


@pytest.mark.parametrize("word, code", [
    (b"\x00", sk._SEP), (b"'", sk._NO_TOKEN), (b"''", sk._NO_TOKEN), (b"the", sk._STOP),
    (b"'the'", sk._STOP), (b"a''b", sk._MULTI), (b"x'", sk._UNIT_HASHES["x"]),
    (b"rock'n'roll", sk._UNIT_HASHES["rock'"]), (b"sanctions", sk._UNIT_HASHES["sanct"]),
])
def test_word_codes(word, code):
    assert sk._CODES[word] == code


def test_minima_in_blocks_of_any_size(monkeypatch):
    rng = np.random.default_rng(5)
    hashes = rng.integers(0, 2**32, 300, dtype=np.uint32)
    lengths = np.array([1, 5, 100, 3, 191])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    expected = np.stack([sk.signature(run, 64, 1) for run in np.split(hashes, starts[1:])])
    for block in (1, 4 * 300 * 3, 1 << 30):
        monkeypatch.setattr(sk, "_BLOCK_BYTES", block)
        assert np.array_equal(sk._minima(sk._fmix32(hashes), starts, 64, 1), expected)


def test_doc_sorted_unique_with_many_documents():
    rng = np.random.default_rng(6)
    n_docs = 40_000  # past the int16 document numbers of the radix sort
    docs = rng.integers(0, n_docs, 100_000)
    keys = rng.integers(-50, 50, docs.size)
    out, bounds = sk._doc_sorted_unique(docs, keys, n_docs)
    for d in (0, 1, 12345, n_docs - 1):
        assert np.array_equal(out[bounds[d]:bounds[d + 1]], np.unique(keys[docs == d]))


def test_common_units_leave_passage_signatures_only() -> None:
    text = ("The minister held talks on the nuclear deal. Sanctions stay until 2024, Smith said. "
            "Talks resume in Geneva next week with the minister. Inspectors visit the reactor site.\n"
            "Minister talks nuclear sanctions. Minister talks nuclear sanctions again.")
    plain, learned = PARAMS[0], replace(PARAMS[0], common=PARAMS[2].common)
    a, b = sketch_text(text, plain), sketch_text(text, learned)
    assert a.doc_keys == b.doc_keys and a.term_keys == b.term_keys and a.units == b.units
    assert a.passage_keys != b.passage_keys
    # The same windows, of the other units: as if the common units were not in the text.
    common = {"minis", "talks", "nucle", "sanct", "2024", "smith"}
    units = [[u for u in seg if u not in common] for seg in tx.units_fast(text, tx.scorable_spans(text))]
    assert b.passage_keys == sk._build(units, plain).passage_keys
    # A text of common units only has document keys and no passage key.
    only = sketch_text("Minister talks nuclear sanctions. Smith talks 2024 sanctions.", learned)
    assert only.doc_keys and not only.passage_keys
    assert learned == plain and learned.to_dict() == plain.to_dict()  # not a compared parameter


def test_unit_frequencies_count_the_texts_holding_each_unit(monkeypatch) -> None:
    from collections import Counter

    texts = ["The minister held talks. Talks went on.", "Nuclear talks, the minister said.",
             "", "Sanctions stay. The minister left.", "Caf\u00e9 ici. Talks again."]
    hashes, counts = sk.unit_frequencies(texts)
    expected = Counter(h for t in texts for h in {sk._UNIT_HASHES[u] for u in sketch_text(t, PARAMS[0]).units})
    assert dict(zip(hashes.tolist(), counts.tolist(), strict=True)) == expected
    assert list(hashes) == sorted(hashes)
    # Learned from parts, the same units as from the whole; "minis" and "talks" are in 3 of 5.
    monkeypatch.setattr(sk, "COMMON_SHARE", 0.5)
    whole = sk.learn_common([sk.unit_frequencies(texts)], len(texts))
    assert whole == sk.learn_common([sk.unit_frequencies(texts[:2]), sk.unit_frequencies(texts[2:])], len(texts))
    assert whole == _common("minis", "talks")
