"""An index learns its common units once (sketch.COMMON_SHARE) and leaves them out of passage
signatures: the documents it held are sketched again, readers pick the units up, both back ends
learn the same ones."""

from __future__ import annotations

import sqlite3
import sys

import numpy as np
import pytest

from provenance import sketch as sketch_module
from provenance.documents import Document
from provenance.errors import IndexError_
from provenance.sketch import SKETCH_VERSION, sketch_text
from provenance.storage import redis as redis_backend
from provenance.storage import sqlite as sqlite_backend
from provenance.storage.protocol import read_order
from provenance.storage.sqlite import SQLiteIndex

from .conftest import ROOT
from .test_redis_index import redis_url  # noqa: F401  (the fixture: a real redis-server)

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus_gen import generate  # noqa: E402

# So that a test index of 90 articles learns: at 40 documents, the units in more than a third
# of them (at COMMON_SHARE, a unit in 5 of 90 short articles would be common).
LEARN_AT = 40
SHARE = 0.34


@pytest.fixture
def learn_early(monkeypatch):
    for module in (sqlite_backend, redis_backend):
        monkeypatch.setattr(module, "COMMON_LEARN_AT", LEARN_AT)
    monkeypatch.setattr(sketch_module, "COMMON_SHARE", SHARE)


@pytest.fixture(scope="module")
def articles():
    return list(generate(90, seed=3, words_per_article=250, planted_fraction=0.3, vocabulary="zipf"))


def _docs(arts) -> list[Document]:
    return [Document(a.id, a.text, published=a.published, outlet=a.outlet) for a in arts]


def _stored_passage_rows(idx: SQLiteIndex) -> set[tuple[int, int]]:
    return set(idx._conn.execute("SELECT key, doc FROM buckets WHERE (key & 1) = 1").fetchall())


def _sketched_passage_rows(idx: SQLiteIndex, arts) -> set[tuple[int, int]]:
    rowid = dict(idx._conn.execute("SELECT id, rowid FROM docs").fetchall())
    rows = set()
    for a in arts:
        keys = sketch_text(a.text, idx.params).index_keys()
        order = read_order(a.published, rowid[a.id])
        rows |= {(k, order) for k in keys[(keys & 1) == 1].tolist()}
    return rows


def test_an_index_learns_its_common_units_once_and_sketches_its_documents_again(
        tmp_path, articles, learn_early) -> None:
    path = tmp_path / "index.db"
    with SQLiteIndex.open(path, create=True) as idx:
        idx.add(_docs(articles[:30]))
        assert idx.info()["common_units"] is None and idx.params.common == ()
        before = _stored_passage_rows(idx)
        with SQLiteIndex.open(path) as reader:  # opened before the units are learned
            assert reader.params.common == ()
            idx.add(_docs(articles[30:]))
            common = idx.params.common
            assert len(common) >= 10 and idx.info()["common_units"] == len(common)
            assert reader.params.common == common  # a long-running reader picks them up
        # Every passage key, of the first 30 documents too, is the sketch without the units.
        stored = _stored_passage_rows(idx)
        assert stored == _sketched_passage_rows(idx, articles)
        assert not before <= stored  # the first 30 were sketched again
        idx.add([Document(f"more/{a.id}", a.text) for a in generate(20, seed=4, words_per_article=250,
                                                                     vocabulary="zipf")])
        assert idx.params.common == common  # learned once, kept
        meta = dict(idx._conn.execute("SELECT key, value FROM meta").fetchall())
        assert meta["sketch_version"] == str(SKETCH_VERSION)
        # Planted reuse is still found through the bands.
        planted = [a for a in articles if a.source_id and a.kind != "partial"]
        found = [a for a in planted if a.source_id in
                 {c.id for c in idx.candidates(sketch_text(a.text, idx.params), exclude=[a.id])}]
        assert len(planted) >= 10 and len(found) == len(planted)
    with SQLiteIndex.open(path) as again:
        assert again.params.common == common


def test_a_small_index_does_not_learn(tmp_path, articles) -> None:
    with SQLiteIndex.open(tmp_path / "index.db", create=True) as idx:
        idx.add(_docs(articles))
        assert idx.params.common == () and idx.info()["common_units"] is None


def test_damaged_common_units_are_refused_when_opened(tmp_path, articles, learn_early) -> None:
    path = tmp_path / "index.db"
    with SQLiteIndex.open(path, create=True) as idx:
        idx.add(_docs(articles))
    for value in ('"x"', "[3, 1]", "[1.5]", "{"):
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'common'", (value,))
        with pytest.raises(IndexError_, match="common units"):
            SQLiteIndex.open(path)


