"""Text model: normalization with an offset map, tokens, sentences, quotes, boilerplate, credits.

Every offset here is a Python character offset into the article's text as read (the decoded file,
the extracted HTML main text or a JSON Lines `text` field), so reports can point at the original.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from .config import EXTRA_OUTLET_ALIASES
from .results import Segment

# Characters folded to ASCII look-alikes before matching: rewriters and CMSs swap them freely.
_FOLD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"',
    "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u2026": "...",
    # Arabic-script letters typed with an Arabic or a Persian keyboard look the same but differ:
    # fold them to the Persian forms, and drop the optional short-vowel marks and the tatweel
    # (a stretching stroke), so a copy retyped on another keyboard still matches.
    "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0640": "",
    **{chr(c): "" for c in range(0x064B, 0x0653)}, "\u0670": "",
}

OPENING_QUOTES = "\u201c\u201e\u00ab\u300c\u300e"  # also CJK corner brackets
CLOSING_QUOTES = "\u201d\u00bb\u300d\u300f"


@dataclass(frozen=True)
class Normalized:
    """Normalized text and, for each of its characters, the offset of the original character."""

    text: str
    offsets: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalized text back to the original text."""
        if start >= end:
            pos = self.offsets[start] if start < len(self.offsets) else self._end
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1

    @property
    def _end(self) -> int:
        return self.offsets[-1] + 1 if self.offsets else 0


def normalize(text: str) -> Normalized:
    """Fold quotes and dashes, apply NFKC, casefold and collapse whitespace, keeping offsets.

    Each original character maps to zero or more normalized characters; the map records, for
    every normalized character, the original character it came from.
    """
    out: list[str] = []
    offsets: list[int] = []
    last_space = True
    for i, ch in enumerate(text):
        piece = _FOLD.get(ch)
        if piece is None:
            piece = unicodedata.normalize("NFKC", ch).casefold() if not ch.isascii() else ch.lower()
        for c in piece:
            if c.isspace():
                if last_space:
                    continue
                c = " "
                last_space = True
            else:
                last_space = False
            out.append(c)
            offsets.append(i)
    if out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return Normalized("".join(out), tuple(offsets))


# Scripts written without spaces between words: each character is a token there.
_UNSPACED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff\uac00-\ud7af]"
)
# Combining marks are not word characters for `re`, yet they belong inside words: Arabic short
# vowels, Devanagari and Bengali vowel signs, Hebrew points, Latin accents in decomposed form.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963\u0981-\u0983\u09bc-\u09d7"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
# No capturing groups: sketch.py runs `_TOKEN.findall` and needs whole matches.
_TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff\uac00-\ud7af]"
    rf"|[^\W_](?:[^\W_]|[{_MARKS}])*(?:['\u2019][^\W_](?:[^\W_]|[{_MARKS}])*)*"
)

# A character of a script written without spaces carries about as much as a short word, so it
# counts this many times when a sentence's length is compared with `min_sentence_chars`.
UNSPACED_WEIGHT = 3


def scoring_length(text: str) -> int:
    """The length of a sentence as `min_sentence_chars` means it: characters, with those of
    scripts written without spaces (Chinese, Japanese, Thai...) weighted by UNSPACED_WEIGHT.

    A 19-character Chinese sentence says as much as a 60-character English one.
    """
    unspaced = len(_UNSPACED.findall(text))
    return len(text) + (UNSPACED_WEIGHT - 1) * unspaced


class Token(NamedTuple):
    # A named tuple, not a frozen dataclass: an article makes hundreds of tokens and a frozen
    # dataclass's __init__ cost about as much as the rest of tokenizing.
    text: str  # normalized (folded, casefolded)
    start: int  # offset in the original text
    end: int

    @property
    def unspaced(self) -> bool:
        return len(self.text) == 1 and bool(_UNSPACED.match(self.text))


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word tokens of text[start:end], normalized, with offsets into the original text."""
    end = len(text) if end is None else end
    tokens = []
    for m in _TOKEN.finditer(text, start, end):
        word = m.group()
        if not word.isascii():
            word = "".join(_FOLD.get(c, c) for c in word)
            word = unicodedata.normalize("NFKC", word).casefold()
        else:
            word = word.lower()
        tokens.append(Token(word, m.start(), m.end()))
    return tokens


STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves said says say told
    according per s t""".split()
)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    # Truncation is a crude, language-neutral stemmer: "countries"/"country", "sanctions"/
    # "sanctioned" and Russian case endings mostly fall together at five characters.
    return word[:5]


# --- Languages -------------------------------------------------------------------------------
# A content unit must be a function of the word alone, never of the document's language: a
# passage quoted into a document of another language, or a short headline that a language
# identifier reads as a neighbouring language, must give the units its source gave, or MinHash
# and the sentence scorer would miss it. So stop words and lemmas are chosen by the word's
# script: ASCII words keep the English list above (English results do not move); other words
# are stop words when a list of stopwords-iso (58 languages) or STOPWORDS_EXTRA names them, and
# scripts with a simplemma lemmatizer (Cyrillic, Greek, Hebrew, Devanagari...) are lemmatized
# before the five-character prefix is taken (the prefix alone when the lemmatizer does not know
# the word). The document's language (detect_language) is recorded on results.

