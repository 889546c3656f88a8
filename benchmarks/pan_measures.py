"""PAN character-level measures for text alignment (Potthast, Stein, Barron-Cedeno, Rosso,
COLING 2010), computed as the pan-code clef15 evaluator does.

A case (gold) or detection is a pair of character ranges: one in the suspicious document, one in
the source document, for one (suspicious, source) document pair. A detection detects a case when
both ranges overlap on the same document pair. With S the cases and R the detections:
  - macro recall: mean over cases of |characters of the case covered by detections detecting it|
    / |characters of the case|, characters of both documents counted together;
  - macro precision: the same with the roles swapped, over detections (0 when there are none);
  - granularity: mean over detected cases of the number of detections detecting each (1 if none);
  - plagdet = F1 / log2(1 + granularity).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """Character ranges [this_offset, this_offset + this_length) in the suspicious document and
    [source_offset, source_offset + source_length) in the source, of one document pair."""

    pair: tuple[str, str]
    this_offset: int
    this_length: int
    source_offset: int
    source_length: int

    def this_chars(self) -> set[int]:
        return set(range(self.this_offset, self.this_offset + self.this_length))

    def source_chars(self) -> set[int]:
        return set(range(self.source_offset, self.source_offset + self.source_length))


def overlaps(a: Span, b: Span) -> bool:
    return (a.pair == b.pair
            and a.this_offset < b.this_offset + b.this_length and b.this_offset < a.this_offset + a.this_length
            and a.source_offset < b.source_offset + b.source_length
            and b.source_offset < a.source_offset + a.source_length)


def _macro(covered: Sequence[Span], covering: Sequence[Span]) -> float:
    """Mean over `covered` of the share of its characters inside overlapping `covering` spans."""
    if not covered:
        return 0.0
    total = 0.0
    for c in covered:
        this, src = set(), set()
        for d in covering:
            if overlaps(c, d):
                this |= c.this_chars() & d.this_chars()
                src |= c.source_chars() & d.source_chars()
        size = c.this_length + c.source_length
        total += (len(this) + len(src)) / size if size else 0.0
    return total / len(covered)


def macro_recall(cases: Sequence[Span], detections: Sequence[Span]) -> float:
    return _macro(cases, detections)


def macro_precision(cases: Sequence[Span], detections: Sequence[Span]) -> float:
    return _macro(detections, cases)


def granularity(cases: Sequence[Span], detections: Sequence[Span]) -> float:
    counts = [sum(1 for d in detections if overlaps(c, d)) for c in cases]
    detected = [n for n in counts if n > 0]
    return sum(detected) / len(detected) if detected else 1.0


def plagdet(precision: float, recall: float, gran: float) -> float:
    if precision + recall == 0:
        return 0.0
    f1 = 2 * precision * recall / (precision + recall)
    return f1 / math.log2(1 + gran)


def measures(cases: Sequence[Span], detections: Sequence[Span]) -> dict[str, float]:
    """Detections on pairs without cases are ignored, as in the official evaluator."""
    pairs = {c.pair for c in cases}
    detections = [d for d in detections if d.pair in pairs]
    p, r, g = macro_precision(cases, detections), macro_recall(cases, detections), granularity(cases, detections)
    return {"precision": p, "recall": r, "granularity": g, "plagdet": plagdet(p, r, g),
            "cases": len(cases), "detections": len(detections),
            "cases_detected": sum(1 for c in cases if any(overlaps(c, d) for d in detections))}
