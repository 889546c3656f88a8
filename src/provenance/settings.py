"""The one source of defaults: thresholds and knobs in frozen dataclasses, so a result records
what was in force and the library and the CLI give the same result for the same input.

`Settings` holds everything a check uses; `SketchParams` is the part an index stores (derived
from Settings, so an index built by the library and one built by the CLI are the same);
`ScanOptions` the link rules of a corpus scan.
"""

from __future__ import annotations

import math
import reprlib
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from typing import Any

from .errors import ConfigError

LEVELS = ("none", "partial", "paraphrase", "copy")
# Verdicts a gate can fail on (--fail-on, the ci policy), strongest first.
FAIL_LEVELS = ("copy", "paraphrase", "partial")


@dataclass(frozen=True)
class Settings:
    # Retrieval. Passages are windows of sentences whose content-word sets are sketched with
    # MinHash; a reworded passage keeps most of its content words (Jaccard 0.46-0.90 on the seeds)
    # while related news of the same event shares 0.15-0.20, hence the passage threshold.
    num_perm: int = 128
    passage_num_perm: int = 64
    doc_threshold: float = 0.5
    # 0.25, not 0.3: at 0.3 the heavily reworded Clough-Stevenson answer g1pA_taskb shared no
    # passage bucket with its source (benchmarks/eval_clough.py; 0.25 finds it, 0 non answers flagged).
    passage_threshold: float = 0.25
    passage_sentences: int = 4
    # Windows are stored every 4 sentences and probed at every sentence (sketch.py), so a reused
    # run of 4 sentences always meets a stored window; stride 2 doubled the bucket rows
    # (7.6 KB/article at 100,000 generated articles with stride 4, the bound is 8 KB).
    passage_stride: int = 4
    seed: int = 1
    max_candidates: int = 50

    # Sentence matching (scores in 0-1).
    verbatim: float = 0.97
    near_verbatim: float = 0.85
    # On the logistic score of align.combine (MSRP-fitted). 0.40: the best sentence score of
    # Clough-Stevenson non answers against their task's source is 0.43 at the 99th percentile
    # (max 0.46) and derived answers' median is 0.67; the Viterbi path (emission = score -
    # paraphrase) needs context on top of it. The seeds' background sentences score <= 0.32.
    paraphrase: float = 0.40
    min_sentence_chars: int = 25

    # Attribution path: the cost of switching source between neighbouring sentences.
    switch_cost: float = 0.08

    # Verdicts, on coverage of the article's scored characters.
    copy_coverage: float = 0.6
    paraphrase_coverage: float = 0.35
    partial_coverage: float = 0.08
    min_passage_sentences: int = 2
    # A counted passage this long (characters of the article) makes a source at least `partial`,
    # whatever its share of a long article.
    partial_passage_chars: int = 200

    count_quotes: bool = True
    # Document-level evidence where the sentence scorer is not calibrated (verdict.py,
    # CONTAINMENT_CALIBRATION): the share of the article's content units found in the source.
    containment_evidence: bool = True
    max_article_chars: int = 5_000_000

    def __post_init__(self) -> None:
        _check_sketch_ranges(self)
        for name in ("verbatim", "near_verbatim", "paraphrase", "copy_coverage",
                     "paraphrase_coverage", "partial_coverage"):
            _check_number(name, getattr(self, name), 0.0, 1.0)
        _check_number("switch_cost", self.switch_cost, 0.0, math.inf)
        for name, (low, high) in _INT_LIMITS.items():
            _check_int(name, getattr(self, name), low, high)
        for name in ("count_quotes", "containment_evidence"):
            if not isinstance(getattr(self, name), bool):
                raise SettingError(f"{_key(name)} must be true or false, "
                                   f"got {short_repr(getattr(self, name))}")
        if not self.paraphrase <= self.near_verbatim <= self.verbatim:
            raise SettingError("thresholds must satisfy paraphrase <= near-verbatim <= verbatim")
        _check_banding(self)  # last: it may ask datasketch

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sketch_params(self) -> SketchParams:
        """The sketch parameters an index built under these settings stores."""
        return SketchParams(self.num_perm, self.passage_num_perm, self.doc_threshold,
                            self.passage_threshold, self.passage_sentences, self.passage_stride,
                            self.seed)


@dataclass(frozen=True)
class SketchParams:
    """What an index needs to sketch documents the same way at every add and query. Its
    defaults are Settings' (an index opened without parameters is the CLI's index)."""

    num_perm: int = Settings.num_perm
    passage_num_perm: int = Settings.passage_num_perm
    doc_threshold: float = Settings.doc_threshold
    passage_threshold: float = Settings.passage_threshold
    passage_sentences: int = Settings.passage_sentences
    passage_stride: int = Settings.passage_stride
    seed: int = Settings.seed
    # The index's common units (sketch.learn_common): term keys of the content units left out of
    # passage signatures. Learned by the index from its own documents, not set by a user, so
    # not one of the parameters compared, printed or stored with the others.
    common: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        # An index's stored parameters come back through here too, so a damaged or hand-edited
        # index is refused when it is opened, not with a traceback at its first query.
        _check_sketch_ranges(self)
        _check_banding(self)

    def to_dict(self) -> dict[str, float | int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.compare}


