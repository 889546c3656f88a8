"""`--backend redis` end to end through the CLI, against a real redis-server on loopback."""

from __future__ import annotations

import json

from click.testing import CliRunner

from provenance.cli import cli

from .conftest import A000, A003, SAMPLES
from .test_redis_index import redis_url  # noqa: F401  (the fixture: a real redis-server)


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_index_and_check_on_redis(redis_url: str) -> None:  # noqa: F811
    shared = ["--backend", "redis", "--redis-url", redis_url, "--index", "newsroom"]
    added = run("index", "add", SAMPLES, *shared)
    assert added.exit_code == 0, added.output
    assert "added 3" in added.output
    assert "unchanged 3" in run("index", "add", SAMPLES, *shared).output
    listing = run("index", "list", *shared).output.splitlines()
    assert [line.split("\t")[0] for line in listing] == sorted(p.name for p in SAMPLES.glob("*.txt"))
    result = run("check", A000, *shared, "--format", "json", "--fail-on", "paraphrase")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["sources"][0]["id"] == A003.name
    assert data["sources"][0]["verdict"] == "paraphrase"
    assert run("index", "remove", A003.name, *shared).exit_code == 0
    again = json.loads(run("check", A000, *shared, "--format", "json").stdout)
    assert all(s["id"] != A003.name for s in again["sources"])


def test_redis_backend_needs_a_url() -> None:
    result = run("check", A000, "--backend", "redis", "--index", "x")
    assert result.exit_code == 2  # a usage error
    assert "--redis-url" in result.stderr
