"""The model case: three real reports of one event (see samples/).

000 rewrites 003 (Sputnik) in its first five paragraphs and credits Sputnik in passing; 004 is
independent reporting that quotes the same speech in another translation.
"""

from __future__ import annotations

import json

import pytest

from provenance import Settings, check, compare, index_from_paths, load_document
from provenance.results import CheckResult

from .conftest import A000, A003, A004, SAMPLES

ID003 = A003.name
ID004 = A004.name
BACKGROUND_START = "Stalled nuclear talks"


@pytest.fixture(scope="module")
def result_000() -> CheckResult:
    index, failures = index_from_paths([SAMPLES])
    assert failures == []
    with index:
        return check(load_document(A000), index)


@pytest.fixture(scope="module")
def result_004() -> CheckResult:
    index, _ = index_from_paths([SAMPLES])
    with index:
        return check(load_document(A004), index)


def test_top_source_of_000_is_003_with_paraphrase_verdict(result_000: CheckResult) -> None:
    top = result_000.sources[0]
    assert top.id == ID003
    assert top.verdict in ("paraphrase", "copy")
    assert 0.50 <= top.coverage <= 0.70
    assert result_000.verdict == top.verdict


def test_every_sentence_of_the_first_five_paragraphs_comes_from_003(result_000: CheckResult) -> None:
    text = load_document(A000).text
    cut = text.index(BACKGROUND_START)
    head = [s for s in result_000.sentences if s.end <= cut]
    assert len(head) == 10
    for s in head:
        assert s.source == ID003, s.text
        assert s.label in ("verbatim", "near-verbatim", "paraphrase"), s.text
        assert s.source_start is not None and s.source_end is not None


@pytest.mark.parametrize("opening", [
    "\u201cAmid external extraordinary conditions",  # the quotation 004 translates differently
    "He added that his country will not stop development",  # bag-of-words prefers 004's wording
])
def test_hard_sentences_go_to_003(result_000: CheckResult, opening: str) -> None:
    [sentence] = [s for s in result_000.sentences if s.text.startswith(opening)]
    assert sentence.source == ID003


def test_nothing_attributed_from_the_background_on(result_000: CheckResult) -> None:
    text = load_document(A000).text
    cut = text.index(BACKGROUND_START)
    for s in result_000.sentences:
        if s.start >= cut:
            assert s.source is None, s.text


def test_read_also_line_is_boilerplate(result_000: CheckResult) -> None:
    [line] = [s for s in result_000.sentences if s.text.startswith("READ ALSO")]
    assert line.label == "boilerplate"
    assert line.source is None


def test_sputnik_credit_detected_and_gives_direction(result_000: CheckResult) -> None:
    assert "Sputnik" in result_000.credits
    top = result_000.sources[0]
    assert top.credited is True
    assert top.direction == "source-to-article"


def test_004_is_listed_but_not_flagged(result_000: CheckResult) -> None:
    [src] = [s for s in result_000.sources if s.id == ID004]
    assert src.verdict == "none"
    assert not src.flagged
    assert src.pairs, "004 shares aligned sentences (the quotation) and must be listed"


def test_004_has_no_flagged_source(result_004: CheckResult) -> None:
    assert result_004.verdict == "original"
    assert result_004.findings == ()
    assert all(s.verdict == "none" for s in result_004.sources)


def test_004_shared_quotations_visible_but_not_counted(result_004: CheckResult) -> None:
    quoted = [s for s in result_004.sentences if s.quoted and s.source is not None]
    assert quoted, "the shared quotation should be visible in the sentence list"
    assert all(s.label == "paraphrase" for s in quoted)
    assert all(not p.counted for p in result_004.passages)


def test_article_is_never_its_own_source(result_000: CheckResult) -> None:
    assert all(s.id != A000.name for s in result_000.sources)


def test_passages_point_into_both_texts(result_000: CheckResult) -> None:
    text = load_document(A000).text
    source = load_document(A003).text
    [p] = [p for p in result_000.passages if p.source == ID003]
    assert text[p.start:p.end].startswith("During his two-day visit")
    assert text[p.start:p.end].endswith("military equipment.")
    assert source[p.source_start:p.source_end].startswith("Russia and Iran can unite")


def test_compare_gives_the_same_verdict_as_check(result_000: CheckResult) -> None:
    result = compare(load_document(A000), load_document(A003))
    [src] = result.sources
    assert src.verdict == result_000.sources[0].verdict
    assert src.coverage == pytest.approx(result_000.sources[0].coverage)


def test_same_input_same_bytes() -> None:
    a = compare(load_document(A000), load_document(A003)).to_json()
    b = compare(load_document(A000), load_document(A003)).to_json()
    assert a == b


def test_thresholds_are_configurable() -> None:
    strict = Settings(paraphrase_coverage=0.9, copy_coverage=0.95, partial_coverage=0.8,
                      partial_passage_chars=100_000)
    result = compare(load_document(A000), load_document(A003), strict)
    assert result.sources[0].verdict == "none"


def test_scan_groups_the_rewrite_with_its_source_and_leaves_004_alone() -> None:
    from provenance.cluster import scan
    from provenance.documents import iter_documents

    result = scan(list(iter_documents([SAMPLES])), workers=1)
    [group] = result.groups
    assert group["origin"] == ID003  # no dates: 000's credit to Sputnik names the origin
    assert sorted(m["id"] for m in group["members"]) == [A000.name, ID003]
    [member] = [m for m in group["members"] if m["role"] == "member"]
    assert member["evidence"]["verdict"] == "paraphrase"


def test_the_original_is_not_accused_by_its_own_rewrite() -> None:
    # 000 credits Sputnik, 003's outlet: 000 came after 003 and reuses it. Checking 003 against
    # the samples gives `original`, with 000 still listed, marked as reusing it.
    from click.testing import CliRunner

    from provenance.cli import cli

    result = CliRunner().invoke(cli, ["check", str(A003), "--against", str(SAMPLES), "--format", "json",
                                      "--fail-on", "partial"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "original"
    [reuser] = [s for s in data["sources"] if s["id"] == A000.name]
    assert reuser["reuses_article"] is True and reuser["direction"] == "article-to-source"
    assert reuser["verdict"] != "none"  # how much of 003 it reuses is still said
    assert all(s["source"] != A000.name for s in data["sentences"])  # no origin of 003's sentences
