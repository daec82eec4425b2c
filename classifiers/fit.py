"""Fitting a model bundle: features, the label model, the language model, thresholds.

Thresholds and the temperature that calibrates probabilities are chosen on
out-of-fold predictions of a group-wise cross-validation of the training rows,
never on the frozen test split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from classifiers.features import Weighting, fit_idf, raw_counts
from classifiers.lexicon import Lexicon, read_lexicon_files
from classifiers.model import BUNDLE_FORMAT, joint_label, softmax
from classifiers.taxonomy import PRECEDENCE, is_alert_worthy
from classifiers.text import normalise


@dataclass(frozen=True)
class FitSettings:
    """Hyper-parameters, chosen by group-wise cross-validation on the training split."""

    c: float = 20.0
    lang_c: float = 10.0
    min_df: int = 2
    cue_scale: float = 0.5
    other_weight: float = 1.0
    target_recall: float = 0.97
    severe_recall: float = 0.99
    folds: int = 5


def _design(rows: Sequence[dict[str, Any]], entries: Sequence[str], min_df: int, cue_scale: float) -> tuple[dict[str, Any], sparse.csr_matrix, sparse.csr_matrix]:
    """Arrays for the bundle, the n-gram matrix and the full design matrix."""
    clean = [normalise(str(r["text"])) for r in rows]
    counts = raw_counts(clean)
    columns, idf = fit_idf(counts, min_df)
    ngrams = Weighting(columns, idf).transform(counts)
    lexicon = Lexicon(entries)
    cues = lexicon.matrix([lexicon.find(t) for t in clean]) * cue_scale
    design = sparse.hstack([ngrams, sparse.csr_matrix(cues)], format="csr")
    return {"columns": columns, "idf": idf}, ngrams, design


def _label_model(design: sparse.csr_matrix, labels: Sequence[str], settings: FitSettings) -> LogisticRegression:
    weights = np.array([settings.other_weight if label.startswith("other|") else 1.0 for label in labels])
    model = LogisticRegression(C=settings.c, max_iter=2000)
    return model.fit(design, labels, sample_weight=weights)


def fit_core(rows: Sequence[dict[str, Any]], settings: FitSettings, entries: Sequence[str]) -> dict[str, Any]:
    """A bundle with default thresholds: what cross-validation folds need."""
    arrays, ngrams, design = _design(rows, entries, settings.min_df, settings.cue_scale)
    labels = [joint_label(r["category"], int(r["severity"])) for r in rows]
    model = _label_model(design, labels, settings)
    lang_model = LogisticRegression(C=settings.lang_c, max_iter=2000).fit(ngrams, [str(r["lang"]) for r in rows])
    coef = model.coef_ * np.r_[np.ones(ngrams.shape[1]), np.full(design.shape[1] - ngrams.shape[1], settings.cue_scale)]
    return {
        "format": BUNDLE_FORMAT,
        **arrays,
        "lexicon": list(entries),
        "labels": [str(c) for c in model.classes_],
        "coef": coef.astype(np.float32),
        "intercept": model.intercept_.astype(np.float32),
        "lang_coef": lang_model.coef_.astype(np.float32),
        "lang_intercept": lang_model.intercept_.astype(np.float32),
        "langs": [str(c) for c in lang_model.classes_],
        "temperature": 1.0,
        "alert_threshold": 0.5,
        "severe_threshold": 0.5,
        "precedence": list(PRECEDENCE),
    }


def out_of_fold_scores(rows: Sequence[dict[str, Any]], settings: FitSettings, entries: Sequence[str]) -> tuple[np.ndarray, list[str], list[bool]]:
    """Group-wise cross-validated raw scores for every row, their label order, and severe-word flags."""
    from classifiers.model import ReportClassifier

    groups = [str(r.get("group") or r["id"]) for r in rows]
    all_labels = sorted({joint_label(r["category"], int(r["severity"])) for r in rows})
    scores = np.full((len(rows), len(all_labels)), -1e4, dtype=np.float64)
    severe = [False] * len(rows)
    for train_idx, test_idx in GroupKFold(n_splits=settings.folds).split(rows, groups=groups):
        fold = ReportClassifier(fit_core([rows[i] for i in train_idx], settings, entries))
        clean = [normalise(str(rows[i]["text"])) for i in test_idx]
        ngrams, cues, hits = fold.features.transform(clean)
        fold_scores = fold.scores(ngrams, cues)
        for j, label in enumerate(fold._classes):
            scores[test_idx, all_labels.index(label)] = fold_scores[:, j]
        for i, h in zip(test_idx, hits):
            severe[i] = bool(h.severe)
    return scores, all_labels, severe


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature minimising log loss of out-of-fold predictions."""
    grid = np.exp(np.linspace(np.log(0.3), np.log(5.0), 60))
    losses = [-np.log(softmax(scores, t)[np.arange(len(truth)), truth] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])


def recall_threshold(alert_p: np.ndarray, positive: np.ndarray, target: float) -> float:
    """The highest threshold whose recall on ``positive`` rows is at least ``target``."""
    if not positive.any():
        return 0.5
    ranked = np.sort(alert_p[positive])
    allowed_misses = int(np.floor((1.0 - target) * len(ranked)))
    return float(min(0.5, ranked[allowed_misses]))


def choose_thresholds(rows: Sequence[dict[str, Any]], scores: np.ndarray, labels: list[str], severe: list[bool], settings: FitSettings) -> dict[str, float]:
    """Temperature, alert threshold and severe-word threshold from out-of-fold scores."""
    truth = np.array([labels.index(joint_label(r["category"], int(r["severity"]))) for r in rows])
    temperature = fit_temperature(scores, truth)
    proba = softmax(scores, temperature)
    alert_mask = np.array([is_alert_worthy(int(label.rsplit("|", 1)[1])) for label in labels])
    alert_p = proba[:, alert_mask].sum(axis=1)
    positive = np.array([is_alert_worthy(int(r["severity"])) for r in rows])
    threshold = recall_threshold(alert_p, positive, settings.target_recall)
    severe_rows = np.array(severe)
    severe_threshold = min(threshold, recall_threshold(alert_p[severe_rows], positive[severe_rows], settings.severe_recall)) if severe_rows.any() else threshold
    return {"temperature": temperature, "alert_threshold": threshold, "severe_threshold": severe_threshold}


def train_bundle(rows: Sequence[dict[str, Any]], settings: FitSettings | None = None, entries: Sequence[str] | None = None, tune: bool = True) -> dict[str, Any]:
    """Fit on ``rows``; with ``tune``, thresholds and temperature come from group-wise cross-validation."""
    settings = settings or FitSettings()
    entries = list(entries) if entries is not None else read_lexicon_files()
    bundle = fit_core(rows, settings, entries)
    if tune:
        scores, labels, severe = out_of_fold_scores(rows, settings, entries)
        bundle.update(choose_thresholds(rows, scores, labels, severe, settings))
    return bundle
