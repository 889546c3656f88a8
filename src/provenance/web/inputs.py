"""An article as the form or the API gives it, checked before any work is queued: one of text,
URL or file, metadata of sane length; and which HTTP status each library error answers with."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..documents import readable_name, whole_text
from ..errors import ConfigError, IndexError_, InputError, LimitError, ProvenanceError
from ..fetch import is_url
from .engine import Busy, WorkerCrashed
from .work import META_FIELDS, NotInIndex, Submission

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm")
MAX_META_CHARS = 500
MAX_URL_CHARS = 4096
API_FIELDS = frozenset(("text", "url") + META_FIELDS)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadInput(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def status_for(exc: Exception, kind: str = "text") -> int:
    """The HTTP status of a check that failed."""
    if isinstance(exc, BadInput):
        return exc.status
    if isinstance(exc, Busy):
        return 429
    if isinstance(exc, WorkerCrashed):
        return 500
    if isinstance(exc, NotInIndex):
        return 404
    if isinstance(exc, (IndexError_, ConfigError)):
        return 503
    if isinstance(exc, InputError):
        # A URL that cannot be fetched or is refused is understood but not usable (422),
        # even when the page was too large: the request itself was not.
        if kind == "url":
            return 422
        return 413 if isinstance(exc, LimitError) else 400
    if isinstance(exc, ProvenanceError):
        return 400
    return 500


def metadata(values: Mapping[str, object]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in META_FIELDS:
        value = values.get(name)
        if value is None:
            found[name] = None
            continue
        if not isinstance(value, str):
            raise BadInput(f"{name} must be a string")
        value = " ".join(whole_text(value).split())
        if len(value) > MAX_META_CHARS:
            raise BadInput(f"{name}: at most {MAX_META_CHARS} characters")
        found[name] = value or None
    return found


def text_submission(text: object, name: str, meta: dict[str, str | None], max_chars: int,
                    html: bool = True) -> Submission:
    if not isinstance(text, str):
        raise BadInput("text must be a string")
    if not text.strip():
        raise BadInput("empty text: give the article's text")
    # JSON can spell lone surrogates ("\ud800"), which no UTF-8 output could carry.
    text = whole_text(text)
    if len(text) > max_chars:
        raise BadInput(f"the text has {len(text):,} characters, over the maximum article size "
                       f"of {max_chars:,}", 413)
    return Submission("text", text, name, html=html, **meta)


def url_submission(url: object, meta: dict[str, str | None], html: bool = True) -> Submission:
    if not isinstance(url, str):
        raise BadInput("url must be a string")
    url = whole_text(url).strip()
    if not url:
        raise BadInput("empty URL: give the article's web address")
    if len(url) > MAX_URL_CHARS or not is_url(url):
        raise BadInput("not an http or https URL")
    return Submission("url", url, url, html=html, **meta)


def file_submission(filename: str | None, data: bytes, meta: dict[str, str | None]
                    ) -> Submission:
    name = upload_name(filename)
    if not name:
        raise BadInput("no file: choose the article's file")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise BadInput(f"{name}: unsupported file type; upload a .txt, .md, .html or .htm file")
    if not data.strip():
        raise BadInput(f"{name}: empty file")
    return Submission("file", data, name, **meta)


def upload_name(filename: str | None) -> str:
    """The file's own name: no folders (some browsers send a full Windows path), no control
    characters, of printable length."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = _CONTROL.sub("", readable_name(name)).strip()
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:190] + dot + suffix) if dot and len(suffix) < 8 else name[:200]
    return name


def api_submission(payload: object, max_chars: int) -> Submission:
    """`{"text": ...}` or `{"url": ...}`, with optional title, outlet and published."""
    if not isinstance(payload, dict):
        raise BadInput('the body must be a JSON object: {"text": "..."} or {"url": "..."}')
    unknown = sorted(str(k) for k in payload if k not in API_FIELDS)
    if unknown:
        raise BadInput(f"unknown field {unknown[0]!r} (fields: text or url; title, outlet, "
                       "published)")
    has_text, has_url = payload.get("text") is not None, payload.get("url") is not None
    if has_text == has_url:
        raise BadInput('give exactly one of "text" and "url"')
    meta = metadata(payload)
    if has_text:
        # Named as `provenance check -` names standard input, so the JSON is the CLI's.
        return text_submission(payload["text"], "stdin", meta, max_chars, html=False)
    return url_submission(payload["url"], meta, html=False)
