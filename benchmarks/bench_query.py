"""`check` against a large index: latency in process and through the CLI, open time, recall.

    python benchmarks/corpus_gen.py /tmp/c100k --n 100000
    python benchmarks/bench_index.py --corpus /tmp/c100k --index /tmp/c100k/index.db
    python benchmarks/bench_query.py --corpus /tmp/c100k --index /tmp/c100k/index.db \
        [--small-index /tmp/c10k/index.db] [--per-kind 200]

Checks planted articles (near-copies, light edits, paraphrases, partial reuse: is their source
flagged?) and unplanted ones (articles that neither derive from nor are the source of another:
are they flagged?) at the default settings; prints p50/p95 latency, the CLI's wall time with
start-up, the open time of the index (and of a smaller one, to show it does not grow), and the
word 5-gram Jaccard of the planted paraphrases with their sources. Timings are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus_articles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def open_time(path: Path) -> float:
    """Opening the index as `check` does (reading its metadata), without checking anything."""
    from provenance.storage.sqlite import SQLiteIndex as Index

    start = time.perf_counter()
    with Index.open(path) as idx:
        idx.fingerprint()
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="folder with articles.jsonl and truth.jsonl")
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--small-index", type=Path, default=None)
    ap.add_argument("--per-kind", type=int, default=200)
    ap.add_argument("--cli-runs", type=int, default=10)
    a = ap.parse_args()
    from corpus_gen import word_ngram_jaccard

    from provenance import api
    from provenance.documents import iter_documents
    from provenance.storage.sqlite import SQLiteIndex as Index

    truth = {}
    with open(a.corpus / "truth.jsonl", encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            truth[t["id"]] = t
    sources = {t["source_id"] for t in truth.values() if t["source_id"]}
    rng = random.Random(2022)
    by_kind: dict[str, list[str]] = {}
    for t in truth.values():
        kind = t["kind"] if t["kind"] != "original" else ("unplanted" if t["id"] not in sources else None)
        if kind:
            by_kind.setdefault(kind, []).append(t["id"])
    chosen = {k: sorted(rng.sample(v, min(a.per_kind, len(v)))) for k, v in sorted(by_kind.items())}
    wanted = {i for v in chosen.values() for i in v} | {truth[i]["source_id"] for i in chosen.get("paraphrase", [])}
    # path=None: api.analyse skips a source read from the same file as the article (meant for
    # one-article files; every record of a JSON Lines file shares its path).
    docs = {d.id: replace(d, path=None) for d in iter_documents([corpus_articles(a.corpus)])
            if getattr(d, "id", None) in wanted}

    start = time.perf_counter()
    idx = Index.open(a.index)
    opened = time.perf_counter() - start
    latencies, flagged = [], {k: 0 for k in chosen}
    for kind, ids in chosen.items():
        for doc_id in ids:
            t0 = time.perf_counter()
            result = api.check(docs[doc_id], idx)
            latencies.append(time.perf_counter() - t0)
            hit = {f.id for f in result.findings if f.flagged}
            if kind == "unplanted":
                flagged[kind] += bool(hit)
            else:
                flagged[kind] += truth[doc_id]["source_id"] in hit
    n = len(idx)
    idx.close()
    lat = sorted(latencies)
    print(f"index: {a.index} ({n} articles), opened in {opened * 1000:.1f} ms")
    print(f"check in process: {len(lat)} articles, p50 {statistics.median(lat) * 1000:.0f} ms, "
          f"p95 {lat[int(0.95 * (len(lat) - 1))] * 1000:.0f} ms")
    for kind, ids in chosen.items():
        what = "flagged (false positives)" if kind == "unplanted" else "source flagged (recall)"
        print(f"  {kind:<11} {flagged[kind]}/{len(ids)} = {flagged[kind] / max(1, len(ids)):.3f} {what}")
    para = [word_ngram_jaccard(docs[i].text, docs[truth[i]["source_id"]].text) for i in chosen.get("paraphrase", [])]
    if para:
        q = statistics.quantiles(para, n=10)
        print(f"planted paraphrases' word 5-gram Jaccard with their source: median {statistics.median(para):.3f}, "
              f"p10 {q[0]:.3f}, p90 {q[-1]:.3f}, share below 0.3: {sum(p < 0.3 for p in para) / len(para):.3f}")
    # The CLI, start-up included.
    sample = docs[chosen["paraphrase"][0]] if "paraphrase" in chosen else next(iter(docs.values()))
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "article.txt"
        article.write_text(sample.text, encoding="utf-8")
        exe = Path(sys.executable).parent / "provenance"
        walls = []
        for _ in range(a.cli_runs):
            t0 = time.perf_counter()
            subprocess.run([str(exe), "check", str(article), "--index", str(a.index), "--format", "json"],
                           check=True, stdout=subprocess.DEVNULL, env=os.environ | {"PYTHONWARNINGS": "ignore"})
            walls.append(time.perf_counter() - t0)
    print(f"CLI `provenance check ARTICLE --index ...` wall time: median {statistics.median(walls):.3f} s, "
          f"max {max(walls):.3f} s over {len(walls)} runs")
    if a.small_index:
        small = Index.open(a.small_index)
        small_n = len(small)
        small.close()
        t_small = statistics.median(open_time(a.small_index) for _ in range(7))
        t_big = statistics.median(open_time(a.index) for _ in range(7))
        print(f"opening the index: {small_n} articles {t_small * 1000:.2f} ms, {n} articles {t_big * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
