"""`provenance serve`: the local web app (provenance.web) under uvicorn."""

from __future__ import annotations

import os

import click

from ..errors import ProvenanceError
from .common import (
    EXIT_USAGE,
    CommandError,
    _index_spec,
    _settings,
    allow_private_urls_option,
    backend_option,
    config_option,
    fail,
    index_option,
    redis_url_option,
    set_option,
    warn,
)

MIN_TOKEN_CHARS = 16


@click.command()
@index_option
@backend_option
@redis_url_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--token", envvar="PROVENANCE_TOKEN", metavar="TOKEN",
              help="Require this token on every request (Authorization: Bearer TOKEN, or the "
                   "login form); also $PROVENANCE_TOKEN, which keeps it out of `ps`.")
@allow_private_urls_option
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Check worker processes  [default: one per core]")
@click.option("--max-body", "max_body_mb", type=click.IntRange(1, 1024), default=8,
              show_default=True, metavar="MB", help="Largest request (upload or JSON) accepted.")
@set_option
@config_option
def serve(index_path: str | None, backend: str, redis_url: str | None, host: str, port: int,
          token: str | None, allow_private_urls: bool, workers: int | None, max_body_mb: int,
          options: tuple[str, ...], config: str | None) -> None:
    """Serve the web app: check articles in a browser, browse the archive, and a JSON API.

    Listens on 127.0.0.1 only unless --host says otherwise, which then needs --token.

    Examples:

    \b
        provenance serve --index corpus.db
        PROVENANCE_TOKEN=$(openssl rand -hex 16) provenance serve --host 0.0.0.0 --index corpus.db
        curl -s localhost:8000/api/check -H 'Content-Type: application/json' -d '{"text": "..."}'
    """
    try:
        import uvicorn

        from ..web import WebConfig, create_app, is_loopback
    except ImportError as exc:
        raise CommandError(f"`provenance serve` needs the web extra ({exc.name} is missing): "
                           "pip install 'news-provenance[web]'", EXIT_USAGE) from None
    token = (token or "").strip() or None
    if not is_loopback(host) and not token:
        raise click.UsageError(f"--host {host} is reachable from other machines: give --token "
                               "(or $PROVENANCE_TOKEN), or keep the default 127.0.0.1")
    if token and len(token) < MIN_TOKEN_CHARS:
        raise click.UsageError(f"--token must have at least {MIN_TOKEN_CHARS} characters")
    settings = _settings(options, config)
    spec = _index_spec(index_path, backend, redis_url)
    try:
        with spec.open() as index:  # fail now, with one line, rather than at the first page
            documents = len(index)
            where = index.location
    except ProvenanceError as exc:
        raise fail(exc) from None
    if token and not is_loopback(host):
        warn("the token travels in clear over plain HTTP: put a TLS proxy in front of the "
             "server on an untrusted network")
    web = WebConfig(index=spec, settings=settings, token=token,
                    allow_private_urls=allow_private_urls, workers=workers or 0,
                    max_request_bytes=max_body_mb * 1024 * 1024,
                    allowed_hosts=() if is_loopback(host) else (host,))
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"provenance: serving {where} ({documents:,} documents) on http://{shown}:{port}/ "
               f"with {web.pool_size()} worker{'s' if web.pool_size() != 1 else ''} "
               "(Ctrl-C to stop)", err=True)
    uvicorn.run(create_app(web), host=host, port=port, log_level=os.environ.get(
        "PROVENANCE_LOG_LEVEL", "warning"), server_header=False, proxy_headers=False,
        access_log=False)
