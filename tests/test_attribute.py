"""Attribution stage: verdict rules, quotation handling, direction, siblings, credits."""

from __future__ import annotations

import pytest

from provenance import Document, Settings
from provenance.api import analyse, tool_info
from provenance.attribute import counts_toward_coverage, direction, verdict_for

S = Settings()


@pytest.mark.parametrize(("coverage", "closeness", "expected"), [
    (0.95, 0.9, "copy"),          # most of the article, near-verbatim
    (0.95, 0.2, "paraphrase"),    # most of the article, reworded
    (0.40, 1.0, "paraphrase"),
    (0.15, 1.0, "partial"),
    (0.02, 1.0, "none"),          # one sentence in a long article
    (0.0, 0.0, "none"),
])
def test_verdict_rules(coverage: float, closeness: float, expected: str) -> None:
    assert verdict_for(coverage, closeness, S) == expected


@pytest.mark.parametrize(("label", "quoted", "count_quotes", "expected"), [
    ("paraphrase", False, True, True),
    ("paraphrase", True, True, False),       # the same quotation in other words: not evidence
    ("near-verbatim", True, True, True),     # the same translation: evidence
    ("verbatim", True, False, False),        # quotes switched off entirely
])
def test_quoted_speech_counting(label: str, quoted: bool, count_quotes: bool, expected: bool) -> None:
    assert counts_toward_coverage(label, quoted, Settings(count_quotes=count_quotes)) is expected


@pytest.mark.parametrize(("a_date", "credits", "s_date", "s_credits", "expected"), [
    ("2022-01-20", False, "2022-01-19", False, "source-to-article"),
    ("2022-01-18", False, "2022-01-19", False, "article-to-source"),
    (None, True, None, False, "source-to-article"),
    (None, False, None, True, "article-to-source"),
    (None, False, None, False, "unknown"),
    ("2022-01-19", True, "2022-01-19", False, "source-to-article"),  # same day: the credit decides
    ("not a date", False, "2022-01-19", False, "unknown"),
])
def test_direction(a_date, credits, s_date, s_credits, expected) -> None:
    way, reason = direction(a_date, "Outlet", credits, s_date, s_credits)
    assert way == expected
    assert reason


STORY = [
    "Officials in the northern province confirmed that the bridge would close for repairs in March.",
    "Engineers found cracks in two of the supporting pillars during a routine inspection last week.",
    "The closure is expected to last at least six months and will divert traffic through the valley.",
    "Local businesses warned that the detour could cut their takings by a third over the summer.",
]


def test_wire_story_and_its_rewrite_are_siblings() -> None:
    wire = Document(id="wire.txt", text="\n".join(STORY), outlet="Wire", published="2024-03-01")
    rewrite = Document(id="rewrite.txt", text="\n".join(STORY[:3]) + "\nA spokesman declined to comment.",
                       published="2024-03-02")
    article = Document(id="new.txt", text="\n".join(STORY), published="2024-03-05")
    result = analyse(article, [rewrite, wire], S, tool_info(S))
    by_id = {s.id: s for s in result.sources}
    assert by_id["wire.txt"].sibling_of is None
    assert by_id["rewrite.txt"].sibling_of == "wire.txt"
    assert [f.id for f in result.findings] == ["wire.txt"]


def test_credit_line_marks_the_source_credited() -> None:
    wire = Document(id="wire.txt", text="\n".join(STORY), outlet="Reuters")
    article = Document(id="new.txt", text="According to Reuters, the bridge will close.\n" + "\n".join(STORY))
    result = analyse(article, [wire], S, tool_info(S))
    assert "Reuters" in result.credits
    assert result.sources[0].credited is True
    assert result.sources[0].direction == "source-to-article"


def test_boilerplate_is_kept_but_not_scored() -> None:
    wire = Document(id="wire.txt", text="\n".join(STORY))
    article = Document(id="new.txt", text="\n".join(STORY[:2]) + "\nREAD MORE: Bridge closures across the region\n"
                       + "\n".join(STORY[2:]) + "\nSubscribe to our newsletter")
    result = analyse(article, [wire], S, tool_info(S))
    labels = [s.label for s in result.sentences]
    assert labels.count("boilerplate") == 2
    assert result.sources[0].coverage == pytest.approx(1.0, abs=0.02)
