"""Reports a newcomer can file and read (issue #14): every human report says when and by what
it was made and against which index; near-duplicate sources are folded under their group's
head; later articles that reuse the checked one have a section of their own; words moved within
a sentence are shown as moves; the terminal's outline explains each of its marks."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from markdown_it import MarkdownIt

from provenance import Document, Settings, __version__
from provenance.api import analyse, check, compare, error_result, index_from_paths, tool_info
from provenance.documents import load_document
from provenance.report import _view, render
from provenance.results import AlignedPair, CheckResult, DiffOp, SourceFinding

from .conftest import A000, A003, SAMPLES

HUMAN = ("text", "markdown", "html")
GENERATED = "2023-11-14T22:13:20Z"  # SOURCE_DATE_EPOCH=1700000000 (conftest)


def out(result: CheckResult, fmt: str) -> str:
    return render(result, fmt, color=False, width=100)


def visible(markup: str) -> str:
    """Text of an HTML or rendered Markdown page, tags dropped, entities decoded."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def md_html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


@pytest.fixture(scope="module")
def samples_index():
    index, _ = index_from_paths([SAMPLES])
    return index


@pytest.fixture(scope="module")
def check_000(samples_index) -> CheckResult:
    return check(load_document(A000), samples_index)


@pytest.fixture(scope="module")
def check_003(samples_index) -> CheckResult:
    return check(load_document(A003), samples_index)


@pytest.fixture(scope="module")
def compare_000_003() -> CheckResult:
    return compare(load_document(A000), load_document(A003))


# --- 1. Reports as evidence ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", HUMAN)
def test_check_report_says_when_by_what_and_against_which_index(check_000: CheckResult, fmt: str) -> None:
    index = check_000.tool["index"]
    text = out(check_000, fmt)
    shown = visible(md_html(text)) if fmt == "markdown" else visible(text) if fmt == "html" else text
    flat = " ".join(shown.split())
    assert f"Generated {GENERATED} by provenance {__version__}" in flat
    assert index["fingerprint"] in flat and len(index["fingerprint"]) == 32
    assert f"({index['documents']} articles)" in flat and index["documents"] == 3


@pytest.mark.parametrize("fmt", HUMAN)
def test_compare_report_says_there_was_no_index(compare_000_003: CheckResult, fmt: str) -> None:
    assert "index" not in compare_000_003.tool
    text = out(compare_000_003, fmt)
    flat = " ".join((visible(md_html(text)) if fmt == "markdown" else visible(text)).split())
    assert f"Generated {GENERATED} by provenance {__version__}" in flat
    assert "compared with one source, no index" in flat.lower()


@pytest.mark.parametrize("fmt", HUMAN)
def test_a_failed_check_is_stamped_too(samples_index, fmt: str) -> None:
    result = error_result("broken.txt", "broken.txt", "not UTF-8", index=samples_index)
    flat = " ".join(visible(out(result, fmt)).split())
    assert "not UTF-8" in flat and GENERATED in flat and samples_index.fingerprint() in flat


def test_the_stamp_is_the_only_time_and_follows_source_date_epoch(
        samples_index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    result = check(load_document(A000), samples_index)
    for fmt in HUMAN:
        text = out(result, fmt)
        assert "2020-09-13T12:26:40Z" in text and GENERATED not in text
        assert re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text) == ["2020-09-13T12:26:40Z"]


def test_evidence_line_short_form(check_000: CheckResult) -> None:
    made, against = _view.evidence(check_000, short=True)
    assert made == f"Generated {GENERATED} by provenance {__version__}"
    assert against == "index 070041dc\u2026 (3 articles)"


# --- 2 and 3. Siblings folded; later articles that reuse this one -------------------------------

STORY = [
    "Officials in the northern province confirmed that the bridge would close for repairs in March.",
    "Engineers found cracks in two of the supporting pillars during a routine inspection last week.",
    "The closure is expected to last at least six months and will divert traffic through the valley.",
    "Local businesses warned that the detour could cut their takings by a third over the summer.",
]


