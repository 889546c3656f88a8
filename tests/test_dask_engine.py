"""The Dask engine gives the same groups as the local engine (a real distributed LocalCluster)."""

from __future__ import annotations

import sys

import pytest

from provenance.cluster import scan
from provenance.documents import Document
from provenance.sketch import SketchParams

from .conftest import ROOT
from .test_redis_index import redis_url  # noqa: F401  (the fixture: a real redis-server)

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus_gen import generate  # noqa: E402

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_dask_groups_equal_local(client):
    from provenance.cluster_dask import scan_dask

    arts = list(generate(180, seed=9, words_per_article=350, planted_fraction=0.3))
    docs = [Document(a.id, a.text, outlet=a.outlet, published=a.published, title=a.title) for a in arts]
    local = scan(docs, SketchParams(), workers=1)
    for partitions, shards in ((1, 1), (5, 3)):
        remote = scan_dask(docs, SketchParams(), client=client, partitions=partitions, shards=shards)
        assert remote.groups == local.groups
        assert remote.summary() == local.summary()
    assert local.groups


def test_ci_on_dask_gives_the_local_outputs_against_a_shared_redis_index(redis_url, tmp_path):  # noqa: F811
    # ci --engine dask: workers in their own processes open the shared Redis index; the JSON
    # Lines of the run are byte-identical to the local engine's.
    from provenance.api.ci import run_batch
    from provenance.report.ci import json_lines
    from provenance.storage import IndexSpec, open_index

    from .conftest import SAMPLES

    spec = IndexSpec("redis", "dask-ci", redis_url)
    with open_index("dask-ci", "redis", redis_url, create=True) as idx:
        from provenance.documents import iter_documents

        idx.add(iter_documents([SAMPLES]))
    new = tmp_path / "new"
    new.mkdir()
    for number, article in enumerate(generate(6, seed=9, words_per_article=200, planted_fraction=0.0)):
        (new / f"{number}.txt").write_text(article.text, encoding="utf-8")
    for sample in SAMPLES.glob("*.txt"):
        (new / f"copy-{sample.name}").write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    local = run_batch([new], index_path=spec, jobs=1)
    remote = run_batch([new], index_path=spec, jobs=2, engine="dask")
    assert json_lines(remote) == json_lines(local)
    assert sum(o.outcome == "fail" for o in local.outcomes) == 3


def test_ci_engine_dask_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from provenance.cli import cli

    from .conftest import A000, SAMPLES

    (tmp_path / "a.txt").write_text(A000.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["ci", str(tmp_path), "--against", str(SAMPLES), "--engine",
                                      "dask", "--jobs", "1", "--json", str(tmp_path / "r.jsonl")])
    assert result.exit_code == 1, result.stderr  # a copy of 000: a finding
    usage = CliRunner().invoke(cli, ["ci", str(tmp_path), "--against", str(SAMPLES),
                                     "--scheduler", "tcp://127.0.0.1:8786"])
    assert usage.exit_code == 2 and "--engine dask" in usage.stderr
