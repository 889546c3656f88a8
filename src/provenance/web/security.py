"""What every request goes through before a page or the API sees it, and what every response
carries: the Host check, the body size cap, the token, CSRF tokens and the security headers.

The server runs on an editor's machine next to their browser, so the threats are other web
pages in that browser (cross-site form posts, DNS rebinding to 127.0.0.1, framing) and, when it
is bound to a network address, anyone on that network: hence a token for every request there.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections import OrderedDict
from urllib.parse import quote

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import WebConfig
from .render import error_response

log = logging.getLogger("provenance.web")

SESSION_COOKIE = "provenance_session"
CSRF_COOKIE = "provenance_csrf"
CSRF_FIELD = "csrf"
# Pages load only their own stylesheet, script and icon; the report is framed from 'self'.
PAGE_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
            "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
OPEN_PATHS = ("/login", "/static/", "/favicon.ico")  # reachable without the token


class BodyTooLarge(Exception):
    """The request body passed the cap while it was being read."""

    def __init__(self, limit: int):
        super().__init__(f"request body over the limit of {limit:,} bytes")
        self.limit = limit


class Sessions:
    """Session ids handed out by the login form, in memory (a restart logs everyone out)."""

    def __init__(self, limit: int = 10_000):
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._limit = limit

    def new(self) -> str:
        sid = secrets.token_urlsafe(32)
        self._ids[sid] = None
        while len(self._ids) > self._limit:
            self._ids.popitem(last=False)
        return sid

    def valid(self, sid: str | None) -> bool:
        return bool(sid) and sid in self._ids

    def end(self, sid: str | None) -> None:
        if sid:
            self._ids.pop(sid, None)


def same_secret(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def cookie(name: str, value: str, secure: bool, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)


def _cookies(headers: Headers) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in headers.getlist("cookie"):
        for part in header.split(";"):
            name, _, value = part.strip().partition("=")
            found.setdefault(name, value)
    return found


def _host_name(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[:end + 1] if end > 0 else None
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def wants_json(scope: Scope) -> bool:
    return scope.get("path", "").startswith("/api/")


class Guard:
    """Pure ASGI middleware (it must see the body as it arrives, which Starlette's
    BaseHTTPMiddleware would buffer)."""

    def __init__(self, app: ASGIApp, config: WebConfig, sessions: Sessions):
        self.app, self.config, self.sessions = app, config, sessions
        self.hosts = config.hosts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = _cookies(headers)
        secure = scope.get("scheme") == "https"
        state = scope.setdefault("state", {})
        csrf = cookies.get(CSRF_COOKIE)
        fresh_csrf = None
        if not csrf or len(csrf) > 100:
            csrf = fresh_csrf = secrets.token_urlsafe(32)
        state["csrf"] = csrf
        state["csrf_cookie"] = cookies.get(CSRF_COOKIE)
        state["session"] = cookies.get(SESSION_COOKIE)
        state["logged_in"] = bool(self.config.token) and self.sessions.valid(state["session"])
        started = False

        async def send_guarded(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                out = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS.items():
                    if name not in out:
                        out[name] = value
                if "content-security-policy" not in out:
                    out["Content-Security-Policy"] = PAGE_CSP
                if "cache-control" not in out:
                    # Pages hold article text: nothing is kept by caches or the back button.
                    out["Cache-Control"] = "no-store"
                if fresh_csrf and not wants_json(scope):
                    out.append("Set-Cookie", cookie(CSRF_COOKIE, fresh_csrf, secure))
            await send(message)

        refusal = self._refusal(scope, headers, cookies)
        if refusal is not None:
            await self._respond(scope, send_guarded, *refusal)
            return
        limit = self.config.max_request_bytes
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            await self._respond(scope, send_guarded, 400, "invalid Content-Length")
            return
        if declared > limit:
            await self._respond(scope, send_guarded, 413, str(BodyTooLarge(limit)))
            return
        received = 0

        async def receive_capped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, receive_capped, send_guarded)
        except BodyTooLarge as exc:
            if started:
                raise
            await self._respond(scope, send_guarded, 413, str(exc))
        except Exception as exc:  # the one catch-all: a line to the client, the trace to the log
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await self._respond(scope, send_guarded, 500,
                                    f"internal error: {type(exc).__name__}")

    def _refusal(self, scope: Scope, headers: Headers, cookies: dict[str, str]
                 ) -> tuple[int, str, dict[str, str]] | None:
        host = _host_name(headers.get("host"))
        if self.hosts is not None and host not in self.hosts:
            return 400, "unknown Host: this server answers to its loopback address only", {}
        method = scope.get("method", "GET")
        origin = headers.get("origin")
        # Another site's origin is refused outright. "null" cannot be: under this app's own
        # Referrer-Policy no-referrer, browsers send it for the app's own forms (the CSRF token
        # is what tells those apart).
        if method not in ("GET", "HEAD") and origin not in (None, "null"):
            expected = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
            if origin.lower() != expected.lower():
                return 403, "cross-origin request refused", {}
        token = self.config.token
        path = scope.get("path", "")
        if not token or path == "/login" or path.startswith(OPEN_PATHS[1:]):
            return None
        auth = headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() == "bearer" and same_secret(given.strip(), token):
            return None
        if self.sessions.valid(cookies.get(SESSION_COOKIE)):
            return None
        if method in ("GET", "HEAD") and not wants_json(scope):
            wanted = path + ("?" + scope["query_string"].decode("latin-1")
                             if scope.get("query_string") else "")
            return 303, "log in first", {"Location": "/login?next=" + quote(wanted, safe="")}
        return 401, "authentication required: give the token (Authorization: Bearer TOKEN)", \
            {"WWW-Authenticate": 'Bearer realm="provenance"'}

    async def _respond(self, scope: Scope, send: Send, status: int, message: str,
                       headers: dict[str, str] | None = None) -> None:
        response = error_response(scope, status, message, headers or {})
        await response(scope, _drain, send)


async def _drain() -> Message:
    return {"type": "http.disconnect"}


def check_csrf(state: dict, given: object) -> bool:
    """The form's hidden token must equal the cookie the browser sent (a page elsewhere can
    make the browser post, but cannot read the cookie or this site's pages to learn it)."""
    return isinstance(given, str) and same_secret(given, state.get("csrf_cookie"))
