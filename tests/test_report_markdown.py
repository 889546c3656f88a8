"""Markdown report on the samples: a summary table and redlined pairs that GitHub will render."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from provenance.api import check, index_from_paths
from provenance.documents import load_document
from provenance.report import render

from .conftest import A000, SAMPLES


@pytest.fixture(scope="module")
def markdown() -> str:
    index, _ = index_from_paths([SAMPLES])
    return render(check(load_document(A000), index), "markdown")


def test_summary_table(markdown: str) -> None:
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    assert html.count("<tr>") == 3  # header and the two sources
    assert "<strong>paraphrase</strong> (flagged)" in html
    assert "<td>none</td>" in html


def test_pairs_mark_the_differences(markdown: str) -> None:
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    assert "<s>United States</s> <strong>US</strong>" in html
    assert "quotation in other words: not counted as copying" in markdown
    assert "Not attributed to any source" in markdown and "Stalled nuclear talks" in markdown


def test_lines_do_not_start_like_markup_from_the_article(markdown: str) -> None:
    for line in markdown.splitlines():
        if line.startswith("> "):
            assert not line[2:].startswith(("- ", "+ ", "# ", "<"))
