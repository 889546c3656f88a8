"""Alignment: sentence similarity, candidate pairs, and the best path of sentences over sources.

Seed, extend, filter (Sanchez-Perez et al., PAN 2014) in a probabilistic dress: candidate sentence
pairs are scored with rapidfuzz; the article's sentences are then labelled by the best path over
the states "own text" and "from source S, sentence j" (Viterbi). Staying with one source and
moving forward in it is free, switching costs `switch_cost`, so a sentence that resembles two
sources about equally goes to the one its neighbours come from, an isolated weak match stays the
article's own, and a clear match still switches (a mosaic of several sources).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .results import DiffOp, Segment
from .settings import Settings
from .sketch import scorable
from .text import char_grams, content_units, scoring_length, segment, tokenize

MAX_CANDIDATES_PER_SENTENCE = 8
POSTINGS_BUDGET = 500  # source-sentence postings visited per article sentence
MERGE_MARGIN = 0.02
SPLIT_CONTAINMENT = 0.5
MAX_JUMP = 3  # source sentences a rewriter may skip while staying "in order"
# Words a shared run needs on each side of both cuts for a two-to-two match across shifted
# boundaries (candidate_matches); as attribute.LITERAL_BRIDGE, three words in a row.
CUT_RUN = 3


@dataclass(frozen=True)
class Sentence:
    """A scorable segment prepared for matching."""

    index: int  # position among the document's scorable segments
    segment: Segment
    words: tuple[str, ...]  # normalized tokens
    spans: tuple[tuple[int, int], ...]  # original offsets of each token
    units: frozenset[str]


@dataclass
class Prepared:
    """A document segmented and tokenized once, reused for every comparison."""

    id: str
    text: str
    segments: list[Segment]
    sentences: list[Sentence]
    postings: dict[str, list[int]]

    @classmethod
    def build(cls, doc_id: str, text: str, segments: list[Segment] | None = None) -> Prepared:
        segments = segment(text) if segments is None else segments
        sentences = []
        for seg in scorable(segments, text):
            toks = tokenize(text, seg.start, seg.end)
            if not toks:
                continue
            sentences.append(Sentence(len(sentences), seg, tuple(t.text for t in toks),
                                      tuple((t.start, t.end) for t in toks),
                                      frozenset(content_units(toks))))
        postings: dict[str, list[int]] = {}
        for s in sentences:
            for u in s.units:
                postings.setdefault(u, []).append(s.index)
        return cls(doc_id, text, segments, sentences, postings)

    @cached_property
    def char_grams(self) -> frozenset[str]:
        """text.char_grams of the whole text, computed when first asked for."""
        return char_grams(self.text)

    @cached_property
    def by_words(self) -> dict[tuple[str, ...], list[int]]:
        """Sentences by their normalized words: an exact copy is always a candidate."""
        table: dict[tuple[str, ...], list[int]] = {}
        for s in self.sentences:
            table.setdefault(s.words, []).append(s.index)
        return table

    @cached_property
    def flat(self) -> tuple[list[str], list[tuple[int, int]], list[int]]:
        """The scorable words, their offsets, and the index of each sentence's first word
        (computed once: every passage of a long article asks for it)."""
        words: list[str] = []
        spans: list[tuple[int, int]] = []
        firsts: list[int] = []
        for sent in self.sentences:
            firsts.append(len(words))
            words.extend(sent.words)
            spans.extend(sent.spans)
        firsts.append(len(words))
        return words, spans, firsts

    @cached_property
    def lengths(self) -> list[int]:
        """Each sentence's scoring_length (what min_sentence_chars is compared with)."""
        return [scoring_length(s.segment.text) for s in self.sentences]

    @cached_property
    def letters(self) -> list[int]:
        """Each sentence's characters in its words (spaces between them not counted), or -1
        where a word holds whitespace (token_sort would split it: no length bound, score_bound)."""
        return [sum(map(len, s.words)) if " ".join(s.words).split() == list(s.words) else -1
                for s in self.sentences]


# --- Scoring ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PairScore:
    score: float  # the combined similarity, 0-1
    ratio: float  # edit similarity of the normalized strings, 0-1 (decides verbatim labels)


