"""The report classifier: linear models on hashed n-grams and lexicon cues, and a boosted gate.

Five linear models share one sparse feature matrix: the category (calibrated
by a softmax temperature), alert-worthiness (severity >= 2), whether a message
is a report at all rather than everyday traffic, critical severity among
alert-worthy reports, and the joint category-and-severity label ("crime at 1",
"crime at 2", "other, everyday"...), which draws the severity borders one
category at a time where a single alert hyperplane cannot. A small gradient
boosted gate reads all their scores beside the lexicon cues and the message
length, and gives the calibrated probability that the message is alert-worthy;
it learns interactions a linear model cannot ("killed", but beside "we
remember" or "no one was"; a weapon and an injury beside a dispute).

Alert-worthiness is decided first, against a threshold chosen for recall. A
strong severe word with no trap cue beside it lowers that threshold and, if
the model still says no, marks the report for review. The category
is then chosen among those the taxonomy allows on that side: the most severe,
by precedence, of those nearly as likely as the likeliest, since a report
carrying several signals takes the most severe. A model is a bundle of plain
arrays and strings plus the scikit-learn gate (see ``classifiers.fit``), so it
serialises with skops, without pickle, and loads in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifiers.features import Weighting, raw_counts
from classifiers.langid import LanguageIdentifier
from classifiers.lexicon import Hits, Lexicon
from classifiers.taxonomy import ALERT_SEVERITY, ALLOWED_SEVERITY, PRECEDENCE, clamp_severity
from classifiers.text import normalise

BUNDLE_FORMAT = 5


@dataclass(frozen=True)
class Prediction:
    """What the classifier says about one text, and why."""

    category: str
    severity: int
    confidence: float
    lang: str
    probabilities: dict[str, float] = field(default_factory=dict)
    alert_probability: float = 0.0
    lexicon_hits: list[str] = field(default_factory=list)
    review: bool = False


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise probabilities from scores; the temperature is what calibrates them."""
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class Featuriser:
    """Normalised texts to the model's inputs: tf-idf n-grams, lexicon cues, lexicon hits."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        self.weighting = Weighting(bundle["columns"], bundle["idf"])
        self.lexicon = Lexicon(bundle["lexicon"])

    def transform(self, clean: Sequence[str]) -> tuple[Any, np.ndarray, list[Hits]]:
        """(n-gram matrix, lexicon cue matrix, lexicon hits) for already normalised texts."""
        ngrams = self.weighting.transform(raw_counts(clean))
        hits = [self.lexicon.find(t) for t in clean]
        return ngrams, self.lexicon.matrix(hits), hits


def pick_rows_by_precedence(p: np.ndarray, rank: np.ndarray, ratio: float) -> np.ndarray:
    """Per row, the most severe category (TAXONOMY.md precedence) among those at least ``ratio`` times as likely as the likeliest."""
    close = p >= ratio * p.max(axis=1, keepdims=True)
    return np.argmin(np.where(close, rank[None, :], np.iinfo(np.int64).max), axis=1)


def side_masked(proba: np.ndarray, alert: np.ndarray, can_alert: np.ndarray, can_rest: np.ndarray) -> np.ndarray:
    """Each row's probabilities of the categories the taxonomy allows on its side of the alert decision; the others zero."""
    return np.where(np.where(alert[:, None], can_alert, can_rest), proba, 0.0)


def pick_by_precedence(p: np.ndarray, rank: np.ndarray, ratio: float) -> int:
    """``pick_rows_by_precedence`` for one row of probabilities."""
    return int(pick_rows_by_precedence(p[None, :], rank, ratio)[0])


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic link from an alert margin to a probability (untuned models, which have no gate)."""
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Scores:
    """Raw linear scores of a batch: categories (n x k), alert (n), critical (n), report (n), joint labels (n x j)."""

    category: np.ndarray
    alert: np.ndarray
    critical: np.ndarray
    report: np.ndarray
    joint: np.ndarray


def gate_inputs(raw: Scores, cues: np.ndarray, clean: Sequence[str]) -> np.ndarray:
    """The gate's dense inputs: every linear score, the lexicon cues and the length in words."""
    length = np.array([[len(t.split())] for t in clean], dtype=np.float64)
    return np.hstack([raw.joint, raw.category, raw.alert[:, None], raw.report[:, None], cues, length])


