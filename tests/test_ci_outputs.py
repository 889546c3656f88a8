"""The output writers: line/column mapping, SARIF locations per format, JUnit escaping,
GitHub Actions escaping."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.report import write_atomic
from provenance.report.ci import LineMap, _escape_data, _escape_property

from .conftest import A000, A003


@pytest.mark.parametrize("text, offset, expected", [
    ("abc", 0, (1, 1)),
    ("abc", 3, (1, 4)),
    ("ab\ncd", 3, (2, 1)),
    ("ab\r\ncd", 4, (2, 1)),          # CRLF is one line end
    ("ab\rcd", 3, (2, 1)),            # a lone CR too
    ("😀é\nx😀y", 6, (2, 4)),          # columns count code points, not UTF-16 units or bytes
    ("a\n\nb", 3, (3, 1)),
], ids=["start", "end", "lf", "crlf", "cr", "astral", "blank-line"])
def test_line_map(text: str, offset: int, expected: tuple[int, int]) -> None:
    assert LineMap(text).position(offset) == expected


def test_github_escaping() -> None:
    assert _escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert _escape_property("a:b,c") == "a%3Ab%2Cc"


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, "new ✓\n")
    assert target.read_text(encoding="utf-8") == "new ✓\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xml"]  # no temporary left behind


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "new").mkdir()
    for src in (A000, A003):
        shutil.copyfile(src, tmp_path / "corpus" / src.name)
    shutil.copyfile(A003.with_name(A003.name + ".meta.json"), tmp_path / "corpus" / (A003.name + ".meta.json"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def ci(*args: str):
    return CliRunner().invoke(cli, ["ci", *args], catch_exceptions=False)


def test_sarif_regions_map_back_to_passage_offsets_in_a_crlf_file(corpus: Path) -> None:
    # CRLF line ends and astral characters before the passage: the region must still give the
    # passage's code-point offsets in the file's text.
    text = "😀 Editor's note 😀\r\n\r\n" + A003.read_text(encoding="utf-8").replace("\n", "\r\n")
    Path("new/crlf.txt").write_bytes(text.encode("utf-8"))
    result = ci("new/", "--against", "corpus/", "--sarif", "s.sarif", "--json", "r.jsonl")
    assert result.exit_code == 1
    record = json.loads(Path("r.jsonl").read_text(encoding="utf-8"))
    passages = [p for p in record["passages"] if p["source"] == A003.name]
    sarif = json.loads(Path("s.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    assert len(sarif) == len(passages) >= 1
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for p, r in zip(passages, sarif, strict=True):
        reg = r["locations"][0]["physicalLocation"]["region"]
        start = starts[reg["startLine"] - 1] + reg["startColumn"] - 1
        end = starts[reg["endLine"] - 1] + reg["endColumn"] - 1
        assert text[start:end] == text[p["start"]:p["end"]].strip()
        assert reg["startLine"] >= 3  # not on the note's line


def test_jsonl_record_is_located_at_its_line_and_html_at_the_file(corpus: Path) -> None:
    body = A003.read_text(encoding="utf-8")
    record = {"id": "wire-copy", "text": body, "outlet": "Daily"}
    other = {"id": "own", "text": "A story of our own about the harbour festival, written here. " * 5}
    Path("new/feed.jsonl").write_text(json.dumps(other) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    paragraphs = "".join(f"<p>{p}</p>\n" for p in body.split("\n") if p.strip())
    Path("new/page.html").write_text(
        f"<html><head><title>T</title></head><body><article>{paragraphs}</article></body></html>",
        encoding="utf-8")
    result = ci("new/", "--against", "corpus/", "--sarif", "s.sarif", "--junit", "j.xml")
    assert result.exit_code == 1
    results = json.loads(Path("s.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    by_uri: dict[str, list] = {}
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        by_uri.setdefault(loc["artifactLocation"]["uri"], []).append(loc.get("region"))
    assert by_uri["new/feed.jsonl"] and all(reg == {"startLine": 2} for reg in by_uri["new/feed.jsonl"])
    assert by_uri["new/page.html"] and all(reg is None for reg in by_uri["new/page.html"])
    cases = {(c.get("name"), c.get("line")) for c in ET.parse("j.xml").getroot().iter("testcase")}
    assert ("wire-copy", "2") in cases and ("own", "1") in cases
