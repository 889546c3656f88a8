"""The Starlette application: routes, the guard around them, and the error answers."""

from __future__ import annotations

import contextlib

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import ProvenanceError
from . import api, pages
from .config import WebConfig
from .engine import Engine, running
from .inputs import status_for
from .render import error_response
from .security import BodyTooLarge, Guard, Sessions

ROUTES = [
    Route("/", pages.check_page, methods=["GET", "HEAD"]),
    Route("/check", pages.check_submit, methods=["POST"]),
    Route("/jobs/{job}", pages.job_page, methods=["GET", "HEAD"]),
    # The suffixed routes first: "{key}" alone would match "KEY.html" too.
    Route("/results/{key}.html", pages.result_html, methods=["GET", "HEAD"]),
    Route("/results/{key}.json", pages.result_json, methods=["GET", "HEAD"]),
    Route("/results/{key}", pages.result_page, methods=["GET", "HEAD"]),
    Route("/documents", pages.documents_page, methods=["GET", "HEAD"]),
    Route("/documents/{doc_id:path}", pages.document_page, methods=["GET", "HEAD"]),
    Route("/login", pages.login_page, methods=["GET", "HEAD"]),
    Route("/login", pages.login_submit, methods=["POST"]),
    Route("/logout", pages.logout_submit, methods=["POST"]),
    Route("/static/{name}", pages.static_file, methods=["GET", "HEAD"]),
    Route("/favicon.ico", pages.favicon, methods=["GET", "HEAD"]),
    Route("/api/check", api.check, methods=["POST"]),
    Route("/api/health", api.health, methods=["GET", "HEAD"]),
]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(request.scope, exc.status_code, str(exc.detail),
                          dict(exc.headers or {}))


async def _too_large(request: Request, exc: Exception) -> Response:
    return error_response(request.scope, 413, str(exc))


async def _library_error(request: Request, exc: Exception) -> Response:
    return error_response(request.scope, status_for(exc), str(exc))


def create_app(config: WebConfig) -> Starlette:
    """The web app for `config`. Its lifespan starts the check workers: run it under an ASGI
    server (uvicorn) or starlette's TestClient used as a context manager."""
    engine = Engine(config)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):
        async with running(engine):
            yield

    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(Guard, config=config, sessions=(sessions := Sessions()))],
        exception_handlers={HTTPException: _http_error, BodyTooLarge: _too_large,
                            ProvenanceError: _library_error},
        lifespan=lifespan)
    app.state.engine = engine
    app.state.config = config
    app.state.sessions = sessions
    return app
