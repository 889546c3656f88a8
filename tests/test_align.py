"""Alignment stage: the sentence matcher, candidate pairs, the path over sources, word diffs."""

from __future__ import annotations

import pytest

from provenance import Document, Settings, compare
from provenance.align import Prepared, best_path, candidate_matches, score_texts, word_diff
from provenance.api import analyse, tool_info

SETTINGS = Settings()


@pytest.mark.parametrize(("a", "b", "low", "high"), [
    # identical sentences score 1
    ("The minister said the budget would be cut by ten percent next year.",
     "The minister said the budget would be cut by ten percent next year.", 0.97, 1.0),
    # case, curly quotes and dashes are normalized away
    ("He called it \u201ca disaster \u2014 plain and simple\u201d.",
     'he called it "a disaster - plain and simple".', 0.97, 1.0),
    # reordered clauses around a shared core stay a paraphrase
    ("Russia and Iran can unite their efforts against US pressure, Raisi said during his visit.",
     "During his visit, Raisi said that Russia and Iran can unite their efforts against US pressure.", 0.75, 1.0),
    # same topic, different statement: below the paraphrase threshold
    ("The talks in Vienna resumed in late November but little progress has been made.",
     "Iran has the third-largest oil reserves after Saudi Arabia and Venezuela.", 0.0, 0.55),
])
def test_score_texts(a: str, b: str, low: float, high: float) -> None:
    assert low <= score_texts(a, b) <= high


def test_short_segments_are_not_inflated_by_set_overlap() -> None:
    # token_set_ratio rates a one-word string at 100 against any sentence holding that word.
    assert score_texts("Sputnik", "According to Sputnik, the president met Putin on Wednesday.") < 0.5


def test_score_is_symmetric_enough() -> None:
    a = "The Iranian President went on to note that the sanctions are futile."
    b = "He noted that the sanctions by the United States are futile in hindering Iran."
    assert abs(score_texts(a, b) - score_texts(b, a)) < 0.05


def _prepared(doc_id: str, sentences: list[str]) -> Prepared:
    return Prepared.build(doc_id, "\n".join(sentences))


def test_candidate_pairs_are_bounded() -> None:
    # Every sentence of a long article shares words with every sentence of a long source; the
    # prefilter keeps a bounded number of candidates per article sentence, never the full matrix.
    line = "The government officials said the committee would meet again on Tuesday in the capital city."
    article = _prepared("a", [f"{line} Item {i}." for i in range(200)])
    source = _prepared("s", [f"{line} Entry {i}." for i in range(200)])
    matches = candidate_matches(article, source, SETTINGS)
    singles = [m for m in matches if m.a_first == m.a_last and m.s_first == m.s_last]
    assert len(singles) <= 8 * 200


def test_split_sentence_is_attributed_whole() -> None:
    source = _prepared("s", [
        "The head of the Islamic Republic, who met with Russian President Vladimir Putin in Moscow on "
        "Wednesday, stressed that Tehran is ready for strategic relations with Russia.",
    ])
    article = _prepared("a", [
        "Raisi met with his Russian counterpart Vladimir Putin in Moscow on Wednesday.",
        "He stressed that Tehran is ready for strategic relations with Russia.",
    ])
    path = best_path(article, candidate_matches(article, source, SETTINGS), SETTINGS)
    assert [step.match is not None for step in path] == [True, True]


CORE = [
    "Officials in the northern province confirmed that the bridge would close for repairs in March.",
    "Engineers found cracks in two of the supporting pillars during a routine inspection last week.",
    "The closure is expected to last at least six months and will divert traffic through the valley.",
]


def test_context_decides_between_two_similar_sources() -> None:
    # The middle sentence matches source Y's wording slightly better, but its neighbours come
    # from X: the path keeps it with X (switching sources costs something).
    x = Document(id="x.txt", text="\n".join(CORE))
    y_middle = "Engineers found cracks in two supporting pillars during a routine inspection last week, officials said."
    y = Document(id="y.txt", text="The weather was mild across the region on Sunday afternoon.\n" + y_middle)
    article_lines = [CORE[0], y_middle.replace(", officials said", ""), CORE[2]]
    article = Document(id="a.txt", text="\n".join(article_lines))
    result = analyse(article, [x, y], SETTINGS, tool_info(SETTINGS))
    sources = [s.source for s in result.sentences]
    assert sources == ["x.txt", "x.txt", "x.txt"]


def test_clear_evidence_still_switches_sources() -> None:
    other = [
        "The central bank raised its main interest rate by half a percentage point on Thursday.",
        "Analysts had expected a smaller increase given the slowing economy and weak retail sales.",
    ]
    x = Document(id="x.txt", text="\n".join(CORE))
    y = Document(id="y.txt", text="\n".join(other))
    article = Document(id="a.txt", text="\n".join(CORE[:2] + other))
    result = analyse(article, [x, y], SETTINGS, tool_info(SETTINGS))
    assert [s.source for s in result.sentences] == ["x.txt", "x.txt", "y.txt", "y.txt"]


