"""What the HTML pages and the terminal renderers share: one jinja2 set-up that escapes every
value (autoescape, and control and bidi characters shown: escape.html_text), the hash a strict
Content-Security-Policy names an inline style or script by, and whether to print in colour."""

from __future__ import annotations

import base64
import hashlib
import os
import sys
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .escape import html_text


def _finalize(value: Any) -> Any:
    """Every value a template prints, before autoescaping: control and bidi characters shown
    (escape.html_text). Markup, such as the output of `join`, escaped its items already but
    kept those characters; the markers it gets contain nothing HTML would read as markup."""
    if isinstance(value, Markup):
        return Markup(html_text(value))
    if isinstance(value, str):
        return html_text(value)
    return value


def environment(package: str = "provenance", keep_trailing_newline: bool = True) -> Environment:
    """A new jinja2 environment over a package's templates (callers cache their own, with
    their filters): the reports' by default, the web app's pages with package="provenance.web"."""
    return Environment(loader=PackageLoader(package, "templates"), finalize=_finalize,
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=keep_trailing_newline)


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly this inline style or script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def use_colour(color: bool | None) -> bool:
    """Whether to emit colour: the caller's choice, else a terminal without NO_COLOR or
    TERM=dumb."""
    if color is not None:
        return color
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
