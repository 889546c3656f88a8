"""Result types. Every renderer reads only these; `to_dict` gives the versioned JSON schema."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .policy import Policy
    from .settings import Settings


SCHEMA_VERSION = "1.2"  # 1.1: sources[].reuses_article; 1.2: sources[].char_containment
LABELS = ("verbatim", "near-verbatim", "paraphrase", "translation", "original", "boilerplate")
VERDICTS = ("copy", "paraphrase", "partial", "none")


# --- Stage outputs that results and reports refer to ------------------------------------

@dataclass(frozen=True)
class Segment:
    """A sentence-like unit of an article, with its role in the article."""

    start: int
    end: int
    text: str
    kind: str  # "sentence", "heading", "byline", "boilerplate"
    quoted: bool
    paragraph: int


@dataclass(frozen=True)
class DiffOp:
    """One word-level edit between an article span and a source span (absolute offsets)."""

    op: str  # "equal", "replace", "insert" (words only in the article), "delete" (only in the source)
    start: int
    end: int
    source_start: int
    source_end: int


@dataclass(frozen=True)
class LoadFailure:
    """An input that could not be read as an article, reported rather than dropped."""

    id: str
    path: str
    error: str
    line: int | None = None


@dataclass(frozen=True)
class AddReport:
    """What adding documents to an index did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


def _r(x: float) -> float:
    return round(float(x), 4)


@dataclass(frozen=True)
class ArticleInfo:
    id: str
    path: str | None
    format: str
    chars: int
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None
    line: int | None = None
    warnings: tuple[str, ...] = ()
    language: str | None = None  # ISO 639-1 (text.detect_language); added in schema 1.x

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "path": self.path, "format": self.format, "chars": self.chars,
            "title": self.title, "outlet": self.outlet, "published": self.published,
            "url": self.url, "author": self.author, "line": self.line,
            "warnings": list(self.warnings), "language": self.language,
        }


@dataclass(frozen=True)
class Attribution:
    """What the tool says of one sentence (or heading, byline, boilerplate line) of the article."""

    start: int
    end: int
    text: str
    kind: str
    label: str
    source: str | None
    source_start: int | None
    source_end: int | None
    score: float
    quoted: bool
    counted: bool = False  # counts toward its source's coverage (see the verdict rules)
    paragraph: int = 0  # the article paragraph (line) the segment is in, from 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "text": self.text, "kind": self.kind,
            "paragraph": self.paragraph, "label": self.label, "source": self.source,
            "source_start": self.source_start, "source_end": self.source_end,
            "score": _r(self.score), "quoted": self.quoted, "counted": self.counted,
        }


@dataclass(frozen=True)
class Passage:
    """A run of consecutive article sentences attributed to one source, in the source's order."""

    source: str
    start: int
    end: int
    source_start: int
    source_end: int
    score: float
    sentences: int
    counted: bool  # counts toward coverage (see the verdict rules)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "start": self.start, "end": self.end,
            "source_start": self.source_start, "source_end": self.source_end,
            "score": _r(self.score), "sentences": self.sentences, "counted": self.counted,
        }


@dataclass(frozen=True)
class AlignedPair:
    """An article span aligned with a source span in this source's own alignment."""

    start: int
    end: int
    source_start: int
    source_end: int
    score: float
    label: str
    quoted: bool
    attributed: bool  # the final attribution gave these sentences to this source
    counted: bool  # ...and they count toward its coverage
    diff: tuple[DiffOp, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "source_start": self.source_start,
            "source_end": self.source_end, "score": _r(self.score), "label": self.label,
            "quoted": self.quoted, "attributed": self.attributed, "counted": self.counted,
            "diff": [[d.op, d.start, d.end, d.source_start, d.source_end] for d in self.diff],
        }


