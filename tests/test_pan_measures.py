"""PAN character-level measures on hand-made cases (benchmarks/pan_measures.py)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from pan_measures import Span, measures  # noqa: E402

P = ("susp.txt", "src.txt")


def span(this: int, n: int, src: int, m: int, pair: tuple[str, str] = P) -> Span:
    return Span(pair, this, n, src, m)


@pytest.mark.parametrize(("cases", "detections", "expected"), [
    # exact detection: everything 1
    ([span(0, 100, 50, 100)], [span(0, 100, 50, 100)], (1.0, 1.0, 1.0, 1.0)),
    # half of the case, on both sides: recall 0.5, precision 1
    ([span(0, 100, 0, 100)], [span(0, 50, 0, 50)], (1.0, 0.5, 1.0, 2 / 3)),
    # detection twice the case on both sides: precision 0.5
    ([span(0, 100, 0, 100)], [span(0, 200, 0, 200)], (0.5, 1.0, 1.0, 2 / 3)),
    # two detections splitting one case: full recall, granularity 2
    ([span(0, 100, 0, 100)], [span(0, 50, 0, 50), span(50, 50, 50, 50)],
     (1.0, 1.0, 2.0, 1.0 / math.log2(3))),
    # overlap in the suspicious document only: not a detection
    ([span(0, 100, 0, 100)], [span(0, 100, 500, 100)], (0.0, 0.0, 1.0, 0.0)),
    # no detections at all
    ([span(0, 100, 0, 100)], [], (0.0, 0.0, 1.0, 0.0)),
    # a detection on a pair without cases is ignored
    ([span(0, 100, 0, 100)], [span(0, 100, 0, 100), span(0, 10, 0, 10, ("susp.txt", "other.txt"))],
     (1.0, 1.0, 1.0, 1.0)),
    # two cases, one found exactly, one missed: macro recall 0.5
    ([span(0, 100, 0, 100), span(300, 100, 300, 100)], [span(0, 100, 0, 100)], (1.0, 0.5, 1.0, 2 / 3)),
    # unequal sides: characters of both documents are counted together (60+40 of 100+100)
    ([span(0, 100, 0, 100)], [span(0, 60, 0, 40)], (1.0, 0.5, 1.0, 2 / 3)),
], ids=["exact", "half", "double", "split", "one-side", "none", "other-pair", "one-of-two", "unequal"])
def test_measures(cases: list[Span], detections: list[Span], expected: tuple[float, ...]) -> None:
    m = measures(cases, detections)
    got = (m["precision"], m["recall"], m["granularity"], m["plagdet"])
    assert got == pytest.approx(expected)
