"""Writers for the results of a batch run: a human summary, JUnit XML, SARIF 2.1.0, JSON Lines,
Markdown and GitHub Actions workflow annotations.

Every writer reads only a results.BatchReport and returns text; each output records the tool
version, the settings and policy in force and the index fingerprint (BatchReport.run_info), and
nothing that depends on --jobs, timing or the machine, so the same run gives the same bytes.
Ids, paths, outlets and error messages are untrusted: each writer passes them through the layer
of escape.py for its format.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from ..results import ArticleOutcome, BatchReport, FindingOutcome, Passage
from .escape import (
    github_data,
    github_property,
    json_text,
    markdown_code,
    markdown_text,
    terminal_line,
    xml_text,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SNIPPET_CHARS = 200
# Plain-text formats whose character offsets map to lines and columns of the file itself.
LINE_FORMATS = ("txt", "md")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SPACE = re.compile(r"\s+")

RULES = (
    ("copy", "Copy", "Most of the article reuses this source nearly word for word."),
    ("paraphrase", "Paraphrase", "A substantial part of the article is reworded from this source."),
    ("partial", "PartialReuse", "Some passages of the article are reused from this source."),
)
SUMMARY_TAG = {"failing": "FAIL    ", "reported": "below   ", "licensed": "licensed", "common": "common  ",
               "waived": "waived  "}
SARIF_LEVEL = {"failing": "error", "reported": "warning", "licensed": "note", "common": "note",
               "waived": "note"}


# --- Locations --------------------------------------------------------------------------------


class LineMap:
    """Character offsets to 1-based (line, column) in code points; CR, LF and CRLF end lines."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def passage_span(text: str, passage: Passage) -> tuple[int, int]:
    """The passage's offsets without surrounding white space (so it ends on its last line)."""
    start, end = passage.start, passage.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def region(outcome: ArticleOutcome, passage: Passage, lines: LineMap | None) -> dict[str, int] | None:
    """SARIF region of a passage: line/column range for .txt/.md (end column exclusive), the
    record's line for .jsonl, none (the whole file) for .html."""
    art = outcome.result.article
    if art.format in LINE_FORMATS and lines is not None:
        start, end = passage_span(outcome.result.text, passage)
        sl, sc = lines.position(start)
        el, ec = lines.position(end)
        return {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec}
    if art.format == "jsonl" and art.line:
        return {"startLine": art.line}
    return None


def snippet(text: str, start: int, end: int, limit: int = SNIPPET_CHARS) -> str:
    s = _SPACE.sub(" ", text[start:end]).strip()
    return s if len(s) <= limit else s[:limit - 1].rstrip() + "…"


def flagged_passages(outcome: ArticleOutcome) -> Iterator[tuple[FindingOutcome, Passage]]:
    """Each passage attributed to a flagged source, in article order."""
    by_source = {f.source: f for f in outcome.findings}
    for p in sorted(outcome.result.passages, key=lambda p: (p.start, p.end, p.source)):
        if p.source in by_source:
            yield by_source[p.source], p


def _source_name(f: FindingOutcome) -> str:
    return f"{f.source} ({f.outlet})" if f.outlet else f.source


def _finding_line(f: FindingOutcome) -> str:
    why = f" [{f.status}: {f.reason}]" if f.reason else f" [{f.status}]"
    return f"{f.verdict} of {_source_name(f)}, coverage {f.coverage:.0%}, score {f.score:.2f}{why}"


def _passage_message(outcome: ArticleOutcome, f: FindingOutcome, p: Passage) -> str:
    start, end = passage_span(outcome.result.text, p)
    text = snippet(outcome.result.text, start, end)
    status = {"failing": "", "reported": " (below fail-on)", "licensed": " (licensed source)",
              "common": " (common source)", "waived": f" (waived: {f.reason})"}[f.status]
    return (f"{f.verdict.capitalize()} of {_source_name(f)}{status}: passage score {p.score:.2f}, "
            f"source coverage {f.coverage:.0%}. Passage: \u201c{text}\u201d")


def _location(outcome: ArticleOutcome) -> str:
    where = outcome.path or outcome.id
    return f"{where}:{outcome.line}" if outcome.result.article.format == "jsonl" and outcome.line else where


# --- Human summary ----------------------------------------------------------------------------