# Function words that stopwords-iso lacks. Its Urdu list is partly mis-encoded and misses the
# most frequent Urdu words of all (on the COUNTER dev stories: نے، سے، میں، کا، کر، بھی، کہا،
# انہوں، نہیں، ساتھ...), which were driving MinHash sets and sentence scores. Postpositions,
# auxiliaries, pronouns, conjunctions and the reporting verbs of Urdu.
STOPWORDS_EXTRA = {
    "ur": """میں نے سے کا کی کے کو کر اس اسے اسی ان انہیں انہوں انھوں جنہوں جس جن جو وہ یہ یہی وہی بھی
        کیا کیے کئے گیا گئی گئے گا گی گے دیا دی دیے دئیے لیا لی لیے لئے کیلئے کےلئے لیکن مگر اور یا
        کرنے کرتے کرتا کرتی کریں کرے کرکے ہونے ہوتے ہوتا ہوتی ہوا ہوئی ہوئے ہوں ہوگا ہوگی ہوں گے تھا
        تھی تھے ہے ہیں ہو رہا رہی رہے رہیں سکتا سکتی سکتے سکے جائے جائیں جاتا جاتی جاتے جانے گیا
        کہا کہنا کہنے کہتے کہ کہ انکا انکی انکے اسکا اسکی اسکے ساتھ مطابق جبکہ تاہم بلکہ نیز اب پھر
        تو ہی نہیں نہ پہلے بعد دوران تک پر والا والی والے اپنے اپنی اپنا ہم آپ میرے ہمارے ایسے ایسا
        کوئی کسی کچھ بارے حوالے سلسلے علاوہ""".split(),
}
# Scripts (by the Unicode name's first word) whose words go through simplemma, and with which of
# its languages, tried in order. Arabic script is not among them: Urdu has no simplemma model,
# and Persian and Arabic models would rewrite Urdu words written in the same letters.
_LEMMA_SCRIPTS = {
    "CYRILLIC": ("ru", "uk", "bg", "mk"), "GREEK": ("el",), "HEBREW": ("he",),
    "DEVANAGARI": ("hi",), "GEORGIAN": ("ka",), "ARMENIAN": ("hy",), "MALAYALAM": ("ml",),
}


@lru_cache(maxsize=1)
def other_stopwords() -> frozenset[str]:
    """The non-ASCII stop words of every stopwords-iso language and of STOPWORDS_EXTRA, folded
    as tokens are (one token each)."""
    import stopwordsiso

    words: set[str] = set()
    lists = [stopwordsiso.stopwords(lang) for lang in sorted(stopwordsiso.langs())]
    for entries in [*lists, *STOPWORDS_EXTRA.values()]:
        for entry in entries:
            toks = _TOKEN.findall(entry)
            if len(toks) == 1 and not toks[0].isascii():
                words.add(_fold_word(toks[0]))
    return frozenset(words)


def _fold_word(word: str) -> str:
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", "".join(_FOLD.get(c, c) for c in word)).casefold()


def _script(word: str) -> str:
    for c in word:
        if c.isalpha():
            return unicodedata.name(c, "").split(" ", 1)[0]
    return ""


@lru_cache(maxsize=262144)
def word_unit(word: str) -> str:
    """The content unit of one normalized word token: "" for a stop word, else the
    five-character prefix of its lemma (of the word itself where no lemmatizer applies)."""
    if word.isascii():
        return "" if word in STOPWORDS else word[:5]
    if word in other_stopwords():
        return ""
    langs = _LEMMA_SCRIPTS.get(_script(word))
    if langs:
        import simplemma

        lemma = _fold_word(simplemma.lemmatize(word, lang=langs))
        if lemma in other_stopwords():
            return ""
        return lemma[:5]
    return word[:5]


# The most probable language of a text, as ISO 639-1, from its first LANGUAGE_SAMPLE characters.
LANGUAGE_SAMPLE = 3000


