"""Evaluation metrics of TAXONOMY.md: alert recall first, then precision and macro-F1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sklearn.metrics import confusion_matrix, f1_score

from classifiers.langid import script
from classifiers.taxonomy import PRECEDENCE, is_alert_worthy


class Classifier(Protocol):
    """Anything with the classifier's batch call."""

    def predict(self, texts: Sequence[str]) -> list[Any]: ...


def _figures(truth: list[dict[str, Any]], preds: list[Any]) -> dict[str, Any]:
    n = len(truth)
    if n == 0:
        return {"n": 0}
    y_alert = [is_alert_worthy(int(r["severity"])) for r in truth]
    p_alert = [is_alert_worthy(p.severity) for p in preds]
    tp = sum(1 for y, p in zip(y_alert, p_alert) if y and p)
    positives = sum(y_alert)
    flagged = sum(p_alert)
    cats_true = [r["category"] for r in truth]
    cats_pred = [p.category for p in preds]
    labels = [c for c in PRECEDENCE if c in set(cats_true)]
    return {
        "n": n,
        "alert_n": positives,
        "alert_recall": round(tp / positives, 4) if positives else None,
        "alert_precision": round(tp / flagged, 4) if flagged else None,
        "alert_rate": round(flagged / n, 4),
        "macro_f1": round(float(f1_score(cats_true, cats_pred, labels=labels, average="macro", zero_division=0)), 4),
        "category_accuracy": round(sum(a == b for a, b in zip(cats_true, cats_pred)) / n, 4),
        "severity_accuracy": round(sum(int(r["severity"]) == p.severity for r, p in zip(truth, preds)) / n, 4),
        "lang_accuracy": round(sum(r.get("lang") == p.lang for r, p in zip(truth, preds)) / n, 4),
    }


def language_id_accuracy(rows: Sequence[dict[str, Any]], preds: Sequence[Any]) -> dict[str, dict[str, float | int]]:
    """Language identification accuracy per true language and script ("ar/Latn" is Arabizi, "ne/Latn" romanised Nepali)."""
    groups: dict[str, list[bool]] = {}
    for row, pred in zip(rows, preds):
        if row.get("lang"):
            groups.setdefault(f"{row['lang']}/{script(str(row.get('text') or ''))}", []).append(row["lang"] == pred.lang)
    return {key: {"n": len(hits), "accuracy": round(sum(hits) / len(hits), 4)} for key, hits in sorted(groups.items())}


def evaluate(model: Classifier, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Overall and per-language figures, plus the category confusion matrix."""
    rows = list(rows)
    preds = model.predict([str(r.get("text") or "") for r in rows])
    metrics = _figures(rows, preds)
    metrics["per_lang"] = {}
    for lang in sorted({str(r.get("lang") or "und") for r in rows}):
        idx = [i for i, r in enumerate(rows) if str(r.get("lang") or "und") == lang]
        metrics["per_lang"][lang] = _figures([rows[i] for i in idx], [preds[i] for i in idx])
    everyday = [i for i, r in enumerate(rows) if r.get("kind") == "everyday"]
    if everyday:
        metrics["everyday_alert_rate"] = round(sum(is_alert_worthy(preds[i].severity) for i in everyday) / len(everyday), 4)
        metrics["everyday_n"] = len(everyday)
    metrics["lang_id"] = language_id_accuracy(rows, preds)
    labels = list(PRECEDENCE)
    matrix = confusion_matrix([r["category"] for r in rows], [p.category for p in preds], labels=labels)
    metrics["confusion"] = {"labels": labels, "matrix": matrix.tolist()}
    return metrics


def format_confusion(metrics: dict[str, Any]) -> str:
    """The confusion matrix as an aligned text table (rows: truth, columns: predicted)."""
    conf = metrics["confusion"]
    short = [label[:6] for label in conf["labels"]]
    lines = ["truth \\ predicted".ljust(24) + " ".join(s.rjust(6) for s in short)]
    for label, row in zip(conf["labels"], conf["matrix"]):
        lines.append(label.ljust(24) + " ".join(str(v).rjust(6) for v in row))
    return "\n".join(lines)
