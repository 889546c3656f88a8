"""Pages and error answers: one jinja2 environment and the one JSON error shape.

Every value a template prints is autoescaped, and its control and bidi characters are made
visible first (`escape.html_text`, as the HTML report does): titles, outlets, ids and URLs come
from whoever wrote the articles.
"""

from __future__ import annotations

import http
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Scope

from ..report._page import environment as report_environment


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = report_environment("provenance.web", keep_trailing_newline=False)
    env.filters["pct"] = lambda x: f"{x:.0%}"
    # Ids are file paths ("gen/000123.txt", "a b#2.txt"): one path segment in a link.
    env.filters["urlid"] = lambda x: quote(str(x), safe="")
    env.filters["urlq"] = lambda x: quote(str(x), safe="")
    return env


def page(scope: Scope, template: str, status: int = 200, headers: dict[str, str] | None = None,
         **context: Any) -> HTMLResponse:
    state = scope.get("state", {})
    context.setdefault("nav", "")
    html = environment().get_template(template).render(
        csrf=state.get("csrf", ""), logged_in=bool(state.get("logged_in")), **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(scope: Scope, status: int, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    """The answer for a refused or failed request: JSON under /api/, a page elsewhere; a
    redirect when `status` is one."""
    if 300 <= status < 400:
        return Response(status_code=status, headers=headers)
    if scope.get("path", "").startswith("/api/"):
        return json_error(status, message, headers)
    return page(scope, "error.html.j2", status, headers, code=status, title=phrase(status),
                message=message)
