"""Searching the archive: the query language's vocabulary (country names, instrument
aliases) resolved against the authority files, facets labelled for people."""
from __future__ import annotations

from . import countries
from .errors import ArchiveError

SORTS = ("relevance", "date", "-date")


def resolve_term(archive, field: str, value: str):
    """Map what a researcher types in a field to the indexed value (None if unknown)."""
    if field == "country":
        found = countries.lookup(value)
        return found["code"].lower() if found else None
    if field == "instrument":
        return _instrument_id(archive, value)
    if field == "article" and "/" in value:
        inst, _, art = value.rpartition("/")
        iid = _instrument_id(archive, inst)
        return f"{iid or inst}/{art}".lower()
    return None


def _instrument_id(archive, value: str):
    found = archive.authority().find_instrument(value)
    return found["id"] if found else None


def search_letters(archive, q: str, limit: int = 20, offset: int = 0, sort: str = "relevance") -> dict:
    """Search the letters; facet counts cover every match, hits one page."""
    if sort not in SORTS:
        raise ArchiveError(f"unknown sort {sort!r}; use relevance, date or -date")
    limit = max(1, min(int(limit), 1000))
    archive.sync(blocking=False)
    res = archive.index.search(q, limit=limit, offset=max(0, int(offset)), sort=sort,
                               resolver=lambda field, value: resolve_term(archive, field, value))
    auth = archive.authority()
    for f in res["facets"]["country"]:
        f["value"] = f["value"].upper()
        f["label"] = countries.name(f["value"]) or f["value"]
    for f in res["facets"]["instrument"]:
        inst = auth.instrument(f["value"])
        f["label"] = (inst.get("short") or inst["name"]) if inst else f["value"]
    for name in ("official", "organisation", "year"):
        for f in res["facets"][name]:
            f["label"] = f["value"]
    res["facets"]["year"].sort(key=lambda f: f["value"])
    return res
