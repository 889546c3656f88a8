"""`provenance index add|list|remove|info`: manage the persistent index (either back end)."""

from __future__ import annotations

import sys

import click

from ..documents import SUPPORTED
from ..errors import ProvenanceError
from ..report.escape import terminal_line
from .common import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    _open_index,
    _settings,
    backend_option,
    config_option,
    fail,
    follow_symlinks_option,
    index_option,
    progress_bar,
    redis_url_option,
    set_option,
    warn,
)


@click.group()
def index() -> None:
    """Manage the persistent index of earlier articles."""


@index.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@index_option
@backend_option
@redis_url_option
@follow_symlinks_option
@click.option("--xlang", "embed", is_flag=True, default=None,
              help="Also store cross-language sentence vectors (the xlang extra), so articles in "
                   "other languages find these; an index that has them keeps storing them.")
@set_option
@config_option
def index_add(paths: tuple[str, ...], index_path: str | None, backend: str, redis_url: str | None,
              follow_symlinks: bool, embed: bool | None, options: tuple[str, ...],
              config: str | None) -> None:
    """Add files and folders of articles to the index (created if missing).

    Re-adding an unchanged article does nothing; a changed one replaces its entry. Files that
    cannot be read are reported and skipped; the rest are added (exit 3 if any was skipped).

    Example:

        provenance index add corpus/ --index corpus.db
    """
    from ..documents import Document, LoadFailure, iter_documents

    settings = _settings(options, config)
    failures: list[LoadFailure] = []

    progress, stop = progress_bar("indexing")
    read = 0

    def documents():
        nonlocal read
        for item in iter_documents(paths, max_chars=settings.max_article_chars,
                                   follow_symlinks=follow_symlinks):
            if isinstance(item, LoadFailure):
                failures.append(item)
                warn(f"skipped: {item.error}")
            else:
                assert isinstance(item, Document)
                for w in item.warnings:
                    warn(w)
                read += 1
                if progress:
                    progress(read, None)
                yield item

    try:
        with _open_index(index_path, backend, redis_url, create=True,
                         params=settings.sketch_params()) as idx:
            report = idx.add(documents(), embed=embed or None)
            total = len(idx)
    except ProvenanceError as exc:
        raise fail(exc) from None
    finally:
        stop()
    click.echo(f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
               f"skipped {len(failures)}; the index holds {total} articles")
    if not (report.added or report.updated or report.unchanged):
        # Adding nothing is no success: a wrong path or a folder of PDFs should not look done.
        raise CommandError(f"no article found under {' '.join(paths)} (supported: {SUPPORTED})")
    sys.exit(EXIT_INCOMPLETE if failures else EXIT_OK)


@index.command("list")
@index_option
@backend_option
@redis_url_option
def index_list(index_path: str | None, backend: str, redis_url: str | None) -> None:
    """List the articles in the index: id, outlet, published date, path."""
    try:
        with _open_index(index_path, backend, redis_url) as idx:
            for doc_id, path, meta in idx.list():
                # Ids, outlets and paths are the articles' own: one safe line each.
                click.echo("\t".join(terminal_line(v) for v in (
                    doc_id, meta.get("outlet") or "-", meta.get("published") or "-", path or "-")))
    except ProvenanceError as exc:
        raise fail(exc) from None


@index.command("remove")
@click.argument("doc_id", metavar="ID")
@index_option
@backend_option
@redis_url_option
def index_remove(doc_id: str, index_path: str | None, backend: str, redis_url: str | None) -> None:
    """Remove the article with this ID from the index."""
    try:
        with _open_index(index_path, backend, redis_url) as idx:
            removed = idx.remove(doc_id)
    except ProvenanceError as exc:
        raise fail(exc) from None
    if not removed:
        raise CommandError(f"no article with id {doc_id!r} in the index", EXIT_USAGE)
    click.echo(f"removed {terminal_line(doc_id)}")


@index.command("info")
@index_option
@backend_option
@redis_url_option
@click.option("--json", "as_json", is_flag=True, help="Print the information as JSON.")
def index_info(index_path: str | None, backend: str, redis_url: str | None, as_json: bool) -> None:
    """Show the index's location, size, format version, parameters and fingerprint."""
    import json

    try:
        with _open_index(index_path, backend, redis_url) as idx:
            info = idx.info()
    except ProvenanceError as exc:
        raise fail(exc) from None
    if as_json:
        click.echo(json.dumps(info, indent=2, sort_keys=True))
        return
    for key, value in info.items():
        click.echo(f"{key}: {terminal_line(value)}")