@lru_cache(maxsize=4096)
def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (py3langid, 97 languages, its model shipped in the
    wheel), or None for a text without letters."""
    return _language_of_sample(text[:LANGUAGE_SAMPLE])


@lru_cache(maxsize=4096)
def _language_of_sample(sample: str) -> str | None:
    # Cached on the sample (a few kB, never the whole text): a check asks for the article's
    # language in the analysis and again for its cross-language candidates, and a batch meets
    # the same sources again and again.
    if not any(c.isalpha() for c in sample):
        return None
    return str(_identifier().classify(sample)[0])


@lru_cache(maxsize=1)
def _identifier():  # -> py3langid.langid.LanguageIdentifier
    """py3langid's identifier, its model read from an uncompressed copy in the user's cache.

    The model ships LZMA-compressed (4.6 MB); decompressing it took 0.26 of the 0.37 s it
    took to load, half a command-line check's time. The first load writes its arrays, as
    .npy files (68 MB), to $XDG_CACHE_HOME/provenance (~/.cache/provenance); later loads map
    them (a few ms). Where the cache cannot be written or read, or py3langid's model layout
    is not the one this expects, py3langid loads its model as usual: the same identifier."""
    import py3langid
    from py3langid import langid

    try:
        return _Warming(_cached_identifier(langid))
    except Exception:  # noqa: BLE001 - any failure means the ordinary, slower load
        return langid._get_identifier() if hasattr(langid, "_get_identifier") else py3langid


class _Warming:
    """The cached identifier, its automaton table copied out of the memory map once it has
    classified WARM texts: the table is walked one character at a time, and a stdlib array
    indexes ten times faster than a memory map (a scan of 20,000 articles spent 5.7 s in
    memmap.__getitem__), but copying its 39 MB costs 25 ms, more than a single check's
    classifications take from the map."""

    WARM = 16

    def __init__(self, identifier) -> None:  # noqa: ANN001 - py3langid's LanguageIdentifier
        self.identifier = identifier
        self.calls = 0

    def classify(self, text: str):  # noqa: ANN201 - py3langid's (language, score)
        self.calls += 1
        if self.calls == self.WARM:
            from array import array

            table = array("I")
            table.frombytes(memoryview(self.identifier.tk_nextmove).cast("B"))
            self.identifier.tk_nextmove = table
        return self.identifier.classify(text)


_MODEL_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


def _cached_identifier(langid):  # noqa: ANN001, ANN202 - py3langid's module and identifier
    import hashlib
    import lzma
    import os
    import shutil
    import tempfile
    from pathlib import Path

    import numpy as np

    model = Path(langid.MODEL_DIR) / langid.MODEL_FILE
    stat = model.stat()
    stamp = hashlib.sha256(f"{model.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "provenance" / f"py3langid-{stamp}"
    if not (folder / "complete").exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".py3langid-", dir=folder.parent))
        try:
            with lzma.open(model) as src, np.load(src) as data:
                for name in _MODEL_ARRAYS:
                    np.save(work / f"{name}.npy", data[name])
            (work / "complete").touch()
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)  # a full disk leaves no half-written copy
            raise
        try:
            os.replace(work, folder)  # atomic; another process may have won the race
        except OSError:
            shutil.rmtree(work, ignore_errors=True)
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r")
              for name in _MODEL_ARRAYS}
    identifier = langid.LanguageIdentifier(
        arrays["ptc"], np.asarray(arrays["pc"]), arrays["classes"].tolist(), arrays["nextmove"],
        arrays["out_feat"].tolist(), tk_row=arrays["nextmove_row"].astype(np.int64).tolist())
    langid.IDENTIFIER = identifier
    return identifier


def content_units(tokens: list[Token]) -> list[str]:
    """The units content similarity is measured on: stems of content words, and character
    bigrams for scripts without spaces (where single characters are too common to mean much)."""
    units: list[str] = []
    prev_unspaced: str | None = None
    for tok in tokens:
        if tok.unspaced:
            if prev_unspaced is not None:
                units.append(prev_unspaced + tok.text)
            prev_unspaced = tok.text
            continue
        if prev_unspaced is not None and not units:
            units.append(prev_unspaced)
        prev_unspaced = None
        unit = word_unit(tok.text)
        if unit:
            units.append(unit)
    if prev_unspaced is not None and not units:
        units.append(prev_unspaced)
    return units


# --- Segmentation -----------------------------------------------------------------------------

ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt gen col lt sgt capt cmdr adm gov sen rep rev hon pres supt
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun
    no nos vol pp fig inc ltd co corp bros dept univ assn est approx vs etc al ave blvd rd""".split()
)

