"""`provenance check` and `provenance compare`: one article against a corpus or one source."""

from __future__ import annotations

import click

from ..errors import ProvenanceError
from .common import (
    _finish,
    _open_index,
    _settings,
    backend_option,
    config_option,
    fail,
    fail_on_option,
    follow_symlinks_option,
    format_option,
    index_option,
    output_option,
    redis_url_option,
    set_option,
    warn,
)


@click.command()
@click.argument("article", type=click.Path(exists=True, dir_okay=False))
@click.option("--against", multiple=True, type=click.Path(exists=True),
              help="Files or folders of earlier articles (a temporary index); repeatable.")
@index_option
@backend_option
@redis_url_option
@format_option
@output_option
@fail_on_option
@follow_symlinks_option
@set_option
@config_option
def check(article: str, against: tuple[str, ...], index_path: str | None, backend: str,
          redis_url: str | None, fmt: str, output: str | None, fail_on: str | None,
          follow_symlinks: bool, options: tuple[str, ...], config: str | None) -> None:
    """Check ARTICLE against a corpus: which earlier articles it copies or paraphrases.

    Example:

        provenance check new.txt --against corpus/ --format json
    """
    from .. import api
    from ..documents import load_document

    settings = _settings(options, config)
    incomplete = False
    try:
        doc = load_document(article, max_chars=settings.max_article_chars)
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
            result = api.check(doc, index, settings)
    except ProvenanceError as exc:
        raise fail(exc) from None
    _finish(result, fmt, output, fail_on, incomplete)


@click.command()
@click.argument("article", type=click.Path(exists=True, dir_okay=False))
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@format_option
@output_option
@fail_on_option
@set_option
@config_option
def compare(article: str, source: str, fmt: str, output: str | None, fail_on: str | None,
            options: tuple[str, ...], config: str | None) -> None:
    """Compare ARTICLE with one possible SOURCE, sentence by sentence.

    Example:

        provenance compare new.txt wire.txt --format html -o report.html
    """
    from .. import api
    from ..documents import load_document

    settings = _settings(options, config)
    try:
        a = load_document(article, max_chars=settings.max_article_chars)
        b = load_document(source, max_chars=settings.max_article_chars)
        if a.id == b.id:
            b = load_document(source, doc_id=f"{b.id} (source)", max_chars=settings.max_article_chars)
        for w in a.warnings + b.warnings:
            warn(w)
        result = api.compare(a, b, settings)
    except ProvenanceError as exc:
        raise fail(exc) from None
    _finish(result, fmt, output, fail_on, False)
