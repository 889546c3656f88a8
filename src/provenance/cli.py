"""Command-line interface: parses, calls one library function, renders. Exit codes:

0 completed, no finding at or over --fail-on; 1 a finding at or over --fail-on; 2 usage or
configuration error (click's convention); 3 no finding, but something could not be checked.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import ProvenanceError

EXIT_OK, EXIT_FINDING, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3
FORMATS = ("text", "json", "markdown", "html")
FAIL_LEVELS = ("copy", "paraphrase", "partial")


class CommandError(click.ClickException):
    """An error that is not a usage error: one line on stderr, the contract's exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_INCOMPLETE):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"provenance: error: {self.format_message()}", err=True)


def fail(exc: ProvenanceError) -> CommandError:
    return CommandError(str(exc), exc.exit_code)


def warn(message: str) -> None:
    click.echo(f"provenance: warning: {message}", err=True)


def _settings(options: tuple[str, ...], config: str | None):
    from .config import load_settings

    try:
        return load_settings(config, options)
    except ProvenanceError as exc:
        raise fail(exc) from None


def _emit(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{output}: cannot write report: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=not text.endswith("\n"))


def _render(result: Any, fmt: str, output: str | None) -> None:
    from .report import render

    color = None if output is None else False
    _emit(render(result, fmt, color=color), output)


def _finish(result: Any, fmt: str, output: str | None, fail_on: str | None, incomplete: bool) -> None:
    """Render a check's result and exit with the contract's code."""
    _render(result, fmt, output)
    sys.exit(_exit_code([s.verdict for s in result.findings], fail_on, incomplete))


def _exit_code(findings: list[str], fail_on: str | None, incomplete: bool) -> int:
    from .settings import level_at_least

    if fail_on and any(level_at_least(v, fail_on) for v in findings):
        return EXIT_FINDING
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
                             show_default=True, help="Report format.")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False),
                             help="Write the report to this file instead of stdout.")
fail_on_option = click.option("--fail-on", type=click.Choice(FAIL_LEVELS), default=None,
                              help="Exit 1 when a source's verdict is at or over this level.")
set_option = click.option("--set", "options", multiple=True, metavar="KEY=VALUE",
                          help="Override a setting (e.g. --set paraphrase=0.65); repeatable.")
config_option = click.option("--config", type=click.Path(exists=True, dir_okay=False),
                             help="A provenance.toml or pyproject.toml with [tool.provenance].")
# Readability is left to Index.open, so an unreadable index exits 3 like a corrupt one.
index_option = click.option("--index", "index_path", type=click.Path(dir_okay=False, readable=False),
                            envvar="PROVENANCE_INDEX",
                            help="Index file (default: $PROVENANCE_INDEX or ~/.local/share/provenance/index.db).")
backend_option = click.option(
    "--backend", type=click.Choice(("sqlite", "redis")), default="sqlite", show_default=True,
    envvar="PROVENANCE_BACKEND",
    help="Index store: an SQLite file, or Redis (one index shared by processes and machines).")
redis_url_option = click.option(
    "--redis-url", metavar="URL", envvar="PROVENANCE_REDIS_URL",
    help="redis://HOST:PORT/DB for --backend redis; --index then names the index there "
         "(default: provenance).")


def _open_index(index_path: str | None, backend: str, redis_url: str | None, **kwargs: Any):
    from .redis_index import open_index

    return open_index(index_path, backend, redis_url, **kwargs)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="provenance")
def cli() -> None:
    """Find where a news article came from: the earlier articles it copies or closely
    paraphrases, aligned sentence by sentence, with a verdict per source."""


@cli.command()
@click.argument("article", type=click.Path(exists=True, dir_okay=False))
@click.option("--against", multiple=True, type=click.Path(exists=True),
              help="Files or folders of earlier articles (a temporary index); repeatable.")
@index_option
@backend_option
@redis_url_option
@format_option
@output_option
@fail_on_option
@set_option
@config_option
def check(article: str, against: tuple[str, ...], index_path: str | None, backend: str,
          redis_url: str | None, fmt: str, output: str | None, fail_on: str | None,
          options: tuple[str, ...], config: str | None) -> None:
    """Check ARTICLE against a corpus: which earlier articles it copies or paraphrases.

    Example:

        provenance check new.txt --against corpus/ --format json
    """
    from . import api
    from .documents import load_document

    settings = _settings(options, config)
    incomplete = False
    try:
        doc = load_document(article, max_chars=settings.max_article_chars)
        for w in doc.warnings:
            warn(w)
        if against:
            index, failures = api.index_from_paths(against, settings)
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


@cli.command()
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
    from . import api
    from .documents import load_document

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


@cli.group()
def index() -> None:
    """Manage the persistent index of earlier articles."""


@index.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@index_option
@backend_option
@redis_url_option
@set_option
@config_option
def index_add(paths: tuple[str, ...], index_path: str | None, backend: str, redis_url: str | None,
              options: tuple[str, ...], config: str | None) -> None:
    """Add files and folders of articles to the index (created if missing).

    Re-adding an unchanged article does nothing; a changed one replaces its entry. Files that
    cannot be read are reported and skipped; the rest are added (exit 3 if any was skipped).

    Example:

        provenance index add corpus/ --index corpus.db
    """
    from .api import sketch_params
    from .documents import Document, LoadFailure, iter_documents

    settings = _settings(options, config)
    failures: list[LoadFailure] = []

    def documents():
        for item in iter_documents(paths, max_chars=settings.max_article_chars):
            if isinstance(item, LoadFailure):
                failures.append(item)
                warn(f"skipped: {item.error}")
            else:
                assert isinstance(item, Document)
                for w in item.warnings:
                    warn(w)
                yield item

    try:
        with _open_index(index_path, backend, redis_url, create=True,
                         params=sketch_params(settings)) as idx:
            report = idx.add(documents())
            total = len(idx)
    except ProvenanceError as exc:
        raise fail(exc) from None
    click.echo(f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
               f"skipped {len(failures)}; the index holds {total} articles")
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
                click.echo("\t".join([doc_id, meta.get("outlet") or "-", meta.get("published") or "-", path or "-"]))
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
    click.echo(f"removed {doc_id}")


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
        click.echo(f"{key}: {value}")


# Commands defined in their own modules (one per pipeline use) are registered here.
# --- registered commands ---
from .batch_cli import ci as _ci  # noqa: E402

cli.add_command(_ci)
from .scan import scan_command as _scan  # noqa: E402

cli.add_command(_scan)
# --- end of registered commands ---


def main() -> None:
    cli(prog_name="provenance")
