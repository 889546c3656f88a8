"""The JSON API: `POST /api/check` answers what `provenance check --format json` prints;
`GET /api/health`. Every error is `{"error": "..."}` with its status, never a traceback."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import ProvenanceError
from . import work
from .engine import Engine
from .inputs import BadInput, api_submission, status_for
from .render import json_error


async def check(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        # Also what keeps other sites out: a page elsewhere can post a form or text/plain to
        # 127.0.0.1 unasked, but not JSON (that needs a CORS preflight, which is never granted).
        return json_error(415, "send the article as JSON (Content-Type: application/json)")
    body = await request.body()  # read under the size cap (security.Guard)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:
        return json_error(400, f"invalid JSON: {getattr(exc, 'msg', None) or exc}")
    kind = "url" if isinstance(payload, dict) and payload.get("url") is not None else "text"
    try:
        sub = api_submission(payload, engine.config.settings.max_article_chars)
        outcome = await engine.check(sub)
    except (BadInput, ProvenanceError) as exc:
        return json_error(status_for(exc, kind), str(exc))
    return Response(outcome.json, media_type="application/json")


async def health(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    try:
        documents = await engine.lookup(work.count)
    except ProvenanceError as exc:
        return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "documents": documents})
