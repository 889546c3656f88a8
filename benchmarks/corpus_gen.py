"""Deterministic generator of news-like articles with planted reuse, for speed and recall benchmarks.

    python benchmarks/corpus_gen.py OUT --n 1000 --seed 2022 [--format jsonl|txt]

The text is synthetic (coined words with Zipf-like frequencies, mixed with real function and news
words), so a benchmark needs no download and no licence, and the reuse is known exactly: a fraction
of the stream is derived from earlier originals as near-copies, light edits, paraphrases or partial
reuse, and every article carries its ground truth.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterator

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

# Pairs are designated synonyms; both members also serve as ordinary vocabulary.
REAL_SYNONYMS = """officials:authorities government:administration country:nation increase:rise
announced:unveiled plan:proposal company:firm help:assist people:residents election:vote
leader:head city:town support:backing problem:issue show:indicate begin:start buy:purchase
need:require try:attempt use:employ large:big small:minor important:key major:significant
recent:latest former:previous talks:negotiations meeting:summit law:legislation rules:regulations
cost:price money:funds workers:employees children:youngsters attack:assault fight:battle
agreement:deal decision:ruling warned:cautioned expected:anticipated said:stated""".split()
NEWS_WORDS = """year people time government percent million week state country police president
minister officials report city company group public new last first told health court security
market election party leader economic military national international local month billion
workers family news political water energy power prices war policy members program service
schools children billion crisis vote week companies deal talks region border forces troops
opposition campaign spokesperson capital budget tax debt inflation growth trade investors bank
central federal council parliament lawmakers bill reform protest protesters strike union sector
industry oil gas climate emissions hospital patients doctors vaccine virus cases deaths data
survey analysts experts study research university students teachers housing rent homes
residents rural urban farmers food supply shortage demand exports imports currency sanctions
embassy diplomats summit treaty allies rivals officers investigation prosecutors judge trial
charges lawyer rights freedom media journalists internet technology online users platform
record quarter annual billion revenue profit losses jobs unemployment wages pension fund
infrastructure road rail airport flights travel tourism visitors season weather storm flood
fire drought earthquake emergency aid relief agency minister's ministry statement interview
press conference spokesman decision agreement deal plan proposal measure response pressure
concerns fears hopes risk threat warning claims allegations evidence sources""".split()
for _pair in REAL_SYNONYMS:
    NEWS_WORDS.extend(w for w in _pair.split(":") if w not in NEWS_WORDS)
FUNC_SWAPS = {"in": "within", "about": "regarding", "because": "since", "after": "following",
              "many": "numerous", "some": "several", "while": "whereas", "on": "upon",
              "between": "among", "toward": "to", "could": "might", "despite": "amid",
              "also": "additionally", "during": "throughout", "against": "despite"}
FUNC_SWAPS |= {b: a for a, b in FUNC_SWAPS.items() if b in FUNCTION_WORDS and b not in FUNC_SWAPS}
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = "January February March April May June July August September October November December".split()
VERBS = ("said", "said", "stated", "noted", "added", "told reporters", "explained")
ROLES = ("officials", "the minister", "police", "analysts", "a government spokesperson",
         "the prime minister", "experts", "residents", "lawmakers", "the ministry")

# Sentence forms: the paraphraser rewrites between these, as human rewriters move attribution.
PLAIN, Q_TRAIL, Q_LEAD, R_TRAIL, R_LEAD, ACCORDING = range(6)
QUOTED = (Q_TRAIL, Q_LEAD)
START = datetime(2022, 1, 3, 6, 0, tzinfo=timezone.utc)
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class GeneratedArticle:
    id: str
    text: str
    title: str
    outlet: str
    published: str
    kind: str = "original"
    source_id: str | None = None
    spans: tuple[tuple[int, int], ...] | None = None  # reused region(s) in this article's text
    source_spans: tuple[tuple[int, int], ...] | None = None  # the same region(s) in the source

    @property
    def ground_truth(self) -> dict:
        return {"id": self.id, "kind": self.kind, "source_id": self.source_id,
                "spans": self.spans, "source_spans": self.source_spans}


def word_ngram_jaccard(a: str, b: str, n: int = 5) -> float:
    """Jaccard similarity of the sets of lowercase word n-grams of two texts."""
    ta, tb = _TOKEN.findall(a.lower()), _TOKEN.findall(b.lower())
    ga = {tuple(ta[i:i + n]) for i in range(len(ta) - n + 1)}
    gb = {tuple(tb[i:i + n]) for i in range(len(tb) - n + 1)}
    if not ga and not gb:
        return float(ta == tb)
    return len(ga & gb) / len(ga | gb)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _zipf_table(n: int, q: float, size: int = 1 << 20) -> np.ndarray:
    """Word ids repeated in proportion to a Zipf-Mandelbrot law, so sampling is one lookup per
    word; the offset q flattens the head so a few words do not dominate every sentence."""
    w = 1.0 / (np.arange(1, n + 1) + q)
    return np.repeat(np.arange(n), np.maximum(1, np.rint(w / w.sum() * size).astype(np.int64)))


class _Language:
    """Vocabulary, names, synonyms and phrase shapes, from a fixed seed: every corpus speaks the same
    language, so topic words and synonyms mean the same across seeds, as in real news."""

    def __init__(self, seed: int = 1):
        r, rng = random.Random(seed), np.random.default_rng(seed)
        onsets = "b br c ch cl d dr f fl g gr h j k l m n p pl pr r s sh st t tr v w".split() + [""] * 3
        vowels = "a e i o u a e i o u a e o ai ea ou".split()
        codas = ["", "", "", "", "n", "r", "l", "s", "t", "m", "nd", "rt", "st", "ck", "ng"]
        taken = set(FUNCTION_WORDS) | set(NEWS_WORDS)

        def coin(count, syllables, endings, capital=False):
            out = []
            while len(out) < count:
                w = "".join(r.choice(onsets) + r.choice(vowels) + r.choice(codas)
                            for _ in range(r.choice(syllables))) + r.choice(endings)
                if w not in taken and 2 < len(w) < 13:
                    taken.add(w)
                    out.append(w.capitalize() if capital else w)
            return out

        synth = coin(7000, (1, 2, 2, 2, 3), [""] * 8 + ["tion", "ment", "ing", "ed", "er", "al",
                                                   "ity", "ous", "ive", "ly", "ness", "ist"])
        synth.sort(key=lambda w: len(w) + 4 * r.random())  # frequent words are short (Zipf again)
        self.content = NEWS_WORDS + synth
        self.nc = len(self.content)
        self.func = FUNCTION_WORDS
        self.funcset = frozenset(FUNCTION_WORDS)
        self.words = np.array(self.content + self.func + [","], dtype=object)
        self.comma = len(self.words) - 1
        # Topics draw from the middle of the frequency range: shared by articles on one subject,
        # too rare elsewhere to make unrelated articles look alike.
        self.topics = [rng.choice(np.arange(80, 4000), 40, replace=False) for _ in range(60)]
        syn: dict[str, str] = {}
        for pair in REAL_SYNONYMS:
            a, b = pair.split(":")
            syn[a], syn[b] = b, a
        for a, b in zip(synth[0::2], synth[1::2]):  # neighbours in rank: synonyms of like frequency
            if r.random() < 0.75:
                syn[a], syn[b] = b, a
        self.syn = syn
        self.firsts = coin(400, (1, 2), ["", "a", "o", "en", "ia", "us", "el", "ine"], True)
        self.lasts = coin(2500, (1, 2, 2), ["son", "ov", "ez", "berg", "ton", "ski", "elli", "ard",
                                            "", "er", "is"], True)
        self.places = coin(600, (1, 2), ["ia", "a", "burg", "ford", "stan", "ville", "port", "on",
                                         "grad", "ara"], True)
        suffixes = ("Group", "Holdings", "Bank", "Council", "Institute", "University", "Party",
                    "Alliance", "Authority", "Foundation", "Union", "Corporation")
        self.orgs = [f"{r.choice(self.places)} {r.choice(suffixes)}" for _ in range(800)]
        mastheads = ("Herald", "Times", "Post", "Tribune", "Courier", "Gazette", "Observer",
                     "Chronicle", "Daily", "Record", "Ledger", "Review")
        self.outlets = [f"The {p} {mastheads[i % len(mastheads)]}"
                        for i, p in enumerate(self.places[:48])]
        # Phrases of 0-2 function words, 1-3 content words and an occasional comma; a bank of
        # them is sliced per article, so text alternates like English instead of word salad.
        # Each slot of the bank holds where its class's Zipf table starts and how long it is, so
        # drawing a word is one multiply-add and one lookup, vectorised over the whole article.
        k = 150_000
        lens = np.stack([rng.choice(3, k, p=[0.2, 0.5, 0.3]), rng.choice([1, 2, 3], k, p=[0.6, 0.3, 0.1]),
                         rng.random(k) < 0.12], axis=1).ravel()
        cls = np.repeat(np.tile(np.array([0, 1, 2], dtype=np.int8), k), lens)
        self.on_topic = (cls == 1) & (rng.random(len(cls)) < 0.12)
        c_table, f_table = _zipf_table(self.nc, q=8), _zipf_table(len(self.func), q=1)
        self.table = np.concatenate([c_table, f_table + self.nc, [self.comma]])
        nC, nF = len(c_table), len(f_table)
        self.nc_table = nC
        self.bank_base = np.array([nC, 0, nC + nF], dtype=np.float64)[cls]
        self.bank_span = np.array([nF, nC, 0], dtype=np.float64)[cls]
        self.bank_span[self.on_topic] = 0


@lru_cache(maxsize=1)
def _language() -> _Language:
    return _Language()


class _Sent:
    __slots__ = ("body", "form", "lead", "speaker", "verb", "lead_end")

    def __init__(self, body, form=PLAIN, lead=None, speaker=None, verb="said", lead_end=False):
        self.body, self.form, self.lead, self.speaker = body, form, lead, speaker
        self.verb, self.lead_end = verb, lead_end

    def copy(self) -> _Sent:
        return _Sent(list(self.body), self.form, self.lead, self.speaker, self.verb, self.lead_end)

    def render(self, qo: str, qc: str) -> str:
        body = " ".join(self.body).replace(" ,", ",")
        f = self.form
        if f == PLAIN:
            if self.lead is None:  # the common case, inlined
                return body[:1].upper() + body[1:] + "."
            return f"{_cap(body)} {self.lead}." if self.lead_end else f"{_cap(self.lead)}, {body}."
        if f == Q_TRAIL:
            return f"{qo}{_cap(body)},{qc} {self.speaker} {self.verb}."
        if f == Q_LEAD:
            return f"{_cap(self.speaker)} {self.verb}: {qo}{_cap(body)}.{qc}"
        if f == R_TRAIL:
            return f"{_cap(body)}, {self.speaker} {self.verb}."
        if f == R_LEAD:
            return f"{_cap(self.speaker)} {self.verb} that {body}."
        return f"According to {self.speaker}, {body}."


class _Doc:
    """An article before rendering; originals are kept like this in the reservoir so derived
    articles can be made by rewriting sentences rather than by re-parsing text."""
    __slots__ = ("id", "outlet", "title", "sents", "sizes", "topic", "cast", "reuse", "src_range")

    def __init__(self, title, sents, sizes, topic, cast):
        self.title, self.sents, self.sizes, self.topic, self.cast = title, sents, sizes, topic, cast
        self.id = self.outlet = self.reuse = self.src_range = None

    def render(self, curly: bool, offsets: bool = False) -> tuple[str, list[tuple[int, int]]]:
        qo, qc = ("\u201c", "\u201d") if curly else ('"', '"')
        lines, offs, pos, i = [self.title], [], len(self.title) + 1, 0
        for size in self.sizes:
            strs = [s.render(qo, qc) for s in self.sents[i:i + size]]
            i += size
            if offsets:  # sentences are joined by " " within and "\n" between paragraphs
                for st in strs:
                    offs.append((pos, pos + len(st)))
                    pos += len(st) + 1
            lines.append(" ".join(strs))
        return "\n".join(lines), offs


class _Writer:
    def __init__(self, seed: int, words_per_article: int):
        self.L, self.wpa = _language(), words_per_article
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

    def cast(self) -> tuple[list, list, list]:
        L, r = self.L, self.r
        people = [(f"{r.choice(L.firsts)} {last}", last) for last in r.sample(L.lasts, r.randint(2, 4))]
        return people, r.sample(L.places, r.randint(1, 3)), r.sample(L.orgs, r.randint(1, 2))

    def mention(self, cast, seen: set) -> str:
        x, pick = self.r.random(), self.pick
        if x < 0.5:
            full, last = pick(cast[0])
            if full in seen:  # a person is named in full once, then by surname, as in news
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
        if x < 0.8:
            return f"{num(2, 9000):,}"
        return f"{self.pick(MONTHS)} {num(1, 28)}"

    def sentences(self, n_words: int, topic, cast, seen: set) -> list[_Sent]:
        # The hot loop of the generator: scalar draws use random.random() (much cheaper than
        # numpy per call) and word counts are kept by arithmetic rather than by re-splitting.
        r, choice = self.r.random, self.pick
        toks = self.tokens(int(n_words * 1.1) + 60, topic)
        lens = np.clip(self.rng.normal(20, 6.5, n_words // 8 + 2), 8, 35).astype(np.int64).tolist()
        out, pos, words = [], 0, 0
        while words < n_words:
            s, x = _Sent(None), r()
            if x < 0.1:
                s.form = Q_TRAIL if r() < 0.75 else Q_LEAD
            elif x < 0.22:
                s.form = (R_TRAIL, R_TRAIL, R_LEAD, ACCORDING)[int(r() * 4)]
            elif x < 0.36:
                y = r()
                s.lead = (f"in {choice(cast[1])}" if y < 0.4 else f"on {choice(WEEKDAYS)}"
                          if y < 0.65 else f"after the {toks[pos + 1].strip(',') or 'talks'}"
                          if y < 0.85 else f"earlier this {choice(('week', 'month', 'year'))}")
            if s.form != PLAIN:
                s.speaker = self.mention(cast, seen) if r() < 0.55 else choice(ROLES)
                extra = s.speaker.count(" ") + 2 + (s.form in (R_LEAD, ACCORDING))
            else:
                extra = s.lead.count(" ") + 1 if s.lead else 0
            if pos + 60 > len(toks):
                toks += self.tokens(300, topic)
            nb = max(5, (lens[len(out)] if len(out) < len(lens) else 20) - extra)
            body = toks[pos:pos + nb]
            pos += nb
            if body[0] == ",":
                del body[0]
            if body[-1] == ",":
                body.pop()
            wc = extra + len(body) - body.count(",")
            if s.form in QUOTED and r() < 0.5:
                body.insert(0, choice(("we", "I", "this", "our", "it")))
                wc += 1
            if r() < 0.55:
                j, t = int(r() * len(body)), self.mention(cast, seen)
                wc += t.count(" ") + (body[j] == ",")
                body[j] = t
            if r() < 0.2:
                j, t = int(r() * len(body)), self.number()
                wc += t.count(" ") + (body[j] == ",")
                body[j] = t
            if s.form == PLAIN and r() < 0.1:
                body.append(f"on {choice(WEEKDAYS)}")
                wc += 2
            while wc > 35 or body[-1] == ",":
                t = body.pop()
                wc -= t.count(" ") + 1 if t != "," else 0
            if wc < 8:
                more = [t for t in toks[pos:pos + 12] if t != ","][:8 - wc]
                body += more
                pos += 12
                wc += len(more)
            s.body = body
            out.append(s)
            words += wc
        return out

    def sizes(self, n: int) -> list[int]:
        out, r = [], self.r.random
        while n > 0:  # news paragraphs are short: mostly one to three sentences
            x = r()
            k = min(n, 1 if x < 0.25 else 2 if x < 0.6 else 3 if x < 0.85 else 4)
            out.append(k)
            n -= k
        return out

    def title(self, first: _Sent) -> str:
        words = [t for t in first.body if t != ","][: self.r.randint(6, 10)]
        words = [w if w in self.L.funcset else _cap(w) for w in words]
        return _cap(" ".join(words))

    def original(self, n_words: int | None = None) -> _Doc:
        n_words = n_words or int(self.wpa * self.r.uniform(0.7, 1.3))
        topic, cast = self.L.topics[self.r.randrange(len(self.L.topics))], self.cast()
        sents = self.sentences(n_words, topic, cast, set())
        return _Doc(self.title(sents[0]), sents, self.sizes(len(sents)), topic, cast)

    # -- derived text -------------------------------------------------------------------------
    def filler(self, topic) -> str:
        L = self.L
        if self.r.random() < 0.12:
            return L.content[topic[int(self.r.random() * len(topic))]]
        return L.content[L.table[int(self.r.random() * L.nc_table)]]

    def substitute(self, s: _Sent, j: int, topic) -> None:
        t = s.body[j]
        s.body[j] = self.L.syn.get(t) or self.filler(topic)

    def own(self, src: _Doc, n_words: int = 25) -> list[_Sent]:
        return self.sentences(n_words, src.topic, src.cast, set())

    def near_copy(self, src: _Doc) -> _Doc:
        r = self.r
        sents = [s.copy() for s in src.sents]
        for _ in range(r.randint(2, 6)):
            s = r.choice(sents)
            self.substitute(s, r.randrange(len(s.body)), src.topic)
        x = r.random()
        if x < 0.35 and len(sents) > 2:
            del sents[r.randrange(1, len(sents))]
        elif x < 0.7:
            sents.insert(r.randrange(1, len(sents) + 1), self.own(src)[0])
        sizes = list(src.sizes) if len(sents) == len(src.sents) else self.sizes(len(sents))
        return _Doc(src.title, sents, sizes, src.topic, src.cast)

    def light_edit(self, src: _Doc) -> _Doc:
        r, rate = self.r, self.r.uniform(0.10, 0.20)
        sents = [s.copy() for s in src.sents]
        for s in sents:
            # Editors touch short runs of words, so edits come in bursts of 1-3 tokens.
            for _ in range(int(len(s.body) * rate / 1.8 + r.random())):
                j, x = r.randrange(len(s.body)), r.random()
                if x < 0.5:
                    for k in range(j, min(j + r.randint(1, 3), len(s.body))):
                        self.substitute(s, k, src.topic)
                elif x < 0.75:
                    s.body[j:j] = [self.filler(src.topic) for _ in range(r.randint(1, 2))]
                elif len(s.body) > 6:
                    del s.body[j:j + r.randint(1, 2)]
        for _ in range(r.randint(1, 2)):
            sents.insert(r.randrange(1, len(sents) + 1), self.own(src)[0])
        title = src.title if r.random() < 0.5 else self.title(sents[0])
        return _Doc(title, sents, self.sizes(len(sents)), src.topic, src.cast)

    def reword(self, s: _Sent) -> None:
        r, syn = self.r.random, self.L.syn
        p_syn = 0.2 if s.form in QUOTED else 0.85  # rewriters keep quotations mostly verbatim
        body = []
        for t in s.body:
            if t in syn and r() < p_syn:
                t = syn[t]
            elif t in FUNC_SWAPS and r() < 0.6:
                t = FUNC_SWAPS[t]
            elif t in ("the", "that") and r() < 0.35:
                continue
            body.append(t)
        s.body = body or s.body
        f = s.form
        if f in QUOTED:
            s.form = (Q_LEAD if f == Q_TRAIL else Q_TRAIL) if r() < 0.7 else f
        elif f != PLAIN:
            s.form = self.r.choice([g for g in (R_TRAIL, R_LEAD, ACCORDING) if g != f])
        elif s.lead:
            s.lead_end = r() < 0.8
        elif "," in body[3:-3] and r() < 0.5:
            j = body.index(",", 3)  # clause reordering: "A, B" -> "B, A"
            s.body = body[j + 1:] + [","] + body[:j]
        if f != PLAIN and r() < 0.6:
            s.verb = self.r.choice(VERBS)

    def paraphrase(self, src: _Doc) -> _Doc:
        r, out, i, sents = self.r, [], 0, src.sents
        while i < len(sents):
            s, nxt = sents[i].copy(), sents[i + 1] if i + 1 < len(sents) else None
            i += 1
            if (nxt and s.form == nxt.form == PLAIN and not s.lead and not nxt.lead
                    and len(s.body) + len(nxt.body) <= 32 and r.random() < 0.3):
                s.body += [",", r.choice(("and", "while", "as")), *nxt.body]  # merge two sentences
                i += 1
            parts = [s]
            if s.form == PLAIN and len(s.body) >= 22 and r.random() < 0.4:
                j = len(s.body) // 2  # split one long sentence near its middle
                parts = [_Sent(s.body[:j], lead=s.lead), _Sent(s.body[j:])]
            for p in parts:
                self.reword(p)
                if p.body[-1] == ",":
                    p.body.pop()
                if p.body[0] == ",":
                    del p.body[0]
            out += parts
            if r.random() < 0.12:
                out += self.own(src)[:1]
        title = [self.L.syn.get(w.lower(), w) for w in src.title.split()]
        return _Doc(_cap(" ".join(title)), out, self.sizes(len(out)), src.topic, src.cast)

    def partial(self, src: _Doc) -> _Doc:
        r = self.r
        total, frac = int(self.wpa * r.uniform(0.7, 1.3)), r.uniform(0.2, 0.5)
        a = b = r.randrange(len(src.sents))
        words = 0
        while b < len(src.sents) and words < frac * total:
            words += len(src.sents[b].body) + 2
            b += 1
        passage = [s.copy() for s in src.sents[a:b]]
        for _ in range(r.randint(0, 3)):
            s = r.choice(passage)
            self.substitute(s, r.randrange(len(s.body)), src.topic)
        # The rest is another story on the same subject, as in a roundup quoting a wire report.
        new = self.original(max(30, int(words * (1 - frac) / frac)))
        cut = r.randrange(len(new.sents) + 1)
        sents = new.sents[:cut] + passage + new.sents[cut:]
        doc = _Doc(new.title, sents, self.sizes(len(sents)), src.topic, new.cast)
        doc.reuse, doc.src_range = (cut, cut + len(passage)), (a, b)
        return doc


def generate(n_articles: int, seed: int = 2022, words_per_article: int = 600,
             planted_fraction: float = 0.1, reservoir: int = 1000) -> Iterator[GeneratedArticle]:
    """Yield `n_articles` articles in publication order; about `planted_fraction` of them are
    derived from an earlier original still among the last `reservoir` originals."""
    w = _Writer(seed, words_per_article)
    r = w.r
    width = max(6, len(str(n_articles - 1)))
    outlets = w.L.outlets
    ring: list[_Doc] = []  # bounded, so a 100k stream runs in constant memory
    n_originals = 0
    when = START
    derive = {"near-copy": w.near_copy, "light-edit": w.light_edit,
              "paraphrase": w.paraphrase, "partial": w.partial}
    for i in range(n_articles):
        when += timedelta(seconds=r.randint(30, 900))  # strictly increasing: sources are earlier
        kind = r.choice(DERIVED_KINDS) if ring and r.random() < planted_fraction else "original"
        src = ring[r.randrange(len(ring))] if kind != "original" else None
        doc = derive[kind](src) if src else w.original()
        doc.id = f"gen/{i:0{width}d}.txt"
        doc.outlet = r.randrange(len(outlets))
        if src and doc.outlet == src.outlet:
            doc.outlet = (doc.outlet + 1) % len(outlets)
        # House style: most outlets use curly quotes.
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
                   help="jsonl: OUT/articles.jsonl; txt: OUT/gen/*.txt plus OUT/meta.jsonl")
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    as_txt = a.format == "txt"
    if as_txt:
        (a.out / "gen").mkdir(exist_ok=True)
    t0 = time.perf_counter()
    with (open(a.out / ("meta.jsonl" if as_txt else "articles.jsonl"), "w", encoding="utf-8", newline="\n") as f,
          open(a.out / "truth.jsonl", "w", encoding="utf-8", newline="\n") as truth):
        for art in generate(a.n, a.seed, a.words, a.planted):
            row = {"id": art.id, "text": art.text, "title": art.title, "outlet": art.outlet,
                   "published": art.published, "kind": art.kind, "source_id": art.source_id}
            if as_txt:
                del row["text"]
                (a.out / art.id).write_text(art.text + "\n", encoding="utf-8", newline="\n")
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            truth.write(json.dumps(art.ground_truth, ensure_ascii=False) + "\n")
    dt = time.perf_counter() - t0
    print(f"wrote {a.n} articles to {a.out} in {dt:.2f} s ({a.n / dt:,.0f} articles/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