@pytest.fixture(scope="module")
def family() -> CheckResult:
    """A wire story, its rewrite (a sibling), and a later article that copies the checked one."""
    settings = Settings()
    wire = Document(id="wire.txt", text="\n".join(STORY), outlet="Wire", published="2024-03-01")
    rewrite = Document(id="rewrite.txt", text="\n".join(STORY[:3]) + "\nA spokesman declined to comment.",
                       published="2024-03-02")
    later = Document(id="later.txt", text="\n".join(STORY) + "\nMore on this later.", published="2024-03-09")
    article = Document(id="new.txt", text="\n".join(STORY), published="2024-03-05")
    result = analyse(article, [rewrite, wire, later], settings, tool_info(settings))
    by_id = {s.id: s for s in result.sources}
    # What the reports are given: a group (wire + rewrite) and a reuser (later).
    assert by_id["rewrite.txt"].sibling_of == "wire.txt" and by_id["rewrite.txt"].flagged
    assert by_id["later.txt"].reuses_article and by_id["later.txt"].flagged
    assert [f.id for f in result.findings] == ["wire.txt"] and result.verdict == "copy"
    return result


def test_layout_orders_heads_siblings_then_reusers(family: CheckResult) -> None:
    plan = _view.layout(family)
    assert [(g.head.id, [s.id for s in g.siblings]) for g in plan.origins] == [("wire.txt", ["rewrite.txt"])]
    assert [g.head.id for g in plan.reusers] == ["later.txt"]
    assert _view.source_letters(family) == {"wire.txt": "A", "rewrite.txt": "B", "later.txt": "C"}


def test_text_folds_the_sibling_and_lists_the_reuser_apart(family: CheckResult) -> None:
    text = out(family, "text")
    rows = [line for line in text.splitlines() if re.match(r"[A-C]   \S", line)]
    assert [r.split()[:3] for r in rows] == [["A", "wire.txt", "copy"], ["C", "later.txt", "copy"]]
    assert "also in: B rewrite.txt (near-duplicate of A" in text
    assert "rewrite.txt  copy" not in text  # no section of its own with a verdict
    origins, reusers = text.split("Later articles reusing this one")
    assert "later.txt" not in origins.split("Differences:")[0]
    assert "C later.txt  reuses this article: copy, 100% of it" in reusers


def test_markdown_folds_the_sibling_and_lists_the_reuser_apart(family: CheckResult) -> None:
    markdown = out(family, "markdown")
    html = md_html(markdown)
    tables = [t.split("</table>")[0] for t in html.split("<table>")[1:]]
    assert len(tables) == 2
    main, later = tables
    assert main.count("<tr>") == 2 and "also in (near-duplicates of A): B rewrite.txt" in main
    assert "later.txt" not in main and "rewrite.txt" not in later and later.count("<tr>") == 2
    assert "<th>Reuses</th>" in later
    head = markdown.index("### Later articles reusing this one")
    assert markdown.index("| C | later.txt") > head
    assert "### B · rewrite.txt · also in: near-duplicate of A" in markdown
    assert "rewrite.txt · copy" not in markdown


def test_html_folds_the_sibling_and_counts_only_heads(family: CheckResult) -> None:
    markup = out(family, "html")
    assert "1 of 1 aligned source flagged" in markup
    assert "1 near-duplicate folded" in markup and "1 later article reuses this one" in markup
    sources = markup[markup.index('id="h-sources"'):markup.index('id="h-reusers"')]
    reusers = markup[markup.index('id="h-reusers"'):markup.index('id="h-map"')]
    assert sources.count("<tr class=") == 1 and "rewrite.txt" in sources
    assert "Also in (near-duplicates of A, folded)" in sources and "later.txt" not in sources
    assert reusers.count("<tr class=") == 1 and "later.txt" in reusers and ">Reuses</th>" in reusers
    assert "&#9873; flagged" not in reusers  # how much it reuses, not a finding
    tabs = re.findall(r'<button type="button" role="tab".*?</button>', markup)
    assert len(tabs) == 3
    assert "near-duplicate of A" in tabs[1] and "verdict" not in tabs[1]
    assert "reuses this article:" in tabs[2]


