"""Fetching articles from http(s) URLs, against a real HTTP server on 127.0.0.1.

No test sends traffic outside loopback: every connection goes through fetch._open_socket, which
the autouse `connections` fixture replaces with one that records the address and refuses any
address that is not loopback, so a refusal that came too late would fail loudly, not leak.
"""

from __future__ import annotations

import gzip
import html
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from provenance import __version__, fetch
from provenance.errors import InputError, LimitError
from provenance.fetch import fetch_document, is_url

from .conftest import A003

ARTICLE_TEXT = A003.read_text(encoding="utf-8")
TITLE = ARTICLE_TEXT.splitlines()[0]
PARAGRAPHS = [line for line in ARTICLE_TEXT.splitlines()[1:] if line.strip()]
SENTENCES = (
    "Russia and Iran can unite their efforts in resisting the pressure from the United States",
    "Russia expects Raisi's visit to result in an \"inventory of relations,\"",
)
ARTICLE_HTML = (
    f"<html><head><title>{html.escape(TITLE)}</title></head><body><article>"
    + "".join(f"<p>{html.escape(p)}</p>" for p in PARAGRAPHS)
    + "</article></body></html>"
).encode("utf-8")
HUGE_BYTES = 30_000_000


class Handler(BaseHTTPRequestHandler):
    """Fixed routes; the server object carries the stop event and what /huge managed to send."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        route = self.path.split("?")[0]
        self.server.requests.append((route, dict(self.headers)))
        getattr(self, "route_" + route.strip("/").replace("-", "_"), self.route_missing)()

    def answer(self, status: int, body: bytes = b"", ctype: str | None = "text/html",
               headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.answer(status, ctype=None, headers={"Location": location})

    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route_article(self) -> None:
        self.answer(200, ARTICLE_HTML, "text/html; charset=utf-8")

    def route_plain(self) -> None:
        self.answer(200, ARTICLE_TEXT.encode("utf-8"), "text/plain; charset=utf-8")

    def route_latin1(self) -> None:
        self.answer(200, "Le café du coin a fermé.".encode("latin-1"),
                    "text/plain; charset=iso-8859-1")

    def route_gzip(self) -> None:
        self.answer(200, gzip.compress(ARTICLE_HTML), headers={"Content-Encoding": "gzip"})

    def route_gzip_bomb(self) -> None:
        self.answer(200, gzip.compress(b"a" * 5_000_000), "text/plain",
                    headers={"Content-Encoding": "gzip"})

    def route_untyped(self) -> None:
        self.answer(200, ARTICLE_HTML, ctype=None)

    def route_echo_host(self) -> None:
        self.answer(200, f"Host: {self.headers['Host']}".encode(), "text/plain")

    def route_empty(self) -> None:
        self.answer(200, b"<html><body></body></html>")

    def route_r1(self) -> None:
        self.redirect("/r2")

    def route_r2(self) -> None:
        self.redirect(self.base() + "/article", 301)

    def route_loop(self) -> None:
        self.redirect("/loop")

    def route_to_file(self) -> None:
        self.redirect("file:///etc/passwd")

    def route_to_ftp(self) -> None:
        self.redirect("ftp://127.0.0.1/article.txt")

    def route_to_private(self) -> None:
        self.redirect("http://10.0.0.1/article")

    def route_missing(self) -> None:
        self.answer(404, b"<html><body>nothing here</body></html>")

    def route_broken(self) -> None:
        self.answer(500, b"<html><body>oops</body></html>")

    def route_pdf(self) -> None:
        self.answer(200, b"%PDF-1.4\n" + b"0" * 1000, "application/pdf")

    def route_huge(self) -> None:
        # No Content-Length: only the cap while reading can stop this one.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        chunk = b"All work and no play makes a long article.\n" * 1500
        try:
            while self.server.huge_sent < HUGE_BYTES:
                self.wfile.write(chunk)
                self.server.huge_sent += len(chunk)
        except OSError:
            pass  # the client hung up, as it should
        finally:
            self.server.huge_done.set()

    def route_liar(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "50000000")
        self.end_headers()
        self.wfile.write(b"x" * 1000)

    def route_slow(self) -> None:
        if not self.server.stop.wait(3.0):
            self.answer(200, ARTICLE_HTML)

    def route_trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        try:
            while not self.server.stop.wait(0.2):
                self.wfile.write(b"a")
                self.wfile.flush()
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler still sleeping must not hold up the end of the tests

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.stop = threading.Event()
        self.huge_done = threading.Event()
        self.huge_sent = 0
        self.requests: list[tuple[str, dict[str, str]]] = []

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on purpose are the point of several tests


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.stop.set()
        srv.shutdown()
        srv.server_close()
        thread.join(5)


@pytest.fixture
def base(server: Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    made: list[tuple[str, int]] = []
    real = fetch._open_socket

    def guarded(address: str, port: int, timeout: float) -> socket.socket:
        made.append((address, port))
        if not ipaddress.ip_address(address.split("%")[0]).is_loopback:
            raise AssertionError(f"a test tried to connect to {address}")
        return real(address, port, timeout)

    monkeypatch.setattr(fetch, "_open_socket", guarded)
    return made


def local(url: str, **kwargs: object) -> fetch.Document:
    return fetch_document(url, allow_private=True, timeout=kwargs.pop("timeout", 5.0), **kwargs)


# --- Articles ------------------------------------------------------------------------------


def test_html_article(base: str, server: Server) -> None:
    doc = local(base + "/article")
    for sentence in SENTENCES:
        assert sentence in doc.text
    assert doc.title == TITLE
    assert (doc.id, doc.url, doc.path, doc.format) == (base + "/article", base + "/article",
                                                       None, "html")
    assert doc.warnings == ()
    route, headers = server.requests[-1]
    assert headers["User-Agent"] == f"provenance/{__version__}"


def test_plain_text(base: str) -> None:
    doc = local(base + "/plain")
    assert doc.text == ARTICLE_TEXT
    assert (doc.format, doc.id, doc.path) == ("txt", base + "/plain", None)


def test_declared_charset_is_used(base: str) -> None:
    doc = local(base + "/latin1")
    assert doc.text == "Le café du coin a fermé."
    assert doc.warnings == ()  # not the Windows-1252 fallback's warning


def test_gzip_body_and_missing_content_type(base: str) -> None:
    assert SENTENCES[0] in local(base + "/gzip").text
    untyped = local(base + "/untyped")
    assert SENTENCES[0] in untyped.text and untyped.format == "html"


def test_connects_to_the_checked_address_with_the_name_as_host(
        server: Server, monkeypatch: pytest.MonkeyPatch,
        connections: list[tuple[str, int]]) -> None:
    port = server.server_address[1]
    # A rebinding name: checked as 127.0.0.1, then 10.0.0.1 for anyone who resolves it again.
    answers = iter(["127.0.0.1", "10.0.0.1", "10.0.0.1"])
    lookups = []

    def resolver(host: str, *args: object, **kwargs: object) -> list[tuple]:
        if host == "news.example":
            lookups.append(host)
            host = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]

    monkeypatch.setattr(fetch.socket, "getaddrinfo", resolver)
    doc = local(f"http://news.example:{port}/echo-host")
    assert doc.text == f"Host: news.example:{port}"
    assert lookups == ["news.example"]
    assert connections == [("127.0.0.1", port)]


def test_empty_page(base: str) -> None:
    with pytest.raises(InputError, match="no article text found"):
        local(base + "/empty")


def test_article_over_max_chars(base: str) -> None:
    with pytest.raises(LimitError, match="maximum article size"):
        local(base + "/plain", max_chars=100)


# --- Redirects -----------------------------------------------------------------------------


def test_redirect_chain(base: str) -> None:
    doc = local(base + "/r1")
    assert doc.id == doc.url == base + "/article"
    assert SENTENCES[1] in doc.text
    assert f"{base}/r1: redirected to {base}/article" in doc.warnings


@pytest.mark.parametrize("route, scheme", [("/to-file", "file:///etc/passwd"),
                                           ("/to-ftp", "ftp://")])
def test_redirect_to_another_scheme_refused(base: str, route: str, scheme: str) -> None:
    with pytest.raises(InputError, match="refused: redirect to " + scheme):
        local(base + route)


def test_too_many_redirects(base: str, server: Server) -> None:
    before = len(server.requests)
    with pytest.raises(InputError, match=r"too many redirects \(more than 3\)"):
        local(base + "/loop", max_redirects=3)
    assert len(server.requests) - before == 4


def test_redirect_hop_is_checked_again(base: str, monkeypatch: pytest.MonkeyPatch,
                                       connections: list[tuple[str, int]]) -> None:
    # 127.0.0.1 stands in for a public server that redirects inside the network.
    real = fetch._refusal
    monkeypatch.setattr(fetch, "_refusal", lambda a: None if a == "127.0.0.1" else real(a))
    with pytest.raises(InputError, match="refused: 10.0.0.1 is a private address"):
        fetch_document(base + "/to-private", timeout=5.0)
    assert [address for address, _ in connections] == ["127.0.0.1"]


def test_per_hop_check_refuses_private_ips() -> None:
    for url, kind in (("http://10.0.0.1/next", "private"),
                      ("https://169.254.169.254/latest/meta-data", "link-local"),
                      ("http://[::ffff:192.168.1.1]:8080/", "private")):
        with pytest.raises(InputError, match=f"is an? {kind} address"):
            fetch._plan_hop(url, allow_private=False, shown="U")
    hop = fetch._plan_hop("http://10.0.0.1/next", allow_private=True, shown="U")
    assert hop.addresses == ("10.0.0.1",)


def test_per_hop_check_judges_resolved_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"inside.example": ["10.1.2.3"], "mixed.example": ["10.1.2.3", "93.184.216.34"]}

    def resolver(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(fetch.socket, "getaddrinfo", resolver)
    with pytest.raises(InputError, match="refused: 10.1.2.3 is a private address"):
        fetch._plan_hop("http://inside.example/", allow_private=False, shown="U")
    hop = fetch._plan_hop("http://mixed.example/", allow_private=False, shown="U")
    assert hop.addresses == ("93.184.216.34",)  # the private answer is never connected to


# --- HTTP errors and content types ---------------------------------------------------------


@pytest.mark.parametrize("route, status", [("/missing", "HTTP 404 Not Found"),
                                           ("/broken", "HTTP 500 Internal Server Error")])
def test_http_error_status(base: str, route: str, status: str) -> None:
    with pytest.raises(InputError, match=status):
        local(base + route)


def test_unsupported_content_type(base: str) -> None:
    with pytest.raises(InputError, match=r"unsupported content type application/pdf "
                                         r"\(supported: HTML and plain text\)"):
        local(base + "/pdf")


# --- Limits and network failures -----------------------------------------------------------


def test_endless_body_stopped_at_the_cap(base: str, server: Server) -> None:
    with pytest.raises(LimitError, match="limit of 1,000,000 bytes"):
        local(base + "/huge", max_bytes=1_000_000)
    assert server.huge_done.wait(5)
    assert server.huge_sent < HUGE_BYTES / 2


def test_gzip_bomb_stopped_at_the_cap(base: str) -> None:
    with pytest.raises(LimitError, match="limit of 1,000,000 bytes"):
        local(base + "/gzip-bomb", max_bytes=1_000_000)


def test_content_length_over_the_cap_refused_early(base: str) -> None:
    with pytest.raises(LimitError, match=r"50,000,000 bytes \(its Content-Length\), over the "
                                         r"limit of 1,000,000"):
        local(base + "/liar", max_bytes=1_000_000)


def test_server_that_never_answers_times_out(base: str) -> None:
    start = time.monotonic()
    with pytest.raises(InputError, match=r"timed out after 1 s waiting for 127\.0\.0\.1"):
        local(base + "/slow", timeout=1.0)
    assert time.monotonic() - start < 2.0


def test_trickling_server_stopped_by_the_total_time(base: str) -> None:
    start = time.monotonic()
    with pytest.raises(InputError, match=r"timed out: no complete answer .* within 1\.5 s"):
        local(base + "/trickle", timeout=0.5)
    assert time.monotonic() - start < 2.5


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InputError, match=f"connection refused by 127.0.0.1:{port}"):
        local(f"http://127.0.0.1:{port}/article")


def test_tls_to_a_plain_http_server(base: str) -> None:
    with pytest.raises(InputError, match="TLS error with 127.0.0.1"):
        local(base.replace("http://", "https://") + "/article")


def test_unresolvable_host(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolver(*args: object, **kwargs: object) -> list[tuple]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(fetch.socket, "getaddrinfo", resolver)
    with pytest.raises(InputError, match="cannot resolve no-such-host.example"):
        fetch_document("https://no-such-host.example/a")


# --- Private addresses without allow_private -----------------------------------------------


@pytest.mark.parametrize("host, kind", [
    ("127.0.0.1", "a loopback"), ("localhost", "a loopback"), ("[::1]", "a loopback"),
    ("[::ffff:127.0.0.1]", "a loopback"), ("2130706433", "a loopback"),
    ("10.0.0.1", "a private"), ("192.168.1.1", "a private"), ("[fd00::1]", "a private"),
    ("169.254.169.254", "a link-local"), ("[fe80::1]", "a link-local"),
    ("0.0.0.0", "an unspecified"), ("224.0.0.1", "a multicast"), ("100.64.0.1", "a non-public"),
])
def test_private_addresses_refused_before_connecting(
        server: Server, host: str, kind: str, connections: list[tuple[str, int]]) -> None:
    port = server.server_address[1]
    with pytest.raises(InputError) as caught:
        fetch_document(f"http://{host}:{port}/article", timeout=1.0)
    message = str(caught.value)
    assert f"is {kind} address" in message
    assert "(give --allow-private-urls to fetch from this machine or its network)" in message
    assert connections == []


def test_refusal_message_names_the_address(base: str) -> None:
    with pytest.raises(InputError) as caught:
        fetch_document(base + "/article")
    assert str(caught.value) == (
        f"{base}/article: refused: 127.0.0.1 is a loopback address "
        "(give --allow-private-urls to fetch from this machine or its network)")


@pytest.mark.parametrize("address, kind", [
    ("93.184.216.34", None), ("2606:2800:220:1::1", None), ("::ffff:10.0.0.1", "private"),
    ("2002:a00:1::", "private"), ("64:ff9b::a00:1", "private"), ("64:ff9b::5db8:d822", None),
    ("240.0.0.1", "reserved"), ("::", "unspecified"), ("ff02::1", "multicast"),
])
def test_address_judgement(address: str, kind: str | None) -> None:
    assert fetch._refusal(address) == kind


# --- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("http://example.com/a", True), ("https://example.com", True), ("HTTPS://EXAMPLE.COM", True),
    ("HtTp://example.com", True), ("ftp://example.com/a", False), ("file:///etc/passwd", False),
    ("example.com/a", False), ("/tmp/article.html", False), ("http:/example.com", False),
    (" http://example.com", False), ("", False), ("javascript:alert(1)", False),
])
def test_is_url(value: str, expected: bool) -> None:
    assert is_url(value) is expected


@pytest.mark.parametrize("url, message", [
    ("ftp://example.com/a", "not an http or https URL"), ("http://", "names no host"),
    ("http://example.com:99999/", "invalid URL"),
])
def test_bad_urls_refused(url: str, message: str, connections: list[tuple[str, int]]) -> None:
    with pytest.raises(InputError, match=message):
        fetch_document(url)
    assert connections == []
