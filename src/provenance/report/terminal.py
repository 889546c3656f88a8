"""Terminal report: summary table, aligned pairs with word-level differences, sentence outline.

Colour only when asked for, or when standard output is a terminal, `NO_COLOR` is unset or empty
and `TERM` is not "dumb" (https://no-color.org). Without colour the differences are still legible:
`[-source words-]` and `{+article words+}`, as wdiff writes them, and `{>moved words<}` for words
the rewriter moved within a sentence. Everything fits `width` columns
(the terminal's, else 80): long paths are shortened in the middle, never wrapped inside a table.

Article text and metadata reach the console only through `escape.terminal_line`: an article must
not move the cursor, set colours, smuggle a hyperlink, start a line of its own, or start a GitHub
workflow command when the report is printed in a CI log.
"""

from __future__ import annotations

import io
import re
import shutil

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..results import CheckResult, SourceFinding
from . import _view
from ._page import use_colour
from ._view import DELETED, INSERTED, MOVED
from .escape import terminal_line

MIN_WIDTH = 40
LABEL_STYLE = {
    "verbatim": "bold red", "near-verbatim": "red", "paraphrase": "yellow",
    "translation": "magenta", "original": "dim", "boilerplate": "dim italic",
}
VERDICT_STYLE = {"copy": "bold red", "paraphrase": "bold yellow", "partial": "yellow",
                 "none": "dim", "original": "green", "error": "bold red"}
SHORT_DIRECTION = {"source-to-article": "source first", "article-to-source": "article first",
                   "unknown": "unknown"}
INDENT = 4
_SPACE = re.compile(r"\s+")


def _console(color: bool, width: int) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      emoji=False, markup=False, legacy_windows=False, soft_wrap=False)
    return console, buf


def _redline(result: CheckResult, source: SourceFinding, pair, colour: bool) -> Text:
    text = Text()
    for kind, raw in _view.redline_runs(_view.redline(result.text, source, pair)):
        piece = terminal_line(_SPACE.sub(" ", raw))
        if kind == DELETED:
            text.append(piece if colour else f"[-{piece}-]", style="red strike" if colour else "")
        elif kind == INSERTED:
            text.append(piece if colour else f"{{+{piece}+}}", style="bold green" if colour else "")
        elif kind == MOVED:
            text.append(piece if colour else f"{{>{piece}<}}", style="cyan underline" if colour else "")
        else:
            text.append(piece)
    return text


def _summary(sources: list[SourceFinding], letters: dict[str, str], width: int,
             verdict: str = "verdict") -> Table:
    fixed = {"verdict": 10, "cover": 5, "score": 5, "cred": 4, "direction": 13}
    # Box-less columns: one space of padding each side, plus the letter column.
    name_width = max(8, width - sum(fixed.values()) - 2 * (len(fixed) + 2) - 1)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False,
                  header_style="bold")
    table.add_column("", no_wrap=True, width=1)
    table.add_column("source", no_wrap=True, max_width=name_width, overflow="ellipsis")
    table.add_column(verdict, no_wrap=True)
    table.add_column("cover", no_wrap=True, justify="right")
    table.add_column("score", no_wrap=True, justify="right")
    table.add_column("cred", no_wrap=True)
    table.add_column("direction", no_wrap=True)
    for s in sources:
        table.add_row(letters[s.id], _name(s, name_width),
                      Text(s.verdict, style=VERDICT_STYLE.get(s.verdict, "")),
                      f"{s.coverage:.0%}", f"{s.score:.2f}", "yes" if s.credited else "no",
                      SHORT_DIRECTION.get(s.direction, s.direction))
    return table


def _name(s: SourceFinding, width: int) -> str:
    """The source's path (else id) shortened to `width`, its id when that is shorter."""
    shown = s.path or s.id
    if len(shown) > width and len(s.id) < len(shown):
        shown = s.id
    return _view.shorten(terminal_line(shown), width)


def _about(console: Console, group: _view.Group, letters: dict[str, str], width: int) -> None:
    """A group's head: title, outlet and date, how its direction was decided, and the
    near-duplicates folded under it ("also in")."""
    s = group.head
    about = [x for x in (s.title, s.outlet, s.published) if x]
    line = Text(f"{letters[s.id]}  ")
    line.append(terminal_line(" · ".join(about) if about else s.id))
    console.print(line, overflow="ellipsis", no_wrap=True)
    notes = Text(terminal_line(f"direction: {s.direction_reason}"), style="dim")
    console.print(Padding(notes, (0, 0, 0, 3)))
    for sib in group.siblings:
        also = Text("also in: ", style="bold")
        also.append(f"{letters[sib.id]} ")
        also.append(_name(sib, max(10, width - 45)))
        also.append(f" (near-duplicate of {letters[s.id]}, {_view.plural(len(sib.pairs), 'aligned pair')})",
                    style="dim")
        console.print(Padding(also, (0, 0, 0, 3)))


