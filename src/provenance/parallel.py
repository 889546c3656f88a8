"""Worker processes for the CPU-bound stages (sketching a corpus, confirming scan links)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

CHUNK = 128  # documents per sketching task
PARALLEL_AFTER = 1000  # documents to sketch before starting worker processes


def default_workers() -> int:
    """$PROVENANCE_WORKERS, else the number of CPUs."""
    env = os.environ.get("PROVENANCE_WORKERS")
    if env and env.isdigit():
        return max(1, int(env))
    return os.cpu_count() or 1


def start_pool(workers: int):
    import multiprocessing

    # fork: workers start at once and do not re-import the caller's __main__ (a library cannot
    # require the `if __name__ == "__main__"` guard of its callers); they only compute sketches
    # and alignments and never touch an inherited index connection.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn").Pool(workers)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last one shorter), for work handed out in chunks."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
