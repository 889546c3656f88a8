"""The bad-input battery: every case has a defined outcome, a result or one clear
`provenance: error: ...` line with the contract's exit code, never a traceback.

Files are real and made in tmp_path at test time; commands run through click's CliRunner (or a
real subprocess where the operating system has to refuse something). The README's table of
cases and outcomes mirrors this file.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli

from .conftest import A000, A003, SAMPLES, assert_one_error, cli_without_permission_override

SENTENCES = (
    "The foreign minister said on Monday that the talks would resume in Geneva next week. "
    "Officials from both delegations confirmed the date but gave no further details.\n"
)


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def assert_usage_error(result, *fragments: str) -> None:
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    for fragment in fragments:
        assert fragment in result.stderr


def check_json(article: Path | str, *extra: object):
    return run("check", article, "--against", SAMPLES, "--format", "json", *extra)


# --- empty, binary, encodings -------------------------------------------------------------------

@pytest.mark.parametrize("content, fragment", [
    pytest.param(b"", "empty article", id="empty"),
    pytest.param(b"  \n\t\r\n   \n", "empty article", id="whitespace-only"),
    pytest.param(b"\xef\xbb\xbf \n", "empty article", id="bom-then-whitespace"),
    pytest.param(bytes(range(256)) * 20, "binary file", id="binary-all-bytes"),
    pytest.param(b"Ordinary words\x00 with one NUL byte in the middle.", "binary file (contains NUL",
                 id="text-with-NUL"),
    pytest.param(b"\x01\x02\x03\x04\x05\x06\x07\x08" * 200 + b"a few letters",
                 "binary file (mostly control", id="control-characters"),
    pytest.param(b"\xff\xfeA\x00\xd8", "cannot decode as UTF-16", id="truncated-utf16"),
])
def test_unusable_article_is_one_error_exit_3(tmp_path: Path, content: bytes, fragment: str) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(content)
    line = assert_one_error(check_json(article), 3, fragment)
    assert str(article) in line  # the message names the file as given


def test_invalid_utf8_reads_as_windows_1252_with_a_warning(tmp_path: Path) -> None:
    article = tmp_path / "legacy.txt"
    text = ("The caf\u00e9 owner said \u201cwe are closed\u201d on Monday \u2013 and again on "
            "Tuesday, officials confirmed.\n")
    article.write_bytes(text.encode("cp1252"))
    result = check_json(article)
    assert result.exit_code == 0
    assert "read as Windows-1252" in result.stderr and str(article) in result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "ok"
    assert data["sentences"][0]["text"] == text.strip()  # curly quotes and the dash decoded
    assert any("Windows-1252" in w for w in data["article"]["warnings"])


@pytest.mark.parametrize("encoding, bom", [
    ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-8", b"\xef\xbb\xbf"),
])
def test_byte_order_marks_decode_and_offsets_exclude_the_bom(tmp_path: Path, encoding: str,
                                                             bom: bytes) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(bom + SENTENCES.encode(encoding))
    result = check_json(article)
    assert result.exit_code == 0 and not result.stderr
    first = json.loads(result.stdout)["sentences"][0]
    assert first["start"] == 0 and SENTENCES[first["start"]:first["end"]] == first["text"]


def test_utf16_copy_of_a_source_is_still_found(tmp_path: Path) -> None:
    """Reuse survives a re-encoding: 003 stored as UTF-16 is still 000's source."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / A003.name).write_bytes(b"\xff\xfe" + A003.read_text("utf-8").encode("utf-16-le"))
    (corpus / "cp1252.txt").write_bytes(SENTENCES.encode("cp1252"))
    result = run("check", A000, "--against", corpus, "--format", "json")
    assert result.exit_code == 0, result.stderr
    top = json.loads(result.stdout)["sources"][0]
    assert top["id"] == A003.name and top["verdict"] in ("paraphrase", "copy")


# --- sizes ----------------------------------------------------------------------------------------

def test_50_mb_single_line_is_refused_before_reading(tmp_path: Path) -> None:
    article = tmp_path / "huge.txt"
    with article.open("wb") as fh:
        chunk = b"word " * 200_000  # 1 MB
        for _ in range(50):
            fh.write(chunk)
    assert article.stat().st_size == 50_000_000
    assert_one_error(check_json(article), 3, "exceeds the maximum article size", "max_article_chars")


def test_over_the_character_limit_after_decoding(tmp_path: Path) -> None:
    # 6 million ASCII characters: small enough in bytes to be read, too many characters.
    article = tmp_path / "long.txt"
    article.write_bytes(b"x" * 6_000_000)
    assert_one_error(check_json(article), 3, "6,000,000 characters exceeds", "5,000,000")


