"""`provenance ci`: the batch gate for CI jobs and pre-commit hooks (library side: api/ci.py)."""

from __future__ import annotations

import os
import sys

import click
from click.core import ParameterSource

from ..errors import ProvenanceError
from ..settings import FAIL_LEVELS
from .common import (
    EXIT_FINDING,
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    _index_spec,
    backend_option,
    fail,
    follow_symlinks_option,
    index_option,
    progress_bar,
    redis_url_option,
    set_option,
    warn,
)

OUTPUT_OPTIONS = ("junit", "sarif", "json_path", "markdown")


@click.command("ci")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--against", multiple=True, type=click.Path(exists=True),
              help="Files or folders of earlier articles (a temporary index, built once); repeatable.")
@index_option
@backend_option
@redis_url_option
@click.option("--engine", type=click.Choice(("local", "dask")), default="local", show_default=True,
              help="local: worker processes on this machine; dask: a dask.distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Dask scheduler (tcp://HOST:PORT); without it a local cluster of --jobs "
                   "workers. Remote workers need an index they can open (--backend redis).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the config's ci.jobs, else all cores).")
@click.option("--fail-on", type=click.Choice(FAIL_LEVELS), default=None,
              help="Exit 1 when a source's verdict is at or over this level (default: paraphrase).")
@click.option("--allow-outlet", multiple=True, metavar="NAME",
              help="Outlet whose reuse is licensed: reported, never a failure; repeatable.")
@click.option("--allow-source", multiple=True, metavar="GLOB",
              help="Source id (glob) whose reuse is licensed; repeatable.")
@click.option("--common-outlet", multiple=True, metavar="NAME",
              help="Outlet everyone may quote (listed apart, never a failure); repeatable.")
@click.option("--common-source", multiple=True, metavar="GLOB",
              help="Source id (glob) everyone may quote; repeatable.")
@click.option("--ignore", "ignore_globs", multiple=True, metavar="GLOB",
              help="Article paths or ids not to check (globs; a folder ignores its tree); repeatable.")
@click.option("--junit", type=click.Path(dir_okay=False), help="Write JUnit XML here.")
@click.option("--sarif", type=click.Path(dir_okay=False), help="Write SARIF 2.1.0 here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False),
              help="Write JSON Lines here (one `check --format json` object per article).")
@click.option("--markdown", type=click.Path(dir_okay=False), help="Write a Markdown summary here.")
@click.option("--update-index", is_flag=True,
              help="After checking, add the checked articles to --index in one transaction.")
@click.option("-v", "--verbose", is_flag=True, help="List every article in the summary, clean ones too.")
@follow_symlinks_option
@set_option
@click.option("--config", type=click.Path(exists=True, dir_okay=False),
              help="A provenance.toml or pyproject.toml (default: the one in the current folder).")
@click.pass_context
def ci(ctx: click.Context, paths: tuple[str, ...], against: tuple[str, ...], index_path: str | None,
       backend: str, redis_url: str | None, engine: str, scheduler: str | None, jobs: int | None, fail_on: str | None, allow_outlet: tuple[str, ...],
       allow_source: tuple[str, ...], common_outlet: tuple[str, ...],
       common_source: tuple[str, ...], ignore_globs: tuple[str, ...], junit: str | None,
       sarif: str | None, json_path: str | None, markdown: str | None, update_index: bool,
       verbose: bool, follow_symlinks: bool, options: tuple[str, ...], config: str | None) -> None:
    """Check every article under PATHS (recursively) against an index or --against a corpus,
    in parallel, as a gate: exit 1 on a finding at or over fail-on that no allowlist or waiver
    excuses, 3 when an article could not be checked (and nothing failed), 0 otherwise.

    Settings and the ci policy come from --config, else provenance.toml or the
    [tool.provenance] table of pyproject.toml in the current folder; options override them.
    Under GitHub Actions (GITHUB_ACTIONS=true) workflow annotations are printed too.

    Examples:

    \b
        provenance ci new/ --against corpus/ --junit junit.xml --sarif results.sarif
        provenance ci today/ --index corpus.db --update-index --markdown summary.md
    """
    from ..api.ci import default_jobs, run_batch
    from ..config import load_ci_config
    from ..policy import Policy

    if against and (ctx.get_parameter_source("index_path") == ParameterSource.COMMANDLINE
                    or ctx.get_parameter_source("backend") == ParameterSource.COMMANDLINE):
        raise click.UsageError("give either --index/--backend or --against, not both")
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    if scheduler and against:
        raise click.UsageError("--scheduler runs on remote workers, which cannot open a temporary "
                               "--against index: index the corpus (e.g. --backend redis)")
    if update_index and against:
        raise click.UsageError("--update-index needs --index: a temporary --against index is not kept")
    for name in OUTPUT_OPTIONS:
        target = ctx.params[name]
        parent = os.path.dirname(target) if target else ""
        if parent and not os.path.isdir(parent):
            raise CommandError(f"{target}: folder {parent} does not exist", EXIT_USAGE)
    try:
        settings, table, _source = load_ci_config(config, options)
        if fail_on:
            table["fail_on"] = fail_on
        for key, extra in (("allow_outlets", allow_outlet), ("allow_sources", allow_source),
                           ("common_outlets", common_outlet), ("common_sources", common_source),
                           ("ignore", ignore_globs)):
            table[key] = list(table.get(key, ())) + list(extra)
        policy = Policy.from_config(table)
    except ProvenanceError as exc:
        raise fail(exc) from None
    progress, stop = progress_bar("checking")
    try:
        spec = None if against else _index_spec(index_path, backend, redis_url)
        report = run_batch(paths, index_path=spec, against=against,
                           settings=settings, policy=policy,
                           jobs=jobs or table.get("jobs") or default_jobs(),
                           update_index=update_index, progress=progress,
                           follow_symlinks=follow_symlinks, engine=engine, scheduler=scheduler)
    except ProvenanceError as exc:
        raise fail(exc) from None
    finally:
        stop()
    _write_outputs(report, junit, sarif, json_path, markdown)
    for o in report.outcomes:
        for w in o.result.article.warnings:
            warn(w)
    for f in report.corpus_failures:
        warn(f"skipped corpus file {f.path}: {f.error}")
    from ..report.ci import github_annotations, summary_text

    click.echo(summary_text(report, verbose=verbose), nl=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for command in github_annotations(report):
            click.echo(command)
    # A gate that checked nothing must not go green.
    if not report.outcomes:
        raise CommandError(f"no article found under {' '.join(paths)}"
                           + (f" ({report.ignored} ignored by the policy)" if report.ignored else ""))
    if not report.index.get("documents") and not update_index:
        raise CommandError("nothing to check against: the "
                           + ("--against corpus" if against else "index") + " holds no articles")
    sys.exit(EXIT_FINDING if report.failed else EXIT_INCOMPLETE if report.incomplete else EXIT_OK)


def _write_outputs(report, junit: str | None, sarif: str | None, json_path: str | None,
                   markdown: str | None) -> None:
    from ..report import ci as outputs
    from ..report import write_atomic

    for target, writer in ((junit, outputs.junit_xml), (sarif, outputs.sarif),
                           (json_path, outputs.json_lines), (markdown, outputs.markdown)):
        if not target:
            continue
        try:
            write_atomic(target, writer(report))
        except OSError as exc:
            raise CommandError(f"{target}: cannot write: {exc.strerror or exc}") from None
