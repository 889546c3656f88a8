"""Self-contained HTML report: header, article map, and the article beside each source.

One file, no external requests: the stylesheet and script are inlined and pinned by hash in a
Content-Security-Policy, so even markup that slipped past escaping could not run or load anything.
Every piece of article or metadata text reaches the page through jinja2's autoescaping, its
control and bidi characters made visible first (`_finalize`); the only links are http(s) URLs
(see `_view.safe_url`). The output is byte-deterministic: ids come from offsets and positions,
never from clocks or random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ..results import Attribution, CheckResult, Segment, SourceFinding
from . import _view
from ._page import csp_hash, environment
from ._view import DIRECTION_TEXT, Chunk, Row

MAP_WIDTH = 1000  # viewBox units along the article's length
LANE_HEIGHT = 22
COLOURS = 8  # source colours defined in report.css (.s0 ... .s7); further sources reuse them
PATTERNS = ("solid", "diagonal", "dots", "cross")  # per source, so the map does not need colour
LABEL_NAMES = {
    "verbatim": "verbatim", "near-verbatim": "near-verbatim", "paraphrase": "paraphrase",
    "translation": "translation",
    "original": "own text", "boilerplate": "boilerplate",
}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = environment()
    env.filters["pct"] = lambda x: f"{x:.0%}"
    env.filters["num"] = lambda x: f"{x:.2f}"
    env.filters["col"] = lambda k: f"s{k % COLOURS}"
    return env


# Numbers and names a translation shares with its original, underlined on both sides.
TRANSLATION_CSS = ".d-shared { border-bottom: 2px solid #2a7d4f; }\n"


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    folder = resources.files("provenance").joinpath("templates")
    css = folder.joinpath("report.css").read_text(encoding="utf-8")
    js = folder.joinpath("report.js").read_text(encoding="utf-8")
    return css, js





@dataclass(frozen=True)
class SegView:
    """One article or source segment as the template draws it."""

    id: str
    chunks: tuple[Chunk, ...]
    kind: str
    quoted: bool
    new_paragraph: bool
    label: str = ""
    source_index: int | None = None  # article side: the source the sentence is attributed to
    score: float = 0.0
    goto: str | None = None  # the element a click scrolls to


def _plain(text: str, start: int, end: int) -> tuple[Chunk, ...]:
    return (Chunk(text[start:end], "plain"),)


class _Builder:
    def __init__(self, result: CheckResult):
        self.result = result
        self.layout = _view.layout(result)
        self.order = self.layout.ordered  # panels, colours and letters follow the reports' order
        self.index = {s.id: i for i, s in enumerate(self.order)}
        self.letters = _view.source_letters(result)
        self.head_of = {sib.id: g.head for g in self.layout.groups for sib in g.siblings}
        self.rows = [_view.rows_for(result, s) for s in self.order]
        # Where each article sentence sits in each source's panel: its pair number there.
        self.pair_of: list[dict[int, int]] = []
        for rows in self.rows:
            found = {}
            for row in rows:
                if row.kind == "pair":
                    for a in row.article:
                        found[a.start] = row.number
            self.pair_of.append(found)
        # Attributions carry no paragraph number; a line break between two segments shows one.
        self.article_breaks = {}
        prev_end = 0
        for a in result.sentences:
            self.article_breaks[a.start] = "\n" in result.text[prev_end:a.start]
            prev_end = a.end

    def _goto_attributed(self, a: Attribution) -> str | None:
        """A sentence attributed to a source jumps to its counterpart in that source's panel."""
        if a.source is None or a.source not in self.index:
            return None
        k = self.index[a.source]
        n = self.pair_of[k].get(a.start)
        return f"p{k}-s{n}" if n else None

    def article_seg(self, k: int, a: Attribution, chunks: tuple[Chunk, ...], goto: str | None,
                    first: bool) -> SegView:
        return SegView(
            id=f"p{k}-a{a.start}", chunks=chunks, kind=a.kind, quoted=a.quoted,
            new_paragraph=not first and self.article_breaks.get(a.start, False), label=a.label,
            source_index=self.index.get(a.source) if a.source else None, score=a.score, goto=goto,
        )

    def source_seg(self, k: int, source: SourceFinding, g: Segment, chunks: tuple[Chunk, ...],
                   prev: Segment | None) -> SegView:
        return SegView(id=f"p{k}-g{g.start}", chunks=chunks, kind=g.kind, quoted=g.quoted,
                       new_paragraph=prev is not None and prev.paragraph != g.paragraph)

    def panel(self, k: int, source: SourceFinding) -> dict[str, Any]:
        text = self.result.text
        rows_out = []
        for row in self.rows[k]:
            rows_out.append(self._row(k, source, row, text))
        return {"index": k, "id": f"panel-{k}", "source": self.source(k, source), "rows": rows_out}

    def _row(self, k: int, source: SourceFinding, row: Row, text: str) -> dict[str, Any]:
        if row.kind == "pair":
            pair = row.pair
            assert pair is not None
            n = row.number
            art = [self.article_seg(k, a, tuple(_view.article_chunks(text, pair, a.start, a.end,
                                                                    source.text)),
                                    f"p{k}-s{n}", i == 0) for i, a in enumerate(row.article)]
            prev = None
            src = []
            for g in row.source:
                src.append(self.source_seg(k, source, g, tuple(_view.source_chunks(
                    source, pair, g.start, g.end, text)), prev))
                prev = g
            if not src:  # a span the segmentation did not cover: show it whole
                src = [SegView(f"p{k}-g{pair.source_start}",
                               tuple(_view.source_chunks(source, pair, article_text=text)),
                               "sentence", False, False)]
            return {"kind": "pair", "number": n, "id": f"p{k}-r{n}", "art_id": f"p{k}-a{n}",
                    "src_id": f"p{k}-s{n}", "label": pair.label, "score": pair.score,
                    "quoted": pair.quoted, "attributed": pair.attributed, "repeat": row.repeat,
                    "attributed_elsewhere": self._elsewhere(k, row), "article": art, "source": src}
        art = []
        for i, a in enumerate(row.article):
            art.append(self.article_seg(k, a, _plain(text, a.start, a.end),
                                        self._goto_attributed(a), i == 0))
        src = []
        prev = None
        for g in row.source:
            src.append(self.source_seg(k, source, g, _plain(source.text, g.start, g.end), prev))
            prev = g
        return {"kind": "gap", "article": art, "source": src}

    def _elsewhere(self, k: int, row: Row) -> list[str]:
        """Letters of the other sources this row's article sentences are attributed to."""
        out = []
        for a in row.article:
            if a.source and a.source in self.index and self.index[a.source] != k:
                letter = self.letters[a.source]
                if letter not in out:
                    out.append(letter)
        return out

    def source(self, k: int, s: SourceFinding) -> dict[str, Any]:
        attributed = sum(1 for p in s.pairs if p.attributed)
        head = self.head_of.get(s.id)
        role = "sibling" if head is not None else "reuser" if s.reuses_article else "origin"
        return {
            "role": role, "head_letter": self.letters[head.id] if head is not None else None,
            "index": k, "letter": self.letters[s.id], "id": s.id, "path": s.path,
            "title": s.title, "outlet": s.outlet, "published": s.published, "url": s.url,
            "href": _view.safe_url(s.url), "verdict": s.verdict, "flagged": s.flagged,
            "coverage": s.coverage, "score": s.score, "credited": s.credited,
            "direction": DIRECTION_TEXT.get(s.direction, s.direction),
            "direction_reason": s.direction_reason, "sibling_of": s.sibling_of,
            "sibling_letter": self.letters.get(s.sibling_of or ""),
            "pairs": len(s.pairs), "attributed": attributed,
            "quoted_only": [p for p in s.pairs if p.quoted and not p.attributed],
            "pattern": PATTERNS[k % len(PATTERNS)],
            "bar": round(s.coverage * 100, 1),
        }

    def article_map(self) -> dict[str, Any]:
        """Lanes along the article's length: the final attribution, then each source's own
        alignment (pairs it was not given drawn hollow). Height follows the score."""
        length = max(1, len(self.result.text))

        def x(offset: int) -> float:
            return round(offset * MAP_WIDTH / length, 2)

        def height(score: float) -> float:
            return round(6 + (LANE_HEIGHT - 6) * max(0.0, min(1.0, score)), 2)

        lane = []
        for a in self.result.sentences:
            w = max(0.8, x(a.end) - x(a.start))
            if a.label == "boilerplate":
                lane.append({"x": x(a.start), "w": w, "h": 6, "cls": "m-boiler", "index": None,
                             "title": f"boilerplate: {a.text[:80]}", "goto": f"*-a{a.start}"})
            elif a.source is None or a.source not in self.index:
                lane.append({"x": x(a.start), "w": w, "h": 3, "cls": "m-own", "index": None,
                             "title": f"own text: {a.text[:80]}", "goto": f"*-a{a.start}"})
            else:
                k = self.index[a.source]
                lane.append({"x": x(a.start), "w": w, "h": height(a.score), "cls": "m-src",
                             "index": k, "title": f"{self.letters[a.source]} {a.label} "
                             f"{a.score:.2f}: {a.text[:80]}",
                             "goto": self._goto_attributed(a) or f"p{k}-a{a.start}"})
        lanes = [{"name": "attributed", "letter": "", "rects": lane}]
        for k, s in enumerate(self.order):
            rects = []
            for row in self.rows[k]:
                if row.kind != "pair" or row.pair is None:
                    continue
                p = row.pair
                rects.append({"x": x(p.start), "w": max(0.8, x(p.end) - x(p.start)),
                              "h": height(p.score),
                              "cls": "m-src" + ("" if p.attributed else " m-hollow"),
                              "index": k, "title": f"#{row.number} {p.label} {p.score:.2f}"
                              + ("" if p.attributed else " (not attributed)"),
                              "goto": f"p{k}-r{row.number}"})
            lanes.append({"name": s.id, "letter": self.letters[s.id], "rects": rects})
        return {"width": MAP_WIDTH, "height": LANE_HEIGHT, "lanes": lanes}


