"""One escaping layer per output kind, for untrusted text.

Every piece of article text and metadata (title, outlet, author, url, id, file path, sentence,
warning, error message) comes from whoever wrote the files, so every renderer passes it through
the function of this module made for its output, and only its own markup around it.

Common to every layer (`reveal`): characters that would hide, move or reorder text are shown
instead of kept. Bidi controls become a marker such as ⟨U+202E⟩ (an override can make a file
name or a sentence read backwards); C0 and C1 controls, DEL, lone surrogates and U+FFFE/U+FFFF
become backslash escapes such as \\x1b or \\ud800 (they drive terminals, are illegal in XML and
cannot be encoded as UTF-8). Tab, LF and CR are left to each layer, which knows whether a
value may span lines.

- `terminal_line`: one value on one line of a terminal or CI log
- `github_data`, `github_property`: the message and the properties of a workflow command
- `markdown_text`, `markdown_code`: GitHub-flavoured Markdown text and code spans
- `xml_text`: XML 1.0 text or attribute value (ElementTree adds the entities)
- `html_text`: HTML text or attribute value (jinja2's autoescaping adds the entities)
- `json_text`: serialised JSON with hidden characters as \\u escapes (the same data)
"""

from __future__ import annotations

import re

BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_HIDDEN = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff{BIDI}]")
_BIDI = re.compile(f"[{BIDI}]")
LINE_MARK = " \u23ce "  # ⏎: where a value had a line break
_LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029]")
_SPACE = re.compile(r"\s+")


def _shown(match: re.Match[str]) -> str:
    ch = match.group()
    if _BIDI.match(ch):
        return f"\u27e8U+{ord(ch):04X}\u27e9"
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def reveal(value: object) -> str:
    """`value` as text with bidi controls as ⟨U+202E⟩ markers and other hidden characters (C0
    but tab, LF and CR; DEL; C1; lone surrogates; U+FFFE, U+FFFF) as \\x1b-style escapes."""
    return _HIDDEN.sub(_shown, str(value))


# --- Terminal and CI logs ---------------------------------------------------------------------

# GitHub's runner reads a line as a workflow command when it starts with "::" after leading
# white space, and (the older syntax) wherever "##[" appears in it. A colon before a colon and a
# '#' before "#[" are escaped everywhere, not only at the start, so that no wrapping or
# shortening of a line can bring one to the front.
_COMMAND = re.compile(r":(?=:)|#(?=#\[)")


def terminal_line(value: object) -> str:
    """One untrusted value made safe for one line of terminal output: line breaks become
    ' ⏎ ', tabs spaces, control and bidi characters visible escapes (see `reveal`), and no
    workflow command can start (':' before ':' as \\x3a, '#' before '#[' as \\x23)."""
    text = _LINE_BREAK.sub(LINE_MARK, str(value)).replace("\t", " ")
    return _COMMAND.sub(lambda m: f"\\x{ord(m.group()):02x}", reveal(text))


# --- GitHub Actions workflow commands ---------------------------------------------------------


def github_data(value: object) -> str:
    """The message of a workflow command (after the second '::'): percent-encoded as the runner
    decodes it ('%', CR, LF), so the command stays one line, with hidden characters revealed."""
    return reveal(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(value: object) -> str:
    """A property value of a workflow command (file=..., title=...): as `github_data`, and ':'
    and ',' encoded too, so a value cannot end the property list or add a property."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


# --- Markdown ---------------------------------------------------------------------------------

# ASCII punctuation that GFM may read as markup anywhere in a line ($ starts GitHub's maths);
# a backslash makes each literal. "-", "+" and "1." only matter at the start of a line.
_MD_SPECIAL = set("\\`*_{}[]()#!|~$")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# GitHub links a bare "scheme://host" at its ':' and "www.host" at its 'w'; an escaped ':' or '.'
# is the same character to the reader but no longer starts a link (cmark-gfm's autolink
# extension matches on the unescaped source).
_AUTOLINK = re.compile(r":(?=//)|(?<=www)\.", re.IGNORECASE)


def markdown_text(value: object) -> str:
    """`value` as literal GitHub-flavoured Markdown text, safe in a paragraph, a heading or a
    table cell: one line (white space collapsed), hidden characters revealed, markup characters
    backslash-escaped, HTML characters as entities, bare URLs not linked, and '@' followed by a
    zero-width space so that no GitHub user is mentioned."""
    text = reveal(_SPACE.sub(" ", str(value)))
    match = _LINE_START.match(text)
    lead = ""
    if match:  # a list marker, heading underline or quote marker where a line may start
        spaces, marker = match.group(1), match.group(2)
        if marker[0].isdigit():  # "1." or "1)": escape the punctuation after the number
            lead, text = spaces + marker + "\\" + text[match.end()], text[match.end() + 1:]
        else:
            lead, text = spaces + _HTML.get(marker, "\\" + marker), text[match.end():]
    linkable = {m.start() for m in _AUTOLINK.finditer(text)}
    out = [lead]
    for i, ch in enumerate(text):
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_SPECIAL or i in linkable:
            out.append("\\" + ch)
        elif ch == "@":
            out.append("@\u200b")
        else:
            out.append(ch)
    return "".join(out)


def markdown_code(value: object, *, in_table: bool = False) -> str:
    """`value` as a GFM code span: a fence of more backticks than any run inside it, so a name
    with backticks cannot close it early; one line; hidden characters revealed. In a table cell
    each '|' is written '\\|' (GFM removes that backslash before the code span is read)."""
    text = reveal(_SPACE.sub(" ", str(value)))
    if in_table:
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    # CommonMark strips one space at each end of a code span: padding keeps an edge backtick
    # apart from the fence and an edge space as typed.
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# --- XML, HTML, JSON --------------------------------------------------------------------------


def xml_text(value: object) -> str:
    """`value` with only characters XML 1.0 allows (tab, LF and CR kept; every other hidden
    character revealed), so an ElementTree serialisation of it is always well-formed."""
    return reveal(value)


def html_text(value: object) -> str:
    """`value` for an HTML page, before autoescaping: controls are not allowed in HTML text and
    bidi controls would reorder what the reader sees, so both are revealed."""
    return reveal(value)


def json_text(text: str) -> str:
    """Serialised JSON (json.dumps with ensure_ascii=False) with every hidden character written
    as a \\u escape: the same data for any JSON reader, but visible to a person and always
    encodable as UTF-8 (a lone surrogate, possible in JSON input, is not)."""
    return _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
