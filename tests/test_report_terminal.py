"""Terminal report: colour only for terminals without NO_COLOR, and every line within the width."""

from __future__ import annotations

import io

import pytest

from provenance.api import compare
from provenance.documents import load_document
from provenance.report import render
from provenance.report.terminal import use_colour
from provenance.results import CheckResult

from .conftest import A000, A003


@pytest.fixture(scope="module")
def result() -> CheckResult:
    return compare(load_document(A000), load_document(A003))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_lines_fit_the_width(result: CheckResult, width: int) -> None:
    out = render(result, "text", color=False, width=width)
    assert max(len(line) for line in out.splitlines()) <= width


def test_no_colour_marks_differences_with_text(result: CheckResult) -> None:
    out = render(result, "text", color=False, width=80)
    assert "\x1b[" not in out
    assert "[-" in out and "-]" in out and "{+" in out and "+}" in out
    assert "Stalled nuclear talks" in out  # the own text is listed, unattributed


def test_colour_when_asked(result: CheckResult) -> None:
    out = render(result, "text", color=True, width=80)
    assert "\x1b[" in out and "{+" not in out


@pytest.mark.parametrize("tty, no_color, term, expected", [
    (True, None, "xterm", True),
    (True, "1", "xterm", False),   # https://no-color.org
    (True, "", "xterm", True),     # an empty NO_COLOR does not count
    (True, None, "dumb", False),
    (False, None, "xterm", False),  # piped or redirected
])
def test_use_colour_follows_the_terminal(monkeypatch: pytest.MonkeyPatch, tty: bool,
                                         no_color: str | None, term: str, expected: bool) -> None:
    monkeypatch.setattr("sys.stdout", _Terminal() if tty else io.StringIO())
    monkeypatch.setenv("TERM", term)
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert use_colour(None) is expected


def test_long_paths_are_shortened_not_wrapped(result: CheckResult) -> None:
    from dataclasses import replace

    long = "corpus/" + "very-long-folder-name/" * 6 + "story.txt"
    source = replace(result.sources[0], id=long, path=long)
    out = render(replace(result, sources=(source,)), "text", color=False, width=80)
    row = next(line for line in out.splitlines() if line.startswith("A "))
    assert "\u2026" in row and "story.txt" in row and len(row) <= 80
