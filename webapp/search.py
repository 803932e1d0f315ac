"""Search pages: the query box and results (/, /search), their JSON and CSV twins, and /help."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context, url_for
from markupsafe import Markup, escape

from archive import browse
from archive.errors import InvalidQuery
from archive.lru import cache_for

from . import query as ql
from .home import get_archive

bp = Blueprint("search", __name__)

CSV_COLUMNS = ("id", "title", "date", "sender", "addressees", "countries", "instruments", "url")
CSV_BATCH = 100
FACET_SHOWN = 12
SEARCH_CACHED = 128  # search pages kept per archive generation (only what each page shows)
FEED_SIZE = 50
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
    view = _search_view(q, sort, page, size)
    return render_template("search.html", q=q, sort=sort, page=page, size=size, **view,
                           page_url=lambda n: _page_url(q, sort, n, size),
                           sorts=ql.SORTS, default_sort=ql.default_sort(q))


def _search_view(q: str, sort: str, page: int, size: int) -> dict:
    """What a search page shows, kept per archive generation (a new letter or an edit starts
    afresh): its counts, chips, and its hits and facets already rendered, so a page shown
    again is one template fill and nothing the archive's size can slow down."""
    archive = get_archive()
    generation = archive.run(browse.generation)
    cache = cache_for(archive, "search-pages", SEARCH_CACHED)
    key = (q, sort, page, size, request.script_root)
    view = cache.get(generation, key)
    if view is None:
        result = _run(q, sort, page, size)
        facets = _facets(q, sort, result)
        hits_html = render_template("_search_hits.html", result=result, page=page, size=size,
                                    labels=_hit_labels(result["hits"], result.get("facets", {})))
        facets_html = render_template("_search_facets.html", facets=facets,
                                      histogram=_histogram(q, sort, result)) if facets else ""
        view = cache.put(generation, key, {
            "result": {"total": result["total"], "understood": result.get("understood")},
            "pages": max(1, -(-result["total"] // size)),
            "chips": _chips(q, sort, result.get("facets", {})),
            "hits_html": Markup(hits_html) if result["hits"] else "",
            "facets_html": Markup(facets_html)})
    return view


def _hit_labels(hits: list, facets: dict) -> dict:
    """Labels of the countries and instruments the hits name, from their facets."""
    out = {}
    for name, key in (("country", "countries"), ("instrument", "instruments")):
        named = {v for hit in hits for v in hit.get(key) or ()}
        out[name] = {f["value"]: f.get("label") or f["value"] for f in facets.get(name, [])
                     if f["value"] in named}
    return out


def _keep_sort(q: str, sort: str, new_q: str) -> dict:
    """Search parameters for `new_q` at page 1, keeping a sort the reader chose."""
    keep = sort if sort != ql.default_sort(q) else ql.default_sort(new_q)
    return ql.search_params(new_q, keep, 1, ql.default_sort(new_q))


def _chips(q: str, sort: str, facets: dict) -> list:
    """Active filters, each with its label and the URL of the search without it."""
    by_field = {field: name for name, field in ql.FACET_FIELDS.items()}
    out = []
    for chip in ql.chips(q):
        name = by_field.get(chip["field"])
        value = chip["value"].upper() if name == "country" else chip["value"]
        label = next((f.get("label") or value for f in facets.get(name, []) if f["value"] == value), None)
        title = ql.FACET_TITLES.get(name, chip["field"].capitalize())
        out.append({"title": title, "label": label or chip["value"], "term": chip["term"],
                    "url": url_for("search.search", **_keep_sort(q, sort, chip["q"]))})
    return out


def _histogram(q: str, sort: str, result: dict) -> list:
    """Letters per year, every year in the span (a gap shows as an empty bar), for the chart."""
    years = {f["value"]: f["count"] for f in result.get("facets", {}).get("year", [])
             if str(f["value"]).isdigit()}
    if not years:
        return []
    low, high = int(min(years)), int(max(years))
    span = range(low, high + 1) if high - low <= 80 else sorted(int(y) for y in years)
    top = max(years.values())
    bars = []
    for year in span:
        count = years.get(str(year), 0)
        t = ql.term("year", year)
        active = ql.has_term(q, t)
        new_q = ql.remove_term(q, t) if active else ql.add_term(q, t)
        bars.append({"year": year, "count": count, "level": -(-10 * count // top), "active": active,
                     "url": url_for("search.search", **_keep_sort(q, sort, new_q)) if count else ""})
    return bars


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


@bp.route("/search.atom")
def search_atom():
    """The newest letters matching a query, as an Atom feed a reader can subscribe to."""
    q = request.args.get("q", "").strip()
    result = get_archive().search(q, limit=FEED_SIZE, offset=0, sort="-date")
    updated = max((h["date"] for h in result["hits"] if h["date"]), default="1970-01-01")
    body = render_template("feed.xml", q=q, result=result, updated=updated,
                           self_url=url_for("search.search_atom", _external=True, **({"q": q} if q else {})),
                           page_url=url_for("search.search", _external=True, **({"q": q} if q else {})))
    return Response(body, mimetype="application/atom+xml")


@bp.route("/help")
def help_page():
    """How to write a query."""
    return render_template("help.html", examples=EXAMPLES)


@bp.route("/help.json")
def help_json():
    """The query language's examples, as data."""
    return {"examples": [{"q": q, "finds": what, "url": url_for("search.search", q=q)}
                         for section in EXAMPLES.values() for q, what in section]}


# The help page's examples, by section; tests run every one against the demo archive.
EXAMPLES = {
    "words": [("detention", "letters about detention: also finds detained, detainees"),
              ("Demirtas", "accents do not matter: also finds Demirtaş (and Erdogan finds Erdoğan)"),
              ('"fair trial"', "the exact phrase"),
              ("tortur*", "words starting with tortur (at least two letters before the *)")],
    "ops": [('torture OR "ill-treatment"', "either one"),
            ("asylum NOT country:KZ", "asylum, but not letters about Kazakhstan"),
            ("(detention OR arrest) AND journalist", "grouped alternatives")],
    "fields": [("country:KG", "about a country, by ISO code"),
               ("country:Uzbekistan", "… or by name, in any language (country:Узбекистан)"),
               ('country:"Central Asia"', "about any country of a region"),
               ("instrument:ICCPR", "citing a legal instrument, by id, name or abbreviation"),
               ('instrument:"Refugee Convention"', "… by any of its names"),
               ("article:ICCPR/19", "citing an article of an instrument (paragraphs included)"),
               ('official:"Islam Karimov"', "naming an official (words of the name or role)"),
               ("addressee:(interior minister)", "addressed to someone, by name, role or country"),
               ('org:"Human Rights Watch"', "sent by or naming an organisation"),
               ('sender:"Human Rights Watch"', "sent by an organisation or signatory"),
               ("lang:fr", "written in a language (code or English name: lang:French)"),
               ("year:2016..2018", "written in a year or a span of years"),
               ("date:2005..2006", "written between two dates (YYYY, YYYY-MM or YYYY-MM-DD)"),
               ("date:>=2016-03", "written in or after March 2016 (also >, <, <=)"),
               ('org_exact:"Human Rights Watch"', "exactly this name, as the facet lists show it")],
    "questions": [('country:"Central Asia" instrument:"Refugee Convention" date:>=2005',
                   "letters to Central Asian governments citing the Refugee Convention since 2005"),
                  ("addressee:(interior minister) country:UZ",
                   "what organisations wrote to Uzbekistan's interior minister"),
                  ("article:ICCPR/19 date:2016..2018", "letters invoking ICCPR article 19 in 2016-2018")],
}


def _page_url(q: str, sort: str, page: int, size: int) -> str:
    params = ql.search_params(q, sort, page, ql.default_sort(q))
    if size != current_app.config["PAGE_SIZE"]:
        params["size"] = size
    return url_for("search.search", **params)


def _facets(q: str, sort: str, result: dict) -> list:
    """Facet groups for the page: each value with its count and a link that narrows (or widens) q."""
    groups = []
    for name, field in ql.FACET_FIELDS.items():
        facet = result.get("facets", {}).get(name, [])
        values = []
        filtered = f"{field}:" in q  # else no value of this facet can be a filter in use
        for rank, f in enumerate(facet):
            # Long lists show their top values (and any filter in use); the browse pages list
            # every one. Links are built only for what is shown: building thousands was most
            # of a search page's time. A value not in q at all is no filter in use.
            if rank >= FACET_SHOWN and not filtered:
                break
            if rank >= FACET_SHOWN and str(f["value"]).replace('"', "").strip() not in q:
                continue
            t = ql.term(field, f["value"])
            active = t in q and ql.has_term(q, t)
            if rank >= FACET_SHOWN and not active:
                continue
            new_q = ql.remove_term(q, t) if active else ql.add_term(q, t)
            # Narrowing starts again at page 1; a sort chosen by the reader is kept.
            values.append({"value": f["value"], "label": f.get("label") or f["value"],
                           "count": f.get("count", 0), "active": active,
                           "url": url_for("search.search", **_keep_sort(q, sort, new_q))})
        if values:
            groups.append({"name": name, "title": ql.FACET_TITLES[name], "values": values,
                           "more": max(0, len(facet) - len(values))})
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
