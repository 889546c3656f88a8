"""HTML report content on the samples, read from the markup (the browser test runs it live)."""

from __future__ import annotations

import re

import pytest

from provenance.api import check, compare, index_from_paths
from provenance.documents import load_document
from provenance.report import render
from provenance.report._view import letter, rows_for, shorten

from .conftest import A000, A003, A004, SAMPLES


@pytest.fixture(scope="module")
def check_html() -> str:
    index, _ = index_from_paths([SAMPLES])
    return render(check(load_document(A000), index), "html")


@pytest.fixture(scope="module")
def compare_result():
    return compare(load_document(A000), load_document(A003))


def _panel(markup: str, k: int) -> str:
    start = markup.index(f'id="panel-{k}" role="tabpanel"')
    end = markup.find('role="tabpanel"', start + 30)
    return markup[start:end if end > 0 else len(markup)]


def test_self_contained(check_html: str) -> None:
    assert not re.search(r"""(src|href)=["'](?!https?:)""", check_html.replace('href="https', ""))
    assert "@import" not in check_html and "url(http" not in check_html
    assert "<link" not in check_html and "@font-face" not in check_html


def test_check_shows_003_flagged_and_004_none_with_its_quotation(check_html: str) -> None:
    assert "003_121186e99e69e98f.txt" in check_html and "004_f61bc535f1bcf6e4.txt" in check_html
    sources = check_html[check_html.index('id="h-sources"'):check_html.index('id="h-map"')]
    rows = sources.split('<tr class="')[1:]
    assert rows[0].startswith("flagged") and "v-paraphrase" in rows[0]
    assert rows[1].startswith("unflagged") and 'v-none">none<' in rows[1] and "<b>0%</b>" in rows[1]
    b = _panel(check_html, 1)
    assert b.count('class="row pair unattributed"') == b.count('class="row pair')
    assert "quotation in other words: not counted as copying" in b
    assert "Amid external extraordinary conditions" in re.sub(r"<[^>]+>", "", b)


def test_compare_aligns_the_five_paragraphs_and_leaves_the_background(compare_result) -> None:
    rows = rows_for(compare_result, compare_result.sources[0])
    paired = " ".join(a.text for r in rows if r.kind == "pair" for a in r.article)
    text = compare_result.text
    background = text.index("Stalled nuclear talks")
    assert "During his two-day visit" in paired and "military-technical cooperation" in paired
    assert all(a.start < background for r in rows if r.kind == "pair" for a in r.article)
    assert rows[-1].kind == "gap" and rows[-1].article[0].text == "Stalled nuclear talks"
    # Nothing is lost or shown twice: every segment of both texts is on exactly one row.
    shown = [a.start for r in rows for a in r.article]
    assert shown == [a.start for a in compare_result.sentences]
    source = compare_result.sources[0]
    on_rows = {g.start for r in rows for g in r.source}
    assert on_rows == {g.start for g in source.segments}


def test_compare_highlights_changed_words(compare_result) -> None:
    markup = render(compare_result, "html")
    for kind in ("kept", "changed", "inserted", "deleted"):
        assert f'class="d-{kind}"' in markup


def test_no_source(tmp_path) -> None:
    lonely = tmp_path / "lonely.txt"
    lonely.write_text("An article about gardening. It shares nothing with the samples at all.",
                      encoding="utf-8")
    index, _ = index_from_paths([A004])
    result = check(load_document(lonely), index)
    for fmt in ("html", "markdown", "text"):
        assert "gardening" in render(result, fmt, color=False, width=80) or fmt != "html"
    assert "No source found" in render(result, "html")


@pytest.mark.parametrize("index, name", [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ")])
def test_letter(index: int, name: str) -> None:
    assert letter(index) == name


@pytest.mark.parametrize("value, width, expected", [
    ("samples/story.txt", 40, "samples/story.txt"),
    ("abcdefghij", 5, "ab\u2026ij"),
    ("abcdefghij", 1, "a"),
])
def test_shorten(value: str, width: int, expected: str) -> None:
    assert shorten(value, width) == expected
