"""Helpers shared by the accuracy benchmarks: data folders, measures, tables, JSON figures.

Each benchmark takes its data folder as an argument (default ../shared/data/<name> relative to the
project root), prints a table and writes its figures as JSON (sorted keys, rounded floats, no
timings unless asked), so two runs give the same bytes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def default_data(name: str) -> Path:
    return ROOT.parent / "shared" / "data" / name


def data_folder_or_skip(path: str | None, name: str, required: Sequence[str]) -> Path | None:
    """The data folder, or None after printing why the benchmark is skipped (missing data)."""
    folder = Path(path) if path else default_data(name)
    missing = [r for r in required if not (folder / r).exists()]
    if missing:
        print(f"skipped: {name} data not found at {folder} (missing {', '.join(missing)}); "
              f"give the folder as the first argument", file=sys.stderr)
        return None
    return folder


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Area under the ROC curve: the probability that a random positive outscores a random
    negative, ties counting one half (Mann-Whitney U over average ranks)."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=float)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def binary_measures(predicted: Sequence[bool], actual: Sequence[bool]) -> dict[str, float | int]:
    p = np.asarray(predicted, dtype=bool)
    a = np.asarray(actual, dtype=bool)
    tp, fp = int((p & a).sum()), int((p & ~a).sum())
    fn, tn = int((~p & a).sum()), int((~p & ~a).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "accuracy": (tp + tn) / max(1, len(p)),
            "precision": precision, "recall": recall, "f1": f1}


def rounded(value: object, digits: int = 4) -> object:
    """Floats rounded (so the JSON file is stable to the printed digit), recursively."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


def write_figures(name: str, figures: dict[str, object], out: str | None = None) -> Path:
    path = Path(out) if out else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rounded(figures), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain fixed-width table (fits 80 columns for the benchmarks' few columns)."""
    cells = [[str(h) for h in header]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def corpus_articles(folder: Path) -> Path:
    """The articles of a corpus written by corpus_gen.py: FOLDER/corpus/articles.jsonl (or, for
    a corpus written before the truth moved out of it, FOLDER/articles.jsonl)."""
    inside = Path(folder) / "corpus" / "articles.jsonl"
    return inside if inside.exists() else Path(folder) / "articles.jsonl"
