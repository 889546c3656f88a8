"""The language-aware text model: language ids, stop words and lemmas by script, credit lines
and datelines in several languages with configurable outlet aliases, and document-level evidence
where the sentence scorer is not calibrated. Texts written for these tests."""

from __future__ import annotations

import pytest

from provenance import api
from provenance.config import EXTRA_OUTLET_ALIASES, settings_from_mapping
from provenance.documents import Document
from provenance.errors import ConfigError
from provenance.settings import Settings
from provenance.text import (
    char_grams,
    content_units,
    credit_mentions,
    credits_outlet,
    detect_language,
    tokenize,
)
from provenance.verdict import containment_verdict


def test_languages_are_identified() -> None:
    assert detect_language("The minister said on Monday that talks would resume next week.") == "en"
    assert detect_language("Министр заявил в понедельник, что переговоры продолжатся.") == "ru"
    assert detect_language("وزیر اعظم نے کہا کہ حکومت عوام کے مسائل حل کرنے کے لئے اقدامات کر رہی ہے۔") == "ur"
    assert detect_language("12 345 -- !!") is None


def test_urdu_function_words_are_not_content_units() -> None:
    units = content_units(tokenize("وزیر اعظم نے کہا کہ حکومت عوام کے مسائل حل کرنے کے لئے اقدامات کر رہی ہے"))
    for function_word in ("نے", "کہا", "کہ", "کے", "لئے", "کرنے", "ہے", "رہی"):
        assert function_word not in units
    assert {"وزیر", "حکومت", "مسائل"} <= set(units)


def test_russian_words_are_lemmatized_and_stop_words_dropped() -> None:
    a = content_units(tokenize("Президент России заявил, что"))
    b = content_units(tokenize("президентом Россия заявить"))
    assert a == b
    assert "что" not in a


def test_english_units_are_unchanged() -> None:
    assert content_units(tokenize("The countries said they would sanction it")) == ["count", "sanct"]


@pytest.mark.parametrize(("text", "outlet"), [
    ("LONDON (Reuters) - Oil prices rose on Monday.", "Reuters"),
    ("KARACHI, May 3 (APP): The provincial government said", "APP"),
    ("نئی دہلی ۔30 اکتوبر (اے پی پی) بھارتی کرکٹ ٹیم کے کپتان", "APP"),
    ("اے پی پی کے مطابق وزیر اعظم نے کہا", "APP"),
    ("Как сообщает РИА Новости, президент заявил", "RIA Novosti"),
    ("Об этом сообщает ТАСС со ссылкой на источник.", "TASS"),
    ("Raisi met Putin, according to Sputnik.", "Sputnik"),
])
def test_credits_and_datelines_in_several_languages(text: str, outlet: str) -> None:
    assert credits_outlet(text, outlet)
    assert credit_mentions(text)


def test_a_dateline_of_a_desk_is_no_credit() -> None:
    assert not credits_outlet("اسلام آباد (سپورٹس ڈیسک) پاکستان کرکٹ ٹیم", "APP")
    assert credit_mentions("اسلام آباد (سپورٹس ڈیسک) پاکستان کرکٹ ٹیم") == []


def test_outlet_aliases_from_the_configuration() -> None:
    text = "لاہور (خبر ایجنسی الف) صوبائی حکومت نے کہا"
    assert not credits_outlet(text, "Agency A")
    try:
        settings_from_mapping({"outlets": {"Agency A": ["خبر ایجنسی الف"]}})
        assert credits_outlet(text, "Agency A")
    finally:
        EXTRA_OUTLET_ALIASES.pop("Agency A", None)
    assert not credits_outlet(text, "Agency A")
    with pytest.raises(ConfigError):
        settings_from_mapping({"outlets": {"Agency A": "not a list"}})


def test_containment_evidence_only_where_calibrated() -> None:
    settings = Settings()
    assert containment_verdict(0.7, "ur", settings) == "paraphrase"
    assert containment_verdict(0.2, "ur", settings) == "partial"
    assert containment_verdict(0.05, "ur", settings) == "none"
    assert containment_verdict(0.9, "en", settings) == "none"
    assert containment_verdict(0.7, "ur", Settings(containment_evidence=False)) == "none"


UR_SOURCE = (
    "پاکستان کرکٹ ٹیم کے کپتان مصباح الحق نے کہا ہے کہ نیوزی لینڈ کے خلاف سیریز میں نوجوان کھلاڑیوں کو موقع دیا جائے گا۔\n"
    "انہوں نے کہا کہ ٹیم کی تیاری مکمل ہے اور کھلاڑی بھرپور فارم میں ہیں۔\n"
    "سیریز کا پہلا میچ جمعہ کو ابوظہبی میں کھیلا جائے گا۔\n"
)
UR_ARTICLE = (
    "قومی ٹیم کے کپتان مصباح الحق کا کہنا ہے کہ نیوزی لینڈ کیخلاف سیریز میں نوجوان کھلاڑیوں کو موقع ملے گا۔\n"
    "ابوظہبی میں پہلا میچ جمعہ کو ہوگا جبکہ کھلاڑی بھرپور فارم میں ہیں۔\n"
)


