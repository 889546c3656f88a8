"""Run the crash test (SIGKILL during `index add`) and the concurrent reader/writer test many
times in a row and print the tally: a flaky pass is not a pass.

    python benchmarks/stress.py [--rounds 20] [--only kill|concurrency|kill-learning]

Each round calls the test function itself (tests/test_crash.py, tests/test_concurrency.py) in a
fresh temporary folder, with real processes and a real SQLite file, exactly as pytest runs it;
kill-learning (SIGKILL while an index learns its common units) runs here only, being slow.
Exit status 0 when every round passed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tests.test_concurrency import test_checks_read_while_index_add_writes  # noqa: E402
from tests.test_crash import test_sigkill_during_index_add_then_rerun_completes  # noqa: E402


def sigkill_while_learning_common_units(folder: Path) -> None:
    """`index add` of 7,000 articles SIGKILLed at a random moment in the two seconds after its
    5,000th document is committed (while it learns its common units and sketches its documents
    again, or just after): the index opens, passes quick_check, every sampled document's
    passage rows are its sketch under the index's parameters (learned or not), and the add run
    again completes and learns. Too slow for the test suite (about 20 s a round)."""
    import os
    import random
    import signal
    import subprocess

    from corpus_gen import generate

    from provenance.sketch import COMMON_LEARN_AT, sketch_text
    from provenance.storage.protocol import read_order
    from provenance.storage.sqlite import SQLiteIndex
    from tests.test_crash import cli_command, count_documents

    rng = random.Random(folder.name)
    corpus, index = folder / "corpus.jsonl", folder / "index.db"
    # Zipf-distributed coined words: a few hundred of them are common units.
    texts = {a.id: a.text for a in generate(COMMON_LEARN_AT + 2000, seed=rng.randrange(1000),
                                            words_per_article=150, vocabulary="zipf")}
    with corpus.open("w", encoding="utf-8") as fh:
        for doc_id, text in texts.items():
            fh.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    sample = rng.sample(sorted(texts), 300)

    def check() -> tuple[int, bool]:
        with SQLiteIndex.open(index) as idx:
            info = idx.info()
            assert info["integrity"] == "ok"
            rowid = dict(idx._conn.execute("SELECT id, rowid FROM docs").fetchall())
            for doc_id in sample:
                if doc_id in rowid:
                    keys = sketch_text(texts[doc_id], idx.params).index_keys()
                    stored = {k for (k,) in idx._conn.execute(
                        "SELECT key FROM buckets WHERE doc = ? AND (key & 1) = 1",
                        (read_order(None, rowid[doc_id]),))}
                    assert stored == {k for k in keys.tolist() if k & 1}, doc_id
            return len(idx), bool(info["common_units"])

    proc = subprocess.Popen(cli_command("index", "add", corpus, "--index", index),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while count_documents(index) < COMMON_LEARN_AT:
            assert proc.poll() is None, "index add finished before it could be killed"
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 2.0))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the add and its sketching workers
        proc.wait()
    held, learned = check()
    print(f"  killed with {held} documents committed, common units {'learned' if learned else 'not learned'}")
    rerun = subprocess.run(cli_command("index", "add", corpus, "--index", index), capture_output=True)
    assert rerun.returncode == 0, rerun.stderr.decode(errors="replace")[-500:]
    assert check() == (len(texts), True)


TESTS: dict[str, Callable[[Path], None]] = {
    "kill": test_sigkill_during_index_add_then_rerun_completes,
    "concurrency": test_checks_read_while_index_add_writes,
    "kill-learning": sigkill_while_learning_common_units,
}


def run_rounds(name: str, test: Callable[[Path], None], rounds: int) -> tuple[int, list[str]]:
    passed = 0
    failures = []
    for number in range(1, rounds + 1):
        folder = Path(tempfile.mkdtemp(prefix=f"provenance-stress-{name}-"))
        start = time.perf_counter()
        try:
            test(folder)
        except Exception as exc:  # an assertion or anything else: a failed round, keep going
            failures.append(f"round {number}: {type(exc).__name__}: {str(exc)[:300]}")
            outcome = "FAIL"
            traceback.print_exc(limit=3, file=sys.stderr)
        else:
            passed += 1
            outcome = "ok"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(f"{name:<12} round {number:>2}/{rounds}  {outcome:<4}  {time.perf_counter() - start:6.1f} s",
              flush=True)
    return passed, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--only", choices=sorted(TESTS))
    args = parser.parse_args(argv)
    tally = {}
    for name, test in TESTS.items():
        if args.only and name != args.only:
            continue
        tally[name] = run_rounds(name, test, args.rounds)
    print()
    print("tally")
    for name, (passed, failures) in tally.items():
        print(f"  {name:<12} {passed}/{args.rounds} passed")
        for failure in failures:
            print(f"    {failure}")
    return 0 if all(not failures for _, failures in tally.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