@dataclass(frozen=True)
class SourceFinding:
    id: str
    path: str | None
    verdict: str
    coverage: float
    score: float
    credited: bool
    direction: str  # "source-to-article", "article-to-source", "unknown"
    direction_reason: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    sibling_of: str | None = None
    containment: float = 0.0  # exact share of the article's content units found in the source
    jaccard_estimate: float = 0.0  # MinHash estimate of document resemblance
    pairs: tuple[AlignedPair, ...] = ()
    # The source's text and segments, for side-by-side reports (not part of the JSON).
    text: str = field(default="", repr=False)
    segments: tuple[Segment, ...] = field(default=(), repr=False)
    language: str | None = None  # ISO 639-1 of the source's text; added in schema 1.x
    # Share of the article's character 5-grams found in the source (text.char_grams): the
    # document-level evidence of languages calibrated for it (verdict.CONTAINMENT_CALIBRATION),
    # None where it is not measured. Added in schema 1.2.
    char_containment: float | None = None

    @property
    def flagged(self) -> bool:
        return self.verdict != "none"

    @property
    def reuses_article(self) -> bool:
        """The source demonstrably came after the article (dates, or it credits the article's
        outlet): its verdict says how much of the article it reuses, and it is no origin."""
        return self.direction == "article-to-source"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "path": self.path, "title": self.title, "outlet": self.outlet,
            "published": self.published, "url": self.url, "verdict": self.verdict,
            "coverage": _r(self.coverage), "score": _r(self.score), "credited": self.credited,
            "direction": self.direction, "direction_reason": self.direction_reason,
            "reuses_article": self.reuses_article,
            "sibling_of": self.sibling_of, "containment": _r(self.containment),
            "jaccard_estimate": _r(self.jaccard_estimate), "language": self.language,
            "char_containment": None if self.char_containment is None else _r(self.char_containment),
            "pairs": [p.to_dict() for p in self.pairs],
        }


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one article against a corpus (or of comparing two articles)."""

    status: str  # "ok" or "error"
    error: str | None
    tool: dict[str, Any]
    article: ArticleInfo
    verdict: str  # strongest source verdict, or "original"; "error" when status is "error"
    credits: tuple[str, ...] = ()
    sources: tuple[SourceFinding, ...] = ()
    passages: tuple[Passage, ...] = ()
    sentences: tuple[Attribution, ...] = ()
    text: str = field(default="", repr=False)

    @property
    def findings(self) -> tuple[SourceFinding, ...]:
        """Flagged likely origins: not siblings of another flagged source, and not later
        articles that reuse this one (those are `reusers`)."""
        return tuple(s for s in self.sources
                     if s.flagged and s.sibling_of is None and not s.reuses_article)

    @property
    def reusers(self) -> tuple[SourceFinding, ...]:
        """Flagged sources that came after the article and reuse it."""
        return tuple(s for s in self.sources if s.flagged and s.reuses_article)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "status": self.status,
            "error": self.error,
            "tool": self.tool,
            "article": self.article.to_dict(),
            "verdict": self.verdict,
            "credits": list(self.credits),
            "sources": [s.to_dict() for s in self.sources],
            "passages": [p.to_dict() for p in self.passages],
            "sentences": [s.to_dict() for s in self.sentences],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, sort_keys=False)


# --- Batch checks (`provenance ci`) -----------------------------------------------------------

@dataclass(frozen=True)
class FindingOutcome:
    """A flagged source of one article, as the gate sees it."""

    source: str
    outlet: str | None
    verdict: str
    coverage: float
    score: float
    status: str  # one of STATUSES
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "outlet": self.outlet, "verdict": self.verdict,
                "coverage": round(self.coverage, 4), "score": round(self.score, 4),
                "status": self.status, "reason": self.reason}


@dataclass(frozen=True)
class ArticleOutcome:
    """One article's check and what the gate makes of it: "fail", "pass" or "error"."""

    result: CheckResult
    findings: tuple[FindingOutcome, ...]
    outcome: str
    revision: bool = False  # the article's id was already in the index

    @property
    def id(self) -> str:
        return self.result.article.id

    @property
    def path(self) -> str | None:
        return self.result.article.path

    @property
    def line(self) -> int | None:
        return self.result.article.line

    @property
    def failing(self) -> tuple[FindingOutcome, ...]:
        return tuple(f for f in self.findings if f.status == "failing")

    def to_dict(self, policy: Policy) -> dict[str, Any]:
        """The `check --format json` object plus a `ci` key with the gate's view."""
        data = self.result.to_dict()
        data["ci"] = {"outcome": self.outcome, "revision": self.revision,
                      "findings": [f.to_dict() for f in self.findings], "policy": policy.to_dict()}
        return data


@dataclass(frozen=True)
class BatchReport:
    outcomes: tuple[ArticleOutcome, ...]
    policy: Policy
    settings: Settings
    index: dict[str, Any]  # what was checked against: kind, path(s), fingerprint, documents
    corpus_failures: tuple[LoadFailure, ...] = ()  # --against files that could not be read
    ignored: int = 0  # paths left out by policy.ignore (a folder counts once)
    update: AddReport | None = None

    @property
    def failed(self) -> bool:
        return any(o.outcome == "fail" for o in self.outcomes)

    @property
    def incomplete(self) -> bool:
        return bool(self.corpus_failures) or any(o.outcome == "error" for o in self.outcomes)

    def count(self, outcome: str) -> int:
        return sum(o.outcome == outcome for o in self.outcomes)

    def run_info(self) -> dict[str, Any]:
        """What every output records so a result can be audited: tool version, settings and
        policy in force, the index's fingerprint. Nothing here depends on --jobs or timing."""
        from . import __version__

        return {"tool": "provenance", "version": __version__, "settings": self.settings.to_dict(),
                "policy": self.policy.to_dict(), "index": self.index,
                "corpus_failures": [{"path": f.path, "error": f.error} for f in self.corpus_failures],
                "ignored": self.ignored}


# --- Corpus scans (`provenance scan`) --------------------------------------------------------

@dataclass(frozen=True)
class ScanResult:
    """A corpus scan: its groups (one dict each, the JSON Lines schema of report/scan.py) and
    what it counted on the way."""

    groups: list[dict[str, object]]
    articles: int
    candidate_pairs: int
    links: int
    crowded_buckets: int

    def summary(self) -> dict[str, object]:
        return {"articles": self.articles, "groups": len(self.groups),
                "articles_in_groups": sum(g["size"] for g in self.groups),
                "candidate_pairs": self.candidate_pairs, "links": self.links,
                "crowded_buckets": self.crowded_buckets,
                "with_origin": sum(1 for g in self.groups if g["origin"] is not None)}

    def jsonl(self) -> str:
        return "".join(json.dumps(g, ensure_ascii=False, sort_keys=False) + "\n" for g in self.groups)