# The combined score is a logistic regression over ten lexical features of the pair, fitted on
# the MSRP training part (4,076 news sentence pairs judged paraphrase or not) by
# benchmarks/eval_msrp.py --fit (numpy IRLS, L2 penalty 1.0). Measured by that benchmark with
# 10-fold cross-validation (refitted per fold): ROC AUC 0.807, accuracy 0.749, F1 0.822,
# against 0.745 / 0.721 / 0.817 for the hand-set weights it replaced (0.35 token-set + 0.25
# token-sort + 0.20 stem containment + 0.20 bigram containment, which miss the floor
# of AUC 0.78 and accuracy 0.74). Token-set similarity is not a feature: given the others its
# weight is near zero, and it rates two reports of the same event at about 0.5.
# The negative weight on bigram containment (of the shorter side) with positive weights on the
# "of the longer side" measures means: one sentence holding the other plus more is a weaker
# match than an equal rewrite. A split or merged sentence is scored as a pair of sentences in
# candidate_matches, where that penalty does not apply.
FEATURES = ("token_sort", "ratio", "units_min", "bigrams_min", "units_max", "bigrams_max",
            "word_lcs", "length_ratio", "numbers_equal", "words_max")
WEIGHTS = (2.779, 3.066, 1.395, -3.630, 1.283, 0.098, 2.094, 1.026, 0.524, 3.438)
INTERCEPT = -7.970
MIN_WORDS = 4


@lru_cache(maxsize=65536)
def _bigrams(words: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    return frozenset(zip(words, words[1:], strict=False))


_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=65536)
def _numbers(words: tuple[str, ...]) -> frozenset[str]:
    # Cached: one sentence is scored against many candidates.
    return frozenset(w for w in words if _DIGIT.search(w))


