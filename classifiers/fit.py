"""Fitting a model bundle: features, the three label models, the language model, thresholds.

The calibration (category temperature, alert Platt sigmoid) and the alert
thresholds are chosen on out-of-fold predictions of a group-wise
cross-validation of the training rows, never on the frozen test split.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from classifiers.features import Weighting, fit_idf, raw_counts
from classifiers.lexicon import Lexicon, read_lexicon_files
from classifiers.model import BUNDLE_FORMAT, ReportClassifier, sigmoid, softmax
from classifiers.taxonomy import PRECEDENCE, is_alert_worthy
from classifiers.text import normalise


@dataclass(frozen=True)
class FitSettings:
    """Hyper-parameters, chosen by group-wise cross-validation on the training split."""

    c: float = 0.5
    lang_c: float = 0.5
    min_df: int = 2
    cue_scale: float = 1.0
    # Everyday traffic dominates real streams: weigh it up so the alert model learns that prior.
    everyday_weight: float = 3.0
    hard_negative_weight: float = 1.0
    target_recall: float = 0.98
    severe_recall: float = 0.99
    # Beside a trap cue ("we remember", "all calm", "no one was hurt") the model must be surer than not.
    trap_threshold: float = 0.5
    folds: int = 5


def _design(rows: Sequence[dict[str, Any]], entries: Sequence[str], settings: FitSettings) -> tuple[dict[str, Any], sparse.csr_matrix, sparse.csr_matrix]:
    """Arrays for the bundle, the n-gram matrix and the full design matrix (n-grams, scaled cues)."""
    clean = [normalise(str(r["text"])) for r in rows]
    counts = raw_counts(clean)
    columns, idf = fit_idf(counts, settings.min_df)
    ngrams = Weighting(columns, idf).transform(counts)
    lexicon = Lexicon(entries)
    cues = lexicon.matrix([lexicon.find(t) for t in clean]) * settings.cue_scale
    return {"columns": columns, "idf": idf}, ngrams, sparse.hstack([ngrams, sparse.csr_matrix(cues)], format="csr")


def _svm(c: float, x: sparse.csr_matrix, y: np.ndarray, weights: np.ndarray | None = None, balanced: bool = False) -> LinearSVC:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LinearSVC(C=c, class_weight="balanced" if balanced else None, max_iter=5000).fit(x, y, sample_weight=weights)


def fit_core(rows: Sequence[dict[str, Any]], settings: FitSettings, entries: Sequence[str]) -> dict[str, Any]:
    """A bundle with neutral calibration and thresholds: what cross-validation folds need."""
    arrays, ngrams, design = _design(rows, entries, settings)
    categories = np.array([str(r["category"]) for r in rows])
    severity = np.array([int(r["severity"]) for r in rows])
    alert = np.array([is_alert_worthy(s) for s in severity])
    kind_weight = {"everyday": settings.everyday_weight, "hard_negative": settings.hard_negative_weight}
    weights = np.array([kind_weight.get(str(r.get("kind")), 1.0) for r in rows])
    cat_model = _svm(settings.c, design, categories, balanced=True)
    alert_model = _svm(settings.c, design, alert, weights)
    critical = severity[alert] == 3
    crit_coef, crit_intercept = np.zeros(design.shape[1]), np.array([1.0 if critical.mean() >= 0.5 else -1.0])
    if 0 < critical.sum() < len(critical):
        crit_model = _svm(settings.c, design[alert], critical)
        crit_coef, crit_intercept = crit_model.coef_[0], crit_model.intercept_
    lang_model = _svm(settings.lang_c, ngrams, np.array([str(r["lang"]) for r in rows]))
    coef = np.vstack([cat_model.coef_ if len(cat_model.classes_) > 2 else np.vstack([-cat_model.coef_, cat_model.coef_]), alert_model.coef_, crit_coef])
    intercept = np.r_[cat_model.intercept_ if len(cat_model.classes_) > 2 else [-cat_model.intercept_[0], cat_model.intercept_[0]], alert_model.intercept_, crit_intercept]
    # The model reads unscaled cue indicators; fold the training scale into their weights.
    coef[:, ngrams.shape[1] :] *= settings.cue_scale
    return {
        "format": BUNDLE_FORMAT,
        **arrays,
        "lexicon": list(entries),
        "categories": [str(c) for c in cat_model.classes_],
        "coef": coef.astype(np.float32),
        "intercept": intercept.astype(np.float32),
        "lang_coef": lang_model.coef_.astype(np.float32) if len(lang_model.classes_) > 2 else np.vstack([-lang_model.coef_, lang_model.coef_]).astype(np.float32),
        "lang_intercept": (lang_model.intercept_ if len(lang_model.classes_) > 2 else np.r_[-lang_model.intercept_, lang_model.intercept_]).astype(np.float32),
        "langs": [str(c) for c in lang_model.classes_],
        "temperature": 1.0,
        "platt_a": 1.0,
        "platt_b": 0.0,
        "alert_threshold": 0.5,
        "severe_threshold": 0.5,
        "trap_threshold": 0.5,
        "precedence": list(PRECEDENCE),
    }


@dataclass(frozen=True)
class OutOfFold:
    """Cross-validated raw scores for every training row."""

    category: np.ndarray
    categories: list[str]
    alert: np.ndarray
    severe: np.ndarray
    trapped: np.ndarray


def out_of_fold(rows: Sequence[dict[str, Any]], settings: FitSettings, entries: Sequence[str]) -> OutOfFold:
    """Group-wise cross-validated scores (a row's variants never sit in its own training fold)."""
    groups = [str(r.get("group") or r["id"]) for r in rows]
    categories = sorted({str(r["category"]) for r in rows})
    category = np.full((len(rows), len(categories)), -10.0)
    alert = np.zeros(len(rows))
    severe = np.zeros(len(rows), dtype=bool)
    trapped = np.zeros(len(rows), dtype=bool)
    folds = min(settings.folds, len(set(groups)))
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(rows, groups=groups):
        fold = ReportClassifier(fit_core([rows[i] for i in train_idx], settings, entries))
        ngrams, cues, hits = fold.features.transform([normalise(str(rows[i]["text"])) for i in test_idx])
        raw = fold.scores(ngrams, cues)
        for j, name in enumerate(fold.categories):
            category[test_idx, categories.index(name)] = raw.category[:, j]
        alert[test_idx] = raw.alert
        severe[test_idx] = [bool(h.severe) for h in hits]
        trapped[test_idx] = [h.trapped for h in hits]
    return OutOfFold(category, categories, alert, severe, trapped)


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature minimising the log loss of out-of-fold category scores."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(5.0), 80))
    losses = [-np.log(softmax(scores, t)[np.arange(len(truth)), truth] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])


def fit_platt(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Sigmoid calibration of out-of-fold alert scores."""
    if positive.all() or not positive.any():
        return 1.0, 0.0
    model = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), positive)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def recall_threshold(alert_p: np.ndarray, positive: np.ndarray, target: float) -> float:
    """The highest threshold (at most 0.5) whose recall on ``positive`` rows is at least ``target``."""
    if not positive.any():
        return 0.5
    ranked = np.sort(alert_p[positive])
    allowed_misses = int(np.floor((1.0 - target) * len(ranked)))
    return float(min(0.5, ranked[allowed_misses]))


def decide_alerts(alert_p: np.ndarray, severe: np.ndarray, trapped: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """The model's alert rule: a strong severe word lowers the bar, a trap cue raises it."""
    bar = np.where(trapped, np.maximum(thresholds["trap_threshold"], thresholds["alert_threshold"]), thresholds["alert_threshold"])
    return alert_p >= np.where(severe, np.minimum(bar, thresholds["severe_threshold"]), bar)


def calibrate(rows: Sequence[dict[str, Any]], oof: OutOfFold, settings: FitSettings) -> dict[str, float]:
    """Temperature, Platt parameters and alert thresholds from out-of-fold scores."""
    truth = np.array([oof.categories.index(str(r["category"])) for r in rows])
    positive = np.array([is_alert_worthy(int(r["severity"])) for r in rows])
    a, b = fit_platt(oof.alert, positive)
    alert_p = sigmoid(a * oof.alert + b)
    severe_threshold = recall_threshold(alert_p[oof.severe], positive[oof.severe], settings.severe_recall) if oof.severe.any() else 0.5
    # The highest base threshold that, with the severe-word and trap rules, keeps recall at the target.
    chosen = 0.0
    for candidate in sorted({0.5, *np.round(alert_p[positive], 6).tolist()}):
        thresholds = {"alert_threshold": candidate, "severe_threshold": min(candidate, severe_threshold), "trap_threshold": settings.trap_threshold}
        if candidate <= 0.5 and decide_alerts(alert_p, oof.severe, oof.trapped, thresholds)[positive].mean() >= settings.target_recall:
            chosen = float(candidate)
    return {
        "temperature": fit_temperature(oof.category, truth),
        "platt_a": a,
        "platt_b": b,
        "alert_threshold": chosen,
        "severe_threshold": min(chosen, severe_threshold),
        "trap_threshold": max(chosen, settings.trap_threshold),
    }


def train_bundle(rows: Sequence[dict[str, Any]], settings: FitSettings | None = None, entries: Sequence[str] | None = None, tune: bool = True) -> dict[str, Any]:
    """Fit on ``rows``; with ``tune``, calibration and thresholds come from group-wise cross-validation."""
    settings = settings or FitSettings()
    entries = list(entries) if entries is not None else read_lexicon_files()
    bundle = fit_core(rows, settings, entries)
    if tune:
        bundle.update(calibrate(rows, out_of_fold(rows, settings, entries), settings))
    return bundle
