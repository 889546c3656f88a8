"""`provenance check` and `provenance compare`: one article against a corpus or one source."""

from __future__ import annotations

from dataclasses import replace

import click
from click.core import ParameterSource

from ..errors import ProvenanceError
from .common import (
    CommandError,
    _finish,
    _open_index,
    _settings,
    allow_private_urls_option,
    article_argument,
    backend_option,
    config_option,
    fail_on_option,
    fail_with_result,
    follow_symlinks_option,
    format_option,
    index_option,
    output_option,
    read_article,
    redis_url_option,
    report_format,
    set_option,
    warn,
)


@click.command()
@article_argument()
@click.option("--against", multiple=True, type=click.Path(exists=True),
              help="Files or folders of earlier articles (a temporary index); repeatable.")
@index_option
@backend_option
@redis_url_option
@format_option
@output_option
@fail_on_option
@follow_symlinks_option
@allow_private_urls_option
@set_option
@config_option
@click.pass_context
def check(ctx: click.Context, article: str, against: tuple[str, ...], index_path: str | None,
          backend: str, redis_url: str | None, fmt: str | None, output: str | None,
          fail_on: str | None, follow_symlinks: bool, allow_private_urls: bool,
          options: tuple[str, ...], config: str | None) -> None:
    """Check ARTICLE (a file, `-` for standard input, or an http(s) URL) against a corpus:
    which earlier articles it copies or paraphrases.

    Examples:

    \b
        provenance check new.txt --against corpus/ --format json
        provenance check https://example.com/story --index corpus.db -o report.html
        pbpaste | provenance check - --against corpus/
    """
    from .. import api

    if against and any(ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE
                       for name in ("index_path", "backend", "redis_url")):
        raise click.UsageError("give either --against or an index (--index, --backend), not both")
    report_format(fmt, output)
    settings = _settings(options, config)
    incomplete = False
    try:
        doc = read_article(article, settings, allow_private_urls=allow_private_urls)
        for w in doc.warnings:
            warn(w)
        if against:
            index, failures = api.index_from_paths(against, settings, follow_symlinks=follow_symlinks)
            for f in failures:
                warn(f"skipped: {f.error}")
            incomplete = bool(failures)
        else:
            index = _open_index(index_path, backend, redis_url)
        with index:
            if len(index) == 0:
                # Checking against nothing is no pass: "original" would be a claim never tested.
                where = " ".join(against) if against else index.location
                raise CommandError(f"no article to check against in {where}"
                                   + (f" ({len(failures)} skipped)" if against and failures else ""))
            result = api.check(doc, index, settings)
    except ProvenanceError as exc:
        raise fail_with_result(exc, article, fmt, output, settings) from None
    _finish(result, fmt, output, fail_on, incomplete)


@click.command()
@article_argument()
@article_argument("source")
@format_option
@output_option
@fail_on_option
@allow_private_urls_option
@set_option
@config_option
def compare(article: str, source: str, fmt: str | None, output: str | None, fail_on: str | None,
            allow_private_urls: bool, options: tuple[str, ...], config: str | None) -> None:
    """Compare ARTICLE with one possible SOURCE, sentence by sentence (each a file, `-` for
    standard input, or an http(s) URL).

    Example:

        provenance compare new.txt wire.txt -o report.html
    """
    from .. import api

    if article == source == "-":
        raise click.UsageError("only one of ARTICLE and SOURCE can be standard input")
    report_format(fmt, output)
    settings = _settings(options, config)
    try:
        a = read_article(article, settings, allow_private_urls=allow_private_urls)
        b = read_article(source, settings, allow_private_urls=allow_private_urls)
        if a.id == b.id:
            b = replace(b, id=f"{b.id} (source)")
        for w in a.warnings + b.warnings:
            warn(w)
        result = api.compare(a, b, settings)
    except ProvenanceError as exc:
        raise fail_with_result(exc, article, fmt, output, settings) from None
    _finish(result, fmt, output, fail_on, False)
