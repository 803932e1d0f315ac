"""Searching the archive: the query language's vocabulary (country names, instrument
aliases, date ranges) resolved against the authority files, facets labelled for people."""
from __future__ import annotations

import re

import pycountry

from . import countries
from .errors import ArchiveError, InvalidQuery

SORTS = ("relevance", "date", "-date")
# Field as typed -> the keyword field it searches. Values of these fields are looked up,
# not analysed as words; every other field (title:, official:, org: ...) is free text.
RESOLVED = {"country": "country", "countries": "country", "instrument": "instrument",
            "treaty": "instrument", "article": "article", "date": "date", "year": "year",
            "lang": "lang", "language": "lang", "official_exact": "official_exact",
            "addressee_exact": "addressee_exact", "org_exact": "org_exact",
            "sender_exact": "sender_exact"}
# Facet name -> the field its links search (exact values, so a link finds what it counts).
FACET_FIELDS = {"country": "country", "instrument": "instrument", "article": "article",
                "official": "official_exact", "addressee": "addressee_exact",
                "organisation": "org_exact", "year": "year", "language": "lang"}
# Regions researchers ask about, as ISO codes (UN M49 sub-regions, plus the South Caucasus).
REGIONS = {
    "central asia": ["KZ", "KG", "TJ", "TM", "UZ"],
    "south caucasus": ["AM", "AZ", "GE"],
    "eastern europe": ["BY", "BG", "CZ", "HU", "MD", "PL", "RO", "RU", "SK", "UA"],
    "northern africa": ["DZ", "EG", "LY", "MA", "SD", "TN", "EH"],
    "southern asia": ["AF", "BD", "BT", "IN", "IR", "LK", "MV", "NP", "PK"],
    "south-eastern asia": ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN"],
    "central america": ["BZ", "CR", "SV", "GT", "HN", "MX", "NI", "PA"],
    "western africa": ["BJ", "BF", "CV", "CI", "GM", "GH", "GN", "GW", "LR", "ML", "MR", "NE",
                       "NG", "SN", "SL", "TG"],
    "middle africa": ["AO", "CM", "CF", "TD", "CG", "CD", "GQ", "GA", "ST"],
}
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_LAST = "~"  # sorts after every digit and "-": "2006~" is the end of 2006


def resolve(archive, field: str, value: str):
    """What a value typed in a field means in the index: (field, [term or range, ...])."""
    target = RESOLVED[field]
    value = value.strip()
    if not value:
        raise InvalidQuery(f"{field}: needs a value, as in {_EXAMPLES.get(target, field + ':x')}")
    if target == "country":
        region = REGIONS.get(value.casefold())
        if region:
            return target, [c.lower() for c in region]
        found = countries.lookup(value)
        if not found:
            raise InvalidQuery(f"{value!r} is not a country this archive knows: use an ISO code "
                               "(country:UZ) or a name (country:Uzbekistan)")
        return target, [found["code"].lower()]
    if target == "instrument":
        return target, [_instrument_id(archive, value)]
    if target == "article":
        inst, sep, art = value.rpartition("/")
        if not sep or not inst or not art:
            raise InvalidQuery(f"article: takes an instrument and an article, as in article:ICCPR/19 "
                               f"(not {value!r})")
        base = f"{_instrument_id(archive, inst)}/{art.lower()}"
        # Article 19 also finds its paragraphs, 19(2) and 19(3).
        return target, [base, (base + "(", base + "(" + _LAST, False, False)]
    if target == "year" and re.fullmatch(r"\d{4}", value):
        # one year is one term of the field (its values are years): ranked with the words,
        # where a range would leave the whole query to Whoosh
        return target, [value]
    if target in ("date", "year"):
        return target, [_date_range(field, value, target == "year")]
    if target == "lang":
        return target, [_language(value)]
    return target, [value]  # exact names, as the facets show them


_EXAMPLES = {"country": "country:UZ", "instrument": "instrument:ICCPR", "article": "article:ICCPR/19",
             "date": "date:2005..2006", "year": "year:2016", "lang": "lang:fr"}


