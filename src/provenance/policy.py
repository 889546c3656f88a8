"""The gate's policy: what a flagged source means for `provenance ci`.

A waiver (a person reviewed it, with a reason), a licensed source or outlet (the allowlist), a
common source (press releases, official transcripts) are reported but never fail; the rest fail at
or over `fail_on`. Pure rules over results: no stage, no I/O.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .results import ArticleOutcome, CheckResult, FindingOutcome, SourceFinding
from .settings import FAIL_LEVELS, level_at_least

# What a flagged source means for the gate, strongest claim first.
STATUSES = ("failing", "reported", "licensed", "common", "waived")


@dataclass(frozen=True)
class Waiver:
    """A finding a person reviewed: this article (id or path glob) may reuse this source
    (id glob or outlet name), for this reason."""

    article: str
    source: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"article": self.article, "source": self.source, "reason": self.reason}


@dataclass(frozen=True)
class Policy:
    """What the gate does with flagged sources. Source patterns are fnmatch globs on the source
    id; outlets compare case-insensitively; `ignore` globs match article paths or ids (a `*`
    matches across `/`; a pattern naming a folder ignores everything under it)."""

    fail_on: str = "paraphrase"
    allow_sources: tuple[str, ...] = ()
    allow_outlets: tuple[str, ...] = ()
    common_sources: tuple[str, ...] = ()
    common_outlets: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    ignore: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.fail_on not in FAIL_LEVELS:
            raise ConfigError(f"fail-on must be one of {', '.join(FAIL_LEVELS)}, got {self.fail_on!r}")

    @classmethod
    def from_config(cls, table: dict[str, Any]) -> Policy:
        """A policy from a validated `ci` table (config.parse_ci_table); unused keys are ignored."""
        lists = {k: tuple(table.get(k, ())) for k in
                 ("allow_sources", "allow_outlets", "common_sources", "common_outlets", "ignore")}
        waivers = tuple(Waiver(**w) for w in table.get("waivers", ()))
        return cls(fail_on=table.get("fail_on", "paraphrase"), waivers=waivers, **lists)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fail_on": self.fail_on, "allow_sources": list(self.allow_sources),
            "allow_outlets": list(self.allow_outlets), "common_sources": list(self.common_sources),
            "common_outlets": list(self.common_outlets),
            "waivers": [w.to_dict() for w in self.waivers], "ignore": list(self.ignore),
        }

    def classify(self, article_id: str, article_path: str | None, source: SourceFinding
                 ) -> tuple[str, str | None]:
        """The status of a flagged source for this article, and the reason when one applies."""
        for w in self.waivers:
            if _matches_any((article_id, article_path), w.article) and \
                    (_glob(source.id, w.source) or _same_outlet(source.outlet, w.source)):
                return "waived", w.reason
        for status, patterns, outlets in (("licensed", self.allow_sources, self.allow_outlets),
                                          ("common", self.common_sources, self.common_outlets)):
            where = "licence allowlist" if status == "licensed" else "common sources"
            for pattern in patterns:
                if _glob(source.id, pattern):
                    return status, f"source {pattern!r} in the {where}"
            for outlet in outlets:
                if _same_outlet(source.outlet, outlet):
                    return status, f"outlet {outlet!r} in the {where}"
        if level_at_least(source.verdict, self.fail_on):
            return "failing", None
        return "reported", None

    def ignores(self, path: str, doc_id: str | None = None) -> bool:
        return any(_matches_any((path, doc_id), p) or _matches_any((path, doc_id), p.rstrip("/") + "/*")
                   for p in self.ignore)


def _glob(value: str | None, pattern: str) -> bool:
    return value is not None and fnmatch.fnmatchcase(value, pattern)


def _matches_any(values: Iterable[str | None], pattern: str) -> bool:
    pattern = posix_path(pattern)
    return any(v is not None and fnmatch.fnmatchcase(posix_path(v), pattern) for v in values)


def posix_path(path: str) -> str:
    return Path(os.path.normpath(path)).as_posix() if path else path


def _same_outlet(outlet: str | None, name: str) -> bool:
    return outlet is not None and outlet.strip().casefold() == name.strip().casefold()


def judge(result: CheckResult, policy: Policy, revision: bool = False) -> ArticleOutcome:
    if result.status != "ok":
        return ArticleOutcome(result, (), "error", revision)
    findings = []
    for s in result.findings:
        status, reason = policy.classify(result.article.id, result.article.path, s)
        findings.append(FindingOutcome(s.id, s.outlet, s.verdict, s.coverage, s.score, status, reason))
    outcome = "fail" if any(f.status == "failing" for f in findings) else "pass"
    return ArticleOutcome(result, tuple(findings), outcome, revision)
