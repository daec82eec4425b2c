"""Lexicon matching rules and the severe-word rule's trap exceptions."""

from __future__ import annotations

from classifiers.lexicon import FEATURES, Lexicon, read_lexicon_files
from classifiers.text import normalise

ENTRIES = [
    "en\tattack_on_civilians\t!kill*",
    "ne\tattack_on_civilians\tmare",
    "sw\tattack_on_civilians\t!~uawa",
    "ar\tabduction_disappearance\t!خطف",
    "en\tpast\tremember*",
    "en\tnegation\tno one was",
    "en\tarmed_mobilisation\tgunmen",
    "ne\tattack_on_civilians\t!मारे",
]


def find(text: str) -> list[str]:
    return Lexicon(ENTRIES).find(normalise(text)).labels()


def test_star_lets_a_latin_term_go_on_into_the_word() -> None:
    assert "attack_on_civilians:kill" in find("they killed 3")


def test_latin_terms_without_star_match_whole_words_only() -> None:
    assert find("heri ya maisha marefu") == []
    assert "attack_on_civilians:mare" in find("2 jana mare")


def test_tilde_terms_match_after_verb_prefixes() -> None:
    assert "attack_on_civilians:uawa" in find("watu 3 wameuawa")


def test_arabic_terms_match_after_clitics_and_before_suffixes() -> None:
    assert "abduction_disappearance:خطف" in find("وخطفوا ولدين")


def test_a_devanagari_term_does_not_start_after_a_vowel_sign_inside_a_word() -> None:
    # "प्लास्टिकमारे" runs on from a vowel sign (ि), which regex \\w does not count as a letter.
    assert find("गाउँमा मारे") == ["attack_on_civilians:मारे"]
    assert find("प्लास्टिकमारे") == []


def test_a_strong_severe_word_is_severe_unless_a_trap_cue_stands_beside_it() -> None:
    lexicon = Lexicon(ENTRIES)
    assert lexicon.find(normalise("they killed my uncle")).severe == ["attack_on_civilians:kill"]
    assert lexicon.find(normalise("we remember those killed in 2008")).severe == []
    assert lexicon.find(normalise("no one was killed")).severe == []
    assert lexicon.find(normalise("gunmen at the junction")).severe == []  # not a strong word


def test_trap_beside_severe_word_is_a_feature_of_its_own() -> None:
    lexicon = Lexicon(ENTRIES)
    row = lexicon.matrix([lexicon.find(normalise("we remember those killed"))])[0]
    assert row[FEATURES.index("past+severe")] == 1.0
    assert row[FEATURES.index("attack_on_civilians")] == 1.0


def test_shipped_lexicon_files_parse_and_cover_every_language() -> None:
    langs = {entry.split("\t")[0] for entry in read_lexicon_files()}
    assert langs == {"en", "ar", "fr", "ne", "sw", "ha"}
