"""The sentence matcher (provenance.align) as a paraphrase classifier on the MSRP training part.

Prints, for the score the tool ships (align.score_texts): ROC AUC, and accuracy / F1 at the
threshold chosen by 10-fold cross-validation (in each fold the threshold that maximises accuracy
on the nine other folds is applied to the held-out fold; the single threshold reported is the
median of the ten). Also the figures of refitting the logistic weights inside each fold (an honest
estimate for the fitted weights, which the shipped constants were fitted on all of this part),
and the majority class. With --fit it prints the weights fitted on the whole part, the constants
stored in align.py.

Usage: .venv/bin/python benchmarks/eval_msrp.py [DATA_DIR] [--out FILE] [--fit]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import binary_measures, data_folder_or_skip, roc_auc, table, write_figures  # noqa: E402

from provenance import Settings  # noqa: E402
from provenance.align import FEATURES, MIN_WORDS, combine, pair_features, score_texts  # noqa: E402
from provenance.text import content_units, tokenize  # noqa: E402

FOLDS = 10
L2 = 1.0  # ridge penalty of the logistic fit (weights only, not the intercept)
GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


def read_pairs(path: Path) -> list[tuple[bool, str, str]]:
    pairs = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        next(fh)  # header
        for line in fh:
            line = line.rstrip("\r\n")
            if line:
                quality, _, _, a, b = line.split("\t")
                pairs.append((quality == "1", a, b))
    return pairs


def features_of(a: str, b: str) -> tuple[float, ...] | None:
    ta, tb = tokenize(a), tokenize(b)
    wa, wb = tuple(t.text for t in ta), tuple(t.text for t in tb)
    if min(len(wa), len(wb)) < MIN_WORDS:
        return None
    return pair_features(wa, wb, frozenset(content_units(ta)), frozenset(content_units(tb)))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 30) -> np.ndarray:
    """Weights (last = intercept) of an L2-penalised logistic regression, by Newton's method."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x1.shape[1])
    penalty = np.diag(np.r_[np.full(x.shape[1], l2), 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x1 @ w)))
        gradient = x1.T @ (p - y) + penalty @ w
        hessian = (x1 * (p * (1 - p))[:, None]).T @ x1 + penalty
        w -= np.linalg.solve(hessian, gradient)
    return w


def predict(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ w)))


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    accs = [binary_measures(scores >= t, y)["accuracy"] for t in GRID]
    return float(GRID[int(np.argmax(accs))])  # first (lowest) of equal maxima


def cross_validate(scores: np.ndarray | None, x: np.ndarray, y: np.ndarray, folds: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Held-out decisions and scores; with scores=None the logistic weights are refitted per fold."""
    decided = np.zeros(len(y), dtype=bool)
    held = np.zeros(len(y))
    thresholds = []
    for k in range(FOLDS):
        train, test = folds != k, folds == k
        if scores is None:
            w = fit_logistic(x[train], y[train].astype(float))
            train_scores, test_scores = predict(x[train], w), predict(x[test], w)
        else:
            train_scores, test_scores = scores[train], scores[test]
        t = best_threshold(train_scores, y[train])
        thresholds.append(t)
        decided[test] = test_scores >= t
        held[test] = test_scores
    return decided, held, thresholds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", help="msrp folder (default ../shared/data/msrp)")
    parser.add_argument("--out", help="JSON figures file (default benchmarks/results/msrp.json)")
    parser.add_argument("--fit", action="store_true", help="print the weights fitted on the whole part")
    args = parser.parse_args(argv)
    folder = data_folder_or_skip(args.data, "msrp", ["msr_paraphrase_train.txt"])
    if folder is None:
        return 0
    pairs = read_pairs(folder / "msr_paraphrase_train.txt")
    y = np.array([p[0] for p in pairs], dtype=bool)
    tool = np.array([score_texts(a, b) for _, a, b in pairs])
    feats = [features_of(a, b) for _, a, b in pairs]
    # Pairs with a side under MIN_WORDS words are scored by edit ratio alone; none occur in MSRP,
    # but keep them out of the refit if they do.
    usable = np.array([f is not None for f in feats])
    x = np.array([f if f is not None else (0.0,) * len(FEATURES) for f in feats])
    folds = np.arange(len(y)) % FOLDS  # fixed, interleaved folds: deterministic

    decided, _, thresholds = cross_validate(tool, x, y, folds)
    shipped = binary_measures(decided, y)
    threshold = float(np.median(thresholds))
    at_median = binary_measures(tool >= threshold, y)
    settings = Settings()
    at_pipeline = binary_measures(tool >= settings.paraphrase, y)
    refit_decided, refit_scores, refit_thresholds = cross_validate(None, x[usable], y[usable], folds[usable])
    refit = binary_measures(refit_decided, y[usable])
    majority = binary_measures(np.ones(len(y), dtype=bool), y)
    figures = {
        "pairs": len(y), "paraphrases": int(y.sum()), "folds": FOLDS,
        "majority_class": {"accuracy": majority["accuracy"], "f1": majority["f1"]},
        "tool_score": {"auc": roc_auc(tool, y), "cv": shipped, "cv_thresholds": thresholds,
                       "threshold": threshold, "at_threshold": at_median,
                       "pipeline_paraphrase_threshold": settings.paraphrase,
                       "at_pipeline_threshold": at_pipeline},
        "refit_per_fold": {"auc": roc_auc(refit_scores, y[usable]), "cv": refit,
                           "cv_thresholds": refit_thresholds},
        "features": list(FEATURES),
        "feature_auc": {name: roc_auc(x[:, i], y) for i, name in enumerate(FEATURES)},
    }
    print(f"MSRP training part: {len(y)} pairs, {int(y.sum())} paraphrases; {FOLDS}-fold cross-validation")
    print(table([
        ("majority class (always paraphrase)", "-", majority["accuracy"], majority["f1"], "-"),
        ("tool score, CV threshold per fold", "/".join(f"{t:.2f}" for t in sorted(set(thresholds))),
         shipped["accuracy"], shipped["f1"], figures["tool_score"]["auc"]),
        ("tool score at the CV median threshold", f"{threshold:.2f}", at_median["accuracy"], at_median["f1"],
         figures["tool_score"]["auc"]),
        ("tool score at settings.paraphrase", f"{settings.paraphrase:.2f}", at_pipeline["accuracy"],
         at_pipeline["f1"], figures["tool_score"]["auc"]),
        ("weights refitted in each fold", "/".join(f"{t:.2f}" for t in sorted(set(refit_thresholds))),
         refit["accuracy"], refit["f1"], figures["refit_per_fold"]["auc"]),
    ], ["classifier", "threshold", "accuracy", "F1", "AUC"]))
    if args.fit:
        w = fit_logistic(x[usable], y[usable].astype(float))
        print("\nfitted on all pairs (paste into align.py):")
        print("WEIGHTS = (" + ", ".join(f"{v:.3f}" for v in w[:-1]) + ")")
        print(f"INTERCEPT = {w[-1]:.3f}")
        check = float(np.max(np.abs(predict(x[usable], w) - np.array([combine(tuple(r)) for r in x[usable]]))))
        print(f"largest difference from the shipped combine(): {check:.4f}")
    print(f"\nfigures written to {write_figures('msrp', figures, args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
