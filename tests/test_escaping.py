"""Issue #13: untrusted article text and metadata must never become live output.

Hostile titles, outlets, file names and sentences go through the real library and the real
renderers (terminal, Markdown, HTML, and the CI writers); each test asserts that the dangerous
form is absent and the visible, inert form is present, so that it fails if escaping is lost.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from provenance import Document, Settings, compare
from provenance.api.ci import run_batch
from provenance.report import ci, render
from provenance.report.escape import (
    github_data,
    github_property,
    json_text,
    markdown_code,
    markdown_text,
    terminal_line,
    xml_text,
)
from provenance.results import BatchReport, CheckResult

from .conftest import A000, A003
from .test_browser import driver  # noqa: F401  (the headless Chromium fixture, shared)

IMG_OUTLET = "![p](https://evil.example/o.png) <img src=x onerror=alert(1)>"
FAKE_COMMAND = "\n::error title=fake::x"
TITLE_ESC = "\x1b]0;title\x07"  # sets the terminal's window title
CLEAR_ESC = "\x1b[2J"  # clears the screen
RLO = "\u202e"  # right-to-left override: the text after it is displayed reversed
RLO_SHOWN = "\u27e8U+202E\u27e9"
BARE_URL = "https://evil.example/x"
WWW_URL = "www.evil.example"
PAYLOADS = (
    f"{BARE_URL} and {WWW_URL}",
    f"{TITLE_ESC} and {CLEAR_ESC}",
    f"gnp{RLO}exe.txt",
    f"{FAKE_COMMAND} ##[add-mask]secret",
)


def _sentences(variant: str) -> str:
    """Long sentences carrying the payloads, so that they are aligned and so printed."""
    return " ".join(f"The minister told reporters {p} that the talks in Vienna would resume "
                    f"next {variant} with every party to the nuclear agreement present."
                    for p in PAYLOADS)


ARTICLE_TEXT = _sentences("week") + "\n\n" + A000.read_text(encoding="utf-8")
SOURCE_TEXT = A003.read_text(encoding="utf-8") + "\n\n" + _sentences("month")


ARTICLE_META = {
    "title": f"Talks resume{FAKE_COMMAND} {RLO}evil",
    "outlet": IMG_OUTLET,
    "author": f"{TITLE_ESC}{CLEAR_ESC}",
    "url": BARE_URL,
    "published": "2022-01-01\x01\x0b",
}
SOURCE_META = {
    "title": f"Source {RLO}title",
    "outlet": IMG_OUTLET + FAKE_COMMAND,
    "url": WWW_URL,
}


@pytest.fixture(scope="module")
def result() -> CheckResult:
    article = Document(id="we`ird.txt", path="new/we`ird.txt", text=ARTICLE_TEXT, **ARTICLE_META)
    source = Document(id="src.txt", path="corpus/src.txt", text=SOURCE_TEXT, **SOURCE_META)
    checked = compare(article, source, Settings())
    assert checked.sources and len(checked.sources[0].pairs) > len(PAYLOADS), \
        "the payload sentences must be aligned for the tests to mean anything"
    return checked


def _no_workflow_command(output: str) -> None:
    """What GitHub's runner would act on: a line starting with '::' after leading white space,
    or '##[' anywhere in a line."""
    for line in output.splitlines():
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line


def _no_raw_hidden(output: str) -> None:
    for ch in (RLO, "\x1b", "\x07", "\x01", "\x0b"):
        assert ch not in output, f"{ch!r} reached the output"


# --- The layer itself -------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("a\nb", "a \u23ce b"),
    ("a\r\nb\rc", "a \u23ce b \u23ce c"),
    ("\x1b[2J", "\\x1b[2J"),
    ("tab\there", "tab here"),
    ("::error title=x::y", "\\x3a:error title=x\\x3a:y"),
    ("  ::warning::z", "  \\x3a:warning\\x3a:z"),
    ("see ##[add-mask]s", "see \\x23#[add-mask]s"),
    (f"a{RLO}b", f"a{RLO_SHOWN}b"),
    ("\x85\x9b", "\\x85\\x9b"),  # C1: NEL and CSI
    ("\ud800", "\\ud800"),  # a lone surrogate (JSON may carry one) cannot be encoded
    ("Iran's President to Putin: Moscow", "Iran's President to Putin: Moscow"),
])
def test_terminal_line(value: str, expected: str) -> None:
    assert terminal_line(value) == expected
    assert terminal_line(terminal_line(value)) == expected  # escaping twice changes nothing


def test_terminal_line_accepts_any_object() -> None:
    assert terminal_line(42) == "42" and terminal_line(None) == "None"


@pytest.mark.parametrize("value, expected", [
    (BARE_URL, "https\\://evil.example/x"),
    (WWW_URL, "www\\.evil.example"),
    ("<https://evil.example>", "&lt;https\\://evil.example&gt;"),
    ("[x][ref]", "\\[x\\]\\[ref\\]"),
    ("a`b", "a\\`b"),
    (f"x{RLO}y\x1b", f"x{RLO_SHOWN}y\\\\x1b"),
    ("a | b\nc", "a \\| b c"),
])
def test_markdown_text(value: str, expected: str) -> None:
    assert markdown_text(value) == expected


@pytest.mark.parametrize("value, in_table, expected", [
    ("plain.txt", False, "`plain.txt`"),
    ("we`ird.txt", False, "``we`ird.txt``"),
    ("`edge", False, "`` `edge ``"),
    ("a|b", True, "`a\\|b`"),
    ("a|b", False, "`a|b`"),
])
def test_markdown_code(value: str, in_table: bool, expected: str) -> None:
    assert markdown_code(value, in_table=in_table) == expected


def test_markdown_code_renders_the_name_whole() -> None:
    html = MarkdownIt("commonmark").render(markdown_code("a``b`c"))
    assert "<code>a``b`c</code>" in html


def test_github_escaping_of_hidden_characters() -> None:
    assert github_data(f"x{FAKE_COMMAND}") == "x%0A::error title=fake::x"
    assert github_property("a:b,c\n") == "a%3Ab%2Cc%0A"
    assert github_data(f"{CLEAR_ESC}{RLO}") == f"\\x1b[2J{RLO_SHOWN}"


def test_xml_and_json_text() -> None:
    assert xml_text("a\x01b\tc\ufffe") == "a\\x01b\tc\\ufffe"
    raw = json.dumps({"t": f"{RLO}\x85\ud800"}, ensure_ascii=False)
    assert json.loads(json_text(raw)) == json.loads(raw)  # the same data...
    assert RLO not in json_text(raw) and "\\u202e" in json_text(raw)  # ...but visible
    json_text(raw).encode("utf-8")  # and encodable


# --- Reports of one check ---------------------------------------------------------------------


@pytest.mark.parametrize("colour", [False, True])
def test_terminal_report(result: CheckResult, colour: bool) -> None:
    out = render(result, "text", color=colour, width=400)
    _no_workflow_command(out)
    for raw in (TITLE_ESC, CLEAR_ESC, RLO, "\x01", "\x0b", "\x07"):
        assert raw not in out  # with colour rich writes its own ESC codes, never these
    assert "\\x1b]0;title\\x07" in out and "\\x1b[2J" in out
    assert RLO_SHOWN in out
    assert "Talks resume \u23ce \\x3a:error title=fake\\x3a:x" in out  # the title, on one line
    assert "\\x23#[add-mask]secret" in out


def test_terminal_report_keeps_each_value_on_its_line(result: CheckResult) -> None:
    out = render(result, "text", color=False, width=400)
    title_lines = [line for line in out.splitlines() if line.startswith("Title")]
    assert len(title_lines) == 1 and "fake" in title_lines[0]
    assert not any(line.strip().startswith("error title=fake") for line in out.splitlines())


def _markdown_html(source: str) -> str:
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return parser.render(source)


def test_markdown_report(result: CheckResult) -> None:
    source = render(result, "markdown")
    html = _markdown_html(source)
    for live in ("<img", "<a ", "<script", "<code"):
        assert live not in html, f"{live} in the rendered Markdown"
    assert "https://evil.example" not in source and "https\\://evil.example" in source
    assert "www.evil" not in source and "www\\.evil" in source
    assert "we\\`ird.txt" in source and "we`ird.txt" in html
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in source
    _no_raw_hidden(source)
    assert RLO_SHOWN in source and "\\\\x1b\\[2J" in source  # shown as \x1b[2J once rendered
    assert "\\x1b[2J" in html


def test_markdown_table_keeps_its_columns(result: CheckResult) -> None:
    html = _markdown_html(render(result, "markdown"))
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    assert len(rows) == 1 + len(result.sources)
    assert all(row.count("<t") == 8 for row in rows)  # the newline in the outlet added no row


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report(result: CheckResult) -> None:
    markup = render(result, "html")
    page = _Tags()
    page.feed(markup)
    assert "img" not in page.tags and page.tags.count("script") == 1
    text = "".join(page.text)
    assert IMG_OUTLET in text  # shown as text
    _no_raw_hidden(markup)
    assert RLO_SHOWN in text and "\\x1b]0;title\\x07" in text
    assert f"<title>Provenance report: Talks resume{FAKE_COMMAND} {RLO_SHOWN}evil</title>" in markup
    markup.encode("utf-8")


def test_json_report_stays_raw(result: CheckResult) -> None:
    data = json.loads(render(result, "json"))
    assert data["article"]["title"] == ARTICLE_META["title"]  # data for programs, not a display


# --- CI outputs of a batch run ----------------------------------------------------------------

# The source's outlet is what the CI outputs print of the metadata; a lone surrogate is possible
# (json.dumps writes it as \ud800, json.loads gives it back) and cannot be encoded as UTF-8.
CI_HIDDEN = f"{TITLE_ESC}\x01\x0b\ud800{RLO}"
# The lone surrogate is replaced when the sidecar is read (documents.whole_text), before any
# output sees it; the others are shown by the escaping layer.
CI_HIDDEN_SHOWN = f"\\x1b]0;title\\x07\\x01\\x0b\ufffd{RLO_SHOWN}"
CI_SOURCE_META = {"title": f"Source {RLO}", "outlet": IMG_OUTLET + FAKE_COMMAND + CI_HIDDEN}
BAD_NAME = "bad\n::error title=fake::x\x1b[2J.txt"  # a file name may hold any of these


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> BatchReport:
    root = tmp_path_factory.mktemp("escaping")
    (root / "new").mkdir()
    (root / "corpus").mkdir()
    article = root / "new" / f"we`ird{RLO}.txt"
    article.write_text(ARTICLE_TEXT, encoding="utf-8")
    _sidecar(article, {"title": f"Talks{FAKE_COMMAND}", "outlet": IMG_OUTLET})
    record = {"id": f"rec{FAKE_COMMAND}\x01", "text": A000.read_text(encoding="utf-8")}
    (root / "new" / "records.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (root / "new" / BAD_NAME).write_bytes(b"\x00binary")  # cannot be checked: an error outcome
    source = root / "corpus" / "src.txt"
    source.write_text(SOURCE_TEXT, encoding="utf-8")
    _sidecar(source, CI_SOURCE_META)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)  # paths in the outputs relative, as the CLI gives them
        report = run_batch(["new/"], against=["corpus/"], jobs=1)
    assert [o.outcome for o in report.outcomes].count("error") == 1
    assert sum(len(o.findings) for o in report.outcomes) >= 2, "both articles must be flagged"
    return report


def _sidecar(path: Path, meta: dict[str, str]) -> None:
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta), encoding="utf-8")


def test_ci_summary_text(batch: BatchReport) -> None:
    out = ci.summary_text(batch)
    out.encode("utf-8")
    _no_workflow_command(out)
    _no_raw_hidden(out)
    entries = [line for line in out.splitlines() if line.startswith(("FAIL", "ERROR", "below"))]
    assert len(entries) == len(out.splitlines()) - 2  # every other line is the totals
    assert any("bad \u23ce \\x3a:error title=fake\\x3a:x\\x1b[2J.txt" in line for line in entries)
    assert any(f"we`ird{RLO_SHOWN}.txt" in line for line in entries)
    shown = f"onerror=alert(1)> \u23ce \\x3a:error title=fake\\x3a:x{CI_HIDDEN_SHOWN})"
    assert sum(shown in line for line in entries) == 2


def _runner_parse(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as GitHub's runner reads it (ActionCommand.TryParseV2)."""
    assert line.startswith("::")
    end = line.index("::", 2)
    name, _, props = line[2:end].partition(" ")
    unescape = {"%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ",", "%25": "%"}
    properties = {}
    for prop in props.split(","):
        key, _, value = prop.partition("=")
        properties[key] = re.sub("%(0D|0A|3A|2C|25)", lambda m: unescape[m.group()], value)
    return name, properties, line[end + 2:]


def test_github_annotations(batch: BatchReport) -> None:
    commands = ci.github_annotations(batch)
    assert commands and all("\n" not in c and "\r" not in c for c in commands)  # one line each
    _no_raw_hidden("\n".join(commands))
    parsed = [_runner_parse(c) for c in commands]
    assert {name for name, _, _ in parsed} <= {"error", "warning", "notice"}
    assert all(set(props) <= {"file", "line", "endLine", "title"} for _, props, _ in parsed)
    files = {props["file"] for _, props, _ in parsed}
    assert f"new/we`ird{RLO_SHOWN}.txt" in files
    assert f"new/{BAD_NAME}".replace("\x1b", "\\x1b") in files  # the newline survives as %0A
    messages = " ".join(data for _, _, data in parsed)
    assert "%0A::error title=fake::x" in messages  # in the message, never a command of its own


def test_junit_xml_is_well_formed(batch: BatchReport) -> None:
    xml = ci.junit_xml(batch)
    root = ET.fromstring(xml.encode("utf-8"))
    _no_raw_hidden(xml)
    names = [case.get("name") for case in root.iter("testcase")]
    assert f"we`ird{RLO_SHOWN}.txt" in names and f"rec{FAKE_COMMAND}\\x01" in names
    failures = [f.get("message") or "" for f in root.iter("failure")]
    assert failures and all(CI_HIDDEN_SHOWN in message for message in failures)
    error = next(root.iter("error"))
    assert "\\x1b[2J" in (error.get("message") or "") and "\\x1b[2J" in (error.text or "")


def test_sarif_and_json_lines_are_valid_json(batch: BatchReport) -> None:
    sarif = json.loads(ci.sarif(batch).encode("utf-8"))
    messages = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert any(IMG_OUTLET in m for m in messages)  # JSON carries the data as it is
    records = [json.loads(line) for line in ci.json_lines(batch).encode("utf-8").splitlines()]
    outlets = {s["outlet"] for r in records for s in r.get("sources", [])}
    assert outlets == {CI_SOURCE_META["outlet"].replace("\ud800", "\ufffd")}  # as read


def test_ci_markdown(batch: BatchReport) -> None:
    source = ci.markdown(batch)
    source.encode("utf-8")
    html = _markdown_html(source)
    for live in ("<img", "<a ", "<script"):
        assert live not in html
    assert "https://evil.example" not in source
    assert f"<code>new/we`ird{RLO_SHOWN}.txt</code>" in html  # a backtick does not end the span
    _no_raw_hidden(source)
    for table in re.findall(r"<table>.*?</table>", html, re.S):  # no value adds or drops a cell
        header = len(re.findall("<th[ >]", table))
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
        assert rows and all(row.count("<td") == header for row in rows)


# --- Layout -----------------------------------------------------------------------------------

LONG = "X" * 300


def test_long_words_do_not_widen_the_page(driver, tmp_path: Path) -> None:  # noqa: F811
    long = {"title": "T" + LONG, "outlet": "O" + LONG, "published": "P" + LONG}
    article = Document(id="a" + LONG, path=f"new/{LONG}.txt", text=ARTICLE_TEXT, **long)
    source = Document(id="s" + LONG, path=f"corpus/{LONG}.txt", text=SOURCE_TEXT, **long)
    page = tmp_path / "long.html"
    page.write_text(render(compare(article, source), "html"), encoding="utf-8")
    for width in (1280, 420):
        driver.set_window_size(width, 900)
        driver.get(page.as_uri())
        inner = driver.execute_script("return document.documentElement.clientWidth")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= inner
