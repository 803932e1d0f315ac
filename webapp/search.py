"""Search pages: the query box and results (/, /search), their JSON and CSV twins, and /help."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context, url_for
from markupsafe import Markup, escape

from archive.errors import InvalidQuery

from . import query as ql
from .home import get_archive

bp = Blueprint("search", __name__)

CSV_COLUMNS = ("id", "title", "date", "sender", "addressees", "countries", "instruments", "url")
CSV_BATCH = 100
# Spreadsheets run cells that start with these as formulas; letter titles are untrusted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _args():
    """The search state from the URL: query, sort, page, page size; bad values are a 400."""
    q = request.args.get("q", "").strip()
    sort = request.args.get("sort", "") or ql.default_sort(q)
    if sort not in ql.SORTS:
        raise InvalidQuery(f"Unknown sort order {sort!r}: use one of {', '.join(ql.SORTS)}.")
    page = _positive_int("page", 1)
    size = min(_positive_int("size", current_app.config["PAGE_SIZE"]),
               current_app.config["MAX_PAGE_SIZE"])
    return q, sort, page, size


def _positive_int(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidQuery(f"{name} must be a whole number of 1 or more, not {raw!r}.")
    return int(raw)


def _run(q: str, sort: str, page: int, size: int) -> dict:
    result = get_archive().search(q, limit=size, offset=(page - 1) * size, sort=sort)
    return dict(result, page=page)


@bp.route("/")
def index():
    """The home page: the search page with an empty query."""
    return search()


@bp.route("/search")
def search():
    """The search page; an empty query lists every letter, newest first."""
    q, sort, page, size = _args()
    result = _run(q, sort, page, size)
    pages = max(1, -(-result["total"] // size))
    labels = {name: {f["value"]: f.get("label") or f["value"] for f in values}
              for name, values in result.get("facets", {}).items()}
    return render_template("search.html", q=q, sort=sort, page=page, pages=pages, size=size,
                           result=result, labels=labels, facets=_facets(q, sort, result),
                           page_url=lambda n: _page_url(q, sort, n, size),
                           sorts=ql.SORTS, default_sort=ql.default_sort(q))


@bp.route("/search.json")
def search_json():
    """Exactly what Archive.search returns, plus the page number."""
    q, sort, page, size = _args()
    return _run(q, sort, page, size)


@bp.route("/search.csv")
def search_csv():
    """Every matching letter, one row each, streamed in batches."""
    q, sort, _page, _size = _args()
    archive = get_archive()
    first = archive.search(q, limit=CSV_BATCH, offset=0, sort=sort)  # a bad query fails here, as a 400

    def rows():
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(CSV_COLUMNS)
        result, offset = first, 0
        while True:
            for hit in result["hits"]:
                writer.writerow(_csv_row(hit))
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
            offset += len(result["hits"])
            if not result["hits"] or offset >= result["total"]:
                return
            result = archive.search(q, limit=CSV_BATCH, offset=offset, sort=sort)

    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="letters.csv"'})


def _csv_row(hit: dict) -> list:
    url = url_for("letters.letter", letter_id=hit["id"], _external=True)
    cells = [hit.get("id", ""), hit.get("title", ""), hit.get("date") or "",
             "; ".join(hit.get("sender") or []), "; ".join(hit.get("addressees") or []),
             "; ".join(hit.get("countries") or []), "; ".join(hit.get("instruments") or []), url]
    return ["'" + c if isinstance(c, str) and c.startswith(_FORMULA_START) else c for c in cells]


@bp.route("/help")
def help_page():
    """How to write a query."""
    return render_template("help.html")


def _page_url(q: str, sort: str, page: int, size: int) -> str:
    params = ql.search_params(q, sort, page, ql.default_sort(q))
    if size != current_app.config["PAGE_SIZE"]:
        params["size"] = size
    return url_for("search.search", **params)


def _facets(q: str, sort: str, result: dict) -> list:
    """Facet groups for the page: each value with its count and a link that narrows (or widens) q."""
    groups = []
    for name, field in ql.FACET_FIELDS.items():
        values = []
        for f in result.get("facets", {}).get(name, []):
            t = ql.term(field, f["value"])
            active = ql.has_term(q, t)
            new_q = ql.remove_term(q, t) if active else ql.add_term(q, t)
            # Narrowing starts again at page 1; a sort chosen by the reader is kept.
            keep = sort if sort != ql.default_sort(q) else ql.default_sort(new_q)
            values.append({"value": f["value"], "label": f.get("label") or f["value"],
                           "count": f.get("count", 0), "active": active,
                           "url": url_for("search.search",
                                          **ql.search_params(new_q, keep, 1, ql.default_sort(new_q)))})
        if values:
            groups.append({"name": name, "title": ql.FACET_TITLES[name], "values": values})
    return groups


def highlight(snippet: str, spans) -> Markup:
    """The snippet escaped, with the highlight spans wrapped in <mark>."""
    snippet = snippet or ""
    out = Markup("")
    pos = 0
    for start, end in sorted((max(0, int(s)), min(len(snippet), int(e))) for s, e in spans or []):
        start = max(start, pos)  # overlapping spans: mark each character once
        if end <= start:
            continue
        out += escape(snippet[pos:start]) + Markup("<mark>") + escape(snippet[start:end]) + Markup("</mark>")
        pos = end
    return out + escape(snippet[pos:])


@bp.app_template_global()
def search_url(field: str, value) -> str:
    """The search for one facet value (used by letter pages to link entities)."""
    return url_for("search.search", q=ql.term(field, value))


bp.add_app_template_filter(highlight, "highlight")
