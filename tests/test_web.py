"""`provenance serve`: the web app over real HTTP (uvicorn on 127.0.0.1 in a thread, a free
port), its check workers real processes, against real indexes built from samples/.

Two servers: "check" over 003 and 004 (000 is the new article checked against them, so 003 is
its paraphrased origin) and "archive" over all the samples plus a document with a hostile title
(000 is in it, so 003's page can list 000 as reusing it).
"""

from __future__ import annotations

import contextlib
import html
import http.server
import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from provenance.documents import Document, iter_documents
from provenance.storage import IndexSpec, open_index
from provenance.web import WebConfig, create_app

from .conftest import A000, A003, A004

HOSTILE_TITLE = "<script>window.pwned=1</script> \u202eevil"
CHECK_LIMIT = 200_000  # the check server's request size cap, for the 413 cases


# --- Servers -------------------------------------------------------------------------------


@contextlib.contextmanager
def serve_app(config: WebConfig) -> Iterator[tuple[str, object]]:
    """The app under uvicorn in a thread, on a free loopback port: (base URL, app)."""
    import uvicorn

    app = create_app(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def build_index(path: Path, sources: list[Path]) -> IndexSpec:
    with open_index(path, create=True) as index:
        index.add(d for d in iter_documents(sources) if isinstance(d, Document))
    return IndexSpec("sqlite", str(path))


def article_page(text: str, title: str = "Raisi in Moscow") -> bytes:
    """000 as a web page: a title and one paragraph per line."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (f"<!DOCTYPE html><html><head><meta charset=utf-8><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>").encode()


@contextlib.contextmanager
def page_server(pages: dict[str, bytes], delay: dict[str, float] | None = None
                ) -> Iterator[str]:
    """A local web site (http.server on 127.0.0.1) serving `pages`, some after a delay."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = pages.get(self.path)
            time.sleep((delay or {}).get(self.path, 0))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, IndexSpec]:
    folder = tmp_path_factory.mktemp("web")
    archive = folder / "archive"
    archive.mkdir()
    for src in (A000, A003, A004):
        shutil.copy(src, archive / src.name)
        shutil.copy(src.with_name(src.name + ".meta.json"), archive / (src.name + ".meta.json"))
    (archive / "zz_hostile.txt").write_text(
        "A council meeting in a small town approved the budget for the new library on Monday.\n"
        "The mayor said the building would open next spring after two years of work.\n",
        encoding="utf-8")
    (archive / "zz_hostile.txt.meta.json").write_text(json.dumps(
        {"title": HOSTILE_TITLE, "outlet": "<img src=x onerror=alert(1)>"}), encoding="utf-8")
    return {"check": build_index(folder / "check.db", [A003, A004]),
            "archive": build_index(folder / "archive.db", [archive])}


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    text = A000.read_text(encoding="utf-8")
    with page_server({"/000.html": article_page(text), "/slow.html": article_page(text)},
                     delay={"/slow.html": 2.5}) as base:
        yield base


@pytest.fixture(scope="module")
def check_server(indexes: dict[str, IndexSpec]) -> Iterator[tuple[str, object]]:
    with serve_app(WebConfig(indexes["check"], workers=2, allow_private_urls=True,
                             max_request_bytes=CHECK_LIMIT)) as served:
        yield served


@pytest.fixture(scope="module")
def archive_server(indexes: dict[str, IndexSpec]) -> Iterator[tuple[str, object]]:
    with serve_app(WebConfig(indexes["archive"], workers=2, page_size=2)) as served:
        yield served


@pytest.fixture
def check_client(check_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=check_server[0], timeout=60) as client:
        yield client


@pytest.fixture
def archive_client(archive_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=archive_server[0], timeout=60) as client:
        yield client


def csrf_of(client: httpx.Client) -> str:
    page = client.get("/")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def follow_job(client: httpx.Client, response: httpx.Response, limit: float = 30) -> str:
    """Poll a check's "working" page as the browser's meta refresh does: the result's URL."""
    deadline = time.monotonic() + limit
    while True:
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        if location.startswith("/results/"):
            return location
        response = client.get(location)
        while response.status_code == 200:
            assert '<meta http-equiv="refresh" content="1">' in response.text
            assert time.monotonic() < deadline
            time.sleep(0.3)
            response = client.get(location)