def render_html(result: CheckResult) -> str:
    """The report as one self-contained HTML document (str, UTF-8 when written)."""
    css, js = _assets()
    has_translations = any(p.label == "translation" for s in result.sources for p in s.pairs)
    if has_translations:
        # Only reports that have translations carry their style, so every other report's bytes
        # (and the golden files) stay as they were.
        css += TRANSLATION_CSS
    a = result.article
    made, against = _view.evidence(result)
    context: dict[str, Any] = {
        "made": made, "against": against,
        "css": Markup(css), "js": Markup(js),
        "csp": f"default-src 'none'; style-src {csp_hash(css)}; script-src {csp_hash(js)}; "
               "img-src data:; base-uri 'none'; form-action 'none'",
        "result": result, "article": a, "article_href": _view.safe_url(a.url),
        "name": a.title or a.path or a.id, "labels": LABEL_NAMES,
        "has_translations": has_translations,
        "version": result.tool.get("version", ""), "patterns": PATTERNS,
    }
    if result.status == "ok":
        builder = _Builder(result)
        sources = [builder.source(k, s) for k, s in enumerate(builder.order)]
        context["sources"] = sources
        context["panels"] = [builder.panel(k, s) for k, s in enumerate(builder.order)]
        # The tables list group heads, each with its siblings ("also in") folded into its row.
        context["origins"] = [(sources[builder.index[g.head.id]],
                               [sources[builder.index[x.id]] for x in g.siblings])
                              for g in builder.layout.origins]
        context["reusers"] = [(sources[builder.index[g.head.id]],
                               [sources[builder.index[x.id]] for x in g.siblings])
                              for g in builder.layout.reusers]
        context["folded"] = builder.layout.folded
        context["map"] = builder.article_map()
        context["own_text"] = [builder.article_seg(0, s, _plain(result.text, s.start, s.end), None,
                                                   i == 0) for i, s in enumerate(result.sentences)]
        context["counted"] = sum(1 for p in result.passages if p.counted)
    return _environment().get_template("report.html.j2").render(**context)
