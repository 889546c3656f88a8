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
    _open_index,
    _settings,
    backend_option,
    config_option,
    fail,
    follow_symlinks_option,
    redis_url_option,
    set_option,
    warn,
)

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
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the groups (JSON Lines) here instead of stdout.")
@follow_symlinks_option
@set_option
@config_option
@click.pass_context
def scan(ctx: click.Context, paths: tuple[str, ...], index_path: str | None, backend: str,
         redis_url: str | None, engine: str, scheduler: str | None, partitions: int | None,
         workers: int | None, output: str | None, follow_symlinks: bool, options: tuple[str, ...],
         config: str | None) -> None:
    """Find groups of articles that copy or paraphrase one another, across a whole corpus:
    the files under PATHS, or every article of an index (--index FILE, or --backend redis).

    Prints one JSON object per group (JSON Lines: members, likely origin, evidence per member)
    and a summary on stderr. Exit 0 when the scan completed, 3 when some inputs were skipped.

    Example:

        provenance scan corpus/ -o groups.jsonl
    """
    from ..api.scan import scan as run_scan
    from ..api.scan import scan_index

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
    engine_options = {"engine": engine, "scheduler": scheduler, "partitions": partitions,
                      "workers": workers}
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
    if result.articles == 0:
        where = " ".join(paths) if paths else "the index"
        raise CommandError(f"no article to scan in {where}")
    text = result.jsonl()
    if output:
        from ..report import write_atomic

        try:
            write_atomic(output, text)
        except OSError as exc:
            raise CommandError(f"{output}: cannot write: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)
    s = result.summary()
    click.echo(f"scanned {s['articles']} articles: {s['groups']} groups holding "
               f"{s['articles_in_groups']} articles ({s['with_origin']} with a likely origin); "
               f"{s['candidate_pairs']} candidate pairs, {s['links']} confirmed"
               + (f"; {s['crowded_buckets']} crowded buckets joined as stars" if s["crowded_buckets"] else ""),
               err=True)
    sys.exit(EXIT_INCOMPLETE if failures else 0)
