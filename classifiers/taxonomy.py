"""The fixed label set of TAXONOMY.md: categories, precedence and severity rules."""

from __future__ import annotations

# Most severe first: when a report carries several signals, the earliest wins.
PRECEDENCE: tuple[str, ...] = (
    "attack_on_civilians",
    "sexual_violence",
    "abduction_disappearance",
    "armed_mobilisation",
    "threat_incitement",
    "displacement",
    "security_force_abuse",
    "intergroup_tension",
    "rumour",
    "crime",
    "other",
)
CATEGORIES: frozenset[str] = frozenset(PRECEDENCE)

# Severities each category may take (TAXONOMY.md, "Severity by category").
ALLOWED_SEVERITY: dict[str, tuple[int, ...]] = {
    "attack_on_civilians": (3,),
    "sexual_violence": (3,),
    "abduction_disappearance": (3,),
    "threat_incitement": (1, 2, 3),
    "armed_mobilisation": (2, 3),
    "displacement": (2,),
    "intergroup_tension": (1, 2),
    "security_force_abuse": (1, 2),
    "rumour": (1,),
    "crime": (1, 2),
    "other": (0,),
}
LANGS: tuple[str, ...] = ("en", "ar", "fr", "ne", "sw", "ha")
ALERT_SEVERITY = 2


def is_alert_worthy(severity: int) -> bool:
    return severity >= ALERT_SEVERITY


def clamp_severity(category: str, severity: int) -> int:
    """The allowed severity for ``category`` nearest to ``severity`` (ties go up: a miss costs more)."""
    allowed = ALLOWED_SEVERITY[category]
    return min(allowed, key=lambda s: (abs(s - severity), -s))


def validate_label(category: str, severity: int) -> None:
    """Raise ValueError unless (category, severity) is a label the taxonomy allows."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; one of: {', '.join(PRECEDENCE)}")
    if severity not in ALLOWED_SEVERITY[category]:
        raise ValueError(f"severity {severity} is not allowed for {category} (allowed: {ALLOWED_SEVERITY[category]})")
