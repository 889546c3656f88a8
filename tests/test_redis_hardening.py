"""The Redis back end under hostile conditions (issue #13), against real redis-servers on
loopback: ACL users, passwords, unix sockets, bad URLs, a server lost mid-run, garbage keys."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli

from .conftest import A000, SAMPLES, assert_one_error, require_program
from .test_redis_index import _free_port

SECRET = "s3cret-Pa55"


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _start(tmp: Path, *extra: str) -> subprocess.Popen:
    programs = require_program("redis-server")
    pytest.importorskip("redis")
    return subprocess.Popen([programs["redis-server"], "--dir", str(tmp), "--save", "",
                             "--appendonly", "no", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            return
        except redis.AuthenticationError:
            return
        except redis.ConnectionError:
            time.sleep(0.05)
        finally:
            pass
    pytest.fail("redis-server did not start")


@pytest.fixture()
def secured(tmp_path):
    """A redis-server with a password for the default user and an ACL user `editor`."""
    port = _free_port()
    proc = _start(tmp_path, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", SECRET)
    url = f"redis://:{SECRET}@127.0.0.1:{port}/0"
    try:
        _wait(url)
        import redis

        admin = redis.Redis.from_url(url)
        admin.execute_command("ACL", "SETUSER", "editor", "on", f">{SECRET}", "~*", "+@all")
        admin.close()
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_acl_user_and_password_work_and_are_never_printed(secured, tmp_path) -> None:
    url = f"redis://editor:{SECRET}@127.0.0.1:{secured}/0"
    shared = ["--backend", "redis", "--redis-url", url, "--index", "acl"]
    added = run("index", "add", SAMPLES, *shared)
    assert added.exit_code == 0, added.stderr
    info = run("index", "info", *shared)
    assert info.exit_code == 0 and SECRET not in info.output and "editor" not in info.output
    checked = run("check", A000, *shared, "--format", "json")
    assert checked.exit_code == 0 and SECRET not in checked.output
    wrong = run("index", "info", "--backend", "redis", "--redis-url",
                f"redis://editor:wrong-{SECRET}@127.0.0.1:{secured}/0", "--index", "acl")
    line = assert_one_error(wrong, 3, "cannot reach Redis")
    assert SECRET not in line and SECRET not in wrong.output


def test_the_url_from_the_environment_is_redacted_too(secured, monkeypatch) -> None:
    monkeypatch.setenv("PROVENANCE_REDIS_URL", f"redis://:{SECRET}@127.0.0.1:{secured}/0")
    result = run("index", "info", "--backend", "redis", "--index", "nothing-here")
    line = assert_one_error(result, 3, "no provenance index")
    assert SECRET not in line


def test_unix_socket_holds_documents_and_buckets_alike(tmp_path) -> None:
    socket = tmp_path / "redis.sock"
    proc = _start(tmp_path, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700")
    url = f"unix://{socket}?db=0"
    try:
        _wait(url)
        shared = ["--backend", "redis", "--redis-url", url, "--index", "sock"]
        assert run("index", "add", SAMPLES, *shared).exit_code == 0
        result = run("check", A000, *shared, "--format", "json")
        assert result.exit_code == 0 and '"paraphrase"' in result.stdout
        import redis

        keys = redis.Redis.from_url(url).keys("sock:b:*")
        assert keys  # the buckets are on the socket's server, not on some 127.0.0.1:6379
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("url, fragment", [
    ("redis://127.0.0.1:99999/0", "not a valid Redis URL"),
    ("redis://127.0.0.1:port/0", "not a valid Redis URL"),
    ("redis://127.0.0.1:6379/notadb", "not a valid Redis URL"),
    ("http://127.0.0.1:6379/0", "not a Redis URL"),
    (f"ftp://user:{SECRET}@host/0", "not a Redis URL"),
])
def test_a_bad_url_is_a_usage_error(url: str, fragment: str) -> None:
    pytest.importorskip("redis")
    result = run("index", "info", "--backend", "redis", "--redis-url", url)
    line = assert_one_error(result, 2, fragment)
    assert SECRET not in line


def test_a_server_lost_mid_run_and_a_garbage_key_are_exit_3(tmp_path) -> None:
    port = _free_port()
    proc = _start(tmp_path, "--port", str(port), "--bind", "127.0.0.1")
    url = f"redis://127.0.0.1:{port}/0"
    shared = ["--backend", "redis", "--redis-url", url, "--index", "lost"]
    try:
        _wait(url)
        assert run("index", "add", SAMPLES, *shared).exit_code == 0
        import redis

        client = redis.Redis.from_url(url)
        client.hset("lost:doc:000_49245dd74f8c1102.txt", "meta", b"\xff not json")
        client.hset("lost:doc:003_121186e99e69e98f.txt", "text", b"not zlib")
        assert_one_error(run("index", "list", *shared), 3, "damaged")
        assert_one_error(run("check", A000, *shared), 3, "damaged")
        client.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)
    # The server is gone now.
    assert_one_error(run("check", A000, *shared), 3, "cannot reach Redis")
