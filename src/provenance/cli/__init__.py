"""Command-line interface: a thin layer over the library (provenance.api). Each command parses
its options, calls one library function and renders its result; exit codes and the error mapping
are common.py's.

0 completed, no finding at or over --fail-on; 1 a finding at or over --fail-on; 2 usage or
configuration error (click's convention); 3 no finding, but something could not be checked.
"""

from __future__ import annotations

import click

from .. import __version__
from .check import check, compare
from .ci import ci
from .common import EXIT_FINDING, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE
from .index import index
from .scan import scan

__all__ = ["EXIT_FINDING", "EXIT_INCOMPLETE", "EXIT_OK", "EXIT_USAGE", "cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="provenance")
def cli() -> None:
    """Find where a news article came from: the earlier articles it copies or closely
    paraphrases, aligned sentence by sentence, with a verdict per source."""


for _command in (check, compare, index, ci, scan):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="provenance")