def test_maximum_article_size_is_a_setting() -> None:
    assert_one_error(check_json(A000, "--set", "max_article_chars=1000"), 3,
                     "exceeds the maximum article size of 1,000")
    assert check_json(A000, "--set", "max_article_chars=100000").exit_code == 0


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_bad_maximum_article_size_is_a_usage_error(value: str) -> None:
    assert_one_error(check_json(A000, "--set", f"max_article_chars={value}"), 2, "max")


def test_a_million_short_lines_hits_the_size_limit_quickly(tmp_path: Path) -> None:
    article = tmp_path / "lines.txt"
    article.write_text("".join(f"line {i}\n" for i in range(1_000_000)), encoding="utf-8")
    assert_one_error(check_json(article), 3, "characters exceeds the maximum article size")


def test_many_short_lines_under_the_limit_give_a_result(tmp_path: Path) -> None:
    # Every line is a paragraph; the work is linear in the lines (a million one-word lines,
    # 4.9 MB, take about half a minute: see benchmarks/bench_large.py --lines).
    article = tmp_path / "lines.txt"
    article.write_text("".join(f"w{i % 997}\n" for i in range(20_000)), encoding="utf-8")
    result = check_json(article)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["verdict"] == "original" and len(data["sentences"]) == 20_000


def test_one_long_line_without_punctuation_is_cut_into_pieces(tmp_path: Path) -> None:
    # 300 KB without a sentence end: scored as pieces of at most 1,000 characters, not as one
    # sentence whose pairwise score would cost its length squared.
    words = A003.read_text("utf-8").replace(".", " ").split()
    line = " ".join(words * 50)
    article = tmp_path / "oneline.txt"
    article.write_text(line, encoding="utf-8")
    result = check_json(article)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert all(s["end"] - s["start"] <= 1000 for s in data["sentences"])
    assert "".join(s["text"] for s in data["sentences"]).replace(" ", "") == line.replace(" ", "")
    assert data["sources"] and data["sources"][0]["id"] == A003.name


# --- HTML -----------------------------------------------------------------------------------------

def test_deeply_nested_html(tmp_path: Path) -> None:
    page = tmp_path / "deep.html"
    page.write_text("<html><body>" + "<div>" * 100_000 + "<p>" + SENTENCES + "</p>"
                    + "</div>" * 100_000 + "</body></html>", encoding="utf-8")
    # lxml stops at its nesting limit: the page is refused clearly rather than crashing.
    assert_one_error(check_json(page), 3, "no article text found in the HTML")


def test_malformed_html_still_gives_its_text(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><body><p>Unclosed <b>bold <i>italic <p>" + SENTENCES
                    + "<div><table><tr><td>cell</p></span></html>>>><<<&&;", encoding="utf-8")
    result = check_json(page)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["article"]["format"] == "html"
    assert any("talks would resume in Geneva" in s["text"] for s in data["sentences"])


def test_html_that_is_mostly_script(tmp_path: Path) -> None:
    page = tmp_path / "script.html"
    page.write_text("<html><head><script>" + "var tracker = 1;" * 20_000 + "</script></head><body>"
                    "<script>document.write('<p>injected</p>')</script><article><p>" + SENTENCES
                    + "</p></article><script>more()</script></body></html>", encoding="utf-8")
    result = check_json(page)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    text = " ".join(s["text"] for s in data["sentences"])
    assert "talks would resume" in text and "tracker" not in text and "injected" not in text


def test_html_with_only_script(tmp_path: Path) -> None:
    page = tmp_path / "only.html"
    page.write_text("<html><head><script>var a = 1;</script></head><body><script>b()</script>"
                    "</body></html>", encoding="utf-8")
    assert_one_error(check_json(page), 3, "no article text found in the HTML")


# --- JSON Lines -----------------------------------------------------------------------------------

def write_jsonl(path: Path) -> None:
    records = [
        json.dumps({"id": "first", "text": SENTENCES, "outlet": "Wire"}),
        '{"id": "broken", "text": "a record cut short',  # line 2
        json.dumps({"id": "third", "text": A003.read_text("utf-8")}),
        "",
        json.dumps({"id": "no-text"}),  # line 5
        json.dumps(["not", "an", "object"]),  # line 6
        "[" * 100_000,  # line 7: nested too deeply for the JSON parser
        json.dumps({"id": "last", "text": "Another article altogether, about the weather in "
                    "the mountains this week."}),
    ]
    path.write_text("\n".join(records) + "\n", encoding="utf-8")


