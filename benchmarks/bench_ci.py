"""Throughput of `provenance ci`: articles per second with --jobs 1 and --jobs 2.

    python benchmarks/bench_ci.py [--index-size 10000] [--articles 1000] [--seed 2022] [--work DIR]

The seeded generator (benchmarks/corpus_gen.py) writes a stream of index_size + articles
news-like articles; the first index_size go into a SQLite index, the last `articles` are written
as .txt files (with sidecar metadata) and checked with batch.run_batch, the library call behind
`provenance ci`, once per --jobs value. The baseline is --jobs 1 in the same run; the ratio is
what the second process buys on this machine. The outputs of the runs are compared byte for byte.
Generated data goes to a temporary folder (or --work), never into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_gen import generate  # noqa: E402

from provenance.api.ci import run_batch  # noqa: E402
from provenance.documents import Document  # noqa: E402
from provenance.policy import Policy  # noqa: E402
from provenance.report.ci import json_lines  # noqa: E402
from provenance.settings import Settings  # noqa: E402
from provenance.storage.sqlite import SQLiteIndex as Index  # noqa: E402


def build(work: Path, index_size: int, articles: int, seed: int, words: int, planted: float
          ) -> tuple[Path, Path, dict[str, str], float]:
    """The index file, the folder of new articles, the planted kinds of the new ones, the
    seconds the index took to build (generation excluded)."""
    index_path, new = work / "index.db", work / "new"
    new.mkdir(parents=True, exist_ok=True)
    stream = generate(index_size + articles, seed, words, planted)
    older: list[Document] = []
    kinds: dict[str, str] = {}
    for i, art in enumerate(stream):
        if i < index_size:
            older.append(Document(id=art.id, text=art.text, path=art.id, title=art.title,
                                  outlet=art.outlet, published=art.published))
            continue
        name = Path(art.id).name
        (new / name).write_text(art.text, encoding="utf-8")
        (new / (name + ".meta.json")).write_text(json.dumps(
            {"title": art.title, "outlet": art.outlet, "published": art.published}), encoding="utf-8")
        # A derived article whose source is in the index should be flagged; one derived from
        # another new article cannot be (the new ones are not indexed).
        in_index = art.source_id is not None and int(art.source_id[4:-4]) < index_size
        kinds[name] = art.kind if art.kind == "original" or in_index else "derived-from-new"
    t0 = time.perf_counter()
    with Index.open(index_path, create=True, params=Settings().sketch_params()) as idx:
        idx.add(older)
    return index_path, new, kinds, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    # A fixed report time, so the outputs of the runs compare byte for byte.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index-size", type=int, default=10_000)
    p.add_argument("--articles", type=int, default=1_000)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--words", type=int, default=600, help="mean words per article")
    p.add_argument("--planted", type=float, default=0.1, help="fraction of derived articles")
    p.add_argument("--jobs", default="1,2", help="comma-separated --jobs values; the first is the baseline")
    p.add_argument("--work", type=Path, help="folder for the generated index and articles (default: temporary)")
    a = p.parse_args(argv)
    jobs_values = [int(j) for j in a.jobs.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-ci-") as tmp:
        work = a.work or Path(tmp)
        t0 = time.perf_counter()
        index_path, new, kinds, build_s = build(work, a.index_size, a.articles, a.seed, a.words, a.planted)
        print(f"generated {a.index_size + a.articles} articles (seed {a.seed}) in "
              f"{time.perf_counter() - t0 - build_s:.1f} s; index of {a.index_size} built in {build_s:.1f} s "
              f"({a.index_size / build_s:,.0f} articles/s), {os.path.getsize(index_path) / 1e6:.0f} MB")
        rates, outputs = {}, {}
        for jobs in jobs_values:
            t0 = time.perf_counter()
            report = run_batch([str(new)], index_path=str(index_path), policy=Policy(fail_on="partial"), jobs=jobs)
            dt = time.perf_counter() - t0
            rates[jobs] = len(report.outcomes) / dt
            outputs[jobs] = json_lines(report)
            derived = [o for o in report.outcomes if kinds.get(o.id) not in ("original", "derived-from-new")]
            flagged = sum(o.outcome == "fail" for o in derived)
            false = sum(o.outcome == "fail" for o in report.outcomes if kinds.get(o.id) == "original")
            print(f"--jobs {jobs}: {len(report.outcomes)} articles in {dt:.1f} s = {rates[jobs]:.1f} articles/s "
                  f"(errors {report.count('error')}; flagged at partial: {flagged}/{len(derived)} planted, "
                  f"{false} originals)")
        base = jobs_values[0]
        for jobs in jobs_values[1:]:
            same = "identical" if outputs[jobs] == outputs[base] else "DIFFERENT"
            print(f"ratio --jobs {jobs} / --jobs {base}: {rates[jobs] / rates[base]:.2f}x "
                  f"(outputs {same}; {os.cpu_count()} CPUs, shared machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
