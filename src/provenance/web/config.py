"""What one server is set up with: the index, the settings, who may use it and the limits."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from ..settings import Settings
from ..storage import IndexSpec

# Host header values a server bound to loopback answers to. Any other name reaching it is a
# DNS-rebinding page in the user's own browser, pointed at 127.0.0.1 under the attacker's name.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip().lower().strip("[]")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WebConfig:
    index: IndexSpec
    settings: Settings = field(default_factory=Settings)
    # With a token every request needs it (a bearer header or the session cookie of the login
    # form); without one the server must be bound to loopback (cli/serve.py enforces it).
    token: str | None = None
    allow_private_urls: bool = False
    workers: int = 0  # check processes; 0: one per core
    pool: str = "process"  # "thread": checks in threads of this process (embedding, tests)
    # The whole request body, checked while it is read: a multipart upload or a JSON article
    # cannot hold more (an article's own limit is settings.max_article_chars).
    max_request_bytes: int = 8 * 1024 * 1024
    max_results: int = 256  # results kept for their permalinks (least recently used go first)
    max_result_bytes: int = 256 * 1024 * 1024
    reuse_checks: int = 20  # candidates checked for "what reuses this document"
    page_size: int = 50
    form_wait: float = 1.0  # seconds a form POST waits before showing the "working" page
    max_pending: int = 0  # checks queued or running at once (0: 16 per worker); more: 429
    allowed_hosts: tuple[str, ...] = ()  # Host names accepted besides the loopback ones

    def pool_size(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)

    def pending_limit(self) -> int:
        return self.max_pending if self.max_pending > 0 else 16 * self.pool_size()

    def hosts(self) -> frozenset[str] | None:
        """Accepted Host header names, lower case without the port; None: any (a token guards
        the server, so a rebinding page gets a 401 like everyone else)."""
        if self.token:
            return None
        return frozenset(h.lower() for h in LOOPBACK_HOSTS + self.allowed_hosts)
