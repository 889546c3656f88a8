"""Renderers of a corpus scan (`provenance scan`): JSON Lines, text for a terminal, one HTML page.

Every format is byte-deterministic (same corpus, same options -> same bytes): groups come in
the order cluster.groups gives them, nothing reads a clock, and the text format has a fixed width
unless it is printed to a terminal. Untrusted values (ids, paths, titles, outlets, dates) pass
through the escaping layer of their output (`escape.terminal_line`, `escape.html_text`,
`escape.json_text`).

JSON Lines schema: one object per group, largest group first, then by the id of its first
member; keys in this order:

    group          int     1, 2, ... in output order
    origin         str|null  id of the likely origin; null when unknown
    origin_basis   str     why it is the origin: "earliest-published" (the only member published
                           first), "credited" (no dates decide, and a credit line in a member
                           names it: "According to Sputnik"), or "unknown" (origin is null)
    origin_reason  str     the same for people, e.g. "earliest published (some members have no
                           date)", "unknown: no member has a publication date"
    reference      str     id of the member every other member's evidence is measured against:
                           the origin when known, else the earliest published member, the first
                           by id among equals (the first by id when no member is dated)
    size           int     number of members (>= 2)
    members        list    the reference first, then by publication date (undated last) and id:
      id, path, outlet, published, title   str|null  as read (path, outlet, published, title
                           may be null)
      line         int     only for a record of a JSON Lines file: its line number
      role         str     "origin" (the reference, being the likely origin), "reference" (the
                           reference of a group without a likely origin) or "member"
      evidence     object  members only (the reference has none; no member is compared with
                           itself):
        against      str     the reference's id
        verdict      str|null  in check's vocabulary: "copy", "paraphrase" or "partial"; null
                             only when basis is "indirect"
        basis        str     "aligned": the link to the reference was confirmed by aligning the
                             two texts, and verdict is check's verdict for it;
                             "measures": the verdict is the reading of the set measures alone
                             (stem-set Jaccard >= 0.8 copy, >= 0.4 paraphrase, containment of
                             either in the other >= 0.4 partial), as for links with a Jaccard of
                             0.6 or more, which need no alignment;
                             "indirect": the member is linked to the group through `via` and
                             its measures against the reference support no verdict
        jaccard      float   Jaccard similarity of the two articles' stem sets (4 decimals)
        containment  float   share of the member's stems found in the reference (4 decimals)
        via          str     only when the member has no direct link to the reference: the
                             member it is linked through (the next one on a shortest path)

A group line never carries `relation` (the earlier reading of the measures, near-copy /
rewrite / partial / related): `verdict` with `basis` replaced it.
"""

from __future__ import annotations

import io
import shlex
import shutil
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from ..results import ScanResult
from ._page import csp_hash, environment, use_colour
from .escape import json_text, terminal_line

FORMATS = ("text", "json", "html")
INDENT = 14  # where a member's facts and title start
FILE_WIDTH = 100  # the text format's width when it is not printed to a terminal
VERDICT_STYLE = {"copy": "bold red", "paraphrase": "bold yellow", "partial": "yellow"}
ORIGIN_WHY = {"earliest-published": "earliest published", "credited": "credited by a member",
              "unknown": "unknown"}
