"""Command-line interface: a thin layer over the library (provenance.api). Each command parses
its options, calls one library function and renders its result; exit codes and the error mapping
are common.py's.

0 completed, no finding at or over --fail-on; 1 a finding at or over --fail-on; 2 usage or
configuration error (click's convention); 3 no finding, but something could not be checked.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from .. import __version__
from .check import check, compare
from .ci import ci
from .common import EXIT_FINDING, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, CommandError
from .index import index
from .scan import scan
from .serve import serve

__all__ = ["EXIT_FINDING", "EXIT_INCOMPLETE", "EXIT_OK", "EXIT_USAGE", "cli", "main"]


class _Group(click.Group):
    """The top-level group: any exception no command expected becomes one error line and exit 3
    (exit 1 is a finding, so a crash must never look like one); --debug shows the traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch is not None and not epoch.strip().isdigit():
            # Not a timestamp: ignored (reports then carry the current time), and removed, since
            # libraries we import read it too and fail on it (numpy's f2py calls int() on it).
            del os.environ["SOURCE_DATE_EPOCH"]
            if epoch.strip():
                click.echo(f"provenance: warning: SOURCE_DATE_EPOCH={epoch!r} is not a number of "
                           "seconds; ignored", err=True)
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException,
                SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if ctx.meta.get("provenance.debug") or os.environ.get("PROVENANCE_DEBUG") == "1":
                traceback.print_exc(file=sys.stderr)
            raise CommandError(_describe(exc)) from None


def _describe(exc: Exception) -> str:
    if isinstance(exc, OSError):
        # The machine refused (disk full, read-only, not permitted...): say what and where.
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"{where}{exc.strerror or exc}"
    return (f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback, "
            "and please report it)")


def _debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["provenance.debug"] = True


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"],
                                           "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="provenance")
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_debug,
              help="Show the traceback of an unexpected error (also PROVENANCE_DEBUG=1).")
def cli() -> None:
    """Find where a news article came from: the earlier articles it copies or closely
    paraphrases, aligned sentence by sentence, with a verdict per source.

    \b
    Examples:
      provenance check new.txt --against corpus/
      provenance index add corpus/ && provenance check new.txt
      provenance ci today/ --index corpus.db --junit junit.xml
    """


for _command in (check, compare, index, ci, scan, serve):
    cli.add_command(_command)


def main() -> None:
    try:
        cli(prog_name="provenance", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        _exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("provenance: aborted", err=True)
        _exit(EXIT_INCOMPLETE)
    except click.exceptions.Exit as exc:
        _exit(exc.exit_code)
    except SystemExit as exc:
        _exit(exc.code if isinstance(exc.code, int) else EXIT_INCOMPLETE)
    except KeyboardInterrupt:
        click.echo("provenance: interrupted", err=True)
        _exit(130)
    _exit(EXIT_OK)


def _exit(code: int) -> None:
    """Exit after flushing stdout ourselves: a full device or a closed pipe there is one error
    line and exit 3 (or quiet for a closed pipe), not a traceback at interpreter shutdown."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say, and nowhere to say it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError as exc:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        click.echo(f"provenance: error: cannot write the output: {exc.strerror or exc}", err=True)
        code = EXIT_INCOMPLETE if code in (EXIT_OK, EXIT_FINDING) else code
    sys.exit(code)