@lru_cache(maxsize=65536)
def _wordset(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(words)


def pair_features(a: tuple[str, ...], b: tuple[str, ...], ua: frozenset[str], ub: frozenset[str]
                  ) -> tuple[float, ...]:
    """The features of FEATURES, each in 0-1, for two normalized token sequences and their
    content-unit sets."""
    sa, sb = " ".join(a), " ".join(b)
    t_sort = fuzz.token_sort_ratio(sa, sb) / 100.0
    ratio = fuzz.ratio(sa, sb) / 100.0
    shared_units = len(ua & ub)
    units_min = shared_units / max(1, min(len(ua), len(ub)))
    units_max = shared_units / max(1, len(ua), len(ub))
    ba, bb = _bigrams(a), _bigrams(b)
    shared_bigrams = len(ba & bb)
    bigrams_min = shared_bigrams / max(1, min(len(ba), len(bb)))
    bigrams_max = shared_bigrams / max(1, len(ba), len(bb))
    word_lcs = Indel.normalized_similarity(a, b)
    length_ratio = min(len(a), len(b)) / max(1, len(a), len(b))
    na, nb = _numbers(a), _numbers(b)
    numbers_equal = 1.0 if na == nb else 0.0
    wa, wb = _wordset(a), _wordset(b)
    words_max = len(wa & wb) / max(1, len(wa), len(wb))
    return (t_sort, ratio, units_min, bigrams_min, units_max, bigrams_max, word_lcs, length_ratio,
            numbers_equal, words_max)


def combine(features: tuple[float, ...]) -> float:
    """The logistic combination of pair_features, in 0-1."""
    z = INTERCEPT + sum(w * f for w, f in zip(WEIGHTS, features, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def score_words(a: tuple[str, ...], b: tuple[str, ...], ua: frozenset[str], ub: frozenset[str]) -> PairScore:
    """Similarity of two token sequences (already normalized), in 0-1."""
    if a == b:
        # The logistic combination tops out below 1 and is not monotone at the top: two
        # identical sentences must outrank any pair of different ones.
        return PairScore(1.0, 1.0)
    if min(len(a), len(b)) < MIN_WORDS:
        # A set scorer rates a two-word heading at 100 against any sentence holding both words.
        ratio = fuzz.ratio(" ".join(a), " ".join(b)) / 100.0
        return PairScore(ratio, ratio)
    features = pair_features(a, b, ua, ub)
    return PairScore(combine(features), features[1])


def score_texts(a: str, b: str) -> float:
    """Similarity of two sentences as raw text, 0-1: the matcher used for attribution."""
    ta, tb = tokenize(a), tokenize(b)
    return score_words(tuple(t.text for t in ta), tuple(t.text for t in tb),
                       frozenset(content_units(ta)), frozenset(content_units(tb))).score


# The bound below may only err upwards: BOUND_SLACK covers floating-point rounding.
BOUND_SLACK = 1e-6


def score_bound(a: tuple[str, ...], b: tuple[str, ...], ua: frozenset[str], ub: frozenset[str],
                chars_a: int, chars_b: int) -> float:
    """An upper bound of score_words(a, b, ua, ub).score, at a third of its cost, from the
    features that are cheap (set sizes and intersections) and bounds of the costly ones
    (chars_a, chars_b: the lengths of " ".join(a) and " ".join(b), negative when unknown):

    - ratio and token_sort are Indel similarities of strings of chars_a and chars_b characters
      (token_sort sorts the same tokens: same length), at most 2 min / (chars_a + chars_b);
    - word_lcs is at most 2 min(a's words found in b, b's words found in a) / (len a + len b).

    Every other feature is computed exactly; bigrams_min has a negative weight and
    bigrams_max <= bigrams_min, so their exact values are used too. candidate_matches skips the
    pairs whose bound is below what they would need to be kept (tests/test_align_bounds.py)."""
    if a == b:
        return 1.0
    length = 2 * min(chars_a, chars_b) / max(1, chars_a + chars_b) if min(chars_a, chars_b) >= 0 else 1.0
    if min(len(a), len(b)) < MIN_WORDS:
        return length
    wa, wb = _wordset(a), _wordset(b)
    shared_units = len(ua & ub)
    ba, bb = _bigrams(a), _bigrams(b)
    shared_bigrams = len(ba & bb)
    in_b = sum(1 for w in a if w in wb)
    in_a = sum(1 for w in b if w in wa)
    features = (length, length,
                shared_units / max(1, min(len(ua), len(ub))),
                shared_bigrams / max(1, min(len(ba), len(bb))),
                shared_units / max(1, len(ua), len(ub)),
                shared_bigrams / max(1, len(ba), len(bb)),
                min(1.0, 2 * min(in_a, in_b) / max(1, len(a) + len(b))),
                min(len(a), len(b)) / max(1, len(a), len(b)),
                1.0 if _numbers(a) == _numbers(b) else 0.0,
                len(wa & wb) / max(1, len(wa), len(wb)))
    return combine(features) + BOUND_SLACK


# --- Candidate matches ------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    """Article sentences a_first..a_last matched to source sentences s_first..s_last."""

    source: str
    a_first: int
    a_last: int
    s_first: int
    s_last: int
    score: float
    ratio: float
    # "translation" for a match across languages (xlang.py): no wording is shared, so it gets
    # its own label and no word diff.
    kind: str = "text"


def _join(sentences: list[Sentence]) -> tuple[tuple[str, ...], frozenset[str]]:
    words: tuple[str, ...] = ()
    units: frozenset[str] = frozenset()
    for s in sentences:
        words += s.words
        units |= s.units
    return words, units


def candidate_matches(article: Prepared, source: Prepared, settings: Settings,
                      bounded: bool = True) -> list[Match]:
    """Scored sentence pairs worth considering, including one-to-two merges and splits and
    two-to-two matches across shifted boundaries.

    Pairs are prefiltered by shared content units through the source's postings, so the work is
    bounded by MAX_CANDIDATES_PER_SENTENCE per article sentence, never a full pair matrix.

    Each pair is scored once, and (`bounded`) only where score_bound says it could be kept: a
    merge, split or shifted match needs the floor and to beat the matches it would replace; a
    single below floor - MERGE_MARGIN is never kept, blocks no merge and no shifted match, and
    so is not scored (it still seeds the merges and splits around it). The matches are the
    same as with bounded=False (tests/test_align_bounds.py); on 20,000 articles of invented
    Zipf-distributed words this skipped about four in five scores (docs/scale.md).
    """
    floor = settings.paraphrase
    min_chars = settings.min_sentence_chars
    singles: dict[tuple[int, int], Match] = {}
    merges: dict[tuple[int, int, int, int], Match] = {}
    scored: dict[tuple[int, int, int, int], Match] = {}
    a_len, s_len = article.lengths, source.lengths
    a_letters, s_letters = article.letters, source.letters

    def score(a0: int, a1: int, s0: int, s1: int) -> Match:
        key = (a0, a1, s0, s1)
        m = scored.get(key)
        if m is None:
            wa, ua = _join(article.sentences[a0:a1 + 1])
            wb, ub = _join(source.sentences[s0:s1 + 1])
            ps = score_words(wa, wb, ua, ub)
            m = scored[key] = Match(source.id, a0, a1, s0, s1, ps.score, ps.ratio)
        return m

    def chars(letters: list[int], first: int, last: int, words: int) -> int:
        # The length of the words of sentences first..last joined by single spaces.
        counts = letters[first:last + 1]
        return -1 if min(counts) < 0 else sum(counts) + words - 1

    def may_reach(a0: int, a1: int, s0: int, s1: int, needed: float) -> bool:
        """Whether the pair's score could be at least `needed` (always, unbounded)."""
        if not bounded or (a0, a1, s0, s1) in scored:
            return True
        wa, ua = _join(article.sentences[a0:a1 + 1])
        wb, ub = _join(source.sentences[s0:s1 + 1])
        return score_bound(wa, wb, ua, ub, chars(a_letters, a0, a1, len(wa)),
                           chars(s_letters, s0, s1, len(wb))) >= needed

    def long_enough(sents: list[Sentence], *idx: int) -> bool:
        lengths = a_len if sents is article.sentences else s_len
        return all(0 <= i < len(sents) and lengths[i] >= min_chars for i in idx)

    pairs: list[tuple[int, int]] = []
    for a in article.sentences:
        if scoring_length(a.segment.text) < min_chars or not a.units:
            continue
        shared: Counter[int] = Counter()
        # Rarest units first, within a budget of postings visited: a unit found in hundreds of
        # source sentences selects nothing, and counting it made the prefilter quadratic on
        # long articles (two 1 MB articles: 38 s -> 7 s in benchmarks/bench_large.py).
        considered = visited = 0
        for u in sorted(a.units, key=lambda u: (len(source.postings.get(u, ())), u)):
            post = source.postings.get(u, ())
            if considered >= 2 and visited + len(post) > POSTINGS_BUDGET:
                break
            considered += 1
            visited += len(post)
            for j in post:
                shared[j] += 1
        # Two shared content units, or all of them for a sentence that has fewer.
        need = min(considered, max(2, int(0.2 * considered)))
        exact = source.by_words.get(a.words, [])[:MAX_CANDIDATES_PER_SENTENCE]
        picks = exact + [j for j in heapq.nlargest(MAX_CANDIDATES_PER_SENTENCE,
                                                   (j for j, c in shared.items() if c >= need),
                                                   key=lambda j: (shared[j], -j)) if j not in exact]
        for j in picks:
            if long_enough(source.sentences, j):
                if may_reach(a.index, a.index, j, j, floor - MERGE_MARGIN):
                    singles[(a.index, j)] = score(a.index, a.index, j, j)
                pairs.append((a.index, j))
    best_single: dict[int, float] = {}
    for (i, _), m in singles.items():
        best_single[i] = max(best_single.get(i, 0.0), m.score)
    # A rewriter merges two source sentences into one, or splits one into two.
    # Source merges (one article sentence, two source sentences) are kept where they beat every
    # single match of that article sentence. An article split (two article sentences, one source
    # sentence) lifts the weaker half to the pair's score, provided most of its own content
    # units are in that source sentence: the split half is then a match of its own, so the
    # stronger half keeps its own score and label.
    lifted: dict[tuple[int, int], Match] = {}
    tried_merges: set[tuple[int, int, int, int]] = set()
    for i, j in pairs:
        for key in ((i, i, j, j + 1), (i, i, j - 1, j)):
            # A merge tried from another pair met the same best_single: the same outcome.
            if key in tried_merges or not long_enough(source.sentences, key[2], key[3]):
                continue
            tried_merges.add(key)
            if not may_reach(*key, max(floor, best_single.get(i, 0.0) + MERGE_MARGIN)):
                continue
            m = score(*key)
            if m.score >= floor and m.score > best_single.get(i, 0.0) + MERGE_MARGIN:
                merges[key] = m
        for k in (i - 1, i + 1):
            if not long_enough(article.sentences, k) or (k, j) in lifted:
                continue
            current = singles.get((k, j))
            if current is not None and current.score >= floor:
                continue
            # The containment test first: it is cheap and most neighbours fail it.
            weak = article.sentences[k].units
            inside = len(weak & source.sentences[j].units) / max(1, len(weak))
            if inside < SPLIT_CONTAINMENT:
                continue
            a0, a1 = min(i, k), max(i, k)
            if not may_reach(a0, a1, j, j, floor):
                continue
            pair = score(a0, a1, j, j)
            if pair.score >= floor:
                lifted[(k, j)] = Match(source.id, k, k, j, j, pair.score, pair.ratio)
    found = [m for m in singles.values() if m.score >= floor] + list(merges.values()) + list(lifted.values())
    # Shifted boundaries: two copies of one text segmented at different places (hard-wrapped at
    # other widths, a sentence end lost in one copy) have sentences that each straddle a
    # boundary of the other, so no sentence matches one of the other side. An article sentence
    # without a match at the floor whose content units are mostly (SPLIT_CONTAINMENT) in two
    # adjacent source sentences is scored, with each of its neighbours, against those two as
    # one two-to-two match. It is kept where it beats every other match of both article
    # sentences and one run of shared words crosses both cuts (_crosses_cuts): the same text cut
    # at two places, not two texts on one topic (without that test, lines on one topic sharing
    # many words made a two-to-two match: tests/test_align.py). On PAN 2013 dev, whose degraded
    # copies keep their hard line breaks, this found 105 instead of 103 of the 106 sources and
    # raised passage recall from 0.960 to 0.974; the Clough-Stevenson figures did not move.
    best: dict[int, float] = dict(best_single)
    for m in found:
        for i in (m.a_first, m.a_last):
            best[i] = max(best.get(i, 0.0), m.score)
    shifted: dict[tuple[int, int, int, int], Match] = {}
    tried: set[tuple[int, int, int, int]] = set()
    for i, j in pairs:
        if best.get(i, 0.0) >= floor:
            continue
        own = article.sentences[i].units
        for s0 in (j - 1, j):
            if not long_enough(source.sentences, s0, s0 + 1):
                continue
            around = source.sentences[s0].units | source.sentences[s0 + 1].units
            if len(own & around) < SPLIT_CONTAINMENT * len(own):
                continue
            for a0 in (i - 1, i):
                key = (a0, a0 + 1, s0, s0 + 1)
                if key in tried or not long_enough(article.sentences, a0, a0 + 1):
                    continue
                tried.add(key)
                if not may_reach(*key, max(floor, max(best.get(a0, 0.0), best.get(a0 + 1, 0.0)) + MERGE_MARGIN)):
                    continue
                m = score(*key)
                if (m.score >= floor and m.score > max(best.get(a0, 0.0), best.get(a0 + 1, 0.0)) + MERGE_MARGIN
                        and _crosses_cuts(article.sentences[a0], article.sentences[a0 + 1],
                                          source.sentences[s0], source.sentences[s0 + 1])):
                    shifted[key] = m
    found += shifted.values()
    return sorted(found, key=lambda m: (m.a_first, m.a_last, m.s_first, m.s_last))


def _crosses_cuts(a0: Sentence, a1: Sentence, s0: Sentence, s1: Sentence) -> bool:
    """Whether one run of words shared by a0+a1 and s0+s1 (in the longest common subsequence)
    has at least CUT_RUN words on both sides of the cut between a0 and a1 and of the cut between
    s0 and s1."""
    cut_a, cut_s = len(a0.words), len(s0.words)
    for tag, i1, i2, j1, j2 in Indel.opcodes(a0.words + a1.words, s0.words + s1.words):
        if tag == "equal" and min(cut_a - i1, i2 - cut_a, cut_s - j1, j2 - cut_s) >= CUT_RUN:
            return True
    return False


# --- The best path -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """The state chosen for one article sentence: a match covering it, or None (own text)."""

    sentence: int
    match: Match | None


def best_path(article: Prepared, matches: list[Match], settings: Settings,
              switch_cost: float | None = None) -> list[Step]:
    """Viterbi over article sentences; states are the matches covering each sentence, or own.

    With switch_cost=0 every sentence takes its best match, context only breaking ties.

    Only the sentences from the first matched one to the one after the last are walked (one
    source's matches usually cover a few sentences of a long article): before them every state
    is "own" at no cost, and the sentence after them charges the switch back to "own", so the
    path is the one a walk over the whole article gives (tested)."""
    n = len(article.sentences)
    if not matches:
        return [Step(i, None) for i in range(n)]
    lo = min(m.a_first for m in matches)
    hi = min(n, max(m.a_last for m in matches) + 2)
    inner = _viterbi(n, lo, hi, matches, settings, switch_cost)
    return [Step(i, None) for i in range(lo)] + inner + [Step(i, None) for i in range(hi, n)]


def _viterbi(n: int, lo: int, hi: int, matches: list[Match], settings: Settings,
             switch_cost: float | None) -> list[Step]:
    """best_path over sentences lo..hi-1 (the rest of the n are "own")."""
    per_sentence: list[list[Match]] = [[] for _ in range(n)]
    for m in matches:
        for i in range(m.a_first, m.a_last + 1):
            per_sentence[i].append(m)
    cost = settings.switch_cost if switch_cost is None else switch_cost
    gain_floor = settings.paraphrase

    def transition(prev: Match | None, cur: Match | None) -> float:
        if prev is None and cur is None:
            return 0.0
        if prev is None or cur is None:
            return cost
        if prev is cur:
            return 0.0
        if prev.source != cur.source:
            return cost
        if cur.s_first >= prev.s_first and cur.s_first - prev.s_last <= MAX_JUMP:
            return 0.0
        return cost / 2

    def emission(i: int, m: Match | None) -> float:
        if m is None:
            return 0.0
        # A merged match spanning two article sentences is taken for both or neither.
        return m.score - gain_floor

    # Short sentences (below min_sentence_chars) have no states but still break runs.
    prev_states: list[Match | None] = [None]
    prev_scores: list[float] = [0.0]
    back: list[list[int]] = []
    states_per: list[list[Match | None]] = []
    for i in range(lo, hi):
        states: list[Match | None] = [None] + per_sentence[i]
        scores: list[float] = []
        pointers: list[int] = []
        for cur in states:
            best, arg = float("-inf"), 0
            for k, prev in enumerate(prev_states):
                if prev is not None and prev.a_last >= i and prev is not cur:
                    continue  # a merged match left half-way
                if cur is not None and cur.a_first < i and prev is not cur:
                    continue  # a merged match entered half-way
                value = prev_scores[k] - transition(prev, cur)
                if value > best:
                    best, arg = value, k
            scores.append(best + emission(i, cur))
            pointers.append(arg)
        back.append(pointers)
        states_per.append(states)
        prev_states, prev_scores = states, scores
    if hi <= lo:
        return []
    # Do not end inside a merged match.
    end_k = max((k for k, st in enumerate(prev_states) if st is None or st.a_last < n),
                key=lambda k: (prev_scores[k], -k))
    path: list[Step] = []
    k = end_k
    for i in range(hi - 1, lo - 1, -1):
        state = states_per[i - lo][k]
        path.append(Step(i, state))
        k = back[i - lo][k]
    path.reverse()
    return path


# --- Word-level differences ---------------------------------------------------------------------

def word_diff(article: Prepared, source: Prepared, match: Match) -> list[DiffOp]:
    """Token-level opcodes mapped to character offsets.

    The opcodes come from the longest common subsequence of the two word lists (rapidfuzz Indel),
    not from an edit distance with substitutions: a paraphrase that reorders clauses keeps every
    word of its longest shared run as "equal", where Levenshtein would pair unrelated words up
    as one long "replace". A deletion next to an insertion is shown as a "replace".
    """
    a_sents = article.sentences[match.a_first:match.a_last + 1]
    b_sents = source.sentences[match.s_first:match.s_last + 1]
    a_words = [w for s in a_sents for w in s.words]
    b_words = [w for s in b_sents for w in s.words]
    a_spans = [sp for s in a_sents for sp in s.spans]
    b_spans = [sp for s in b_sents for sp in s.spans]
    a_end, b_end = a_sents[-1].segment.end, b_sents[-1].segment.end
    blocks: list[list] = []
    for tag, i1, i2, j1, j2 in Indel.opcodes(a_words, b_words):
        if tag != "equal" and blocks and blocks[-1][0] != "equal":
            prev = blocks[-1]
            prev[0], prev[2], prev[4] = "replace", i2, j2
            continue
        blocks.append([tag, i1, i2, j1, j2])
    ops = []
    for tag, i1, i2, j1, j2 in blocks:
        start = a_spans[i1][0] if i1 < len(a_spans) else a_end
        end = a_spans[i2 - 1][1] if i2 > i1 else start
        s_start = b_spans[j1][0] if j1 < len(b_spans) else b_end
        s_end = b_spans[j2 - 1][1] if j2 > j1 else s_start
        # rapidfuzz names edits from the article to the source: its "insert" adds source words.
        name = {"equal": "equal", "replace": "replace", "insert": "delete", "delete": "insert"}[tag]
        ops.append(DiffOp(name, start, end, s_start, s_end))
    return ops