@dataclass(frozen=True)
class ScanOptions:
    """The link rules of `scan` (cluster.py explains each, with the measurements behind it)."""

    # Unit-set Jaccard that links two articles on its own.
    link_jaccard: float = 0.4
    # Containment of one article in the other that links them with enough shared bands (on 300
    # generated articles unrelated articles of one topic reached 0.35 at most, partial reuse 0.44).
    link_containment: float = 0.4
    min_shared_keys: int = 6
    max_bucket: int = 50  # articles in a bucket above which it is joined as a star
    min_score: int = 3


class SettingError(ConfigError, ValueError):
    """A setting's value is of the wrong type or out of its range."""


# Limits that keep a run bounded (time, memory, the size of a stored index), far beyond any
# value measured useful. num-perm: datasketch's LSH needs at least 2 permutations, and sketching
# and storage grow linearly with it (1024 is 8 times the default). passage-sentences/-stride:
# windows of more than 64 sentences are whole articles, not passages. seed: datasketch draws
# the permutations with numpy's RandomState, which takes a 32-bit seed.
_SKETCH_INT_LIMITS = {
    "num_perm": (2, 1024),
    "passage_num_perm": (2, 1024),
    "passage_sentences": (1, 64),
    "passage_stride": (1, 64),
    "seed": (0, 2**32 - 1),
}
_INT_LIMITS = {
    # Every candidate is aligned sentence by sentence: the cost of a check grows with it.
    "max_candidates": (1, 1000),
    # Ten times the default: an article is held in memory several times over while it is checked.
    "max_article_chars": (1, 50_000_000),
    "min_sentence_chars": (1, 100_000),
    "min_passage_sentences": (1, 100_000),
    "partial_passage_chars": (1, 50_000_000),
}

_short = reprlib.Repr()
_short.maxlevel, _short.maxstring, _short.maxother, _short.maxlong = 3, 60, 60, 40


def short_repr(value: object) -> str:
    """A value for an error message: a 10,000-level table or a megabyte string stays one short
    line (repr of either would overflow the stack or flood the terminal)."""
    return _short.repr(value)


def _key(name: str) -> str:
    return name.replace("_", "-")  # the configuration file's spelling


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SettingError(f"{_key(name)} must be an integer from {low:,} to {high:,}, "
                           f"got {short_repr(value)}")


def _check_number(name: str, value: object, low: float, high: float, *,
                  open_: bool = False) -> None:
    """A finite int or float in [low, high], or in (low, high) with open_ (bool is no number)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (
        isinstance(value, int) or math.isfinite(value))
    if ok:
        ok = low < value < high if open_ else low <= value <= high  # type: ignore[operator]
    if not ok:
        if open_:
            what = f"a number strictly between {low:g} and {high:g}"
        elif high == math.inf:
            what = f"a finite number >= {low:g}"
        else:
            what = f"a number in [{low:g}, {high:g}]"
        raise SettingError(f"{_key(name)} must be {what}, got {short_repr(value)}")


def _check_sketch_ranges(params: Settings | SketchParams) -> None:
    """The sketch parameters' types and ranges, shared by Settings and SketchParams (the same
    keys, the same messages)."""
    for name, (low, high) in _SKETCH_INT_LIMITS.items():
        _check_int(name, getattr(params, name), low, high)
    # 0 makes every document a candidate of every query and 1 leaves the LSH no band to split.
    _check_number("doc_threshold", params.doc_threshold, 0.0, 1.0, open_=True)
    _check_number("passage_threshold", params.passage_threshold, 0.0, 1.0, open_=True)


def _check_banding(params: Settings | SketchParams) -> None:
    for threshold, num_perm in (("doc_threshold", "num_perm"),
                                ("passage_threshold", "passage_num_perm")):
        problem = _banding_problem(getattr(params, threshold), getattr(params, num_perm))
        if problem:
            raise SettingError(
                f"{_key(threshold)} {getattr(params, threshold):g} with {_key(num_perm)} "
                f"{getattr(params, num_perm)} gives no usable LSH banding ({problem}); "
                f"lower {_key(threshold)} or raise {_key(num_perm)}")


def _banding_problem(threshold: float, num_perm: int) -> str | None:
    """Why datasketch cannot band this (threshold, num_perm), or None.

    Whether its optimiser leaves at least 2 bands depends on both values together (0.99 works
    with 1024 permutations, not with 4), so it is asked rather than imitated. The defaults are
    known to work, which spares the usual run importing datasketch (half a second) and running
    the optimiser (about 15 ms) just to validate.
    """
    if (threshold, num_perm) in ((Settings.doc_threshold, Settings.num_perm),
                                 (Settings.passage_threshold, Settings.passage_num_perm)):
        return None
    return _ask_datasketch(float(threshold), int(num_perm))


@lru_cache(maxsize=32)
def _ask_datasketch(threshold: float, num_perm: int) -> str | None:
    from datasketch import MinHashLSH

    try:
        MinHashLSH(threshold=threshold, num_perm=num_perm)
    except ValueError as exc:
        return str(exc)
    return None


def level_at_least(verdict: str, threshold: str) -> bool:
    return LEVELS.index(verdict) >= LEVELS.index(threshold)