def test_json_keeps_siblings_and_reusers_among_the_sources(family: CheckResult) -> None:
    data = json.loads(render(family, "json"))
    assert [(s["id"], s["sibling_of"], s["reuses_article"]) for s in data["sources"]] == [
        (s.id, s.sibling_of, s.reuses_article) for s in family.sources]
    assert {s["id"] for s in data["sources"]} == {"wire.txt", "rewrite.txt", "later.txt"}


@pytest.mark.parametrize("fmt", HUMAN)
def test_sample_000_reuses_003_and_is_shown_as_such(check_003: CheckResult, fmt: str) -> None:
    assert check_003.verdict == "original"
    assert [s.id for s in check_003.reusers] == ["000_49245dd74f8c1102.txt"]
    text = out(check_003, fmt)
    if fmt == "markdown":
        text = visible(md_html(text))
    head, section = re.split(r"Later articles reusing this one", text, maxsplit=1)
    assert "000_49245dd74f8c1102" not in head
    assert "000_49245dd74f8c1102" in section[:2000] and "partial" in section[:2000]


def test_a_sibling_whose_head_is_missing_is_listed_on_its_own(family: CheckResult) -> None:
    orphan = replace(next(s for s in family.sources if s.id == "rewrite.txt"), sibling_of="gone.txt")
    result = replace(family, sources=tuple(orphan if s.id == "rewrite.txt" else s for s in family.sources))
    assert [g.head.id for g in _view.layout(result).origins] == ["wire.txt", "rewrite.txt"]
    assert "B   rewrite.txt" in out(result, "text")


# --- 4. Moves -------------------------------------------------------------------------------------

ARTICLE = "During his two-day visit to Moscow, the Iranian president met senior officials."
SOURCE = "The Iranian president met senior officials during his two-day visit to Moscow."


def _pair(article: str, source: str, ops: list[tuple[str, str, str]]) -> tuple[SourceFinding, AlignedPair]:
    """A pair over the whole of both texts from (op, article words, source words) in order."""
    diff, a_pos, s_pos = [], 0, 0
    for op, a_words, s_words in ops:
        a_start = article.index(a_words, a_pos) if a_words else a_pos
        s_start = source.index(s_words, s_pos) if s_words else s_pos
        diff.append(DiffOp(op, a_start, a_start + len(a_words), s_start, s_start + len(s_words)))
        a_pos, s_pos = a_start + len(a_words), s_start + len(s_words)
    pair = AlignedPair(0, len(article), 0, len(source), 0.8, "paraphrase", False, True, True, tuple(diff))
    source_finding = SourceFinding("s.txt", None, "paraphrase", 1.0, 0.8, False, "unknown", "",
                                   pairs=(pair,), text=source)
    return source_finding, pair


def _moved_pair():
    return _pair(ARTICLE, SOURCE, [
        ("insert", "During his two-day visit to Moscow", ""),
        ("replace", "the", "The"),
        ("equal", "Iranian president met senior officials", "Iranian president met senior officials"),
        ("delete", "", "during his two-day visit to Moscow"),
    ])


