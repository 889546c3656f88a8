"""provenance: find where a news article came from.

Given an article and a corpus of earlier ones, find the articles it copies or closely
paraphrases, align them sentence by sentence, and attribute each sentence to its likely origin.

The names below are imported on first use, so `provenance --help` and a one-article check do
not pay for modules they do not need.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "check": "api", "compare": "api", "index_from_paths": "api", "load_corpus": "api",
    "relate": "api",
    "Document": "documents", "LoadFailure": "documents", "iter_documents": "documents",
    "load_document": "documents",
    "ConfigError": "errors", "IndexError_": "errors", "InputError": "errors",
    "LimitError": "errors", "ProvenanceError": "errors",
    "Index": "storage", "IndexSpec": "storage", "default_index_path": "storage",
    "open_index": "storage", "SQLiteIndex": "storage.sqlite",
    "SCHEMA_VERSION": "results", "AlignedPair": "results", "ArticleInfo": "results",
    "Attribution": "results", "CheckResult": "results", "Passage": "results",
    "SourceFinding": "results",
    "ScanResult": "results", "BatchReport": "results",
    "Settings": "settings", "SketchParams": "settings", "ScanOptions": "settings",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'provenance' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
