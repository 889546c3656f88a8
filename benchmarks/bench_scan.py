"""`scan` of a generated corpus: wall time and how well the groups match the planted reuse.

    python benchmarks/corpus_gen.py /tmp/c100k --n 100000
    python benchmarks/bench_scan.py --corpus /tmp/c100k [--engine local|dask] [--scheduler ADDR]

Times the scan end to end from articles.jsonl (reading, sketching in worker processes, band
grouping, verification, grouping) and scores it against truth.jsonl: a planted article is found
when it lands in the same group as its source; a group is mixed when it joins articles of
different planted families. Timings are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import corpus_articles  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--engine", choices=("local", "dask"), default="local")
    ap.add_argument("--scheduler", default=None)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--set", dest="options", action="append", default=[], metavar="KEY=VALUE",
                    help="override a setting, as the CLI's --set (default: the tool's defaults)")
    a = ap.parse_args()
    from provenance.cluster import scan
    from provenance.config import load_settings
    from provenance.documents import iter_documents

    params = load_settings(None, tuple(a.options)).sketch_params()
    print(f"sketch parameters: {params}")
    start = time.perf_counter()
    docs = iter_documents([corpus_articles(a.corpus)])
    if a.engine == "dask":
        from provenance.cluster_dask import scan_dask

        result = scan_dask(list(docs), params, scheduler=a.scheduler)
    else:
        result = scan(docs, params, workers=a.workers)
    elapsed = time.perf_counter() - start
    s = result.summary()
    print(f"scan ({a.engine}): {s['articles']} articles in {elapsed:.1f} s; {s['groups']} groups holding "
          f"{s['articles_in_groups']} articles; {s['candidate_pairs']} candidate pairs, {s['links']} links, "
          f"{s['crowded_buckets']} crowded buckets joined as stars; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    truth = {}
    with open(a.corpus / "truth.jsonl", encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            truth[t["id"]] = t
    group_of = {m["id"]: g["group"] for g in result.groups for m in g["members"]}
    found: dict[str, list[int]] = {}
    for t in truth.values():
        if t["source_id"]:
            ok = group_of.get(t["id"]) is not None and group_of[t["id"]] == group_of.get(t["source_id"])
            found.setdefault(t["kind"], [0, 0])
            found[t["kind"]][0] += ok
            found[t["kind"]][1] += 1
    for kind, (ok, total) in sorted(found.items()):
        print(f"  {kind:<11} grouped with its source: {ok}/{total} = {ok / total:.3f}")
    family = {i: t["source_id"] or i for i, t in truth.items()}
    mixed = sum(1 for g in result.groups if len({family[m["id"]] for m in g["members"]}) > 1)
    right_origin = sum(1 for g in result.groups if g["origin"] and all(
        family[m["id"]] == g["origin"] for m in g["members"]))
    print(f"  mixed groups: {mixed}/{len(result.groups)}; origin = the planted original: "
          f"{right_origin}/{len(result.groups)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