# --- The JSON API --------------------------------------------------------------------------


def test_api_check_answers_the_json_of_the_cli(archive_client, indexes) -> None:
    from provenance.cli import cli

    data = A000.read_bytes()
    cli_run = CliRunner().invoke(cli, ["check", "-", "--index", indexes["archive"].path,
                                       "--format", "json"], input=data)
    assert cli_run.exit_code in (0, 1), cli_run.output
    answer = archive_client.post("/api/check", json={"text": data.decode("utf-8")})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    web, cli_json = json.loads(answer.content), json.loads(cli_run.stdout_bytes)
    for result in (web, cli_json):
        result["tool"].pop("generated")
    assert web == cli_json
    # Byte for byte too: SOURCE_DATE_EPOCH (conftest) fixes the one field that may differ.
    assert answer.content == cli_run.stdout_bytes


def test_api_check_by_url_refuses_this_machine_without_allow_private(archive_client, site) -> None:
    answer = archive_client.post("/api/check", json={"url": f"{site}/000.html"})
    assert answer.status_code == 422
    message = answer.json()["error"]
    assert "refused: 127.0.0.1 is a loopback address" in message
    assert "allow-private-urls" in message


def test_api_check_by_url_finds_the_paraphrase_of_003(check_client, site) -> None:
    answer = check_client.post("/api/check", json={"url": f"{site}/000.html",
                                                   "published": "2022-01-20"})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["article"]["id"] == f"{site}/000.html"
    assert result["article"]["title"] == "Raisi in Moscow"
    assert result["verdict"] == "paraphrase"
    flagged = {s["id"]: s["verdict"] for s in result["sources"] if s["verdict"] != "none"}
    assert flagged == {A003.name: "paraphrase"}


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"text": "   \n "}, 400, "empty text"),
    ({"text": "a", "url": "https://example.com/"}, 400, "exactly one"),
    ({}, 400, "exactly one"),
    ({"title": "t"}, 400, "exactly one"),
    ({"text": 12}, 400, "must be a string"),
    ({"text": "x", "title": ["t"]}, 400, "title must be a string"),
    ({"text": "x", "colour": "red"}, 400, "unknown field 'colour'"),
    (["text"], 400, "JSON object"),
    ({"url": "ftp://example.com/x"}, 400, "not an http or https URL"),
])
def test_api_check_bad_input_is_400(check_client, body, status, words) -> None:
    answer = check_client.post("/api/check", json=body)
    assert answer.status_code == status
    assert words in answer.json()["error"]


