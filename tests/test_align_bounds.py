"""The bounded alignment (align.score_bound, candidate_matches(bounded=True)) gives exactly the
matches of the unbounded one: the bound only skips pairs that could not be kept."""

from __future__ import annotations

import sys
from dataclasses import replace
from itertools import islice
from pathlib import Path

import pytest

from provenance import Settings
from provenance.align import Prepared, candidate_matches, score_bound, score_words

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus_gen import generate  # noqa: E402

SAMPLES = sorted(p for p in (ROOT / "samples").glob("*.txt"))
# The default floor, and a lower and a higher one: the bound's thresholds follow the floor.
FLOORS = (Settings(), replace(Settings(), paraphrase=0.25), replace(Settings(), paraphrase=0.6))


def _same(article: Prepared, source: Prepared, settings: Settings) -> None:
    bounded = candidate_matches(article, source, settings)
    full = candidate_matches(article, source, settings, bounded=False)
    assert bounded == full


@pytest.mark.parametrize("settings", FLOORS)
def test_samples_every_ordered_pair(settings: Settings) -> None:
    docs = [Prepared.build(p.name, p.read_text(encoding="utf-8")) for p in SAMPLES]
    assert len(docs) >= 3
    for a in docs:
        for b in docs:
            if a is not b:
                _same(a, b, settings)


def _generated(vocabulary: str) -> list:
    return list(generate(160, seed=11, words_per_article=400, planted_fraction=0.4,
                         vocabulary=vocabulary))


@pytest.mark.parametrize("vocabulary", ["news", "zipf"])
def test_generated_derived_and_unrelated_pairs(vocabulary: str) -> None:
    arts = _generated(vocabulary)
    prepared = {a.id: Prepared.build(a.id, a.text) for a in arts}
    derived = [a for a in arts if a.source_id]
    assert len(derived) >= 30
    found = 0
    for settings in FLOORS:
        for n, a in enumerate(derived):
            # Its source (copies, light edits, paraphrases, partial reuse), and unrelated
            # articles of the same corpus (shared vocabulary only).
            unrelated = (b.id for b in arts if b.id not in (a.id, a.source_id))
            others = [a.source_id, *islice(unrelated, 3 * n % 50, 3 * n % 50 + 3)]
            for sid in others:
                full = candidate_matches(prepared[a.id], prepared[sid], settings, bounded=False)
                assert candidate_matches(prepared[a.id], prepared[sid], settings) == full
                found += len(full)
    assert found > 100  # the pairs did align: the comparison is not between empty lists


@pytest.mark.parametrize("vocabulary", ["news", "zipf"])
def test_bound_is_never_below_the_score(vocabulary: str) -> None:
    arts = _generated(vocabulary)[:40]
    docs = [Prepared.build(a.id, a.text) for a in arts]
    checked = 0
    for x, y in zip(docs, docs[1:] + docs[:1], strict=True):
        for sa in x.sentences[:12]:
            for sb in y.sentences[:12] + x.sentences[:12]:
                ca = x.letters[sa.index] + len(sa.words) - 1
                cb = len(" ".join(sb.words))
                bound = score_bound(sa.words, sb.words, sa.units, sb.units, ca, cb)
                assert bound >= score_words(sa.words, sb.words, sa.units, sb.units).score
                checked += 1
    assert checked > 1000
