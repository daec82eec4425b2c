"""Every template in every language: two SMS segments at worst, GSM-7 where the script allows, no reporter identity."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

import pytest

from alerts.segments import gsm_fold, is_gsm7, segments
from alerts.templates import CATEGORY_NAMES, LANGS, LATIN, SEVERITY_WORDS, TEMPLATES, TREND_WORDS, render
from ingest.sandbox.segments import num_segments

WHEN = "31/12 23:59"
PLACES = {
    "latin": "Sahel (Burkina Faso) — Région du Nord-Est, Commune de Djibo",
    "arabic": "محافظة نينوى الشمالية - قضاء سنجار الجنوبي الغربي",
    "devanagari": "लुम्बिनी प्रदेश - कपिलवस्तु जिल्ला कृष्णनगर नगरपालिका",
}
# Only these fields exist: none of them can carry who reported (name, number, Telegram id or words).
ALLOWED_FIELDS = {"sev", "what", "where", "when", "n", "k", "ref", "hours", "base", "who", "day", "total", "c1", "c2", "c3", "trend", "avg", "open", "top"}


def worst_cases(name: str, lang: str) -> list[dict[str, object]]:
    """The longest values each field can take, in every script a place or a name can be written in."""
    longest_category = max((names[lang] for names in CATEGORY_NAMES.values()), key=len)
    longest_severity = max((words[lang] for words in SEVERITY_WORDS.values()), key=len)
    cases = []
    for place in PLACES.values():
        fields: dict[str, object] = {
            "sev": longest_severity, "what": longest_category, "where": place, "when": WHEN, "n": 9999, "k": 9999, "ref": "ABCDE",
            "hours": 6, "base": "99.5", "who": f"{place} (police liaison)", "day": "31/12", "total": 9999, "c1": 9999, "c2": 9999, "c3": 9999,
            "trend": max((w[lang] for w in TREND_WORDS.values()), key=len), "avg": "999.9",
            "open": ", ".join(["ABCDE"] * 20), "top": ", ".join(f"{names[lang]} 999" for names in CATEGORY_NAMES.values()),
        }
        cases.append(fields)
    return cases


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_fits_two_sms_segments_with_worst_case_fields(name: str, lang: str) -> None:
    for fields in worst_cases(name, lang):
        text = render(name, lang, **fields)
        assert segments(text) <= 2, text
        assert num_segments(text) == segments(text)  # the same count the provider bills
        assert "ABCDE" in text  # shortening never eats the reference code
        if "ACK {ref}" in TEMPLATES[name][lang]:
            assert "ACK ABCDE" in text
        if lang in LATIN:
            assert is_gsm7(text), f"{name}/{lang} would go out as UCS-2: {text}"


def test_every_template_exists_in_all_six_languages_with_the_same_fields() -> None:
    for name, by_lang in TEMPLATES.items():
        assert set(by_lang) == set(LANGS), name
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(text) if f} for lang, text in by_lang.items()}
        assert len({frozenset(f) for f in fields.values()}) == 1, f"{name}: languages disagree on fields {fields}"


def test_no_template_has_a_field_that_could_carry_reporter_identity() -> None:
    for name, by_lang in TEMPLATES.items():
        for lang, text in by_lang.items():
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert fields <= ALLOWED_FIELDS, f"{name}/{lang} has fields {fields - ALLOWED_FIELDS}"
            assert not re.search(r"\+?\d{6,}", text), f"{name}/{lang} has a number in it"


def test_alert_text_says_what_where_when_how_severe_how_many_and_how_to_ack() -> None:
    from alerts.templates import alert_text

    text = alert_text("en", category="abduction_disappearance", severity=3, region="Kirkuk", when=datetime(2026, 11, 27, 21, 5, tzinfo=UTC), reports=4, reporters=3, ref="K7M2P")
    assert text == "TOCSIN CRITICAL: abduction/disappearance in Kirkuk, 27/11 21:05 UTC. 4 report(s), 3 independent. Ref K7M2P. Reply ACK K7M2P"
    assert segments(text) == 1


def test_latin_text_is_folded_to_gsm7_and_other_scripts_are_counted_as_ucs2() -> None:
    assert gsm_fold("Sévaré – Djenné “centre” ê") == 'Sévaré - Djenné "centre" e'
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 306) == 2 and segments("a" * 307) == 3
    assert segments("ب" * 70) == 1 and segments("ب" * 71) == 2 and segments("ب" * 134) == 2 and segments("ب" * 135) == 3
    assert segments("[" * 80) == 1 and segments("[" * 81) == 2  # extension characters cost two units
