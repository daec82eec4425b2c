"""Every language and script is identified, including the Latin-script cases detectors get wrong."""

from __future__ import annotations

import pytest

from classifiers.langid import script
from classifiers.model import ReportClassifier

CASES = [
    ("en", "gunmen came to the market this morning, people running everywhere"),
    ("fr", "des hommes armés sont entrés au village cette nuit, les gens ont fui vers la brousse"),
    ("sw", "watu wenye silaha wamevamia kijiji usiku wa jana, watu wamekimbia porini"),
    ("ha", "yan bindiga sun shigo kauyen mu jiya da dare sun sace mutane biyar"),
    ("ar", "مسلحين دخلو القريه بالليل وخطفو ثلاث شباب"),  # Arabic script
    ("ar", "msal7in d5lo el 9arya bil lail w 5a6fo thalath shabab"),  # Arabizi
    ("ne", "हिजो राति गाउँमा हतियारधारी समूह आयो, मान्छेहरू डराएका छन्"),  # Devanagari
    ("ne", "hijo rati gau ma hatiyar bokeka manche aaye, sabai darayeka chhan"),  # romanised Nepali
]


@pytest.mark.parametrize(("lang", "text"), CASES, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(CASES)])
def test_each_language_and_script_is_identified(shipped_model: ReportClassifier, lang: str, text: str) -> None:
    assert shipped_model.predict([text])[0].lang == lang


@pytest.mark.parametrize(
    ("text", "expected"),
    [("नेपालगन्ज", "Deva"), ("الموصل", "Arab"), ("kohalpur", "Latn"), ("3 + 4 ?", "Zyyy"), ("ok نعم نعم", "Arab")],
)
def test_script_is_the_majority_script(text: str, expected: str) -> None:
    assert script(text) == expected


def test_text_without_letters_is_undetermined(shipped_model: ReportClassifier) -> None:
    assert shipped_model.predict(["??? 123"])[0].lang == "und"