def test_a_moved_clause_is_one_move_not_an_insertion_and_a_deletion() -> None:
    source, pair = _moved_pair()
    (move,) = _view.moves(ARTICLE, SOURCE, pair)
    assert ARTICLE[move.start:move.end] == "During his two-day visit to Moscow"
    assert SOURCE[move.source_start:move.source_end] == "during his two-day visit to Moscow"
    assert move.words == 6
    items = _view.redline(ARTICLE, source, pair)
    kinds = {i.kind for i in items}
    assert _view.MOVED in kinds and _view.DELETED in kinds  # "The" -> "the" is still a change
    assert [i.text for i in items if i.kind == _view.MOVED] == ["During his two-day visit to Moscow"]
    assert not any("visit" in i.text for i in items if i.kind in (_view.INSERTED, _view.DELETED))
    # Side by side: both ends of the move are marked, nowhere inserted or deleted.
    art = _view.article_chunks(ARTICLE, pair, source_text=SOURCE)
    src = _view.source_chunks(source, pair, article_text=ARTICLE)
    assert [c.text for c in art if c.kind == _view.MOVED] == ["During his two-day visit to Moscow"]
    assert [c.text for c in src if c.kind == _view.MOVED] == ["during his two-day visit to Moscow"]
    assert not any(c.kind in (_view.INSERTED, _view.DELETED) for c in art + src)
    # Without the other text (the old calls), the chunks are as before.
    assert [c.kind for c in _view.article_chunks(ARTICLE, pair)][0] == _view.INSERTED


@pytest.mark.parametrize("fmt, mark", [("text", "{>During his two-day visit to Moscow<}"),
                                       ("markdown", "{>During his two-day visit to Moscow<}"),
                                       ("html", 'class="d-moved moved"')])
def test_every_report_marks_the_move_and_explains_the_mark(fmt: str, mark: str) -> None:
    source, pair = _moved_pair()
    result = CheckResult("ok", None, {"version": "x", "generated": GENERATED}, _article(), "paraphrase",
                         sources=(source,), text=ARTICLE)
    text = " ".join(out(result, fmt).split())
    assert mark in text
    legend = {"text": "{>words<} moved", "markdown": "{>words<} were moved", "html": ">moved</span> same words"}
    assert legend[fmt] in text
    if fmt != "html":
        assert "visit to Moscow+}" not in text and "visit to Moscow-]" not in text
        assert "~~during" not in text and "**During" not in text


def _article():
    from provenance.results import ArticleInfo

    return ArticleInfo("a.txt", "a.txt", "txt", len(ARTICLE))


@pytest.mark.parametrize("article, source, ops, moved", [
    # two words are not a move
    ("Yesterday in Paris, the talks ended.", "The talks ended in Paris.",
     [("insert", "Yesterday in Paris", ""), ("replace", "the", "The"), ("equal", "talks ended", "talks ended"),
      ("delete", "", "in Paris")], []),
    # case and punctuation do not matter; the words and their order do
    ("Said the minister: new taxes, lower rates.", "New taxes, lower rates, said the minister.",
     [("insert", "Said the minister: new taxes, lower rates", ""), ("replace", "", "New taxes, lower rates,"),
      ("delete", "", "said the minister")], ["Said the minister", "new taxes, lower rates"]),
    ("Lower rates new taxes came.", "Came new taxes lower rates.",
     [("insert", "Lower rates new taxes came", ""), ("delete", "", "Came new taxes lower rates")], []),
])
def test_moves_need_three_words_in_the_same_order(article, source, ops, moved) -> None:
    _, pair = _pair(article, source, ops)
    found = _view.moves(article, source, pair)
    assert [article[m.start:m.end] for m in found] == moved


def test_a_word_moves_once_and_the_longest_run_wins() -> None:
    article = "the old bridge over the river the old bridge"
    source = "across the old bridge over the river"
    _, pair = _pair(article, source, [("insert", article, ""), ("delete", "", source)])
    found = _view.moves(article, source, pair)
    assert [article[m.start:m.end] for m in found] == ["the old bridge over the river"]


def test_moves_on_the_samples_are_the_moved_clauses(compare_000_003: CheckResult) -> None:
    source = compare_000_003.sources[0]
    text = compare_000_003.text
    found = {text[m.start:m.end]: source.text[m.source_start:m.source_end]
             for p in source.pairs for m in _view.moves(text, source.text, p)}
    assert found == {
        "During his two-day visit to": "during his two-day visit to",
        "Iranian President Ibrahim Raisi said": "Iranian President Ibrahim Raisi said",
        "Russian Foreign Minister Sergei Lavrov": "Russian Foreign Minister Sergei Lavrov",
    }


