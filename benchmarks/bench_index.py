"""Index build speed, size and memory, against the obvious datasketch approach in the same run.

    python benchmarks/bench_index.py [--n 100000] [--subset 10000] [--corpus DIR] [--index PATH]

Generates the corpus (benchmarks/corpus_gen.py, seed 2022) as JSON Lines unless --corpus holds an
articles.jsonl, then times `Index.add` end to end (reading the JSON Lines, sketching in worker
processes, writing SQLite). The baseline sketches the first --subset articles with the same units
and parameters using `MinHash.update` per shingle and an in-memory `MinHashLSH` per level.
Timings are wall-clock on whatever machine runs it (shared machines give lower figures).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus_articles  # noqa: E402


def peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def baseline(texts, params) -> float:
    """datasketch the obvious way: one update() per unit, MinHashLSH in memory, both levels."""
    import xxhash
    from datasketch import MinHash, MinHashLSH

    from provenance.sketch import passages
    from provenance.text import scorable_spans, spans_units

    doc_lsh = MinHashLSH(threshold=params.doc_threshold, num_perm=params.num_perm)
    psg_lsh = MinHashLSH(threshold=params.passage_threshold, num_perm=params.passage_num_perm)
    start = time.perf_counter()
    for i, text in enumerate(texts):
        units = spans_units(text, scorable_spans(text))
        m = MinHash(num_perm=params.num_perm, seed=params.seed, hashfunc=xxhash.xxh32_intdigest)
        for u in {u for seg in units for u in seg}:
            m.update(u.encode())
        doc_lsh.insert(f"d{i}", m)
        for p in passages(units, params.passage_sentences, params.passage_stride):
            pm = MinHash(num_perm=params.passage_num_perm, seed=params.seed, hashfunc=xxhash.xxh32_intdigest)
            for u in p.units:
                pm.update(u.encode())
            psg_lsh.insert(f"d{i}/{p.number}", pm)
    return time.perf_counter() - start


def cpu_budget(data: Path, texts: list[str], params, workers: int | None) -> None:
    """CPU per article of the work every add does before it writes a row, in one process on the
    first --subset articles: the ceiling it puts on articles/s with all cores sketching."""
    import zlib

    from provenance.documents import iter_documents
    from provenance.parallel import default_workers
    from provenance.sketch import index_entries

    n = len(texts)
    if not n:
        return
    start = time.process_time()
    for _ in itertools.islice(iter_documents([data]), n):
        pass
    read = time.process_time() - start
    index_entries(texts[:100], params)  # caches warm, as in a long add
    start = time.process_time()
    index_entries(texts, params)
    sketch = time.process_time() - start
    start = time.process_time()
    for text in texts:
        zlib.compress(text.encode("utf-8", "surrogatepass"), 6)
    compress = time.process_time() - start
    per = (read + sketch + compress) / n
    cores = workers or default_workers()
    print(f"CPU per article before any write ({n} articles, one process): reading {read / n * 1e3:.3f} ms, "
          f"sketching {sketch / n * 1e3:.3f} ms, compressing {compress / n * 1e3:.3f} ms; "
          f"ceiling with {cores} cores and no writes: {cores / per:,.0f} articles/s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--subset", type=int, default=10_000)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--set", dest="options", action="append", default=[], metavar="KEY=VALUE",
                    help="override a setting, as the CLI's --set (default: the tool's defaults)")
    a = ap.parse_args()
    from corpus_gen import generate

    from provenance.config import load_settings
    from provenance.documents import iter_documents
    from provenance.storage.sqlite import SQLiteIndex as Index

    tmp = Path(tempfile.mkdtemp(prefix="bench_index_"))
    corpus = a.corpus or tmp
    data = corpus_articles(corpus)
    if not data.exists():
        with open(data, "w", encoding="utf-8") as f:
            for art in generate(a.n):
                f.write(json.dumps({"id": art.id, "text": art.text, "title": art.title, "outlet": art.outlet,
                                    "published": art.published}) + "\n")
    index_path = a.index or tmp / "index.db"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{index_path}{suffix}"):
            os.remove(f"{index_path}{suffix}")
    params = load_settings(None, tuple(a.options)).sketch_params()
    print(f"sketch parameters: {params}")
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    with Index.open(index_path, create=True, params=params) as idx:
        report = idx.add((d for d in iter_documents([data])), workers=a.workers)
        n = len(idx)
        text_bytes = idx._conn.execute("SELECT sum(length(text)) FROM docs").fetchone()[0]
        keys = idx._conn.execute("SELECT count(*) FROM buckets").fetchone()[0]
    elapsed = time.perf_counter() - t0
    size = sum(os.path.getsize(f"{index_path}{s}") for s in ("", "-wal") if os.path.exists(f"{index_path}{s}"))
    own, children = peak_rss_mb()
    rate = n / elapsed
    print(f"index build: {n} articles in {elapsed:.1f} s = {rate:,.0f} articles/s "
          f"(main process CPU {time.process_time() - cpu0:.1f} s); added {report.added}")
    print(f"on disk: {size / n:,.0f} B/article in all; compressed text {text_bytes / n:,.0f} B; "
          f"the rest {(size - text_bytes) / n:,.0f} B/article ({keys / n:.0f} bucket rows/article)")
    print(f"peak RSS: main {own:.0f} MB, largest worker {children:.0f} MB")
    texts = [d.text for d in itertools.islice(iter_documents([data]), a.subset)]
    cpu_budget(data, texts, params, a.workers)
    base = baseline(texts, params)
    base_rate = len(texts) / base
    print(f"datasketch baseline (update per shingle + in-memory MinHashLSH, both levels): "
          f"{len(texts)} articles in {base:.1f} s = {base_rate:,.0f} articles/s")
    print(f"ratio: {rate / base_rate:.1f}x; peak RSS after baseline: {peak_rss_mb()[0]:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
