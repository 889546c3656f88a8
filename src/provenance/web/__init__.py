"""`provenance serve`: the local web app for editors, over the library.

- `GET /` a form to check an article (pasted, uploaded or by URL); the result is the same
  report as `check --format html`, with a permalink and its JSON and HTML for download
- `GET /documents` the indexed archive, searchable; `GET /documents/ID` what a document reuses
  and what reuses it
- `POST /api/check`, `GET /api/health` the JSON API (the JSON of `check --format json`)

Modules: `config` (WebConfig), `work` (what the check workers run), `engine` (the worker pool,
jobs and the result store), `security` (Host, size caps, token, CSRF, headers), `inputs`
(requests into submissions, errors into statuses), `pages` and `api` (routes), `app`.
"""

from __future__ import annotations

from .config import WebConfig, is_loopback

__all__ = ["WebConfig", "create_app", "is_loopback"]


def create_app(config: WebConfig):  # noqa: ANN201 - starlette is imported only when serving
    from .app import create_app as create

    return create(config)