def summary_text(report: BatchReport, verbose: bool = False) -> str:
    """A few lines for a terminal: every article that failed, could not be checked or has a
    finding (all articles with `verbose`), then the totals."""
    out = []
    for o in report.outcomes:
        if o.outcome == "error":
            error = o.result.error or "could not be checked"
            where = _location(o)
            out.append(f"ERROR     {error if error.startswith(where) else f'{where}: {error}'}")
            continue
        if not o.findings and not verbose:
            continue
        if not o.findings:
            out.append(f"ok        {_location(o)}: {o.result.verdict}")
        for f in o.findings:
            out.append(f"{SUMMARY_TAG[f.status]}  {_location(o)}: {_finding_line(f)}")
    idx = report.index
    against = f"index {idx['path']}" if idx["kind"] == "index" else "--against " + " ".join(idx["paths"])
    info = report.run_info()
    out.append(
        f"provenance {info['version']} ci: {len(report.outcomes)} articles, {report.count('fail')} failing, "
        f"{report.count('error')} could not be checked, {report.count('pass')} passed "
        f"(fail-on {report.policy.fail_on}; {against}, {idx['documents']} articles, "
        f"fingerprint {idx['fingerprint']})")
    from ..settings import Settings

    defaults = Settings().to_dict()
    changed = [f"{k.replace('_', '-')}={v}" for k, v in info["settings"].items() if defaults.get(k) != v]
    out.append(f"settings: {', '.join(changed) if changed else 'defaults'}")
    for f in report.corpus_failures:
        out.append(f"corpus file skipped: {f.error}")
    if report.ignored:
        out.append(f"ignored {report.ignored} path(s) by the ignore list")
    if report.update is not None:
        u = report.update
        out.append(f"index updated: added {u.added}, replaced {u.updated}, unchanged {u.unchanged}; "
                   f"fingerprint {idx.get('updated_fingerprint')}")
    # Escaped line by line, the report's own words with the rest: whatever a value holds, each
    # entry stays one line and no line can be read as a workflow command in a CI log.
    return "".join(terminal_line(line) + "\n" for line in out)


# --- JSON Lines -------------------------------------------------------------------------------


def json_lines(report: BatchReport) -> str:
    """One `check --format json` object per article (status "error" for unchecked ones), plus a
    `ci` key: the gate's outcome, each flagged source's status and the policy in force."""
    return "".join(json_text(json.dumps(o.to_dict(report.policy), ensure_ascii=False)) + "\n"
                   for o in report.outcomes)


# --- JUnit XML --------------------------------------------------------------------------------


