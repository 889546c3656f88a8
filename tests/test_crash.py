"""Crash safety of the index: `provenance index add` killed with SIGKILL part-way through a large
batch leaves an index that opens, is consistent (every listed document fully present and
findable) and is completed by running the add again.

Real processes and a real SQLite file; the corpus is generated in tmp_path. The index commits
every `index.BATCH` documents, so the kill waits for the first commit to be visible and then
strikes in the middle of the second batch. benchmarks/stress.py runs these tests 20 times.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from provenance import api
from provenance.cli import cli
from provenance.documents import Document
from provenance.storage.sqlite import BATCH
from provenance.storage.sqlite import SQLiteIndex as Index

SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def write_corpus(path: Path, n: int, seed: int = 5) -> dict[str, str]:
    """A JSON Lines corpus of n small distinct articles; returns id -> text."""
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice(SYLLABLES) for _ in range(3)) for _ in range(6000)})
    texts = {}
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(" ".join(rng.choice(vocab) for _ in range(rng.randint(10, 16))).capitalize()
                            + "." for _ in range(4))
            doc_id = f"doc{i:05d}"
            texts[doc_id] = text
            fh.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    return texts


def cli_command(*args: object) -> list[str]:
    return [sys.executable, "-m", "provenance", *map(str, args)]


def count_documents(index: Path) -> int:
    """Committed documents, read the way any other process would (0 while the file is new)."""
    if not index.exists():
        return 0
    try:
        # Read-only: a plain connect would create an empty file where `index add` is about to
        # create the index (see test_empty_file_as_new_index).
        with sqlite3.connect(f"file:{index}?mode=ro", uri=True, timeout=60) as conn:
            return conn.execute("SELECT count(*) FROM docs").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not committed yet
        return 0


def kill_after_first_commit(corpus: Path, index: Path, timeout: float = 60.0) -> int:
    """Start `index add`, SIGKILL it once its first batch is committed; the count seen then."""
    proc = subprocess.Popen(cli_command("index", "add", corpus, "--index", index),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while (seen := count_documents(index)) < BATCH:
            assert proc.poll() is None, "index add finished before it could be killed"
            assert time.monotonic() < deadline, "no commit seen in time"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        # The sketching workers of the killed process are its children, in its session: end
        # them too (they hold no lock, but must not outlive the test).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
    return seen


def assert_consistent(index_path: Path, texts: dict[str, str], probes: int = 12) -> list[str]:
    """The index opens and passes SQLite's integrity check; every listed document is one of the
    corpus with its full text; no bucket row is orphaned; sampled documents are found by check.
    Returns the listed ids."""
    with sqlite3.connect(index_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = conn.execute(
            "SELECT count(*) FROM buckets WHERE doc NOT IN (SELECT rowid FROM docs)").fetchone()[0]
        assert orphans == 0
        without_buckets = conn.execute(
            "SELECT count(*) FROM docs WHERE rowid NOT IN (SELECT doc FROM buckets)").fetchone()[0]
        assert without_buckets == 0
    with Index.open(index_path) as idx:
        ids = idx.ids()
        assert len(ids) == len(set(ids))
        for doc_id in ids:
            doc = idx.get(doc_id)
            assert doc is not None and doc.text == texts[doc_id]
        step = max(1, len(ids) // probes)
        for doc_id in ids[::step]:
            result = api.check(Document("probe", texts[doc_id]), idx)
            assert result.findings and result.findings[0].id == doc_id
            assert result.findings[0].verdict == "copy"
    return ids


def test_sigkill_during_index_add_then_rerun_completes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    # Commits come after whole chunks once BATCH documents are pending, so the first lands a
    # little after BATCH; the corpus leaves room to strike before the last one.
    texts = write_corpus(corpus, 2 * BATCH + BATCH // 2)
    index = tmp_path / "index.db"

    seen = kill_after_first_commit(corpus, index)
    ids = assert_consistent(index, texts)
    # Whole batches only: the interrupted one was rolled back (the WAL's uncommitted frames are
    # ignored when the index is next opened), so what is there is a prefix of the corpus.
    assert seen <= len(ids) < len(texts)
    assert ids == sorted(texts)[:len(ids)]

    runner = CliRunner()
    info = runner.invoke(cli, ["index", "info", "--index", str(index), "--json"])
    assert info.exit_code == 0 and json.loads(info.stdout)["documents"] == len(ids)

    rerun = subprocess.run(cli_command("index", "add", corpus, "--index", index),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"added {len(texts) - len(ids)}, updated 0, unchanged {len(ids)}" in rerun.stdout
    assert assert_consistent(index, texts) == sorted(texts)


def test_sigkill_before_the_first_commit_loses_nothing_committed(tmp_path: Path) -> None:
    """Killed early (during the first batch), the index may hold nothing yet, but it opens (or
    does not exist) and the rerun builds it completely."""
    corpus = tmp_path / "corpus.jsonl"
    texts = write_corpus(corpus, BATCH // 2, seed=6)
    index = tmp_path / "index.db"
    proc = subprocess.Popen(cli_command("index", "add", corpus, "--index", index),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not index.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
    rerun = subprocess.run(cli_command("index", "add", corpus, "--index", index),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert len(assert_consistent(index, texts, probes=4)) == len(texts)


def test_empty_file_as_new_index(tmp_path: Path) -> None:
    """A first `index add` killed before its schema commit leaves an empty file: the next
    `index add` makes it an index instead of refusing it as foreign."""
    corpus = tmp_path / "corpus.jsonl"
    write_corpus(corpus, 3)
    index = tmp_path / "index.db"
    index.touch()
    result = CliRunner().invoke(cli, ["index", "add", str(corpus), "--index", str(index)])
    assert result.exit_code == 0, result.stderr