class ReportClassifier:
    """A trained model plus its decision thresholds; pure, no I/O."""

    def __init__(self, bundle: dict[str, Any], version: str = "unsaved") -> None:
        if int(bundle.get("format", 0)) != BUNDLE_FORMAT:
            raise ValueError(f"model bundle format {bundle.get('format')!r} is not {BUNDLE_FORMAT}")
        self.version = version
        self.features = Featuriser(bundle)
        self.categories = [str(c) for c in bundle["categories"]]
        # Rows: the categories, then alert, critical, report, then the joint labels; columns: n-grams, then lexicon cues.
        self.coef = np.asarray(bundle["coef"], dtype=np.float32)
        self.intercept = np.asarray(bundle["intercept"], dtype=np.float32)
        self.temperature = float(bundle["temperature"])
        self.joint_classes = [str(c) for c in bundle["joint_classes"]]
        self.gate = bundle.get("gate")
        # Each category's joint labels ("crime:1", "crime:2"): their best score adds to the category's own.
        self._joint_members = [np.array([j for j, name in enumerate(self.joint_classes) if name.split(":")[0] == c], dtype=int) for c in self.categories]
        self.alert_threshold = float(bundle["alert_threshold"])
        self.severe_threshold = float(bundle["severe_threshold"])
        self.precedence_ratio = float(bundle["precedence_ratio"])
        self.langid = LanguageIdentifier(bundle["lang_coef"], bundle["lang_intercept"], list(bundle["langs"]))
        self._width = self.features.weighting.width
        self._can_alert = np.array([max(ALLOWED_SEVERITY[c]) >= ALERT_SEVERITY for c in self.categories])
        self._can_rest = np.array([min(ALLOWED_SEVERITY[c]) < ALERT_SEVERITY for c in self.categories])
        self._rank = np.array([PRECEDENCE.index(c) for c in self.categories])

    def scores(self, ngrams: Any, cues: np.ndarray) -> Scores:
        """Raw linear scores of every model for a featurised batch."""
        raw = np.asarray(ngrams @ self.coef[:, : self._width].T) + cues @ self.coef[:, self._width :].T + self.intercept
        k = len(self.categories)
        return Scores(raw[:, :k], raw[:, k], raw[:, k + 1], raw[:, k + 2], raw[:, k + 3 :])

    def category_scores(self, raw: Scores) -> np.ndarray:
        """Category scores: the category model's plus the best of that category's joint labels."""
        best_joint = np.stack([raw.joint[:, m].max(axis=1) if len(m) else np.zeros(len(raw.joint)) for m in self._joint_members], axis=1)
        return raw.category + best_joint

    def alert_probability(self, raw: Scores, cues: np.ndarray, clean: Sequence[str]) -> np.ndarray:
        """Calibrated probability that a message is alert-worthy: the gate's, or (untuned models) the alert margin's sigmoid."""
        if self.gate is None:
            return sigmoid(raw.alert)
        return self.gate.predict_proba(gate_inputs(raw, cues, clean))[:, 1]

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label every text; texts without letters or digits are 'other' with full confidence."""
        if not texts:
            return []
        clean = [normalise(t) for t in texts]
        ngrams, cues, hits = self.features.transform(clean)
        raw = self.scores(ngrams, cues)
        proba = softmax(self.category_scores(raw), self.temperature)
        alert_p = self.alert_probability(raw, cues, clean)
        langs = self.langid.identify(clean, ngrams)
        decision = self._decide(proba, alert_p, hits)
        out: list[Prediction] = []
        for i, text in enumerate(clean):
            if not any(ch.isalnum() for ch in text):
                out.append(Prediction("other", 0, 1.0, "und", {"other": 1.0}))
                continue
            category = self.categories[decision.best[i]]
            alert = bool(decision.alert[i])
            severity = (3 if raw.critical[i] > 0 else 2) if alert else min(ALLOWED_SEVERITY[category])
            out.append(
                Prediction(
                    category,
                    clamp_severity(category, severity),
                    round(float(decision.confidence[i]), 4),
                    langs[i],
                    {self.categories[j]: round(float(proba[i, j]), 4) for j in decision.top[i]},
                    round(float(alert_p[i]), 4),
                    hits[i].labels(),
                    review=bool(hits[i].severe) and not alert,
                )
            )
        return out

    def threshold(self, hits: Hits) -> float:
        """The alert bar for one message, lowered by a strong severe word with no trap cue beside it."""
        return min(self.alert_threshold, self.severe_threshold) if hits.severe else self.alert_threshold

    def _decide(self, proba: np.ndarray, alert_p: np.ndarray, hits: Sequence[Hits]) -> Decision:
        """Alert-worthiness against each message's bar, then the category among those allowed on that side, for a batch."""
        alert = alert_p >= np.array([self.threshold(h) for h in hits])
        masked = side_masked(proba, alert, self._can_alert, self._can_rest)
        best = pick_rows_by_precedence(masked, self._rank, self.precedence_ratio)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = masked[np.arange(len(best)), best] / masked.sum(axis=1)
        confidence = np.minimum(np.where(alert, alert_p, 1.0 - alert_p), share)
        return Decision(alert, best, confidence, np.argsort(-proba, axis=1)[:, :4])


@dataclass(frozen=True)
class Decision:
    """A batch's decisions: alert-worthy or not, the category index, the confidence, the four likeliest categories."""

    alert: np.ndarray
    best: np.ndarray
    confidence: np.ndarray
    top: np.ndarray
