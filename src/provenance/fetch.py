"""Fetching an article from an http(s) URL, for `provenance check URL` and the local web app.

A URL may come from anyone (a reader's tip, a form in the web app), so every step assumes it is
hostile: only http and https; redirects followed one at a time, each checked like the first;
no address on this machine or its network unless the caller allows it, judged after DNS
resolution, with the connection made to the very address that was judged (a DNS answer that
changes between the check and the connection cannot reach inside); time and size capped while
reading. Every network failure is an InputError with a one-line reason, never a traceback.

Only the standard library speaks HTTP here (http.client: urllib would follow redirects and
resolve the host again itself), and proxy settings in the environment are not used.
"""

from __future__ import annotations

import contextlib
import functools
import http
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, replace
from urllib.parse import quote, urljoin, urlsplit

from . import __version__
from .documents import Document, _html_document, decode
from .errors import InputError, LimitError

USER_AGENT = f"provenance/{__version__}"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = {"text/plain": "txt", "text/markdown": "md"}
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PRIVATE_HINT = "give --allow-private-urls to fetch from this machine or its network"

_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.1"
_CHUNK = 65536
# Per-read timeouts alone let a server that trickles a byte at a time hold a fetch for hours:
# the whole fetch, redirects included, gets this many times the timeout.
_TOTAL_TIME_FACTOR = 3
# Percent-escapes and the characters that mean something in a path or query stay as they are;
# anything else (spaces, non-ASCII, control characters) is escaped so it cannot break the
# request line.
_SAFE_IN_TARGET = "/:@!$&'()*+,;=~%?[]"
# The most telling name first: 127.0.0.1 is "private" too, 240.0.0.1 "reserved" and "private".
_ADDRESS_KINDS = (
    ("is_loopback", "loopback"), ("is_unspecified", "unspecified"),
    ("is_link_local", "link-local"), ("is_multicast", "multicast"),
    ("is_reserved", "reserved"), ("is_private", "private"),
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


def is_url(value: str) -> bool:
    """True for an http:// or https:// URL (any case of the scheme), False for anything else."""
    return isinstance(value, str) and re.match(r"https?://", value, re.IGNORECASE) is not None


def fetch_document(url: str, *, max_bytes: int = 10_000_000, timeout: float = 20.0,
                   allow_private: bool = False, max_redirects: int = 5,
                   max_chars: int = 5_000_000) -> Document:
    """Fetch the article at an http(s) URL: its text, from HTML or plain text.

    The document's id and url are the final URL, after redirects. Raises InputError (LimitError
    for a size limit) for any failure: a refused address or scheme, a network error, an HTTP
    error status, an unsupported content type, a page without article text.
    """
    if timeout <= 0 or max_bytes < 1:
        raise ValueError("timeout and max_bytes must be positive")
    shown = _printable(url)
    total = _TOTAL_TIME_FACTOR * timeout
    deadline = time.monotonic() + total
    current = url
    for _ in range(max(max_redirects, 0) + 1):
        hop = _plan_hop(current, allow_private=allow_private, shown=shown)
        reply = _exchange(hop, timeout=timeout, deadline=deadline, total=total,
                          max_bytes=max_bytes, shown=shown)
        if reply.status not in REDIRECT_STATUSES:
            return _document(reply, final=current, original=url, shown=shown, max_chars=max_chars)
        current = _redirect_target(current, reply, shown)
    raise InputError(f"{shown}: too many redirects (more than {max_redirects})")


# --- Where a request may go ----------------------------------------------------------------


@dataclass(frozen=True)
class _Hop:
    """One request: its URL taken apart, and the addresses it may connect to."""

    scheme: str
    host: str  # ASCII (IDNA) name or IP literal, without brackets
    port: int
    target: str  # the request target: path and query, percent-encoded
    addresses: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def _plan_hop(url: str, *, allow_private: bool, shown: str) -> _Hop:
    """Take apart, resolve and check the URL of one request: the first and every redirect's."""
    scheme, host, port, target = _parse(url, shown)
    addresses = _resolve(host, port, shown)
    if not allow_private:
        addresses = _allowed(addresses, shown)
    return _Hop(scheme, host, port, target, addresses)


def _parse(url: str, shown: str) -> tuple[str, str, int, str]:
    if not is_url(url):
        raise InputError(f"{shown}: not an http or https URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"{shown}: invalid URL ({exc})") from None
    if not parts.hostname:
        raise InputError(f"{shown}: the URL names no host")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise InputError(f"{shown}: invalid host name {_printable(parts.hostname)}") from None
    target = quote(parts.path or "/", safe=_SAFE_IN_TARGET)
    if parts.query:
        target += "?" + quote(parts.query, safe=_SAFE_IN_TARGET)
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), target


def _resolve(host: str, port: int, shown: str) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"{shown}: cannot resolve {host} ({exc.strerror})") from None
    except (OSError, UnicodeError, ValueError) as exc:
        raise InputError(f"{shown}: cannot resolve {host} ({exc})") from None
    addresses = tuple(dict.fromkeys(
        str(info[4][0]) for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)))
    if not addresses:
        raise InputError(f"{shown}: cannot resolve {host} (no IPv4 or IPv6 address)")
    return addresses


