"""Unit tests of the text model: normalization, tokens, sentence segmentation, boilerplate,
credits. Edge cases are parametrized tables, one id per case."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.text import (
    MAX_SENTENCE_CHARS,
    content_units,
    credit_mentions,
    credits_outlet,
    normalize,
    paragraphs,
    scoring_length,
    segment,
    tokenize,
)


def texts(article: str, kind: str | None = "sentence") -> list[str]:
    return [s.text for s in segment(article) if kind is None or s.kind == kind]


def kinds(article: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in segment(article)]


# --- normalization ---------------------------------------------------------------------------------

@pytest.mark.parametrize("original, normalized", [
    pytest.param("\u201cHello\u201d", '"hello"', id="curly-double-quotes"),
    pytest.param("it\u2019s", "it's", id="curly-apostrophe"),
    pytest.param("a \u2013 b \u2014 c", "a - b - c", id="dashes"),
    pytest.param("  many   \n\t spaces  ", "many spaces", id="whitespace-collapsed-and-trimmed"),
    pytest.param("\uff21\uff22\uff23", "abc", id="full-width-latin-nfkc"),
    pytest.param("\ufb01nance", "finance", id="ligature-expands"),
    pytest.param("STRASSE Stra\u00dfe", "strasse strasse", id="casefold-sharp-s"),
    pytest.param("wait\u2026", "wait...", id="ellipsis"),
    pytest.param("\u0643\u062a\u0627\u0628", "\u06a9\u062a\u0627\u0628", id="arabic-kaf-to-persian"),
    pytest.param("\u0639\u0644\u064a", "\u0639\u0644\u06cc", id="arabic-yeh-to-persian"),
    pytest.param("\u0643\u0650\u062a\u064e\u0627\u0628", "\u06a9\u062a\u0627\u0628", id="arabic-short-vowels-dropped"),
    pytest.param("", "", id="empty"),
])
def test_normalize(original: str, normalized: str) -> None:
    assert normalize(original).text == normalized


@pytest.mark.parametrize("original", [
    "\u201cQuoted\u201d \ufb01ne\u2026  end", "  lead", "\u0643\u0650\u062a\u064e\u0627\u0628 x", "a\u00a0b",
])
def test_normalize_offsets_point_at_the_source_character(original: str) -> None:
    n = normalize(original)
    assert len(n.offsets) == len(n.text)
    assert list(n.offsets) == sorted(n.offsets)
    for ch, i in zip(n.text, n.offsets, strict=True):
        assert ch == " " and original[i].isspace() or ch in normalize(original[i]).text or \
            ch in (original[i].casefold() + "'\"-.")


def test_original_span_maps_back() -> None:
    original = "  \u201cBig\u201d   news"
    n = normalize(original)
    start = n.text.index("news")
    s, e = n.original_span(start, start + 4)
    assert original[s:e] == "news"
    assert n.original_span(len(n.text), len(n.text)) == (len(original), len(original))


# --- tokens and content units ------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    pytest.param("Don't stop", ["don't", "stop"], id="apostrophe-inside-word"),
    pytest.param("U.S. officials", ["u", "s", "officials"], id="abbreviation-letters"),
    pytest.param("co-operate", ["co", "operate"], id="hyphen-splits"),
    pytest.param("snake_case", ["snake", "case"], id="underscore-splits"),
    pytest.param("中文句子", ["中", "文", "句", "子"], id="cjk-one-token-per-character"),
    pytest.param("東京タワー", ["東", "京", "タ", "ワ", "ー"], id="japanese"),
    pytest.param("हिन्दी भाषा", ["हिन्दी", "भाषा"], id="devanagari-vowel-signs-stay-inside"),
    pytest.param("كِتَاب", ["کتاب"], id="arabic-harakat-inside-then-dropped"),
    pytest.param("caf\u0065\u0301", ["caf\u00e9"], id="decomposed-accent-composed"),
    pytest.param("Москва, 2024", ["москва", "2024"], id="cyrillic-and-digits"),
])
def test_tokenize(text: str, words: list[str]) -> None:
    tokens = tokenize(text)
    assert [t.text for t in tokens] == words
    for t in tokens:
        assert text[t.start:t.end].strip() and t.start < t.end


def test_content_units_drop_stopwords_and_stem() -> None:
    assert content_units(tokenize("The countries said they would sanction it")) == [
        "count", "sanct"]


def test_content_units_are_character_bigrams_for_unspaced_scripts() -> None:
    assert content_units(tokenize("中方愿意")) == ["中方", "方愿", "愿意"]
    assert content_units(tokenize("中")) == ["中"]
    assert content_units(tokenize("北京 Beijing")) == ["北京", "beiji"]


@pytest.mark.parametrize("text, length", [
    ("abc", 3), ("中文", 6), ("中文 ab", 9), ("", 0), ("Москва", 6),
])
def test_scoring_length_weights_unspaced_characters(text: str, length: int) -> None:
    assert scoring_length(text) == length


# --- sentence segmentation ----------------------------------------------------------------------------

@pytest.mark.parametrize("article, expected", [
    pytest.param("It rained. The match was off.", ["It rained.", "The match was off."], id="plain"),
    pytest.param("U.S. officials met on Jan. 5 in Geneva. Talks went well.",
                 ["U.S. officials met on Jan. 5 in Geneva.", "Talks went well."], id="us-and-jan"),
    pytest.param("Mr. Smith and Dr. Jones arrived. They spoke.",
                 ["Mr. Smith and Dr. Jones arrived.", "They spoke."], id="titles"),
    pytest.param("J. R. R. Tolkien wrote it. Readers loved it.",
                 ["J. R. R. Tolkien wrote it.", "Readers loved it."], id="initials"),
    pytest.param('"We will not stop," he said. "Never." Then he left.',
                 ['"We will not stop," he said.', '"Never."', "Then he left."], id="straight-quotes"),
    pytest.param("\u201cIt is over.\u201d She left the room. The end.",
                 ["\u201cIt is over.\u201d", "She left the room.", "The end."], id="curly-quote-closes"),
    pytest.param("Prices rose 3.5 percent. Wages did not.",
                 ["Prices rose 3.5 percent.", "Wages did not."], id="decimal-number"),
    pytest.param("Is it true? Yes! It is.", ["Is it true?", "Yes!", "It is."], id="question-exclaim"),
    pytest.param("He said (quietly.) Then went home.", ["He said (quietly.)", "Then went home."],
                 id="closing-bracket"),
    pytest.param("the end. lowercase start stays.", ["the end. lowercase start stays."],
                 id="lowercase-after-dot-no-split"),
    pytest.param("第一句。第二句！第三句？", ["第一句。", "第二句！", "第三句？"], id="cjk-no-spaces"),
    pytest.param("他说：\u201c我们会来。\u201d然后走了。", ["他说：\u201c我们会来。\u201d", "然后走了。"],
                 id="cjk-closing-quote"),
    pytest.param("این چیست؟ آن کتاب است. خوب است۔", ["این چیست؟", "آن کتاب است.", "خوب است۔"],
                 id="persian-question-and-full-stop"),
    pytest.param("यह पहला वाक्य है। यह दूसरा है।", ["यह पहला वाक्य है।", "यह दूसरा है।"], id="devanagari-danda"),
    pytest.param("Trade rose. 中国经济增长。Exports fell. 出口下降。",
                 ["Trade rose.", "中国经济增长。", "Exports fell.", "出口下降。"], id="mixed-script"),
    pytest.param("Это первое. Это второе.", ["Это первое.", "Это второе."], id="cyrillic"),
])
def test_sentences(article: str, expected: list[str]) -> None:
    assert texts(article + "\n") == expected


@pytest.mark.parametrize("article, expected", [
    pytest.param("Iran Says Talks Will Resume\nThe minister spoke on Monday.",
                 [("heading", "Iran Says Talks Will Resume"), ("sentence", "The minister spoke on Monday.")],
                 id="heading"),
    pytest.param("By John Smith, Reuters\nThe minister spoke.",
                 [("byline", "By John Smith, Reuters"), ("sentence", "The minister spoke.")], id="byline"),
    pytest.param("The minister spoke.\nREAD ALSO: Another story here",
                 [("sentence", "The minister spoke."), ("boilerplate", "READ ALSO: Another story here")],
                 id="read-also"),
    pytest.param("Discuss\nThe minister spoke.",
                 [("boilerplate", "Discuss"), ("sentence", "The minister spoke.")], id="discuss"),
    pytest.param("Subscribe to our newsletter for more\nText.",
                 [("boilerplate", "Subscribe to our newsletter for more"), ("sentence", "Text.")],
                 id="subscribe"),
    pytest.param("A crowd in the square (Photo: AP)\nText here.",
                 [("boilerplate", "A crowd in the square (Photo: AP)"), ("sentence", "Text here.")],
                 id="photo-caption"),
    pytest.param("Police cordon off the busy square\nText.\nPolice cordon off the busy square",
                 [("boilerplate", "Police cordon off the busy square"), ("sentence", "Text."),
                  ("boilerplate", "Police cordon off the busy square")], id="repeated-caption"),
    pytest.param("\u00a9 2024 Example News. All rights reserved.",
                 [("boilerplate", "\u00a9 2024 Example News. All rights reserved.")], id="copyright"),
])
def test_line_kinds(article: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(article) == expected


def test_quoted_sentences_are_marked() -> None:
    segs = segment("\u201cWe will respond firmly and without delay.\u201d The minister then left.\n"
                   "\u300c我们会回应。\u300d他说。\n")
    assert [(s.text, s.quoted) for s in segs] == [
        ("\u201cWe will respond firmly and without delay.\u201d", True),
        ("The minister then left.", False),
        ("\u300c我们会回应。\u300d", True),
        ("他说。", False),
    ]


def test_paragraph_numbers_count_non_empty_lines() -> None:
    segs = segment("First one. Second one.\n\n\nThird one.\n")
    assert [s.paragraph for s in segs] == [0, 0, 1]


def test_offsets_point_into_the_original_text() -> None:
    article = "  Lead with spaces.  Next one here.\r\nWindows line end.\n"
    for s in segment(article):
        assert article[s.start:s.end] == s.text == s.text.strip()


# --- over-long sentences -------------------------------------------------------------------------------

def test_long_sentence_is_cut_into_bounded_pieces_covering_it() -> None:
    line = " ".join(f"word{i % 37}" for i in range(5000))  # ~34,000 characters, no punctuation
    segs = segment(line)
    assert len(segs) > 30
    assert all(s.end - s.start <= MAX_SENTENCE_CHARS for s in segs)
    assert "".join(s.text for s in segs).replace(" ", "") == line.replace(" ", "")


def test_long_sentence_cuts_resynchronise_after_an_edit() -> None:
    """Cuts are chosen by content, so a copy with a word inserted near the start is cut at the
    same places as its source a little further on."""
    words = [f"w{(i * 7919) % 1009}" for i in range(3000)]
    source = " ".join(words)
    edited = " ".join(words[:10] + ["inserted", "words"] + words[10:])
    tail = {s.text for s in segment(source)[3:]}
    edited_tail = {s.text for s in segment(edited)[3:]}
    assert len(tail & edited_tail) >= 0.8 * len(tail)


def test_run_without_spaces_is_cut_hard() -> None:
    blob = "A" * 3500 + "."
    assert [s.end - s.start for s in segment(blob)] == [1000, 1000, 1000, 501]


def test_long_cjk_sentence_cuts_after_commas() -> None:
    clause = "中方愿与各方共同努力推动谈判取得成果，"
    text = clause * 200 + "。"
    segs = segment(text)
    assert all(s.end - s.start <= MAX_SENTENCE_CHARS for s in segs)
    assert all(s.text.endswith(("，", "。")) for s in segs)


def test_long_heading_like_line_is_not_one_heading() -> None:
    line = "中" * 5000  # no spaces, no terminal punctuation: one "word"
    assert {s.kind for s in segment(line)} == {"sentence"} and len(segment(line)) == 5


# --- credits -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, names", [
    ("According to Sputnik, talks resumed.", ["Sputnik"]),
    ("Talks resumed, as per Reuters.", ["Reuters"]),
    ("The report, citing the Associated Press, said so.", ["Associated Press"]),
    ("Nothing credited here.", []),
])
def test_credit_mentions(text: str, names: list[str]) -> None:
    assert credit_mentions(text) == names


@pytest.mark.parametrize("text, outlet, credited", [
    ("According to Sputnik, talks resumed.", "Sputnik", True),
    ("Sputnik reported that talks resumed.", "Sputnik", True),
    ("Sputnik is a news agency.", "Sputnik", False),
    ("According to Sputnik News, talks resumed.", "Sputnik News", True),
    ("According to Sputnik.", None, False),
    ("According to Sputnik.", "  ", False),
    ("According to A.P. sources", "A.P.", True),  # regex characters in the outlet are escaped
    ("According to Yahoo! News", "Yahoo!", True),
    ("According to Sputniks", "Sputnik", False),
])
def test_credits_outlet(text: str, outlet: str | None, credited: bool) -> None:
    assert credits_outlet(text, outlet) is credited


# --- sketch's fast path applies the same rules ------------------------------------------------------

def scorable_segment_spans(text: str) -> list[tuple[int, int]]:
    from provenance.sketch import scorable

    return [(s.start, s.end) for s in scorable(segment(text), text)]


@pytest.mark.parametrize("text", [
    "Heading line\nA sentence. Another one.\n", "x" * 3000 + ".", "word " * 300,
    "第一句。第二句！\nTrade rose. 中国经济增长。\n",
])
def test_sketch_fast_path_agrees_with_segment(text: str) -> None:
    from provenance.sketch import scorable_spans

    assert scorable_spans(text) == scorable_segment_spans(text)


def test_sketch_fast_path_agrees_on_a_long_line_without_spaces() -> None:
    from provenance.sketch import scorable_spans

    text = "中" * 5000
    assert scorable_spans(text) == scorable_segment_spans(text)


def test_lines_are_paragraphs_and_wrapped_lines_are_read_one_by_one() -> None:
    # Documented limitation (see text.paragraphs): hard-wrapped text is read line by line.
    text = "Talks resumed in late November and little\nprogress has been made since then.\n\nA new paragraph."
    assert [s.paragraph for s in segment(text)] == [0, 1, 2]


@given(st.text(alphabet=st.sampled_from("ab \n\t\r.\u2028\u00a0"), max_size=60))
def test_paragraphs_are_the_non_blank_lines(text: str) -> None:
    import re

    assert paragraphs(text) == [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)
                                if m.group().strip()]


def test_credits_name_outlets_not_people_or_picture_agencies() -> None:
    from provenance.text import credit_mentions

    text = ("According to Raisi, the deal holds. According to the IMF, growth slowed. Photo via "
            "Getty Images. As reported by the Moscow Times, and per Reuters. Citing TASS, it said.")
    assert credit_mentions(text) == ["Moscow Times", "Reuters", "TASS"]


def _quote_mask_per_character(text: str) -> bytearray:
    """The quotation-mark rules of text._quote_mask read one character at a time (its earlier
    form): the reference for the version that visits only the marks."""
    from provenance.text import CLOSING_QUOTES, OPENING_QUOTES

    mask = bytearray(len(text))
    inside = False
    for i, ch in enumerate(text):
        if ch in OPENING_QUOTES:
            inside = True
        elif ch in CLOSING_QUOTES:
            mask[i] = 1
            inside = False
            continue
        elif ch == '"':
            if inside:
                mask[i] = 1
            inside = not inside
            continue
        if inside:
            mask[i] = 1
    return mask


@given(st.text(alphabet='ab "\u201c\u201d\u201e\u00ab\u00bb\u300c\u300d\u300e\u300f', max_size=40))
def test_quote_mask_marks_what_a_character_walk_marks(text: str) -> None:
    from provenance.text import _quote_mask

    assert _quote_mask(text) == _quote_mask_per_character(text)
