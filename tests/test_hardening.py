"""The bad-input battery, round two (issue #13): each case was a traceback, a lost article or a
silent pass before; each now has one defined outcome. Real files, real commands (CliRunner, or a
subprocess where the operating system has to refuse something)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.documents import _binary_lines, iter_documents

from .conftest import A000, A003, A004, SAMPLES, assert_one_error


def run(*args: object, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)


def no_traceback(result) -> None:
    assert "Traceback" not in result.output + result.stderr, result.stderr


def records(path: Path, *items: tuple[str, Path]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for doc_id, source in items:
            f.write(json.dumps({"id": doc_id, "text": source.read_text(encoding="utf-8")}) + "\n")
    return path


# --- 1. duplicate ids ---------------------------------------------------------------------------

def test_two_records_with_one_id_are_both_kept_in_every_command(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records(corpus / "wire.jsonl", ("story", A003), ("story", A004))
    index = tmp_path / "i.db"
    added = run("index", "add", corpus, "--index", index)
    no_traceback(added)
    assert added.exit_code == 0 and "added 2," in added.stdout
    assert "another article already has the id 'story'" in added.stderr
    ids = [line.split("\t")[0] for line in run("index", "list", "--index", index).stdout.splitlines()]
    assert ids == ["story", "story #2"]

    checked = run("check", A000, "--against", corpus, "--format", "json")
    no_traceback(checked)
    assert checked.exit_code == 0
    assert json.loads(checked.stdout)["sources"][0]["id"] == "story"  # 003's text, kept first

    scanned = run("scan", corpus)
    no_traceback(scanned)
    assert "scanned 2 articles" in scanned.stderr


def test_two_files_of_one_name_given_directly(tmp_path: Path) -> None:
    for folder, source in (("x", A003), ("y", A004)):
        (tmp_path / folder).mkdir()
        shutil.copy(source, tmp_path / folder / "s.txt")
    index = tmp_path / "i.db"
    added = run("index", "add", tmp_path / "x" / "s.txt", tmp_path / "y" / "s.txt", "--index", index)
    no_traceback(added)
    assert added.exit_code == 0 and "added 2," in added.stdout
    checked = run("check", A000, "--against", tmp_path / "x" / "s.txt", "--against",
                  tmp_path / "y" / "s.txt")
    no_traceback(checked)
    assert checked.exit_code == 0


def test_ci_with_repeated_ids_updates_the_index_and_writes_junit(tmp_path: Path) -> None:
    index = tmp_path / "i.db"
    assert run("index", "add", A004, "--index", index).exit_code == 0
    new = tmp_path / "new"
    new.mkdir()
    records(new / "batch.jsonl", ("a", A000), ("a", A003))
    junit = tmp_path / "junit.xml"
    result = run("ci", new, "--index", index, "--update-index", "--junit", junit)
    no_traceback(result)
    assert result.exit_code in (0, 1)
    cases = ET.parse(junit).getroot().iter("testcase")
    assert sorted(c.get("name") for c in cases) == ["a", "a #2"]
    ids = [line.split("\t")[0] for line in run("index", "list", "--index", index).stdout.splitlines()]
    assert ids == ["004_f61bc535f1bcf6e4.txt", "a", "a #2"]


# --- 6. environment errors, and the catch-all -------------------------------------------------

def test_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(A003, corpus)
    os.makedirs(os.fsencode(corpus), exist_ok=True)
    with open(os.path.join(os.fsencode(corpus), b"caf\xe9.txt"), "wb") as f:
        f.write(A004.read_bytes())
    index = tmp_path / "i.db"
    added = run("index", "add", corpus, "--index", index)
    no_traceback(added)
    assert added.exit_code == 0 and "added 2," in added.stdout
    assert "caf\\xe9.txt" in run("index", "list", "--index", index).stdout
    for args in (["check", A000, "--against", corpus], ["ci", corpus, "--against", SAMPLES],
                 ["scan", corpus]):
        result = run(*args)
        no_traceback(result)
        assert result.exit_code in (0, 1), (args, result.stderr)


def test_an_unexpected_error_is_one_line_and_exit_3_not_1(monkeypatch) -> None:
    import provenance.api as api

    def broken(*_args, **_kwargs):
        raise RuntimeError("something no one planned for")

    monkeypatch.setattr(api, "check", broken)
    result = run("check", A000, "--against", SAMPLES)
    assert_one_error(result, 3, "internal error: RuntimeError: something no one planned for", "--debug")
    shown = run("--debug", "check", A000, "--against", SAMPLES)
    assert shown.exit_code == 3 and "Traceback" in shown.stderr


def test_stdout_on_a_full_device_is_one_error_line() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "provenance", "check", str(A000), "--against",
                               str(SAMPLES)], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.startswith("provenance: error:")]


def test_a_report_path_under_a_file_is_one_error_and_writes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run("check", A000, "--against", SAMPLES, "--format", "html", "-o", blocker / "r.html")
    assert_one_error(result, 3, "cannot write report")
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_report_is_replaced_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old", encoding="utf-8")
    result = run("check", A000, "--against", SAMPLES, "--format", "json", "-o", target)
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["verdict"] == "paraphrase"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


# --- 9. symbolic links, sizes, dead workers ----------------------------------------------------

def test_a_file_symlink_inside_a_folder_is_reported_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    shutil.copy(A004, outside)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(A003, corpus)
    (corpus / "x.txt").symlink_to(outside)
    (corpus / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    index = tmp_path / "i.db"
    result = run("index", "add", corpus, "--index", index)
    no_traceback(result)
    assert result.exit_code == 3 and "added 1," in result.stdout and "skipped 2" in result.stdout
    assert "x.txt: a symbolic link inside a folder, not followed" in result.stderr
    assert "--follow-symlinks" in result.stderr
    listed = run("index", "list", "--index", index).stdout
    assert "secret" not in listed and "x.txt" not in listed
    followed = run("index", "add", corpus, "--index", tmp_path / "f.db", "--follow-symlinks")
    no_traceback(followed)
    assert followed.exit_code == 0, followed.stderr
    listed = run("index", "list", "--index", tmp_path / "f.db").stdout
    assert "x.txt" in listed and "elsewhere/secret.txt" in listed


def test_followed_folder_links_never_loop(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(A003, corpus)
    (corpus / "again").symlink_to("..", target_is_directory=True)
    docs = list(iter_documents([corpus], follow_symlinks=True))
    assert [d.id for d in docs].count(A003.name) == 1


def test_a_huge_json_lines_record_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as f:
        f.write(json.dumps({"id": "ok", "text": A003.read_text(encoding="utf-8")}).encode() + b"\n")
        f.write(b'{"id": "huge", "text": "' + b"x" * 3_000_000 + b'"}\n')
        f.write(json.dumps({"id": "after", "text": A004.read_text(encoding="utf-8")}).encode() + b"\n")
    # Lines come back whole up to the limit; a longer one is only measured, in pieces.
    lines = list(_binary_lines(str(path), 100_000))
    assert [type(line) for _, line in lines] == [bytes, int, bytes]
    assert lines[1][1] > 3_000_000
    result = run("index", "add", path, "--index", tmp_path / "i.db", "--set", "max-article-chars=20000")
    no_traceback(result)
    assert result.exit_code == 3 and "added 2," in result.stdout
    assert "big.jsonl:2: 3,000,0" in result.stderr and "exceeds the maximum article size" in result.stderr


def test_a_huge_sidecar_is_ignored_with_a_warning(tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    shutil.copy(A003, article)
    (tmp_path / "story.txt.meta.json").write_text('{"title": "' + "t" * 2_000_000 + '"}', encoding="utf-8")
    result = run("check", article, "--against", SAMPLES, "--format", "json")
    no_traceback(result)
    assert "metadata ignored" in result.stderr
    assert json.loads(result.stdout)["article"]["title"] is None


def test_a_worker_that_dies_costs_only_its_own_article(tmp_path: Path, monkeypatch) -> None:
    import provenance.api.ci as batch
    from provenance.api.ci import run_batch

    new = tmp_path / "new"
    new.mkdir()
    for number in range(12):
        shutil.copy(A000 if number % 2 else A004, new / f"{number:02d}.txt")
    real_check = batch.check

    def check_or_die(doc, index, settings, **kwargs):
        if doc.id == "05.txt":
            os._exit(9)  # as a kill -9 or the out-of-memory killer would
        return real_check(doc, index, settings, **kwargs)

    # Workers are forked from this process, so they run the patched function.
    monkeypatch.setattr(batch, "check", check_or_die)
    report = run_batch([new], against=[SAMPLES], jobs=2)
    errors = [o.id for o in report.outcomes if o.outcome == "error"]
    assert errors == ["05.txt"]
    assert "worker process died" in next(o for o in report.outcomes if o.id == "05.txt").result.error
    # Every other article (a copy of a sample) was still checked, and fails as a copy.
    assert sum(o.outcome == "fail" for o in report.outcomes) == 11


# --- 7. options that cannot work --------------------------------------------------------------

@pytest.mark.parametrize("args, fragment", [
    (["--engine", "dask", "--scheduler", "not a url"], "not a scheduler address"),
    (["--workers", "0"], "'--workers': 0 is not in the range"),
    (["--engine", "dask", "--partitions", "-2"], "'--partitions': -2 is not in the range"),
])
def test_scan_options_that_cannot_work_are_usage_errors(args: list[str], fragment: str) -> None:
    result = run("scan", SAMPLES, *args)
    no_traceback(result)
    assert result.exit_code == 2 and fragment in result.stderr


def test_lone_surrogates_in_json_metadata_and_records_are_replaced(tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    shutil.copy(A003, article)
    (tmp_path / "story.txt.meta.json").write_text('{"title": "a \\ud800 b", "outlet": "\\udfff"}',
                                                  encoding="utf-8")
    result = run("check", article, "--against", SAMPLES, "--format", "json")
    no_traceback(result)
    assert json.loads(result.stdout)["article"]["title"] == "a \ufffd b"
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "x\\ud800", "text": ' + json.dumps(A004.read_text(encoding="utf-8"))[:-1]
                    + ' \\udc00"}\n', encoding="utf-8")
    added = run("index", "add", feed, "--index", tmp_path / "i.db")
    no_traceback(added)
    assert added.exit_code == 0 and "x\ufffd" in run("index", "list", "--index", tmp_path / "i.db").stdout


def test_index_list_prints_hostile_ids_as_one_safe_line(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "evil\x1b]0;owned\x07\n::error::x", "outlet": "\x1b[2J",
                                "text": A004.read_text(encoding="utf-8")}) + "\n", encoding="utf-8")
    index = tmp_path / "i.db"
    assert run("index", "add", feed, "--index", index).exit_code == 0
    listed = run("index", "list", "--index", index).stdout
    assert "\x1b" not in listed and listed.count("\n") == 1 and "\n::" not in listed


@pytest.mark.parametrize("value", ["", "abc"])
def test_a_source_date_epoch_that_is_no_timestamp_is_ignored(value: str, monkeypatch) -> None:
    # Libraries read it too (numpy's f2py calls int() on it when datasketch imports it).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    proc = subprocess.run([sys.executable, "-m", "provenance", "check", str(A000), "--against",
                           str(SAMPLES), "--format", "json"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "SOURCE_DATE_EPOCH": value})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["tool"]["generated"].endswith("Z")
    assert ("not a number of seconds" in proc.stderr) == bool(value)
