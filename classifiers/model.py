"""The report classifier: one linear model over (category, severity) labels on
hashed n-grams and lexicon cues, plus a language identifier.

A model is a bundle of plain arrays and strings (see ``classifiers.fit``), so it
serialises without pickle and loads in milliseconds. Alert-worthiness is
decided on the summed probability of every alert-worthy label against a
threshold chosen for recall, so that several moderately likely severe readings
are not outvoted by one benign one; a strong severe word lowers that threshold
and, if the model still says no, marks the report for review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifiers.features import Weighting, raw_counts
from classifiers.langid import LanguageIdentifier
from classifiers.lexicon import Hits, Lexicon
from classifiers.taxonomy import clamp_severity, is_alert_worthy
from classifiers.text import normalise

BUNDLE_FORMAT = 2


def joint_label(category: str, severity: int) -> str:
    return f"{category}|{int(severity)}"


def split_label(label: str) -> tuple[str, int]:
    category, severity = label.rsplit("|", 1)
    return category, int(severity)


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


class ReportClassifier:
    """A trained model plus its decision thresholds; pure, no I/O."""

    def __init__(self, bundle: dict[str, Any], version: str = "unsaved") -> None:
        if int(bundle.get("format", 0)) != BUNDLE_FORMAT:
            raise ValueError(f"model bundle format {bundle.get('format')!r} is not {BUNDLE_FORMAT}")
        self.version = version
        self.features = Featuriser(bundle)
        self.coef = np.asarray(bundle["coef"], dtype=np.float32)
        self.intercept = np.asarray(bundle["intercept"], dtype=np.float32)
        self.temperature = float(bundle["temperature"])
        self.alert_threshold = float(bundle["alert_threshold"])
        self.severe_threshold = float(bundle["severe_threshold"])
        self.langid = LanguageIdentifier(bundle["lang_coef"], bundle["lang_intercept"], list(bundle["langs"]))
        self._classes = [str(c) for c in bundle["labels"]]
        self._alert_mask = np.array([is_alert_worthy(split_label(c)[1]) for c in self._classes])
        self._category_of = [split_label(c)[0] for c in self._classes]
        self._width = self.features.weighting.width

    def scores(self, ngrams: Any, cues: np.ndarray) -> np.ndarray:
        """Raw linear scores, one column per (category, severity) label."""
        return np.asarray(ngrams @ self.coef[:, : self._width].T) + cues @ self.coef[:, self._width :].T + self.intercept

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label every text; empty texts are 'other' with full confidence."""
        if not texts:
            return []
        clean = [normalise(t) for t in texts]
        ngrams, cues, hits = self.features.transform(clean)
        proba = softmax(self.scores(ngrams, cues), self.temperature)
        langs = self.langid.identify(clean, ngrams)
        out: list[Prediction] = []
        for i, text in enumerate(clean):
            if not any(ch.isalnum() for ch in text):
                out.append(Prediction("other", 0, 1.0, "und"))
                continue
            out.append(self._decide(proba[i], langs[i], hits[i]))
        return out

    def _decide(self, p: np.ndarray, lang: str, hits: Hits) -> Prediction:
        alert_p = float(p[self._alert_mask].sum())
        severe = hits.severe
        threshold = self.severe_threshold if severe else self.alert_threshold
        alert = alert_p >= threshold
        candidates = np.where(self._alert_mask if alert else ~self._alert_mask)[0]
        best = int(candidates[np.argmax(p[candidates])])
        category, severity = split_label(self._classes[best])
        by_category: dict[str, float] = {}
        for cat, value in zip(self._category_of, p):
            by_category[cat] = by_category.get(cat, 0.0) + float(value)
        confidence = min(alert_p if alert else 1.0 - alert_p, by_category[category])
        top = dict(sorted(((k, round(v, 4)) for k, v in by_category.items()), key=lambda kv: -kv[1])[:4])
        return Prediction(
            category,
            clamp_severity(category, severity),
            round(float(confidence), 4),
            lang,
            top,
            round(alert_p, 4),
            hits.labels(),
            review=bool(severe) and not alert,
        )
