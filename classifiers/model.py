"""The report classifier: linear models on hashed n-grams and lexicon cues.

Three linear models share one feature matrix: the category (calibrated by a
softmax temperature), alert-worthiness (severity >= 2, calibrated by a Platt
sigmoid) and, among alert-worthy reports, critical severity. Alert-worthiness
is decided first, against a threshold chosen for recall; the category is then
the most likely one that the taxonomy allows on that side. A strong severe
word lowers the threshold and, if the model still says no, marks the report
for review; a trap cue ("we remember", "all calm", "no one was hurt") raises
the threshold instead. A model is a bundle of plain arrays and strings (see
``classifiers.fit``), so it serialises without pickle and loads in
milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifiers.features import Weighting, raw_counts
from classifiers.langid import LanguageIdentifier
from classifiers.lexicon import Hits, Lexicon
from classifiers.taxonomy import ALERT_SEVERITY, ALLOWED_SEVERITY, clamp_severity
from classifiers.text import normalise

BUNDLE_FORMAT = 3


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
        ngrams = self.weighting.transform(raw_counts(clean))
        hits = [self.lexicon.find(t) for t in clean]
        return ngrams, self.lexicon.matrix(hits), hits


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Scores:
    """Raw linear scores of a batch: categories (n x k), alert (n), critical (n)."""

    category: np.ndarray
    alert: np.ndarray
    critical: np.ndarray


class ReportClassifier:
    """A trained model plus its decision thresholds; pure, no I/O."""

    def __init__(self, bundle: dict[str, Any], version: str = "unsaved") -> None:
        if int(bundle.get("format", 0)) != BUNDLE_FORMAT:
            raise ValueError(f"model bundle format {bundle.get('format')!r} is not {BUNDLE_FORMAT}")
        self.version = version
        self.features = Featuriser(bundle)
        self.categories = [str(c) for c in bundle["categories"]]
        # Rows: the categories, then alert, then critical; columns: n-grams, then lexicon cues.
        self.coef = np.asarray(bundle["coef"], dtype=np.float32)
        self.intercept = np.asarray(bundle["intercept"], dtype=np.float32)
        self.temperature = float(bundle["temperature"])
        self.platt = (float(bundle["platt_a"]), float(bundle["platt_b"]))
        self.alert_threshold = float(bundle["alert_threshold"])
        self.severe_threshold = float(bundle["severe_threshold"])
        self.trap_threshold = float(bundle["trap_threshold"])
        self.langid = LanguageIdentifier(bundle["lang_coef"], bundle["lang_intercept"], list(bundle["langs"]))
        self._width = self.features.weighting.width
        self._can_alert = np.array([max(ALLOWED_SEVERITY[c]) >= ALERT_SEVERITY for c in self.categories])
        self._can_rest = np.array([min(ALLOWED_SEVERITY[c]) < ALERT_SEVERITY for c in self.categories])

    def scores(self, ngrams: Any, cues: np.ndarray) -> Scores:
        """Raw linear scores of every model for a featurised batch."""
        raw = np.asarray(ngrams @ self.coef[:, : self._width].T) + cues @ self.coef[:, self._width :].T + self.intercept
        k = len(self.categories)
        return Scores(raw[:, :k], raw[:, k], raw[:, k + 1])

    def alert_probability(self, alert_scores: np.ndarray) -> np.ndarray:
        """Calibrated probability that a report is alert-worthy."""
        return sigmoid(self.platt[0] * alert_scores + self.platt[1])

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label every text; texts without letters or digits are 'other' with full confidence."""
        if not texts:
            return []
        clean = [normalise(t) for t in texts]
        ngrams, cues, hits = self.features.transform(clean)
        raw = self.scores(ngrams, cues)
        proba = softmax(raw.category, self.temperature)
        alert_p = self.alert_probability(raw.alert)
        langs = self.langid.identify(clean, ngrams)
        out: list[Prediction] = []
        for i, text in enumerate(clean):
            if not any(ch.isalnum() for ch in text):
                out.append(Prediction("other", 0, 1.0, "und", {"other": 1.0}))
                continue
            out.append(self._decide(proba[i], float(alert_p[i]), float(raw.critical[i]), langs[i], hits[i]))
        return out

    def _decide(self, p: np.ndarray, alert_p: float, critical: float, lang: str, hits: Hits) -> Prediction:
        severe = hits.severe
        threshold = self.severe_threshold if severe else self.trap_threshold if hits.trapped else self.alert_threshold
        alert = alert_p >= threshold
        allowed = self._can_alert if alert else self._can_rest
        masked = np.where(allowed, p, 0.0)
        best = int(np.argmax(masked))
        category = self.categories[best]
        if alert:
            severity = 3 if critical > 0 else 2
        else:
            severity = min(ALLOWED_SEVERITY[category])
        confidence = min(alert_p if alert else 1.0 - alert_p, float(masked[best] / masked.sum()))
        top = dict(sorted(((c, round(float(v), 4)) for c, v in zip(self.categories, p)), key=lambda kv: -kv[1])[:4])
        return Prediction(
            category,
            clamp_severity(category, severity),
            round(confidence, 4),
            lang,
            top,
            round(alert_p, 4),
            hits.labels(),
            review=bool(severe) and not alert,
        )
