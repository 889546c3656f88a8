"""A corpus of hostile articles (.txt with sidecar, .html, .jsonl) shared by the report tests.

Each payload, if it ever reached a report as markup, would set `window.pwned`, change the page
title, load an image or add a link: the tests assert that none of that can happen.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from provenance.api import check, compare, index_from_paths, load_corpus
from provenance.documents import load_document
from provenance.report import render
from provenance.report._view import safe_url
from provenance.report.html import _assets
from provenance.report.markdown import md_escape
from provenance.results import CheckResult

from .conftest import A000, A003

PAYLOADS = (
    "<script>window.pwned=1</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    "</style><script>window.pwned=2</script>",
    "&lt;b&gt;entity&lt;/b&gt; &amp; &#60;script&#62;window.pwned=3&#60;/script&#62;",
    "javascript:window.pwned=4",
    "[click me](javascript:window.pwned=5) ![pic](http://example.invalid/x.png)",
    "@octocat | cell | ~~gone~~ **loud** `tick` $x$",
    "\x1b[31mred\x1b[0m \x1b]8;;http://example.invalid\x1b\\link\x1b]8;;\x1b\\",
)
HOSTILE_META = {
    "title": "<script>window.pwned=6</script> title",
    "outlet": "</style><img src=x onerror=\"window.pwned=7\">",
    "url": "javascript:window.pwned=8",
    "published": "2022-01-01\"><script>window.pwned=9</script>",
    "author": "<svg onload=\"window.pwned=10\">",
}


def _sentences(variant: str) -> list[str]:
    """Long sentences carrying the payloads, so that they are scored and aligned."""
    return [f"The minister told reporters {p} that the talks in Vienna would resume next "
            f"{variant} with every party to the nuclear agreement present at the table." for p in PAYLOADS]


def hostile_corpus(folder: Path) -> dict[str, Path]:
    """Write the hostile article and its sources under `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    article_text = "\n".join(_sentences("week")) + "\n\n" + A000.read_text(encoding="utf-8")
    source_text = A003.read_text(encoding="utf-8") + "\n\n" + "\n".join(_sentences("month"))
    article = folder / "article.txt"
    article.write_text(article_text, encoding="utf-8")
    (folder / "article.txt.meta.json").write_text(json.dumps(HOSTILE_META), encoding="utf-8")
    corpus = folder / "corpus"
    corpus.mkdir(exist_ok=True)
    source = corpus / "source.txt"
    source.write_text(source_text, encoding="utf-8")
    (corpus / "source.txt.meta.json").write_text(json.dumps(HOSTILE_META), encoding="utf-8")
    record = {"id": "<b>jsonl</b> id", "text": source_text, **HOSTILE_META}
    (corpus / "wire.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    paragraphs = "".join(f"<p>{html.escape(s)}</p>\n" for s in _sentences("year"))
    paragraphs += "".join(f"<p>{html.escape(p)}</p>\n" for p in A003.read_text(encoding="utf-8").split("\n") if p.strip())
    page = (f"<!DOCTYPE html><html><head><title>{html.escape(HOSTILE_META['title'])}</title>"
            f"<meta property=\"og:url\" content=\"{html.escape(HOSTILE_META['url'])}\">"
            f"<meta property=\"og:site_name\" content=\"{html.escape(HOSTILE_META['outlet'])}\">"
            f"</head><body><article><h1>{html.escape(HOSTILE_META['title'])}</h1>\n{paragraphs}"
            f"</article></body></html>")
    html_article = folder / "page.html"
    html_article.write_text(page, encoding="utf-8")
    return {"article": article, "corpus": corpus, "html": html_article}


# --- The tests ------------------------------------------------------------------------------------

ALLOWED_HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "section", "footer", "p",
    "h1", "h2", "h3", "dl", "dt", "dd", "div", "span", "b", "a", "table", "thead", "tbody", "tr",
    "th", "td", "svg", "defs", "pattern", "rect", "path", "circle", "ul", "li", "button", "script",
}
ALLOWED_MARKDOWN_TAGS = {
    "h2", "h3", "p", "strong", "em", "del", "s", "table", "thead", "tbody", "tr", "th", "td",
    "br", "blockquote", "details", "summary", "ul", "li", "sub",
}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in].append(data)
        else:
            self.text.append(data)


def parse(markup: str) -> _Collector:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return collector


def assert_inert(markup: str, allowed: set[str], *, scripts: int, styles: int) -> _Collector:
    """No element, attribute or link in `markup` that the report itself did not put there."""
    page = parse(markup)
    tags = {t for t, _ in page.tags}
    assert tags <= allowed, f"unexpected elements: {sorted(tags - allowed)}"
    assert sum(1 for t, _ in page.tags if t == "script") == scripts
    assert sum(1 for t, _ in page.tags if t == "style") == styles
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler attribute on <{tag}>: {name}"
            assert "javascript:" not in (value or "").lower(), f"<{tag} {name}={value!r}>"
        if tag == "a":
            assert (attrs.get("href") or "").startswith(("http://", "https://")), attrs
    return page


@pytest.fixture(scope="module")
def hostile_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CheckResult]:
    paths = hostile_corpus(tmp_path_factory.mktemp("hostile"))
    index, failures = index_from_paths([paths["corpus"], paths["html"]])
    assert not failures
    article = load_document(paths["article"])
    results = {
        "txt": check(article, index),
        "html": check(load_document(paths["html"]), index),
        "compare-jsonl": compare(article, next(d for d in load_corpus([paths["corpus"]])[0]
                                               if d.format == "jsonl")),
    }
    for name, result in results.items():
        assert result.sources, f"{name}: the hostile sources must be aligned for the test to mean anything"
    return results


CASES = ("txt", "html", "compare-jsonl")


@pytest.mark.parametrize("case", CASES)
def test_html_report_is_inert(hostile_results: dict[str, CheckResult], case: str) -> None:
    markup = render(hostile_results[case], "html")
    page = assert_inert(markup, ALLOWED_HTML_TAGS, scripts=1, styles=1)
    css, js = _assets()
    assert page.raw["script"] == [js] and page.raw["style"] == [css]
    text = "".join(page.text)
    # The payloads are shown, as text.
    assert "<script>window.pwned=1</script>" in text
    assert "onerror=\"document.title='pwned'\"" in text
    assert "\x1b" not in markup  # control characters are not valid HTML text


@pytest.mark.parametrize("case", CASES)
def test_html_metadata_never_links_a_javascript_url(hostile_results: dict[str, CheckResult], case: str) -> None:
    markup = render(hostile_results[case], "html")
    page = parse(markup)
    hrefs = [attrs.get("href") for tag, attrs in page.tags if tag == "a"]
    assert all(h and h.startswith(("http://", "https://")) for h in hrefs)
    if case == "txt":
        assert "javascript:window.pwned=8" in "".join(page.text)  # shown, not linked


def test_html_pins_its_own_script_and_style_by_hash(hostile_results: dict[str, CheckResult]) -> None:
    markup = render(hostile_results["txt"], "html")
    meta = next(attrs for tag, attrs in parse(markup).tags
                if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy")
    csp = meta["content"] or ""
    assert csp.startswith("default-src 'none'")
    assert "'unsafe-inline'" not in csp and "sha256-" in csp


@pytest.mark.parametrize("case", CASES)
def test_markdown_report_is_inert(hostile_results: dict[str, CheckResult], case: str) -> None:
    source = render(hostile_results[case], "markdown")
    rendered = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(source)
    page = assert_inert(rendered, ALLOWED_MARKDOWN_TAGS, scripts=0, styles=0)
    assert not any(tag == "a" for tag, _ in page.tags), "article text must not become a link"
    text = "".join(page.text)
    assert "<script>window.pwned=1</script>" in text
    if case != "html":  # (trafilatura decodes the HTML page's entities: see the lead's notes)
        assert "&lt;b&gt;entity" in text  # an entity in a .txt or .jsonl article stays as typed
    assert not re.search(r"@octocat", source), "no GitHub mention from article text"
    assert "\x1b" not in source


@pytest.mark.parametrize("case", CASES)
def test_terminal_report_carries_no_escape_codes_from_the_article(
        hostile_results: dict[str, CheckResult], case: str) -> None:
    out = render(hostile_results[case], "text", color=False, width=100)
    assert "\x1b" not in out
    coloured = render(hostile_results[case], "text", color=True, width=100)
    assert "\x1b]8;;http://example.invalid" not in coloured  # no hyperlink smuggled in


@pytest.mark.parametrize("value, expected", [
    ("<script>", "&lt;script&gt;"),
    ("a | b", "a \\| b"),
    ("1. not a list", "1\\. not a list"),
    ("- not a bullet", "\\- not a bullet"),
    ("> not a quote", "&gt; not a quote"),
    ("[x](javascript:y)", "\\[x\\]\\(javascript:y\\)"),
    ("&amp;", "&amp;amp;"),
    ("line\nbreak", "line break"),
    ("@user", "@\u200buser"),
])
def test_md_escape(value: str, expected: str) -> None:
    assert md_escape(value) == expected


@pytest.mark.parametrize("url, linked", [
    ("https://example.org/a?b=c", True),
    ("http://example.org", True),
    ("javascript:alert(1)", False),
    (" JAVASCRIPT:alert(1)", False),
    ("data:text/html,<script>", False),
    ("//example.org", False),
    ("https://example.org/\"onmouseover=x", False),
    (None, False),
])
def test_safe_url(url: str | None, linked: bool) -> None:
    assert (safe_url(url) is not None) is linked
