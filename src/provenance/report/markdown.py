"""GitHub-flavoured Markdown report, written to be pasted as a pull-request comment.

Article text and metadata are untrusted: every character that Markdown or HTML could read as
markup is escaped (`md_escape`), so an article cannot add links, images, HTML or table cells to
the comment, nor mention GitHub users. The only markup is the report's own.
"""

from __future__ import annotations

import re

from ..results import Attribution, CheckResult, SourceFinding
from . import _view
from ._view import DELETED, DIRECTION_TEXT, INSERTED

# ASCII punctuation that GFM may read as markup anywhere in a line ($ starts GitHub's maths);
# a backslash makes each literal. "-", "+" and "1." only matter at the start of a line.
_MD_SPECIAL = set("\\`*_{}[]()#!|~$")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_SPACE = re.compile(r"\s+")
EXCERPT = 90  # characters of an unaligned stretch quoted in the summary


def md_escape(value: object) -> str:
    """`value` as literal Markdown text: one line, markup characters escaped, HTML characters as
    entities, and '@' followed by a zero-width space so that no GitHub user is mentioned."""
    text = _SPACE.sub(" ", str(value))
    match = _LINE_START.match(text)
    lead = ""
    if match:  # a list marker, heading underline or quote marker where a line may start
        spaces, marker = match.group(1), match.group(2)
        if marker[0].isdigit():  # "1." or "1)": escape the punctuation after the number
            lead, text = spaces + marker + "\\" + text[match.end()], text[match.end() + 1:]
        else:
            lead, text = spaces + _HTML.get(marker, "\\" + marker), text[match.end():]
    out = [lead]
    for ch in text:
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch == "@":
            out.append("@\u200b")
        elif ord(ch) < 32 or ch == "\x7f":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _wrap(text: str, mark: str) -> str:
    """Emphasis around escaped text, keeping outer spaces outside the markers."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}{mark}{md_escape(core)}{mark}{trail}"


def redline_markdown(article_text: str, source: SourceFinding, pair) -> str:
    parts = []
    for item in _view.redline(article_text, source, pair):
        if item.kind == DELETED:
            parts.append(_wrap(item.text, "~~"))
        elif item.kind == INSERTED:
            parts.append(_wrap(item.text, "**"))
        else:
            parts.append(md_escape(item.text))
    return _SPACE.sub(" ", "".join(parts)).strip()


def _excerpt(text: str) -> str:
    return md_escape(_view.shorten(_SPACE.sub(" ", text).strip(), EXCERPT))


def _unattributed_stretches(result: CheckResult) -> list[list[Attribution]]:
    """Runs of consecutive article segments given to no source (boilerplate excluded)."""
    runs: list[list[Attribution]] = []
    current: list[Attribution] = []
    for a in result.sentences:
        if a.source is None and a.label != "boilerplate":
            current.append(a)
        elif a.source is not None:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def render_markdown(result: CheckResult) -> str:
    """The report as GitHub-flavoured Markdown (summary table, then each source's aligned
    pairs with struck source words and bold article words)."""
    a = result.article
    name = a.title or a.path or a.id
    lines = [f"## Provenance: {md_escape(name)}", ""]
    if result.status != "ok":
        lines += [f"**Could not be checked:** {md_escape(result.error or 'unknown error')}", ""]
        return "\n".join(lines)
    facts = [f"**Verdict: {md_escape(result.verdict)}**"]
    if a.title and a.path:
        facts.append(f"file {md_escape(a.path)}")
    if a.outlet:
        facts.append(f"outlet {md_escape(a.outlet)}")
    facts.append(f"published {md_escape(a.published or 'unknown')}")
    facts.append("credits " + (", ".join(md_escape(c) for c in result.credits) if result.credits
                               else "none found"))
    if a.url:
        facts.append(f"url {md_escape(a.url)}")
    lines += [" · ".join(facts), ""]
    for w in a.warnings:
        lines += [f"> Warning: {md_escape(w)}", ""]
    if not result.sources:
        lines += ["No earlier article shares an aligned sentence with this one.", ""]
        return "\n".join(lines)

    letters = _view.source_letters(result)
    lines += ["| | Source | Verdict | Coverage | Score | Credited | Published | Direction |",
              "|---|---|---|---:|---:|---|---|---|"]
    for s in result.sources:
        title = md_escape(s.title) + "<br>" if s.title else ""
        where = md_escape(s.path or s.id) + (f" · {md_escape(s.outlet)}" if s.outlet else "")
        if s.sibling_of:
            where += f"<br>sibling of {md_escape(s.sibling_of)}"
        verdict = f"**{s.verdict}** (flagged)" if s.flagged else s.verdict
        direction = f"{DIRECTION_TEXT.get(s.direction, s.direction)}<br>{md_escape(s.direction_reason)}"
        lines.append(f"| {letters[s.id]} | {title}{where} | {verdict} | {s.coverage:.0%} | "
                     f"{s.score:.2f} | {'yes' if s.credited else 'no'} | "
                     f"{md_escape(s.published or 'unknown')} | {direction} |")
    lines += ["", "Aligned pairs show the article's wording; ~~struck~~ words are the source's "
              "(dropped or replaced), **bold** words are only in the article, plain words are kept.", ""]

    for s in result.sources:
        attributed = sum(1 for p in s.pairs if p.attributed)
        lines += [f"### {letters[s.id]} · {md_escape(s.path or s.id)} · {s.verdict} · "
                  f"coverage {s.coverage:.0%}", ""]
        open_attr = " open" if s.flagged else ""
        lines += [f"<details{open_attr}><summary>{len(s.pairs)} aligned pair"
                  f"{'' if len(s.pairs) == 1 else 's'}, {attributed} attributed to "
                  f"{letters[s.id]}</summary>", ""]
        for number, pair in enumerate(sorted(s.pairs, key=lambda p: (p.start, p.end)), start=1):
            notes = [pair.label, f"{pair.score:.2f}"]
            if pair.quoted:
                notes.append("quoted speech")
            if not pair.attributed:
                notes.append("not attributed to this source")
                if pair.quoted:
                    notes.append("quotation in other words: not counted as copying")
            lines += [f"**#{number}** · " + " · ".join(notes), "",
                      "> " + redline_markdown(result.text, s, pair), ""]
        lines += ["</details>", ""]

    stretches = _unattributed_stretches(result)
    if stretches:
        lines += ["### Not attributed to any source", ""]
        for run in stretches:
            chars = sum(x.end - x.start for x in run)
            count = len(run)
            lines.append(f"- {count} segment{'' if count == 1 else 's'} ({chars:,} characters) "
                         f"from “{_excerpt(run[0].text)}”")
        lines.append("")
    boiler = [x for x in result.sentences if x.label == "boilerplate"]
    if boiler:
        lines += ["Boilerplate left out of scores: " + "; ".join(f"“{_excerpt(x.text)}”" for x in boiler), ""]
    lines += [f"<sub>provenance {md_escape(result.tool.get('version', ''))}</sub>", ""]
    return "\n".join(lines)
