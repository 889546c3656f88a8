"""provenance: find where a news article came from.

Given an article and a corpus of earlier ones, find the articles it copies or closely
paraphrases, align them sentence by sentence, and attribute each sentence to its likely origin.
"""

__version__ = "0.1.0"

from .api import check, compare, index_from_paths, load_corpus  # noqa: E402
from .documents import Document, LoadFailure, iter_documents, load_document  # noqa: E402
from .errors import ConfigError, IndexError_, InputError, LimitError, ProvenanceError  # noqa: E402
from .index import Index, default_index_path  # noqa: E402
from .results import (  # noqa: E402
    SCHEMA_VERSION,
    AlignedPair,
    ArticleInfo,
    Attribution,
    CheckResult,
    Passage,
    SourceFinding,
)
from .settings import Settings  # noqa: E402

__all__ = [
    "SCHEMA_VERSION", "AlignedPair", "ArticleInfo", "Attribution", "CheckResult", "ConfigError",
    "Document", "Index", "IndexError_", "InputError", "LimitError", "LoadFailure", "Passage",
    "ProvenanceError", "Settings", "SourceFinding", "__version__", "check", "compare",
    "default_index_path", "index_from_paths", "iter_documents", "load_corpus", "load_document",
]
