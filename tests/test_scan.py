"""`provenance scan`: groups of generated articles that reuse one another."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.cluster import ALIGN_BELOW, scan
from provenance.documents import Document

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus_gen import generate  # noqa: E402


@pytest.fixture(scope="module")
def corpus():
    return list(generate(200, seed=5, words_per_article=400, planted_fraction=0.3))


def _docs(arts):
    return [Document(a.id, a.text, outlet=a.outlet, published=a.published, title=a.title) for a in arts]


def test_planted_reuse_is_grouped_with_its_source(corpus):
    result = scan(_docs(corpus), workers=1)
    group_of = {m["id"]: g["group"] for g in result.groups for m in g["members"]}
    family = {a.id: a.source_id or a.id for a in corpus}
    planted = [a for a in corpus if a.source_id]
    found = [a for a in planted if group_of.get(a.id) is not None and group_of[a.id] == group_of.get(a.source_id)]
    # Short partial reuse (20-50% of a 400-word article) can fall under the link thresholds.
    assert len(found) >= 0.9 * len(planted)
    assert all(a in found for a in planted if a.kind != "partial")
    for g in result.groups:
        assert len({family[m["id"]] for m in g["members"]}) == 1  # no unrelated article pulled in
        origin = g["origin"]
        assert origin == min(g["members"], key=lambda m: m["published"])["id"]
        assert all("evidence" in m for m in g["members"] if m["id"] != origin)
    # Links below ALIGN_BELOW were aligned and carry check's verdict; above it they stand on
    # the measures alone, read in the same vocabulary.
    evidence = [m["evidence"] for g in result.groups for m in g["members"] if "evidence" in m]
    assert any(e["basis"] == "aligned" and e["verdict"] in ("copy", "paraphrase", "partial")
               for e in evidence)
    assert any(e["basis"] == "measures" and e["jaccard"] >= ALIGN_BELOW for e in evidence)
    assert all(e["basis"] != "aligned" or e["jaccard"] < ALIGN_BELOW for e in evidence)
    assert all(e["verdict"] in ("copy", "paraphrase", "partial") for e in evidence
               if e["basis"] != "indirect")


def test_origin_unknown_without_dates(corpus):
    docs = [Document(a.id, a.text) for a in corpus]
    result = scan(docs, workers=1)
    assert result.groups and all(g["origin"] is None for g in result.groups)


def test_cli_scan_jsonl_and_summary(tmp_path, corpus):
    data = tmp_path / "articles.jsonl"
    data.write_text("".join(json.dumps({"id": a.id, "text": a.text, "published": a.published}) + "\n"
                            for a in corpus[:80]), encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(cli, ["scan", str(data)])
    assert first.exit_code == 0, first.output
    lines = [json.loads(x) for x in first.stdout.splitlines()]
    assert lines and all({"group", "origin", "origin_reason", "members"} <= set(x) for x in lines)
    assert "scanned 80 articles" in first.stderr
    again = runner.invoke(cli, ["scan", str(data)])
    assert again.stdout == first.stdout  # deterministic bytes


def test_cli_scan_usage_errors(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["scan"]).exit_code == 2
    assert runner.invoke(cli, ["scan", str(tmp_path / "missing")]).exit_code == 2
    result = runner.invoke(cli, ["scan", "--index", str(tmp_path / "none.db")])
    assert result.exit_code == 3 and result.stderr.startswith("provenance: error:")


def test_sketching_and_confirming_in_worker_processes_gives_the_same_groups(monkeypatch) -> None:
    import provenance.cluster as scan_module
    import provenance.parallel as index_module

    docs = [Document(id=a.id, text=a.text, published=a.published)
            for a in generate(200, seed=5, words_per_article=400, planted_fraction=0.3)]
    serial = scan(docs, workers=1)
    monkeypatch.setattr(scan_module, "CONFIRM_PARALLEL_AFTER", 0)
    monkeypatch.setattr(index_module, "PARALLEL_AFTER", 0)
    parallel = scan(docs, workers=2)
    assert serial.links > 0
    assert parallel.jsonl() == serial.jsonl()


def test_signature_bound_keeps_every_pair_the_exact_measures_link(corpus):
    # may_link drops candidate pairs on their MinHash estimate before the exact measures; it must
    # drop none that the exact rules keep (and the links are then the same).
    import numpy as np

    from provenance.cluster import band_pairs, may_link, set_measures, sketch_documents, verify
    from provenance.settings import ScanOptions, SketchParams

    options = ScanOptions()
    sketches = sketch_documents(_docs(corpus), SketchParams(), workers=1)
    pairs, counts, _ = band_pairs(sketches.stored_keys, sketches.stored_docs, sketches.probe_keys,
                                  sketches.probe_docs, options.max_bucket, 1)
    sizes = np.array([h.size for h in sketches.unit_hashes])
    kept = may_link(pairs, counts, sizes, sketches.signatures, options)
    linked = []
    for (a, b), n in zip(pairs.tolist(), counts.tolist(), strict=True):
        j, ab, ba = set_measures(sketches.unit_hashes[a], sketches.unit_hashes[b])
        linked.append(j >= options.link_jaccard or (n >= options.min_shared_keys
                                                    and max(ab, ba) >= options.link_containment))
    linked = np.asarray(linked)
    assert linked.sum() >= 30 and not (linked & ~kept).any()
    assert (~kept).sum() > 0.5 * len(pairs)  # the bound does drop most chance pairs
    args = (pairs, counts, sketches.unit_hashes, options, sketches.docs, 1)
    assert verify(*args, signatures=sketches.signatures) == verify(*args)
