"""Both storage back ends behind one protocol: the same documents in an SQLite file and in a real
redis-server give the same candidates, the same `ci` verdicts and the same `scan` groups."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.sketch import sketch_text
from provenance.storage import Index, IndexSpec, open_index

from .conftest import ROOT, SAMPLES
from .test_redis_index import redis_url  # noqa: F401  (the fixture: a real redis-server)

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus_gen import generate  # noqa: E402


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """120 generated articles (a third of them reusing an earlier one) as files, plus the seeds;
    the first 90 are the corpus, the last 30 the articles a batch checks."""
    root = tmp_path_factory.mktemp("parity")
    indexed, new = root / "corpus", root / "new"
    indexed.mkdir()
    new.mkdir()
    for number, article in enumerate(generate(120, seed=11, words_per_article=250, planted_fraction=0.35)):
        folder = indexed if number < 90 else new
        (folder / article.id.replace("/", "_")).write_text(article.text, encoding="utf-8")
    for sample in SAMPLES.glob("*.txt"):
        (indexed / sample.name).write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    return indexed, new


@pytest.fixture(scope="module")
def both(corpus, redis_url, tmp_path_factory):  # noqa: F811
    indexed, _ = corpus
    db = tmp_path_factory.mktemp("sqlite") / "corpus.db"
    for args in (["--index", db], ["--backend", "redis", "--redis-url", redis_url, "--index", "parity"]):
        result = run("index", "add", indexed, *args)
        assert result.exit_code == 0, result.output
    return IndexSpec("sqlite", str(db)), IndexSpec("redis", "parity", redis_url)


def test_both_back_ends_implement_the_protocol(both) -> None:
    for spec in both:
        with spec.open() as idx:
            assert isinstance(idx, Index)


def test_same_candidates(both, corpus) -> None:
    _, new = corpus
    sqlite_spec, redis_spec = both
    with sqlite_spec.open() as a, redis_spec.open() as b:
        assert a.fingerprint() == b.fingerprint() and len(a) == len(b) and a.params == b.params
        found = 0
        for path in sorted(new.iterdir()):
            query = sketch_text(path.read_text(encoding="utf-8"), a.params)
            ours, theirs = a.candidates(query), b.candidates(query)
            # rowids are each back end's own; what is found and how it scores must agree
            assert [(c.id, c.doc_hits, c.passage_hits) for c in ours] == \
                   [(c.id, c.doc_hits, c.passage_hits) for c in theirs]
            found += bool(ours)
        assert found >= 5  # the planted reuse is found, so the comparison is not of empty lists


def _verdicts(lines: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    out = []
    for line in lines.splitlines():
        record = json.loads(line)
        out.append((record["article"]["id"], record["ci"]["outcome"],
                    [(s["id"], s["verdict"]) for s in record["sources"]]))
    return out


def test_ci_gives_the_same_verdicts(both, corpus, tmp_path) -> None:
    _, new = corpus
    sqlite_spec, redis_spec = both
    outputs = []
    for name, args in (("sqlite", ["--index", sqlite_spec.path]),
                       ("redis", ["--backend", "redis", "--redis-url", redis_spec.redis_url,
                                  "--index", redis_spec.path])):
        target = tmp_path / f"{name}.jsonl"
        result = run("ci", new, *args, "--json", target, "--jobs", "2")
        assert result.exit_code in (0, 1), result.output
        outputs.append((result.exit_code, _verdicts(target.read_text(encoding="utf-8"))))
    assert outputs[0] == outputs[1]
    assert any(outcome == "fail" for _, outcome, _ in outputs[0][1])


def test_scan_gives_the_same_groups(both, redis_url) -> None:  # noqa: F811
    sqlite_spec, redis_spec = both
    local = run("scan", "--index", sqlite_spec.path, "--workers", "1")
    shared = run("scan", "--backend", "redis", "--redis-url", redis_url, "--index", redis_spec.path,
                  "--workers", "1")
    assert local.exit_code == shared.exit_code == 0, (local.output, shared.output)
    assert local.stdout == shared.stdout
    assert local.stdout.count("\n") >= 3  # groups were found (the seeds' pair among them)


def test_open_index_without_parameters_is_the_clis_index(tmp_path) -> None:
    # One source of defaults: a library user and the CLI build the same index.
    with open_index(tmp_path / "lib.db", create=True) as lib:
        assert run("index", "add", SAMPLES, "--index", tmp_path / "cli.db").exit_code == 0
        with open_index(tmp_path / "cli.db") as made:
            assert lib.params == made.params
