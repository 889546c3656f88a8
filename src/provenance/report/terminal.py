"""Terminal report: a summary table and the aligned sentences, coloured when the output is a
terminal and NO_COLOR is unset (rich decides both), fitted to the terminal width."""

from __future__ import annotations

import io
import os
import shutil

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..results import CheckResult

LABEL_STYLE = {
    "verbatim": "bold red", "near-verbatim": "red", "paraphrase": "yellow",
    "original": "dim", "boilerplate": "dim italic",
}


def _console(color: bool | None, width: int | None) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    if width is None:
        width = shutil.get_terminal_size((80, 24)).columns
    force = color if color is not None else None
    no_color = color is False or "NO_COLOR" in os.environ
    console = Console(file=buf, width=width, force_terminal=force, no_color=no_color,
                      color_system=None if no_color else "standard", highlight=False,
                      emoji=False, markup=False)
    return console, buf


def render_text(result: CheckResult, *, color: bool | None = None, width: int | None = None) -> str:
    console, buf = _console(color, width)
    a = result.article
    if result.status != "ok":
        console.print(Text(f"{a.path or a.id}: could not be checked: {result.error}"))
        return buf.getvalue()
    console.print(Text.assemble(("Article: ", "bold"), a.path or a.id,
                                ("  verdict: ", "bold"), (result.verdict, "bold")))
    if result.credits:
        console.print(Text("Credits: " + ", ".join(result.credits)))
    if not result.sources:
        console.print(Text("No earlier article shares an aligned sentence."))
        return buf.getvalue()
    table = Table(show_lines=False, expand=False)
    for col in ("source", "verdict", "coverage", "score", "credited", "direction"):
        table.add_column(col, overflow="fold")
    for s in result.sources:
        verdict = s.verdict + (f" (sibling of {s.sibling_of})" if s.sibling_of else "")
        table.add_row(s.path or s.id, verdict, f"{s.coverage:.0%}", f"{s.score:.2f}",
                      "yes" if s.credited else "no", s.direction)
    console.print(table)
    console.print(Text("Sentences:", style="bold"))
    for sent in result.sentences:
        if sent.label == "original" and sent.kind != "sentence":
            continue
        mark = Text(f"[{sent.label}{' q' if sent.quoted else ''}] ", style=LABEL_STYLE.get(sent.label, ""))
        body = Text(sent.text)
        if sent.source:
            body.append(f"  <- {sent.source} ({sent.score:.2f})", style="cyan")
        console.print(mark + body)
    return buf.getvalue()
