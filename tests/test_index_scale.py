"""The SQLite index: incremental adds, removal without a doc index, parallel sketching."""

from __future__ import annotations

import sqlite3
import sys

import pytest

from provenance.documents import Document
from provenance.sketch import sketch_text
from provenance.storage import sqlite as index_module
from provenance.storage.sqlite import SQLiteIndex as Index

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus_gen import generate  # noqa: E402


@pytest.fixture(scope="module")
def corpus():
    arts = list(generate(150, seed=11, words_per_article=300, planted_fraction=0.3))
    docs = [Document(a.id, a.text, outlet=a.outlet, published=a.published, title=a.title) for a in arts]
    return arts, docs


def _dump(path):
    conn = sqlite3.connect(path)
    docs = conn.execute("SELECT rowid, id, sha256, meta, signature FROM docs ORDER BY rowid").fetchall()
    buckets = conn.execute("SELECT key, doc FROM buckets ORDER BY key, doc").fetchall()
    conn.close()
    return docs, buckets


def test_parallel_add_equals_serial(tmp_path, corpus, monkeypatch):
    _, docs = corpus
    monkeypatch.setattr(index_module, "PARALLEL_AFTER", 10)
    monkeypatch.setattr(index_module, "CHUNK", 16)
    for name, workers in (("serial.db", 1), ("parallel.db", 2)):
        with Index.open(tmp_path / name, create=True) as idx:
            report = idx.add(docs, workers=workers, batch=40)
            assert report.added == len(docs)
    assert _dump(tmp_path / "serial.db") == _dump(tmp_path / "parallel.db")


def test_readd_update_remove(tmp_path, corpus):
    _, docs = corpus
    with Index.open(tmp_path / "i.db", create=True) as idx:
        idx.add(docs[:50])
        fp = idx.fingerprint()
        assert idx.add(docs[:50]).unchanged == 50 and idx.fingerprint() == fp
        changed = Document(docs[0].id, docs[0].text + "\nA new closing sentence about the harbour.")
        report = idx.add([changed, changed])  # same id twice: updated once, then unchanged
        assert (report.updated, report.unchanged) == (1, 1)
        assert idx.get(docs[0].id).text == changed.text
        keys = sketch_text(docs[1].text, idx.params).index_keys().tolist()
        rowid = idx._conn.execute("SELECT rowid FROM docs WHERE id = ?", (docs[1].id,)).fetchone()[0]
        assert idx.remove(docs[1].id) and docs[1].id not in idx
        left = idx._conn.execute(f"SELECT count(*) FROM buckets WHERE doc = {rowid}").fetchone()[0]
        assert left == 0 and keys
        assert not idx.remove(docs[1].id)
        assert len(idx) == 49
        idx.add(docs[:50])
        assert len(idx) == 50 and idx.fingerprint() == fp  # same content again, any order


def test_candidates_find_planted_sources(tmp_path, corpus):
    arts, docs = corpus
    with Index.open(tmp_path / "i.db", create=True) as idx:
        idx.add(docs)
        planted = [a for a in arts if a.source_id]
        assert planted
        for a in planted:
            sk = sketch_text(a.text, idx.params)
            found = [c.id for c in idx.candidates(sk, exclude=[a.id], limit=10)]
            assert a.source_id in found, (a.kind, a.id)


def test_atomic_add_rolls_back(tmp_path, corpus):
    _, docs = corpus

    def broken():
        yield from docs[:20]
        raise RuntimeError("disk on fire")

    with Index.open(tmp_path / "i.db", create=True) as idx:
        with pytest.raises(RuntimeError):
            idx.add(broken(), atomic=True)
        assert len(idx) == 0
        assert idx._conn.execute("SELECT count(*) FROM buckets").fetchone()[0] == 0
