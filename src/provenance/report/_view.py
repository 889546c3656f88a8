"""What every renderer shows, laid out once: source letters, diff chunks, side-by-side rows.

Nothing here scores or attributes anything: it only slices the texts of the result objects at
the offsets the library reported, so the three renderers cannot disagree about the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..results import AlignedPair, Attribution, CheckResult, Segment, SourceFinding

# Diff classes as the reports name them. "inserted" = words only in the article (the rewriter
# added them), "deleted" = words only in the source (the rewriter dropped them).
KEPT, CHANGED, INSERTED, DELETED = "kept", "changed", "inserted", "deleted"
_ARTICLE_SIDE = {"equal": KEPT, "replace": CHANGED, "insert": INSERTED}
_SOURCE_SIDE = {"equal": KEPT, "replace": CHANGED, "delete": DELETED}

DIRECTION_TEXT = {
    "source-to-article": "source came first",
    "article-to-source": "article came first",
    "unknown": "unknown",
}


def letter(index: int) -> str:
    """A, B, ... Z, AA, AB, ...: a short name for the index-th source that needs no colour."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


@dataclass(frozen=True)
class Chunk:
    text: str
    kind: str  # "plain" or one of the diff classes


def _chunks(text: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> list[Chunk]:
    """Slice text[start:end] at the given (start, end, kind) spans; the rest is plain."""
    out: list[Chunk] = []
    pos = start
    for s, e, kind in sorted(spans):
        s, e = max(s, pos), min(e, end)
        if e <= s:
            continue
        if s > pos:
            out.append(Chunk(text[pos:s], "plain"))
        out.append(Chunk(text[s:e], kind))
        pos = e
    if pos < end:
        out.append(Chunk(text[pos:end], "plain"))
    return out


def article_chunks(text: str, pair: AlignedPair, start: int | None = None,
                   end: int | None = None) -> list[Chunk]:
    """The article side of a pair (or of its part start..end), words marked kept / changed /
    inserted."""
    spans = [(d.start, d.end, _ARTICLE_SIDE[d.op]) for d in pair.diff if d.op in _ARTICLE_SIDE]
    return _chunks(text, pair.start if start is None else start,
                   pair.end if end is None else end, spans)


def source_chunks(source: SourceFinding, pair: AlignedPair, start: int | None = None,
                  end: int | None = None) -> list[Chunk]:
    """The source side of a pair (or of its part start..end), words marked kept / changed /
    deleted."""
    spans = [(d.source_start, d.source_end, _SOURCE_SIDE[d.op]) for d in pair.diff
             if d.op in _SOURCE_SIDE]
    return _chunks(source.text, pair.source_start if start is None else start,
                   pair.source_end if end is None else end, spans)


@dataclass(frozen=True)
class RedlineItem:
    text: str
    kind: str  # "plain", "kept", "inserted" (article only) or "deleted" (source only)


def redline(article_text: str, source: SourceFinding, pair: AlignedPair) -> list[RedlineItem]:
    """One reading of a pair: the article's wording, with the source's words it dropped or
    replaced struck in place (a changed phrase is its deleted source words then its new ones)."""
    out: list[RedlineItem] = []
    pos = pair.start
    for d in pair.diff:
        if d.start > pos:
            out.append(RedlineItem(article_text[pos:d.start], "plain"))
            pos = d.start
        if d.op in ("replace", "delete") and d.source_end > d.source_start:
            out.append(RedlineItem(source.text[d.source_start:d.source_end], DELETED))
            if d.op == "replace":
                out.append(RedlineItem(" ", "plain"))
        if d.end > d.start and d.start >= pos:
            kind = KEPT if d.op == "equal" else INSERTED
            out.append(RedlineItem(article_text[d.start:d.end], kind))
            pos = d.end
        elif d.op == "delete":
            out.append(RedlineItem(" ", "plain"))
    if pos < pair.end:
        out.append(RedlineItem(article_text[pos:pair.end], "plain"))
    return _tidy(out)


def _tidy(items: list[RedlineItem]) -> list[RedlineItem]:
    """Merge runs of one kind split only by spaces; keep a space on each side of struck words."""
    out: list[RedlineItem] = []
    for item in items:
        if not item.text:
            continue
        if item.kind == "plain" and not item.text.strip():
            if out and out[-1].kind == "plain":
                out[-1] = RedlineItem(out[-1].text + item.text, "plain")
            else:
                out.append(RedlineItem(item.text, "plain"))
            continue
        if (len(out) >= 2 and out[-1].kind == "plain" and not out[-1].text.strip()
                and out[-2].kind == item.kind and item.kind != "plain"):
            space = out.pop()
            out[-1] = RedlineItem(out[-1].text + space.text + item.text, item.kind)
            continue
        if out and out[-1].kind == item.kind:
            out[-1] = RedlineItem(out[-1].text + item.text, item.kind)
            continue
        if item.kind == DELETED and out and not out[-1].text[-1:].isspace():
            out.append(RedlineItem(" ", "plain"))
        out.append(item)
    return out


def redline_runs(items: list[RedlineItem]) -> list[tuple[str, str]]:
    """(kind, text) runs of a redline as a report prints them: neighbouring plain and kept
    items, which look alike, joined into one "plain" run. Renderers escape run by run, so that
    text split over two items (a URL, "::") cannot slip past an escape that sees only one."""
    runs: list[tuple[str, str]] = []
    for item in items:
        kind = item.kind if item.kind in (DELETED, INSERTED) else "plain"
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + item.text)
        else:
            runs.append((kind, item.text))
    return runs


