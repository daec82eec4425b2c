"""The classifier's decisions: traps stay calm, severe words are never silently dropped, labels are valid."""

from __future__ import annotations

from typing import Any

import pytest

from classifiers.lexicon import Lexicon
from classifiers.model import ReportClassifier
from classifiers.taxonomy import ALLOWED_SEVERITY, is_alert_worthy

TRAPS = [
    "all calm in the ward today, no incident",
    "today we remember those killed in 2008, candle walk at 5pm",
    "no one was hurt, the fire was from a cooking gas",
    "the kidnapped students were released yesterday, all back home",
    "aujourd'hui nous commémorons les victimes du massacre de 2012, marche à 16h",
    "tout est calme au village, aucun incident",
    "leo tunawakumbuka waliouawa mwaka 2000, misa saa 3 asubuhi",
    "hali ni shwari leo, hakuna tukio",
    "alhamdulillah komai lafiya yau, ba a kawo hari ba",
    "الذكرى السنويه لضحايا المجزره، وقفه صامته الساعه العاشره",
    "الوضع هادئ اليوم ماكو شي",
    "kapilvastu ghatana ko barsi, shraddhanjali sabha bholi",
    "sab thik chha, kehi bhayeko chhaina",
]


# Everyday traffic that sounds alarming: real streams are mostly this, and none of it is an alert.
EVERYDAY = [
    "grandpa passed away peacefully last night at 91, burial after friday prayers",
    "pls the borehole in block C of the camp is broken again, women walk far for water",
    "ma fille a reussi son examen du CEP, on fait la fete dimanche",
    "mbuzi wangu amepotea tangu jana jioni, akionekana nipigieni",
    "ina son sanin yaushe za a raba abinci a sansanin yan gudun hijira",
    "كم سعر كيلو الطماطم اليوم بالموصل",
    "meri buhari lai chhori bhaeen, aama chhori dubai thik chhan",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_traffic_with_alarming_words_is_not_alert_worthy(shipped_model: ReportClassifier, text: str) -> None:
    prediction = shipped_model.predict([text])[0]
    assert not is_alert_worthy(prediction.severity), prediction


@pytest.mark.parametrize("text", TRAPS)
def test_negation_and_commemoration_traps_are_not_alert_worthy(shipped_model: ReportClassifier, text: str) -> None:
    prediction = shipped_model.predict([text])[0]
    assert not is_alert_worthy(prediction.severity), prediction


def test_clear_reports_are_alert_worthy_with_the_taxonomy_severity(shipped_model: ReportClassifier) -> None:
    attack, imminent = shipped_model.predict(
        [
            "armed men killed 4 people at the market this morning, many wounded",
            "tonight they will come for the christian families, men are sharpening machetes at the junction",
        ]
    )
    assert (attack.category, attack.severity) == ("attack_on_civilians", 3)
    assert imminent.severity == 3


def test_a_severe_word_the_model_doubts_is_flagged_for_review(small_bundle: dict[str, Any]) -> None:
    # A bundle whose alert bar nothing can reach: the severe word must still surface.
    model = ReportClassifier({**small_bundle, "alert_threshold": 1.01, "severe_threshold": 1.01})
    severe, trapped = model.predict(["they killed my brother at the farm", "we remember those killed in 2008"])
    assert severe.review and "attack_on_civilians:kill" in severe.lexicon_hits
    assert not trapped.review


def test_every_prediction_is_a_label_the_taxonomy_allows(shipped_model: ReportClassifier, small_rows: list[dict[str, Any]]) -> None:
    for p in shipped_model.predict([r["text"] for r in small_rows]):
        assert p.severity in ALLOWED_SEVERITY[p.category]
        assert 0.0 <= p.confidence <= 1.0 and 0.0 <= p.alert_probability <= 1.0
        shown = list(p.probabilities.values())
        assert shown == sorted(shown, reverse=True) and sum(shown) <= 1.0 + 1e-3


def test_empty_and_symbol_only_texts_are_other(shipped_model: ReportClassifier) -> None:
    for p in shipped_model.predict(["", "   ", "?!"]):
        assert (p.category, p.severity, p.lang) == ("other", 0, "und")


def test_lexicon_travels_inside_the_bundle(small_bundle: dict[str, Any]) -> None:
    model = ReportClassifier(small_bundle)
    assert isinstance(model.features.lexicon, Lexicon)
    assert model.predict(["wameuawa watu 3"])[0].lexicon_hits


def test_a_strong_severe_word_lowers_the_alert_bar_unless_a_trap_cue_stands_beside_it(small_bundle: dict[str, Any]) -> None:
    model = ReportClassifier({**small_bundle, "alert_threshold": 0.1, "severe_threshold": 0.05})
    lexicon = model.features.lexicon
    assert model.threshold(lexicon.find("they killed my brother")) == 0.05
    assert model.threshold(lexicon.find("we remember those killed in 2008")) == 0.1
    assert model.threshold(lexicon.find("water dispute again")) == 0.1


def test_char_counts_hashing_each_word_once_equal_the_vectoriser_s() -> None:
    from classifiers.corpus import load_corpus
    from classifiers.features import _CHAR, char_counts
    from classifiers.text import normalise

    texts = [normalise(str(r["text"])) for r in load_corpus()[:3000]] + ["", "a", "x  y\tz", "the the the", "!!"]
    assert (char_counts(texts) != _CHAR.transform(texts)).nnz == 0
    assert char_counts(["", "  "]).nnz == 0 and char_counts([]).shape[0] == 0