def test_api_check_bad_json_and_media_type(check_client) -> None:
    bad = check_client.post("/api/check", content=b'{"text": "unfinished',
                            headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("invalid JSON")
    binary = check_client.post("/api/check", content=b"\xff\xfe\x00",
                               headers={"Content-Type": "application/json"})
    assert binary.status_code == 400 and "invalid JSON" in binary.json()["error"]
    form = check_client.post("/api/check", data={"text": "x"})
    assert form.status_code == 415 and "application/json" in form.json()["error"]


def test_api_check_over_the_size_cap_is_413_before_parsing(check_client) -> None:
    big = json.dumps({"text": "word " * (CHECK_LIMIT // 4)}).encode()
    declared = check_client.post("/api/check", content=big,
                                 headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert "limit of 200,000 bytes" in declared.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it is read
        for start in range(0, len(big), 16384):
            yield big[start:start + 16384]

    streamed = check_client.post("/api/check", content=chunks(),
                                 headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert "limit" in streamed.json()["error"]
    assert check_client.get("/api/health").status_code == 200  # the server is fine


def test_api_check_takes_lone_surrogates_without_crashing(check_client) -> None:
    body = '{"text": "A sentence about the \\ud800 council budget.", "title": "x \\udfff"}'
    answer = check_client.post("/api/check", content=body.encode(),
                               headers={"Content-Type": "application/json"})
    assert answer.status_code == 200
    assert answer.json()["article"]["title"] == "x \ufffd"


def test_health(archive_client) -> None:
    answer = archive_client.get("/api/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "documents": 4}


def test_missing_index_is_503_not_a_crash(tmp_path: Path) -> None:
    config = WebConfig(IndexSpec("sqlite", str(tmp_path / "none.db")), workers=1, pool="thread")
    with serve_app(config) as (base, _app), httpx.Client(base_url=base, timeout=30) as client:
        health = client.get("/api/health")
        assert health.status_code == 503 and "no index here" in health.json()["error"]
        check = client.post("/api/check", json={"text": A000.read_text(encoding="utf-8")})
        assert check.status_code == 503 and "no index here" in check.json()["error"]
        archive = client.get("/documents")
        assert archive.status_code == 503 and "no index here" in archive.text
        assert "Traceback" not in archive.text
        page = client.get("/")
        assert page.status_code == 200 and "The index is unavailable" in page.text


def test_unexpected_error_is_one_line_json_not_a_trace(archive_server, monkeypatch) -> None:
    base, app = archive_server

    async def broken(*_args: object) -> None:
        raise RuntimeError("secret detail\nFile /etc/passwd line 1")

    monkeypatch.setattr(app.state.engine, "archive", broken)
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/documents")
        assert page.status_code == 500
        assert "internal error: RuntimeError" in page.text
        assert "secret detail" not in page.text and "Traceback" not in page.text
        missing = client.get("/api/nothing")
        assert missing.status_code == 404 and set(missing.json()) == {"error"}


def test_health_answers_while_a_check_is_running(check_client, check_server, site) -> None:
    answers: dict[str, httpx.Response] = {}

    def slow_check() -> None:
        with httpx.Client(base_url=check_server[0], timeout=60) as client:
            answers["check"] = client.post("/api/check", json={"url": f"{site}/slow.html"})

    thread = threading.Thread(target=slow_check)
    started = time.monotonic()
    thread.start()
    time.sleep(0.5)
    health = check_client.get("/api/health")
    answered = time.monotonic() - started
    assert health.status_code == 200
    assert answered < 2.0 and thread.is_alive()  # the check waits 2.5 s for its page
    thread.join(60)
    assert answers["check"].status_code == 200
    assert answers["check"].json()["verdict"] == "paraphrase"


# --- Pages ---------------------------------------------------------------------------------


def test_form_check_shows_the_report_with_permalink_and_downloads(check_client) -> None:
    text = A000.read_text(encoding="utf-8")
    answer = check_client.post("/check", files={"file": ("", b"")}, data={
        "csrf": csrf_of(check_client), "source": "text", "text": text,
        "title": "Raisi in Moscow", "published": "2022-01-20"})
    location = follow_job(check_client, answer)
    key = location.rsplit("/", 1)[1]
    page = check_client.get(location)
    assert page.status_code == 200
    assert 'id="verdict">paraphrase<' in page.text
    assert f'<iframe class="report" id="report" src="/results/{key}.html"' in page.text
    assert f'value="{check_client.base_url}/results/{key}"' in page.text  # the permalink
    report = check_client.get(f"/results/{key}.html")
    assert report.status_code == 200 and "<!DOCTYPE html>" in report.text
    csp = report.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'; style-src 'sha256-")
    assert csp.endswith("frame-ancestors 'self'") and report.headers["x-frame-options"] == "SAMEORIGIN"
    download = check_client.get(f"/results/{key}.html?download=1")
    assert download.headers["content-disposition"] == f'attachment; filename="provenance-{key}.html"'
    assert download.content == report.content
    result = check_client.get(f"/results/{key}.json?download=1")
    assert result.headers["content-disposition"].startswith("attachment")
    assert result.json()["verdict"] == "paraphrase"
    assert result.json()["article"]["title"] == "Raisi in Moscow"
    # The same article again: the same permalink (a content hash, not a counter).
    again = check_client.post("/check", files={"file": ("", b"")}, data={
        "csrf": csrf_of(check_client), "source": "text", "text": text,
        "title": "Raisi in Moscow", "published": "2022-01-20"})
    assert follow_job(check_client, again) == location
    assert check_client.get("/results/" + "0" * 32).status_code == 404


def test_form_check_by_slow_url_shows_progress_then_the_result(check_client, site) -> None:
    answer = check_client.post("/check", files={"file": ("", b"")}, data={
        "csrf": csrf_of(check_client), "source": "url", "url": f"{site}/slow.html"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/jobs/")
    working = check_client.get(answer.headers["location"])
    assert working.status_code == 200
    assert '<meta http-equiv="refresh" content="1">' in working.text
    assert "fetching and checking" in working.text.lower()
    location = follow_job(check_client, answer)
    assert 'id="verdict">paraphrase<' in check_client.get(location).text


def test_form_upload(check_client) -> None:
    answer = check_client.post("/check", data={"csrf": csrf_of(check_client), "source": "file"},
                               files={"file": ("C:\\news\\000.html",
                                               article_page(A000.read_text(encoding="utf-8")),
                                               "text/html")})
    location = follow_job(check_client, answer)
    result = check_client.get(location + ".json").json()
    assert result["article"]["id"] == "000.html" and result["article"]["format"] == "html"
    assert result["verdict"] == "paraphrase"
    refused = check_client.post("/check", data={"csrf": csrf_of(check_client), "source": "file"},
                                files={"file": ("story.pdf", b"%PDF-1.4", "application/pdf")})
    assert refused.status_code == 400
    assert "unsupported file type" in refused.text


def test_form_errors_are_messages_on_the_page(check_client) -> None:
    empty = check_client.post("/check", files={"file": ("", b"")}, data={
        "csrf": csrf_of(check_client), "source": "text", "text": "  "})
    assert empty.status_code == 400
    assert 'role="alert"' in empty.text and "empty text" in empty.text
    assert "Traceback" not in empty.text
    binary = check_client.post("/check", files={"file": ("", b"")}, data={
        "csrf": csrf_of(check_client), "source": "text", "text": "\x01\x02\x03" * 50})
    assert binary.status_code == 400 and "binary" in binary.text


def test_form_post_without_the_csrf_token_is_403(check_client) -> None:
    csrf_of(check_client)  # the cookie is there; the hidden field is not
    fields = {"source": "text", "text": A000.read_text(encoding="utf-8")}
    missing = check_client.post("/check", data=fields, files={"file": ("", b"")})
    assert missing.status_code == 403
    wrong = check_client.post("/check", data=fields | {"csrf": "x" * 43}, files={"file": ("", b"")})
    assert wrong.status_code == 403
    # Another site's page posting the form: refused on its Origin as well.
    foreign = check_client.post("/check", data=fields | {"csrf": csrf_of(check_client)},
                                files={"file": ("", b"")}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403


def test_cookies_are_strict(check_client) -> None:
    with httpx.Client(base_url=str(check_client.base_url)) as fresh:
        cookie = fresh.get("/").headers["set-cookie"]
    assert cookie.startswith("provenance_csrf=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_archive_search_and_pages(archive_client) -> None:
    everything = archive_client.get("/documents")
    assert "1–2 of 4 documents" in everything.text and 'rel="next"' in everything.text
    second = archive_client.get("/documents?page=2")
    assert "3–4 of 4 documents" in second.text and 'rel="prev"' in second.text
    sputnik = archive_client.get("/documents", params={"q": "SPUTNIK"})
    assert "1–1 of 1 document matching" in sputnik.text
    assert f'href="/documents/{A003.name}"' in sputnik.text
    by_date = archive_client.get("/documents", params={"q": "2022-01-19"})
    assert f'href="/documents/{A004.name}"' in by_date.text and A003.name not in by_date.text
    by_id = archive_client.get("/documents", params={"q": "49245dd7"})
    assert f'href="/documents/{A000.name}"' in by_id.text
    nothing = archive_client.get("/documents", params={"q": "no such words"})
    assert "No document matching" in nothing.text


def document_page(client: httpx.Client, doc_id: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        page = client.get(f"/documents/{doc_id}")
        assert page.status_code == 200, page.text
        if "Working…" not in page.text:
            return page.text
        assert time.monotonic() < deadline
        time.sleep(0.3)


def section(page: str, name: str) -> str:
    return page.split(f'<section id="{name}"', 1)[1].split("</section>", 1)[0]


def test_archive_page_of_003_lists_000_as_reusing_it(archive_client) -> None:
    page = document_page(archive_client, A003.name)
    reused_by = section(page, "reused-by")
    assert f'href="/documents/{A000.name}"' in reused_by
    assert "paraphrase" in reused_by
    assert "Nothing: no other document" in section(page, "reuses")
    # And the other way round: 000 reuses 003, and nothing reuses 000.
    page = document_page(archive_client, A000.name)
    assert f'href="/documents/{A003.name}"' in section(page, "reuses")
    assert "No document of the archive reuses it" in section(page, "reused-by")
    report = re.search(r'href="(/results/[0-9a-f]{32})"', page).group(1)
    assert archive_client.get(report + ".json").json()["verdict"] == "paraphrase"
    assert archive_client.get("/documents/nope.txt").status_code == 404


def test_hostile_metadata_is_escaped(archive_client, check_client) -> None:
    listing = archive_client.get("/documents", params={"q": "council", "page": "1"})
    search = archive_client.get("/documents", params={"q": "<script>"})
    for page in (listing.text, search.text):
        assert "<script>window" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt; \u27e8U+202E\u27e9evil" in search.text
    detail = document_page(archive_client, "zz_hostile.txt")
    assert "<script>window" not in detail and "&lt;img src=x onerror=alert(1)&gt;" in detail
    answer = check_client.post("/check", files={"file": ("", b"")}, data={
        "csrf": csrf_of(check_client), "source": "text",
        "text": A004.read_text(encoding="utf-8"), "title": HOSTILE_TITLE})
    result = check_client.get(follow_job(check_client, answer))
    assert "<script>window" not in result.text
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in result.text


def test_security_headers(check_client) -> None:
    for path in ("/", "/documents", "/api/health", "/login", "/static/app.css"):
        answer = check_client.get(path, follow_redirects=True)
        headers = answer.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["content-security-policy"].startswith("default-src 'none';")
        assert "http" not in headers["content-security-policy"]  # nothing external
    assert "cache-control" in check_client.get("/").headers


def test_unknown_host_is_refused(check_client) -> None:
    # A DNS-rebinding page reaches 127.0.0.1 under its own name: refused.
    answer = check_client.get("/api/health", headers={"Host": "evil.example"})
    assert answer.status_code == 400
    assert check_client.get("/api/health", headers={"Host": "localhost:8000"}).status_code == 200


def test_token_is_required_when_configured(indexes) -> None:
    token = "correct-horse-battery-staple"
    config = WebConfig(indexes["check"], token=token, workers=1, pool="thread")
    with serve_app(config) as (base, _app), httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/api/health").status_code == 401
        wrong = client.get("/api/health", headers={"Authorization": "Bearer wrong-token-0000"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
        right = client.get("/api/health", headers={"Authorization": f"Bearer {token}"})
        assert right.status_code == 200 and right.json()["documents"] == 2
        text = A000.read_text(encoding="utf-8")
        assert client.post("/api/check", json={"text": text}).status_code == 401
        checked = client.post("/api/check", json={"text": text},
                              headers={"Authorization": f"Bearer {token}"})
        assert checked.status_code == 200 and checked.json()["verdict"] == "paraphrase"
        # A browser: sent to the login form, then a session cookie.
        page = client.get("/documents?q=a")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=%2Fdocuments%3Fq%3Da"
        login = client.get(page.headers["location"])
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        refused = client.post("/login", data={"csrf": csrf, "token": "nope", "next": "/"})
        assert refused.status_code == 401 and "not the server" in refused.text
        assert client.post("/login", data={"token": token, "next": "/"}).status_code == 403
        ok = client.post("/login", data={"csrf": csrf, "token": token, "next": "//evil.example"})
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        assert "SameSite=Strict" in ok.headers["set-cookie"]
        assert client.get("/documents").status_code == 200
        assert client.get("/api/health").status_code == 200
        client.post("/logout", data={"csrf": csrf})
        assert client.get("/api/health").status_code == 401


def test_serve_refuses_unsafe_options(indexes, tmp_path: Path) -> None:
    from provenance.cli.serve import serve

    runner = CliRunner()
    exposed = runner.invoke(serve, ["--index", indexes["check"].path, "--host", "0.0.0.0"])
    assert exposed.exit_code == 2 and "--token" in exposed.output
    short = runner.invoke(serve, ["--index", indexes["check"].path, "--host", "0.0.0.0",
                                  "--token", "short"])
    assert short.exit_code == 2 and "at least 16" in short.output
    missing = runner.invoke(serve, ["--index", str(tmp_path / "none.db")])
    assert missing.exit_code == 3 and "no index here" in missing.output
