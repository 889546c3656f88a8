"""Property-based tests (hypothesis). conftest.py loads a derandomized "ci" profile when CI is
set, so CI runs the same examples every time.

- segmentation: offsets in bounds, in order, and covering the text's non-space content;
- normalization: every normalized character comes from the original character its offset names;
- alignment of a text with itself is complete and verbatim wherever a sentence can be scored;
- every renderer produces output for any result, and the HTML never carries an unescaped "<"
  from the article's text.
"""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from provenance import api
from provenance.documents import Document
from provenance.report import render
from provenance.settings import Settings
from provenance.text import _FOLD, content_units, normalize, segment, tokenize

FAST = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)

# Arbitrary text, weighted toward what segmentation cares about: letters of several scripts,
# sentence ends, quotes, brackets, line breaks and every kind of space.
INTERESTING = list(". . . ! ? \u3002\uff01\uff1f\u061f\u06d4\u0964 \" ' \u201c\u201d\u2018\u2019\u00ab\u00bb"
                   "\u300c\u300d ( ) [ ] , ; : - \u2014 \n\n\n\r\t\u00a0\u2028\u3000\x0b\x0c\x1c\x85")
WORDS = ["U.S.", "Jan.", "Mr.", "Dr.", "J.", "By", "READ", "ALSO:", "Discuss", "3.5", "e.g.",
         "Москва", "中文", "句子", "ایران", "است", "The", "minister", "said"]
arbitrary_text = st.lists(
    st.one_of(st.text(max_size=12), st.sampled_from(INTERESTING), st.sampled_from(WORDS)),
    max_size=60,
).map("".join)


def non_space(s: str) -> str:
    return "".join(c for c in s if not c.isspace())


@FAST
@given(arbitrary_text)
def test_segments_are_in_bounds_in_order_and_cover_the_text(text: str) -> None:
    segments = segment(text)
    previous_end = 0
    for s in segments:
        assert 0 <= previous_end <= s.start < s.end <= len(text)
        assert text[s.start:s.end] == s.text
        assert s.text == s.text.strip()
        previous_end = s.end
    assert "".join(non_space(s.text) for s in segments) == non_space(text)


def expansion(ch: str) -> str:
    """What normalize() may turn one original character into (whitespace shown as " ")."""
    piece = _FOLD.get(ch)
    if piece is None:
        piece = unicodedata.normalize("NFKC", ch).casefold() if not ch.isascii() else ch.lower()
    return "".join(" " if c.isspace() else c for c in piece)


@FAST
@given(arbitrary_text)
def test_normalize_offsets_map_back_to_the_original(text: str) -> None:
    n = normalize(text)
    assert len(n.offsets) == len(n.text)
    assert list(n.offsets) == sorted(n.offsets)
    for ch, i in zip(n.text, n.offsets, strict=True):
        assert 0 <= i < len(text)
        assert ch in expansion(text[i]), (ch, text[i])
    # Nothing that normalizes to a visible character is dropped.
    kept = set(n.offsets)
    for i, ch in enumerate(text):
        if expansion(ch).strip():
            assert i in kept, (i, ch)
    # Spans map back: the whole normalized text covers the original's visible characters.
    if n.text:
        s, e = n.original_span(0, len(n.text))
        assert not "".join(expansion(c) for c in text[:s]).strip()
        assert not "".join(expansion(c) for c in text[e:]).strip()


# --- alignment with itself ---------------------------------------------------------------------------

VOCABULARY = ("minister talks Geneva nuclear sanctions agreement government officials economy "
              "election parliament protest energy prices Москва переговоры санкции 北京 经济 谈判 "
              "ایران مذاکرات تحریم").split()
STOP = ["the", "of", "and", "to", "in", "said", "that"]
sentence = st.lists(st.sampled_from(VOCABULARY + STOP), min_size=1, max_size=18).map(
    lambda ws: " ".join(ws).capitalize() + ".")
article = st.lists(st.lists(sentence, min_size=1, max_size=4).map(" ".join),
                   min_size=1, max_size=6).map("\n".join)


def scorable(text: str, start: int, end: int, settings_: Settings, min_units: int = 1) -> bool:
    units = set(content_units(tokenize(text, start, end)))
    return end - start >= settings_.min_sentence_chars and len(units) >= min_units


def self_aligned(text: str):
    s = Settings()
    result = api.compare(Document("article", text), Document("same text", text), s)
    assert result.status == "ok"
    return s, result


@FAST
@given(article)
def test_a_text_aligned_with_itself_is_complete(text: str) -> None:
    s, result = self_aligned(text)
    for a in result.sentences:
        # Two distinct content units at least: see test_sentence_with_one_content_word...
        if a.kind != "boilerplate" and scorable(text, a.start, a.end, s, min_units=2):
            assert a.source == "same text", a


@FAST
@given(article)
@example("Minister minister minister talks. Minister talks minister talks.")
def test_a_text_aligned_with_itself_is_verbatim_sentence_for_sentence(text: str) -> None:
    s, result = self_aligned(text)
    for a in result.sentences:
        if a.kind != "boilerplate" and scorable(text, a.start, a.end, s):
            assert a.source == "same text" and a.label == "verbatim", a
            assert text[a.source_start:a.source_end] == a.text


def test_sentence_with_one_content_word_matches_itself() -> None:
    text = "The minister, the minister and the minister.\n"
    result = api.compare(Document("article", text), Document("same text", text))
    assert result.sentences[0].label == "verbatim"


# --- renderers -----------------------------------------------------------------------------------------

# Tag names no template uses, so any of them in the HTML came from the article unescaped.
MARKUP = ["<script>alert(1)</script>", "<zqx>", "</zqx>", "<img src=x onerror=alert(1)>",
          "<svg/onload=alert(1)>", "<!--", "&lt;zqx&gt;", "&", "<<", "]]>", "{{ x }}", "{% raw %}",
          "`", "|", "*", "#", "\\"]
UNESCAPED = ("<script>alert", "<zqx", "</zqx", "<img src=x", "<svg/onload", "<zq-id", "<zq-outlet")
hostile_sentence = st.lists(
    st.one_of(st.sampled_from(VOCABULARY + STOP), st.sampled_from(MARKUP), st.text(max_size=6)),
    min_size=1, max_size=14).map(lambda ws: " ".join(ws) + ".")
hostile_article = st.lists(hostile_sentence, min_size=1, max_size=8).map("\n".join)


def results_for(text: str, other: str):
    if not text.strip():
        return [api.error_result("article <zq-id>", None, "empty article <zqx> (no text)")]
    out = [api.compare(Document("article <zq-id>", text, outlet="<zq-outlet>Outlet"),
                       Document("source <zqx>", text + "\n" + other, title="<zqx>title"))]
    if other.strip():
        out.append(api.compare(Document("article", text), Document("other", other)))
    return out


@settings(FAST, max_examples=40)
@given(hostile_article, hostile_article)
def test_every_renderer_gives_output_and_html_escapes_article_text(text: str, other: str) -> None:
    for result in results_for(text, other):
        for fmt in ("text", "json", "markdown", "html"):
            out = render(result, fmt)
            assert isinstance(out, str) and out.strip()
        html = render(result, "html")
        for marker in UNESCAPED:
            assert marker not in html, marker
