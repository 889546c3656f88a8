"""Deterministic generator of news-like articles with planted reuse, for speed and recall tests.

    python benchmarks/corpus_gen.py OUT --n 1000 --seed 2022 [--format jsonl|txt]
                                        [--vocabulary news|zipf]

writes the articles under OUT/corpus/ and their ground truth to OUT/truth.jsonl.

The text is synthetic (coined words with Zipf-like frequencies, mixed with real function and news
words), so a benchmark needs no download and no licence, and its reuse is known exactly: a fraction
of the stream is derived from earlier originals as near-copies, light edits, paraphrases or partial
reuse, and every article carries its ground truth.

`--vocabulary zipf` (issue #15: speed on any text) writes articles no stop-word list helps: every
word is drawn with Zipf frequencies (1/rank) from 6,000 words coined from syllables (seeded by
--seed), with no real function or news words, names coined too and figures in digits. The most
common coined words play the part of function words (about 11% of the tokens are the first one)
but are content units to the tool. The same planted kinds and ground truth; sentences are plain
(no attribution or quotation forms), and a paraphrase swaps synonyms and common words, drops the
two commonest, merges, splits and reorders clauses.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

KINDS = ("original", "near-copy", "light-edit", "paraphrase", "partial")
DERIVED_KINDS = KINDS[1:]

# Rough frequency order matters: the Zipf sampler gives the first words the most mass.
FUNCTION_WORDS = """the of and to a in that is for on it with was as at by from his be have has are
this not but had they which or an will were their its been would who more after also about there
she all her can we when up out than other into could over if most some only what them so no may
our these like because any before between while where such those during under against should
through since both each many much very now even then did does however without within among until
being just still how why he do across following amid toward despite regarding numerous several
whereas upon might""".split()
# Designated synonym pairs; both members are ordinary vocabulary too.
REAL_SYNONYMS = [p.split(":") for p in """officials:authorities government:administration
country:nation increase:rise announced:unveiled plan:proposal company:firm help:assist
people:residents election:vote leader:head city:town support:backing problem:issue show:indicate
begin:start buy:purchase need:require try:attempt use:employ large:big small:minor important:key
major:significant recent:latest former:previous talks:negotiations meeting:summit law:legislation
rules:regulations cost:price money:funds workers:employees children:youngsters attack:assault
fight:battle agreement:deal decision:ruling warned:cautioned expected:anticipated said:stated
""".split()]
NEWS_WORDS = list(dict.fromkeys("""year people time government percent million week state country
police president minister officials report city company group public new last first told health
court security market election party leader economic military national international local month
billion workers family news political water energy power prices war policy members program
service schools children crisis vote companies deal talks region border forces troops opposition
campaign spokesperson capital budget tax debt inflation growth trade investors bank central
federal council parliament lawmakers bill reform protest protesters strike union sector industry
oil gas climate emissions hospital patients doctors vaccine virus cases deaths data survey
analysts experts study research university students teachers housing rent homes residents rural
urban farmers food supply shortage demand exports imports currency sanctions embassy diplomats
summit treaty allies rivals officers investigation prosecutors judge trial charges lawyer rights
freedom media journalists internet technology online users platform record quarter annual
revenue profit losses jobs unemployment wages pension fund infrastructure road rail airport
flights travel tourism visitors season weather storm flood fire drought earthquake emergency aid
relief agency ministry statement interview press conference spokesman decision agreement plan
proposal measure response pressure concerns fears hopes risk threat warning claims allegations
evidence sources""".split() + [w for pair in REAL_SYNONYMS for w in pair]))
FUNC_SWAPS = {"in": "within", "about": "regarding", "because": "since", "after": "following",
              "many": "numerous", "some": "several", "while": "whereas", "on": "upon",
              "between": "among", "toward": "to", "could": "might", "despite": "amid",
              "also": "additionally", "during": "throughout", "against": "despite"}
FUNC_SWAPS |= {b: a for a, b in FUNC_SWAPS.items() if b in FUNCTION_WORDS and b not in FUNC_SWAPS}
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = ("January February March April May June July August September October November "
          "December").split()
VERBS = ("said", "said", "stated", "noted", "added", "told reporters", "explained")
ROLES = ("officials", "the minister", "police", "analysts", "a government spokesperson",
         "the prime minister", "experts", "residents", "lawmakers", "the ministry")
# Sentence forms; the paraphraser moves attribution between them as human rewriters do.
PLAIN, Q_TRAIL, Q_LEAD, R_TRAIL, R_LEAD, ACCORDING = range(6)
QUOTED = (Q_TRAIL, Q_LEAD)
START = datetime(2022, 1, 3, 6, 0, tzinfo=UTC)
_TOKEN = re.compile(r"\w+")


def _coiner(r, onsets, vowels, codas, taken):
    """coin(count, syllables, endings, capital): `count` new words of syllables drawn from `r`,
    none in (and each added to) `taken`; one drawing order, so a seed gives the same words."""
    def coin(count, syllables, endings, capital=False):
        out = []
        while len(out) < count:
            w = "".join(r.choice(onsets) + r.choice(vowels) + r.choice(codas)
                        for _ in range(r.choice(syllables))) + r.choice(endings)
            if w not in taken and 2 < len(w) < 13:
                taken.add(w)
                out.append(w.capitalize() if capital else w)
        return out
    return coin


@dataclass(frozen=True, slots=True)
class GeneratedArticle:
    id: str
    text: str  # the title line, then paragraphs separated by "\n"
    title: str
    outlet: str
    published: str  # ISO 8601 timestamp, strictly increasing along the stream
    kind: str = "original"
    source_id: str | None = None
    # Partial reuse only: the reused region in this text and in the source's (None: whole text).
    spans: tuple[tuple[int, int], ...] | None = None
    source_spans: tuple[tuple[int, int], ...] | None = None

    @property
    def ground_truth(self) -> dict:
        return {"id": self.id, "kind": self.kind, "source_id": self.source_id,
                "spans": self.spans, "source_spans": self.source_spans}


def word_ngram_jaccard(a: str, b: str, n: int = 5) -> float:
    """Jaccard similarity of the sets of lowercase word n-grams of two texts."""
    ta, tb = _TOKEN.findall(a.lower()), _TOKEN.findall(b.lower())
    ga = {tuple(ta[i:i + n]) for i in range(len(ta) - n + 1)}
    gb = {tuple(tb[i:i + n]) for i in range(len(tb) - n + 1)}
    return len(ga & gb) / len(ga | gb) if ga or gb else float(ta == tb)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _zipf_table(n: int, q: float, size: int = 1 << 20) -> np.ndarray:
    """Ids repeated in proportion to a Zipf-Mandelbrot law, so sampling is one lookup per word;
    the offset q flattens the head so that a few words do not dominate every sentence."""
    w = 1.0 / (np.arange(1, n + 1) + q)
    return np.repeat(np.arange(n), np.maximum(1, np.rint(w / w.sum() * size).astype(np.int64)))


class _Language:
    """Vocabulary, names, synonyms and phrase shapes from a fixed seed: every corpus speaks the
    same language, so topic words and synonyms mean the same across seeds, as in real news."""

    def __init__(self, seed: int = 1):
        r, rng = random.Random(seed), np.random.default_rng(seed)
        onsets = "b br c ch cl d dr f fl g gr h j k l m n p pl pr r s sh st t tr v w".split()
        onsets += [""] * 3  # some syllables start with a vowel
        vowels = "a e i o u a e i o u a e o ai ea ou".split()
        codas = ["", "", "", "", "n", "r", "l", "s", "t", "m", "nd", "rt", "st", "ck", "ng"]
        taken = set(FUNCTION_WORDS) | set(NEWS_WORDS)

        coin = _coiner(r, onsets, vowels, codas, taken)

        suffixes = [""] * 8 + "tion ment ing ed er al ity ous ive ly ness ist".split()
        synth = coin(7000, (1, 2, 2, 2, 3), suffixes)
        synth.sort(key=lambda w: len(w) + 4 * r.random())  # frequent words are short (Zipf again)
        self.content, self.func = NEWS_WORDS + synth, FUNCTION_WORDS
        self.nc, self.funcset = len(self.content), frozenset(FUNCTION_WORDS)
        # Content words also come with a trailing comma, so a clause break costs no token.
        self.words = np.array(self.content + self.func + [w + "," for w in self.content], dtype=object)
        # Topic words come from the middle of the frequency range: shared by articles on one
        # subject, too rare elsewhere to make unrelated articles look alike.
        self.topics = [rng.choice(np.arange(80, 4000), 40, replace=False) for _ in range(60)]
        self.syn = {a: b for a, b in REAL_SYNONYMS} | {b: a for a, b in REAL_SYNONYMS}
        self.func_swaps, self.droppable, self.conjunctions = FUNC_SWAPS, ("the", "that"), ("and", "while", "as")
        for a, b in zip(synth[0::2], synth[1::2], strict=True):  # rank neighbours: like frequency
            if r.random() < 0.75:
                self.syn[a], self.syn[b] = b, a
        self.firsts = coin(400, (1, 2), ["", "a", "o", "en", "ia", "us", "el", "ine"], True)
        endings = "son ov ez berg ton ski elli ard er is".split() + [""]
        self.lasts = coin(2500, (1, 2, 2), endings, True)
        self.places = coin(600, (1, 2), "ia a burg ford stan ville port on grad ara".split(), True)
        suffixes = ("Group", "Holdings", "Bank", "Council", "Institute", "University", "Party",
                    "Alliance", "Authority", "Foundation", "Union", "Corporation")
        self.orgs = [f"{r.choice(self.places)} {r.choice(suffixes)}" for _ in range(800)]
        mastheads = "Herald Times Post Tribune Courier Gazette Observer Chronicle Record".split()
        self.outlets = [f"The {p} {mastheads[i % 9]}" for i, p in enumerate(self.places[:48])]
        # A bank of phrases (0-2 function words, 1-3 content words, sometimes a comma) is sliced
        # per article, so text alternates like English rather than word salad. Each slot holds
        # where its class's Zipf table starts and how long it is: drawing a word is then one
        # multiply-add and one lookup, vectorised over the article.
        k = 150_000
        lens = np.stack([rng.choice(3, k, p=[0.2, 0.5, 0.3]),
                         rng.choice([1, 2, 3], k, p=[0.6, 0.3, 0.1])], axis=1).ravel()
        cls = np.repeat(np.tile(np.array([0, 1], dtype=np.int8), k), lens)
        cls[(np.cumsum(lens)[1::2] - 1)[rng.random(k) < 0.12]] = 2  # phrase ends with a comma
        c_table, f_table = _zipf_table(self.nc, q=8), _zipf_table(len(self.func), q=1)
        self.nc_table = nc = len(c_table)
        nf = len(f_table)
        offset = self.nc + len(self.func)  # id of the first "word," entry
        self.table = np.concatenate([c_table, f_table + self.nc, c_table + offset])
        self.bank_base = np.array([nc, 0, nc + nf], dtype=np.float64)[cls]
        self.bank_span = np.array([nf, nc, nc], dtype=np.float64)[cls]
        self.on_topic = (cls == 1) & (rng.random(len(cls)) < 0.12)
        self.bank_span[self.on_topic] = 0


class _ZipfLanguage(_Language):
    """`--vocabulary zipf`: 6,000 coined words and nothing else, drawn with frequency 1/rank.

    The attributes the writer reads are those of _Language; the "function words" a paraphrase
    swaps or drops are the commonest coined words."""

    def __init__(self, seed: int, size: int = 6000):
        r, rng = random.Random(seed), np.random.default_rng(seed)
        onsets = "b br c ch cl d dr f fl g gr h j k l m n p pl pr r s sh st t tr v w z".split()
        onsets += [""] * 3
        vowels = "a e i o u a e i o u a e o ai ea ou".split()
        codas = ["", "", "", "", "n", "r", "l", "s", "t", "m", "nd", "rt", "st", "ck", "ng"]
        taken = set(FUNCTION_WORDS) | set(NEWS_WORDS) | set(ZIPF_AVOID)

        coin = _coiner(r, onsets, vowels, codas, taken)

        words = coin(size, (1, 1, 2, 2, 2, 3), [""] * 8 + "en ar ot is um".split())
        words.sort(key=lambda w: len(w) + 4 * r.random())  # frequent words are short
        self.content, self.func = words, []
        self.nc, self.funcset = len(words), frozenset(words[:50])
        self.words = np.array(words + [w + "," for w in words], dtype=object)
        self.topics = [rng.choice(np.arange(80, 4000), 40, replace=False) for _ in range(60)]
        self.syn = {}
        for a, b in zip(words[100::2], words[101::2], strict=True):  # rank neighbours
            if r.random() < 0.75:
                self.syn[a], self.syn[b] = b, a
        common = words[2:42]  # swapped as a rewriter swaps "in" for "within"
        self.func_swaps = dict(zip(common[0::2], common[1::2], strict=True))
        self.func_swaps |= {b: a for a, b in self.func_swaps.items()}
        self.droppable, self.conjunctions = tuple(words[:2]), tuple(words[42:45])
        self.firsts = coin(400, (1, 2), ["", "a", "o", "en", "ia", "us", "el", "ine"], True)
        self.lasts = coin(2500, (1, 2, 2), "son ov ez berg ton ski elli ard er is".split() + [""], True)
        self.places = coin(600, (1, 2), "ia a burg ford stan ville port on grad ara".split(), True)
        self.orgs = [f"{r.choice(self.places)} {r.choice(self.lasts)}" for _ in range(800)]
        self.outlets = [f"The {p} {q}" for p, q in zip(self.places[:48], self.lasts[:48], strict=True)]
        k = 150_000
        lens = np.stack([rng.choice(3, k, p=[0.2, 0.5, 0.3]),
                         rng.choice([1, 2, 3], k, p=[0.6, 0.3, 0.1])], axis=1).ravel()
        cls = np.repeat(np.tile(np.array([0, 1], dtype=np.int8), k), lens)
        cls[(np.cumsum(lens)[1::2] - 1)[rng.random(k) < 0.12]] = 2
        table = _zipf_table(self.nc, q=0)
        self.nc_table = nc = len(table)
        self.table = np.concatenate([table, table + self.nc])
        self.bank_base = np.array([0, 0, nc], dtype=np.float64)[cls]
        self.bank_span = np.full(len(cls), nc, dtype=np.float64)
        self.on_topic = (cls == 1) & (rng.random(len(cls)) < 0.12)
        self.bank_span[self.on_topic] = 0


# Words a coined word must not be: English stop words the tool drops (provenance.text.STOPWORDS
# beyond FUNCTION_WORDS), so that no coined word is a stop word to it.
ZIPF_AVOID = """a about above after again against all am an and any are as at be because been
before being below between both but by can did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them themselves
then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves according per said
say says told""".split()
VOCABULARIES = ("news", "zipf")


@lru_cache(maxsize=4)
def _language(vocabulary: str = "news", seed: int = 1) -> _Language:
    return _ZipfLanguage(seed) if vocabulary == "zipf" else _Language()


# A sentence is a plain tuple (body, form, lead, speaker, verb, lead_end), its body one string.
# A reservoir of a thousand articles is then compact, and tuples of strings are untracked by the
# garbage collector: token lists or a slotted class made the whole stream ~20% slower.
def _words(body: str) -> list[str]:
    return body.replace(", ", " , ").split(" ")  # clause commas become tokens; "1,200" stays


def _sent(words, form=PLAIN, lead=None, speaker=None, verb="said", lead_end=False) -> tuple:
    return (" ".join(words).replace(" ,", ",").strip(", "), form, lead, speaker, verb, lead_end)


def _render(s: tuple, qo: str, qc: str) -> str:
    text, form, lead, speaker, verb, lead_end = s
    if form == PLAIN:
        if lead is None:  # the common case, inlined
            return text[:1].upper() + text[1:] + "."
        return f"{_cap(text)} {lead}." if lead_end else f"{_cap(lead)}, {text}."
    if form == Q_TRAIL:
        return f"{qo}{_cap(text)},{qc} {speaker} {verb}."
    if form == Q_LEAD:
        return f"{_cap(speaker)} {verb}: {qo}{_cap(text)}.{qc}"
    if form == R_TRAIL:
        return f"{_cap(text)}, {speaker} {verb}."
    if form == R_LEAD:
        return f"{_cap(speaker)} {verb} that {text}."
    return f"According to {speaker}, {text}."


class _Doc:
    """An article before rendering. Originals stay so in the reservoir, and derived articles
    are made by rewriting their sentences rather than by re-parsing text."""
    __slots__ = ("id", "outlet", "title", "sents", "sizes", "topic", "cast", "reuse", "src_range")

    def __init__(self, title, sents, sizes, topic, cast):
        self.title, self.sents, self.sizes, self.topic, self.cast = title, sents, sizes, topic, cast
        self.id = self.outlet = self.reuse = self.src_range = None

    def render(self, curly: bool, offsets: bool = False) -> tuple[str, list[tuple[int, int]]]:
        qo, qc = ("\u201c", "\u201d") if curly else ('"', '"')
        lines, offs, pos, i = [self.title], [], len(self.title) + 1, 0
        for size in self.sizes:
            strs = [_render(s, qo, qc) for s in self.sents[i:i + size]]
            i += size
            if offsets:  # sentences are joined by " " within and "\n" between paragraphs
                for st in strs:
                    offs.append((pos, pos + len(st)))
                    pos += len(st) + 1
            lines.append(" ".join(strs))
        return "\n".join(lines), offs


class _Writer:
    def __init__(self, seed: int, words_per_article: int, vocabulary: str = "news"):
        # The news language is the same for every seed; a zipf one is coined from the seed.
        self.L = _language(vocabulary, seed if vocabulary == "zipf" else 1)
        self.wpa = words_per_article
        self.rng, self.r = np.random.default_rng(seed), random.Random(seed)
        u = self.r.random
        # random.choice/randint cost ~1 us each through _randbelow; these are the hot-path draws.
        self.pick = lambda seq: seq[int(u() * len(seq))]
        self.num = lambda lo, hi: lo + int(u() * (hi - lo + 1))

    # -- fresh text ---------------------------------------------------------------------------
    def tokens(self, n: int, topic: np.ndarray) -> list[str]:
        L, rng = self.L, self.rng
        off = int(rng.integers(len(L.bank_base) - n))
        u = rng.random(n)
        ids = L.table[(L.bank_base[off:off + n] + u * L.bank_span[off:off + n]).astype(np.intp)]
        on = L.on_topic[off:off + n]
        ids[on] = topic[(u[on] * len(topic)).astype(np.intp)]
        return L.words[ids].tolist()

    def cast(self) -> tuple:
        L, pick, num = self.L, self.pick, self.num
        people = tuple((f"{pick(L.firsts)} {last}", last)
                       for last in (pick(L.lasts) for _ in range(num(2, 4))))
        return (people, tuple(pick(L.places) for _ in range(num(1, 3))),
                tuple(pick(L.orgs) for _ in range(num(1, 2))))

    def mention(self, cast, seen: set) -> str:
        x, pick = self.r.random(), self.pick
        if x < 0.5:
            full, last = pick(cast[0])
            if full in seen:  # named in full once, then by surname, as in news
                return last
            seen.add(full)
            return full
        return pick(cast[1]) if x < 0.78 else pick(cast[2])

    def number(self) -> str:
        x, num = self.r.random(), self.num
        if x < 0.3:
            return f"{num(2, 98)} percent"
        if x < 0.55:
            return f"${num(1, 99)}.{num(1, 9)} {'million' if x < 0.45 else 'billion'}"
        return f"{num(2, 9000):,}" if x < 0.8 else f"{self.pick(MONTHS)} {num(1, 28)}"

    def sentences(self, n_words: int, topic, cast, seen: set) -> list[tuple]:
        # The hot loop: its random numbers come from numpy in one block, words are counted by
        # arithmetic rather than by re-splitting, and a plain sentence takes few branches.
        pick, places, content = self.pick, cast[1], self.L.content
        toks = self.tokens(int(n_words * 1.1) + 60, topic)
        m = n_words // 8 + 2  # every sentence has >= 8 words, so m rows always suffice
        lens = np.clip(self.rng.normal(21, 7, m), 8, 35).astype(np.int64).tolist()
        out, pos, words = [], 0, 0
        for nb, (x, y, a, b, c, d) in zip(lens, self.rng.random((m, 6)).tolist(), strict=True):
            if words >= n_words:
                break
            form, lead, speaker, extra = PLAIN, None, None, 0
            if x < 0.36:
                if x < 0.1:
                    form = Q_TRAIL if y < 0.75 else Q_LEAD
                elif x < 0.22:
                    form = (R_TRAIL, R_TRAIL, R_LEAD, ACCORDING)[int(y * 4)]
                else:
                    lead = (f"in {pick(places)}" if y < 0.4 else f"on {pick(WEEKDAYS)}"
                            if y < 0.65 else f"after the {content[pick(topic)]}"
                            if y < 0.85 else f"earlier this {pick(('week', 'month', 'year'))}")
                    extra = lead.count(" ") + 1
                if form != PLAIN:
                    speaker = self.mention(cast, seen) if a < 0.55 else pick(ROLES)
                    extra = speaker.count(" ") + 2 + (form in (R_LEAD, ACCORDING))
                nb = max(5, nb - extra)
            if pos + 60 > len(toks):
                toks += self.tokens(300, topic)
            body = toks[pos:pos + nb]
            pos += nb
            wc = extra + nb
            if b < 0.75:  # names and numbers run through news copy
                t = self.mention(cast, seen) if b < 0.55 else self.number()
                body[int(c * nb)] = t
                wc += t.count(" ")
            if d < 0.1 and form == PLAIN:
                body.append(f"on {pick(WEEKDAYS)}")
                wc += 2
            elif d < 0.5 and form in QUOTED:  # quotes are speech
                body.insert(0, pick(("we", "I", "this", "our", "it")))
                wc += 1
            while wc > 35:
                wc -= body.pop().count(" ") + 1
            if body[-1][-1] == ",":
                body[-1] = body[-1][:-1]
            out.append((" ".join(body), form, lead, speaker, "said", False))
            words += wc
        return out

    def sizes(self, n: int) -> list[int]:
        out = []
        for x in self.rng.random(n).tolist():  # news paragraphs are short: mostly 1-3 sentences
            k = 1 if x < 0.25 else 2 if x < 0.6 else 3 if x < 0.85 else 4
            if k >= n:
                out.append(n)
                break
            out.append(k)
            n -= k
        return out

    def title(self, sents: list[tuple]) -> str:
        # Headlines are the lede's content words with at most one small word among them.
        funcset = self.L.funcset
        lede = " ".join(s[0] for s in sents[:2]).replace(",", "").split()
        words = [_cap(t) for t in lede if t not in funcset][:self.num(5, 8)]
        if self.r.random() < 0.6:
            words.insert(len(words) // 2, self.pick(("in", "as", "after", "for", "to", "over")))
        return " ".join(words)

    def original(self, n_words: int | None = None) -> _Doc:
        n_words = n_words or int(self.wpa * (0.7 + 0.6 * self.r.random()))
        topic, cast = self.pick(self.L.topics), self.cast()
        sents = self.sentences(n_words, topic, cast, set())
        return _Doc(self.title(sents), tuple(sents), tuple(self.sizes(len(sents))), topic, cast)

    # -- derived text -------------------------------------------------------------------------
    def filler(self, topic) -> str:
        L, r = self.L, self.r.random
        if r() < 0.12:
            return L.content[topic[int(r() * len(topic))]]
        return L.content[L.table[int(r() * L.nc_table)]]

    def edit_word(self, body: list[str], j: int, topic) -> bool:
        if body[j] == "," or body[j][:1].isupper() or body[j][:1].isdigit():
            return False  # names and figures survive copy-editing
        body[j] = self.L.syn.get(body[j]) or self.filler(topic)
        return True

    def substituted(self, s: tuple, topic) -> tuple:
        body = _words(s[0])
        for _ in range(10):  # a few tries: the sentence may be mostly names
            if self.edit_word(body, self.r.randrange(len(body)), topic):
                break
        return _sent(body, *s[1:])

    def own(self, src: _Doc) -> tuple:
        """A new sentence on the same story, as an editor adds one."""
        return self.sentences(20, src.topic, src.cast, set())[0]

    def near_copy(self, src: _Doc) -> _Doc:
        r, sents = self.r, list(src.sents)
        for _ in range(r.randint(2, 6)):
            k = r.randrange(len(sents))
            sents[k] = self.substituted(sents[k], src.topic)
        x = r.random()
        if x < 0.35 and len(sents) > 2:
            del sents[r.randrange(1, len(sents))]
        elif x < 0.7:
            sents.insert(r.randrange(1, len(sents) + 1), self.own(src))
        sizes = src.sizes if len(sents) == len(src.sents) else self.sizes(len(sents))
        return _Doc(src.title, sents, sizes, src.topic, src.cast)

    def light_edit(self, src: _Doc) -> _Doc:
        r, rate, sents = self.r, self.r.uniform(0.10, 0.20), []
        for s in src.sents:
            body = _words(s[0])
            # Editors touch short runs of words, so edits come in bursts of 1-3 tokens.
            for _ in range(int(len(body) * rate / 1.8 + r.random())):
                j, x = r.randrange(len(body)), r.random()
                if x < 0.5:
                    for k in range(j, min(j + r.randint(1, 3), len(body))):
                        self.edit_word(body, k, src.topic)
                elif x < 0.75:
                    body[j:j] = [self.filler(src.topic) for _ in range(r.randint(1, 2))]
                elif len(body) > 6:
                    del body[j:j + r.randint(1, 2)]
            sents.append(_sent(body, *s[1:]))
        for _ in range(r.randint(1, 2)):
            sents.insert(r.randrange(1, len(sents) + 1), self.own(src))
        title = src.title if r.random() < 0.5 else self.title(sents)
        return _Doc(title, sents, self.sizes(len(sents)), src.topic, src.cast)

    def reword(self, s: tuple, p_syn: float, p_func: float) -> tuple:
        r, syn, swaps, droppable = self.r.random, self.L.syn, self.L.func_swaps, self.L.droppable
        text, form, lead, speaker, verb, lead_end = s
        p_drop = 0.3
        if form in QUOTED:  # rewriters keep quotations mostly verbatim
            p_syn, p_func, p_drop = p_syn / 4, 0.0, 0.0
        out = []
        for t in _words(text):
            if t in syn and r() < p_syn:
                t = syn[t]
            elif t in swaps and r() < p_func:
                t = swaps[t]
            elif t in droppable and r() < p_drop:
                continue
            out.append(t)
        if form in QUOTED:
            form = (Q_LEAD if form == Q_TRAIL else Q_TRAIL) if r() < 0.7 else form
        elif form != PLAIN:  # "X, Y said" <-> "Y said that X" <-> "According to Y, X"
            form = self.pick([g for g in (R_TRAIL, R_LEAD, ACCORDING) if g != form])
        elif lead:  # move the leading prepositional clause to the end
            lead_end = r() < 0.8
        elif "," in out[3:-3] and r() < 0.5:  # clause reordering: "A, B" -> "B, A"
            j = out.index(",", 3)
            out = out[j + 1:] + [","] + out[:j]
        if speaker and r() < 0.6:
            verb = self.pick(VERBS)
        return _sent(out or [text], form, lead, speaker, verb, lead_end)

    def paraphrase(self, src: _Doc) -> _Doc:
        r, out, i, sents = self.r, [], 0, src.sents
        # Rewriters differ in zeal; the spread gives a range of difficulty within the kind.
        p_syn, p_func = r.uniform(0.5, 0.9), r.uniform(0.3, 0.7)
        while i < len(sents):  # sentence order is kept, as rewriters keep it
            s, nxt = sents[i], sents[i + 1] if i + 1 < len(sents) else None
            i += 1
            parts = [s]
            if (nxt and s[1] == nxt[1] == PLAIN and not s[2] and not nxt[2]
                    and s[0].count(" ") + nxt[0].count(" ") <= 30 and r.random() < 0.3):
                conj = self.pick(self.L.conjunctions)
                parts = [_sent(_words(s[0]) + [",", conj] + _words(nxt[0]))]
                i += 1  # merged two short sentences
            elif s[1] == PLAIN and s[0].count(" ") >= 21 and r.random() < 0.4:
                w = _words(s[0])  # split a long sentence near its middle
                parts = [_sent(w[:len(w) // 2], lead=s[2]), _sent(w[len(w) // 2:])]
            out += [self.reword(p, p_syn, p_func) for p in parts]
            if r.random() < 0.12:
                out.append(self.own(src))
        syn = self.L.syn
        title = [_cap(syn[w.lower()]) if w.lower() in syn and r.random() < p_syn else w
                 for w in src.title.split()]
        return _Doc(" ".join(title), out, self.sizes(len(out)), src.topic, src.cast)

    def partial(self, src: _Doc) -> _Doc:
        r, n = self.r, len(src.sents)
        total, frac = int(self.wpa * r.uniform(0.7, 1.3)), r.uniform(0.2, 0.5)
        a = b = r.randrange(n)
        words = 0
        while words < frac * total and (a > 0 or b < n):
            if b < n:  # grow forwards, and backwards once the source runs out
                words, b = words + src.sents[b][0].count(" ") + 1, b + 1
            else:
                a, words = a - 1, words + src.sents[a - 1][0].count(" ") + 1
        passage = list(src.sents[a:b])
        for _ in range(r.randint(0, 3)):
            k = r.randrange(len(passage))
            passage[k] = self.substituted(passage[k], src.topic)
        # The rest is another story, as in a roundup that quotes a wire report.
        new = self.original(max(30, int(words * (1 - frac) / frac)))
        cut = r.randrange(len(new.sents) + 1)
        sents = new.sents[:cut] + tuple(passage) + new.sents[cut:]
        doc = _Doc(new.title, sents, self.sizes(len(sents)), new.topic, new.cast)
        doc.reuse, doc.src_range = (cut, cut + len(passage)), (a, b)
        return doc


class _ZipfWriter(_Writer):
    """`--vocabulary zipf`: plain sentences of coined words, coined names and figures in digits."""

    def number(self) -> str:
        x, num = self.r.random(), self.num
        if x < 0.3:
            return f"{num(2, 98)}%"
        if x < 0.55:
            return f"${num(1, 99)}.{num(1, 9)}"
        return f"{num(2, 9000):,}" if x < 0.8 else f"{num(1, 28)}/{num(1, 12)}"

    def sentences(self, n_words: int, topic, cast, seen: set) -> list[tuple]:
        toks = self.tokens(int(n_words * 1.1) + 60, topic)
        m = n_words // 8 + 2
        lens = np.clip(self.rng.normal(21, 7, m), 8, 35).astype(np.int64).tolist()
        out, pos, words = [], 0, 0
        for nb, (b, c) in zip(lens, self.rng.random((m, 2)).tolist(), strict=True):
            if words >= n_words:
                break
            if pos + 60 > len(toks):
                toks += self.tokens(300, topic)
            body = toks[pos:pos + nb]
            pos += nb
            wc = nb
            if b < 0.6:  # names and figures, coined or in digits
                t = self.mention(cast, seen) if b < 0.45 else self.number()
                body[int(c * nb)] = t
                wc += t.count(" ")
            while wc > 35:
                wc -= body.pop().count(" ") + 1
            if body[-1][-1] == ",":
                body[-1] = body[-1][:-1]
            out.append((" ".join(body), PLAIN, None, None, "said", False))
            words += wc
        return out

    def title(self, sents: list[tuple]) -> str:
        # The lede's words but the commonest, as a headline drops small words.
        common = self.L.funcset
        lede = " ".join(s[0] for s in sents[:2]).replace(",", "").split()
        return " ".join([_cap(t) for t in lede if t not in common][:self.num(5, 8)])


def generate(n_articles: int, seed: int = 2022, words_per_article: int = 600,
             planted_fraction: float = 0.1, reservoir: int = 1000,
             vocabulary: str = "news") -> Iterator[GeneratedArticle]:
    """Yield `n_articles` articles in publication order. About `planted_fraction` of them are
    derived from an earlier original, drawn from the last `reservoir` originals. The first k
    articles do not depend on `n_articles` (but for the zero padding of ids past a million).
    `vocabulary`: "news" (English function and news words among coined ones) or "zipf" (coined
    words only, Zipf frequencies: see the module's docstring)."""
    if vocabulary not in VOCABULARIES:
        raise ValueError(f"vocabulary must be one of {VOCABULARIES}, not {vocabulary!r}")
    w = (_ZipfWriter if vocabulary == "zipf" else _Writer)(seed, words_per_article, vocabulary)
    r, outlets = w.r, w.L.outlets
    derive = {"near-copy": w.near_copy, "light-edit": w.light_edit,
              "paraphrase": w.paraphrase, "partial": w.partial}
    width = max(6, len(str(n_articles - 1)))
    ring: list[_Doc] = []  # bounded, so a 100k stream runs in constant memory
    n_originals, when = 0, START
    for i in range(n_articles):
        when += timedelta(seconds=w.num(30, 900))  # strictly increasing: sources are earlier
        kind = w.pick(DERIVED_KINDS) if ring and r.random() < planted_fraction else "original"
        src = w.pick(ring) if kind != "original" else None
        doc = derive[kind](src) if src else w.original()
        doc.id, doc.outlet = f"gen/{i:0{width}d}.txt", w.num(0, len(outlets) - 1)
        if src and doc.outlet == src.outlet:  # a copy appears elsewhere, not in the same paper
            doc.outlet = (doc.outlet + 1) % len(outlets)
        # House style: two outlets in three use curly quotes.
        text, offs = doc.render(doc.outlet % 3 != 0, offsets=doc.reuse is not None)
        spans = source_spans = None
        if doc.reuse:
            spans = ((offs[doc.reuse[0]][0], offs[doc.reuse[1] - 1][1]),)
            s_offs = src.render(src.outlet % 3 != 0, offsets=True)[1]
            source_spans = ((s_offs[doc.src_range[0]][0], s_offs[doc.src_range[1] - 1][1]),)
        if src is None:
            if len(ring) < reservoir:
                ring.append(doc)
            else:
                ring[n_originals % reservoir] = doc  # overwrite the oldest
            n_originals += 1
        yield GeneratedArticle(doc.id, text, doc.title, outlets[doc.outlet], when.isoformat(),
                               kind, src.id if src else None, spans, source_spans)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, help="output folder (created)")
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--words", type=int, default=600, help="mean words per article")
    p.add_argument("--planted", type=float, default=0.1, help="fraction of derived articles")
    p.add_argument("--format", choices=("jsonl", "txt"), default="jsonl",
                   help="jsonl: OUT/corpus/articles.jsonl; txt: OUT/corpus/gen/*.txt, each with a "
                        "NAME.txt.meta.json sidecar (title, outlet, published). Both write the "
                        "ground truth to OUT/truth.jsonl, outside the corpus folder")
    p.add_argument("--vocabulary", choices=VOCABULARIES, default="news",
                   help="news: coined words among English function and news words (default); "
                        "zipf: 6,000 coined words only, Zipf frequencies, which no stop-word "
                        "list helps")
    a = p.parse_args(argv)
    as_txt = a.format == "txt"
    corpus = a.out / "corpus"
    (corpus / "gen" if as_txt else corpus).mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    out = {"encoding": "utf-8", "newline": "\n"}  # byte-identical output on every platform
    # The corpus folder holds only articles, so `provenance index add OUT/corpus` reads nothing
    # else; the truth sits beside it.
    with open(a.out / "truth.jsonl", "w", **out) as truth:
        articles = None if as_txt else open(corpus / "articles.jsonl", "w", **out)
        try:
            for art in generate(a.n, a.seed, a.words, a.planted, vocabulary=a.vocabulary):
                row = {"id": art.id, "text": art.text, "title": art.title, "outlet": art.outlet,
                       "published": art.published, "kind": art.kind, "source_id": art.source_id}
                if as_txt:
                    (corpus / art.id).write_text(art.text + "\n", **out)
                    meta = {"title": art.title, "outlet": art.outlet, "published": art.published}
                    (corpus / f"{art.id}.meta.json").write_text(
                        json.dumps(meta, ensure_ascii=False) + "\n", **out)
                else:
                    articles.write(json.dumps(row, ensure_ascii=False) + "\n")
                truth.write(json.dumps(art.ground_truth, ensure_ascii=False) + "\n")
        finally:
            if articles is not None:
                articles.close()
    dt = time.perf_counter() - t0
    print(f"wrote {a.n} articles to {corpus} (truth: {a.out / 'truth.jsonl'}) in {dt:.2f} s "
          f"({a.n / dt:,.0f} articles/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