def junit_xml(report: BatchReport) -> str:
    """One test case per article: <failure> for a finding at or over fail-on that no policy
    excuses, <error> for an article that could not be checked; other findings in system-out."""
    n, failures, errors = len(report.outcomes), report.count("fail"), report.count("error")
    counts = {"tests": str(n), "failures": str(failures), "errors": str(errors), "skipped": "0"}
    root = ET.Element("testsuites", {"name": "provenance ci", **{k: counts[k] for k in ("tests", "failures", "errors")}})
    suite = ET.SubElement(root, "testsuite", {"name": "provenance", **counts})
    props = ET.SubElement(suite, "properties")
    info = report.run_info()
    for name, value in (("provenance.version", info["version"]),
                        ("index.fingerprint", info["index"]["fingerprint"]),
                        ("index", _compact(info["index"])), ("settings", _compact(info["settings"])),
                        ("policy", _compact(info["policy"]))):
        ET.SubElement(props, "property", {"name": name, "value": str(value)})
    for o in report.outcomes:
        attrs = {"classname": "provenance.ci", "name": o.id, "file": o.path or o.id}
        if o.line:
            attrs["line"] = str(o.line)
        case = ET.SubElement(suite, "testcase", attrs)
        if o.outcome == "error":
            err = ET.SubElement(case, "error", {"type": "unchecked", "message": o.result.error or "could not be checked"})
            err.text = o.result.error or ""
            continue
        details = _details(o)
        if o.outcome == "fail":
            first = o.failing[0]
            fail = ET.SubElement(case, "failure", {"type": first.verdict, "message": _finding_line(first)})
            fail.text = details
        elif o.findings:
            ET.SubElement(case, "system-out").text = details
    _legal(root)
    ET.indent(root, "  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _legal(root: ET.Element) -> None:
    """Every attribute and text of the tree through escape.xml_text: ElementTree escapes markup
    but writes characters XML 1.0 forbids as they are, which would leave the file unreadable."""
    for element in root.iter():
        element.attrib.update({k: xml_text(v) for k, v in element.attrib.items()})
        if element.text:
            element.text = xml_text(element.text)


def _details(o: ArticleOutcome) -> str:
    lines = [_finding_line(f) for f in o.findings]
    text_lines = LineMap(o.result.text) if o.result.text else None
    for f, p in flagged_passages(o):
        r = region(o, p, text_lines)
        at = f"lines {r['startLine']}-{r.get('endLine', r['startLine'])}" if r else "in the file"
        lines.append(f"  {at}: {f.source}, score {p.score:.2f}")
    return "\n".join(lines)


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# --- SARIF 2.1.0 ------------------------------------------------------------------------------


def _uri(path: str) -> str:
    posix = Path(path).as_posix()
    return Path(path).resolve().as_uri() if os.path.isabs(path) else quote(posix)


def sarif(report: BatchReport) -> str:
    """SARIF 2.1.0: one result per passage of a flagged source, at its line/column range
    (code-point columns, declared with columnKind) for .txt/.md, at the record's line for .jsonl,
    at the file for .html. Articles that could not be checked are tool execution notifications."""
    rule_index = {rid: i for i, (rid, _, _) in enumerate(RULES)}
    rules = [{
        "id": f"provenance/{rid}", "name": name,
        "shortDescription": {"text": desc},
        "defaultConfiguration": {"level": "error"},
    } for rid, name, desc in RULES]
    results = []
    notifications = []
    for o in report.outcomes:
        if o.outcome == "error":
            notifications.append({
                "level": "error", "message": {"text": o.result.error or "could not be checked"},
                "locations": [_physical(o, None)],
                "descriptor": {"id": "provenance/unchecked"},
            })
            continue
        lines = LineMap(o.result.text) if o.result.article.format in LINE_FORMATS else None
        for f, p in flagged_passages(o):
            result: dict[str, Any] = {
                "ruleId": f"provenance/{f.verdict}", "ruleIndex": rule_index[f.verdict],
                "level": SARIF_LEVEL[f.status],
                "message": {"text": _passage_message(o, f, p)},
                "locations": [_physical(o, region(o, p, lines))],
                "partialFingerprints": {"provenancePassage/v1": hashlib.sha256(
                    f"{o.id}\0{f.source}\0{p.source_start}\0{p.source_end}".encode()).hexdigest()},
                "properties": {"source": f.source, "outlet": f.outlet, "verdict": f.verdict,
                               "status": f.status, "reason": f.reason, "passageScore": round(p.score, 4),
                               "sourceCoverage": round(f.coverage, 4), "sourceScore": round(f.score, 4),
                               "sourceStart": p.source_start, "sourceEnd": p.source_end},
            }
            if f.status == "waived":
                result["suppressions"] = [{"kind": "external", "status": "accepted",
                                           "justification": f.reason}]
            results.append(result)
    info = report.run_info()
    run = {
        "tool": {"driver": {"name": "provenance", "version": info["version"],
                            "semanticVersion": info["version"], "rules": rules}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": not report.incomplete,
                         "toolExecutionNotifications": notifications}],
        "results": results,
        "properties": info,
    }
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json_text(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def _physical(o: ArticleOutcome, reg: dict[str, int] | None) -> dict[str, Any]:
    loc: dict[str, Any] = {"artifactLocation": {"uri": _uri(o.path or o.id)}}
    if reg is None and o.result.article.format in ("jsonl", "unknown") and o.line:
        reg = {"startLine": o.line}
    if reg:
        loc["region"] = reg
    return {"physicalLocation": loc}


# --- Markdown ---------------------------------------------------------------------------------


def _cell_code(value: str) -> str:
    return markdown_code(value, in_table=True)


def markdown(report: BatchReport) -> str:
    """A summary for a CI job summary or a pull-request comment: totals, the articles that could
    not be checked, one table per kind of finding (failing, below fail-on, licensed, common,
    waived), the waivers in force, and the tool, settings and index in a fold."""
    n = len(report.outcomes)
    fails, errors = report.count("fail"), report.count("error")
    head = "❌" if fails else ("⚠️" if report.incomplete else "✅")
    out = [f"## {head} provenance ci: {fails} failing, {errors} could not be checked, "
           f"{report.count('pass')} passed ({n} articles)", ""]
    idx = report.index
    out.append(f"Fail-on **{report.policy.fail_on}**; checked against {idx['documents']} articles "
               f"(index fingerprint `{idx['fingerprint']}`).")
    out.append("")
    errors_rows = [f"| {_cell_code(_location(o))} | "
                   f"{markdown_text(o.result.error or 'could not be checked')} |"
                   for o in report.outcomes if o.outcome == "error"]
    if errors_rows:
        out += ["### ⚠️ Could not be checked", "", "| Article | Error |", "|---|---|", *errors_rows, ""]
    # Each kind of finding in its own table: failures, reuse below fail-on, licensed reuse
    # (the allowlist), common sources, reviewed waivers.
    for status, title in (("failing", "❌ Failing"), ("reported", "Reported (below fail-on)"),
                          ("licensed", "Licensed sources (allowlist)"), ("common", "Common sources"),
                          ("waived", "Waived after review")):
        rows = [f"| {_cell_code(_location(o))} | {f.verdict} | {_cell_code(f.source)} | "
                f"{markdown_text(f.outlet or '—')} | {f.coverage:.0%} | {f.score:.2f} |"
                + (f" {markdown_text(f.reason or '')} |" if status != "failing" else "")
                for o in report.outcomes for f in o.findings if f.status == status]
        if rows:
            extra = (" Reason |", "---|") if status != "failing" else ("", "")
            out += [f"### {title}", "", "| Article | Verdict | Source | Outlet | Coverage | Score |" + extra[0],
                    "|---|---|---|---|---|---|" + extra[1], *rows, ""]
    clean = sum(1 for o in report.outcomes if o.outcome == "pass" and not o.findings)
    out.append(f"{clean} article(s) passed with no flagged source.")
    if report.corpus_failures:
        out += ["", "**Corpus files that could not be read:**", ""]
        out += [f"- {markdown_code(f.path)}: {markdown_text(f.error)}"
                for f in report.corpus_failures]
    if report.policy.waivers:
        out += ["", "**Waivers in force:**", ""]
        out += [f"- {markdown_code(w.article)} may reuse {markdown_code(w.source)}: "
                f"{markdown_text(w.reason)}"
                for w in report.policy.waivers]
    if report.update is not None:
        u = report.update
        out += ["", f"Index updated: added {u.added}, replaced {u.updated}, unchanged {u.unchanged} "
                f"(new fingerprint `{idx.get('updated_fingerprint')}`)."]
    # One value per line, each after its indentation and a quote: no value can close the fence.
    run_info = json.dumps(report.run_info(), indent=2, sort_keys=True, ensure_ascii=False)
    out += ["", "<details><summary>Tool, settings and index</summary>", "", "```json",
            json_text(run_info), "```", "", "</details>", ""]
    return "\n".join(out)


# --- GitHub Actions ---------------------------------------------------------------------------


_escape_data, _escape_property = github_data, github_property  # their names before escape.py


def github_annotations(report: BatchReport) -> list[str]:
    """Workflow commands (`::error file=...,line=...::message`) for GitHub Actions: an error per
    failing passage or unchecked article, a warning below fail-on, a notice for excused reuse."""
    commands = []
    kind = {"failing": "error", "reported": "warning", "licensed": "notice", "common": "notice",
            "waived": "notice"}
    for o in report.outcomes:
        file = o.path or o.id
        if o.outcome == "error":
            props = f"file={github_property(file)}" + (f",line={o.line}" if o.line else "")
            commands.append(f"::error {props},title=provenance%3A could not check::"
                            f"{github_data(o.result.error or 'could not be checked')}")
            continue
        lines = LineMap(o.result.text) if o.result.article.format in LINE_FORMATS else None
        for f, p in flagged_passages(o):
            r = region(o, p, lines)
            props = f"file={github_property(file)}"
            if r:
                props += f",line={r['startLine']},endLine={r.get('endLine', r['startLine'])}"
            title = github_property(f"provenance: {f.verdict} of {f.source}")
            message = github_data(_passage_message(o, f, p))
            commands.append(f"::{kind[f.status]} {props},title={title}::{message}")
    return commands
