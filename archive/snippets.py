"""Search-result snippets: the passages of a letter where the words searched for occur.

Re-running the index's full analyzer over every hit's text (what a generic highlighter does)
was most of the time of a search. Here one regular-expression pass finds the words and a
cached normaliser (the index's own lowercasing, accent folding and stemming) decides which
ones match, then the windows holding the most matches are cut at word boundaries.
"""
from __future__ import annotations

import re
from typing import Callable

# The same word shape as the index's tokenizer, so "U.N." and "co-operation" split alike.
WORD = re.compile(r"\w+(?:\.?\w+)*")
GAP = " … "


def matches(text: str, terms: frozenset, normalise: Callable[[str], str], limit: int = 0) -> list:
    """(start, end) of every word in `text` whose indexed form is one of `terms`."""
    if not terms:
        return []
    end = limit or len(text)
    # Each distinct word is normalised once; then the words that match are found in place.
    hits = {w for w in set(WORD.findall(text, 0, end)) if normalise(w) in terms}
    if not hits:
        return []
    return [(m.start(), m.end()) for m in WORD.finditer(text, 0, end) if m.group() in hits]


def _windows(spans: list, maxchars: int, surround: int) -> list:
    """Group matches into windows no wider than `maxchars` (matches plus context)."""
    groups, current = [], []
    for span in spans:
        if current and span[1] - current[0][0] + 2 * surround > maxchars:
            groups.append(current)
            current = []
        current.append(span)
    if current:
        groups.append(current)
    return groups


def _cut(text: str, start: int, end: int) -> tuple[int, int]:
    """A window's ends moved inwards to the nearest space, so no word is cut in half."""
    if start > 0:
        space = text.find(" ", start, start + 30)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", max(start, end - 30), end)
        end = space if space != -1 else end
    return start, end


def make(text: str, terms: frozenset, normalise: Callable[[str], str], top: int = 2,
         maxchars: int = 240, surround: int = 60, limit: int = 0) -> tuple[str, list]:
    """(snippet, [[start, end], ...] of the matched words within it).

    Up to `top` windows with the most matches, in reading order, joined by an ellipsis;
    the opening of the text, unmarked, when no word matches.
    """
    spans = matches(text, terms, normalise, limit)
    if not spans:
        return text[:maxchars], []
    groups = _windows(spans, maxchars, surround)
    best = sorted(range(len(groups)), key=lambda i: (-len(groups[i]), i))[:top]
    pieces, marks, offset = [], [], 0
    for i in sorted(best):
        group = groups[i]
        start, end = _cut(text, max(0, group[0][0] - surround), min(len(text), group[-1][1] + surround))
        start, end = min(start, group[0][0]), max(end, group[-1][1])
        if pieces:
            offset += len(GAP)
        piece = " ".join(text[start:end].split("\n"))
        marks += [[offset + s - start, offset + e - start] for s, e in group]
        pieces.append(piece)
        offset += len(piece)
    return GAP.join(pieces), marks
