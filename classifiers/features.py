"""Text features as plain arrays: hashed character and word n-grams weighted by idf.

Hashing keeps the stored model free of vocabularies (which are slow to
serialise and load); only the idf of features seen in training is stored, so
an artifact is a handful of numeric arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**20
CHAR_NGRAMS = (2, 4)
WORD_NGRAMS = (1, 3)

_CHAR = HashingVectorizer(
    analyzer="char_wb", ngram_range=CHAR_NGRAMS, n_features=N_FEATURES, alternate_sign=False, norm=None, lowercase=False, dtype=np.float32
)
_WORD = HashingVectorizer(
    analyzer="word",
    ngram_range=WORD_NGRAMS,
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    lowercase=False,
    token_pattern=r"(?u)\b\w+\b",
    dtype=np.float32,
)


def char_counts(texts: Sequence[str]) -> sparse.csr_matrix:
    """Exactly ``_CHAR.transform(texts)``, hashing each distinct word once.

    Character n-grams with word boundaries never cross a space, so a text's
    counts are the sum of its words' counts; words repeat across a batch, and
    hashing each once makes this the cheaper half of featurising.
    """
    index: dict[str, int] = {}
    words: list[int] = []
    indptr = [0]
    for text in texts:
        words.extend(index.setdefault(word, len(index)) for word in text.split())
        indptr.append(len(words))
    if not index:  # no words at all (empty or blank texts)
        return sparse.csr_matrix((len(texts), N_FEATURES), dtype=np.float32)
    occurrences = sparse.csr_matrix(
        (np.ones(len(words), dtype=np.float32), np.array(words, dtype=np.int64), np.array(indptr, dtype=np.int64)), shape=(len(texts), len(index))
    )
    occurrences.sum_duplicates()
    return (occurrences @ _CHAR.transform(list(index))).tocsr()


def raw_counts(texts: Sequence[str]) -> sparse.csr_matrix:
    """Char and word n-gram counts side by side: columns [0, N) chars, [N, 2N) words."""
    return sparse.hstack([char_counts(texts), _WORD.transform(texts)], format="csr", dtype=np.float32)


def fit_idf(counts: sparse.csr_matrix, min_df: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(columns, idf) of features present in at least ``min_df`` training texts."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    columns = np.flatnonzero(df >= min_df).astype(np.int32)
    n = counts.shape[0]
    idf = (np.log((1 + n) / (1 + df[columns])) + 1).astype(np.float32)
    return columns, idf


class Weighting:
    """Sublinear tf × idf over the kept columns, L2-normalised per block (chars, words)."""

    def __init__(self, columns: np.ndarray, idf: np.ndarray) -> None:
        self.columns = np.asarray(columns, dtype=np.int32)
        self._full_idf = np.zeros(2 * N_FEATURES, dtype=np.float32)
        self._full_idf[self.columns] = idf
        self._remap = np.full(2 * N_FEATURES, -1, dtype=np.int32)
        self._remap[self.columns] = np.arange(len(self.columns), dtype=np.int32)
        self._n_char = int(np.searchsorted(self.columns, N_FEATURES))

    @property
    def width(self) -> int:
        return len(self.columns)

    def transform(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Compact tf-idf matrix with one column per kept feature."""
        counts = counts.tocsr()
        cols = self._remap[counts.indices]
        keep = cols >= 0
        kept_before = np.r_[0, np.cumsum(keep)]
        indptr = kept_before[counts.indptr]
        cols = cols[keep]
        vals = (1.0 + np.log(counts.data[keep])) * self._full_idf[counts.indices[keep]]
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(indptr))
        block = (cols >= self._n_char).astype(np.int64)
        slot = rows * 2 + block
        norms = np.sqrt(np.bincount(slot, weights=vals.astype(np.float64) ** 2, minlength=2 * counts.shape[0]))
        norms[norms == 0] = 1.0
        vals = (vals / norms[slot]).astype(np.float32)
        return sparse.csr_matrix((vals, cols, indptr), shape=(counts.shape[0], self.width))
