"""Terminal report: summary table, aligned pairs with word-level differences, sentence outline.

Colour only when asked for, or when standard output is a terminal, `NO_COLOR` is unset or empty
and `TERM` is not "dumb" (https://no-color.org). Without colour the differences are still legible:
`[-source words-]` and `{+article words+}`, as wdiff writes them. Everything fits `width` columns
(the terminal's, else 80): long paths are shortened in the middle, never wrapped inside a table.

Article text and metadata reach the console only through `escape.terminal_line`: an article must
not move the cursor, set colours, smuggle a hyperlink, start a line of its own, or start a GitHub
workflow command when the report is printed in a CI log.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..results import CheckResult, SourceFinding
from . import _view
from ._view import DELETED, INSERTED
from .escape import terminal_line

MIN_WIDTH = 40
LABEL_STYLE = {
    "verbatim": "bold red", "near-verbatim": "red", "paraphrase": "yellow",
    "original": "dim", "boilerplate": "dim italic",
}
VERDICT_STYLE = {"copy": "bold red", "paraphrase": "bold yellow", "partial": "yellow",
                 "none": "dim", "original": "green", "error": "bold red"}
SHORT_DIRECTION = {"source-to-article": "source first", "article-to-source": "article first",
                   "unknown": "unknown"}
INDENT = 4
_SPACE = re.compile(r"\s+")


def use_colour(color: bool | None) -> bool:
    """Whether to emit colour: the caller's choice, else a terminal without NO_COLOR."""
    if color is not None:
        return color
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


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
        else:
            text.append(piece)
    return text


def _summary(result: CheckResult, letters: dict[str, str], width: int) -> Table:
    fixed = {"verdict": 10, "cover": 5, "score": 5, "cred": 4, "direction": 13}
    # Box-less columns: one space of padding each side, plus the letter column.
    name_width = max(8, width - sum(fixed.values()) - 2 * (len(fixed) + 2) - 1)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False,
                  header_style="bold")
    table.add_column("", no_wrap=True, width=1)
    table.add_column("source", no_wrap=True, max_width=name_width, overflow="ellipsis")
    table.add_column("verdict", no_wrap=True)
    table.add_column("cover", no_wrap=True, justify="right")
    table.add_column("score", no_wrap=True, justify="right")
    table.add_column("cred", no_wrap=True)
    table.add_column("direction", no_wrap=True)
    for s in result.sources:
        shown = s.path or s.id
        if len(shown) > name_width and len(s.id) < len(shown):
            shown = s.id
        table.add_row(letters[s.id], _view.shorten(terminal_line(shown), name_width),
                      Text(s.verdict, style=VERDICT_STYLE.get(s.verdict, "")),
                      f"{s.coverage:.0%}", f"{s.score:.2f}", "yes" if s.credited else "no",
                      SHORT_DIRECTION.get(s.direction, s.direction))
    return table


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
    for w in a.warnings:
        console.print(Text(terminal_line(f"warning: {w}"), style="yellow"))
    if not result.sources:
        console.print(Text("No earlier article shares an aligned sentence."))
        return _strip(buf.getvalue())

    letters = _view.source_letters(result)
    console.print()
    console.print(_summary(result, letters, width))
    for s in result.sources:
        about = [x for x in (s.title, s.outlet, s.published) if x]
        line = Text(f"{letters[s.id]}  ")
        line.append(terminal_line(" · ".join(about) if about else s.id))
        console.print(line, overflow="ellipsis", no_wrap=True)
        notes = [f"direction: {s.direction_reason}"]
        if s.sibling_of:
            notes.append(f"sibling of {s.sibling_of}")
        console.print(Padding(Text(terminal_line("; ".join(notes)), style="dim"), (0, 0, 0, 3)))

    console.print()
    legend = "Differences: plain = kept, "
    legend += ("struck red = only in the source, bold green = only in the article."
               if colour else "[-words-] only in the source, {+words+} only in the article.")
    console.print(Text(legend, style="dim"))
    for s in result.sources:
        console.print()
        title = Text(f"{letters[s.id]} ", style="bold")
        name = _view.shorten(terminal_line(s.path or s.id), max(10, width - 40))
        title.append(name, style="bold")
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

    console.print()
    console.rule(Text("Article, sentence by sentence (q = quoted speech)", style="bold"),
                 align="left", style="dim")
    for x in result.sentences:
        mark = letters.get(x.source, "") if x.source else ("b" if x.label == "boilerplate" else "·")
        line = Text(f"{mark:>2} {'q' if x.quoted else ' '} ")
        line.append(f"{x.label:<13}", style=LABEL_STYLE.get(x.label, ""))
        line.append(f" {x.score:.2f} " if x.source else "      ")
        line.append(terminal_line(" ".join(x.text.split())))
        console.print(line, overflow="ellipsis", no_wrap=True)
    return _strip(buf.getvalue())


def _strip(output: str) -> str:
    """Drop the padding rich leaves at line ends (it only makes copies and diffs noisy)."""
    return "\n".join(line.rstrip() for line in output.split("\n"))
