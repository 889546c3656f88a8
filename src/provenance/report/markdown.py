"""GitHub-flavoured Markdown report, written to be pasted as a pull-request comment.

Article text and metadata are untrusted: every value goes through `escape.markdown_text`, so an
article cannot add links (bare URLs included), images, HTML or table cells to the comment, nor
mention GitHub users, and its control and bidi characters are shown. The only markup is the
report's own.
"""

from __future__ import annotations

import re

from ..results import Attribution, CheckResult, SourceFinding
from . import _view
from ._view import DELETED, DIRECTION_TEXT, INSERTED
from .escape import markdown_text

_SPACE = re.compile(r"\s+")
EXCERPT = 90  # characters of an unaligned stretch quoted in the summary
md_escape = markdown_text  # the name this module's callers and tests have long used


def _wrap(text: str, mark: str) -> str:
    """Emphasis around escaped text, keeping outer spaces outside the markers."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}{mark}{markdown_text(core)}{mark}{trail}"


def redline_markdown(article_text: str, source: SourceFinding, pair) -> str:
    parts = []
    for kind, text in _view.redline_runs(_view.redline(article_text, source, pair)):
        if kind == DELETED:
            parts.append(_wrap(text, "~~"))
        elif kind == INSERTED:
            parts.append(_wrap(text, "**"))
        else:
            parts.append(markdown_text(text))
    return _SPACE.sub(" ", "".join(parts)).strip()


def _excerpt(text: str) -> str:
    return markdown_text(_view.shorten(_SPACE.sub(" ", text).strip(), EXCERPT))


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
    lines = [f"## Provenance: {markdown_text(name)}", ""]
    if result.status != "ok":
        lines += [f"**Could not be checked:** {markdown_text(result.error or 'unknown error')}", ""]
        return "\n".join(lines)
    facts = [f"**Verdict: {markdown_text(result.verdict)}**"]
    if a.title and a.path:
        facts.append(f"file {markdown_text(a.path)}")
    if a.outlet:
        facts.append(f"outlet {markdown_text(a.outlet)}")
    facts.append(f"published {markdown_text(a.published or 'unknown')}")
    facts.append("credits " + (", ".join(markdown_text(c) for c in result.credits) if result.credits
                               else "none found"))
    if a.url:
        facts.append(f"url {markdown_text(a.url)}")
    lines += [" · ".join(facts), ""]
    for w in a.warnings:
        lines += [f"> Warning: {markdown_text(w)}", ""]
    if not result.sources:
        lines += ["No earlier article shares an aligned sentence with this one.", ""]
        return "\n".join(lines)

    letters = _view.source_letters(result)
    lines += ["| | Source | Verdict | Coverage | Score | Credited | Published | Direction |",
              "|---|---|---|---:|---:|---|---|---|"]
    for s in result.sources:
        title = markdown_text(s.title) + "<br>" if s.title else ""
        where = markdown_text(s.path or s.id)
        if s.outlet:
            where += f" · {markdown_text(s.outlet)}"
        if s.sibling_of:
            where += f"<br>sibling of {markdown_text(s.sibling_of)}"
        verdict = f"**{s.verdict}** (flagged)" if s.flagged else s.verdict
        direction = (f"{DIRECTION_TEXT.get(s.direction, s.direction)}<br>"
                     f"{markdown_text(s.direction_reason)}")
        lines.append(f"| {letters[s.id]} | {title}{where} | {verdict} | {s.coverage:.0%} | "
                     f"{s.score:.2f} | {'yes' if s.credited else 'no'} | "
                     f"{markdown_text(s.published or 'unknown')} | {direction} |")
    lines += ["", "Aligned pairs show the article's wording; ~~struck~~ words are the source's "
              "(dropped or replaced), **bold** words are only in the article, plain words are kept.", ""]

    for s in result.sources:
        attributed = sum(1 for p in s.pairs if p.attributed)
        lines += [f"### {letters[s.id]} · {markdown_text(s.path or s.id)} · {s.verdict} · "
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
    lines += [f"<sub>provenance {markdown_text(result.tool.get('version', ''))}</sub>", ""]
    return "\n".join(lines)
