"""Browsing the archive: every country, instrument, official, addressee and organisation with
its letter count, each entity's letters and co-occurring entities, a letter's related letters
and its original source file. Functions take the `Archive` as their first argument."""
from __future__ import annotations

import os
import re
from collections import Counter

from . import ids
from .errors import InvalidQuery, NotFound
from .diff import word_share
from .lru import cache_for
from .search import FACET_FIELDS, label_facets, search_letters
from .textdiff import word_list

# URL name of an entity type -> its facet.
KINDS = {"countries": "country", "instruments": "instrument", "officials": "official",
         "addressees": "addressee", "organisations": "organisation"}
TITLES = {"countries": "Countries", "instruments": "Legal instruments", "officials": "Officials",
          "addressees": "Addressees", "organisations": "Organisations"}
LETTERS_SHOWN = 100       # an entity page lists this many letters, then links to the search
NEAR_IDENTICAL = 0.8      # share of words two letters must have in common to be "near-identical"
RELATED_CACHED = 512      # letters whose related panel is kept per index generation
_PLAIN = re.compile(r"^[\w.\-/]+$")


def term(field: str, value) -> str:
    """`field:value`, with the value quoted when it is not a single plain word."""
    value = str(value).replace('"', "").strip()
    return f"{field}:{value}" if _PLAIN.match(value) else f'{field}:"{value}"'


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"there is no list of {kind!r}; try one of {', '.join(KINDS)}")
    return KINDS[kind]


def entities(archive, kind: str) -> list[dict]:
    """Every value of one entity type with its letter count, most letters first."""
    facet = _kind(kind)
    archive.sync(blocking=False)
    _, facets = archive.index.facet_counts(archive.index.parse(""))
    return label_facets(archive, {facet: facets[facet]})[facet]


def entity(archive, kind: str, value: str) -> dict:
    """One entity: its letters (newest first) and the entities that co-occur with it."""
    facet = _kind(kind)
    q = term(FACET_FIELDS[facet], value.lower() if facet == "instrument" else value)
    try:
        res = search_letters(archive, q, limit=LETTERS_SHOWN, sort="-date")
    except InvalidQuery:
        res = {"total": 0}  # not a value this type can have: no such entity
    if not res["total"]:
        raise NotFound(f"no letters for {kind[:-1]} {value!r}")
    mine = next((f for f in res["facets"][facet] if f["value"].casefold() == value.casefold()), None)
    cooccurring = {}
    for name, values in res["facets"].items():
        others = [f for f in values if not (name == facet and f is mine)]
        if name not in ("year", "language") and others:
            cooccurring[name] = others[:10]
    return {"kind": kind, "facet": facet, "value": mine["value"] if mine else value,
            "label": mine["label"] if mine else value, "query": q, "total": res["total"],
            "letters": res["hits"], "cooccurring": cooccurring,
            "years": res["facets"].get("year", [])}


def generation(archive) -> tuple:
    """What every page derived from the archive depends on: (repository head, the commit the
    index reflects), once the index has caught up with the head (unless another process is
    doing that right now). Pages kept under one generation are right until it changes."""
    archive.sync(blocking=False)
    return archive.reader.head(), archive.index.commit_id()


def related(archive, letter_id: str, limit: int = 6) -> list[dict]:
    """Letters related to this one: near-identical text first, then shared instruments,
    countries and addressees, each with the reasons it is listed.

    Built from the index alone (stored summaries and texts; no git reads) and kept per index
    generation, so a letter page shown again costs nothing until the archive changes."""
    current = generation(archive)
    cache = cache_for(archive, "related", RELATED_CACHED)
    found = cache.get(current, (letter_id, limit))
    if found is None:
        found = cache.put(current, (letter_id, limit), _related(archive, letter_id, limit))
    return [dict(r, reasons=list(r["reasons"])) for r in found]  # callers may change their copy


def _related(archive, letter_id: str, limit: int) -> list[dict]:
    mine = archive.index.summary(letter_id)
    if mine is None:
        return []
    addressees = [a for a in mine.get("addressees", []) if a]
    found = archive.index.related(letter_id, {"country": mine["countries"],
                                              "instrument": mine["instruments"],
                                              "addressee_exact": addressees}, limit)
    words = _word_counts(archive, letter_id)
    out, seen = [], set()
    for other_id, _score in found["text"][:3] + found["shared"]:
        other = archive.index.summary(other_id)
        if other is None or other_id in seen:
            continue
        seen.add(other_id)
        reasons = []
        shared = word_share(words, _word_counts(archive, other_id))
        if shared >= NEAR_IDENTICAL:
            reasons.append(f"near-identical text ({round(shared * 100)}% of words shared)")
        for label, key in (("instruments", "instrument_names"), ("countries", "country_names")):
            both = [other[key].get(k) or k for k in other[key] if k in mine[key]]
            if both:
                reasons.append(f"{label}: {', '.join(both)}")
        both = [a for a in other.get("addressees", []) if a and a in addressees]
        if both:
            reasons.append(f"addressed to {', '.join(both)}")
        if not reasons:
            continue  # similar words alone do not make a letter related
        out.append({"id": other_id, "title": other["title"], "date": other["date"],
                    "near_identical": shared >= NEAR_IDENTICAL, "shared": round(shared, 3),
                    "reasons": reasons})
    out.sort(key=lambda r: (not r["near_identical"], -len(r["reasons"])))
    return out[:limit]


def _word_counts(archive, letter_id: str) -> Counter:
    """The words of a letter's text as the index stores it (the text at the indexed commit)."""
    fields = archive.index.searcher().document(id=letter_id)
    return Counter(word_list((fields or {}).get("text") or ""))


def original(archive, letter_id: str, at: str | None = None) -> tuple[bytes, str]:
    """The source file a letter was ingested from (as of a version) and its file name."""
    record = archive.record(letter_id, at=at)
    name = (record.get("source") or {}).get("file") or ""
    ext = os.path.splitext(name)[1] or ".bin"
    path = ids.source_path(letter_id, ext)
    data = archive.reader.read(path, record["version"])
    if data is None:
        raise NotFound(f"the original file of {letter_id} is not in the archive")
    return data, letter_id + "." + path.rsplit(".", 1)[1]
