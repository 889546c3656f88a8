"""Throughput and latency of `provenance serve`'s JSON API, against the CLI checking one by one.

    python benchmarks/bench_serve.py [--n 10000] [--requests 400] [--clients 8] [--workers N]
                                     [--cli-requests R] [--seed 2022] [--work DIR]

The seeded generator (benchmarks/corpus_gen.py) writes a stream of n + requests news-like
articles; the first n go into a SQLite index, the next `requests` (not in the index; about one
in ten planted copies, edits, paraphrases or partial reuse of an earlier one) are the checks.
The server is started on 127.0.0.1 (a free port; nothing leaves the machine) as
`provenance serve`, and `clients` threads post them to /api/check, `requests` in total. Then the
same articles (the first `cli-requests` of them) are checked one after another with
`provenance check - --index ... --format json`, as a script without the server would, and the
outputs of both are compared (ignoring tool.generated). Generated data goes to a temporary
folder (or --work), never into the repository.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_gen import generate  # noqa: E402

from provenance.documents import Document  # noqa: E402
from provenance.settings import Settings  # noqa: E402
from provenance.storage.sqlite import SQLiteIndex  # noqa: E402

SERVE = "from provenance.cli.serve import serve; serve()"


def build(work: Path, n: int, requests: int, seed: int) -> tuple[Path, list, float]:
    """The index of the first n articles, the next `requests` articles, the build seconds."""
    stream = generate(n + requests, seed)
    older: list[Document] = []
    newer = []
    for i, art in enumerate(stream):
        if i < n:
            older.append(Document(id=art.id, text=art.text, path=art.id, title=art.title,
                                  outlet=art.outlet, published=art.published))
        else:
            newer.append(art)
    path = work / "index.db"
    t0 = time.perf_counter()
    with SQLiteIndex.open(path, create=True, params=Settings().sketch_params()) as index:
        index.add(older)
    return path, newer, time.perf_counter() - t0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(index: Path, port: int, workers: int | None, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", SERVE, "--index", str(index), "--host", "127.0.0.1",
               "--port", str(port)] + (["--workers", str(workers)] if workers else [])
    # Its log goes to a file: a pipe nobody reads could fill and stall the server.
    with open(log, "wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=sink)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not answer within 180 s")


def run_clients(port: int, bodies: list[bytes], clients: int
                ) -> tuple[list[float], list[str], dict[int, bytes], float]:
    """Post every body once, from `clients` threads each with its own keep-alive connection:
    latencies, errors, answers by body number, wall time."""
    latencies: list[float] = []
    errors: list[str] = []
    answers: dict[int, bytes] = {}
    lock = threading.Lock()
    next_body = iter(range(len(bodies)))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            with lock:
                number = next(next_body, None)
            if number is None:
                break
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/check", bodies[number],
                             {"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                data, status = str(exc).encode(), 0
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                answers[number] = data
                if status != 200:
                    errors.append(f"#{number}: HTTP {status} {data[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, answers, time.perf_counter() - t0


def run_cli(index: Path, texts: list[str]) -> tuple[list[bytes], float]:
    outputs = []
    t0 = time.perf_counter()
    for text in texts:
        done = subprocess.run([sys.executable, "-m", "provenance", "check", "-", "--index",
                               str(index), "--format", "json"], input=text.encode("utf-8"),
                              capture_output=True, check=False)
        if done.returncode not in (0, 1):
            raise SystemExit(f"provenance check failed: {done.stderr.decode()[-500:]}")
        outputs.append(done.stdout)
    return outputs, time.perf_counter() - t0


def comparable(data: bytes) -> object:
    try:
        result = json.loads(data)
    except ValueError:
        return None
    result.get("tool", {}).pop("generated", None)
    return result


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10_000, help="articles in the index")
    p.add_argument("--requests", type=int, default=400, help="checks posted in total")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients")
    p.add_argument("--workers", type=int, default=None, help="server check workers (default: cores)")
    p.add_argument("--cli-requests", type=int, default=None,
                   help="checks run with the CLI for comparison (default: --requests)")
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--work", type=Path, help="folder for the generated index (default: temporary)")
    a = p.parse_args(argv)
    cli_count = a.requests if a.cli_requests is None else min(a.cli_requests, a.requests)
    # The CLI reads SOURCE_DATE_EPOCH; so does the server: both outputs are comparable whole.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        work = a.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        index, articles, build_s = build(work, a.n, a.requests, a.seed)
        # Planted reuse of an indexed article should be flagged; reuse of another new article
        # cannot be (the new ones are not indexed).
        planted = [i for i, art in enumerate(articles)
                   if art.source_id is not None and int(art.source_id[4:-4]) < a.n]
        print(f"generated {a.n + a.requests} articles (seed {a.seed}) and indexed {a.n} in "
              f"{time.perf_counter() - t0:.1f} s (index {build_s:.1f} s); {a.requests} to check, "
              f"{len(planted)} of them planted reuse of an indexed article")
        bodies = [json.dumps({"text": art.text}).encode() for art in articles]
        port = free_port()
        t0 = time.perf_counter()
        server = start_server(index, port, a.workers, work / "server.log")
        print(f"server on 127.0.0.1:{port} ready in {time.perf_counter() - t0:.1f} s "
              f"({a.workers or os.cpu_count()} workers)")
        try:
            latencies, errors, answers, wall = run_clients(port, bodies, a.clients)
        finally:
            server.terminate()
            server.wait(30)
        rate = len(bodies) / wall
        verdicts = {i: (comparable(data) or {}).get("verdict") for i, data in answers.items()}
        flagged = sum(verdicts.get(i) not in ("original", None) for i in planted)
        false = sum(v not in ("original", None) for i, v in verdicts.items() if i not in planted
                    and articles[i].kind == "original")
        print(f"serve: {len(bodies)} checks from {a.clients} clients in {wall:.1f} s = "
              f"{rate:.2f} checks/s; latency p50 {percentile(latencies, 50):.2f} s, "
              f"p95 {percentile(latencies, 95):.2f} s, max {max(latencies):.2f} s; "
              f"errors {len(errors)}; flagged {flagged}/{len(planted)} planted, {false} originals")
        for line in errors[:5]:
            print(f"  error {line}")
        texts = [art.text for art in articles[:cli_count]]
        outputs, cli_s = run_cli(index, texts)
        cli_rate = len(texts) / cli_s
        same = sum(comparable(out) == comparable(answers.get(i, b"")) for i, out in enumerate(outputs))
        print(f"cli: {len(texts)} checks one after another in {cli_s:.1f} s = {cli_rate:.2f} "
              f"checks/s ({cli_s / len(texts):.2f} s each, process start included); "
              f"outputs identical to the server's: {same}/{len(texts)}")
        print(f"ratio serve / cli: {rate / cli_rate:.1f}x ({os.cpu_count()} CPUs, shared machine)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
