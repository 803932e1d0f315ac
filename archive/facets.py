"""Facet counts over the matches of a search: which countries, instruments, articles,
officials, addressees, organisations, years and languages the matching letters name, and how
many letters name each.

Each facet is held, once per index generation, as two arrays: for every (letter, value) pair
the letter's document number and the value's code. Counting over a set of matches is then a
mask and a `bincount` in C, whatever the number of matches (a common word matches most of a
100,000-letter archive; counting its eight facets one letter at a time in Python took longer
than the search).
"""
from __future__ import annotations

import numpy as np


class Facet:
    """One facet: `labels[code]` is a value; `owner[i]` holds `labels[codes[i]]`."""

    def __init__(self, labels: list, owner: np.ndarray, codes: np.ndarray):
        self.labels = labels
        self.owner, self.codes = owner, codes
        # Ties are listed by value: the rank of each value in sorted order.
        self.rank = np.empty(len(labels), dtype=np.int64)
        self.rank[sorted(range(len(labels)), key=labels.__getitem__)] = np.arange(len(labels))

    def count(self, matched: np.ndarray) -> list[tuple[str, int]]:
        """[(value, letters)] among the `matched` documents (a boolean mask), most first, ties
        by value."""
        counts = np.bincount(self.codes[matched[self.owner]], minlength=len(self.labels))
        present = np.flatnonzero(counts)
        order = present[np.lexsort((self.rank[present], -counts[present]))]
        return [(self.labels[c], n) for c, n in zip(order.tolist(), counts[order].tolist())]


def build(values_of: dict) -> Facet:
    """A facet from {value: array of the documents holding it} (a document counted once per
    value, however often it is listed)."""
    labels = sorted(values_of)
    if not labels:
        return Facet([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    owner = np.concatenate([values_of[v] for v in labels]).astype(np.int64)
    codes = np.repeat(np.arange(len(labels)), [len(values_of[v]) for v in labels])
    pairs = np.unique(owner * len(labels) + codes)   # one per (document, value)
    return Facet(labels, pairs // len(labels), pairs % len(labels))


def count(facets: dict, docs, size: int) -> dict:
    """facet -> [(value, letters)] over the documents `docs` (an array, list or set) of an index
    of `size` documents."""
    matched = np.zeros(size, dtype=bool)
    if len(docs):
        matched[docs if isinstance(docs, np.ndarray) else np.fromiter(docs, np.int64, len(docs))] = True
    return {name: facet.count(matched) for name, facet in facets.items()}
