"""The library entry points, one per use; the CLI is a thin layer over these.

- `check(article, index)`: which indexed articles it copies or paraphrases (`provenance check`)
- `compare(a, b)`: one article against one possible source (`provenance compare`)
- `relate(a, b)`: both ways, the stronger verdict and the likely origin
- `open_index(...)`, `index_from_paths(paths)`: an index to check against (`provenance index`)
- `api.ci.run_batch(...)`: many articles under a policy (`provenance ci`)
- `api.scan.scan(...)`: groups of articles reusing one another (`provenance scan`)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from .. import __version__
from ..align import Match, Prepared
from ..documents import Document, iter_documents
from ..errors import InputError
from ..results import ArticleInfo, CheckResult, LoadFailure
from ..settings import Settings
from ..sketch import sketch
from ..storage import Index, build_temporary, open_index
from ..verdict import Relation, analyse, prepare_article, prepared_source, relate

__all__ = ["Relation", "analyse", "check", "compare", "error_result", "index_from_paths",
           "load_corpus", "open_index", "relate", "tool_info"]


def generated_at() -> str:
    """When a report was made, ISO 8601 in UTC to the second: $SOURCE_DATE_EPOCH when set (the
    reproducible-builds convention, so golden files and CI diffs stay byte-identical), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = (datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit()
            else datetime.now(UTC).replace(microsecond=0))
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def tool_info(settings: Settings, index: Index | None = None) -> dict[str, object]:
    """What a result records so it can be filed as evidence: the tool, its settings, when, and
    the index it was checked against (fingerprint and size)."""
    info: dict[str, object] = {"name": "provenance", "version": __version__,
                               "generated": generated_at(), "settings": settings.to_dict()}
    if index is not None:
        info["index"] = {"fingerprint": index.fingerprint(), "documents": len(index),
                         "params": index.params.to_dict()}
    return info


def error_result(doc_id: str, path: str | None, message: str, settings: Settings | None = None,
                 index: Index | None = None, line: int | None = None) -> CheckResult:
    """The result of an article that could not be checked (same schema, status "error")."""
    settings = settings or Settings()
    return CheckResult("error", message, tool_info(settings, index),
                       ArticleInfo(doc_id, path, "unknown", 0, line=line), "error")


def check(article: Document, index: Index, settings: Settings | None = None, *,
          exclude: Iterable[str] | None = None) -> CheckResult:
    """Check one article against an index: sources, passages, per-sentence attribution, verdict.

    Example:
        >>> with open_index("corpus.db") as idx:
        ...     result = check(load_document("new.txt"), idx)
        >>> result.verdict, [s.id for s in result.findings]

    `exclude`: ids never taken as sources (default: the article's own id, so an indexed article
    checked again is not its own source; `ci` passes only the ids of earlier versions).
    """
    settings = settings or Settings()
    if len(article.text) > settings.max_article_chars:
        raise InputError(f"{article.path or article.id}: {len(article.text):,} characters exceeds "
                         f"the maximum article size of {settings.max_article_chars:,}")
    # Segmented once: the same segments give the query sketch and the alignment.
    prepared = prepare_article(article)
    query = sketch(article.text, prepared.segments, index.params)
    excluded = [article.id] if exclude is None else list(exclude)
    cands = index.candidates(query, exclude=excluded, limit=settings.max_candidates)
    sources = index.get_many([c.id for c in cands])
    estimates = {}
    for src in sources:
        sig = index.signature(src.id)
        if sig is not None:
            estimates[src.id] = float(np.mean(sig == query.doc_signature))
    others, cross, notes = _cross_language(article, prepared, index, sources, excluded, settings)
    result = analyse(article, [*sources, *others], settings, tool_info(settings, index), estimates,
                     prepared, skip_own_id=article.id in excluded, cross=cross)
    if notes:
        result = replace(result, article=replace(result.article,
                                                 warnings=result.article.warnings + notes))
    return result


CROSS_CANDIDATES = 5  # other-language documents aligned per check (the nearest by meaning)


def _cross_language(article: Document, prepared: Prepared, index: Index, sources: list[Document],
                    excluded: list[str], settings: Settings
                    ) -> tuple[list[Document], dict[str, list[Match]], tuple[str, ...]]:
    """Sources in other languages than the article's, found by meaning (the xlang extra and an
    index that stores vectors), with their sentence matches; and a note when such a check was
    needed and could not run. The model is loaded only when the index holds documents in
    another language, so a check of a one-language corpus keeps its speed."""
    from .. import xlang
    from ..text import detect_language

    language = detect_language(article.text)
    if language is None:
        return [], {}, ()
    if not xlang.available():
        if sources and all(detect_language(s.text) not in (None, language) for s in sources):
            return [], {}, (f"every candidate is in another language than the article's "
                            f"({language}): cross-language checks need the xlang extra "
                            "(pip install 'news-provenance[xlang]')",)
        return [], {}, ()
    if not xlang.has_other_languages(index, language):
        return [], {}, ()
    # The nearest documents by meaning, and any lexical candidate, in another language: a
    # translation shares too few words for the lexical alignment, so it is aligned by meaning.
    lexical = {s.id for s in sources}
    ids = [i for i in xlang.nearest_sources(index, xlang.article_vector(prepared, language),
                                            language, k=CROSS_CANDIDATES + len(excluded))
           if i not in excluded][:CROSS_CANDIDATES]
    others = index.get_many([i for i in ids if i not in lexical])
    cross = {}
    for doc in [*sources, *others]:
        stored = index.vectors(doc.id)
        source_lang = stored.language if stored is not None else detect_language(doc.text)
        if source_lang in (None, language):
            continue
        cross[doc.id] = xlang.cross_language_matches(prepared, language,
                                                     prepared_source(doc.id, doc.text),
                                                     source_lang, settings, stored=stored)
    return others, cross, ()


def compare(a: Document, b: Document, settings: Settings | None = None) -> CheckResult:
    """Compare article `a` with one possible source `b` (no index involved)."""
    settings = settings or Settings()
    return analyse(a, [b], settings, tool_info(settings))


def load_corpus(paths: Iterable[str | os.PathLike[str]], settings: Settings | None = None, *,
                follow_symlinks: bool = False) -> tuple[list[Document], list[LoadFailure]]:
    settings = settings or Settings()
    docs: list[Document] = []
    failures: list[LoadFailure] = []
    for item in iter_documents(paths, max_chars=settings.max_article_chars,
                               follow_symlinks=follow_symlinks):
        (failures if isinstance(item, LoadFailure) else docs).append(item)  # type: ignore[arg-type]
    return docs, failures


def index_from_paths(paths: Iterable[str | os.PathLike[str]], settings: Settings | None = None, *,
                     follow_symlinks: bool = False) -> tuple[Index, list[LoadFailure]]:
    """A temporary in-memory index of the articles under `paths` (for `--against`)."""
    settings = settings or Settings()
    docs, failures = load_corpus(paths, settings, follow_symlinks=follow_symlinks)
    return build_temporary(docs, settings.sketch_params()), failures
