"""Buckets are read in publication order: a story indexed after 30 of its copies is still
named as their origin (storage.protocol.read_order, candidates.find)."""

from __future__ import annotations

import sys

import pytest

from provenance import api
from provenance.documents import Document
from provenance.storage import candidates
from provenance.storage.protocol import ROWID_MASK, read_order
from provenance.storage.sqlite import SQLiteIndex

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus_gen import generate  # noqa: E402


def test_read_order_is_date_then_rowid() -> None:
    assert read_order(None, 7) == 7 and read_order("not a date", 7) == 7
    assert read_order("2022-01-19", 7) & ROWID_MASK == 7
    # Earlier days first; undated first of all; then the order added.
    assert read_order(None, 99) < read_order("1999-12-31", 1) < read_order("2022-01-19T08:00:00Z", 1)
    assert read_order("2022-01-19", 1) < read_order("2022-01-19", 2) < read_order("2022-01-20", 0)
    assert read_order("2022-02-30", 5) == 5  # no such day: undated


@pytest.fixture(scope="module")
def syndicated(tmp_path_factory):
    others = [Document(a.id, a.text, published="2021-06-01")
              for a in generate(60, seed=21, words_per_article=400, planted_fraction=0.0)]
    [story] = generate(1, seed=99, words_per_article=400, planted_fraction=0.0)
    copies = [Document(f"copy{n:02d}", story.text, published=f"2022-01-{10 + n % 15:02d}")
              for n in range(30)]
    original = Document("original", story.text, published="2022-01-02")
    path = tmp_path_factory.mktemp("syndicated") / "i.db"
    with SQLiteIndex.open(path, create=True) as idx:
        idx.add(others + copies)
        idx.add([original])  # indexed last, published first
    return path, story.text


def test_an_original_indexed_after_30_copies_is_named_first(syndicated) -> None:
    path, text = syndicated
    assert 30 > candidates.BUCKET_READ  # every bucket of the story is crowded
    with SQLiteIndex.open(path) as idx:
        result = api.check(Document("new-copy", text, published="2022-02-01"), idx)
    first = result.sources[0]
    assert first.id == "original" and first.sibling_of is None and first.verdict == "copy"
    assert all(s.sibling_of == "original" for s in result.sources[1:] if s.flagged)


def test_in_insertion_order_the_original_would_not_be_read(syndicated, monkeypatch) -> None:
    # What the date order prevents: read by rowid alone (every document undated), the first
    # 20 of each crowded bucket are copies, and rare terms rank the same way.
    path, text = syndicated
    monkeypatch.setattr("provenance.storage.sqlite.read_order", lambda published, rowid: rowid)
    undated = path.parent / "undated.db"
    with SQLiteIndex.open(path) as idx, SQLiteIndex.open(undated, create=True) as again:
        again.add([Document(i, idx.get(i).text) for i in idx.ids() if i != "original"])
        again.add([Document("original", idx.get("original").text)])
    with SQLiteIndex.open(undated) as idx:
        result = api.check(Document("new-copy", text), idx)
    assert "original" not in [s.id for s in result.sources]
