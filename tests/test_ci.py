"""`provenance ci` end to end on real files: the gate's exit codes, the policy, the outputs,
--update-index and revisions, determinism whatever --jobs."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from provenance.api.ci import run_batch
from provenance.cli import cli
from provenance.policy import Policy
from provenance.storage.sqlite import SQLiteIndex as Index

from .conftest import A000, A003, A004, SAMPLES

# A handful of words changed in 003: still a copy of it, under another name (another id).
EDITS = (("two-day visit", "two-day trip"), ("stressed that", "emphasised that"),
         ("futile", "useless"), ("become closer", "become nearer"),
         ("mutual sympathy", "shared sympathy"))
EDITED = "003_edited.txt"


def run(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["ci", *[str(a) for a in args]], env=env, catch_exceptions=False)


def copy_with_sidecar(src: Path, folder: Path, name: str | None = None) -> Path:
    target = folder / (name or src.name)
    shutil.copyfile(src, target)
    side = src.with_name(src.name + ".meta.json")
    if side.exists() and name is None:
        shutil.copyfile(side, folder / side.name)
    return target


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """corpus/ with 000 and 003 (003's sidecar says Sputnik); new/ with (a) 003 edited,
    (b) 004, (c) a binary file. The current folder is tmp_path, so paths are relative."""
    corpus, new = tmp_path / "corpus", tmp_path / "new"
    corpus.mkdir()
    new.mkdir()
    copy_with_sidecar(A000, corpus)
    copy_with_sidecar(A003, corpus)
    text = A003.read_text(encoding="utf-8")
    for old, replacement in EDITS:
        assert old in text
        text = text.replace(old, replacement, 1)
    (new / EDITED).write_text(text, encoding="utf-8", newline="")
    copy_with_sidecar(A004, new)
    (new / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def test_must_show_failure_error_and_sarif_lines(scene: Path) -> None:
    result = run("new/", "--against", "corpus/", "--junit", "j.xml", "--sarif", "s.sarif")
    assert result.exit_code == 1, result.output
    suite = ET.parse("j.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 3
    assert sum(len(c.findall("failure")) for c in cases) == 1
    assert sum(len(c.findall("error")) for c in cases) == 1
    by_file = {c.get("file"): c for c in cases}
    assert by_file[f"new/{EDITED}"].find("failure") is not None
    assert by_file["new/scan.txt"].find("error") is not None
    assert suite.get("failures") == "1" and suite.get("errors") == "1"

    sarif = json.loads(Path("s.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    run_ = sarif["runs"][0]
    assert run_["columnKind"] == "unicodeCodePoints"
    results = run_["results"]
    assert results
    lines = Path("new", EDITED).read_text(encoding="utf-8").splitlines()
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == f"new/{EDITED}"
        reg = loc["region"]
        assert 1 <= reg["startLine"] <= reg["endLine"] <= len(lines)
        assert "003_121186e99e69e98f.txt" in r["message"]["text"] and "Sputnik" in r["message"]["text"]
        # The region starts where the passage's text starts in the file.
        first = lines[reg["startLine"] - 1][reg["startColumn"] - 1:]
        assert first and first[:20] in " ".join(r["message"]["text"].split())
    # The binary file is reported as a tool execution notification at its file.
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["new/scan.txt"]


def test_allowlisted_outlet_exits_3_then_0_without_the_binary(scene: Path) -> None:
    Path("provenance.toml").write_text('[ci]\nallow-outlets = ["Sputnik"]\n', encoding="utf-8")
    result = run("new/", "--against", "corpus/", "--json", "r.jsonl")
    assert result.exit_code == 3, result.output
    records = [json.loads(line) for line in Path("r.jsonl").read_text(encoding="utf-8").splitlines()]
    edited = next(r for r in records if r["article"]["id"] == EDITED)
    assert edited["ci"]["outcome"] == "pass"
    assert edited["ci"]["findings"][0]["status"] == "licensed"
    assert "Sputnik" in edited["ci"]["findings"][0]["reason"]
    Path("new/scan.txt").unlink()
    assert run("new/", "--against", "corpus/").exit_code == 0


def test_every_output_records_version_settings_and_fingerprint(scene: Path) -> None:
    result = run("new/", "--against", "corpus/", "--junit", "j.xml", "--sarif", "s.sarif",
                 "--json", "r.jsonl", "--markdown", "m.md", "--set", "paraphrase=0.61")
    assert result.exit_code == 1
    with Index.open(":memory:" if False else _temp_index(scene)) as idx:
        fingerprint = idx.fingerprint()
    props = {p.get("name"): p.get("value") for p in ET.parse("j.xml").getroot().iter("property")}
    assert props["index.fingerprint"] == fingerprint and props["provenance.version"]
    assert json.loads(props["settings"])["paraphrase"] == 0.61
    sarif_props = json.loads(Path("s.sarif").read_text(encoding="utf-8"))["runs"][0]["properties"]
    assert sarif_props["index"]["fingerprint"] == fingerprint
    assert sarif_props["settings"]["paraphrase"] == 0.61 and sarif_props["policy"]["fail_on"] == "paraphrase"
    records = [json.loads(x) for x in Path("r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 3
    assert [r["status"] for r in records] == ["ok", "ok", "error"]  # sorted by path
    assert all(r["tool"]["index"]["fingerprint"] == fingerprint for r in records)
    assert all(r["tool"]["settings"]["paraphrase"] == 0.61 for r in records)
    assert records[2]["error"] and "binary" in records[2]["error"]
    md = Path("m.md").read_text(encoding="utf-8")
    assert fingerprint in md and "0.61" in md and "scan.txt" in md


def _temp_index(scene: Path) -> Path:
    from provenance.api import load_corpus
    from provenance.settings import Settings

    settings = Settings(paraphrase=0.61)
    path = scene / "fp.db"
    docs, _ = load_corpus(["corpus/"], settings)
    with Index.open(path, create=True, params=settings.sketch_params()) as idx:
        idx.add(docs, atomic=True)
    return path


def test_same_bytes_whatever_the_jobs(scene: Path) -> None:
    outputs = {}
    for jobs in ("1", "2"):
        run("new/", "--against", "corpus/", "--jobs", jobs, "--junit", f"j{jobs}.xml",
            "--sarif", f"s{jobs}.sarif", "--json", f"r{jobs}.jsonl", "--markdown", f"m{jobs}.md")
        outputs[jobs] = [Path(f"{n}{jobs}.{ext}").read_bytes()
                         for n, ext in (("j", "xml"), ("s", "sarif"), ("r", "jsonl"), ("m", "md"))]
    assert outputs["1"] == outputs["2"]


def test_waiver_is_recorded_with_its_reason(scene: Path) -> None:
    Path("provenance.toml").write_text(
        '[ci]\n[[ci.waivers]]\narticle = "new/003_*"\nsource = "003_121186e99e69e98f.txt"\n'
        'reason = "reviewed: syndication deal of 2022-01"\n', encoding="utf-8")
    Path("new/scan.txt").unlink()
    result = run("new/", "--against", "corpus/", "--sarif", "s.sarif", "--markdown", "m.md")
    assert result.exit_code == 0, result.output
    assert "waived" in result.output and "syndication deal" in result.output
    sarif = json.loads(Path("s.sarif").read_text(encoding="utf-8"))
    supp = sarif["runs"][0]["results"][0]["suppressions"][0]
    assert supp["justification"] == "reviewed: syndication deal of 2022-01"
    assert "syndication deal" in Path("m.md").read_text(encoding="utf-8")


def test_common_source_is_listed_apart_and_not_a_failure(scene: Path) -> None:
    Path("new/scan.txt").unlink()
    result = run("new/", "--against", "corpus/", "--common-source", "003_*", "--allow-outlet", "CNSNews",
                 "--json", "r.jsonl", "--markdown", "m.md")
    assert result.exit_code == 0
    rec = json.loads(Path("r.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert rec["ci"]["findings"][0]["status"] == "common"
    md = Path("m.md").read_text(encoding="utf-8")
    assert "### Common sources" in md and "### Licensed" not in md  # nothing licensed was found
    assert "common " in result.stdout


def test_fail_on_copy_from_config_and_command_line_override(scene: Path) -> None:
    Path("new/scan.txt").unlink()
    # 000 paraphrases 003: a paraphrase finding, not a copy.
    shutil.copyfile(A000, "new/rewrite.txt")
    shutil.copyfile(A003, "corpus/003_121186e99e69e98f.txt")
    Path(f"new/{EDITED}").unlink()
    Path("corpus/000_49245dd74f8c1102.txt").unlink()
    Path("pyproject.toml").write_text('[tool.provenance.ci]\nfail-on = "copy"\n', encoding="utf-8")
    assert run("new/", "--against", "corpus/").exit_code == 0
    assert run("new/", "--against", "corpus/", "--fail-on", "paraphrase").exit_code == 1


def test_ignore_globs_skip_files_and_folders(scene: Path) -> None:
    (scene / "new" / "drafts").mkdir()
    (scene / "new" / "drafts" / "junk.txt").write_bytes(b"\x00\x01")
    result = run("new/", "--against", "corpus/", "--ignore", "new/scan.txt", "--ignore", "drafts",
                 "--json", "r.jsonl")
    assert result.exit_code == 1
    ids = [json.loads(x)["article"]["id"] for x in Path("r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert ids == [EDITED, A004.name]
    assert "ignored 2" in result.output


@pytest.mark.parametrize("body, key", [
    ('[ci]\nallow-outlet = ["x"]\n', "ci.allow-outlet"),
    ('[ci]\nfail-on = "everything"\n', "ci.fail-on"),
    ('[ci]\nallow-outlets = "Reuters"\n', "ci.allow-outlets"),
    ('[ci]\n[[ci.waivers]]\narticle = "a"\nsource = "b"\n', "ci.waivers[0].reason"),
    ('paraphrase = 2\n', "paraphrase"),
    ('colour = "red"\n', "colour"),
], ids=["unknown-key", "bad-level", "not-a-list", "waiver-without-reason", "bad-threshold", "unknown-setting"])
def test_bad_configuration_exits_2_naming_the_key(scene: Path, body: str, key: str) -> None:
    Path("provenance.toml").write_text(body, encoding="utf-8")
    result = run("new/", "--against", "corpus/")
    assert result.exit_code == 2
    assert result.stderr.startswith("provenance: error:") and key in result.stderr
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(scene: Path) -> None:
    assert run("missing/", "--against", "corpus/").exit_code == 2
    assert run("new/", "--against", "corpus/", "--index", "x.db").exit_code == 2
    assert run("new/", "--against", "corpus/", "--update-index").exit_code == 2
    assert run("new/", "--against", "corpus/", "--junit", "no/such/dir/j.xml").exit_code == 2


def test_missing_or_corrupt_index_exits_3(scene: Path) -> None:
    result = run("new/", "--index", "nothing.db")
    assert result.exit_code == 3 and result.stderr.startswith("provenance: error:")
    Path("bad.db").write_bytes(b"not sqlite at all" * 100)
    result = run("new/", "--index", "bad.db")
    assert result.exit_code == 3 and "Traceback" not in result.output


def test_every_bad_file_is_an_error_entry(scene: Path) -> None:
    Path("new/empty.txt").write_text("   \n", encoding="utf-8")
    Path("new/utf16.txt").write_bytes(b"\xff\xfe" + b"\x00\xd8")  # BOM, then a lone surrogate
    Path("new/feed.jsonl").write_text(
        '{"id": "good", "text": "' + A004.read_text(encoding="utf-8")[:400].replace('"', "'").replace("\n", " ")
        + '"}\nnot json\n{"id": "blank", "text": ""}\n', encoding="utf-8")
    unreadable = Path("new/locked.txt")
    unreadable.write_text("secret", encoding="utf-8")
    unreadable.chmod(0)
    try:
        result = run("new/", "--against", "corpus/", "--json", "r.jsonl", "--junit", "j.xml")
    finally:
        unreadable.chmod(0o644)
    assert result.exit_code == 1  # the edited copy still fails: a finding beats "could not check"
    records = [json.loads(x) for x in Path("r.jsonl").read_text(encoding="utf-8").splitlines()]
    errors = {(r["article"]["path"], r["article"]["line"]) for r in records if r["status"] == "error"}
    expected = {("new/empty.txt", None), ("new/utf16.txt", None), ("new/scan.txt", None),
                ("new/feed.jsonl", 2), ("new/feed.jsonl", 3)}
    if os.geteuid() != 0:  # root reads anything
        expected.add(("new/locked.txt", None))
    assert errors == expected
    assert any(r["article"]["id"] == "good" and r["status"] == "ok" for r in records)
    errors_in_junit = [c for c in ET.parse("j.xml").getroot().iter("testcase") if c.find("error") is not None]
    assert len(errors_in_junit) == len(expected)


def test_update_index_adds_atomically_and_revisions_replace(scene: Path) -> None:
    Path("new/scan.txt").unlink()
    assert CliRunner().invoke(cli, ["index", "add", "corpus/", "--index", "c.db"]).exit_code == 0
    result = run("new/", "--index", "c.db", "--update-index", "--json", "r.jsonl")
    assert result.exit_code == 1
    with Index.open("c.db") as idx:
        assert set(idx.ids()) == {A000.name, A003.name, EDITED, A004.name}
    # A revision of the edited article, which entered the index through ci --update-index: it
    # is checked against the rest, never against its earlier version, and replaces it.
    revised = Path("rev")
    revised.mkdir()
    text = Path("new", EDITED).read_text(encoding="utf-8").replace("futile", "pointless", 1)
    (revised / EDITED).write_text(text, encoding="utf-8")
    result = run("rev/", "--index", "c.db", "--update-index", "--json", "r2.jsonl", "--fail-on", "copy")
    rec = json.loads(Path("r2.jsonl").read_text(encoding="utf-8"))
    assert rec["ci"]["revision"] is True
    assert EDITED not in [s["id"] for s in rec["sources"]]
    # It is still found as a copy of the corpus story it edits.
    assert rec["sources"][0]["id"] == A003.name and result.exit_code == 1
    with Index.open("c.db") as idx:
        assert idx.get(EDITED).text == text
        assert len(idx) == 4


def test_a_copy_named_after_its_source_is_no_revision(scene: Path) -> None:
    # The corpus story saved under its own file name is not a new version of it: it fails as a
    # copy, and --update-index keeps the source and adds the copy under the next free id.
    assert CliRunner().invoke(cli, ["index", "add", "corpus/", "--index", "c.db"]).exit_code == 0
    Path("same").mkdir()
    shutil.copyfile(A003, Path("same") / A003.name)
    result = run("same/", "--index", "c.db", "--update-index", "--json", "r.jsonl")
    rec = json.loads(Path("r.jsonl").read_text(encoding="utf-8"))
    assert result.exit_code == 1 and rec["ci"]["outcome"] == "fail" and rec["ci"]["revision"] is False
    assert rec["sources"][0]["id"] == A003.name and rec["sources"][0]["verdict"] == "copy"
    with Index.open("c.db") as idx:
        assert set(idx.ids()) == {A000.name, A003.name, f"{A003.name} #2"}
        assert idx.get(A003.name).collection is None
        assert idx.get(f"{A003.name} #2").collection == "checked"


def test_update_index_is_all_or_nothing(scene: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Path("new/scan.txt").unlink()
    assert CliRunner().invoke(cli, ["index", "add", "corpus/", "--index", "c.db"]).exit_code == 0
    before = sqlite3.connect("c.db").execute("SELECT id, sha256 FROM docs ORDER BY id").fetchall()
    original = Index.add
    seen = {}

    def interrupted_add(self, documents, **kwargs):
        seen.update(kwargs)

        def stream():
            for number, doc in enumerate(documents):
                if number == 1:
                    raise KeyboardInterrupt  # the run is interrupted half way through the update
                yield doc
        return original(self, stream(), **kwargs)

    monkeypatch.setattr(Index, "add", interrupted_add)
    with pytest.raises(KeyboardInterrupt):
        run_batch(["new/"], index_path="c.db", policy=Policy(), jobs=1, update_index=True)
    assert seen.get("atomic") is True
    after = sqlite3.connect("c.db").execute("SELECT id, sha256 FROM docs ORDER BY id").fetchall()
    assert after == before


def test_github_actions_annotations(scene: Path) -> None:
    result = run("new/", "--against", "corpus/", env={"GITHUB_ACTIONS": "true"})
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert any(c.startswith(f"::error file=new/{EDITED},line=") for c in commands)
    assert any(c.startswith("::error file=new/scan.txt,") for c in commands)
    assert all("\n" not in c for c in commands)
    quiet = run("new/", "--against", "corpus/")
    assert "::error" not in quiet.stdout


def test_no_progress_bar_when_stderr_is_not_a_terminal(scene: Path) -> None:
    result = run("new/", "--against", "corpus/")
    assert "checking" not in result.stderr


def test_help_documents_the_command() -> None:
    result = CliRunner().invoke(cli, ["ci", "--help"])
    assert result.exit_code == 0
    for option in ("--against", "--index", "--jobs", "--fail-on", "--junit", "--sarif", "--json",
                   "--markdown", "--update-index", "--config", "Examples:"):
        assert option in result.output


def test_update_index_creates_a_missing_index(scene: Path) -> None:
    Path("new/scan.txt").unlink()
    result = run("new/", "--index", "fresh.db", "--update-index")
    assert result.exit_code == 0, result.output
    with Index.open("fresh.db") as idx:
        assert set(idx.ids()) == {EDITED, A004.name}
    # Tomorrow: 003 itself arrives and is checked against today's articles.
    shutil.copyfile(A003, "new2.txt")
    assert run("new2.txt", "--index", "fresh.db").exit_code == 1


def test_articles_sharing_an_id_are_warned_about(scene: Path) -> None:
    Path("other").mkdir()
    shutil.copyfile(A004, Path("other") / A004.name)
    result = run(f"new/{A004.name}", f"other/{A004.name}", "--against", "corpus/")
    assert result.exit_code == 0
    assert "another article already has the id" in result.stderr and " #2" in result.stderr


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from provenance.cli.common import progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", io.StringIO())
    update, stop = progress_bar("checking")
    assert update is None
    stop()
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    update, stop = progress_bar("checking")
    assert update is not None
    update(1, 2)
    stop()


def test_index_add_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    # A real pseudo-terminal on stderr (the pty module): rich draws there, and nowhere else.
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    done = subprocess.run([sys.executable, "-m", "provenance", "index", "add", str(SAMPLES),
                           "--index", str(tmp_path / "i.db")], stderr=follower,
                          stdout=subprocess.PIPE, text=True, timeout=120)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert done.returncode == 0 and "added 3" in done.stdout
    assert b"indexing" in shown and b"indexing" not in done.stdout.encode()
    piped = subprocess.run([sys.executable, "-m", "provenance", "index", "add", str(SAMPLES),
                            "--index", str(tmp_path / "j.db")], capture_output=True, text=True,
                           timeout=120)
    assert piped.returncode == 0 and "indexing" not in piped.stderr
