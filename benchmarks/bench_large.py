"""Comparing two large articles stays bounded: two 1 MB articles are compared in under 10 s.

    python benchmarks/bench_large.py [--sizes 100000,1000000] [--seed 7] [--repeat 1]

For each size it generates (deterministically, no download) an article of news-like sentences
over a Zipf-distributed vocabulary of coined words mixed with English function words, and a
derived article: every sentence kept is lightly edited (about one word in ten replaced), one in
ten is dropped and one in ten new sentences is inserted. It times `api.compare` on the pair
(load excluded, rendering the JSON included) and prints the time of each size and the ratio of
the largest to the smallest, which stays close to the size ratio when the work is linear (the
candidate prefilter keeps at most 8 source sentences per article sentence, never the full pair
matrix). Timings are wall-clock on whatever machine runs it: compare the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from provenance import api
from provenance.documents import Document
from provenance.report import render
from provenance.settings import Settings

FUNCTION_WORDS = """the of and to a in that is for on it with was as at by from his be have has are
this not but had they which or an will were their its been would who more after also about""".split()
SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
LIMIT_SECONDS = 10.0


def vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def make_sentence(rng: random.Random, vocab: list[str], weights: list[float]) -> str:
    n = rng.randint(12, 30)
    words = []
    for _ in range(n):
        if rng.random() < 0.4:
            words.append(rng.choice(FUNCTION_WORDS))
        else:
            words.append(rng.choices(vocab, weights)[0])
    return " ".join(words).capitalize() + "."


def make_pair(chars: int, seed: int) -> tuple[str, str]:
    """An article of about `chars` characters and a lightly edited, reordered-nowhere rewrite."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(vocab))]
    sentences: list[str] = []
    total = 0
    while total < chars:
        s = make_sentence(rng, vocab, weights)
        sentences.append(s)
        total += len(s) + 1
    derived: list[str] = []
    for s in sentences:
        roll = rng.random()
        if roll < 0.1:
            continue  # dropped
        words = s.split()
        for i in range(len(words)):
            if rng.random() < 0.1:
                words[i] = rng.choices(vocab, weights)[0]
        derived.append(" ".join(words))
        if roll > 0.9:
            derived.append(make_sentence(rng, vocab, weights))  # inserted
    return _paragraphs(sentences, rng), _paragraphs(derived, rng)


def _paragraphs(sentences: list[str], rng: random.Random) -> str:
    out, i = [], 0
    while i < len(sentences):
        k = rng.randint(2, 5)
        out.append(" ".join(sentences[i:i + k]))
        i += k
    return "\n\n".join(out) + "\n"


def time_pair(chars: int, seed: int, repeat: int) -> tuple[float, str, int]:
    a_text, b_text = make_pair(chars, seed)
    a = Document(id="article", text=a_text)
    b = Document(id="source", text=b_text)
    best = float("inf")
    verdict = ""
    sentences = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = api.compare(a, b, Settings())
        render(result, "json")
        best = min(best, time.perf_counter() - t0)
        verdict = result.verdict
        sentences = len(result.sentences)
    return best, verdict, sentences


def time_lines(n: int) -> None:
    text = "".join(f"w{i % 997}\n" for i in range(n))
    source = Document(id="source", text="A short source article about nothing in particular.\n")
    t0 = time.perf_counter()
    result = api.compare(Document(id="lines", text=text), source, Settings())
    seconds = time.perf_counter() - t0
    print(f"{n:>10,} one-word lines ({len(text):,} chars)  {len(result.sentences)} segments  "
          f"{seconds:7.2f} s  ({seconds / n * 1e6:.1f} us per line)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="article sizes in characters, comma-separated (smallest is the baseline)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the best is kept")
    parser.add_argument("--lines", type=int, default=0, metavar="N",
                        help="also time an article of N one-word lines (e.g. 1000000) against a "
                             "short source: the many-short-lines case of the bad-input battery")
    args = parser.parse_args(argv)
    if args.lines:
        time_lines(args.lines)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    rows = []
    for chars in sizes:
        seconds, verdict, sentences = time_pair(chars, args.seed, args.repeat)
        rows.append((chars, seconds))
        print(f"{chars:>10,} chars  {sentences:>6} sentences  verdict {verdict:<10}  {seconds:7.2f} s",
              flush=True)
    (base_chars, base_s), (top_chars, top_s) = rows[0], rows[-1]
    print(f"size ratio {top_chars / base_chars:.1f}x, time ratio {top_s / max(base_s, 1e-9):.1f}x")
    ok = top_s < LIMIT_SECONDS or top_chars < 1_000_000
    print(f"largest pair {'within' if ok else 'OVER'} the {LIMIT_SECONDS:.0f} s limit")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