def test_isolated_weak_match_stays_own_text() -> None:
    source = Document(id="s.txt", text="\n".join(CORE))
    article = Document(id="a.txt", text="\n".join([
        "A new museum of modern art opened downtown with a collection of sculptures.",
        "Officials in the province confirmed the bridge would close for repairs, a spokesman said on radio.",
        "Visitors praised the building's bright galleries and its rooftop garden cafe.",
    ]))
    result = analyse(article, [source], SETTINGS, tool_info(SETTINGS))
    assert result.verdict == "original"


def test_word_diff_covers_both_sentences_in_order() -> None:
    article = _prepared("a", ["The Iranian President noted that the sanctions by the US are futile."])
    source = _prepared("s", ["He noted that the sanctions by the United States are futile."])
    [m] = [m for m in candidate_matches(article, source, SETTINGS) if m.s_first == m.s_last]
    ops = word_diff(article, source, m)
    assert {op.op for op in ops} >= {"equal", "replace"}
    starts = [op.start for op in ops]
    assert starts == sorted(starts)
    equal_words = [article.text[op.start:op.end] for op in ops if op.op == "equal"]
    assert "noted that the sanctions by the" in equal_words
    for op in ops:
        if op.op == "equal":
            assert article.text[op.start:op.end].lower() == source.text[op.source_start:op.source_end].lower()


def test_self_comparison_is_verbatim_throughout() -> None:
    text = "\n".join(CORE)
    result = compare(Document(id="a", text=text), Document(id="b", text=text))
    assert all(s.label == "verbatim" and s.source == "b" for s in result.sentences)
    assert result.sources[0].verdict == "copy"
    assert result.sources[0].coverage == pytest.approx(1.0)


WASTE = ("Residents may take household hazardous waste to the city facility on Commonwealth Avenue, "
         "which is open Monday through Saturday from eight in the morning until five in the afternoon "
         "and closed on Sundays, and for special handling of unusual material they can call the "
         "solid waste office, which also runs mobile collection events in every district of the "
         "city twice a year for paint, batteries, pesticides and old electronic equipment")


def _wrapped(text: str, width: int = 80) -> str:
    """Hard-wrapped at `width` columns: every line is a segment (lines are not joined)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def test_shifted_line_breaks_align_two_to_two() -> None:
    # The same paragraph wrapped with the source's breaks half a line further on (a sentence
    # before it): each article line straddles two source lines, so single lines match weakly
    # or not at all; two article lines against two source lines are the same words.
    article = _wrapped(WASTE)
    source = _wrapped("Contact the solid waste office of the city. " + WASTE)
    a, s = Prepared.build("a", article), Prepared.build("s", source)
    matches = candidate_matches(a, s, SETTINGS)
    assert any(m.a_last == m.a_first + 1 and m.s_last == m.s_first + 1 for m in matches)
    result = compare(Document(id="a", text=article), Document(id="s", text=source))
    [found] = result.sources
    assert found.verdict in ("paraphrase", "copy") and found.coverage > 0.8


def test_same_topic_in_other_words_is_not_a_two_to_two_match() -> None:
    # Lines about the same facility that share many of its words (two lines together score
    # above the threshold against two of its lines) but no run across the line breaks: not one
    # text cut at other places, so no two-to-two match and no finding.
    other = ("The waste facility on Commonwealth Avenue has longer opening hours this winter, and "
             "the council plans a second site in the north of the city next year for electronic "
             "equipment, while the mobile collection events for paint and batteries will end in "
             "March because too few residents used them, a spokeswoman for the office said")
    article, source = _wrapped(other), _wrapped("Contact us. " + WASTE)
    a, s = Prepared.build("a", article), Prepared.build("s", source)
    assert not [m for m in candidate_matches(a, s, SETTINGS) if m.a_last > m.a_first]
    assert compare(Document(id="a", text=article), Document(id="s", text=source)).verdict == "original"


def test_best_path_walks_only_the_matched_sentences_with_the_same_result(samples) -> None:
    # best_path walks from the first matched sentence to the one after the last; the walk over
    # the whole article (_viterbi from 0 to n) must choose the same states, for one source's
    # matches and for all sources' together, at the default and at zero switch cost.
    from provenance.align import _viterbi

    texts = [p.read_text(encoding="utf-8") for p in sorted(samples.glob("*.txt"))]
    checked = 0
    for i, a in enumerate(texts):
        article = Prepared.build(f"a{i}", a)
        n = len(article.sentences)
        every = []
        for j, b in enumerate(texts):
            if i != j:
                every.append(candidate_matches(article, Prepared.build(f"s{j}", b), SETTINGS))
        for matches in [*every, [m for ms in every for m in ms]]:
            for cost in (None, 0.0, 0.5):
                whole = _viterbi(n, 0, n, matches, SETTINGS, cost)
                assert best_path(article, matches, SETTINGS, switch_cost=cost) == whole
                checked += bool(matches)
    assert checked >= 6