def _allowed(addresses: tuple[str, ...], shown: str) -> tuple[str, ...]:
    # A name may resolve to public and private addresses at once: only the public ones are
    # connected to, so the private ones can be dropped rather than refusing the whole name.
    judged = [(address, _refusal(address)) for address in addresses]
    kept = tuple(address for address, kind in judged if kind is None)
    if not kept:
        address, kind = judged[0]
        article = "an" if kind and kind[0] in "aeiou" else "a"
        raise InputError(f"{shown}: refused: {address} is {article} {kind} address ({PRIVATE_HINT})")
    return kept


def _refusal(address: str) -> str | None:
    """What kind of non-public address this is (loopback, private...), or None when public."""
    ip = _embedded_ipv4(ipaddress.ip_address(address))
    for attribute, kind in _ADDRESS_KINDS:
        if getattr(ip, attribute):
            return kind
    # Whatever the flags above miss (100.64.0.0/10, shared by carriers' NATs) is not global.
    return None if ip.is_global else "non-public"


def _embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address
                   ) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    # ::ffff:10.0.0.1, 6to4 and NAT64 addresses reach the IPv4 address inside them: that address
    # is the one to judge (NAT64 is also how an IPv6-only network reaches public IPv4 sites).
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _redirect_target(current: str, reply: _Reply, shown: str) -> str:
    if not reply.location or not reply.location.strip():
        raise InputError(f"{shown}: HTTP {reply.status} redirect without a Location")
    target = urljoin(current, reply.location.strip())
    if not is_url(target):
        raise InputError(f"{shown}: refused: redirect to {_printable(target)} "
                         "(only http and https URLs are followed)")
    return target


# --- One request and its answer -------------------------------------------------------------


@dataclass(frozen=True)
class _Reply:
    status: int
    location: str | None = None
    kind: str | None = None  # "html", "txt", "md"; None: no Content-Type, sniffed from the body
    charset: str | None = None
    body: bytes = b""


