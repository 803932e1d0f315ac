"""Inline mentions: collect candidate spans in one block and keep a non-overlapping set.

Precedence when spans overlap: article references, then instruments and known organisations
(longest first), then people, then organisations recognised only by their shape, then places.
A place inside any organisation's name ("Islamic Movement of Uzbekistan") is dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..letter import Mention

# A country right after an organisation and before one of these words names an office of the
# organisation ("Human Rights Watch's Russia office"), not a country the letter is about.
_OFFICE_AFTER = re.compile(r"^\s+(?:office|branch|section|division|program|programme|bureau|team|"
                           r"researcher|director|chapter|country office)\b", re.I)
_OFFICE_GAP = re.compile(r"^(?:['’]s)?\s+(?:\w+\s+)?$")


@dataclass
class Span:
    start: int
    end: int
    kind: str          # place / org / person / instrument / article
    key: str = ""
    n: str = ""
    tier: int = 9
    name: str = ""     # surface or canonical name (unknown organisations)
    subject: bool = True   # for places: does this count as a country the letter is about?

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


def resolve(text: str, articles, instruments, known_orgs, persons, unknown_orgs, places) -> list[Span]:
    """The non-overlapping spans of one block, in text order."""
    candidates = (
        [Span(s, e, "article", k, n, 0) for s, e, k, n in articles]
        + [Span(s, e, "instrument", k, tier=1) for s, e, k in instruments]
        + [Span(s, e, "org", k, tier=1) for s, e, k in known_orgs]
        + [Span(s, e, "person", tier=2) for s, e in persons]
        + [Span(s, e, "org", "", tier=3, name=name) for s, e, name in unknown_orgs]
        + [Span(s, e, "place", k, tier=4) for s, e, k in places])
    candidates.sort(key=lambda c: (c.tier, -(c.end - c.start), c.start))
    chosen: list[Span] = []
    blocked = [c for c in candidates if c.tier == 3]   # org-shaped phrases always hide places
    for c in candidates:
        if any(c.overlaps(o) for o in chosen):
            continue
        if c.kind == "place" and any(c.overlaps(o) for o in blocked):
            continue
        chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    for i, c in enumerate(chosen):
        if c.kind == "place" and i > 0 and chosen[i - 1].kind == "org":
            prev = chosen[i - 1]
            if _OFFICE_GAP.match(text[prev.end:c.start]) and _OFFICE_AFTER.match(text[c.end:]):
                c.subject = False
    return chosen


def to_mentions(block_index: int, spans: list[Span]) -> list[Mention]:
    """Mentions for the letter model (unknown organisations keep an empty key)."""
    return [Mention(block_index, s.start, s.end, s.kind, s.key, s.n) for s in spans]