@dataclass(frozen=True)
class Row:
    """One row of a side-by-side view for one source.

    kind "pair": an aligned pair (article and source spans on one row);
    kind "gap": unaligned text of either side that lies between two pairs, in place.
    `repeat` marks a pair whose source text already appeared above (a source sentence split
    into several article sentences, or reordered).
    """

    kind: str
    pair: AlignedPair | None = None
    number: int = 0
    article: tuple[Attribution, ...] = ()  # the article segments on this row
    source: tuple[Segment, ...] = ()  # the source segments on this row
    repeat: bool = False


def rows_for(result: CheckResult, source: SourceFinding) -> list[Row]:
    """The article and `source` laid out on rows: pairs in article order, and between them the
    article's and the source's unaligned segments, so that neither text loses its order."""
    pairs = sorted(source.pairs, key=lambda p: (p.start, p.end))
    sentences = list(result.sentences)
    segs = list(source.segments)
    rows: list[Row] = []
    a_i = 0  # next article segment not shown
    s_i = 0  # next source segment not shown
    shown_to = 0  # source offset up to which the source text has been shown
    for number, pair in enumerate(pairs, start=1):
        gap_a = []
        while a_i < len(sentences) and sentences[a_i].end <= pair.start:
            gap_a.append(sentences[a_i])
            a_i += 1
        gap_s = []
        if pair.source_start >= shown_to:
            while s_i < len(segs) and segs[s_i].end <= pair.source_start:
                if segs[s_i].start >= shown_to:
                    gap_s.append(segs[s_i])
                s_i += 1
        if gap_a or gap_s:
            rows.append(Row("gap", article=tuple(gap_a), source=tuple(gap_s)))
        inside = []
        while a_i < len(sentences) and sentences[a_i].start < pair.end:
            inside.append(sentences[a_i])
            a_i += 1
        repeat = pair.source_start < shown_to
        in_pair = tuple(g for g in segs if pair.source_start <= g.start and g.end <= pair.source_end)
        rows.append(Row("pair", pair=pair, number=number, article=tuple(inside), source=in_pair,
                        repeat=repeat))
        shown_to = max(shown_to, pair.source_end)
        while s_i < len(segs) and segs[s_i].start < shown_to:
            s_i += 1
    tail_a = tuple(sentences[a_i:])
    tail_s = tuple(s for s in segs[s_i:] if s.start >= shown_to)
    if tail_a or tail_s:
        rows.append(Row("gap", article=tail_a, source=tail_s))
    return rows


def source_letters(result: CheckResult) -> dict[str, str]:
    """Each source's letter, in the order the result lists the sources (by coverage)."""
    return {s.id: letter(i) for i, s in enumerate(result.sources)}


def shorten(value: str, width: int) -> str:
    """`value` cut to `width` characters with an ellipsis in the middle (paths keep their ends)."""
    if width <= 0:
        return ""
    if len(value) <= width:
        return value
    if width <= 3:
        return value[:width]
    head = (width - 1) // 2
    tail = width - 1 - head
    return value[:head] + "\u2026" + value[len(value) - tail:]


def safe_url(url: str | None) -> str | None:
    """The url when it is an http(s) URL a report may link to; None for anything else
    (javascript:, data:, relative paths...), which reports show as plain text only."""
    if not url:
        return None
    candidate = url.strip()
    lowered = candidate.lower()
    if not (lowered.startswith("http://") or lowered.startswith("https://")):
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in candidate) or '"' in candidate:
        return None
    return candidate
