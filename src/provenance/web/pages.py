"""The HTML pages: check, working, result, archive, document, login."""

from __future__ import annotations

import asyncio
import html
import re
import time
from importlib import resources
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..errors import ProvenanceError
from . import work
from .engine import Engine, Job
from .inputs import (
    BadInput,
    file_submission,
    metadata,
    status_for,
    text_submission,
    url_submission,
)
from .render import page
from .security import CSRF_FIELD, SESSION_COOKIE, check_csrf, cookie, same_secret
from .work import Submission

SOURCES = ("text", "url", "file")
FAILED_LOGIN_DELAY = 0.5
_KEY = re.compile(r"[0-9a-f]{32}")
_REPORT_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"')


def _engine(request: Request) -> Engine:
    return request.app.state.engine


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _require_csrf(request: Request, form: Any) -> None:
    if not check_csrf(request.scope.get("state", {}), form.get(CSRF_FIELD)):
        raise HTTPException(403, "the form has expired or did not come from this site: "
                                 "reload the page and submit it again")


# --- Check ---------------------------------------------------------------------------------


async def _documents(engine: Engine) -> tuple[int | None, str | None]:
    try:
        return await engine.lookup(work.count), None
    except ProvenanceError as exc:
        return None, str(exc)


async def check_page(request: Request, *, status: int = 200, error: str | None = None,
                     values: dict[str, Any] | None = None) -> Response:
    engine = _engine(request)
    documents, unavailable = await _documents(engine)
    values = values or {}
    config = engine.config
    return page(request.scope, "check.html.j2", status, nav="check", error=error,
                documents=documents, unavailable=unavailable,
                source=values.get("source") or "text", text=values.get("text") or "",
                url=values.get("url") or "", title=values.get("title") or "",
                outlet=values.get("outlet") or "", published=values.get("published") or "",
                allow_private=config.allow_private_urls,
                max_mb=max(1, config.max_request_bytes // (1024 * 1024)))


def _values(sub: Submission | None, form: Any = None) -> dict[str, Any]:
    """What the form showed, to show it again with an error."""
    if sub is not None:
        return {"source": sub.kind, "text": sub.data if sub.kind == "text" else "",
                "url": sub.data if sub.kind == "url" else "", "title": sub.title,
                "outlet": sub.outlet, "published": sub.published}
    if form is None:
        return {}
    return {k: v for k in ("source", "text", "url", "title", "outlet", "published")
            if isinstance(v := form.get(k), str)}


async def _submission(form: Any, max_chars: int) -> Submission:
    source = form.get("source")
    if source not in SOURCES:
        raise BadInput("choose how to give the article: text, URL or file")
    meta = metadata({k: form.get(k) for k in ("title", "outlet", "published")})
    if source == "text":
        return text_submission(form.get("text") or "", "pasted text", meta, max_chars)
    if source == "url":
        return url_submission(form.get("url") or "", meta)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise BadInput("no file: choose the article's file")
    return file_submission(upload.filename, await upload.read(), meta)


async def check_submit(request: Request) -> Response:
    engine = _engine(request)
    limit = engine.config.max_request_bytes
    async with request.form(max_files=1, max_fields=20, max_part_size=limit) as form:
        _require_csrf(request, form)
        try:
            sub = await _submission(form, engine.config.settings.max_article_chars)
        except BadInput as exc:
            return await check_page(request, status=exc.status, error=str(exc),
                                    values=_values(None, form))
    job = engine.start_job(sub)
    return await _job_answer(request, job, engine.config.form_wait)


async def _job_answer(request: Request, job: Job, wait: float) -> Response:
    try:
        outcome = await Engine.wait(job.task, wait)
    except ProvenanceError as exc:
        return await check_page(request, status=status_for(exc, job.submission.kind),
                                error=str(exc), values=_values(job.submission))
    if outcome is None:
        return _see_other(f"/jobs/{job.id}")
    return _see_other(f"/results/{outcome.key}")


async def job_page(request: Request) -> Response:
    job = _engine(request).jobs.get(request.path_params["job"])
    if job is None:
        raise HTTPException(404, "no such check (the server forgets old ones): check the "
                                 "article again")
    if not job.task.done():
        sub = job.submission
        what = {"url": "fetching and checking", "file": "checking the file"}.get(sub.kind,
                                                                                "checking")
        return page(request.scope, "working.html.j2", nav="check", what=what, name=sub.name,
                    elapsed=int(time.monotonic() - job.started), refresh=1)
    return await _job_answer(request, job, 0)


# --- Results -------------------------------------------------------------------------------


def _outcome(request: Request) -> work.Outcome:
    key = request.path_params["key"]
    outcome = _engine(request).results.get(key) if _KEY.fullmatch(key) else None
    if outcome is None:
        raise HTTPException(404, "this result is no longer kept (the server keeps the most "
                                 "recent ones in memory): check the article again")
    return outcome


async def result_page(request: Request) -> Response:
    outcome = _outcome(request)
    permalink = str(request.url.replace(query="", fragment=""))
    return page(request.scope, "result.html.j2", nav="check", o=outcome, key=outcome.key,
                article=outcome.article, permalink=permalink)


def _download(request: Request, name: str) -> dict[str, str]:
    if request.query_params.get("download"):
        return {"Content-Disposition": f'attachment; filename="{name}"'}
    return {}


async def result_html(request: Request) -> Response:
    outcome = _outcome(request)
    found = _REPORT_CSP.search(outcome.html)
    # The report pins its own style and script by hash in a meta tag; the header says the
    # same (both apply, so neither may allow more) and adds what a meta tag cannot say: that
    # only this app's pages may frame it.
    policy = html.unescape(found.group(1)) if found else "default-src 'none'"
    headers = {"Content-Security-Policy": f"{policy}; frame-ancestors 'self'",
               "X-Frame-Options": "SAMEORIGIN"}
    headers |= _download(request, f"provenance-{outcome.key}.html")
    return Response(outcome.html, media_type="text/html; charset=utf-8", headers=headers)


async def result_json(request: Request) -> Response:
    outcome = _outcome(request)
    return Response(outcome.json, media_type="application/json",
                    headers=_download(request, f"provenance-{outcome.key}.json"))


# --- The archive ---------------------------------------------------------------------------


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


async def documents_page(request: Request) -> Response:
    engine = _engine(request)
    query = (request.query_params.get("q") or "").strip()[:200]
    try:
        rows = await engine.archive()
    except ProvenanceError as exc:
        raise HTTPException(status_for(exc), str(exc)) from None
    if query:
        needle = query.casefold()
        rows = [r for r in rows if any(needle in (v or "").casefold()
                                       for v in (r.id, r.title, r.outlet, r.published))]
    size = engine.config.page_size
    pages = max(1, -(-len(rows) // size))
    number = min(_page_number(request), pages)
    shown = rows[(number - 1) * size:number * size]
    return page(request.scope, "documents.html.j2", nav="archive", rows=shown, q=query,
                total=len(rows), number=number, pages=pages, first=(number - 1) * size + 1)


async def document_page(request: Request) -> Response:
    engine = _engine(request)
    doc_id = request.path_params["doc_id"]
    try:
        view, fingerprint = await engine.cached_view(doc_id)
        if view is None:
            if await engine.lookup(work.document_ref, doc_id) is None:
                raise HTTPException(404, f"no document {doc_id!r} in the index")
            view = await Engine.wait(engine.document_task(doc_id, fingerprint),
                                     engine.config.form_wait)
    except ProvenanceError as exc:
        raise HTTPException(status_for(exc), str(exc)) from None
    if view is None:
        return page(request.scope, "working.html.j2", nav="archive", name=doc_id,
                    what="checking what it reuses and what reuses it", elapsed=None,
                    refresh=1)
    return page(request.scope, "document.html.j2", nav="archive", v=view, doc=view.document,
                reuse_checks=engine.config.reuse_checks)


# --- Logging in ----------------------------------------------------------------------------


def _next(value: object) -> str:
    # Only a path on this site: "//evil.example" and "/\evil.example" leave it.
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


async def login_page(request: Request) -> Response:
    if not request.app.state.config.token:
        return _see_other("/")
    return page(request.scope, "login.html.j2", next=_next(request.query_params.get("next")),
                error=None)


async def login_submit(request: Request) -> Response:
    config = request.app.state.config
    async with request.form(max_files=0, max_fields=5) as form:
        _require_csrf(request, form)
        given, target = form.get("token"), _next(form.get("next"))
    if not config.token:
        return _see_other("/")
    if not isinstance(given, str) or not same_secret(given.strip(), config.token):
        await asyncio.sleep(FAILED_LOGIN_DELAY)  # guessing costs time; other requests go on
        return page(request.scope, "login.html.j2", 401, next=target,
                    error="That is not the server's token.")
    response = _see_other(target)
    response.headers.append("Set-Cookie", cookie(SESSION_COOKIE, request.app.state.sessions.new(),
                                                 request.url.scheme == "https"))
    return response


async def logout_submit(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=5) as form:
        _require_csrf(request, form)
    request.app.state.sessions.end(request.scope.get("state", {}).get("session"))
    response = _see_other("/login" if request.app.state.config.token else "/")
    response.headers.append("Set-Cookie", cookie(SESSION_COOKIE, "", request.url.scheme == "https",
                                                 max_age=0))
    return response


# --- Static files --------------------------------------------------------------------------

STATIC = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
          "icon.svg": "image/svg+xml"}


def _static_bytes(name: str) -> bytes:
    return resources.files("provenance.web").joinpath("static", name).read_bytes()


async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC:
        raise HTTPException(404, "no such file")
    return Response(_static_bytes(name), media_type=STATIC[name],
                    headers={"Cache-Control": "no-cache"})


async def favicon(request: Request) -> Response:
    return Response(_static_bytes("icon.svg"), media_type="image/svg+xml",
                    headers={"Cache-Control": "max-age=86400"})
