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
from ._view import DELETED, DIRECTION_TEXT, INSERTED, MOVED
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


def _moved(text: str) -> str:
    """Moved words as {>words<}: literal characters in GFM (a '<' before '}' opens no tag)."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}{{>{markdown_text(core)}<}}{trail}"


def redline_markdown(article_text: str, source: SourceFinding, pair) -> str:
    parts = []
    for kind, text in _view.redline_runs(_view.redline(article_text, source, pair)):
        if kind == DELETED:
            parts.append(_wrap(text, "~~"))
        elif kind == INSERTED:
            parts.append(_wrap(text, "**"))
        elif kind == MOVED:
            parts.append(_moved(text))
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
        lines += [f"**Could not be checked:** {markdown_text(result.error or 'unknown error')}", "",
                  _footer(result), ""]
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
        lines += ["No earlier article shares an aligned sentence with this one.", "",
                  _footer(result), ""]
        return "\n".join(lines)

    letters = _view.source_letters(result)
    plan = _view.layout(result)
    if plan.origins:
        lines += _table(plan.origins, letters, "Verdict")
    else:
        lines += ["No earlier article shares an aligned sentence with this one.", ""]
    if plan.reusers:
        lines += ["### Later articles reusing this one", "",
                  "They came after this article (by date or credit line): the verdict says how "
                  "much of it they reuse; none of them is its origin.", ""]
        lines += _table(plan.reusers, letters, "Reuses")
    lines += ["Aligned pairs show the article's wording; ~~struck~~ words are the source's "
              "(dropped or replaced), **bold** words are only in the article, {>words<} were "
              "moved (the same words in another place of the source), plain words are kept.", ""]

    for group in plan.groups:
        lines += _pair_section(result, group.head, letters, group.head.flagged)
        for sib in group.siblings:
            lines += _pair_section(result, sib, letters, False, head=group.head)

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
    lines += [_footer(result), ""]
    return "\n".join(lines)


def _footer(result: CheckResult) -> str:
    made, against = _view.evidence(result)
    return f"<sub>{markdown_text(made)} · {markdown_text(against)}</sub>"


def _table(groups: tuple[_view.Group, ...], letters: dict[str, str], verdict_name: str) -> list[str]:
    """The summary table of some groups: one row per head, its siblings folded in its cell."""
    lines = [f"| | Source | {verdict_name} | Coverage | Score | Credited | Published | Direction |",
             "|---|---|---|---:|---:|---|---|---|"]
    for group in groups:
        s = group.head
        title = markdown_text(s.title) + "<br>" if s.title else ""
        where = markdown_text(s.path or s.id)
        if s.outlet:
            where += f" · {markdown_text(s.outlet)}"
        if group.siblings:
            where += f"<br>also in (near-duplicates of {letters[s.id]}): " + ", ".join(
                f"{letters[x.id]} {markdown_text(x.path or x.id)}" for x in group.siblings)
        verdict = s.verdict
        if s.flagged:
            verdict = f"**{s.verdict}**" + ("" if s.reuses_article else " (flagged)")
        direction = (f"{DIRECTION_TEXT.get(s.direction, s.direction)}<br>"
                     f"{markdown_text(s.direction_reason)}")
        lines.append(f"| {letters[s.id]} | {title}{where} | {verdict} | {s.coverage:.0%} | "
                     f"{s.score:.2f} | {'yes' if s.credited else 'no'} | "
                     f"{markdown_text(s.published or 'unknown')} | {direction} |")
    return lines + [""]


def _pair_section(result: CheckResult, s: SourceFinding, letters: dict[str, str], open_: bool,
                  head: SourceFinding | None = None) -> list[str]:
    """One source's aligned pairs, in a <details> block (open for a flagged source)."""
    attributed = sum(1 for p in s.pairs if p.attributed)
    name = f"{letters[s.id]} · {markdown_text(s.path or s.id)}"
    if head is not None:
        about = f"also in: near-duplicate of {letters[head.id]}, folded under it"
    elif s.reuses_article:
        about = f"reuses this article: {s.verdict} · {s.coverage:.0%} of it"
    else:
        about = f"{s.verdict} · coverage {s.coverage:.0%}"
    lines = [f"### {name} · {about}", ""]
    lines += [f"<details{' open' if open_ else ''}><summary>{len(s.pairs)} aligned pair"
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
        if pair.label == "translation":
            # Across languages there is no word diff: the original's sentence is shown instead.
            lines += [f"> *original ({markdown_text(s.language or 'other language')}):* "
                      + markdown_text(s.text[pair.source_start:pair.source_end]), ""]
            if pair.diff:
                lines += ["> *in both:* " + markdown_text(
                    ", ".join(result.text[d.start:d.end] for d in pair.diff)), ""]
    return lines + ["</details>", ""]
