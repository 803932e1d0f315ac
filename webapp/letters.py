"""Letter pages: one letter (current or at a version), its TEI and JSON."""
from __future__ import annotations

import re

from flask import Blueprint, Response, render_template, request, url_for

from archive import browse
from archive.lru import cache_for

from .home import get_archive
from .query import term
from .typeset import typeset

bp = Blueprint("letters", __name__, url_prefix="/letters")
PAGES_CACHED = 256  # letter pages whose record and typeset text are kept per archive generation

_HONORIFICS = {"mr", "mrs", "ms", "dr", "prof", "president", "minister", "his", "her",
               "excellency", "general", "judge", "justice", "me", "h.e"}


def entity_links(record: dict):
    """The link for each inline entity of this letter: a search for the value the index holds.

    The index knows organisations and officials by the names in the letter's header, which
    may be fuller than the words in the text ("UNHCR", "Mr. Bakiev"), so a mention is linked
    through the header entry it refers to when there is one.
    """
    orgs = {o.get("ref"): o.get("name") for o in
            record.get("organisations", []) + record.get("sender", {}).get("organisations", [])
            if o.get("ref") and o.get("name")}
    people = [p.get("name", "") for p in record.get("officials", []) + record.get("addressees", [])
              if p.get("name")]

    def person(text: str) -> str:
        """The query for a person: an official by their indexed name, anyone else as a phrase."""
        words = [w for w in text.replace(",", " ").split() if w.lower().strip(".") not in _HONORIFICS]
        if not words:
            return ""
        for name in people:
            if name.casefold() == " ".join(words).casefold():
                return term("official", name)
        for name in people:
            if name.split()[-1].casefold() == words[-1].casefold():
                return term("official", name)
        # Signatories and others named in passing are not officials: find the words themselves.
        return '"' + " ".join(words).replace('"', "") + '"'

    def link(kind: str, key: str, text: str) -> str:
        if kind == "person":
            q = person(text)
        else:
            field, value = {"place": ("country", key), "instrument": ("instrument", key),
                            "article": ("instrument", key), "org": ("org", orgs.get(key) or text)}[kind]
            q = term(field, value) if value else ""
        return url_for("search.search", q=q) if q else ""
    return link


def _letter_page(letter_id: str, at: str | None):
    archive = get_archive()
    record, body, family = _page_data(archive, letter_id, at)
    version, current = record["version"], record.get("latest") or record["version"]
    countries = {c.get("code"): c.get("name") or c.get("code") for c in record.get("countries", [])}
    return render_template(
        "letter.html", letter=record, body=body, version=version, current=current,
        is_current=version == current, countries=countries,
        related=archive.run(browse.related, letter_id), family=family,
        permalink=url_for("letters.letter_at", letter_id=letter_id, version=version, _external=True))


def _page_data(archive, letter_id: str, at: str | None) -> tuple:
    """(record, typeset body, family) of a letter page, kept per archive generation: the
    git reads, TEI parsing and typesetting are done once per letter until the archive changes."""
    generation = archive.run(browse.generation)
    cache = cache_for(archive, "letter-pages", PAGES_CACHED)
    key = (letter_id, at, request.script_root)  # the body's links start with the script root
    page = cache.get(generation, key)
    if page is None:
        record = archive.record(letter_id, at=at)
        # The version shown is the commit that last changed the letter, so the permalink
        # names the same text however the reader got here (short sha, later commit).
        version, current = record["version"], record.get("latest") or record["version"]
        body = typeset(archive.tei(letter_id, at=version), entity_links(record))
        family = archive.family(letter_id) if version == current else []
        page = cache.put(generation, key, (record, body, family))
    return page


@bp.route("/<letter_id>")
def letter(letter_id: str):
    """The current version of a letter, typeset."""
    return _letter_page(letter_id, None)


@bp.route("/<letter_id>/at/<version:version>")
def letter_at(letter_id: str, version: str):
    """A letter as it was at one version (a commit, full or short sha)."""
    return _letter_page(letter_id, version)


@bp.route("/<letter_id>.json")
def letter_json(letter_id: str):
    """The letter record."""
    return get_archive().record(letter_id)


@bp.route("/<letter_id>/at/<version:version>.json")
def letter_at_json(letter_id: str, version: str):
    """The letter record at one version."""
    return get_archive().record(letter_id, at=version)


def _xml(letter_id: str, data: bytes, version: str = "") -> Response:
    # Sent as a download so a browser never renders it as a page from this origin.
    name = re.sub(r"[^a-z0-9-]", "", letter_id) + (f"-{version[:12]}" if version else "")
    return Response(data, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xml"'})


@bp.route("/<letter_id>.xml")
def letter_xml(letter_id: str):
    """The letter's TEI file."""
    return _xml(letter_id, get_archive().tei(letter_id))


@bp.route("/<letter_id>/original")
def original(letter_id: str):
    """The file the letter was ingested from, as a download."""
    return _original(letter_id, None)


@bp.route("/<letter_id>/at/<version:version>/original")
def original_at(letter_id: str, version: str):
    """The source file of one version of the letter."""
    return _original(letter_id, version)


def _original(letter_id: str, version):
    data, name = get_archive().run(browse.original, letter_id, version)
    # Never rendered by the browser: an archived web page or e-mail must not run as this site.
    return Response(data, mimetype="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{re.sub(r"[^a-z0-9.-]", "", name)}"'})


@bp.route("/<letter_id>/related.json")
def related_json(letter_id: str):
    """Letters related to this one, with the reasons."""
    archive = get_archive()
    archive.record(letter_id)  # a 404 for an unknown letter
    return {"id": letter_id, "related": archive.run(browse.related, letter_id)}


@bp.route("/<letter_id>/at/<version:version>.xml")
def letter_at_xml(letter_id: str, version: str):
    """The letter's TEI file at one version."""
    archive = get_archive()
    full = archive.resolve_version(letter_id, version)
    return _xml(letter_id, archive.tei(letter_id, at=full), full)
