"""`scan --engine dask`: the scan pipeline on a dask.distributed cluster.

Steps, as in cluster.py, spread over the cluster:
1. sketching in partitions of the corpus (one task per partition);
2. LSH band grouping in shards: every band key belongs to one shard (key mod shards), and a shard
   task joins the probe keys with the stored keys of its shard across all partitions, giving
   candidate pairs with partial scores; the scores of a pair are summed over shards;
3. verification and grouping on the client, with the same functions as the local engine, so the
   groups are the same as `scan --engine local` for the same corpus and settings.

Running on a real cluster (every machine needs this package installed: `pip install
'news-provenance[dask]'`):

    dask scheduler                                   # on the scheduler host, port 8786
    dask worker tcp://SCHEDULER:8786 --nworkers 4    # on each worker host
    provenance scan corpus/ --engine dask --scheduler tcp://SCHEDULER:8786 -o groups.jsonl

The articles are read on the client and sent to the workers partition by partition; the groups
come back to the client, which writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from .documents import Document
    from .results import ScanResult
    from .settings import ScanOptions, Settings, SketchParams


def _sketch_partition(texts: list[str], params: SketchParams) -> list[tuple[bytes, bytes, bytes, bytes]]:
    from .cluster import _sketch_texts

    return _sketch_texts(texts, params)


def _shard_pairs(partitions: list[list[tuple[bytes, bytes, bytes, bytes]]], offsets: list[int], shard: int,
                 shards: int, max_bucket: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed scores of one key shard: (probe doc << 32 | other doc, partial scores, crowded
    keys); a pair's score is the sum over shards."""
    import numpy as np

    from .cluster import directed_scores

    sk, sd, pk, pd = [], [], [], []
    for offset, records in zip(offsets, partitions, strict=True):
        for i, (stored, probe, _, _) in enumerate(records, start=offset):
            s = np.frombuffer(stored, dtype=np.int64)
            p = np.frombuffer(probe, dtype=np.int64)
            s, p = s[(s % shards) == shard], p[(p % shards) == shard]
            sk.append(s)
            sd.append(np.full(len(s), i, dtype=np.int64))
            pk.append(p)
            pd.append(np.full(len(p), i, dtype=np.int64))
    if not sk:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    return directed_scores(np.concatenate(sk), np.concatenate(sd), np.concatenate(pk),
                           np.concatenate(pd), max_bucket)


def scan_dask(documents: Sequence[Document], params: SketchParams, *, scheduler: str | None = None,
              partitions: int | None = None, shards: int | None = None,
              options: ScanOptions | None = None, client=None,
              settings: Settings | None = None) -> ScanResult:
    """Scan on a Dask cluster: the scheduler at `scheduler`, a given `client`, or else an
    in-process LocalCluster. Returns the same ScanResult as cluster.scan."""
    import numpy as np

    try:
        from dask import delayed
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from .errors import ProvenanceError

        raise ProvenanceError("the dask engine needs dask.distributed: pip install 'news-provenance[dask]'") from None
    from .cluster import collect, doc_info, groups, strong_pairs, verify
    from .results import ScanResult
    from .settings import ScanOptions

    options = options or ScanOptions()
    seen: set[str] = set()
    docs = [d for d in documents if not (d.id in seen or seen.add(d.id))]  # first wins, as local
    own_client = client is None
    cluster = None
    if client is None:
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                   dashboard_address=None)
            client = Client(cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        n_parts = max(1, min(len(docs), partitions or 4 * n_workers))
        bounds = np.linspace(0, len(docs), n_parts + 1).astype(int)
        offsets = bounds[:-1].tolist()
        sketched = [delayed(_sketch_partition)([d.text for d in docs[a:b]], params)
                    for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        n_shards = shards or n_parts
        shard_tasks = [delayed(_shard_pairs)(sketched, offsets, s, n_shards, options.max_bucket)
                       for s in range(n_shards)]
        results = client.compute([*sketched, *shard_tasks], sync=True)
    finally:
        if own_client:
            client.close()
            if cluster is not None:
                cluster.close()
    records = [r for part in results[:n_parts] for r in part]
    sketches = collect(zip([doc_info(d) for d in docs], records, strict=True))
    codes = np.concatenate([r[0] for r in results[n_parts:]] or [np.empty(0, np.int64)])
    scores = np.concatenate([r[1] for r in results[n_parts:]] or [np.empty(0, np.int64)])
    crowded = int(np.unique(np.concatenate([r[2] for r in results[n_parts:]] or [np.empty(0, np.int64)])).size)
    unique, inverse = np.unique(codes, return_inverse=True)
    total = np.bincount(inverse, weights=scores).astype(np.int64) if len(codes) else scores
    pairs, total = strong_pairs(unique, total, options.min_score)
    links = verify(pairs, total, sketches.unit_hashes, options, sketches.docs, settings=settings,
                   signatures=sketches.signatures)
    return ScanResult(groups(sketches, links), len(docs), len(pairs), len(links), crowded)
