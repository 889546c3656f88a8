"""Several `provenance check` processes read an index while one `provenance index add` writes to
it: readers never fail with a lock error and never see a half-written document (SQLite WAL: a
reader sees the last committed batch; busy_timeout covers the moments a checkpoint needs).

Real processes on a real SQLite file; benchmarks/stress.py runs this test 20 times.
"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

from .test_crash import assert_consistent, cli_command, write_corpus

READERS = 3


def run_check(article: Path, index: Path) -> tuple[int, str, str]:
    done = subprocess.run(cli_command("check", article, "--index", index, "--format", "json"),
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def test_checks_read_while_index_add_writes(tmp_path: Path) -> None:
    seed_corpus = tmp_path / "seed.jsonl"
    seed_texts = write_corpus(seed_corpus, 20, seed=11)
    seed_texts = {f"seed-{k}": v for k, v in seed_texts.items()}
    seed_corpus.write_text("".join(json.dumps({"id": k, "text": v}) + "\n"
                                   for k, v in seed_texts.items()), encoding="utf-8")
    corpus = tmp_path / "corpus.jsonl"
    texts = write_corpus(corpus, 3000, seed=12)  # commits at ~2,500 and at the end
    index = tmp_path / "index.db"
    first = subprocess.run(cli_command("index", "add", seed_corpus, "--index", index),
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr

    # Probes: copies of a seeded article (always there) and of articles the writer is adding
    # (absent, or present in full: never half there).
    probes = []
    for n, doc_id in enumerate(["seed-doc00003", "doc00010", "doc02600", "doc02990"]):
        path = tmp_path / f"probe{n}.txt"
        path.write_text((seed_texts | texts)[doc_id], encoding="utf-8")
        probes.append((path, doc_id))

    writer = subprocess.Popen(cli_command("index", "add", corpus, "--index", index),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outcomes: list[tuple[str, int, str, str, bool]] = []
    lock = threading.Lock()

    def reader(offset: int) -> None:
        k = offset
        while True:
            writing = writer.poll() is None
            path, doc_id = probes[k % len(probes)]
            code, out, err = run_check(path, index)
            with lock:
                outcomes.append((doc_id, code, out, err, writing))
            k += 1
            if not writing:
                return

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    assert "added 3000" in out

    during = [o for o in outcomes if o[4]]
    assert len(during) >= READERS, "the readers did not overlap the writer"
    for doc_id, code, stdout, stderr, _ in outcomes:
        assert code == 0, (doc_id, code, stderr)
        assert "locked" not in stderr.lower() and "Traceback" not in stderr
        data = json.loads(stdout)
        assert data["status"] == "ok"
        found = {s["id"]: s for s in data["sources"]}
        if doc_id.startswith("seed-") or doc_id in found:
            # Present means complete: a copy of all of it.
            assert found[doc_id]["verdict"] == "copy" and found[doc_id]["coverage"] == 1.0, found
    assert_consistent(index, seed_texts | texts, probes=4)
