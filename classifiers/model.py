"""The report classifier: character and word n-grams, one linear model over
(category, severity) labels, and a language identifier.

Alert-worthiness is decided on the summed probability of every alert-worthy
label against a threshold chosen for recall, so that several moderately likely
severe readings are not outvoted by one benign one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from classifiers.taxonomy import PRECEDENCE, clamp_severity, is_alert_worthy
from classifiers.text import normalise


def joint_label(category: str, severity: int) -> str:
    return f"{category}|{int(severity)}"


def split_label(label: str) -> tuple[str, int]:
    category, severity = label.rsplit("|", 1)
    return category, int(severity)


def build_text_pipeline(c: float = 8.0) -> Pipeline:
    """Features and classifier for the (category, severity) labels."""
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200_000)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")),
        ]
    )
    return Pipeline([("features", features), ("clf", LogisticRegression(C=c, max_iter=3000, class_weight="balanced"))])


def build_lang_pipeline() -> Pipeline:
    """Language identification from character n-grams (handles Arabizi and romanised Nepali)."""
    return Pipeline(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=1, sublinear_tf=True)),
            ("clf", LogisticRegression(C=10.0, max_iter=3000)),
        ]
    )


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


class ReportClassifier:
    """A trained model plus its decision threshold; pure, no I/O."""

    def __init__(self, bundle: dict[str, Any], version: str = "unsaved") -> None:
        self.labels: Pipeline = bundle["labels"]
        self.lang: Pipeline = bundle["lang"]
        self.alert_threshold: float = float(bundle["alert_threshold"])
        self.version = version
        classes = [str(c) for c in self.labels.classes_]
        self._classes = classes
        self._alert_mask = np.array([is_alert_worthy(split_label(c)[1]) for c in classes])

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label every text; empty texts are 'other' with full confidence."""
        if not texts:
            return []
        clean = [normalise(t) for t in texts]
        proba = self.labels.predict_proba(clean)
        langs = self.lang.predict(clean)
        lang_proba = self.lang.predict_proba(clean).max(axis=1)
        out: list[Prediction] = []
        for i, text in enumerate(clean):
            if not text.strip():
                out.append(Prediction("other", 0, 1.0, "und"))
                continue
            out.append(self._decide(proba[i], str(langs[i]) if lang_proba[i] >= 0.35 else "und"))
        return out

    def _decide(self, p: np.ndarray, lang: str) -> Prediction:
        alert_p = float(p[self._alert_mask].sum())
        if alert_p >= self.alert_threshold:
            candidates = np.where(self._alert_mask)[0]
        else:
            candidates = np.where(~self._alert_mask)[0]
        best = int(candidates[np.argmax(p[candidates])])
        category, severity = split_label(self._classes[best])
        by_category: dict[str, float] = {}
        for label, value in zip(self._classes, p):
            cat = split_label(label)[0]
            by_category[cat] = by_category.get(cat, 0.0) + float(value)
        confidence = alert_p if is_alert_worthy(severity) else 1.0 - alert_p
        confidence = min(confidence, by_category[category] + (1.0 - by_category[category]) * 0.5)
        top = dict(sorted(((k, round(v, 4)) for k, v in by_category.items()), key=lambda kv: -kv[1])[:4])
        return Prediction(category, clamp_severity(category, severity), round(float(confidence), 4), lang, top, round(alert_p, 4))


def train_bundle(rows: Sequence[dict[str, Any]], alert_threshold: float | None = None) -> dict[str, Any]:
    """Fit both pipelines on ``rows`` and choose the alert threshold by cross-validation."""
    texts = [normalise(r["text"]) for r in rows]
    labels = [joint_label(r["category"], int(r["severity"])) for r in rows]
    text_model = build_text_pipeline().fit(texts, labels)
    lang_model = build_lang_pipeline().fit(texts, [r["lang"] for r in rows])
    threshold = alert_threshold if alert_threshold is not None else 0.35
    return {"labels": text_model, "lang": lang_model, "alert_threshold": threshold, "precedence": list(PRECEDENCE)}