def _open_socket(address: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((address, port), timeout=timeout)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, never to whatever the name resolves to now."""

    raw_sock: socket.socket | None = None

    def connect(self) -> None:
        self.sock = self.raw_sock = _open_socket(self.host, self.port, self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def __init__(self, address: str, port: int, timeout: float, server_hostname: str) -> None:
        super().__init__(address, port, timeout=timeout)
        self._server_hostname = server_hostname

    def connect(self) -> None:
        super().connect()
        # The certificate is checked against the name in the URL, not the address connected to.
        self.sock = _tls_context().wrap_socket(self.sock, server_hostname=self._server_hostname)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _exchange(hop: _Hop, *, timeout: float, deadline: float, total: float, max_bytes: int,
              shown: str) -> _Reply:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise InputError(f"{shown}: timed out: no complete answer within {total:g} s")
    conn = _connect(hop, timeout, shown)
    expired = threading.Event()
    # Shutting the socket down wakes a read blocked on a server that trickles bytes.
    timer = threading.Timer(remaining, _expire, (conn.raw_sock, expired))
    timer.daemon = True
    timer.start()
    try:
        _send(conn, hop)
        reply = _receive(conn.getresponse(), max_bytes, shown)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if expired.is_set():
            raise InputError(f"{shown}: timed out: no complete answer from {hop.where} "
                             f"within {total:g} s") from None
        raise _network_error(exc, hop, timeout, shown, connecting=False) from None
    finally:
        timer.cancel()
        conn.close()
    if expired.is_set():  # the shutdown may have looked like the end of the body
        raise InputError(f"{shown}: timed out: no complete answer from {hop.where} "
                         f"within {total:g} s")
    return reply


def _expire(sock: socket.socket | None, expired: threading.Event) -> None:
    expired.set()
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _connect(hop: _Hop, timeout: float, shown: str) -> _PinnedHTTPConnection:
    error: Exception | None = None
    for address in hop.addresses:
        if hop.scheme == "https":
            conn: _PinnedHTTPConnection = _PinnedHTTPSConnection(address, hop.port, timeout,
                                                                 hop.host)
        else:
            conn = _PinnedHTTPConnection(address, hop.port, timeout=timeout)
        try:
            conn.connect()
            return conn
        except (OSError, ValueError) as exc:
            conn.close()
            error = exc
    assert error is not None  # _plan_hop never gives a hop without addresses
    raise _network_error(error, hop, timeout, shown, connecting=True)


def _send(conn: http.client.HTTPConnection, hop: _Hop) -> None:
    conn.putrequest("GET", hop.target, skip_host=True, skip_accept_encoding=True)
    for name, value in (("Host", hop.host_header), ("User-Agent", USER_AGENT),
                        ("Accept", _ACCEPT), ("Accept-Encoding", "gzip"),
                        ("Connection", "close")):
        conn.putheader(name, value)
    conn.endheaders()


def _receive(response: http.client.HTTPResponse, max_bytes: int, shown: str) -> _Reply:
    status = response.status
    if status in REDIRECT_STATUSES:
        return _Reply(status, location=response.getheader("Location"))
    if not 200 <= status < 300:
        raise InputError(f"{shown}: HTTP {status} {_phrase(status, response.reason)}")
    # Type and declared length are judged before the body is read: a refused PDF or an
    # oversized page costs no download.
    kind = _declared_kind(response.msg, shown)
    if response.length is not None and response.length > max_bytes:
        raise LimitError(f"{shown}: the page is {response.length:,} bytes (its Content-Length), "
                         f"over the limit of {max_bytes:,} bytes")
    body = _read_capped(response, max_bytes, shown)
    return _Reply(status, kind=kind, charset=response.msg.get_content_charset(), body=body)


def _phrase(status: int, reason: str) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return _printable(reason or "", 80) or "error"


def _declared_kind(headers: http.client.HTTPMessage, shown: str) -> str | None:
    if headers.get("Content-Type") is None:
        return None
    ctype = headers.get_content_type()
    if ctype in HTML_TYPES:
        return "html"
    if ctype in TEXT_TYPES:
        return TEXT_TYPES[ctype]
    raise InputError(f"{shown}: unsupported content type {_printable(ctype, 80)} "
                     "(supported: HTML and plain text)")


def _read_capped(response: http.client.HTTPResponse, max_bytes: int, shown: str) -> bytes:
    """The body, read in chunks and given up as soon as it passes `max_bytes` (after
    decompression: a small gzip body can inflate to gigabytes)."""
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(wbits=31)
    elif encoding == "identity":
        inflater = None
    else:
        raise InputError(f"{shown}: unsupported content encoding {_printable(encoding, 40)}")
    chunks: list[bytes] = []
    size = 0
    # read1 returns after one read from the socket, so each wait is bounded by the timeout.
    while piece := response.read1(_CHUNK):
        if inflater is not None:
            try:
                piece = inflater.decompress(piece, max_bytes + 1 - size)
            except zlib.error as exc:
                raise InputError(f"{shown}: cannot decompress the page ({exc})") from None
        size += len(piece)
        if size > max_bytes:
            raise LimitError(f"{shown}: the page is larger than the limit of {max_bytes:,} bytes "
                             "(stopped reading)")
        chunks.append(piece)
    return b"".join(chunks)


def _network_error(exc: Exception, hop: _Hop, timeout: float, shown: str, *,
                   connecting: bool) -> InputError:
    where = hop.where
    if isinstance(exc, TimeoutError):
        doing = "connecting to" if connecting else "waiting for"
        return InputError(f"{shown}: timed out after {timeout:g} s {doing} {where}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return InputError(f"{shown}: TLS certificate of {hop.host} not accepted "
                          f"({exc.verify_message or exc.reason})")
    if isinstance(exc, ssl.SSLError):
        return InputError(f"{shown}: TLS error with {where} ({exc.reason or exc})")
    if isinstance(exc, http.client.HTTPException):
        detail = _printable(str(exc), 120) or type(exc).__name__
        return InputError(f"{shown}: invalid HTTP answer from {where} ({detail})")
    if isinstance(exc, ConnectionRefusedError):
        return InputError(f"{shown}: connection refused by {where}")
    if isinstance(exc, ConnectionResetError):
        return InputError(f"{shown}: connection reset by {where}")
    if isinstance(exc, OSError):
        return InputError(f"{shown}: cannot {'connect to' if connecting else 'fetch from'} "
                          f"{where} ({exc.strerror or exc})")
    return InputError(f"{shown}: cannot fetch from {where} ({_printable(str(exc), 120)})")


# --- The answer as a document ---------------------------------------------------------------


def _document(reply: _Reply, *, final: str, original: str, shown: str,
              max_chars: int) -> Document:
    warnings = () if final == original else (f"{shown}: redirected to {_printable(final)}",)
    text, decode_warnings = _decode_body(reply.body, reply.charset, reply.kind, shown)
    warnings += decode_warnings
    if not text.strip():
        raise InputError(f"{shown}: no article text found (the page is empty)")
    kind = reply.kind or _sniff(text)
    if kind == "html":
        doc = replace(_html_document(text, final, shown, warnings), path=None, url=final)
    else:
        doc = Document(id=final, text=text, format=kind, url=final, warnings=warnings)
    if not doc.text.strip():
        raise InputError(f"{shown}: no article text found")
    if len(doc.text) > max_chars:
        raise LimitError(f"{shown}: {len(doc.text):,} characters exceeds the maximum article "
                         f"size of {max_chars:,} (setting max_article_chars)")
    return doc


def _decode_body(body: bytes, charset: str | None, kind: str | None,
                 shown: str) -> tuple[str, tuple[str, ...]]:
    """The body as text: by its byte-order mark, else its declared charset (header, or for
    HTML a <meta> tag), else as the project reads files (UTF-8, else Windows-1252)."""
    if not charset and kind in ("html", None):
        charset = _meta_charset(body)
    if not charset or body.startswith(_BOMS):
        return decode(body, shown)
    try:
        text = body.decode(charset)
    except (LookupError, UnicodeDecodeError) as exc:
        problem = ("is not a text encoding Python knows" if isinstance(exc, LookupError)
                   else "does not match the bytes")
        text, warnings = decode(body, shown)
        return text, (f"{shown}: the declared charset {_printable(charset, 40)} {problem}; "
                      "read as UTF-8 or Windows-1252",) + warnings
    if "\x00" in text:
        raise InputError(f"{shown}: binary content (contains NUL characters)")
    return text, ()


def _meta_charset(body: bytes) -> str | None:
    found = _META_CHARSET.search(body[:4096])
    return found.group(1).decode("ascii") if found else None


def _sniff(text: str) -> str:
    # Without a Content-Type, markup at the top is the only hint that a page is HTML.
    head = text.lstrip()[:1024].lower()
    return "html" if head.startswith("<!doctype html") or "<html" in head else "txt"


def _printable(value: str, limit: int = 300) -> str:
    """A server's or user's string made safe for a one-line message: control characters
    escaped, long values cut."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in value[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"
