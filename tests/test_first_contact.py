"""What a new user meets in the first hour (issue #14): articles from standard input and URLs,
report formats from file names, contradictory options, and runs that checked nothing."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli

from .conftest import A000, A003, A004, SAMPLES, assert_one_error


def run(*args: object, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)


@pytest.fixture(scope="module")
def site():
    """A local web server (loopback only) serving the sample 000 as a news page."""
    body = "".join(f"<p>{line}</p>" for line in A000.read_text(encoding="utf-8").splitlines() if line.strip())
    page = (f"<!DOCTYPE html><html><head><title>Rewrite</title></head><body><article>{body}"
            "</article></body></html>").encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/story":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_check_reads_the_article_from_standard_input() -> None:
    # Not against the samples folder, which holds 000 itself (a file checked against its own
    # folder is left out by path; text from stdin has no path).
    result = run("check", "-", "--against", A003, "--against", A004, "--format", "json",
                 input=A000.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["article"]["id"] == "stdin" and data["verdict"] == "paraphrase"
    assert data["sources"][0]["id"] == A003.name


def test_compare_takes_one_side_from_standard_input() -> None:
    result = run("compare", "-", A003, "--format", "json", input=A000.read_text(encoding="utf-8"))
    assert result.exit_code == 0 and json.loads(result.stdout)["verdict"] == "paraphrase"
    both = run("compare", "-", "-")
    assert both.exit_code == 2 and "only one of ARTICLE and SOURCE" in both.stderr


def test_check_fetches_a_url(site: str) -> None:
    result = run("check", f"{site}/story", "--against", A003, "--against", A004, "--format", "json",
                 "--allow-private-urls")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["article"]["url"] == f"{site}/story" and data["article"]["format"] == "html"
    assert data["verdict"] == "paraphrase" and data["sources"][0]["id"] == A003.name


def test_a_url_on_this_machine_is_refused_without_the_flag(site: str) -> None:
    assert_one_error(run("check", f"{site}/story", "--against", SAMPLES), 3, "loopback",
              "--allow-private-urls")


def test_a_url_that_cannot_be_fetched_is_assert_one_error(site: str) -> None:
    assert_one_error(run("check", f"{site}/missing", "--against", SAMPLES, "--allow-private-urls"), 3,
              "HTTP 404")


def test_a_pdf_is_an_unsupported_format(tmp_path: Path) -> None:
    pdf = tmp_path / "story.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert_one_error(run("check", pdf, "--against", SAMPLES), 3, "unsupported format PDF", "supported:")
    renamed = tmp_path / "story.txt"
    renamed.write_bytes(pdf.read_bytes())
    assert_one_error(run("check", renamed, "--against", SAMPLES), 3, "unsupported format PDF")


@pytest.mark.parametrize("suffix, marker", [
    (".html", "<!DOCTYPE html>"), (".md", "# "), (".json", '"schema_version"'), (".txt", "Verdict"),
])
def test_the_report_file_suffix_picks_the_format(tmp_path: Path, suffix: str, marker: str) -> None:
    target = tmp_path / f"report{suffix}"
    assert run("check", A000, "--against", SAMPLES, "-o", target).exit_code == 0
    assert target.read_text(encoding="utf-8").lstrip().startswith(marker) or \
        marker in target.read_text(encoding="utf-8")[:200]


def test_contradictory_options_are_usage_errors(tmp_path: Path) -> None:
    wrong = run("check", A000, "--against", SAMPLES, "--format", "json", "-o", tmp_path / "r.html")
    assert wrong.exit_code == 2 and "contradicts" in wrong.stderr
    assert not (tmp_path / "r.html").exists()
    both = run("check", A000, "--against", SAMPLES, "--index", tmp_path / "i.db")
    assert both.exit_code == 2 and "either --against or an index" in both.stderr


def test_checking_against_nothing_is_no_pass(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_error(run("check", A000, "--against", empty), 3, "no article to check against")
    (empty / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    result = run("check", A000, "--against", empty)
    assert_one_error(result, 3, "no article to check against", "1 skipped")
    assert "unsupported format PDF" in result.stderr
    assert_one_error(run("index", "add", empty, "--index", tmp_path / "i.db"), 3, "no article found")
    nothing = tmp_path / "nothing"
    nothing.mkdir()
    assert_one_error(run("ci", nothing, "--against", SAMPLES), 3, "no article found")
    assert_one_error(run("ci", SAMPLES, "--against", nothing), 3, "nothing to check against")
    assert_one_error(run("scan", nothing), 3, "no article to scan")


def test_a_json_report_of_an_unreadable_article_is_still_json(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = run("check", empty, "--against", SAMPLES, "--format", "json")
    assert result.exit_code == 3 and "empty article" in result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "error" and "empty article" in data["error"]
    assert data["article"]["id"] == "empty.txt"
