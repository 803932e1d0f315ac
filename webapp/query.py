"""Building search queries and their URLs: facet terms added to or removed from `q`."""
from __future__ import annotations

import re

from archive.browse import term  # noqa: F401  (the one quoting rule for field:value)
from archive.search import FACET_FIELDS  # noqa: F401  (facet -> the exact field its links search)

FACET_TITLES = {"country": "Country", "instrument": "Legal instrument", "article": "Article",
                "official": "Official", "addressee": "Addressee", "organisation": "Organisation",
                "year": "Year", "language": "Language"}
SORTS = {"relevance": "Relevance", "-date": "Newest first", "date": "Oldest first"}
_TOKEN = re.compile(r'\s*(\(|\)|[^\s()"]*"[^"]*"|[^\s()]+)')
_FIELD_TERM = re.compile(r'^(\w+):(?!\()(.+)$')


def chips(q: str) -> list[dict]:
    """The filters a reader can remove one by one: `field:value` terms ANDed at the top level."""
    tokens = [m.group(1) for m in _TOKEN.finditer(q)]
    out, depth = [], 0
    for i, tok in enumerate(tokens):
        if tok in ("(", ")"):
            depth += 1 if tok == "(" else -1
            continue
        m = _FIELD_TERM.match(tok)
        joined = (i and tokens[i - 1] in ("OR", "NOT")) or (i + 1 < len(tokens) and tokens[i + 1] == "OR")
        if depth == 0 and m and not joined:
            out.append({"term": tok, "field": m.group(1), "value": m.group(2).strip('"'),
                        "q": remove_term(q, tok)})
    return out


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