def test_an_index_of_sketch_version_5_is_read_and_learns(tmp_path, articles, learn_early) -> None:
    # Version 5 keys are version 6 keys without common units.
    path = tmp_path / "index.db"
    with SQLiteIndex.open(path, create=True) as idx:
        idx.add(_docs(articles[:30]))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '5' WHERE key = 'sketch_version'")
    with SQLiteIndex.open(path) as idx:
        idx.add(_docs(articles[30:]))
        assert idx.params.common
        assert idx._meta("sketch_version") == str(SKETCH_VERSION)


def test_redis_learns_the_same_units_and_finds_the_same_candidates(
        tmp_path, articles, learn_early, redis_url) -> None:  # noqa: F811
    docs = _docs(articles)
    with SQLiteIndex.open(tmp_path / "index.db", create=True) as a, \
            redis_backend.RedisIndex.open(redis_url, "learning", create=True) as b:
        for idx in (a, b):
            idx.add(docs[:30])
            idx.add(docs[30:])
        assert a.params.common and a.params.common == b.params.common
        with redis_backend.RedisIndex.open(redis_url, "learning") as reopened:
            assert reopened.params.common == a.params.common
        found = 0
        for art in articles:
            query = sketch_text(art.text, a.params)
            ours = [(c.id, c.doc_hits, c.passage_hits) for c in a.candidates(query, exclude=[art.id])]
            assert ours == [(c.id, c.doc_hits, c.passage_hits)
                            for c in b.candidates(query, exclude=[art.id])]
            found += bool(ours)
        assert found >= 10
        # Removing a document removes the keys it was sketched with after the learning.
        b.remove(articles[0].id)
        keys = sketch_text(articles[0].text, b.params).index_keys()
        assert not any(b._r.zscore(b._bucket(k), b"1") is not None for k in keys.tolist())
    assert np.all(np.diff(np.asarray(a.params.common)) > 0)


def test_the_units_do_not_depend_on_when_the_index_learns(tmp_path, articles, learn_early) -> None:
    # Learned from the first LEARN_AT documents by rowid: one add of all, or three adds.
    with SQLiteIndex.open(tmp_path / "one.db", create=True) as one, \
            SQLiteIndex.open(tmp_path / "three.db", create=True) as three:
        one.add(_docs(articles))
        for part in (articles[:35], articles[35:60], articles[60:]):
            three.add(_docs(part))
        assert one.params.common and one.params.common == three.params.common
        assert _stored_passage_rows(one) == _stored_passage_rows(three)


def test_units_supplied_with_new_parameters_are_not_used(tmp_path) -> None:
    from dataclasses import replace

    from provenance.settings import SketchParams

    path = tmp_path / "index.db"
    with SQLiteIndex.open(path, create=True, params=replace(SketchParams(), common=(4, 8))) as idx:
        assert idx.params.common == ()
    with SQLiteIndex.open(path) as idx:
        assert idx.params.common == ()


def test_a_closed_index_still_tells_its_parameters(tmp_path, articles) -> None:
    idx = SQLiteIndex.open(tmp_path / "index.db", create=True)
    idx.add(_docs(articles[:5]))
    idx.close()
    assert idx.params.num_perm > 0 and idx.params.common == ()


def _redis_rows(index) -> set[tuple[int, bytes]]:
    prefix = index._k(b"b", b"")
    rows = set()
    for bucket in index._r.scan_iter(match=prefix + b"*", count=1000):
        key = int(bucket[len(prefix):])
        if key & 1:
            rows |= {(key, member) for member in index._r.zrange(bucket, 0, -1)}
    return rows


def _redis_expected(index, arts) -> set[tuple[int, bytes]]:
    rows = set()
    for a in arts:
        rowid = index._r.hget(index._doc_key(a.id), b"rowid")
        keys = sketch_text(a.text, index.params).index_keys()
        rows |= {(k, rowid) for k in keys[(keys & 1) == 1].tolist()}
    return rows


def test_redis_learning_stopped_half_way_is_finished_by_the_next_add(
        articles, learn_early, redis_url, monkeypatch) -> None:  # noqa: F811
    docs = _docs(articles)
    with redis_backend.RedisIndex.open(redis_url, "resumed", create=True) as idx:
        moved = redis_backend.RedisIndex._move_passages

        def stopped(self, old, new):  # moves the documents, then dies before publishing
            moved(self, old, new)
            raise KeyboardInterrupt

        monkeypatch.setattr(redis_backend.RedisIndex, "_move_passages", stopped)
        with pytest.raises(KeyboardInterrupt):
            idx.add(docs[:45])
        assert idx.params.common == ()
        monkeypatch.setattr(redis_backend.RedisIndex, "_move_passages", moved)
        idx.add(docs[45:])  # more documents, other counts: the pending units still stand
        assert idx.params.common
        assert _redis_rows(idx) == _redis_expected(idx, articles)
    with SQLiteIndex.in_memory() as plain:  # the same units as an index that was never stopped
        plain.add(docs)
        assert plain.params.common == idx.params.common
