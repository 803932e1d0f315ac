"""Browse pages: every country, instrument, official, addressee and organisation with its
letter count (/browse/<kind>), and one entity's letters and co-occurring entities."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, url_for

from archive import browse

from . import query as ql
from .home import get_archive

bp = Blueprint("browse", __name__, url_prefix="/browse")


def _entity_url(kind: str, value: str) -> str:
    return url_for("browse.entity", kind=kind, value=value)


def _facet_kind(facet: str) -> str:
    return next((k for k, f in browse.KINDS.items() if f == facet), "")


@bp.route("/")
def index():
    """The entity types, each with how many values it has."""
    archive = get_archive()
    kinds = [{"kind": k, "title": browse.TITLES[k], "count": len(archive.run(browse.entities, k)),
              "url": url_for("browse.entities", kind=k)} for k in browse.KINDS]
    return render_template("browse_index.html", kinds=kinds)


@bp.route("/index.json")
def index_json():
    """The entity types as data."""
    return {"kinds": [{"kind": k, "title": browse.TITLES[k],
                       "url": url_for("browse.entities_json", kind=k)} for k in browse.KINDS]}


@bp.route("/<kind>")
def entities(kind: str):
    """Every value of one entity type, with its letter count."""
    values = get_archive().run(browse.entities, kind)
    for v in values:
        v["url"] = _entity_url(kind, v["value"])
    return render_template("browse_list.html", kind=kind, title=browse.TITLES[kind], values=values)


@bp.route("/<kind>.json")
def entities_json(kind: str):
    """Every value of one entity type, as data."""
    values = get_archive().run(browse.entities, kind)
    return {"kind": kind, "values": [dict(v, url=_entity_url(kind, v["value"])) for v in values]}


@bp.route("/<kind>.csv")
def entities_csv(kind: str):
    """Every value of one entity type, as a spreadsheet."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(("value", "label", "count"))
    for v in get_archive().run(browse.entities, kind):
        writer.writerow([("'" + c if c[:1] in "=+-@" else c) for c in (v["value"], v["label"])] + [v["count"]])
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})


def _entity(kind: str, value: str) -> dict:
    data = get_archive().run(browse.entity, kind, value)
    data["search_url"] = url_for("search.search", q=data["query"], sort="-date")
    for facet, values in data["cooccurring"].items():
        other = _facet_kind(facet)
        for v in values:
            v["url"] = (_entity_url(other, v["value"]) if other else
                        url_for("search.search", q=ql.add_term(data["query"], ql.term(ql.FACET_FIELDS[facet], v["value"]))))
    return data


@bp.route("/<kind>/<path:value>.json")
def entity_json(kind: str, value: str):
    """One entity's letters and co-occurring entities, as data."""
    return _entity(kind, value)


@bp.route("/<kind>/<path:value>")
def entity(kind: str, value: str):
    """One entity: its letters, newest first, and the entities found with it."""
    data = _entity(kind, value)
    return render_template("browse_entity.html", e=data, title=browse.TITLES[kind],
                           facet_titles=ql.FACET_TITLES,
                           json_url=url_for("browse.entity_json", kind=kind, value=value))
