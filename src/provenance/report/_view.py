"""What every renderer shows, laid out once: the order of the sources (origins, each with its
near-duplicates folded under it, then later articles that reuse the checked one), source
letters, the evidence line, diff chunks with moved words, side-by-side rows.

Nothing here scores or attributes anything: it only slices the texts of the result objects at
the offsets the library reported, so the three renderers cannot disagree about the evidence.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from functools import lru_cache

from ..results import AlignedPair, Attribution, CheckResult, Segment, SourceFinding

# Diff classes as the reports name them. "inserted" = words only in the article (the rewriter
# added them), "deleted" = words only in the source (the rewriter dropped them), "moved" = words
# the diff saw dropped in one place and added in another of the same pair (see `moves`).
KEPT, CHANGED, INSERTED, DELETED, MOVED = "kept", "changed", "inserted", "deleted", "moved"
MIN_MOVE_WORDS = 3
MOVE_CELLS = 250_000  # word pairs compared for moves in one aligned pair, at most
_ARTICLE_SIDE = {"equal": KEPT, "replace": CHANGED, "insert": INSERTED}
_SOURCE_SIDE = {"equal": KEPT, "replace": CHANGED, "delete": DELETED}
# A translation has no word diff: its "equal" operations are the numbers and names both sides
# share, marked as such.
SHARED = "shared"
_SHARED = {"equal": SHARED}

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


# --- Moves ----------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+(?:[-'\u2019]\w+)*")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Move:
    """A run of words the diff shows as dropped from one place of the source span and added at
    another place of the article span: the same words (lowercased, punctuation left out)."""

    start: int
    end: int
    source_start: int
    source_end: int
    words: int


def _only_words(text: str, start: int, end: int,
                spans: list[tuple[int, int]]) -> list[tuple[int, int, int, str]]:
    """(position, start, end, normalised word) of the words of text[start:end] that lie inside
    one of `spans` (the words only on this side); position counts every word of the range."""
    out = []
    for position, m in enumerate(_WORD.finditer(text, start, end)):
        word = _NOT_WORD.sub("", m.group().lower())
        if word and any(s <= m.start() and m.end() <= e for s, e in spans):
            out.append((position, m.start(), m.end(), word))
    return out


@lru_cache(maxsize=64)  # one render asks for the same pair a few times in a row
def moves(article_text: str, source_text: str, pair: AlignedPair) -> tuple[Move, ...]:
    """The moves of a pair: runs of at least MIN_MOVE_WORDS consecutive words that are only in
    the article (inserted or changed) at one place and only in the source (deleted or changed)
    at another, the same words in the same order. Longest runs first; a word moves at most once.
    Nothing is recomputed from the texts but word boundaries: the runs come from the pair's diff."""
    a_spans = [(d.start, d.end) for d in pair.diff if d.op in ("insert", "replace") and d.end > d.start]
    s_spans = [(d.source_start, d.source_end) for d in pair.diff
               if d.op in ("delete", "replace") and d.source_end > d.source_start]
    if not a_spans or not s_spans:
        return ()
    art = _only_words(article_text, pair.start, pair.end, a_spans)
    src = _only_words(source_text, pair.source_start, pair.source_end, s_spans)
    if len(art) < MIN_MOVE_WORDS or len(src) < MIN_MOVE_WORDS or len(art) * len(src) > MOVE_CELLS:
        return ()
    # Longest common runs of consecutive words (consecutive in the text, not only in the lists).
    by_word: dict[str, list[int]] = {}
    for j, w in enumerate(src):
        by_word.setdefault(w[3], []).append(j)
    runs: dict[tuple[int, int], int] = {}  # (first i, first j) -> length
    previous: dict[int, int] = {}
    for i, w in enumerate(art):
        current: dict[int, int] = {}
        follows = i > 0 and art[i - 1][0] == w[0] - 1
        for j in by_word.get(w[3], ()):
            length = 1
            if follows and j > 0 and src[j - 1][0] == src[j][0] - 1:
                length = previous.get(j - 1, 0) + 1
            current[j] = length
            runs[(i - length + 1, j - length + 1)] = length
        previous = current
    heap = [(-n, i, j) for (i, j), n in runs.items() if n >= MIN_MOVE_WORDS]
    heapq.heapify(heap)
    used_a: set[int] = set()
    used_s: set[int] = set()
    found = []
    while heap:
        n, i, j = heapq.heappop(heap)
        n = -n
        free = [k for k in range(n) if i + k not in used_a and j + k not in used_s]
        if len(free) == n:
            used_a.update(range(i, i + n))
            used_s.update(range(j, j + n))
            found.append(Move(art[i][1], art[i + n - 1][2], src[j][1], src[j + n - 1][2], n))
            continue
        # Partly taken by a longer move: what is left of it, if still long enough, competes again.
        k = 0
        while k < n:
            if k in free:
                e = k
                while e < n and e in free:
                    e += 1
                if e - k >= MIN_MOVE_WORDS:
                    heapq.heappush(heap, (-(e - k), i + k, j + k))
                k = e
            else:
                k += 1
    return tuple(sorted(found, key=lambda m: m.start))


