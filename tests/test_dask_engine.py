"""The Dask engine gives the same groups as the local engine (a real distributed LocalCluster)."""

from __future__ import annotations

import sys

import pytest

from provenance.cluster import scan
from provenance.documents import Document
from provenance.sketch import SketchParams

from .conftest import ROOT

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
