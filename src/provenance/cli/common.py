"""What every command shares: exit codes, options, the one error mapping, writing reports.

Exit codes:

0 completed, no finding at or over --fail-on; 1 a finding at or over --fail-on; 2 usage or
configuration error (click's convention); 3 no finding, but something could not be checked.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from ..errors import ProvenanceError
from ..settings import FAIL_LEVELS

EXIT_OK, EXIT_FINDING, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3
FORMATS = ("text", "json", "markdown", "html")


class CommandError(click.ClickException):
    """An error that is not a usage error: one line on stderr, the contract's exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_INCOMPLETE):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        # Messages quote file names, ids and URLs: one safe line, whatever they hold.
        from ..report.escape import terminal_line

        click.echo(f"provenance: error: {terminal_line(self.format_message())}", err=True)


def fail(exc: ProvenanceError) -> CommandError:
    return CommandError(str(exc), exc.exit_code)


def warn(message: str) -> None:
    from ..report.escape import terminal_line

    click.echo(f"provenance: warning: {terminal_line(message)}", err=True)


def _settings(options: tuple[str, ...], config: str | None):
    from ..config import load_settings

    try:
        return load_settings(config, options)
    except ProvenanceError as exc:
        raise fail(exc) from None


def _emit(text: str, output: str | None) -> None:
    if output:
        from ..report import write_atomic

        try:
            # Atomic: a full disk or a kill leaves the old report or none, never a truncated one.
            write_atomic(output, text)
        except OSError as exc:
            raise CommandError(f"{output}: cannot write report: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=not text.endswith("\n"))


def _render(result: Any, fmt: str | None, output: str | None) -> None:
    from ..report import render

    fmt = report_format(fmt, output)
    color = None if output is None else False
    _emit(render(result, fmt, color=color), output)


def _finish(result: Any, fmt: str | None, output: str | None, fail_on: str | None,
            incomplete: bool) -> None:
    """Render a check's result and exit with the contract's code."""
    _render(result, fmt, output)
    sys.exit(_exit_code([s.verdict for s in result.findings], fail_on, incomplete))


def fail_with_result(exc: ProvenanceError, article: str, fmt: str | None,
                     output: str | None, settings: Any) -> CommandError:
    """The error for a check that could not run; a JSON report still gets its JSON (status
    "error", the same schema), so a script reading it is not left with an empty file."""
    if report_format(fmt, output) == "json":
        import os

        from ..api import error_result

        name = "stdin" if article == "-" else os.path.basename(article.rstrip("/")) or article
        _emit(error_result(name, None if article == "-" else article, str(exc),
                           settings).to_json() + "\n", output)
    return fail(exc)


def _exit_code(findings: list[str], fail_on: str | None, incomplete: bool) -> int:
    from ..settings import level_at_least

    if fail_on and any(level_at_least(v, fail_on) for v in findings):
        return EXIT_FINDING
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                             help="Report format (default: from the -o file's suffix, else text).")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False),
                             help="Write the report to this file instead of stdout (.html, .md, "
                                  ".json or .txt choose the format).")
# The format a report file's suffix names; other suffixes take --format or text.
SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
                  ".json": "json", ".txt": "text"}


def report_format(fmt: str | None, output: str | None) -> str:
    """--format, else the -o file's suffix, else text; a contradiction is a usage error (a JSON
    report in a .html file helps no one)."""
    import os

    named = SUFFIX_FORMATS.get(os.path.splitext(output or "")[1].lower())
    if fmt and named and fmt != named:
        raise click.UsageError(f"--format {fmt} contradicts the report file {output!r} (its "
                               f"suffix says {named}): give one or the other")
    return fmt or named or "text"


def article_argument(name: str = "article"):
    """ARTICLE: a file, `-` for standard input, or an http(s) URL."""
    return click.argument(name, metavar=name.upper())


def read_article(value: str, settings: Any, *, doc_id: str | None = None,
                 allow_private_urls: bool = False):
    """The article named on the command line: a file, `-` (standard input) or an http(s) URL.
    A path that does not exist is a usage error, as click's own check makes it."""
    import os

    from ..documents import document_from_bytes, load_document

    if value == "-":
        data = sys.stdin.buffer.read(4 * settings.max_article_chars + 1)
        return document_from_bytes(data, doc_id or "stdin", "-", settings.max_article_chars)
    if value.lower().startswith(("http://", "https://")):
        from ..fetch import fetch_document

        return fetch_document(value, allow_private=allow_private_urls,
                              max_chars=settings.max_article_chars)
    if not os.path.lexists(value):
        raise click.BadParameter(f"Path {value!r} does not exist.", param_hint="ARTICLE")
    if os.path.isdir(value):
        raise click.BadParameter(f"Path {value!r} is a directory.", param_hint="ARTICLE")
    return load_document(value, doc_id=doc_id, max_chars=settings.max_article_chars)


allow_private_urls_option = click.option(
    "--allow-private-urls", is_flag=True,
    help="Fetch URLs on this machine or its private network too (refused by default).")
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
follow_symlinks_option = click.option(
    "--follow-symlinks", is_flag=True,
    help="Read what symbolic links inside folders point to (by default they are reported and skipped).")
backend_option = click.option(
    "--backend", type=click.Choice(("sqlite", "redis")), default="sqlite", show_default=True,
    envvar="PROVENANCE_BACKEND",
    help="Index store: an SQLite file, or Redis (one index shared by processes and machines).")
redis_url_option = click.option(
    "--redis-url", metavar="URL", envvar="PROVENANCE_REDIS_URL",
    help="redis://HOST:PORT/DB for --backend redis; --index then names the index there "
         "(default: provenance).")


def _open_index(index_path: str | None, backend: str, redis_url: str | None, **kwargs: Any):
    from ..storage import open_index

    return open_index(index_path, backend, redis_url, **kwargs)


def _index_spec(index_path: str | None, backend: str, redis_url: str | None):
    from ..storage import IndexSpec, default_index_path

    if backend == "sqlite":
        index_path = index_path or str(default_index_path())
    return IndexSpec(backend, index_path, redis_url)


def progress_bar(label: str) -> tuple[Callable[[int, int | None], None] | None, Callable[[], None]]:
    """A rich progress display on stderr when stderr is a terminal (nothing otherwise, so logs
    and pipes stay clean): update(done, total), where total None shows a count without a bar."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(SpinnerColumn(), TextColumn(label), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    bar.start()
    task = bar.add_task(label, total=None)

    def update(done: int, total: int | None = None) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop
