"""End-to-end CLI tests (click's CliRunner) on the samples, and every error path's exit code."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance import __version__
from provenance.cli import cli

from .conftest import A000, A003, A004, SAMPLES


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_every_command_has_help_with_text() -> None:
    for args in (["check"], ["compare"], ["index"], ["index", "add"], ["index", "list"],
                 ["index", "remove"], ["index", "info"]):
        result = run(*args, "--help")
        assert result.exit_code == 0, args
        assert "Usage:" in result.output


def test_check_json_on_samples() -> None:
    result = run("check", A000, "--against", SAMPLES, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["schema_version"] == "1.2"
    assert data["status"] == "ok" and data["error"] is None
    assert data["article"]["path"] == str(A000)
    top = data["sources"][0]
    assert top["id"] == A003.name and top["verdict"] == "paraphrase"
    assert 0.5 <= top["coverage"] <= 0.7
    assert set(top) >= {"id", "path", "verdict", "coverage", "score", "credited"}
    for p in data["passages"]:
        assert set(p) >= {"source", "start", "end", "source_start", "source_end", "score"}
    for s in data["sentences"]:
        assert set(s) >= {"start", "end", "text", "label", "source", "source_start",
                          "source_end", "score", "quoted"}
    assert data["tool"]["settings"]["paraphrase"] > 0


def test_paths_appear_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES.parent)
    result = run("check", "samples/000_49245dd74f8c1102.txt", "--against", "samples", "--format", "json")
    data = json.loads(result.stdout)
    assert data["article"]["path"] == "samples/000_49245dd74f8c1102.txt"
    assert data["sources"][0]["path"] == "samples/003_121186e99e69e98f.txt"


@pytest.mark.parametrize(("fail_on", "code"), [(None, 0), ("paraphrase", 1), ("partial", 1), ("copy", 0)])
def test_fail_on_sets_the_exit_code(fail_on: str | None, code: int) -> None:
    args = ["check", A000, "--against", SAMPLES]
    if fail_on:
        args += ["--fail-on", fail_on]
    assert run(*args).exit_code == code


def test_004_passes_even_with_the_strictest_fail_on() -> None:
    assert run("check", A004, "--against", SAMPLES, "--fail-on", "partial").exit_code == 0


def test_compare_text_fits_80_columns() -> None:
    result = run("compare", A000, A003, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "paraphrase" in result.output
    assert "\x1b[" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_index_lifecycle(tmp_path: Path) -> None:
    db = tmp_path / "idx.db"
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLES, corpus)
    first = run("index", "add", corpus, "--index", db)
    assert first.exit_code == 0, first.output
    assert "added 3" in first.output
    again = run("index", "add", corpus, "--index", db)
    assert "unchanged 3" in again.output
    (corpus / A004.name).write_text("A corrected story, now entirely different from before. " * 3, encoding="utf-8")
    changed = run("index", "add", corpus, "--index", db)
    assert "updated 1" in changed.output and "unchanged 2" in changed.output
    listing = run("index", "list", "--index", db)
    assert listing.output.splitlines()[1].startswith(A003.name + "\tSputnik")
    info = json.loads(run("index", "info", "--index", db, "--json").output)
    from provenance.storage.sqlite import FORMAT_VERSION

    assert info["documents"] == 3 and info["format_version"] == FORMAT_VERSION
    checked = run("check", corpus / A000.name, "--index", db, "--format", "json")
    data = json.loads(checked.stdout)
    assert data["sources"][0]["id"] == A003.name
    assert all(s["id"] != A000.name for s in data["sources"])
    assert run("index", "remove", A003.name, "--index", db).exit_code == 0
    assert run("index", "remove", A003.name, "--index", db).exit_code == 2
    assert len(run("index", "list", "--index", db).output.splitlines()) == 2


def test_same_name_in_two_folders_never_collides(tmp_path: Path) -> None:
    for month in ("01", "02"):
        (tmp_path / "2024" / month).mkdir(parents=True)
    shutil.copy(A003, tmp_path / "2024" / "01" / "story.txt")
    shutil.copy(A004, tmp_path / "2024" / "02" / "story.txt")
    db = tmp_path / "idx.db"
    assert run("index", "add", tmp_path / "2024", "--index", db).exit_code == 0
    ids = [line.split("\t")[0] for line in run("index", "list", "--index", db).output.splitlines()]
    assert ids == ["01/story.txt", "02/story.txt"]


def test_byte_identical_copy_under_another_id_is_a_copy(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(A003, corpus / A003.name)
    twin = tmp_path / "twin.txt"
    shutil.copy(A003, twin)
    data = json.loads(run("check", twin, "--against", corpus, "--format", "json").stdout)
    assert data["sources"][0]["id"] == A003.name
    assert data["sources"][0]["verdict"] == "copy"
    assert data["sources"][0]["coverage"] == pytest.approx(1.0, abs=0.05)


# --- error paths: one line on stderr, the contract's exit code, never a traceback ---------------

def _one_error_line(result, needle: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert any(line.startswith("provenance: error:") and needle in line for line in lines), result.stderr
    assert "Traceback" not in result.stderr


def test_empty_article_exits_3(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n", encoding="utf-8")
    result = run("check", empty, "--against", SAMPLES)
    assert result.exit_code == 3
    _one_error_line(result, "empty article")


def test_binary_article_exits_3(tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = run("check", binary, "--against", SAMPLES)
    assert result.exit_code == 3
    _one_error_line(result, "binary")


def test_nonexistent_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run("check", tmp_path / "nope.txt", "--against", SAMPLES)
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_missing_index_exits_3(tmp_path: Path) -> None:
    result = run("check", A000, "--index", tmp_path / "missing.db")
    assert result.exit_code == 3
    _one_error_line(result, "no index here")


def test_corrupt_index_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database at all" * 100)
    result = run("check", A000, "--index", bad)
    assert result.exit_code == 3
    _one_error_line(result, "not a provenance index")


def test_foreign_sqlite_index_exits_3(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    result = run("check", A000, "--index", foreign)
    assert result.exit_code == 3
    _one_error_line(result, "not a provenance index")


def test_directory_as_index_is_a_usage_error(tmp_path: Path) -> None:
    folder = tmp_path / "dir.db"
    folder.mkdir()
    result = run("check", A000, "--index", folder)
    assert result.exit_code == 2
    assert "is a directory" in result.stderr


def test_windows_1252_article_is_checked_with_a_warning(tmp_path: Path) -> None:
    text = A000.read_text(encoding="utf-8")
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes(text.encode("cp1252", errors="replace"))
    # Against 003 alone: with 000 in the corpus, this re-encoded twin is rightly a copy of 000.
    result = run("check", legacy, "--against", A003, "--format", "json")
    assert result.exit_code == 0
    assert "read as Windows-1252" in result.stderr
    data = json.loads(result.stdout)
    assert data["sources"][0]["id"] == A003.name
    assert data["article"]["warnings"]


def test_bad_corpus_file_is_reported_and_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLES, corpus)
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02binary")
    result = run("check", A000, "--against", corpus, "--format", "json")
    assert "skipped" in result.stderr and "broken.txt" in result.stderr
    data = json.loads(result.stdout)
    assert data["sources"][0]["id"] == A003.name
    assert result.exit_code == 3  # no finding over --fail-on, but a corpus file was not checked
    assert run("check", A000, "--against", corpus, "--fail-on", "paraphrase").exit_code == 1


def test_bad_setting_is_a_usage_error() -> None:
    result = run("check", A000, "--against", SAMPLES, "--set", "paraphrase=2")
    assert result.exit_code == 2
    _one_error_line(result, "paraphrase")
    result = run("check", A000, "--against", SAMPLES, "--set", "no_such_knob=1")
    assert result.exit_code == 2
    _one_error_line(result, "no_such_knob")


def test_report_to_unwritable_path_exits_3(tmp_path: Path) -> None:
    result = run("compare", A000, A003, "--format", "json", "-o", tmp_path / "missing-dir" / "r.json")
    assert result.exit_code == 3
    _one_error_line(result, "cannot write report")


def test_results_record_when_they_were_made(monkeypatch) -> None:
    from provenance.api import generated_at

    assert generated_at() == "2023-11-14T22:13:20Z"  # conftest's SOURCE_DATE_EPOCH
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    import datetime

    now = generated_at()
    assert now.endswith("Z") and abs(datetime.datetime.fromisoformat(now[:-1] + "+00:00").timestamp()
                                     - datetime.datetime.now(datetime.UTC).timestamp()) < 60
