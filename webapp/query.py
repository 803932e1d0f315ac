"""Building search queries and their URLs: facet terms added to or removed from `q`."""
from __future__ import annotations

import re

# Facet names in search results -> the field a query uses for them.
FACET_FIELDS = {"country": "country", "instrument": "instrument", "official": "official",
                "organisation": "org", "year": "year"}
FACET_TITLES = {"country": "Country", "instrument": "Legal instrument", "official": "Official",
                "organisation": "Organisation", "year": "Year"}
SORTS = {"relevance": "Relevance", "-date": "Newest first", "date": "Oldest first"}
_PLAIN = re.compile(r"^[\w.\-]+$")


def term(field: str, value) -> str:
    """`field:value`, with the value quoted when it is not a single plain word."""
    value = str(value).replace('"', "").strip()
    if _PLAIN.match(value):
        return f"{field}:{value}"
    return f'{field}:"{value}"'


def has_term(q: str, t: str) -> bool:
    """Whether the query already contains the term `t` as a whole token."""
    return re.search(r"(^|\s)" + re.escape(t) + r"(?=\s|$)", q) is not None


def add_term(q: str, t: str) -> str:
    """`q` narrowed by `t` (terms are ANDed by default)."""
    q = q.strip()
    if has_term(q, t):
        return q
    return f"{q} {t}".strip()


def remove_term(q: str, t: str) -> str:
    """`q` without the term `t`."""
    q = re.sub(r"(^|\s)" + re.escape(t) + r"(?=\s|$)", " ", q)
    return " ".join(q.split())


def search_params(q: str, sort: str, page: int = 1, default_sort: str = "relevance") -> dict:
    """URL parameters for a search, leaving out defaults so each result page has one URL."""
    params = {"q": q} if q else {}
    if sort and sort != default_sort:
        params["sort"] = sort
    if page > 1:
        params["page"] = page
    return params


def default_sort(q: str) -> str:
    """Relevance ranks matches; with no query there is nothing to rank, so newest come first."""
    return "relevance" if q.strip() else "-date"
