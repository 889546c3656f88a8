"""A damaged, hand-edited or unwritable SQLite index: every case is one clear
`provenance: error: ...` line with exit 3 (or a result, when the damage happened to be harmless),
never a traceback of sqlite3, json or zlib.

Indexes are real files built from the samples in tmp_path and damaged with sqlite3 or by flipping
bits; commands run through click's CliRunner, or as a real process where the operating system has
to refuse a write (root writes anywhere, so as root the capability that allows it is dropped).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.storage import sqlite as sqlite_module
from provenance.storage.sqlite import SQLiteIndex

from .conftest import A000, A003, SAMPLES, assert_one_error, cli_without_permission_override

SQLITE_HEADER = 100  # bytes; flipping them only gives "file is not a database", tested elsewhere


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """An index of the samples, as `provenance index add` writes it (its WAL folded back in)."""
    path = tmp_path_factory.mktemp("built") / "index.db"
    result = run("index", "add", SAMPLES, "--index", path)
    assert result.exit_code == 0, result.stderr
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture
def index(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "index.db"
    shutil.copyfile(built, copy)
    return copy


def edit(path: Path, *statements: str, params: tuple = ()) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for statement in statements:
            conn.execute(statement, params)
    conn.close()


# --- bit flips ----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_random_bit_flips_are_a_result_or_one_error(index: Path, seed: int) -> None:
    data = bytearray(index.read_bytes())
    rng = random.Random(seed)
    for _ in range(40):
        data[rng.randrange(SQLITE_HEADER, len(data))] ^= 1 << rng.randrange(8)
    index.write_bytes(bytes(data))
    for args in (("check", A000), ("index", "list"), ("index", "info")):
        result = run(*args, "--index", index)
        assert "Traceback" not in result.output + result.stderr, args
        if result.exit_code in (0, 1):  # the flips missed whatever this command reads
            assert "provenance: error:" not in result.stderr, args
        else:
            assert_one_error(result, 3, str(index))


def test_bit_flips_are_noticed(built: Path, tmp_path: Path) -> None:
    """The battery above means something: most seeds' damage is found by `index info`."""
    found = 0
    for seed in range(12):
        data = bytearray(built.read_bytes())
        rng = random.Random(seed)
        for _ in range(40):
            data[rng.randrange(SQLITE_HEADER, len(data))] ^= 1 << rng.randrange(8)
        copy = tmp_path / f"{seed}.db"
        copy.write_bytes(bytes(data))
        found += run("index", "info", "--index", copy).exit_code == 3
    assert found >= 9


def test_truncated_index_is_one_error(index: Path) -> None:
    data = index.read_bytes()
    page = int.from_bytes(data[16:18], "big")  # the page size, from the file header
    assert page == 16384
    index.write_bytes(data[: len(data) - page])  # the last page cut off
    for args in (("check", A000), ("index", "list"), ("index", "info")):
        assert_one_error(run(*args, "--index", index), 3, str(index), "damaged", "rebuild")


def test_info_runs_quick_check(index: Path) -> None:
    """Damage that opening and checking never read (here, the free-list count of the file
    header) is found by `index info`, which reads every page."""
    data = bytearray(index.read_bytes())
    data[36:40] = (5).to_bytes(4, "big")
    index.write_bytes(bytes(data))
    assert run("check", A000, "--index", index).exit_code == 0
    assert_one_error(run("index", "info", "--index", index), 3, str(index), "quick_check",
                     "should be 5")