_BOILERPLATE = re.compile(
    r"""^\s*(?:
        (?:read|see)\s+(?:also|more)\b | also\s+read\b | related(?:\s+(?:stories|articles|news))?\s*: |
        discuss\s*$ | comments?\s*$ | advertisement\s*$ | sponsored\b |
        (?:subscribe|sign\s+up|follow\s+us|share\s+(?:this|on)|click\s+here|download\s+our\s+app) |
        [\w ]{0,20}\bstore\s*$ | shop\s+now\b | (?:photo|image|picture)\s*(?:credit)?\s*: |
        copyright\b | \u00a9 | all\s+rights\s+reserved
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_CAPTION = re.compile(r"\((?:photo|image|picture|file photo|video)\b[^)]*\)\s*$", re.IGNORECASE)
_BYLINE = re.compile(r"^\s*(?i:by)\s+[A-Z][\w.'\-]+(?:\s+[A-Z][\w.'\-]+){0,3}\s*(?:[|,\-\u2013\u2014]|$)")
_TERMINAL = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s*$")

# A sentence ends at . ! or ? (optionally followed by closing quotes or brackets), then space,
# then something that can start a sentence. "[.!?][.!?]*" matches what "[.!?]+" would, but lets
# the regex engine skip ahead to the next candidate character (the search twice as fast).
_BOUNDARY = re.compile(
    r"([.!?][.!?]*)([\"'\u201d\u2019)\]]*)(\s+)(?=[\"'\u201c\u2018(\[]*[^\W_a-z]|[\"\u201c\u2018])"
)
# Sentence ends that need no following space: the ideographic full stop and full-width ! ?
# (and the half-width full stop), the Arabic question mark and full stop, the Devanagari danda.
_FULLWIDTH_BOUNDARY = re.compile(
    r"[\u3002\uff01\uff1f\uff61\u061f\u06d4\u0964\u0965]+[\u201d\u2019\u300d\u300f\uff09)]*"
)

# An over-long "sentence" (a text without punctuation, a table flattened into one line, a 1 MB
# single line) is cut into pieces: scoring a pair of sentences costs their length squared, and a
# piece of a few hundred characters is still long enough to align. Cuts fall after clause
# punctuation or after an "anchor" chunk chosen by a hash of its own text, never at fixed
# offsets, so a copy with insertions or deletions is cut at the same places as its source.
MAX_SENTENCE_CHARS = 1000
MIN_PIECE_CHARS = 200
_ANCHOR_MODULUS = 8
_CLAUSE_END = ",;:\uff0c\u3001\uff1b\uff1a\u060c\u061b"
_CHUNK = re.compile(rf"[^\s{_CLAUSE_END}]+[{_CLAUSE_END}]*|[{_CLAUSE_END}]+")


def _letter(c: str) -> bool:
    # `[^\W\d_]` of the re module: alphanumeric in Unicode and not a decimal digit.
    return c.isalnum() and not c.isdecimal()


def _is_abbreviation(block: str, dot: int) -> bool:
    """True when the '.' at `dot`, which _BOUNDARY matched (so a quote, bracket or space follows
    it), ends an abbreviation rather than a sentence.

    Reads only the word before the dot: searching the whole prefix made splitting a long
    paragraph quadratic.
    """
    i = block.rfind(" ", 0, dot) + 1
    if not (i < dot and block[i:dot].isalpha()):
        # Not a plain word after a space (digits, quotes, a hyphen...): find the run of letters.
        i = dot
        while i > 0 and _letter(block[i - 1]):
            i -= 1
    if i == dot:
        return False  # a number: "5." ends a sentence when a space follows
    word = block[i:dot]
    if i > 0 and block[i - 1] == ".":  # U.S., e.g., a.m.
        return True
    if len(word) == 1 and word.isupper():  # initials: "J. Smith", "U.S"
        return True
    return word.lower() in ABBREVIATIONS


def _split_block(block: str) -> list[tuple[int, int]]:
    """Sentence spans (relative to the block) of one paragraph, trimmed of whitespace."""
    # Each cut is (end of a sentence, start of the next). Space-separated and unspaced sentence
    # ends are collected together, so mixed-script paragraphs split at both kinds.
    cuts = []
    for m in _BOUNDARY.finditer(block):
        if m.group(1) == "." and _is_abbreviation(block, m.start(1)):
            continue
        cuts.append((m.end(2), m.end(3)))
    cuts.extend((m.end(), m.end()) for m in _FULLWIDTH_BOUNDARY.finditer(block))
    cuts.sort()
    spans = []
    start = 0
    for end, following in cuts:
        if end > start:
            spans.append((start, end))
        start = max(start, following)
    spans.append((start, len(block)))
    return [piece for span in _trimmed(block, spans) for piece in _split_long(block, *span)]


def _trimmed(block: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans with surrounding whitespace removed; spans of whitespace alone are dropped."""
    out = []
    for s, e in spans:
        seg = block[s:e]
        s += len(seg) - len(seg.lstrip())
        e -= len(seg) - len(seg.rstrip())
        if s < e:
            out.append((s, e))
    return out


def _is_anchor(chunk: str) -> bool:
    if chunk[-1] in _CLAUSE_END:
        return True
    return zlib.crc32(chunk.casefold().encode("utf-8", "surrogatepass")) % _ANCHOR_MODULUS == 0


def _split_long(block: str, start: int, end: int) -> list[tuple[int, int]]:
    """block[start:end] as one span, or as pieces of MIN_PIECE_CHARS..MAX_SENTENCE_CHARS
    characters (a longer run of non-space characters is cut hard) when it is longer."""
    if end - start <= MAX_SENTENCE_CHARS:
        return [(start, end)]
    pieces = []
    piece = start
    last_end = start  # end of the last chunk of the current piece
    for m in _CHUNK.finditer(block, start, end):
        c0, c1 = m.span()
        if c1 - piece > MAX_SENTENCE_CHARS and last_end > piece:
            pieces.append((piece, last_end))
            piece = c0
        while c1 - piece > MAX_SENTENCE_CHARS:
            pieces.append((piece, piece + MAX_SENTENCE_CHARS))
            piece += MAX_SENTENCE_CHARS
        last_end = c1
        if c1 - piece >= MIN_PIECE_CHARS and _is_anchor(m.group()):
            pieces.append((piece, c1))
            piece = last_end = c1
    if last_end > piece:
        pieces.append((piece, last_end))
    return _trimmed(block, pieces)


# Reported speech that stands for a quotation: Urdu and Hindi give an official's words after
# "he said that" ("انہوں نے کہا کہ", "उन्होंने कहा कि") with no quotation marks, so the words
# from there to the sentence's end are treated as quoted. Not English "said that" or Russian
# "заявил, что": there indirect speech is the reporter's own wording, and rewriting it is what a
# rewrite of agency copy does (the seeds' 000 rewrites Sputnik's "Raisi said that ..." sentences).
_REPORTED_SPEECH = re.compile(
    # Kaf and yeh in both keyboard forms (ک/ك, ی/ي: see _FOLD); segment() reads unfolded text.
    r"(?<!\w)(?:[کك]ہا|بتا[یي]ا|[کك]ہنا\s+(?:تھا|ہے)|[کك]ہا\s+(?:ہے|تھا|گ[یي]ا)|قرار\s+د[یي]ا)"
    r"\s+[کك]ہ(?!\w)"
    r"|(?<!\w)(?:कहा|बताया|कहना\s+(?:था|है))\s+कि(?!\w)")
_SPEECH_END = re.compile(r"[.!?\u06d4\u061f\u0964]")
_QUOTE_MARK = re.compile(f'[{OPENING_QUOTES}{CLOSING_QUOTES}"]')


def _quote_mask(text: str) -> bytearray:
    """1 for each character of one paragraph inside double quotation marks (curly or straight),
    or in reported speech that stands for a quotation (_REPORTED_SPEECH)."""
    mask = bytearray(len(text))
    for m in _REPORTED_SPEECH.finditer(text):
        end = _SPEECH_END.search(text, m.end())
        stop = end.end() if end else len(text)
        mask[m.end():stop] = b"\x01" * (stop - m.end())
    # Only the quotation marks are visited (a loop over every character was a tenth of the time
    # `scan` spends confirming links). A curly quotation is marked from its opening mark, a
    # straight one from the character after it, each to its closing mark (a closing mark alone
    # is marked) or to the paragraph's end.
    start = None  # where the open quotation's marking starts
    for m in _QUOTE_MARK.finditer(text):
        i = m.start()
        if m.group() in OPENING_QUOTES:
            if start is None:
                start = i
        elif m.group() in CLOSING_QUOTES or start is not None:
            lo = i if start is None else start
            mask[lo:i + 1] = b"\x01" * (i + 1 - lo)
            start = None
        else:  # a straight quotation mark that opens
            start = i + 1
    if start is not None:
        mask[start:] = b"\x01" * (len(text) - start)
    return mask


def _is_heading(stripped: str, n_words: int) -> bool:
    """A line (stripped, of n_words space-separated words) that is a heading: no sentence end,
    few words, and not so long that it must be cut into pieces (a long line of an unspaced
    script is one "word"). sketch.scorable_spans applies the same rule."""
    return (n_words <= 20 and len(stripped) <= MAX_SENTENCE_CHARS and not _TERMINAL.search(stripped)
            and not _FULLWIDTH_BOUNDARY.search(stripped))


def paragraphs(text: str) -> list[tuple[int, str]]:
    """(start offset, text) of each non-blank line: a paragraph of news text.

    Hard-wrapped lines are not joined: on the PAN 2013 dev texts, whose lines were reflowed
    and whose periods often lack a following space, joining lines that continue a sentence cut
    the annotated sources found from 103 to 95 of 106 (joined blocks become long run-on
    "sentences"), so a wrapped paragraph is read line by line.
    """
    out = []
    start = 0
    for line in text.split("\n"):  # twice as fast as finditer over [^\n]+, the same lines
        if line.strip():
            out.append((start, line))
        start += len(line) + 1
    return out


def segment(text: str) -> list[Segment]:
    """Split an article into sentences, headings, bylines and boilerplate lines.

    Paragraphs are lines (see paragraphs); a line without terminal punctuation and of few words
    is a heading. A paragraph repeated verbatim in the
    article (a photo caption shown twice) is boilerplate.
    """
    segments: list[Segment] = []
    blocks = paragraphs(text)
    seen: dict[str, int] = {}
    for _, block in blocks:
        key = block.strip()
        seen[key] = seen.get(key, 0) + 1
    for paragraph, (base, block) in enumerate(blocks):
        stripped = block.strip()
        mask = _quote_mask(block)
        line_kind = None
        words = stripped.split()
        if _BOILERPLATE.search(stripped) or _CAPTION.search(stripped) or (
            seen[stripped] > 1 and len(words) > 3
        ):
            line_kind = "boilerplate"
        elif _BYLINE.match(stripped):
            line_kind = "byline"
        elif _is_heading(stripped, len(words)):
            line_kind = "heading"
        spans = [(0, len(block))] if line_kind else _split_block(block)
        for s, e in spans:
            if line_kind:
                lead = len(block) - len(block.lstrip())
                s, e = lead, lead + len(stripped)
            start, end = base + s, base + e
            # Spans are trimmed, never empty: quoted when most of the span is inside quotes.
            quoted = mask.count(1, s, e) >= 0.5 * (e - s)
            segments.append(Segment(start, end, text[start:end], line_kind or "sentence", quoted, paragraph))
    return segments


# --- Credit lines ----------------------------------------------------------------------------

_CREDIT_VERBS = (
    r"according\s+to|as\s+per|per|as\s+reported\s+by|reported\s+by|citing|cited\s+by|via|"
    r"quoted\s+by|in\s+an?\s+(?:interview|statement)\s+(?:with|to)|(?:wrote|writes)\s+in"
)
_CREDIT_GENERIC = re.compile(
    rf"\b(?i:{_CREDIT_VERBS})[ \t]+(?:the[ \t]+)?([A-Z][\w&.\-']*(?:[ \t]+[A-Z][\w&.\-']*){{0,3}})"
)


# News outlets and agencies whose copy travels (a credit names one of these, or a name that looks
# like an outlet, below); "according to Raisi" or "the IMF" credits a person or a body, not copy.
KNOWN_OUTLETS = frozenset(name.casefold() for name in (
    "Reuters", "AP", "Associated Press", "AFP", "Agence France-Presse", "Bloomberg", "BBC", "CNN",
    "Al Jazeera", "Sputnik", "RIA Novosti", "RIA", "TASS", "Interfax", "RT", "Xinhua", "CGTN",
    "Global Times", "IRNA", "Tasnim", "Fars", "Mehr", "ISNA", "Press TV", "Anadolu", "DPA", "EFE",
    "ANSA", "Kyodo", "Yonhap", "PTI", "IANS", "ANI", "UNI", "APP", "SANA", "WAM", "SPA", "KUNA",
    "MENA", "Ukrinform", "UNIAN", "Bernama", "Antara", "NHK", "Fox News", "NBC", "CBS", "ABC",
    "NPR", "Politico", "Axios", "CNSNews", "Daily Mail", "Dawn", "Geo News",
))
# The last word of a name that is an outlet's ("Moscow Times", "Jang News", "Tehran Times").
_OUTLET_WORDS = re.compile(
    r"(?i:news|agency|times|post|press|daily|herald|journal|tribune|gazette|media|tv|radio|"
    r"network|wire|telegraph|guardian|observer|chronicle|express|mirror|today|magazine|"
    r"newspaper|television|broadcasting|\.com)$")
# Picture agencies credit a photograph, not the text.
_PICTURES = re.compile(r"(?i)\b(?:images?|photos?|pictures|stock|shutterstock|alamy)\b")


# Other names of an outlet, in other scripts and languages: a credit or dateline naming any of
# them credits the outlet. Users extend it with an [outlets] table in provenance.toml
# (config.register_outlet_aliases).
OUTLET_ALIASES: dict[str, tuple[str, ...]] = {
    "APP": ("Associated Press of Pakistan", "اے پی پی"),
    "AP": ("Associated Press", "اے پی"),
    "AFP": ("Agence France-Presse", "اے ایف پی", "Франс Пресс", "Франс-Пресс"),
    "Reuters": ("رائٹرز", "روئٹرز", "Рейтер", "Рейтерс"),
    "TASS": ("ТАСС", "ИТАР-ТАСС", "تاس"),
    "RIA Novosti": ("РИА Новости", "RIA", "ریا نووستی"),
    "Sputnik": ("Спутник", "اسپوتنیک", "سپوتنک"),
    "Interfax": ("Интерфакс",),
    "Xinhua": ("Синьхуа", "شنہوا", "شینہوا"),
    "SANA": ("ثناء نیوز", "ثنا نیوز"),
    "PPI": ("پی پی آئی",),
    "NNI": ("این این آئی",),
    "INP": ("آئی این پی",),
    "Online": ("آن لائن",),
    "IRNA": ("ایرنا",),
    "BBC": ("بی بی سی", "Би-би-си"),
}
_ALIAS_GROUP: dict[str, frozenset[str]] = {}
_ALIAS_STATE: list[object] = [None]  # the configured aliases the groups were built from


def outlet_names(outlet: str) -> frozenset[str]:
    """The outlet's names, casefolded: itself and every alias of a group it belongs to
    (OUTLET_ALIASES and the [outlets] table of the configuration, config.EXTRA_OUTLET_ALIASES)."""
    state = tuple(sorted(EXTRA_OUTLET_ALIASES.items()))
    if state != _ALIAS_STATE[0]:
        _ALIAS_GROUP.clear()
        _outlet_pattern.cache_clear()
        _other_credits_cached.cache_clear()
        _ALIAS_STATE[0] = state
        for name, aliases in [*OUTLET_ALIASES.items(), *EXTRA_OUTLET_ALIASES.items()]:
            group = frozenset(n.casefold() for n in (name, *aliases))
            for n in group:
                _ALIAS_GROUP[n] = _ALIAS_GROUP.get(n, frozenset()) | group
    key = outlet.strip().casefold()
    return _ALIAS_GROUP.get(key, frozenset()) | {key}


def is_outlet_name(name: str) -> bool:
    """Whether a credited name looks like a news outlet or agency (not a person or a body)."""
    if _PICTURES.search(name):
        return False
    return (name.casefold() in KNOWN_OUTLETS or name.strip().casefold() in outlet_names_all()
            or bool(_OUTLET_WORDS.search(name.split()[-1])))


def outlet_names_all() -> frozenset[str]:
    outlet_names("")  # fills the groups
    return frozenset(_ALIAS_GROUP)


# Credits in other words than "according to X": an agency dateline at the start of a paragraph
# ("(Reuters) -", "KARACHI, May 3 (APP):", "نئی دہلی ۔30 اکتوبر (اے پی پی)") and the credit
# phrases of Russian ("по данным ТАСС", "сообщает РИА Новости", "передает Интерфакс",
# "со ссылкой на") and Urdu ("اے پی پی کے مطابق" = according to APP). A name is kept when it is
# a known outlet or alias, or looks like an outlet (is_outlet_name).
_DATELINE = re.compile(r"(?m)^[^\n()]{0,60}?\(\s*([^()\n]{2,40}?)\s*\)")
_CREDIT_OTHER = re.compile(
    r"(?i:по\s+данным|по\s+сообщению|сообщает|сообщило|сообщил|передает|передаёт|пишет|"
    r"со\s+ссылкой\s+на|как\s+сообщает)\s+(?:агентства?\s+|агентство\s+)?"
    r"([A-ZА-ЯЁ][\w\-]*(?:[ \t]+[A-ZА-ЯЁ][\w\-]*){0,2})"
)
_URDU_CREDIT = re.compile(r"([\w ]{2,30}?)\s+کے\s+مطابق")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _other_credits(text: str) -> tuple[str, ...]:
    # Cached for texts of article size: a check asks of the article and of each source, and a
    # batch or a scan meets the same texts again; a long-running server keeps no huge text.
    return _other_credits_cached(text) if len(text) <= 200_000 else _find_other_credits(text)


@lru_cache(maxsize=1024)
def _other_credits_cached(text: str) -> tuple[str, ...]:
    return _find_other_credits(text)


def _find_other_credits(text: str) -> tuple[str, ...]:
    # Each phrase pattern runs only on a text holding its fixed words: the Urdu one tries 30
    # positions at every character, 2 ms of a 3,000-character English text.
    found = [m.group(1) for m in _DATELINE.finditer(text)] if "(" in text else []
    if _CYRILLIC.search(text):
        found += [m.group(1) for m in _CREDIT_OTHER.finditer(text)]
    known = outlet_names_all()
    for m in _URDU_CREDIT.finditer(text) if "مطابق" in text else ():
        words = m.group(1).split()
        # The longest tail of the words before "کے مطابق" that is a known name.
        for k in range(min(4, len(words)), 0, -1):
            if " ".join(words[-k:]).casefold() in known:
                found.append(" ".join(words[-k:]))
                break
    names = []
    for raw in found:
        name = raw.strip().rstrip(".,;:'")
        for part in re.split(r"\s*[/،,]\s*", name):  # "(سپورٹس ڈیسک/اے ایف پی)"
            if part and (part.casefold() in known or part.casefold() in KNOWN_OUTLETS):
                names.append(part)
    return tuple(names)


def credit_mentions(text: str) -> list[str]:
    """Outlets credited as a source in the text ("According to Sputnik", "as per Reuters",
    an agency dateline "(APP)", "по данным ТАСС")."""
    names: list[str] = []
    pos = 0
    while (m := _CREDIT_GENERIC.search(text, pos)) is not None:
        # A name ends at a sentence end ("per Reuters. Citing TASS"), initials aside ("A.P."):
        # what follows the cut is searched again.
        head = re.split(r"(?<=\w{2})\.\s", m.group(1), maxsplit=1)[0]
        pos = m.start(1) + len(head) if len(head) < len(m.group(1)) else m.end()
        name = head.rstrip(".,;:'")
        if name and name not in names and is_outlet_name(name):
            names.append(name)
    outlet_names("")  # refreshes the configured aliases (and the cache of their credits)
    for name in _other_credits(text):
        if name not in names:
            names.append(name)
    return names


def credits_outlet(text: str, outlet: str | None) -> bool:
    """True when the text credits `outlet` as its source (case-insensitive, whole words)."""
    if not outlet or not outlet.strip():
        return False
    names = outlet_names(outlet)  # first: it refreshes the aliases _outlet_pattern caches
    if _outlet_pattern(outlet.strip()).search(text):
        return True
    return any(n.casefold() in names for n in _other_credits(text))


@lru_cache(maxsize=1024)
def _outlet_pattern(outlet: str) -> re.Pattern[str]:
    names = sorted(outlet_names(outlet), key=len, reverse=True)
    name = "|".join(re.escape(n) for n in names)
    # (?<!\w) and (?!\w) rather than \b: a name may start or end with punctuation ("A.P.",
    # "Yahoo!"), where \b would demand a word character next to it.
    return re.compile(
        rf"\b(?:{_CREDIT_VERBS})\s+(?:the\s+)?(?:{name})(?!\w)|(?<!\w)(?:{name})(?:'s)?\s+(?:reported|reports|said|says|wrote|writes|quoted)\b",
        re.IGNORECASE,
    )


# --- The fast path: scorable spans and units straight from the text --------------------------
# The same segments and units as segment() and content_units() (tests keep them equal), without
# what retrieval does not use (quotation marks, segment kinds): what indexing and scans read.

def scorable(segments: list[Segment], text: str) -> list[Segment]:
    return [s for s in segments if s.kind in ("sentence", "heading") and any(c.isalnum() for c in s.text)]


def segment_units(text: str, segments: list[Segment]) -> list[list[str]]:
    return [content_units(tokenize(text, s.start, s.end)) for s in segments]


def _kept_lines(text: str) -> Iterator[tuple[int, str, str, bool]]:
    """(start, line, stripped line, is a heading) of each line `segment` makes sentences or a
    heading of: not boilerplate, a caption, a repeated line or a byline."""
    lines = paragraphs(text)
    seen = Counter(b.strip() for _, b in lines)
    for base, block in lines:
        stripped = block.strip()
        # The rules below only compare the number of words with 3 and 20: counting up to 22
        # spares splitting a long line into all its words.
        n_words = len(stripped.split(maxsplit=21))
        if _BOILERPLATE.search(stripped) or _CAPTION.search(stripped) or (
                seen[stripped] > 1 and n_words > 3) or _BYLINE.match(stripped):
            continue
        yield base, block, stripped, _is_heading(stripped, n_words)


def scorable_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the segments `scorable(segment(text), text)` returns, without computing
    what retrieval does not use (quotation marks); a test keeps the two equal."""
    if is_plain(text):
        return [(s, e) for s, e in plain_spans(text) if _PLAIN_ALNUM.search(text, s, e)]
    spans: list[tuple[int, int]] = []
    for base, block, stripped, heading in _kept_lines(text):
        if heading:
            lead = len(block) - len(block.lstrip())
            found = [(base + lead, base + lead + len(stripped))]
        else:
            found = [(base + s, base + e) for s, e in _split_block(block)]
        for s, e in found:
            if any(c.isalnum() for c in text[s:e]):
                spans.append((s, e))
    return spans


# "Plain" texts are read with ASCII-only rules: each of their characters is ASCII (but NUL), or
# the U+2019 apostrophe (read as "'", as _TOKEN and _FOLD do), or one that _TOKEN never
# puts in a token, so the plain path reads it as a space: not a word character, a combining mark
# or a character of an unspaced script. They hold no full-width sentence end either. Generated
# text and most English news are plain; a test checks every Unicode character against these rules.
_NOT_PLAIN_WORD = re.compile(r"[^\W\x00-\x7f]")  # a word character outside ASCII
_NOT_PLAIN_OTHER = re.compile("[\x00" + _MARKS + _UNSPACED.pattern[1:-1]
                              + "\u3002\uff01\uff1f\uff61\u061f\u06d4\u0964\u0965]")
# Plain characters common in news: a text holding no others is found plain by one quick search
# (the two above test each character's category, four times slower).
_USUAL = re.compile("[^\x01-\x7f\u2019\u201c\u201d\u2018\u201e\u00ab\u00bb\u2013\u2014\u2026\u00a0\u2022]")
_PLAIN_ALNUM = re.compile("[A-Za-z0-9]")  # str.isalnum within a plain text
# text._BOUNDARY run over a whole text at once: its whitespace may not run into the next line.
_LINE_BOUNDARY = re.compile(_BOUNDARY.pattern.replace(r"(\s+)", r"([^\S\n]+)"))


def is_plain(text: str) -> bool:
    if text.isascii():
        return "\x00" not in text
    unusual = _USUAL.search(text)
    if unusual is None:
        return True
    start = unusual.start()
    return _NOT_PLAIN_WORD.search(text, start) is None and _NOT_PLAIN_OTHER.search(text, start) is None


def plain_spans(text: str) -> list[tuple[int, int]]:
    """The spans scorable_spans finds in a plain text, before those without a letter or digit
    are dropped: _split_block's cuts, found by one search over the whole text instead of
    one per line, and no search for full-width sentence ends (a plain text has none).
    A test keeps the two equal."""
    cuts = [(m.start(1), m.end(1), m.end(2), m.end(3)) for m in _LINE_BOUNDARY.finditer(text)]
    cuts.append((len(text), 0, 0, 0))  # a sentinel past every line
    k = 0
    spans: list[tuple[int, int]] = []
    for base, block, stripped, heading in _kept_lines(text):
        start = base + len(block) - len(block.lstrip())
        if heading:
            spans.append((start, start + len(stripped)))
            continue
        end = base + len(block)
        while cuts[k][0] < base:
            k += 1
        found = []
        # A boundary match starts and ends on non-space characters, so only the line's first
        # and last sentences can have whitespace to trim.
        while cuts[k][0] < end:
            dot, dot_end, stop, following = cuts[k]
            k += 1
            if dot_end - dot == 1 and text[dot] == "." and _is_abbreviation(block, dot - base):
                continue
            found.append((start, stop))
            start = following
        found.append((start, base + len(block.rstrip())))
        for s, e in found:
            if e - s > MAX_SENTENCE_CHARS:
                spans.extend((base + a, base + b) for a, b in _split_long(block, s - base, e - base))
            else:
                spans.append((s, e))
    return spans


class _StemTable(dict):
    """word token -> its unit (text.content_units for a spaced script), "" for a stopword;
    a dict subclass so hits stay in C (`map(table.__getitem__, words)`)."""

    def __missing__(self, word: str) -> str:
        if len(self) > 500_000:
            self.clear()
        unit = self[word] = word_unit(_fold_word(word))
        return unit


STEMS = _StemTable()


def spans_units(text: str, spans: list[tuple[int, int]]) -> list[list[str]]:
    """content_units(tokenize(text, s, e)) for each span, faster for spaced scripts."""
    if _UNSPACED.search(text):
        return [content_units(tokenize(text, s, e)) for s, e in spans]
    stem = STEMS.__getitem__
    findall = _TOKEN.findall
    return [[u for u in map(stem, findall(text, s, e)) if u] for s, e in spans]


PLAIN_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*|\x00")


def units_fast(text: str, spans: list[tuple[int, int]]) -> list[list[str]]:
    """spans_units(text, spans): for plain texts, one regex pass over the joined spans
    (NUL-separated) instead of one per span."""
    if not is_plain(text):
        return spans_units(text, spans)
    joined = "\x00".join([text[s:e] for s, e in spans]).lower().replace("\u2019", "'")
    stem = STEMS.__getitem__
    units = " ".join(filter(None, map(stem, PLAIN_TOKEN.findall(joined))))
    return [part.split() for part in units.split("\x00")] if spans else []


_LETTERS_AND_DIGITS = re.compile(r"[^\W_]+")
# The Arabic-script folds of _FOLD (Arabic-keyboard letters to their Persian forms, vowel marks
# and tatweel dropped), so a story retyped on another keyboard keeps its grams.
_ARABIC_FOLD = str.maketrans({k: v for k, v in _FOLD.items() if "\u0600" <= k <= "\u06ff"})
CHAR_GRAM = 5


def char_grams(text: str, n: int = CHAR_GRAM) -> frozenset[str]:
    """The text's overlapping n-character strings of letters and digits, lower-cased and run
    together (spaces, punctuation and combining marks dropped).

    Run together because spacing is not stable in every script: Urdu writes one word joined or
    split ("کیلئے" / "کے لیے"), and a rewrite that respaces a sentence keeps its characters. On
    COUNTER dev the share of a newspaper story's 5-grams found in its agency story ranks derived
    vs non at ROC AUC 0.905, against 0.888 for the share of its content units and 0.848 for word
    3-grams (benchmarks/eval_counter.py)."""
    joined = "".join(_LETTERS_AND_DIGITS.findall(text.lower().translate(_ARABIC_FOLD)))
    return frozenset(joined[i:i + n] for i in range(len(joined) - n + 1))
