"""Where the corpus lives: one protocol, two back ends.

- `sqlite.SQLiteIndex`: one SQLite file, the embedded default (no server).
- `redis.RedisIndex`: one index on a Redis server, shared by processes and machines.

Both store the same things (documents, MinHash signatures, LSH band keys per bucket in the order
documents were added) and find candidates with the same rules (`candidates.find`), so a check
gives the same result against either. `open_index` picks one; `IndexSpec` names one in a form
worker processes can reopen.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..documents import Document
from ..errors import ConfigError, IndexError_
from ..settings import SketchParams
from .protocol import Candidate, Index, fingerprint_term

__all__ = ["BACKENDS", "Candidate", "Index", "IndexSpec", "build_temporary", "default_index_path",
           "fingerprint_term", "open_index"]

BACKENDS = ("sqlite", "redis")


def default_index_path() -> Path:
    """$PROVENANCE_INDEX, else $XDG_DATA_HOME/provenance/index.db (~/.local/share/...)."""
    env = os.environ.get("PROVENANCE_INDEX")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "provenance" / "index.db"


@dataclass(frozen=True)
class IndexSpec:
    """Which index: an SQLite file, or a name on a Redis server. Picklable, so worker processes
    open the index themselves (connections must not cross a fork)."""

    backend: str = "sqlite"
    path: str | None = None  # the SQLite file; for Redis, the index's name (default "provenance")
    redis_url: str | None = None

    def open(self, *, create: bool = False, params: SketchParams | None = None) -> Index:
        return open_index(self.path, self.backend, self.redis_url, create=create, params=params)

    def describe(self) -> dict[str, Any]:
        """For results: where the index is (a Redis URL without its credentials)."""
        if self.backend == "redis":
            from .redis import redact

            return {"kind": "index", "backend": "redis", "path": self.path or "provenance",
                    "url": redact(self.redis_url or "")}
        return {"kind": "index", "path": os.fspath(self.path or default_index_path())}


def open_index(path: str | os.PathLike[str] | None = None, backend: str = "sqlite",
               redis_url: str | None = None, *, create: bool = False,
               params: SketchParams | None = None) -> Index:
    """The index to use: an SQLite file (`path`, default location when None) or, with
    backend="redis", the index named `path` (default "provenance") on the Redis at `redis_url`.
    A new index takes `params` (default: the tool's defaults); an existing one keeps its own."""
    if backend == "redis":
        if not redis_url:
            raise ConfigError("--backend redis needs --redis-url redis://HOST:PORT/DB (or PROVENANCE_REDIS_URL)")
        from .redis import RedisIndex

        name = os.fspath(path) if path else "provenance"
        return RedisIndex.open(redis_url, name, create=create, params=params)
    if backend != "sqlite":
        raise IndexError_(f"unknown index back end {backend!r} (sqlite or redis)")
    from .sqlite import SQLiteIndex

    return SQLiteIndex.open(path or default_index_path(), create=create, params=params)


def build_temporary(documents: Iterable[Document], params: SketchParams | None = None) -> Index:
    """An in-memory index of the given documents, for one-off `--against` checks."""
    from .sqlite import SQLiteIndex

    index = SQLiteIndex.in_memory(params)
    index.add(documents, atomic=True)
    return index