def _pairs(console: Console, result: CheckResult, s: SourceFinding, letters: dict[str, str],
           width: int, colour: bool) -> None:
    console.print()
    title = Text(f"{letters[s.id]} ", style="bold")
    name = _view.shorten(terminal_line(s.path or s.id), max(10, width - 40))
    title.append(name, style="bold")
    if s.reuses_article:
        title.append("  reuses this article: ")
        title.append(s.verdict, style=VERDICT_STYLE.get(s.verdict, ""))
        title.append(f", {s.coverage:.0%} of it")
    else:
        title.append(f"  {s.verdict}", style=VERDICT_STYLE.get(s.verdict, ""))
        title.append(f", coverage {s.coverage:.0%}")
    console.rule(title, align="left", style="dim")
    for number, pair in enumerate(sorted(s.pairs, key=lambda p: (p.start, p.end)), start=1):
        head = Text(f"#{number} ")
        head.append(pair.label, style=LABEL_STYLE.get(pair.label, ""))
        head.append(f" {pair.score:.2f}")
        if pair.quoted:
            head.append("  quoted speech")
        if not pair.attributed:
            head.append("  not attributed", style="dim")
            if pair.quoted:
                head.append(" (quotation in other words: not counted)", style="dim")
        console.print(head)
        console.print(Padding(_redline(result, s, pair, colour), (0, 0, 0, INDENT)))
        if pair.label == "translation":
            # Across languages there is no word diff: the original's sentence is shown instead.
            original = Text(f"original ({s.language or 'other language'}): ", style="dim")
            original.append(terminal_line(s.text[pair.source_start:pair.source_end]))
            console.print(Padding(original, (0, 0, 0, INDENT)))
            if pair.diff:
                shared = Text("in both: ", style="dim")
                shared.append(terminal_line(", ".join(result.text[d.start:d.end] for d in pair.diff)))
                console.print(Padding(shared, (0, 0, 0, INDENT)))


def _evidence(console: Console, result: CheckResult, width: int) -> None:
    """When, by which version, against what: one line, or two when it does not fit."""
    made, against = _view.evidence(result)
    made, against = terminal_line(made), terminal_line(against)
    if len(made) + 3 + len(against) <= width:
        console.print(Text(f"{made} · {against}", style="dim"))
    else:
        console.print(Text(f"{made} ·", style="dim"))
        console.print(Text(f"{against[:1].upper()}{against[1:]}", style="dim"))


def render_text(result: CheckResult, *, color: bool | None = None, width: int | None = None) -> str:
    """The report for a terminal (str); see the module docstring for colour and width."""
    colour = use_colour(color)
    if width is None:
        width = shutil.get_terminal_size((80, 24)).columns
    width = max(MIN_WIDTH, width)
    console, buf = _console(colour, width)
    a = result.article
    shown = a.path or a.id
    if result.status != "ok":
        console.print(Text(terminal_line(f"{shown}: could not be checked: {result.error}")))
        _evidence(console, result, width)
        return _strip(buf.getvalue())
    head = Text.assemble(("Article  ", "bold"), _view.shorten(terminal_line(shown), width - 9))
    console.print(head)
    if a.title:
        console.print(Text.assemble(("Title    ", "bold"), terminal_line(a.title)))
    facts = Text.assemble(("Verdict  ", "bold"), (result.verdict, VERDICT_STYLE.get(result.verdict, "")))
    facts.append(terminal_line(f"   published {a.published or 'unknown'}"))
    credits = ", ".join(result.credits) if result.credits else "none found"
    facts.append(terminal_line(f"   credits {credits}"))
    console.print(facts)
    _evidence(console, result, width)
    for w in a.warnings:
        console.print(Text(terminal_line(f"warning: {w}"), style="yellow"))
    plan = _view.layout(result)
    if not plan.origins:
        console.print(Text("No earlier article shares an aligned sentence."))
        if not plan.reusers:
            return _strip(buf.getvalue())

    letters = _view.source_letters(result)
    if plan.origins:
        console.print()
        console.print(_summary([g.head for g in plan.origins], letters, width))
        for group in plan.origins:
            _about(console, group, letters, width)
    if plan.reusers:
        console.print()
        console.print(Text("Later articles reusing this one", style="bold"))
        console.print(Text("They came after this article: how much of it they reuse, not its "
                           "origin.", style="dim"))
        console.print(_summary([g.head for g in plan.reusers], letters, width, "reuses"))
        for group in plan.reusers:
            _about(console, group, letters, width)

    console.print()
    legend = "Differences: plain = kept, "
    legend += ("struck red = only in the source, bold green = only in the article, underlined "
               "cyan = moved (the same words in another place of the source)."
               if colour else "[-words-] only in the source, {+words+} only in the article, "
               "{>words<} moved (the same words in another place of the source).")
    console.print(Text(legend, style="dim"))
    for group in plan.groups:
        _pairs(console, result, group.head, letters, width, colour)

    console.print()
    console.rule(Text("Article, sentence by sentence", style="bold"), align="left", style="dim")
    console.print(Text("A, B, ... = the source the sentence is attributed to; b = boilerplate, "
                       "left out of scores; \u00b7 = own text, no source; q = quoted speech.",
                       style="dim"))
    for x in result.sentences:
        mark = letters.get(x.source, "") if x.source else ("b" if x.label == "boilerplate" else "\u00b7")
        line = Text(f"{mark:>2} {'q' if x.quoted else ' '} ")
        line.append(f"{x.label:<13}", style=LABEL_STYLE.get(x.label, ""))
        line.append(f" {x.score:.2f} " if x.source else "      ")
        line.append(terminal_line(" ".join(x.text.split())))
        console.print(line, overflow="ellipsis", no_wrap=True)
    return _strip(buf.getvalue())


def _strip(output: str) -> str:
    """Drop the padding rich leaves at line ends (it only makes copies and diffs noisy)."""
    return "\n".join(line.rstrip() for line in output.split("\n"))
