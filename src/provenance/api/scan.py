"""`provenance scan` as a library call: groups of articles that copy or paraphrase one another,
over files or over every document of an index (either back end)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ..documents import Document
from ..errors import ConfigError
from ..results import ScanResult
from ..settings import ScanOptions, Settings, SketchParams
from ..storage import Index

ENGINES = ("local", "dask")


def index_documents(index: Index) -> Iterator[Document]:
    """Every document stored in an index, in id order."""
    ids = index.ids()
    for start in range(0, len(ids), 500):
        yield from index.get_many(ids[start:start + 500])


def scan(documents: Iterable[Document], settings: Settings | None = None, *,
         params: SketchParams | None = None, options: ScanOptions | None = None,
         engine: str = "local", scheduler: str | None = None, partitions: int | None = None,
         workers: int | None = None, progress: Callable[[int, int | None], None] | None = None,
         total: int | None = None) -> ScanResult:
    """Cluster `documents` into groups of articles that reuse one another.

    `params` are the sketch parameters (an index's own when scanning an index; else derived from
    `settings`); links that need it are confirmed by alignment under `settings`. The dask engine
    gives the same groups as the local one. `progress(read, total)` is told as articles are
    read (the sketching that follows is most of the time on big corpora).
    """
    from ..cluster import scan as scan_local

    settings = settings or Settings()
    params = params or settings.sketch_params()
    if progress is not None:
        documents = _counted(documents, progress, total)
    if engine == "dask":
        from ..cluster_dask import scan_dask

        return scan_dask(list(documents), params, scheduler=scheduler, partitions=partitions,
                         options=options, settings=settings)
    if engine != "local":
        raise ConfigError(f"unknown scan engine {engine!r} ({' or '.join(ENGINES)})")
    return scan_local(documents, params, options, workers, settings)


def scan_index(index: Index, settings: Settings | None = None, **kwargs: object) -> ScanResult:
    """Scan every document of an index, sketched with the index's own parameters."""
    return scan(index_documents(index), settings, params=index.params,  # type: ignore[arg-type]
                total=len(index), **kwargs)


def _counted(documents: Iterable[Document], progress: Callable[[int, int | None], None],
             total: int | None) -> Iterator[Document]:
    for read, doc in enumerate(documents, 1):
        progress(read, total)
        yield doc