def test_language_is_recorded_and_a_light_urdu_rewrite_is_found() -> None:
    result = api.compare(Document(id="news", text=UR_ARTICLE), Document(id="app", text=UR_SOURCE))
    data = result.to_dict()
    assert data["article"]["language"] == "ur"
    (source,) = data["sources"]
    assert source["language"] == "ur"
    assert source["verdict"] in ("partial", "paraphrase")
    # The document-level evidence it was judged on, and only where it is measured.
    assert source["char_containment"] > 0.12
    english = api.compare(Document(id="a", text="The minister said the talks would resume on Monday."),
                          Document(id="b", text="The minister said the talks would resume on Monday."))
    assert all(s["char_containment"] is None for s in english.to_dict()["sources"])


def test_character_grams_do_not_depend_on_spacing() -> None:
    # Urdu writes one word joined or split; the grams run the letters together.
    assert char_grams("کیخلاف") == char_grams("کی خلاف") == char_grams("کی، خلاف!")
    assert char_grams("Ab C") == char_grams("abc") == frozenset() and char_grams("abcde") == {"abcde"}
    assert char_grams("A_b c-d e") == char_grams("ab cde")
    # Arabic-keyboard kaf and yeh are the Persian-keyboard letters (text._FOLD).
    assert char_grams("نيوزی لينڈ كيخلاف") == char_grams("نیوزی لینڈ کیخلاف")


def test_an_unrelated_urdu_story_is_not_flagged() -> None:
    other = ("وزیراعظم نے اسلام آباد میں توانائی کے منصوبوں کا افتتاح کیا اور کہا کہ بجلی کی لوڈشیڈنگ جلد ختم ہوگی۔\n"
             "انہوں نے کہا کہ حکومت عوام کو ریلیف دینے کیلئے اقدامات کر رہی ہے۔\n")
    result = api.compare(Document(id="news", text=UR_ARTICLE), Document(id="other", text=other))
    assert result.verdict == "original"


def test_urdu_reported_speech_is_quoted_english_indirect_speech_is_not() -> None:
    from provenance.text import segment

    urdu = [s for s in segment(UR_SOURCE) if s.kind == "sentence"]
    # "...نے کہا ہے کہ" introduces the captain's words; the match report after it is narration.
    assert [s.quoted for s in urdu] == [True, True, False]
    hindi = segment("मंत्री ने कहा कि बातचीत सोमवार को फिर शुरू होगी। बैठक दिल्ली में हुई।")
    assert [s.quoted for s in hindi] == [True, False]
    arabic_keyboard = segment(UR_SOURCE.replace("\u06a9", "\u0643").replace("\u06cc", "\u064a"))
    assert [s.quoted for s in arabic_keyboard if s.kind == "sentence"] == [True, True, False]
    english = segment("Raisi said that Tehran and Moscow can unite their efforts. He spoke on Wednesday.")
    assert not any(s.quoted for s in english)


def test_the_language_model_is_read_from_an_uncompressed_cache(tmp_path, monkeypatch) -> None:
    from py3langid import langid

    from provenance import text

    samples = [UR_SOURCE, "The minister said the talks would resume on Monday.",
               "Министр заявил, что переговоры возобновятся в понедельник."]
    reference = langid._load_identifier()
    expected = [reference.classify(s) for s in samples]
    monkeypatch.setattr(langid, "IDENTIFIER", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = text._cached_identifier(langid)  # writes the cache
    [folder] = (tmp_path / "provenance").iterdir()
    assert (folder / "complete").exists() and (folder / "nextmove.npy").stat().st_size > 1_000_000
    again = text._cached_identifier(langid)  # maps it
    assert [first.classify(s) for s in samples] == [again.classify(s) for s in samples] == expected
    # Warmed (its table copied out of the map after WARM texts): the same answers.
    warming = text._Warming(again)
    answers = [warming.classify(s) for _ in range(text._Warming.WARM) for s in samples]
    assert type(again.tk_nextmove).__name__ == "array"
    assert answers == expected * text._Warming.WARM
    # A cache that cannot be written: py3langid's own load, the same answers.
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setattr(langid, "IDENTIFIER", None)
    text._identifier.cache_clear()
    try:
        assert [text._identifier().classify(s) for s in samples] == expected
    finally:
        text._identifier.cache_clear()