def _overlay(spans: list[tuple[int, int, str]], moved: list[tuple[int, int]],
             text: str) -> list[tuple[int, int, str]]:
    """Diff spans with the moved stretches cut out of them and added as MOVED spans; what is
    left of a span around a move keeps its kind without the white space at its ends."""
    if not moved:
        return spans
    out = [(s, e, MOVED) for s, e in moved]
    for s, e, kind in spans:
        pieces = [(s, e)]
        for ms, me in moved:
            nxt = []
            for ps, pe in pieces:
                if me <= ps or pe <= ms:
                    nxt.append((ps, pe))
                    continue
                if ps < ms:
                    nxt.append((ps, ms))
                if me < pe:
                    nxt.append((me, pe))
            pieces = nxt
        for ps, pe in pieces:
            piece = text[ps:pe]
            if piece.strip():  # white space at its ends goes back to plain text
                out.append((ps + len(piece) - len(piece.lstrip()), pe - len(piece) + len(piece.rstrip()),
                            kind))
    return sorted(out)


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
                   end: int | None = None, source_text: str | None = None) -> list[Chunk]:
    """The article side of a pair (or of its part start..end), words marked kept / changed /
    inserted, and moved when the source's text is given."""
    sides = _SHARED if pair.label == "translation" else _ARTICLE_SIDE
    spans = [(d.start, d.end, sides[d.op]) for d in pair.diff if d.op in sides]
    if source_text is not None:
        spans = _overlay(spans, [(m.start, m.end) for m in moves(text, source_text, pair)], text)
    return _chunks(text, pair.start if start is None else start,
                   pair.end if end is None else end, spans)


def source_chunks(source: SourceFinding, pair: AlignedPair, start: int | None = None,
                  end: int | None = None, article_text: str | None = None) -> list[Chunk]:
    """The source side of a pair (or of its part start..end), words marked kept / changed /
    deleted, and moved when the article's text is given."""
    sides = _SHARED if pair.label == "translation" else _SOURCE_SIDE
    spans = [(d.source_start, d.source_end, sides[d.op]) for d in pair.diff if d.op in sides]
    if article_text is not None:
        spans = _overlay(spans, [(m.source_start, m.source_end)
                                 for m in moves(article_text, source.text, pair)], source.text)
    return _chunks(source.text, pair.source_start if start is None else start,
                   pair.source_end if end is None else end, spans)


@dataclass(frozen=True)
class RedlineItem:
    text: str
    kind: str  # "plain", "kept", "inserted" (article only), "deleted" (source only) or "moved"


def _emit(out: list[RedlineItem], text: str, kind: str) -> None:
    """Append `text` as `kind`, its outer white space as plain text."""
    core = text.strip()
    if not core:
        if text:
            out.append(RedlineItem(text, "plain"))
        return
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    if lead:
        out.append(RedlineItem(lead, "plain"))
    out.append(RedlineItem(core, kind))
    if trail:
        out.append(RedlineItem(trail, "plain"))


def _outside(text: str, start: int, end: int, cuts: list[tuple[int, int]]) -> list[str]:
    """The parts of text[start:end] outside the `cuts`, those with a word character in them;
    the whole text, as it is, when no cut falls in it."""
    if not any(s < end and e > start for s, e in cuts):
        return [text[start:end]]
    parts = []
    pos = start
    for s, e in sorted(cuts):
        if e <= pos or s >= end:
            continue
        parts.append(text[pos:max(pos, s)])
        pos = max(pos, e)
    parts.append(text[pos:end])
    return [p.strip() for p in parts if _WORD.search(p)]


