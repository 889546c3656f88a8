"""Renderers. Each reads only the result objects of the library; none recomputes anything.

- `render(result, fmt)`: one check as text, JSON, Markdown or HTML (terminal, markdown, html)
- `ci`: a batch run as a summary, JUnit XML, SARIF, JSON Lines, Markdown, GitHub annotations
- `escape`: the one escaping layer per output kind that every renderer passes untrusted text
  through (article text and metadata, ids, paths, warnings)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..results import CheckResult


def render(result: CheckResult, fmt: str, *, color: bool | None = None, width: int | None = None) -> str:
    """Render a result as "text", "json", "markdown" or "html"."""
    if fmt == "json":
        return result.to_json() + "\n"
    if fmt == "text":
        from .terminal import render_text

        return render_text(result, color=color, width=width)
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(result)
    if fmt == "html":
        from .html import render_html

        return render_html(result)
    raise ValueError(f"unknown format {fmt!r}")


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8, LF) so readers see the old file or the whole new one.

    Raises OSError when the file cannot be written.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".",
                               prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the report from other users
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
