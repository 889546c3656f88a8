"""The Redis back end against a real redis-server on loopback (started and stopped here)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from provenance import api
from provenance.documents import Document, load_document
from provenance.errors import ConfigError, IndexError_

from .conftest import A000, A003, A004, ROOT, require_program

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus_gen import generate  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    programs = require_program("redis-server")
    pytest.importorskip("redis")
    import redis

    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [programs["redis-server"], "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
         "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield url
    client.close()
    proc.terminate()
    proc.wait(timeout=10)


def test_check_against_redis_matches_sqlite(redis_url):
    from provenance.storage import open_index

    article = load_document(A000)
    sources = [load_document(A003), load_document(A004)]
    with open_index("seeds", "redis", redis_url, create=True) as idx:
        assert idx.add(sources).added == 2
        assert idx.add(sources).unchanged == 2
        assert len(idx) == 2 and A003.name in idx
        redis_result = api.check(article, idx)
    sqlite_result = api.check(article, api.build_temporary(sources, idx.params))
    assert [(s.id, s.verdict) for s in redis_result.findings] == \
        [(s.id, s.verdict) for s in sqlite_result.findings]
    assert redis_result.findings[0].id == A003.name


def test_generated_planted_sources_and_remove(redis_url):
    from provenance.storage.redis import RedisIndex

    arts = list(generate(60, seed=3, words_per_article=300, planted_fraction=0.3))
    docs = [Document(a.id, a.text, published=a.published) for a in arts]
    idx = RedisIndex.open(redis_url, "gen", create=True)
    idx.add(docs)
    # A second process-like client sees the same index (shared).
    other = RedisIndex.open(redis_url, "gen")
    assert other.fingerprint() == idx.fingerprint() and len(other) == 60
    for a in arts:
        if a.source_id:
            from provenance.sketch import sketch_text

            found = [c.id for c in other.candidates(sketch_text(a.text, other.params), exclude=[a.id])]
            assert a.source_id in found, a.kind
    fp = idx.fingerprint()
    assert idx.remove(arts[0].id) and arts[0].id not in other
    assert not idx.remove(arts[0].id)
    idx.add(docs[:1])
    assert other.fingerprint() == fp
    assert other.get(arts[1].id).text == arts[1].text
    idx.close()
    other.close()


def test_errors(redis_url):
    from provenance.storage import open_index
    from provenance.storage.redis import RedisIndex

    with pytest.raises(IndexError_, match="no provenance index"):
        RedisIndex.open(redis_url, "missing")
    with pytest.raises(IndexError_, match="cannot reach"):
        RedisIndex.open(f"redis://127.0.0.1:{_free_port()}/0", "x")
    with pytest.raises(ConfigError, match="needs --redis-url"):
        open_index("x", "redis", None)
