"""What keeps evaluation honest: near-duplicates share a cross-validation fold; the held-out everyday set is apart from the corpus."""

from __future__ import annotations

import numpy as np

from classifiers.corpus import load_corpus, split
from classifiers.fit import field_rows
from classifiers.neardup import cv_groups


def _row(i: int, text: str, train_only: bool) -> dict[str, object]:
    row: dict[str, object] = {"id": f"r{i}", "group": f"g{i}", "text": text, "category": "other", "severity": 0}
    if train_only:
        row["split"] = "train"
    return row


def test_a_train_only_paraphrase_joins_its_field_row_group() -> None:
    rows = [
        _row(0, "gunmen entered Kwall village tonight shooting everywhere, pls send help", False),
        _row(1, "when is the next food distribution in Bokkos?", False),
        _row(2, "gunmen entered Kwall village tonight shooting everywhere pls send help!!", True),
        _row(3, "happy birthday to my sister in Minna, may God bless her", True),
    ]
    groups = cv_groups(rows, field_rows(rows))
    assert groups == ["g0", "g1", "g0", "g3"]


def test_without_field_rows_groups_are_unchanged() -> None:
    rows = [_row(0, "same text here", True), _row(1, "same text here", True)]
    assert cv_groups(rows, np.zeros(2, dtype=bool)) == ["g0", "g1"]


def test_on_the_corpus_only_train_only_rows_move_and_only_onto_field_groups() -> None:
    train, _test = split(load_corpus())
    field = field_rows(train)
    groups = cv_groups(train, field)
    own = [str(r["group"]) for r in train]
    moved = [i for i, (g, o) in enumerate(zip(groups, own)) if g != o]
    field_groups = {own[i] for i in np.flatnonzero(field)}
    assert moved, "the train-only passes hold paraphrases of field rows"
    assert all(not field[i] and groups[i] in field_groups for i in moved)


def test_the_heldout_everyday_set_is_apart_from_the_corpus() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from classifiers.corpus import load_heldout

    corpus, heldout = load_corpus(), load_heldout()
    assert len(heldout) >= 600
    assert all(r["kind"] == "everyday" and r["category"] == "other" and r["severity"] == 0 for r in heldout)
    assert not {r["id"] for r in heldout} & {r["id"] for r in corpus}
    # No held-out message is a near-duplicate of a corpus row (the bar the train-only passes were checked with).
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit([r["text"] for r in corpus + heldout])
    sims = vectoriser.transform([r["text"] for r in heldout]) @ vectoriser.transform([r["text"] for r in corpus]).T
    assert sims.max() < 0.7
