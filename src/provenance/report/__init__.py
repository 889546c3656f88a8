"""Renderers. Each reads only the result objects of the library; none recomputes anything."""

from __future__ import annotations

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