def redline(article_text: str, source: SourceFinding, pair: AlignedPair) -> list[RedlineItem]:
    """One reading of a pair: the article's wording, with the source's words it dropped or
    replaced struck in place (a changed phrase is its deleted source words then its new ones).
    Words moved within the pair are shown once, where the article has them, as MOVED; where the
    source had them in the middle of struck words, an ellipsis stands for them."""
    found = moves(article_text, source.text, pair)
    a_moved = [(m.start, m.end) for m in found]
    s_moved = [(m.source_start, m.source_end) for m in found]
    out: list[RedlineItem] = []
    pos = pair.start
    for d in pair.diff:
        if d.start > pos:
            out.append(RedlineItem(article_text[pos:d.start], "plain"))
            pos = d.start
        left: list[str] = []
        if d.op in ("replace", "delete") and d.source_end > d.source_start:
            left = _outside(source.text, d.source_start, d.source_end, s_moved)
            if left:
                out.append(RedlineItem(" \u2026 ".join(left), DELETED))
                if d.op == "replace":
                    out.append(RedlineItem(" ", "plain"))
        if d.end > d.start and d.start >= pos:
            if d.op == "equal":
                out.append(RedlineItem(article_text[d.start:d.end], KEPT))
            else:
                for chunk in _chunks(article_text, d.start, d.end,
                                     [(s, e, MOVED) for s, e in a_moved]):
                    _emit(out, chunk.text, MOVED if chunk.kind == MOVED else INSERTED)
            pos = d.end
        elif d.op == "delete" and left:
            out.append(RedlineItem(" ", "plain"))
    if pos < pair.end:
        out.append(RedlineItem(article_text[pos:pair.end], "plain"))
    return _tidy(out)


def _tidy(items: list[RedlineItem]) -> list[RedlineItem]:
    """Merge runs of one kind split only by spaces; keep a space on each side of struck words.
    Two moves stay apart: they came from different places."""
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
                and out[-2].kind == item.kind and item.kind not in ("plain", MOVED)):
            space = out.pop()
            out[-1] = RedlineItem(out[-1].text + space.text + item.text, item.kind)
            continue
        if out and out[-1].kind == item.kind and item.kind != MOVED:
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
        kind = item.kind if item.kind in (DELETED, INSERTED, MOVED) else "plain"
        if runs and runs[-1][0] == kind and kind != MOVED:
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


@dataclass(frozen=True)
class Group:
    """A source as the reports list it, with the near-duplicates folded under it (a wire story
    and its rewrites: `SourceFinding.sibling_of` names the group's head)."""

    head: SourceFinding
    siblings: tuple[SourceFinding, ...] = ()

    @property
    def members(self) -> tuple[SourceFinding, ...]:
        return (self.head, *self.siblings)


@dataclass(frozen=True)
class Layout:
    """The sources of a check in the reports' order: possible origins (the article's sources)
    first, then later articles that reuse this one; each a group with its siblings folded in."""

    origins: tuple[Group, ...]
    reusers: tuple[Group, ...]

    @property
    def groups(self) -> tuple[Group, ...]:
        return self.origins + self.reusers

    @property
    def ordered(self) -> tuple[SourceFinding, ...]:
        """Every source once: each head followed by its siblings, origins before reusers."""
        return tuple(s for g in self.groups for s in g.members)

    @property
    def folded(self) -> int:
        return sum(len(g.siblings) for g in self.groups)


def _folded(s: SourceFinding, by_id: dict[str, SourceFinding]) -> bool:
    """A sibling is folded under its head when the head is listed and is no sibling itself."""
    head = by_id.get(s.sibling_of) if s.sibling_of else None
    return head is not None and head.id != s.id and head.sibling_of is None


def layout(result: CheckResult) -> Layout:
    by_id = {s.id: s for s in result.sources}
    siblings: dict[str, list[SourceFinding]] = {}
    for s in result.sources:
        if _folded(s, by_id):
            siblings.setdefault(s.sibling_of or "", []).append(s)
    groups = [Group(s, tuple(siblings.get(s.id, ()))) for s in result.sources
              if not _folded(s, by_id)]
    return Layout(tuple(g for g in groups if not g.head.reuses_article),
                  tuple(g for g in groups if g.head.reuses_article))


def source_letters(result: CheckResult) -> dict[str, str]:
    """Each source's letter, in the reports' order (`layout`): origins by coverage, each
    followed by its siblings, then the later articles that reuse this one."""
    return {s.id: letter(i) for i, s in enumerate(layout(result).ordered)}


def evidence(result: CheckResult, *, short: bool = False) -> tuple[str, str]:
    """When and by what a report was made, and what the article was checked against:
    ("Generated <when> by provenance <version>", "index <fingerprint> (<n> articles)"). The
    fingerprint is cut to 8 characters and an ellipsis when `short`."""
    tool = result.tool or {}
    made = (f"Generated {tool.get('generated') or 'at an unknown time'} by "
            f"{tool.get('name') or 'provenance'} {tool.get('version') or '(unknown version)'}")
    index = tool.get("index")
    if not isinstance(index, dict):
        n = len(result.sources)
        return made, ("compared with one source, no index" if n <= 1
                      else f"compared with {n} sources, no index")
    fingerprint = str(index.get("fingerprint") or "unknown")
    if short and len(fingerprint) > 9:
        fingerprint = fingerprint[:8] + "\u2026"
    documents = index.get("documents")
    size = (f" ({documents} article{'' if documents == 1 else 's'})"
            if isinstance(documents, int) else "")
    return made, f"index {fingerprint}{size}"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


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
