"""Unit tests of input reading: decoding, single files, sidecar metadata, JSON Lines, folders."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from provenance.documents import (
    Document,
    LoadFailure,
    decode,
    iter_documents,
    iter_jsonl,
    load_document,
)
from provenance.errors import InputError, LimitError

TEXT = "The minister said on Monday that talks would resume. Officials agreed.\n"


# --- decoding ------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, text, warned", [
    pytest.param(TEXT.encode("utf-8"), TEXT, False, id="utf-8"),
    pytest.param(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), TEXT, False, id="utf-8-bom-dropped"),
    pytest.param(b"\xff\xfe" + "Ünïcode".encode("utf-16-le"), "Ünïcode", False, id="utf-16-le-bom"),
    pytest.param(b"\xfe\xff" + "Ünïcode".encode("utf-16-be"), "Ünïcode", False, id="utf-16-be-bom"),
    pytest.param("caf\u00e9 \u201cok\u201d \u2013 \u20ac5".encode("cp1252"),
                 "caf\u00e9 \u201cok\u201d \u2013 \u20ac5", True, id="windows-1252"),
    pytest.param("na\u00efve".encode("latin-1"), "na\u00efve", True, id="latin-1-as-cp1252"),
    pytest.param("日本語 текст".encode(), "日本語 текст", False, id="utf-8-multibyte"),
    pytest.param(b"", "", False, id="empty-bytes-decode"),
    pytest.param(b"tab\tand\r\nnewlines\f", "tab\tand\r\nnewlines\f", False, id="allowed-controls"),
])
def test_decode(data: bytes, text: str, warned: bool) -> None:
    decoded, warnings = decode(data, "f.txt")
    assert decoded == text
    assert bool(warnings) is warned
    if warned:
        assert "f.txt" in warnings[0] and "Windows-1252" in warnings[0]


@pytest.mark.parametrize("data, fragment", [
    pytest.param(b"abc\x00def", "contains NUL bytes", id="nul"),
    pytest.param(b"\x81\x8d\x8f\x90\x9d" * 10, "not Windows-1252", id="bytes-undefined-in-cp1252"),
    pytest.param(b"\xff\xfe\x00\xd8", "despite its byte-order mark", id="lone-surrogate-utf16"),
    pytest.param(b"\xef\xbb\xbf\xff\xff", "despite its byte-order mark", id="bad-utf8-after-bom"),
    pytest.param(b"\x1b[31m" * 100, "mostly control characters", id="escape-sequences"),
    pytest.param(b"\xff\xfe" + "a\x00b".encode("utf-16-le"), "NUL characters", id="nul-in-utf16"),
])
def test_decode_refuses(data: bytes, fragment: str) -> None:
    with pytest.raises(InputError, match="f.txt") as info:
        decode(data, "f.txt")
    assert fragment in str(info.value)


# --- single files ---------------------------------------------------------------------------------

def test_plain_text_with_sidecar_metadata(tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    article.write_text(TEXT, encoding="utf-8")
    (tmp_path / "story.txt.meta.json").write_text(json.dumps({
        "outlet": "Sputnik", "title": "Talks", "published": "2022-01-19", "url": "https://x.example/1",
        "author": "A. Writer", "ignored": "not a metadata key", "tags": [1, 2]}), encoding="utf-8")
    doc = load_document(article)
    assert (doc.id, doc.format, doc.text) == ("story.txt", "txt", TEXT)
    assert doc.metadata() == {"title": "Talks", "outlet": "Sputnik", "published": "2022-01-19",
                              "url": "https://x.example/1", "author": "A. Writer"}


@pytest.mark.parametrize("sidecar, fragment", [
    pytest.param("{broken", "unreadable metadata file", id="invalid-json"),
    pytest.param("[1, 2]", "must hold a JSON object", id="not-an-object"),
    pytest.param("[" * 100_000, "unreadable metadata file", id="nested-too-deeply"),
])
def test_broken_sidecar_keeps_the_article_and_warns(tmp_path: Path, sidecar: str, fragment: str) -> None:
    article = tmp_path / "story.txt"
    article.write_text(TEXT, encoding="utf-8")
    (tmp_path / "story.txt.meta.json").write_text(sidecar, encoding="utf-8")
    doc = load_document(article)
    assert doc.text == TEXT and doc.outlet is None
    assert len(doc.warnings) == 1 and fragment in doc.warnings[0] and "ignored" in doc.warnings[0]


def test_markdown_and_unknown_suffix_read_as_text(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Title\n\n" + TEXT, encoding="utf-8")
    (tmp_path / "b.story").write_text(TEXT, encoding="utf-8")
    assert load_document(tmp_path / "a.md").format == "md"
    assert load_document(tmp_path / "b.story").format == "txt"


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Talks resume</title><meta name='author' content='Jane Doe'>"
        "<meta property='og:site_name' content='Example News'>"
        "<meta property='article:published_time' content='2022-01-19'></head><body>"
        "<nav>Home | World | Subscribe</nav><article><h1>Talks resume</h1><p>" + TEXT
        + "</p><p>A second paragraph of the story, with more words about the talks.</p>"
        "</article><footer>Copyright Example News</footer></body></html>", encoding="utf-8")
    doc = load_document(page)
    assert doc.format == "html"
    assert "talks would resume" in doc.text and "Subscribe" not in doc.text
    assert doc.title == "Talks resume" and doc.published == "2022-01-19"


def test_limits(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("x" * 101, encoding="utf-8")
    with pytest.raises(LimitError, match="101 characters exceeds the maximum article size of 100"):
        load_document(article, max_chars=100)
    with pytest.raises(LimitError, match="bytes exceeds"):
        load_document(article, max_chars=25)  # 101 bytes > 4 * 25: refused before reading
    assert load_document(article, max_chars=101).text == "x" * 101


def test_special_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        load_document("/dev/null")
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(InputError, match="not a regular file"):
        load_document(tmp_path / "pipe.txt")
    with pytest.raises(InputError, match="is a directory"):
        load_document(tmp_path)


def test_jsonl_is_not_a_single_article(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text("{}\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds several articles"):
        load_document(tmp_path / "c.jsonl")


# --- JSON Lines -------------------------------------------------------------------------------------

def jsonl_items(tmp_path: Path, lines: list[str | bytes], **kw) -> list[Document | LoadFailure]:
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode("utf-8") for x in lines))
    return list(iter_jsonl(path, **kw))


@pytest.mark.parametrize("line, expected", [
    pytest.param('{"id": "a", "text": "Some text."}', "doc", id="minimal"),
    pytest.param('{"id": 7, "text": "Some text."}', "doc", id="integer-id"),
    pytest.param('{"id": true, "text": "Some text."}', "a record needs", id="boolean-id"),
    pytest.param('{"id": "a", "text": 5}', "a record needs", id="number-text"),
    pytest.param('{"id": "a", "text": "   "}', "empty article", id="blank-text"),
    pytest.param('{"id": "a", "text": "bin\\u0000ary"}', "binary text", id="nul-in-text"),
    pytest.param('{"id": "a", "text": "x", ', "invalid JSON", id="truncated"),
    pytest.param('"just a string"', "a record needs", id="not-an-object"),
    pytest.param("[" * 50_000, "nested too deeply", id="deep-nesting"),
])
def test_jsonl_line_outcomes(tmp_path: Path, line: str, expected: str) -> None:
    (item,) = jsonl_items(tmp_path, [line])
    if expected == "doc":
        assert isinstance(item, Document) and item.line == 1 and item.format == "jsonl"
    else:
        assert isinstance(item, LoadFailure) and item.line == 1 and expected in item.error


def test_jsonl_keeps_reading_after_bad_lines_and_numbers_them(tmp_path: Path) -> None:
    items = jsonl_items(tmp_path, [
        '{"id": "a", "text": "First.", "outlet": "Wire", "published": "2024-01-02"}',
        "garbage", "", "   ",
        '{"id": "b", "text": "Second."}',
        b'{"id": "c", "text": "caf\xe9 third."}',  # Windows-1252 on this line only
    ])
    assert [(type(i).__name__, i.line) for i in items] == [
        ("Document", 1), ("LoadFailure", 2), ("Document", 5), ("Document", 6)]
    assert items[0].outlet == "Wire" and items[0].published == "2024-01-02"
    assert items[1].error.endswith(":2: invalid JSON (Expecting value, column 1)")
    assert items[3].text == "caf\u00e9 third." and "not valid UTF-8" in items[3].warnings[0]


def test_jsonl_utf8_bom_and_utf16(tmp_path: Path) -> None:
    (item,) = jsonl_items(tmp_path, [b'\xef\xbb\xbf{"id": "a", "text": "T."}'])
    assert isinstance(item, Document)
    path = tmp_path / "u16.jsonl"
    path.write_bytes(b"\xff\xfe" + '{"id": "a", "text": "Zw\u00f6lf."}\n'.encode("utf-16-le"))
    (item,) = iter_jsonl(path)
    assert isinstance(item, Document) and item.text == "Zw\u00f6lf."


def test_jsonl_line_over_the_limit_fails_alone(tmp_path: Path) -> None:
    items = jsonl_items(tmp_path, [json.dumps({"id": "big", "text": "x" * 500}),
                                   json.dumps({"id": "ok", "text": "small"})], max_chars=100)
    assert isinstance(items[0], LoadFailure) and "exceeds the maximum article size" in items[0].error
    assert isinstance(items[1], Document) and items[1].id == "ok"


def test_jsonl_file_larger_than_one_article_is_streamed(tmp_path: Path) -> None:
    lines = [json.dumps({"id": str(i), "text": "y" * 90}) for i in range(100)]
    items = jsonl_items(tmp_path, lines, max_chars=100)  # the file is ~10 KB, 100x the limit
    assert all(isinstance(i, Document) for i in items) and len(items) == 100


# --- folders --------------------------------------------------------------------------------------

def test_folder_ids_are_relative_paths_in_stable_order(tmp_path: Path) -> None:
    for rel in ("2024/02/story.txt", "2024/01/story.txt", "b.md", "a.html", ".hidden.txt",
                "notes.rst", "a.txt.meta.json"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("<p>" + TEXT + "</p>" if rel.endswith(".html") else TEXT
                                    if not rel.endswith(".json") else "{}", encoding="utf-8")
    ids = [d.id for d in iter_documents([tmp_path])]
    # A folder's own files (sorted) come before its subfolders (sorted); hidden files, sidecars
    # and other suffixes are not articles.
    assert ids == ["a.html", "b.md", "2024/01/story.txt", "2024/02/story.txt"]


def test_missing_path_is_a_failure_not_an_exception(tmp_path: Path) -> None:
    (item,) = iter_documents([tmp_path / "none"])
    assert isinstance(item, LoadFailure) and "no such file or directory" in item.error


def test_same_content_under_two_ids_is_two_documents(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(TEXT, encoding="utf-8")
    docs = list(iter_documents([tmp_path]))
    assert [d.id for d in docs] == ["a.txt", "b.txt"] and docs[0].sha256 == docs[1].sha256


def test_html_date_comes_from_metadata_never_from_the_body(tmp_path) -> None:
    from provenance.documents import load_document

    body = ("<article><p>Iran's foreign exchange reserves in 2019 fell to $86 billion, down 20 percent "
            "from 2013 levels, the IMF said in a long report.</p><p>Another paragraph of the article "
            "with enough words to be kept as main text.</p></article>")
    undated = tmp_path / "undated.html"
    undated.write_text(f"<html><head><title>T</title></head><body>{body}</body></html>", encoding="utf-8")
    assert load_document(undated).published is None
    dated = tmp_path / "dated.html"
    dated.write_text('<html><head><meta property="article:published_time" content="2022-01-19T16:17:00Z">'
                     f"<title>T</title></head><body>{body}</body></html>", encoding="utf-8")
    assert load_document(dated).published == "2022-01-19"