def _instrument_id(archive, value: str) -> str:
    found = archive.authority().find_instrument(value)
    if not found:
        raise InvalidQuery(f"{value!r} is not a legal instrument this archive knows: use its id or a "
                           "name or abbreviation, as in instrument:ICCPR or instrument:\"Refugee Convention\"")
    return found["id"]


def _date_range(field: str, value: str, year_only: bool):
    """A date or year value as an index range: (low, high, low_exclusive, high_exclusive)."""
    op = re.match(r"^(>=|<=|>|<)?(.*)$", value)
    cmp, rest = op.group(1), op.group(2)
    ends = rest.split("..", 1) if not cmp and ".." in rest else [rest]
    for end in ends:
        if end and not (_DATE.match(end) and (not year_only or len(end) == 4)):
            shape = "a year (2016)" if year_only else "YYYY, YYYY-MM or YYYY-MM-DD"
            raise InvalidQuery(f"{field}:{value} is not a date range: write {shape}, a range "
                               f"({field}:2005..2006) or a comparison ({field}:>=2016" +
                               ("" if year_only else "-03") + ")")
    if len(ends) == 2:
        low, high = ends
        if not low and not high:
            raise InvalidQuery(f"{field}:.. needs at least one end, as in {field}:2005..")
        if low and high and low > high:
            raise InvalidQuery(f"{field}:{value} ends before it starts")
        return (low or None, (high + _LAST) if high else None, False, False)
    if cmp == ">=":
        return (rest, None, False, False)
    if cmp == ">":
        return (rest + _LAST, None, False, False)
    if cmp == "<=":
        return (None, rest + _LAST, False, False)
    if cmp == "<":
        return (None, rest, False, True)
    return (rest, rest + _LAST, False, False)


def _language(value: str) -> str:
    if value.lower() == "und":
        return "und"
    lang = pycountry.languages.get(alpha_2=value.lower()) if len(value) == 2 else None
    try:
        lang = lang or pycountry.languages.lookup(value)
    except LookupError:
        raise InvalidQuery(f"{value!r} is not a language: use a code (lang:fr) or an English name "
                           "(lang:French)") from None
    return getattr(lang, "alpha_2", None) or lang.alpha_3


def search_letters(archive, q: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
                   facet_limit: int | None = None) -> dict:
    """Search the letters; facet counts cover every match, hits one page.

    `facet_limit` keeps only the most frequent values of each facet (`facet_sizes` tells how
    many there are): a page showing ten officials need not label ten thousand."""
    if sort not in SORTS:
        raise ArchiveError(f"unknown sort {sort!r}; use relevance, date or -date")
    limit = max(1, min(int(limit), 1000))
    archive.sync(blocking=False)
    res = archive.index.search(q, limit=limit, offset=max(0, int(offset)), sort=sort,
                               resolver=lambda field, value: resolve(archive, field, value),
                               resolved=tuple(RESOLVED), facet_limit=facet_limit)
    res["facets"] = label_facets(archive, res["facets"])
    return res


def label_facets(archive, facets: dict) -> dict:
    """Facet values with labels for people (instrument short names, country names)."""
    auth = archive.authority()
    labels = auth.derived("search.facet_labels", lambda _: {})   # facet -> value -> (value, label)
    out = {}
    for name, values in facets.items():
        known = labels.setdefault(name, {})
        for f in values:  # a large archive has thousands of officials: label each value once
            if f["value"] not in known:
                known[f["value"]] = _label(auth, name, f["value"])
        out[name] = [{"value": shown, "count": f["count"], "label": label}
                     for f in values for shown, label in (known[f["value"]],)]
    if "year" in out:
        out["year"].sort(key=lambda f: f["value"])
    return out


def _label(auth, name: str, value: str) -> tuple[str, str]:
    if name == "country":
        return value.upper(), countries.name(value.upper()) or value.upper()
    if name == "instrument":
        return value, instrument_label(auth, value)
    if name == "article":
        inst, _, art = value.rpartition("/")
        return value, f"{instrument_label(auth, inst)} art. {art}"
    if name == "language":
        return value, language_name(value)
    return value, value


def instrument_label(auth, ident: str) -> str:
    inst = auth.instrument(ident)
    return (inst.get("short") or inst["name"]) if inst else ident


def language_name(code: str) -> str:
    lang = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    return lang.name if lang else code
