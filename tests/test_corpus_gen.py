"""Tests for benchmarks/corpus_gen.py, the synthetic news corpus with planted reuse."""

from __future__ import annotations

import inspect
import json
import random
import sys
from collections import Counter
from datetime import datetime

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus_gen as cg  # noqa: E402

N, PLANTED = 1000, 0.25


@pytest.fixture(scope="module")
def corpus():
    # Shorter articles than the default keep the test fast; the kinds are made the same way.
    return list(cg.generate(N, seed=11, words_per_article=400, planted_fraction=PLANTED))


@pytest.fixture(scope="module")
def by_id(corpus):
    return {a.id: a for a in corpus}


def _jaccards(corpus, by_id, kind):
    return [cg.word_ngram_jaccard(a.text, by_id[a.source_id].text)
            for a in corpus if a.kind == kind]


def test_is_a_stream_and_deterministic():
    assert inspect.isgenerator(cg.generate(10))
    a = list(cg.generate(80, seed=3))
    assert a == list(cg.generate(80, seed=3))
    assert a[:40] == list(cg.generate(40, seed=3))  # a prefix does not depend on the length
    b = list(cg.generate(80, seed=4))
    assert not any(x.text == y.text for x, y in zip(a, b, strict=True))


def test_cli_output_is_byte_identical(tmp_path):
    for run in ("a", "b"):
        assert cg.main([str(tmp_path / run), "--n", "100", "--seed", "5"]) == 0
    for name in ("corpus/articles.jsonl", "truth.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["corpus", "truth.jsonl"]
    assert [p.name for p in (tmp_path / "a" / "corpus").iterdir()] == ["articles.jsonl"]
    rows = [json.loads(line) for line in (tmp_path / "a" / "corpus" / "articles.jsonl").open(encoding="utf-8")]
    assert len(rows) == 100
    assert list(rows[0]) == ["id", "text", "title", "outlet", "published", "kind", "source_id"]
    truth = [json.loads(line) for line in (tmp_path / "a" / "truth.jsonl").open(encoding="utf-8")]
    assert [t["id"] for t in truth] == [r["id"] for r in rows]


def test_cli_txt_format(tmp_path):
    assert cg.main([str(tmp_path), "--n", "40", "--seed", "5", "--format", "txt"]) == 0
    first = next(cg.generate(40, seed=5))
    corpus = tmp_path / "corpus"
    assert (corpus / first.id).read_text(encoding="utf-8") == first.text + "\n"
    assert len(list((corpus / "gen").glob("*.txt"))) == 40
    # Dates and outlets in sidecars, which the tool reads: the corpus indexes with no warning.
    from click.testing import CliRunner

    from provenance.cli import cli

    added = CliRunner().invoke(cli, ["index", "add", str(corpus), "--index", str(tmp_path / "i.db")])
    assert added.exit_code == 0 and "added 40," in added.stdout and added.stderr == ""
    listed = CliRunner().invoke(cli, ["index", "list", "--index", str(tmp_path / "i.db")]).stdout
    first_line = next(line for line in listed.splitlines() if line.startswith(first.id))
    assert first_line.split("\t")[1:3] == [first.outlet, first.published]


def test_kinds_distribution(corpus):
    kinds = Counter(a.kind for a in corpus)
    derived = N - kinds["original"]
    assert abs(derived / N - PLANTED) < 0.04
    for kind in cg.DERIVED_KINDS:
        assert kinds[kind] > 0.15 * derived, kinds
    assert all(a.id == f"gen/{i:06d}.txt" for i, a in enumerate(corpus))


def test_sources_are_earlier_originals(corpus, by_id):
    for a in corpus:
        if a.kind == "original":
            assert a.source_id is None and a.spans is None
            continue
        src = by_id[a.source_id]
        assert src.kind == "original"
        assert datetime.fromisoformat(src.published) < datetime.fromisoformat(a.published)
        assert src.outlet != a.outlet
        assert a.ground_truth["source_id"] == src.id


def test_difficulty_by_kind(corpus, by_id):
    near = _jaccards(corpus, by_id, "near-copy")
    para = _jaccards(corpus, by_id, "paraphrase")
    light = _jaccards(corpus, by_id, "light-edit")
    assert sum(j > 0.7 for j in near) >= 0.95 * len(near) and max(near) < 1
    assert sum(j < 0.3 for j in para) >= 0.9 * len(para)
    assert min(para) > 0.0  # hard, but still sharing some text with its source
    assert sorted(light)[len(light) // 2] > sorted(para)[len(para) // 2]
    originals = [a for a in corpus if a.kind == "original"]
    rnd = random.Random(0)
    pairs = [rnd.sample(originals, 2) for _ in range(60)]
    unrelated = [cg.word_ngram_jaccard(x.text, y.text) for x, y in pairs]
    assert max(unrelated) < 0.02


def test_partial_spans(corpus, by_id):
    partials = [a for a in corpus if a.kind == "partial"]
    for a in partials:
        (start, end), = a.spans
        (s_start, s_end), = a.source_spans
        reused, source = a.text[start:end], by_id[a.source_id].text[s_start:s_end]
        assert reused == reused.strip() and reused[-1] in ".\u201d\""
        assert cg.word_ngram_jaccard(reused, source) > 0.5
        body = len(a.text) - len(a.title)
        assert 0.1 < (end - start) / body < 0.65


def test_text_shape(corpus):
    a = corpus[0]
    assert a.text.split("\n")[0] == a.title
    assert any("\u201c" in x.text for x in corpus) and any('"' in x.text for x in corpus)
    w = cg._Writer(1, 600)
    for _ in range(10):
        doc = w.original()
        assert all(1 <= k <= 4 for k in doc.sizes) and sum(doc.sizes) == len(doc.sents)
        for s in doc.sents:
            assert 8 <= len(cg._render(s, "\u201c", "\u201d").split()) <= 35, s
    vocab = {t for x in corpus[:300] for t in cg._TOKEN.findall(x.text.lower())}
    assert len(vocab) > 3000 and {"said", "government", "percent", "officials"} <= vocab


def test_word_ngram_jaccard():
    assert cg.word_ngram_jaccard("One two three four five six", "one two THREE, four five six") == 1
    assert cg.word_ngram_jaccard("a b c d e f", "g h i j k l") == 0.0
    assert cg.word_ngram_jaccard("a b c d e f", "a b c d e g") == pytest.approx(1 / 3)


# --- --vocabulary zipf: coined words only, which no stop-word list helps (issue #15) ----------

@pytest.fixture(scope="module")
def zipf_corpus():
    return list(cg.generate(N, seed=11, words_per_article=400, planted_fraction=PLANTED, vocabulary="zipf"))


def test_zipf_is_deterministic_and_seeded(tmp_path):
    a = list(cg.generate(60, seed=3, vocabulary="zipf"))
    assert a == list(cg.generate(60, seed=3, vocabulary="zipf"))
    assert a[:30] == list(cg.generate(30, seed=3, vocabulary="zipf"))
    assert not any(x.text == y.text for x, y in zip(a, cg.generate(60, seed=4, vocabulary="zipf"), strict=True))
    for run in ("a", "b"):
        assert cg.main([str(tmp_path / run), "--n", "50", "--seed", "5", "--vocabulary", "zipf"]) == 0
    for name in ("corpus/articles.jsonl", "truth.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # The default is the news vocabulary, unchanged.
    assert list(cg.generate(20, seed=5)) == list(cg.generate(20, seed=5, vocabulary="news"))
    assert (tmp_path / "a" / "corpus" / "articles.jsonl").read_bytes() != b""
    with pytest.raises(ValueError):
        next(cg.generate(1, vocabulary="english"))


def test_zipf_words_are_coined_with_zipf_frequencies(zipf_corpus):
    from provenance.text import STOPWORDS

    lang = cg._language("zipf", 11)
    assert len(lang.content) == len(set(lang.content)) == 6000
    words = Counter(t for a in zipf_corpus if a.kind == "original"
                    for t in cg._TOKEN.findall(a.text.lower()) if not t.isdigit())
    assert not set(words) & (STOPWORDS | set(cg.FUNCTION_WORDS) | set(cg.NEWS_WORDS))
    top = [n for _, n in words.most_common(10)]
    total = sum(words.values())
    assert 0.07 < top[0] / total < 0.14  # 1 / H(6000) = 0.108 for the commonest word
    for rank, n in enumerate(top, 1):  # frequency ~ 1 / rank
        assert 0.75 * rank < top[0] / n < 1.33 * rank, (rank, top)
    assert len(words) > 4000


def test_zipf_planted_kinds(zipf_corpus):
    kinds = Counter(a.kind for a in zipf_corpus)
    assert abs((N - kinds["original"]) / N - PLANTED) < 0.04
    for kind in cg.DERIVED_KINDS:
        assert kinds[kind] > 0.15 * (N - kinds["original"]), kinds
    by_id = {a.id: a for a in zipf_corpus}
    for a in zipf_corpus:
        if a.kind != "original":
            src = by_id[a.source_id]
            assert src.kind == "original" and src.published < a.published and src.outlet != a.outlet
    near = _jaccards(zipf_corpus, by_id, "near-copy")
    para = _jaccards(zipf_corpus, by_id, "paraphrase")
    assert sum(j > 0.7 for j in near) >= 0.95 * len(near)
    assert sum(j < 0.3 for j in para) >= 0.9 * len(para) and min(para) > 0
    for a in zipf_corpus:
        if a.kind == "partial":
            (start, end), = a.spans
            (s_start, s_end), = a.source_spans
            assert cg.word_ngram_jaccard(a.text[start:end], by_id[a.source_id].text[s_start:s_end]) > 0.5
