"""Golden reports of the samples: the CLI's output, byte for byte, in every format.

Regenerate after an intended change (scoring constants, templates):

    PROVENANCE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_report_golden.py

then review `git diff tests/golden/` before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli

from .conftest import A000, A003, ROOT, SAMPLES

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("PROVENANCE_UPDATE_GOLDEN") == "1"


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


COMMANDS = {
    "check_000": ["check", _rel(A000), "--against", _rel(SAMPLES) + "/"],
    "compare_000_003": ["compare", _rel(A000), _rel(A003)],
}
FORMATS = {"json": "json", "html": "html", "markdown": "md", "text": "txt"}


def report(name: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI's report, run from the repository root so that paths are the README's."""
    monkeypatch.chdir(ROOT)
    # Text reports are taken at 80 columns without colour (CliRunner's stdout is no terminal).
    result = CliRunner().invoke(cli, [*COMMANDS[name], "--format", fmt],
                                env={"COLUMNS": "80", "NO_COLOR": "1"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", COMMANDS)
def test_golden_report(name: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = GOLDEN / f"{name}.{FORMATS[fmt]}"
    output = report(name, fmt, monkeypatch)
    if UPDATE:
        path.write_bytes(output.encode("utf-8"))
    assert path.exists(), f"{path.name} missing: run PROVENANCE_UPDATE_GOLDEN=1 pytest {__file__}"
    expected = path.read_bytes().decode("utf-8")
    assert output == expected, (f"{path.name} differs from the golden file; if the change is "
                                "intended, regenerate with PROVENANCE_UPDATE_GOLDEN=1")


@pytest.mark.parametrize("fmt", ["html", "markdown", "text"])
def test_reports_are_byte_stable_within_a_process(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert report("check_000", fmt, monkeypatch) == report("check_000", fmt, monkeypatch)
