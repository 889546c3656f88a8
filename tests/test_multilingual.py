"""Reuse in Russian, Persian and Chinese is detected and aligned, not only survived.

Each language has a source of five sentences and an article that copies three of them with light
edits (a word changed, a phrase added) and adds two sentences of its own. Chinese is written
without spaces: every character is a token and content units are character bigrams
(text.content_units), and sentences end at 。！？ with no space after them. Persian sentences end
at "." and the Arabic question mark ؟; a copy retyped on an Arabic keyboard (ي ك for ی ک) must still
match. The texts were written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance import api
from provenance.cli import cli
from provenance.documents import Document
from provenance.text import segment

RU_SOURCE = (
    "Министр иностранных дел России Сергей Лавров заявил в понедельник, что Москва готова "
    "продолжить переговоры с Вашингтоном о стратегической стабильности. По его словам, российская "
    "сторона передала американским коллегам подробные предложения по гарантиям безопасности ещё в "
    "декабре. Лавров подчеркнул, что ответ США пока не получен, и назвал затягивание процесса "
    "неприемлемым. Он также сообщил, что следующая встреча делегаций может пройти в Женеве в конце "
    "месяца. Эксперты считают, что стороны вряд ли достигнут компромисса до весны.\n"
)
RU_ARTICLE = (
    "Глава МИД России Сергей Лавров заявил в понедельник, что Москва готова продолжить переговоры "
    "с Вашингтоном о стратегической стабильности. По его словам, российская сторона передала "
    "американским коллегам подробные предложения по гарантиям безопасности ещё в декабре прошлого "
    "года. Лавров подчеркнул, что ответ США до сих пор не получен, и назвал затягивание процесса "
    "неприемлемым. Тем временем в Берлине прошла акция протеста против роста цен на энергоносители. "
    "Организаторы сообщили, что в ней приняли участие несколько тысяч человек.\n"
)
FA_SOURCE = (
    "وزیر امور خارجه ایران روز دوشنبه اعلام کرد که تهران آماده ازسرگیری مذاکرات هسته‌ای با "
    "قدرت‌های جهانی است. او گفت که ایران پیشنهادهای خود را به طور کامل به طرف اروپایی ارائه کرده "
    "است. به گفته وی، تحریم‌های یکجانبه آمریکا مانع اصلی دستیابی به توافق است. آیا غرب آماده "
    "برداشتن گام عملی است؟ سخنگوی دولت نیز تأکید کرد که برنامه هسته‌ای کشور کاملاً صلح‌آمیز است.\n"
)
FA_ARTICLE = (
    "وزیر امور خارجه ایران روز دوشنبه اعلام کرد که تهران آماده ازسرگیری مذاکرات هسته‌ای با "
    "قدرت‌های بزرگ جهانی است. او گفت که ایران پیشنهادهای خود را به طور کامل به طرف اروپایی ارائه "
    "داده است. به گفته وی، تحریم‌های یکجانبه آمریکا مانع اصلی دستیابی به توافق است. در خبری دیگر، "
    "قیمت طلا در بازار تهران برای سومین روز متوالی کاهش یافت. کارشناسان بازار علت این کاهش را "
    "ثبات نسبی نرخ ارز می‌دانند.\n"
)
ZH_SOURCE = (
    "外交部发言人周一在例行记者会上表示，中方愿与各方共同努力，推动伊朗核问题谈判早日取得成果。"
    "她说，美国应当纠正错误做法，解除对伊朗的非法单边制裁。各方应保持耐心，通过对话协商解决分歧。"
    "中方将继续以建设性方式参与相关进程！有记者问，谈判何时能够恢复？发言人没有给出具体时间。\n"
)
ZH_ARTICLE = (
    "外交部发言人周一在记者会上表示，中方愿与各方共同努力，推动伊朗核问题谈判尽早取得成果。"
    "她说，美国应当纠正错误做法，取消对伊朗的非法单边制裁。各方应保持耐心，通过对话协商解决分歧。"
    "另据报道，北京今天迎来今年入冬以来的第一场雪。气象部门提醒市民注意出行安全。\n"
)
CASES = {"ru": (RU_ARTICLE, RU_SOURCE), "fa": (FA_ARTICLE, FA_SOURCE), "zh": (ZH_ARTICLE, ZH_SOURCE)}


def sentences(text: str) -> list[str]:
    return [s.text for s in segment(text) if s.kind == "sentence"]


@pytest.mark.parametrize("lang, article_count, source_count", [
    ("ru", 5, 5), ("fa", 5, 5),
    ("zh", 5, 6),  # 。 ！ and ？ all end sentences, no space needed after them
])
def test_sentence_counts(lang: str, article_count: int, source_count: int) -> None:
    article, source = CASES[lang]
    assert len(sentences(article)) == article_count and len(sentences(source)) == source_count


def compare(article: str, source: str):
    return api.compare(Document("article", article), Document("source", source))


@pytest.mark.parametrize("lang", ["ru", "fa"])
def test_copied_sentences_are_attributed_in_order(lang: str) -> None:
    article, source = CASES[lang]
    result = compare(article, source)
    assert result.verdict in ("copy", "paraphrase")
    assert [f.id for f in result.findings] == ["source"]
    labels = [(s.label, s.source) for s in result.sentences]
    assert [src for _, src in labels] == ["source"] * 3 + [None] * 2
    assert all(label in ("verbatim", "near-verbatim") for label, _ in labels[:3])
    # Each copied sentence points at the same sentence of the source.
    src_sentences = [s for s in segment(source) if s.kind == "sentence"]
    for attributed, expected in zip(result.sentences[:3], src_sentences[:3], strict=True):
        assert (attributed.source_start, attributed.source_end) == (expected.start, expected.end)


def test_chinese_copied_sentences_are_attributed_in_order() -> None:
    result = compare(ZH_ARTICLE, ZH_SOURCE)
    assert result.verdict in ("copy", "paraphrase")
    src_sentences = [s for s in segment(ZH_SOURCE) if s.kind == "sentence"]
    for attributed, expected in zip(result.sentences[:2], src_sentences[:2], strict=True):
        assert attributed.source == "source" and attributed.label in ("verbatim", "near-verbatim")
        assert (attributed.source_start, attributed.source_end) == (expected.start, expected.end)
    assert [s.source for s in result.sentences[3:]] == [None, None]


def test_short_chinese_sentence_copied_verbatim_is_attributed() -> None:
    result = compare(ZH_ARTICLE, ZH_SOURCE)
    third = result.sentences[2]
    assert third.text == "各方应保持耐心，通过对话协商解决分歧。"
    assert third.source == "source" and third.label == "verbatim"


def test_persian_copy_retyped_on_an_arabic_keyboard_still_matches() -> None:
    arabic_keyboard = FA_SOURCE.replace("ی", "ي").replace("ک", "ك")
    assert arabic_keyboard != FA_SOURCE
    result = compare(FA_ARTICLE, arabic_keyboard)
    assert [s.source for s in result.sentences] == ["source"] * 3 + [None] * 2
    assert result.sentences[2].label == "verbatim"


def test_mixed_script_article() -> None:
    english = ("The foreign ministers met in Geneva on Monday to discuss the nuclear talks, "
               "officials said.")
    article = "\n".join([english, sentences(ZH_SOURCE)[0] + sentences(ZH_SOURCE)[1],
                         sentences(RU_ARTICLE)[0], "Trade figures for the quarter were published "
                         "on Tuesday and showed a small rise in exports."]) + "\n"
    source = "\n".join([english, ZH_SOURCE.strip(), RU_SOURCE.strip()]) + "\n"
    result = compare(article, source)
    attributed = [(s.text[:12], s.source) for s in result.sentences]
    assert [src for _, src in attributed] == ["source"] * 4 + [None], attributed


def test_check_against_an_index_finds_each_language(tmp_path: Path) -> None:
    """Retrieval (MinHash LSH over content units) works on character bigrams and Cyrillic and
    Arabic-script stems, among unrelated English articles."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for lang, (_, source) in CASES.items():
        (corpus / f"{lang}.txt").write_text(source, encoding="utf-8")
    for sample in (Path(__file__).parent.parent / "samples").glob("*.txt"):
        (corpus / sample.name).write_bytes(sample.read_bytes())
    index = tmp_path / "index.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["index", "add", str(corpus), "--index", str(index)]).exit_code == 0
    for lang, (article, _) in CASES.items():
        path = tmp_path / f"{lang}-article.txt"
        path.write_text(article, encoding="utf-8")
        result = runner.invoke(cli, ["check", str(path), "--index", str(index), "--format", "json"])
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        flagged = [s["id"] for s in data["sources"] if s["verdict"] != "none"]
        assert flagged == [f"{lang}.txt"], (lang, data["sources"])
