"""The analysis: align the article with all its candidate sources, attribute each sentence
along the best path over them, and give each source and the article a verdict.

`analyse` is the one pass a check makes over its candidates: the article is segmented once, each
source prepared once (and kept for the next article of a batch), the joint path computed once and
each source's own path once.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .align import Match, Prepared, best_path, candidate_matches
from .attribute import (
    aligned_pairs,
    build_passages,
    counted_sentences,
    coverage_by_source,
    direction,
    longest_counted_passage,
    parse_date,
    sentence_attributions,
    sentence_outcomes,
    verdict_for,
)
from .documents import Document
from .errors import InputError
from .results import ArticleInfo, CheckResult, SourceFinding
from .settings import LEVELS, Settings
from .text import credit_mentions, credits_outlet, detect_language

SIBLING_JACCARD = 0.5

# Document-level evidence for languages where the sentence scorer (fitted on English MSRP pairs,
# align.combine) misses real rewrites: (partial, paraphrase) thresholds on the share of the
# article's character 5-grams found in the source (text.char_grams: letters run together, so a
# word written joined in one paper and split in the other still matches). Calibrated on the
# COUNTER dev pairs (benchmarks/eval_counter.py: Urdu agency stories and the newspaper stories
# built on them, 2014-15): there an Urdu newspaper rewrite of an agency story scores 0.1-0.3 per
# sentence (joined words, reordered clauses, headline run into the lead), so sentence coverage
# ranks derived vs non at ROC AUC 0.67, the share of content units at 0.89 and the share of
# character 5-grams at 0.905. Thresholds fitted on all 200 dev pairs (derived-vs-non accuracy +
# 3-class macro-F1): 0.12 / 0.42; 5-fold cross-validated, fitted on four fifths and measured on
# the fifth: 0.855 / 0.757 (content units, before: 0.79 / 0.71). English keeps sentence evidence
# only: there same-topic writing shares as many content words (Clough-Stevenson non answers
# 0.27-0.47, the seeds' 000 in 004, another translation of one speech, 0.54). The verdict is the
# stronger of the sentence-level and this document-level one.
CONTAINMENT_CALIBRATION: dict[str, tuple[float, float]] = {"ur": (0.12, 0.42)}


def containment_verdict(containment: float, language: str | None, settings: Settings) -> str:
    """The verdict the document-level containment gives in a calibrated language, else none."""
    bounds = CONTAINMENT_CALIBRATION.get(language or "")
    if not settings.containment_evidence or bounds is None:
        return "none"
    partial, paraphrase = bounds
    return "paraphrase" if containment >= paraphrase else "partial" if containment >= partial else "none"


def _stronger(a: str, b: str) -> str:
    return max(a, b, key=LEVELS.index)


def article_info(doc: Document, language: str | None = None) -> ArticleInfo:
    return ArticleInfo(doc.id, doc.path, doc.format, len(doc.text), doc.title, doc.outlet,
                       doc.published, doc.url, doc.author, doc.line, doc.warnings, language)


def _same_file(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


_PREPARED: OrderedDict[tuple[str, str], Prepared] = OrderedDict()
PREPARED_CACHE = 256


def prepared_source(doc_id: str, text: str) -> Prepared:
    """Segmented, tokenized sources, kept for the next article of a batch (which mostly meets
    the same candidates); keyed by id and text, so a revised document is prepared anew."""
    key = (doc_id, text)
    hit = _PREPARED.get(key)
    if hit is not None:
        _PREPARED.move_to_end(key)
        return hit
    prepared = Prepared.build(doc_id, text)
    _PREPARED[key] = prepared
    if len(_PREPARED) > PREPARED_CACHE:
        _PREPARED.popitem(last=False)
    return prepared


def prepare_article(article: Document) -> Prepared:
    """The article segmented and tokenized, once for the whole check."""
    if not article.text.strip():
        raise InputError(f"{article.path or article.id}: empty article (no text)")
    return Prepared.build(article.id, article.text)


def analyse(article: Document, sources: Sequence[Document], settings: Settings,
            tool: dict[str, object], estimates: dict[str, float] | None = None,
            prepared: Prepared | None = None, skip_own_id: bool = True,
            cross: Mapping[str, list[Match]] | None = None) -> CheckResult:
    """Align the article with each source, attribute its sentences, and give verdicts
    (`prepared`: the article from prepare_article, when the caller has it already). A source
    with the article's id is the article itself unless `skip_own_id` is False (`ci` checking
    a new article that happens to be named after a corpus document). `cross`: the matches of
    sources in another language (xlang.cross_language_matches), aligned by meaning: they take
    the same path, passages and verdict rules, labelled "translation"."""
    if prepared is None:
        prepared = prepare_article(article)
    language = detect_language(article.text)
    article_units = frozenset(u for s in prepared.sentences for u in s.units)
    by_id: dict[str, Prepared] = {}
    docs: dict[str, Document] = {}
    all_matches = []
    per_source_matches = {}
    doc_level: dict[str, str] = {}  # the containment verdict of each source, where not none
    # Character 5-gram containment (text.char_grams), measured in calibrated languages only.
    calibrated = settings.containment_evidence and language in CONTAINMENT_CALIBRATION
    char_share: dict[str, float] = {}
    for src in sources:
        # An article is never its own source: the same id, or the same file (records of one
        # JSON Lines file share its path but are different articles).
        same_file = src.line is None and article.line is None and _same_file(src.path, article.path)
        if (skip_own_id and src.id == article.id) or src.id in by_id or same_file:
            continue
        p = prepared_source(src.id, src.text)
        if cross is not None and src.id in cross:
            matches = [replace(m, kind="translation") for m in cross[src.id]]
            if matches:
                by_id[src.id], docs[src.id] = p, src
                per_source_matches[src.id] = matches
            continue
        matches = candidate_matches(prepared, p, settings)
        if calibrated:
            char_share[src.id] = len(prepared.char_grams & p.char_grams) / max(1, len(prepared.char_grams))
            cv = containment_verdict(char_share[src.id], language, settings)
            if cv != "none":
                doc_level[src.id] = cv
        if not matches and src.id not in doc_level:
            continue
        by_id[src.id], docs[src.id] = p, src
        per_source_matches[src.id] = matches

    # Which way each source went. One that demonstrably came after the article (its date, or
    # its credit to the article's outlet) reuses the article: it is shown with its alignment,
    # but it is no origin, so it takes no part in the attribution or the article's verdict.
    ways: dict[str, tuple[bool, str, str]] = {}
    for sid, src in docs.items():
        credited = credits_outlet(article.text, src.outlet)
        way, why = direction(article.published, article.outlet, credited, src.published,
                             credits_outlet(src.text, article.outlet))
        ways[sid] = (credited, way, why)
        if way != "article-to-source":
            all_matches.extend(per_source_matches[sid])

    joint = best_path(prepared, all_matches, settings)
    outcomes = sentence_outcomes(prepared, joint, settings)
    attributed = {o.match for o in outcomes if o.match is not None}
    passages = build_passages(prepared, by_id, outcomes, settings)
    denominator = sum(s.end - s.start for s in prepared.segments if s.kind != "boilerplate")
    coverage, closeness = coverage_by_source(prepared, outcomes, passages, denominator)
    counted = counted_sentences(prepared, outcomes, passages)
    counted_matches = {outcomes[i].match for i in counted}
    best_scores: dict[int, float] = {}
    for m in all_matches:
        for i in range(m.a_first, m.a_last + 1):
            best_scores[i] = max(best_scores.get(i, 0.0), m.score)

    credits = tuple(credit_mentions(article.text))
    findings = []
    standalone: dict[str, str] = {}
    for sid, p in by_id.items():
        # Each source's own alignment shows every sentence it matches, isolated or not.
        own_path = best_path(prepared, per_source_matches[sid], settings, switch_cost=0.0)
        pairs = aligned_pairs(prepared, p, own_path, attributed, counted_matches, settings)
        if not pairs and sid not in doc_level:
            continue
        # The verdict this source would get on its own, were it the only candidate: a rewrite
        # of a wire story loses the attribution to the wire but is still a sibling finding.
        own_outcomes = sentence_outcomes(prepared, best_path(prepared, per_source_matches[sid], settings), settings)
        own_passages = build_passages(prepared, by_id, own_outcomes, settings)
        own_cov, own_close = coverage_by_source(prepared, own_outcomes, own_passages, denominator)
        standalone[sid] = _stronger(verdict_for(own_cov.get(sid, 0.0), own_close.get(sid, 0.0), settings,
                                                longest_counted_passage(own_passages, sid)),
                                    doc_level.get(sid, "none"))
        src = docs[sid]
        credited, way, why = ways[sid]
        if way == "article-to-source":
            # Its reuse of the article, measured as if it were the only candidate.
            cov = own_cov.get(sid, 0.0)
            verdict = standalone[sid]
        else:
            cov = coverage.get(sid, 0.0)
            verdict = _stronger(verdict_for(cov, closeness.get(sid, 0.0), settings,
                                            longest_counted_passage(passages, sid)),
                                doc_level.get(sid, "none"))
        chars = [pr.end - pr.start for pr in pairs]
        score = sum(pr.score * c for pr, c in zip(pairs, chars, strict=True)) / max(1, sum(chars))
        src_units = frozenset(u for s in p.sentences for u in s.units)
        containment = len(article_units & src_units) / max(1, len(article_units))
        findings.append(SourceFinding(
            id=sid, path=src.path, verdict=verdict, coverage=cov, score=score, credited=credited,
            direction=way, direction_reason=why, title=src.title, outlet=src.outlet,
            published=src.published, url=src.url, containment=containment,
            char_containment=char_share.get(sid),
            jaccard_estimate=(estimates or {}).get(sid, 0.0), pairs=pairs, text=src.text,
            segments=tuple(p.segments), language=detect_language(src.text),
        ))
    reusers = [f for f in findings if f.reuses_article]
    findings = _mark_siblings([f for f in findings if not f.reuses_article], by_id, standalone,
                              settings) + reusers
    # By coverage, each origin followed by its siblings (folded copies of it), so the origin is
    # named first even when a copy took the attribution of tied sentences.
    heads = {f.id: f for f in findings}

    def order(f: SourceFinding) -> tuple:
        head = heads.get(f.sibling_of or f.id, f)
        return (f.reuses_article, -head.coverage, -head.score, head.id, f.sibling_of is not None,
                -f.coverage, -f.score, f.id)
    findings.sort(key=order)
    flagged = [f.verdict for f in findings if f.flagged and not f.reuses_article]
    verdict = max(flagged, key=LEVELS.index) if flagged else "original"
    return CheckResult(
        status="ok", error=None, tool=tool, article=article_info(article, language), verdict=verdict,
        credits=credits, sources=tuple(findings), passages=tuple(passages),
        sentences=tuple(sentence_attributions(prepared, outcomes, by_id, best_scores, counted)),
        text=article.text,
    )


def _mark_siblings(findings: list[SourceFinding], prepared: dict[str, Prepared],
                   standalone: dict[str, str], settings: Settings) -> list[SourceFinding]:
    """Sources that would be flagged on their own and are near-duplicates of one another (a wire
    story and its rewrites) form a group. The earliest published member (else the one the
    attribution used most) is the likely origin: it carries the group's coverage and verdict;
    the others are listed as its siblings with the verdict they would get alone."""
    members = [f for f in findings if standalone.get(f.id, "none") != "none"]
    units = {f.id: frozenset(u for s in prepared[f.id].sentences for u in s.units) for f in members}
    parent = {f.id: f.id for f in members}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for i, a in enumerate(members):
        for b in members[i + 1:]:
            ua, ub = units[a.id], units[b.id]
            if len(ua & ub) / max(1, len(ua | ub)) >= SIBLING_JACCARD:
                parent[root(b.id)] = root(a.id)
    groups: dict[str, list[SourceFinding]] = {}
    for f in members:
        groups.setdefault(root(f.id), []).append(f)
    def earliest_then_most_used(f: SourceFinding) -> tuple:
        d = parse_date(f.published)
        return (d is None, d or 0, -f.coverage, f.id)

    changed: dict[str, SourceFinding] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        origin = min(group, key=earliest_then_most_used)
        total = sum(f.coverage for f in group)
        close = max(group, key=lambda f: f.coverage)
        verdict = verdict_for(total, 1.0 if close.verdict == "copy" else 0.0, settings)
        verdict = max(verdict, origin.verdict, key=LEVELS.index)
        changed[origin.id] = replace(origin, coverage=total, verdict=verdict)
        for f in group:
            if f.id != origin.id:
                changed[f.id] = replace(f, sibling_of=origin.id, verdict=standalone[f.id])
    return [changed.get(f.id, f) for f in findings]


@dataclass(frozen=True)
class Relation:
    """How two articles relate, by the same alignment and verdict rules as `check`."""

    verdict: str  # the stronger of the two directions: copy, paraphrase, partial or none
    coverage: float  # the larger share of one article attributed to the other
    origin: str | None  # the id of the likely origin, when dates or credit lines tell
    reason: str


def relate(a: Document, b: Document, settings: Settings | None = None) -> Relation:
    """Compare two articles both ways (a short rewrite of part of a long story is `partial` or
    more one way and `none` the other) and give the stronger verdict and the likely origin.

    Shared topic, or the same quotation in other words, is `none`: two outlets reporting one
    event are not linked.
    """
    settings = settings or Settings()
    ab = analyse(a, [b], settings, {}).sources
    ba = analyse(b, [a], settings, {}).sources
    best = max(
        [(s.verdict, s.coverage, s.direction, s.direction_reason, b.id, a.id) for s in ab]
        + [(s.verdict, s.coverage, s.direction, s.direction_reason, a.id, b.id) for s in ba],
        key=lambda t: (LEVELS.index(t[0]), t[1]), default=("none", 0.0, "unknown", "", b.id, a.id))
    verdict, coverage, way, reason, source_id, article_id = best
    origin = source_id if way == "source-to-article" else article_id if way == "article-to-source" else None
    return Relation(verdict, coverage, origin, reason)