def test_every_move_on_the_samples_is_the_same_words_outside_kept_text(
        check_000: CheckResult, check_003: CheckResult, compare_000_003: CheckResult) -> None:
    norm = re.compile(r"[\W_]+")
    count = 0
    for result in (check_000, check_003, compare_000_003):
        for source in result.sources:
            for pair in source.pairs:
                kept_a = [(d.start, d.end) for d in pair.diff if d.op == "equal"]
                kept_s = [(d.source_start, d.source_end) for d in pair.diff if d.op == "equal"]
                for m in _view.moves(result.text, source.text, pair):
                    count += 1
                    a = [norm.sub("", w.lower()) for w in result.text[m.start:m.end].split()]
                    s = [norm.sub("", w.lower()) for w in source.text[m.source_start:m.source_end].split()]
                    assert a == s and len(a) >= _view.MIN_MOVE_WORDS
                    assert not any(k0 < m.end and m.start < k1 for k0, k1 in kept_a)
                    assert not any(k0 < m.source_end and m.source_start < k1 for k0, k1 in kept_s)
    assert count >= 3


def test_redlines_change_only_where_words_moved(
        check_000: CheckResult, compare_000_003: CheckResult, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the goldens' diff showed when moves came in: a pair's redline differs from its
    redline without moves exactly when it has a move, and only by the moved words."""
    shown = {}
    for result in (check_000, compare_000_003):
        for source in result.sources:
            for pair in source.pairs:
                shown[(id(result), source.id, pair.start)] = (
                    _view.redline(result.text, source, pair), _view.moves(result.text, source.text, pair))
    monkeypatch.setattr(_view, "moves", lambda *args: ())
    changed = 0
    for result in (check_000, compare_000_003):
        for source in result.sources:
            for pair in source.pairs:
                with_moves, found = shown[(id(result), source.id, pair.start)]
                without = _view.redline(result.text, source, pair)
                assert (with_moves != without) == bool(found)
                if found:
                    changed += 1
                    words = lambda items, kinds: re.findall(  # noqa: E731
                        r"\w+", " ".join(i.text for i in items if i.kind in kinds))
                    moved = words(with_moves, {_view.MOVED})
                    assert sorted(words(with_moves, {_view.INSERTED, _view.MOVED})) == sorted(
                        words(without, {_view.INSERTED}))
                    assert len(moved) >= _view.MIN_MOVE_WORDS
    assert changed == 4  # pairs #1 and #8 of source A, in both the check and the comparison


def test_huge_pairs_skip_the_move_search() -> None:
    words = " ".join(f"w{i}" for i in range(600))
    _, pair = _pair(words, words, [("insert", words, ""), ("delete", "", words)])
    assert _view.moves(words, words, pair) == ()


# --- 5. The terminal's legend ---------------------------------------------------------------------


def test_terminal_outline_explains_every_mark_it_uses(check_000: CheckResult) -> None:
    text = out(check_000, "text")
    outline = text.split("Article, sentence by sentence", 1)[1].splitlines()
    legend = outline[1] + " " + outline[2]
    marks = {line[:2].strip() for line in outline[3:] if line.strip()}
    quoted = any(line[3:4] == "q" for line in outline[3:])
    assert marks == {"A", "b", "\u00b7"} and quoted
    assert "A, B, ... = the source the sentence is attributed to" in legend
    assert "b = boilerplate" in legend and "\u00b7 = own text" in legend and "q = quoted speech" in legend


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_new_sections_fit_the_width(family: CheckResult, check_003: CheckResult, width: int) -> None:
    for result in (family, check_003):
        text = render(result, "text", color=False, width=width)
        assert max(len(line) for line in text.splitlines()) <= width
        assert "Later articles reusing this one" in text