BASIS_TEXT = {"aligned": "confirmed by alignment", "measures": "from the set measures",
              "indirect": "linked through another member"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 group', '2 groups' (`many` for irregular plurals)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def summary_line(result: ScanResult) -> str:
    """One line for people: what was scanned and found."""
    s = result.summary()
    crowded = int(s["crowded_buckets"])  # type: ignore[call-overload]
    return (f"scanned {plural(int(s['articles']), 'article')}: "  # type: ignore[call-overload]
            f"{plural(int(s['groups']), 'group')} holding "  # type: ignore[call-overload]
            f"{plural(int(s['articles_in_groups']), 'article')} "  # type: ignore[call-overload]
            f"({s['with_origin']} with a likely origin); "
            f"{plural(int(s['candidate_pairs']), 'candidate pair')}, "  # type: ignore[call-overload]
            f"{s['links']} confirmed"
            + (f"; {plural(crowded, 'crowded bucket')} joined as "
               f"{'a star' if crowded == 1 else 'stars'}" if crowded else ""))


def render_scan(result: ScanResult, fmt: str, *, color: bool | None = None,
                width: int | None = None) -> str:
    """The scan as "json" (JSON Lines), "text" or "html"."""
    if fmt == "json":
        return render_jsonl(result)
    if fmt == "text":
        return render_text(result, color=color, width=width)
    if fmt == "html":
        return render_html(result)
    raise ValueError(f"unknown scan format {fmt!r} ({', '.join(FORMATS)})")


def render_jsonl(result: ScanResult) -> str:
    """One JSON object per group (the schema above), hidden characters as \\u escapes."""
    return json_text(result.jsonl())


def _reference(group: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in group["members"] if m["role"] != "member")


def _reference_why(group: dict[str, Any]) -> str:
    if any(m["published"] for m in group["members"]):
        return "the earliest published, first by id"
    return "the first by id"


def compare_command(member: dict[str, Any], reference: dict[str, Any]) -> str | None:
    """The command that shows a member beside its reference, sentence by sentence; None when
    either is not a file of its own (a JSON Lines record, an index without paths)."""
    paths = []
    for m in (member, reference):
        path = m.get("path")
        if not path or m.get("line") is not None or "://" in path:
            return None
        paths.append("./" + path if path.startswith("-") else path)
    if paths[0] == paths[1]:
        return None
    return f"provenance compare {shlex.quote(paths[0])} {shlex.quote(paths[1])} --format html"


# --- Text ---------------------------------------------------------------------------------------


def render_text(result: ScanResult, *, color: bool | None = None, width: int | None = None) -> str:
    """The groups for a person at a terminal: each group's likely origin and why, its members
    with verdict, outlet, date and measures, then the summary line."""
    colour = use_colour(color)
    if width is None:
        width = shutil.get_terminal_size((80, 24)).columns
    width = max(40, width)
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=colour, no_color=not colour,
                      color_system="standard" if colour else None, highlight=False, emoji=False,
                      markup=False, legacy_windows=False, soft_wrap=False)
    for group in result.groups:
        ref = _reference(group)
        head = Text(f"Group {group['group']}", style="bold")
        head.append(f" · {plural(group['size'], 'article')}")
        console.print(head)
        line = Text("  likely origin: ")
        if group["origin"] is not None:
            line.append(terminal_line(group["origin"]), style="bold")
            line.append(f" ({ORIGIN_WHY.get(group['origin_basis'], group['origin_basis'])}"
                        f"{'' if group['origin_basis'] != 'credited' else ': no dates decide'})")
            if "some members have no date" in group["origin_reason"]:
                line.append(" · some members have no date", style="dim")
        else:
            reason = str(group["origin_reason"]).removeprefix("unknown: ")
            line.append(terminal_line(f"unknown ({reason})"))
        console.print(line)
        if group["origin"] is None:
            console.print(Text(terminal_line(f"  evidence is measured against {ref['id']} "
                                             f"({_reference_why(group)})"), style="dim"))
        for m in group["members"]:
            ev = m.get("evidence")
            label = m["role"] if ev is None else (ev["verdict"] or "linked")
            row = Text("  ")
            row.append(f"{label:<11}", style=VERDICT_STYLE.get(label, "bold" if ev is None else "dim"))
            row.append(" ")
            row.append(terminal_line(m["id"]))
            console.print(row)
            facts = [m["outlet"] or "outlet unknown", m["published"] or "date unknown"]
            if ev is not None:
                facts += [f"Jaccard {ev['jaccard']:.2f}", f"containment {ev['containment']:.2f}",
                          BASIS_TEXT.get(ev["basis"], ev["basis"])]
                if "via" in ev:
                    facts.append(f"via {ev['via']}")
            console.print(Padding(Text(terminal_line(" · ".join(facts)), style="dim"),
                                  (0, 0, 0, INDENT)))
            if m["title"]:
                console.print(Padding(Text(terminal_line(m["title"])), (0, 0, 0, INDENT)))
        console.print()
    if not result.groups:
        console.print(Text("No group: no article copies or paraphrases another."))
    console.print(Text(summary_line(result)), soft_wrap=True)  # one line, for grep
    return "\n".join(x.rstrip() for x in buf.getvalue().split("\n"))


# --- HTML ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = environment()
    env.filters["num"] = lambda x: f"{x:.2f}"
    env.filters["plural"] = plural
    return env


@lru_cache(maxsize=1)
def _css() -> str:
    return resources.files("provenance").joinpath("templates", "scan.css").read_text(encoding="utf-8")


def _html_groups(result: ScanResult) -> list[dict[str, Any]]:
    out = []
    for group in result.groups:
        n = group["group"]
        ref = _reference(group)
        anchors = {m["id"]: f"g{n}-m{k}" for k, m in enumerate(group["members"], 1)}
        members = []
        for k, m in enumerate(group["members"], 1):
            ev = m.get("evidence")
            members.append({
                **m, "anchor": f"g{n}-m{k}", "evidence": ev,
                "basis_text": BASIS_TEXT.get(ev["basis"], ev["basis"]) if ev else None,
                "via_anchor": anchors.get(ev.get("via", "")) if ev else None,
                "command": compare_command(m, ref) if ev else None,
            })
        out.append({**group, "anchor": f"g{n}", "members": members, "ref": ref,
                    "ref_anchor": anchors[ref["id"]],
                    "why": ORIGIN_WHY.get(group["origin_basis"], group["origin_basis"]),
                    "reference_why": _reference_why(group)})
    return out


def render_html(result: ScanResult) -> str:
    """The scan as one self-contained HTML page: inline stylesheet pinned by hash in a strict
    Content-Security-Policy, no script, no external reference; every member links to an anchor
    with its evidence (and, for files, the command that compares it with its reference)."""
    from .. import __version__

    css = _css()
    s = result.summary()
    context = {
        "css": Markup(css),
        "csp": f"default-src 'none'; style-src {csp_hash(css)}; base-uri 'none'; "
               "form-action 'none'",
        "version": __version__, "groups": _html_groups(result), "summary": s,
        "summary_line": summary_line(result),
    }
    return _environment().get_template("scan.html.j2").render(**context)