def test_healthy_index_reports_its_integrity(index: Path) -> None:
    result = run("index", "info", "--index", index, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["integrity"] == "ok"


# --- metadata and schema --------------------------------------------------------------------------

PARAMS = json.dumps({"doc_threshold": 0.5, "num_perm": 128, "passage_num_perm": 64,
                     "passage_sentences": 4, "passage_stride": 4, "passage_threshold": 0.25,
                     "seed": 1})


@pytest.mark.parametrize("statements, fragments", [
    pytest.param(["UPDATE meta SET value = 'abc' WHERE key = 'version'"], ["'abc' is not a number"],
                 id="version-not-a-number"),
    pytest.param(["UPDATE meta SET value = '99' WHERE key = 'version'"], ["version 99", "rebuild"],
                 id="version-99"),
    pytest.param(["DELETE FROM meta WHERE key = 'version'"], ["no format version"],
                 id="version-missing"),
    pytest.param(["UPDATE meta SET value = '{not json' WHERE key = 'params'"],
                 ["sketch parameters", "not a JSON object"], id="params-not-json"),
    pytest.param(["UPDATE meta SET value = '[128, 64]' WHERE key = 'params'"],
                 ["sketch parameters", "not a JSON object"], id="params-a-list"),
    pytest.param(["UPDATE meta SET value = '" + PARAMS.replace(', "seed": 1', "") + "'"
                  " WHERE key = 'params'"], ["missing seed"], id="params-missing-field"),
    pytest.param(["UPDATE meta SET value = '" + PARAMS.replace("}", ', "colour": 1}') + "'"
                  " WHERE key = 'params'"], ["unknown 'colour'"], id="params-unknown-field"),
    pytest.param(["UPDATE meta SET value = '" + PARAMS.replace('"num_perm": 128', '"num_perm": 1')
                  + "' WHERE key = 'params'"], ["num-perm must be"], id="params-out-of-range"),
    pytest.param(["UPDATE meta SET value = '" + PARAMS.replace('"seed": 1', '"seed": 1.5')
                  + "' WHERE key = 'params'"], ["seed must be an integer"], id="params-float-seed"),
    pytest.param(["UPDATE meta SET value = '" + PARAMS.replace("0.25", "1.0")
                  + "' WHERE key = 'params'"], ["passage-threshold must be"],
                 id="params-threshold-1"),
    pytest.param(["UPDATE meta SET value = '" + PARAMS.replace("0.25", "NaN")
                  + "' WHERE key = 'params'"], ["passage-threshold must be"],
                 id="params-threshold-nan"),
    pytest.param(["UPDATE meta SET value = 'x' WHERE key = 'fingerprint'"], ["fingerprint"],
                 id="fingerprint"),
    pytest.param(["DROP TABLE buckets"], ["table buckets: missing"], id="no-buckets-table"),
    pytest.param(["DROP TABLE terms"], ["table terms: missing"], id="no-terms-table"),
    # An index of the previous format (no terms table) is named as such, not as damaged.
    pytest.param(["DROP TABLE terms", "UPDATE meta SET value = '2' WHERE key = 'version'"],
                 ["format version 2 is not supported", "rebuild"], id="format-2"),
    pytest.param(["DROP TABLE docs"], ["table docs: missing"], id="no-docs-table"),
    pytest.param(["ALTER TABLE docs DROP COLUMN path"], ["table docs: columns"], id="docs-column"),
    pytest.param(["DROP TABLE meta"], ["not a provenance index"], id="no-meta-table"),
    pytest.param(["UPDATE meta SET value = 'other' WHERE key = 'format'"],
                 ["not a provenance index"], id="format"),
])
def test_bad_schema_or_metadata_is_one_error(index: Path, statements: list[str],
                                             fragments: list[str]) -> None:
    edit(index, *statements)
    for args in (("check", A000), ("index", "list"), ("index", "info"),
                 ("index", "add", A003)):
        assert_one_error(run(*args, "--index", index), 3, str(index), *fragments)


def test_a_bad_term_frequency_is_one_error_where_it_is_read(index: Path, tmp_path: Path) -> None:
    # Only a check (candidates by rare terms) and an add (which counts terms) read them.
    edit(index, "UPDATE terms SET df = 'many'")
    new = tmp_path / "new.txt"
    new.write_text(A003.read_text(encoding="utf-8") + "\nOne more line for a new document.\n",
                   encoding="utf-8")
    for args in (("check", A000), ("index", "add", new)):
        assert_one_error(run(*args, "--index", index), 3, str(index), "document frequency")


# --- rows -----------------------------------------------------------------------------------------

SOURCE = A003.name  # the indexed article 000 paraphrases: a check of 000 reads its row
NOT_UTF8 = zlib.compress(b"caf\xe9 au lait").hex()  # valid zlib, Windows-1252 inside


@pytest.mark.parametrize("statement, fragment", [
    pytest.param("UPDATE docs SET meta = '{not json' WHERE id = ?", "not a JSON object",
                 id="meta-not-json"),
    pytest.param("UPDATE docs SET meta = '[1, 2]' WHERE id = ?", "not a JSON object",
                 id="meta-a-list"),
    pytest.param("UPDATE docs SET meta = '{\"colour\": \"red\"}' WHERE id = ?", "unknown keys",
                 id="meta-unknown-key"),
    pytest.param("UPDATE docs SET meta = '{\"outlet\": 5}' WHERE id = ?", "'outlet' is 5",
                 id="meta-outlet-a-number"),
    pytest.param("UPDATE docs SET text = substr(text, 1, length(text) / 2) WHERE id = ?",
                 "cut short", id="text-truncated"),
    pytest.param("UPDATE docs SET text = X'789c0123456789abcdef' WHERE id = ?",
                 "does not decompress", id="text-not-zlib"),
    pytest.param("UPDATE docs SET text = 'plain' WHERE id = ?", "not compressed bytes",
                 id="text-a-string"),
    pytest.param(f"UPDATE docs SET text = X'{NOT_UTF8}' WHERE id = ?", "not UTF-8",
                 id="text-not-utf8"),
    pytest.param("UPDATE docs SET signature = substr(signature, 1, 100) WHERE id = ?",
                 "signature is 100 bytes, not 512", id="signature-short"),
    pytest.param("UPDATE docs SET signature = 7 WHERE id = ?", "signature is int",
                 id="signature-an-int"),
])
def test_bad_row_is_one_error_naming_the_article(index: Path, statement: str,
                                                 fragment: str) -> None:
    edit(index, statement, params=(SOURCE,))
    assert_one_error(run("check", A000, "--index", index), 3, str(index), repr(SOURCE), fragment)


def test_text_inflating_past_any_article_is_not_decompressed(index: Path, monkeypatch) -> None:
    # A zlib bomb of 200 MB is too big for a test; a smaller limit shows the same path.
    monkeypatch.setattr(sqlite_module, "MAX_TEXT_BYTES", 1000)
    assert_one_error(run("check", A000, "--index", index), 3, repr(SOURCE), "inflates past 1,000")


def test_bad_row_metadata_in_list(index: Path) -> None:
    edit(index, "UPDATE docs SET meta = '{not json' WHERE id = ?", params=(SOURCE,))
    assert_one_error(run("index", "list", "--index", index), 3, repr(SOURCE), "not a JSON object")


def test_bad_text_when_replacing_or_removing(index: Path) -> None:
    # Replacing a document recomputes its old bucket keys from its stored text.
    edit(index, "UPDATE docs SET text = X'00' WHERE id = ?", params=(SOURCE,))
    assert_one_error(run("index", "remove", SOURCE, "--index", index), 3, repr(SOURCE))


def test_bucket_rows_that_are_not_integers(index: Path) -> None:
    edit(index, "UPDATE buckets SET doc = 'x' || doc")
    assert_one_error(run("check", A000, "--index", index), 3, str(index), "bucket row")


# --- read-only indexes and folders that cannot hold one -------------------------------------------

def test_read_only_index_is_checked_but_not_changed(index: Path, monkeypatch) -> None:
    """As a read-only folder looks (root can write anywhere, so the test says it is not)."""
    monkeypatch.setattr(sqlite_module, "_writable", lambda location: False)
    before = index.read_bytes()
    result = run("check", A000, "--index", index, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["sources"][0]["id"] == SOURCE
    assert run("index", "list", "--index", index).exit_code == 0
    assert run("index", "info", "--index", index).exit_code == 0
    assert_one_error(run("index", "add", A003, "--index", index), 3, str(index), "read-only")
    assert_one_error(run("index", "remove", SOURCE, "--index", index), 3, "read-only")
    assert index.read_bytes() == before


def test_immutable_fallback_reads_without_a_shm_file(index: Path) -> None:
    """The connection a read-only folder falls back to reads the index as it is."""
    conn = sqlite_module._connect(str(index), 1.0, readonly=True)
    try:
        assert conn.execute("SELECT count(*) FROM docs").fetchone()[0] == 3
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM docs")
    finally:
        conn.close()
    with SQLiteIndex.open(index) as idx:
        assert len(idx) == 3 and not idx.readonly


def test_parent_path_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    assert_one_error(run("index", "add", A003, "--index", blocker / "index.db"), 3,
                     f"{blocker} is a file, not a folder")
    assert_one_error(run("index", "add", A003, "--index", blocker / "deeper" / "index.db"), 3,
                     f"{blocker} is a file, not a folder")
    assert_one_error(run("check", A000, "--index", blocker / "index.db"), 3, "no index here")


def test_fifo_as_index_is_refused_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "index.db"
    os.mkfifo(fifo)
    assert_one_error(run("check", A000, "--index", fifo), 3, "not a regular file")


def assert_process_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    assert "Traceback" not in done.stderr
    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("provenance: error: ")]
    assert len(errors) == 1, done.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])


@pytest.fixture
def locked_folder(built: Path, tmp_path: Path):
    """A read-only folder holding a read-only index (no -wal, no -shm beside it)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    shutil.copyfile(built, folder / "index.db")
    (folder / "index.db").chmod(0o444)
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def test_index_in_a_read_only_folder_is_read(locked_folder: Path) -> None:
    index = locked_folder / "index.db"
    done = cli_without_permission_override("check", A000, "--index", index, "--format", "json")
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sources"][0]["id"] == SOURCE
    assert sorted(p.name for p in locked_folder.iterdir()) == ["index.db"]
    assert_process_error(cli_without_permission_override("index", "add", A003, "--index", index),
                         str(index), "read-only")


def test_new_index_in_an_unwritable_folder(locked_folder: Path) -> None:
    assert_process_error(
        cli_without_permission_override("index", "add", A003, "--index", locked_folder / "new.db"),
        "cannot create the index", "not writable")
    assert_process_error(
        cli_without_permission_override("index", "add", A003, "--index",
                                    locked_folder / "sub" / "new.db"),
        "cannot create the index", "Permission denied")
