"""`provenance scan` for people and scripts: one verdict vocabulary, no member compared with
itself, text / JSON Lines / HTML formats chosen by --format or the -o suffix, escaped and
deterministic."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser

import numpy as np
import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.cluster import DocInfo, Link, Sketches, groups, relation, scan
from provenance.documents import iter_documents
from provenance.report.scan import render_html, render_jsonl, render_text, summary_line
from provenance.results import ScanResult

from .conftest import A000, A003, A004, SAMPLES

ID000, ID003 = A000.name, A003.name
VERDICTS = ("copy", "paraphrase", "partial")
HOSTILE = "<script>alert(1)</script> \u202eevil\x1b[31m"


@pytest.fixture(scope="module")
def samples_result() -> ScanResult:
    return scan(list(iter_documents([SAMPLES])), workers=1)


def _members_ok(result: ScanResult) -> None:
    """Every group: one reference (the origin when known), without evidence; every other member
    has evidence against it, in the verdict vocabulary, and never against itself."""
    for g in result.groups:
        refs = [m for m in g["members"] if m["role"] != "member"]
        assert len(refs) == 1 and refs[0]["id"] == g["reference"] == g["members"][0]["id"]
        assert "evidence" not in refs[0]
        assert refs[0]["role"] == ("origin" if g["origin"] is not None else "reference")
        if g["origin"] is not None:
            assert g["origin"] == g["reference"]
        for m in g["members"][1:]:
            e = m["evidence"]
            assert e["against"] == g["reference"] != m["id"]
            assert "relation" not in e
            assert e["basis"] in ("aligned", "measures", "indirect")
            assert e["verdict"] in VERDICTS or (e["verdict"] is None and e["basis"] == "indirect")


def test_samples_group_000_with_its_credited_origin_003(samples_result: ScanResult) -> None:
    [group] = samples_result.groups
    assert group["origin"] == ID003 and group["origin_basis"] == "credited"  # 003 has no date
    assert group["reference"] == ID003 and group["size"] == 2
    assert [m["id"] for m in group["members"]] == [ID003, ID000]
    assert group["members"][0]["role"] == "origin" and "evidence" not in group["members"][0]
    evidence = group["members"][1]["evidence"]
    assert evidence["against"] == ID003
    assert evidence["verdict"] == "paraphrase" and evidence["basis"] == "aligned"
    assert 0 < evidence["jaccard"] < 1 and "via" not in evidence
    _members_ok(samples_result)


def test_a_group_without_origin_has_a_reference_not_compared_with_itself(tmp_path) -> None:
    # Two undated, uncredited copies of one story: no likely origin. The first by id is the
    # reference; the other is a copy of it by the measures (identical texts need no alignment).
    text = A003.read_text(encoding="utf-8")
    for name in ("b.txt", "a.txt", "c.txt"):
        (tmp_path / name).write_text(text if name != "c.txt" else A004.read_text(encoding="utf-8"),
                                     encoding="utf-8")
    result = scan(list(iter_documents([tmp_path])), workers=1)
    [group] = result.groups
    assert group["origin"] is None and group["origin_basis"] == "unknown"
    assert group["reference"] == "a.txt"
    ref, other = group["members"]
    assert ref == {**ref, "id": "a.txt", "role": "reference"} and "evidence" not in ref
    assert other["id"] == "b.txt"
    assert other["evidence"] == {"against": "a.txt", "verdict": "copy", "basis": "measures",
                                 "jaccard": 1.0, "containment": 1.0}
    _members_ok(result)


def test_generated_corpus_keeps_the_rules(tmp_path) -> None:
    import sys

    from .conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus_gen import generate

    from provenance.cluster import ALIGN_BELOW
    from provenance.documents import Document

    arts = list(generate(120, seed=5, words_per_article=400, planted_fraction=0.3))
    dated = scan([Document(a.id, a.text, published=a.published) for a in arts], workers=1)
    undated = scan([Document(a.id, a.text) for a in arts], workers=1)
    assert dated.groups and undated.groups
    assert all(g["origin"] is None for g in undated.groups)
    for result in (dated, undated):
        _members_ok(result)
    evidence = [m["evidence"] for r in (dated, undated) for g in r.groups for m in g["members"]
                if "evidence" in m]
    assert all(e["jaccard"] < ALIGN_BELOW for e in evidence if e["basis"] == "aligned")
    assert any(e["basis"] == "aligned" for e in evidence)
    assert any(e["basis"] == "measures" for e in evidence)


def test_relation_maps_the_measures_to_the_verdict_vocabulary() -> None:
    assert relation(0.85, 0.9) == "copy"
    assert relation(0.5, 0.6) == "paraphrase"
    assert relation(0.2, 0.45) == "partial"
    assert relation(0.2, 0.1) is None
    assert relation(0.2, 0.1, linked=True) == "partial"


def test_a_member_linked_only_through_another_says_through_which() -> None:
    # a - b - c: c shares nothing with a, so its measures against a support no verdict.
    docs = [DocInfo(x, None, None, None, None) for x in ("a", "b", "c")]
    units = [np.arange(0, 10), np.arange(0, 20), np.arange(10, 20)]
    sketches = Sketches(docs=docs, unit_hashes=[u.astype(np.uint32) for u in units])
    links = [Link(0, 1, 9, 0.5, 1.0, 0.5, "paraphrase"), Link(1, 2, 9, 0.5, 0.5, 1.0)]
    [group] = groups(sketches, links)
    assert group["reference"] == "a" and group["origin"] is None
    by_id = {m["id"]: m for m in group["members"]}
    assert by_id["b"]["evidence"]["basis"] == "aligned"
    assert by_id["c"]["evidence"] == {"against": "a", "verdict": None, "basis": "indirect",
                                      "jaccard": 0.0, "containment": 0.0, "via": "b"}


def _result(sizes: list[int], articles: int, pairs: int, links: int, crowded: int) -> ScanResult:
    out = []
    for n, size in enumerate(sizes, 1):
        members = [{"id": f"g{n}-{k}", "path": None, "outlet": None, "published": None,
                    "title": None, "role": "reference" if k == 0 else "member"}
                   for k in range(size)]
        for m in members[1:]:
            m["evidence"] = {"against": members[0]["id"], "verdict": "copy", "basis": "measures",
                             "jaccard": 0.9, "containment": 0.9}
        out.append({"group": n, "origin": None, "origin_basis": "unknown",
                    "origin_reason": "unknown: no member has a publication date",
                    "reference": members[0]["id"], "size": size, "members": members})
    return ScanResult(out, articles, pairs, links, crowded)


def test_plurals_are_right() -> None:
    one = summary_line(_result([2], 1, 1, 1, 1))
    assert one == ("scanned 1 article: 1 group holding 2 articles (0 with a likely origin); "
                   "1 candidate pair, 1 confirmed; 1 crowded bucket joined as a star")
    many = summary_line(_result([3, 2], 9, 4, 3, 2))
    assert many.startswith("scanned 9 articles: 2 groups holding 5 articles")
    assert "4 candidate pairs" in many and "2 crowded buckets joined as stars" in many
    text = render_text(_result([3, 2], 9, 4, 3, 0), color=False, width=100)
    assert "Group 1 · 3 articles" in text and "Group 2 · 2 articles" in text
    assert "1 groups" not in text and "1 articles" not in text


def test_text_format_of_the_samples(samples_result: ScanResult) -> None:
    text = render_text(samples_result, color=False, width=100)
    assert "Group 1 · 2 articles" in text
    assert f"likely origin: {ID003} (credited by a member" in text
    assert f"paraphrase  {ID000}" in text and "Jaccard 0.37" in text and "containment 0.70" in text
    assert "Sputnik" in text and "date unknown" in text
    assert text.rstrip().endswith("scanned 3 articles: 1 group holding 2 articles (1 with a likely "
                                  "origin); 3 candidate pairs, 1 confirmed")
    assert "\x1b" not in text
    assert render_text(samples_result, color=False, width=100) == text


@pytest.fixture()
def hostile_corpus(tmp_path):
    for path in (A000, A003, A004):
        shutil.copy(path, tmp_path / path.name)
        shutil.copy(path.with_name(path.name + ".meta.json"), tmp_path / (path.name + ".meta.json"))
    meta = json.loads((tmp_path / (ID003 + ".meta.json")).read_text(encoding="utf-8"))
    meta["title"] = HOSTILE
    (tmp_path / (ID003 + ".meta.json")).write_text(json.dumps(meta), encoding="utf-8")
    (tmp_path / (ID000 + ".meta.json")).write_text(json.dumps({"outlet": "<b>bold</b>"}),
                                                   encoding="utf-8")
    return tmp_path


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.ids: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            self.attrs.append((tag, name, value))
            if name == "id":
                self.ids.append(value)

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def test_html_is_self_contained_and_escapes_a_hostile_title(hostile_corpus) -> None:
    import base64
    import hashlib

    result = scan(list(iter_documents([hostile_corpus])), workers=1)
    page = render_html(result)
    assert page == render_html(result)  # deterministic bytes
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert "script" not in parser.tags and "b" not in parser.tags and "link" not in parser.tags
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "\u202e" not in page and "\x1b" not in page and "\u27e8U+202E\u27e9" in page
    # No external reference: every link is an anchor of the page, no src, no url() in the style.
    hrefs = [v for tag, name, v in parser.attrs if name == "href"]
    assert hrefs and all(h.startswith("#") and h[1:] in parser.ids for h in hrefs)
    assert not [a for a in parser.attrs if a[1] in ("src", "srcset", "action", "style")]
    assert "url(" not in "".join(parser.styles) and "@import" not in "".join(parser.styles)
    [csp] = [v for tag, name, v in parser.attrs if tag == "meta" and name == "content"
             and v and v.startswith("default-src")]
    assert csp.startswith("default-src 'none'; style-src 'sha256-") and "script-src" not in csp
    [style] = parser.styles
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    # Each member links to its evidence: measures, verdict and the side-by-side command.
    assert "g1-m2" in parser.ids and 'href="#g1-m2"' in page
    text = "".join(parser.text)
    assert f"provenance compare {hostile_corpus / ID000} {hostile_corpus / ID003} --format html" in text
    assert "0.3729" in text and "paraphrase" in text


def test_text_and_json_escape_a_hostile_title(hostile_corpus) -> None:
    result = scan(list(iter_documents([hostile_corpus])), workers=1)
    text = render_text(result, color=False, width=100)
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[31m" in text
    lines = render_jsonl(result)
    assert "\u202e" not in lines and "\\u202e" in lines
    [group] = [json.loads(x) for x in lines.splitlines()]
    assert group["members"][0]["title"] == HOSTILE


def _run(*args):
    return CliRunner().invoke(cli, ["scan", *map(str, args), "--workers", "1"])


def test_cli_json_lines_by_default_when_piped() -> None:
    result = _run(SAMPLES)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1  # one object per group
    assert json.loads(lines[0])["origin"] == ID003
    assert result.stderr.strip() == ("scanned 3 articles: 1 group holding 2 articles (1 with a "
                                     "likely origin); 3 candidate pairs, 1 confirmed")
    assert _run(SAMPLES).stdout == result.stdout


def test_cli_text_by_default_on_a_terminal(monkeypatch) -> None:
    import importlib

    scan_cli = importlib.import_module("provenance.cli.scan")  # the attribute is the command
    monkeypatch.setattr(scan_cli, "_stdout_is_terminal", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    result = _run(SAMPLES)
    assert result.exit_code == 0, result.output
    assert "Group 1 · 2 articles" in result.stdout and "1 group holding" in result.stdout
    assert result.stderr == ""  # the summary is the text's last line, not repeated


@pytest.mark.parametrize(("suffix", "kind"), [(".html", "html"), (".htm", "html"),
                                              (".json", "json"), (".jsonl", "json"),
                                              (".txt", "text"), (".out", "json")])
def test_cli_output_suffix_picks_the_format(tmp_path, suffix, kind) -> None:
    target = tmp_path / f"groups{suffix}"
    result = _run(SAMPLES, "-o", target)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "1 group holding 2 articles" in result.stderr
    body = target.read_text(encoding="utf-8")
    if kind == "html":
        assert body.startswith("<!DOCTYPE html>")
    elif kind == "json":
        assert [json.loads(x)["group"] for x in body.splitlines()] == [1]
    else:
        assert body.startswith("Group 1 · 2 articles") and "\x1b" not in body
    again = tmp_path / f"again{suffix}"
    assert _run(SAMPLES, "-o", again).exit_code == 0
    assert again.read_bytes() == target.read_bytes()  # deterministic bytes
    assert _run(SAMPLES, "-o", again, "--format", kind).exit_code == 0


@pytest.mark.parametrize(("fmt", "name"), [("text", "g.html"), ("json", "g.txt"),
                                           ("html", "g.jsonl")])
def test_cli_format_contradicting_the_suffix_is_a_usage_error(tmp_path, fmt, name) -> None:
    result = _run(SAMPLES, "--format", fmt, "-o", tmp_path / name)
    assert result.exit_code == 2
    assert "contradicts" in result.stderr
    assert not (tmp_path / name).exists()


def test_cli_format_to_stdout(tmp_path) -> None:
    html = _run(SAMPLES, "--format", "html")
    assert html.exit_code == 0 and html.stdout.startswith("<!DOCTYPE html>")
    text = _run(SAMPLES, "--format", "text")
    assert text.exit_code == 0 and text.stdout.startswith("Group 1 · 2 articles")
    assert text.stdout.rstrip().endswith("3 candidate pairs, 1 confirmed")


def test_scan_tells_progress_as_it_reads(tmp_path) -> None:
    from provenance.api.scan import scan
    from provenance.documents import iter_documents

    seen: list[tuple[int, int | None]] = []
    result = scan(iter_documents([SAMPLES]), progress=lambda done, total: seen.append((done, total)))
    assert result.articles == 3 and seen == [(1, None), (2, None), (3, None)]