def test_jsonl_with_broken_lines_adds_the_rest_and_names_each_line(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_jsonl(corpus)
    index = tmp_path / "index.db"
    result = run("index", "add", corpus, "--index", index)
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == 3  # something could not be read
    assert "added 3" in result.stdout and "skipped 4" in result.stdout
    for number, why in ((2, "invalid JSON"), (5, "a record needs a string 'id' and 'text'"),
                        (6, "a record needs a string 'id'"), (7, "invalid JSON")):
        assert f"{corpus}:{number}: {why}" in result.stderr
    listed = run("index", "list", "--index", index)
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["first", "last", "third"]


def test_jsonl_as_against_corpus_checks_with_what_could_be_read(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_jsonl(corpus)
    result = run("check", A000, "--against", corpus, "--format", "json")
    assert result.exit_code == 3  # checked, but part of the corpus could not be read
    assert json.loads(result.stdout)["sources"][0]["id"] == "third"
    assert f"{corpus}:2: invalid JSON" in result.stderr


def test_jsonl_given_as_the_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_jsonl(corpus)
    assert_one_error(check_json(corpus), 3, "holds several articles")


def test_jsonl_line_in_windows_1252_is_read_with_a_warning(tmp_path: Path) -> None:
    corpus = tmp_path / "legacy.jsonl"
    corpus.write_bytes(json.dumps({"id": "x", "text": "caf\u00e9 " + SENTENCES},
                                  ensure_ascii=False).encode("cp1252") + b"\n")
    index = tmp_path / "index.db"
    result = run("index", "add", corpus, "--index", index)
    assert result.exit_code == 0
    assert f"{corpus}:1: not valid UTF-8" in result.stderr


# --- paths that are not what they should be --------------------------------------------------------

def test_directory_given_as_the_article_is_a_usage_error(tmp_path: Path) -> None:
    folder = tmp_path / "story.txt"
    folder.mkdir()
    assert_usage_error(check_json(folder), "is a directory")
    assert_usage_error(run("compare", A000, folder), "is a directory")



def test_directory_given_as_the_index_is_a_usage_error(tmp_path: Path) -> None:
    assert_usage_error(run("check", A000, "--index", tmp_path), "is a directory")


def test_directory_named_like_an_article_inside_a_corpus_is_walked(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "looks-like.txt").mkdir(parents=True)
    shutil.copy(A003, corpus / "looks-like.txt" / A003.name)
    result = run("check", A000, "--against", corpus, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["sources"][0]["id"] == f"looks-like.txt/{A003.name}"


def test_nonexistent_paths_are_usage_errors(tmp_path: Path) -> None:
    assert_usage_error(check_json(tmp_path / "missing.txt"), "does not exist")
    assert_usage_error(run("check", A000, "--against", tmp_path / "missing"), "does not exist")
    assert_usage_error(run("index", "add", tmp_path / "missing", "--index", tmp_path / "i.db"),
                       "does not exist")


def test_device_and_fifo_are_refused_not_read(tmp_path: Path) -> None:
    # /dev/zero never ends and a FIFO blocks: only regular files are read.
    assert_one_error(run("compare", A000, "/dev/zero"), 3, "not a regular file")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(A003, corpus)
    os.mkfifo(corpus / "pipe.txt")
    result = run("check", A000, "--against", corpus, "--format", "json")
    assert result.exit_code == 3
    assert "pipe.txt: not a regular file" in result.stderr
    assert json.loads(result.stdout)["sources"][0]["id"] == A003.name


def test_symlink_loops_inside_a_corpus_folder(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(A003, corpus)
    (corpus / "a.txt").symlink_to("b.txt")
    (corpus / "b.txt").symlink_to("a.txt")
    (corpus / "again").symlink_to("..", target_is_directory=True)  # a directory loop
    (corpus / "dangling.txt").symlink_to("nowhere.txt")
    index = tmp_path / "index.db"
    # Links inside a folder are reported and not followed (file and folder links alike).
    result = run("index", "add", corpus, "--index", index)
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == 3
    assert "added 1," in result.stdout and "skipped 4" in result.stdout
    assert result.stderr.count("a symbolic link inside a folder, not followed") == 4
    # Followed, the file loops and the dangling link are errors and the folder loop is walked once.
    result = run("index", "add", corpus, "--index", index, "--follow-symlinks")
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == 3
    assert "unchanged 1," in result.stdout and "skipped 3" in result.stdout
    assert "a.txt: cannot read: Too many levels of symbolic links" in result.stderr
    assert "dangling.txt: cannot read: No such file or directory" in result.stderr
    assert run("index", "list", "--index", index).stdout.splitlines() == [
        f"{A003.name}\t-\t-\t{corpus / A003.name}"]


def test_broken_sidecar_metadata_warns_and_keeps_the_article(tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    article.write_text(SENTENCES, encoding="utf-8")
    (tmp_path / "story.txt.meta.json").write_text("{not json", encoding="utf-8")
    result = check_json(article)
    assert result.exit_code == 0
    assert "story.txt.meta.json" in result.stderr and "metadata ignored" in result.stderr
    assert json.loads(result.stdout)["article"]["outlet"] is None


# --- unreadable files: the operating system has to refuse, so these run as real processes ----------

def test_unreadable_article_is_one_error(tmp_path: Path) -> None:
    # ARTICLE may be a file, `-` or a URL, so it is read by the library: an unreadable file is
    # "could not check" (exit 3), as an unreadable file in a corpus is.
    article = tmp_path / "locked.txt"
    article.write_text(SENTENCES, encoding="utf-8")
    article.chmod(0)
    done = cli_without_permission_override("check", article, "--against", SAMPLES, timeout=60)
    assert "Traceback" not in done.stderr
    assert done.returncode == 3 and "locked.txt: cannot read: Permission denied" in done.stderr


def test_unreadable_file_in_a_corpus_is_skipped_and_reported(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(A003, corpus)
    locked = corpus / "locked.txt"
    locked.write_text(SENTENCES, encoding="utf-8")
    locked.chmod(0)
    done = cli_without_permission_override("index", "add", corpus, "--index",
                                           tmp_path / "index.db", timeout=60)
    assert "Traceback" not in done.stderr
    assert done.returncode == 3
    assert "locked.txt: cannot read: Permission denied" in done.stderr
    assert "added 1," in done.stdout


def test_unreadable_index_is_exit_3(tmp_path: Path) -> None:
    index = tmp_path / "index.db"
    assert run("index", "add", A003, "--index", index).exit_code == 0
    index.chmod(0)
    done = cli_without_permission_override("check", A000, "--index", index, timeout=60)
    assert "Traceback" not in done.stderr
    assert done.returncode == 3
    assert done.stderr.startswith("provenance: error: ") and "not readable" in done.stderr


# --- index files that are not provenance indexes ----------------------------------------------------

def test_random_bytes_as_index(tmp_path: Path) -> None:
    index = tmp_path / "index.db"
    index.write_bytes(bytes((i * 7919) % 256 for i in range(40_000)))
    assert_one_error(run("check", A000, "--index", index), 3, "not a provenance index or corrupt")
    assert_one_error(run("index", "add", A003, "--index", index), 3, "not a provenance index")


def test_foreign_sqlite_file_as_index(tmp_path: Path) -> None:
    index = tmp_path / "other.sqlite"
    with sqlite3.connect(index) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    assert_one_error(run("check", A000, "--index", index), 3, "not a provenance index")
    assert_one_error(run("index", "info", "--index", index), 3, "not a provenance index")


def test_index_of_another_format_version_says_rebuild(tmp_path: Path) -> None:
    index = tmp_path / "index.db"
    assert run("index", "add", A003, "--index", index).exit_code == 0
    with sqlite3.connect(index) as conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'version'")
    line = assert_one_error(run("check", A000, "--index", index), 3, "version 999", "rebuild")
    assert "provenance index add" in line
    assert_one_error(run("index", "add", A003, "--index", index), 3, "rebuild")


def test_missing_index_is_exit_3(tmp_path: Path) -> None:
    assert_one_error(run("check", A000, "--index", tmp_path / "none.db"), 3, "no index here")


# --- untrusted content: nothing read is unpickled or evaluated --------------------------------------

# Names whose use would deserialize or execute what an index, a corpus or a config file holds.
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "jsonpickle", "yaml"}
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__", "import_module", "loads_unsafe"}


def code_names(path: Path) -> list[tuple[int, str, str]]:
    """(line, previous token, name) of every name in the code (comments and strings excluded)."""
    import io
    import tokenize

    names = []
    previous = ""
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type == tokenize.NAME:
            names.append((tok.start[0], previous, tok.string))
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT,
                            tokenize.DEDENT):
            previous = tok.string
    return names


def test_no_unsafe_deserialization_or_evaluation_in_the_package() -> None:
    src = Path(__file__).resolve().parent.parent / "src" / "provenance"
    found = []
    for path in sorted(src.rglob("*.py")):
        for line, previous, name in code_names(path):
            rel = f"{path.relative_to(src)}:{line}"
            if name in UNSAFE_MODULES and previous in ("import", "from", ",", ""):
                found.append(f"{rel}: imports {name}")
            elif name in UNSAFE_BUILTINS and previous != ".":  # re.compile is fine, compile() is not
                found.append(f"{rel}: calls {name}")
            elif name == "allow_pickle":
                found.append(f"{rel}: numpy allow_pickle")
        text = path.read_text(encoding="utf-8")
        # datasketch's Redis storage pickles keys unless told not to.
        if "MinHashLSH(" in text and "storage_config" in text:
            assert "prepickle=True" not in text and "prepickle=False" in text, path
        # Jinja templates escape by default: article text is data, never markup.
        if "Environment(" in text and "jinja2" in text:
            assert "autoescape=select_autoescape(default=True" in text or "autoescape=True" in text, path
    assert found == []
