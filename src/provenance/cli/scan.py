"""`provenance scan`: groups of articles that copy or paraphrase one another (api/scan.py)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import click
from click.core import ParameterSource

from ..errors import ProvenanceError
from .common import (
    EXIT_INCOMPLETE,
    EXIT_USAGE,
    CommandError,
    _emit,
    _open_index,
    _settings,
    backend_option,
    config_option,
    fail,
    follow_symlinks_option,
    progress_bar,
    redis_url_option,
    set_option,
    warn,
)

SCAN_FORMATS = ("text", "json", "html")
# The format a file's suffix names; other suffixes take --format or json.
SCAN_SUFFIXES = {".html": "html", ".htm": "html", ".json": "json", ".jsonl": "json",
                 ".ndjson": "json", ".txt": "text"}
_SCHEDULER = re.compile(r"(tcp|tls|ucx|ws|wss)://[^\s/:]+:\d{1,5}/?|inproc://\S+")


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--index", "index_path", type=click.Path(), default=None,
              help="Scan the articles of this index instead of PATHS (with --backend redis: the "
                   "index's name on the server).")
@backend_option
@redis_url_option
@click.option("--engine", type=click.Choice(("local", "dask")), default="local", show_default=True,
              help="local: this machine (worker processes); dask: a dask.distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Dask scheduler address (tcp://host:8786); without it a local cluster is started.")
@click.option("--partitions", type=click.IntRange(1, 100_000), default=None,
              help="Dask partitions (default: 4 per worker).")
@click.option("--workers", type=click.IntRange(1, 1024), default=None,
              help="Local worker processes (default: CPUs).")
@click.option("--format", "fmt", type=click.Choice(SCAN_FORMATS), default=None,
              help="text (for people), json (JSON Lines: one object per group) or html (one "
                   "self-contained page). Default: from the -o file's suffix; else text on a "
                   "terminal, json otherwise.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the groups here instead of stdout (.html, .json/.jsonl or .txt choose "
                   "the format; any other suffix: json).")
@follow_symlinks_option
@set_option
@config_option
@click.pass_context
def scan(ctx: click.Context, paths: tuple[str, ...], index_path: str | None, backend: str,
         redis_url: str | None, engine: str, scheduler: str | None, partitions: int | None,
         workers: int | None, fmt: str | None, output: str | None, follow_symlinks: bool,
         options: tuple[str, ...], config: str | None) -> None:
    """Find groups of articles that copy or paraphrase one another, across a whole corpus:
    the files under PATHS, or every article of an index (--index FILE, or --backend redis).

    Each group lists its members, its likely origin and why, and every other member's evidence
    (verdict, Jaccard, containment). On a terminal the groups are printed as text; piped or
    redirected (scripts), as JSON Lines, one object per group; a summary goes to stderr (in the
    text format, at its end). Exit 0 when the scan completed, 3 when some
    inputs were skipped, 2 on a usage error.

    Examples:

        provenance scan corpus/

        provenance scan corpus/ -o groups.jsonl

        provenance scan corpus/ -o groups.html
    """
    from ..api.scan import scan as run_scan
    from ..api.scan import scan_index

    fmt = scan_format(fmt, output)
    from_index = bool(index_path) or (backend == "redis" and not paths)
    if paths and from_index:
        raise CommandError("give either PATHS or an index (--index PATH, --backend redis), not both",
                           EXIT_USAGE)
    if not paths and not from_index:
        raise CommandError("give either PATHS or an index (--index PATH, --backend redis)", EXIT_USAGE)
    if paths and ctx.get_parameter_source("backend") == ParameterSource.COMMANDLINE and backend != "sqlite":
        raise CommandError("--backend redis scans the shared index: give no PATHS", EXIT_USAGE)
    if scheduler and engine != "dask":
        raise CommandError("--scheduler needs --engine dask", EXIT_USAGE)
    if scheduler and not _SCHEDULER.fullmatch(scheduler):
        raise CommandError(f"--scheduler {scheduler!r}: not a scheduler address "
                           "(tcp://HOST:PORT, tls://HOST:PORT or inproc://...)", EXIT_USAGE)
    settings = _settings(options, config)
    failures = []
    progress, stop = progress_bar("reading")
    engine_options = {"engine": engine, "scheduler": scheduler, "partitions": partitions,
                      "workers": workers, "progress": progress}
    try:
        if from_index:
            with _open_index(index_path, backend, redis_url) as idx:
                result = scan_index(idx, settings, **engine_options)
        else:
            from ..documents import Document, LoadFailure, iter_documents

            def loaded() -> Iterator[Document]:
                for item in iter_documents(paths, max_chars=settings.max_article_chars,
                                           follow_symlinks=follow_symlinks):
                    if isinstance(item, LoadFailure):
                        failures.append(item)
                        warn(f"skipped {item.path}: {item.error}")
                    else:
                        for w in item.warnings:
                            warn(w)
                        yield item

            result = run_scan(loaded(), settings, **engine_options)
    except ProvenanceError as exc:
        raise fail(exc) from None
    except (OSError, TimeoutError, ValueError) as exc:
        # A scheduler that cannot be reached or refuses us (dask raises all three).
        raise CommandError(f"scan failed: {type(exc).__name__}: {exc}") from None
    finally:
        stop()
    if result.articles == 0:
        where = " ".join(paths) if paths else "the index"
        raise CommandError(f"no article to scan in {where}")
    from ..report.scan import FILE_WIDTH, render_scan, summary_line

    to_terminal = output is None and _stdout_is_terminal()
    # A file gets fixed width and no colour, so the same corpus gives the same bytes.
    text = render_scan(result, fmt, color=None if to_terminal else False,
                       width=None if to_terminal else FILE_WIDTH)
    _emit(text, output)
    if output or fmt != "text":
        click.echo(summary_line(result), err=True)
    sys.exit(EXIT_INCOMPLETE if failures else 0)



def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def scan_format(fmt: str | None, output: str | None) -> str:
    """--format, else the -o file's suffix, else json for a file; without -o, text on a terminal
    and json otherwise (scripts keep their JSON Lines). A contradiction is a usage error."""
    import os

    named = SCAN_SUFFIXES.get(os.path.splitext(output or "")[1].lower())
    if fmt and named and fmt != named:
        raise click.UsageError(f"--format {fmt} contradicts the output file {output!r} (its "
                               f"suffix says {named}): give one or the other")
    if fmt or named:
        return fmt or named  # type: ignore[return-value]
    if output:
        return "json"
    return "text" if _stdout_is_terminal() else "json"
