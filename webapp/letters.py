"""Letter pages: one letter (current or at a version), its TEI and JSON, history and diffs."""
from __future__ import annotations

import re

from flask import Blueprint, Response, render_template, url_for

from archive.diff import field_label

from .home import get_archive
from .query import term
from .typeset import typeset

bp = Blueprint("letters", __name__, url_prefix="/letters")

BLOCK_NAMES = {"letterhead": "letterhead", "dateline": "date line", "address": "address",
               "salute": "salutation", "p": "paragraph", "closing": "closing",
               "signed": "signature", "postscript": "postscript"}
CHANGE_NAMES = {"insert": "Added", "delete": "Removed", "replace": "Changed", "move": "Moved"}


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
    record = archive.record(letter_id, at=at)
    # The version shown is the commit that last changed the letter, so the permalink
    # names the same text however the reader got here (short sha, later commit).
    version, current = record["version"], record.get("latest") or record["version"]
    body = typeset(archive.tei(letter_id, at=version), entity_links(record))
    countries = {c.get("code"): c.get("name") or c.get("code") for c in record.get("countries", [])}
    return render_template(
        "letter.html", letter=record, body=body, version=version, current=current,
        is_current=version == current, countries=countries,
        permalink=url_for("letters.letter_at", letter_id=letter_id, version=version, _external=True))


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


@bp.route("/<letter_id>/at/<version:version>.xml")
def letter_at_xml(letter_id: str, version: str):
    """The letter's TEI file at one version."""
    archive = get_archive()
    full = archive.resolve_version(letter_id, version)
    return _xml(letter_id, archive.tei(letter_id, at=full), full)


@bp.route("/<letter_id>/history")
def history(letter_id: str):
    """Every version of a letter, newest first."""
    archive = get_archive()
    versions = archive.history(letter_id)
    record = archive.record(letter_id)
    return render_template("history.html", letter=record, versions=versions)


@bp.route("/<letter_id>/history.json")
def history_json(letter_id: str):
    """The letter's versions, newest first."""
    return get_archive().history(letter_id)


def _diff(letter_id: str, a: str, b: str) -> dict:
    return get_archive().diff(letter_id, a, b)


@bp.route("/<letter_id>/diff/<version:a>..<version:b>")
def diff(letter_id: str, a: str, b: str):
    """What changed between two versions: metadata as a table, text word by word."""
    result = _diff(letter_id, a, b)
    record = get_archive().record(letter_id)
    changes = result.get("changes", [])
    return render_template(
        "diff.html", letter=record, diff=result,
        metadata=[c for c in changes if c.get("kind") == "metadata"],
        text=[c for c in changes if c.get("kind") != "metadata"])


@bp.route("/<letter_id>/diff/<version:a>..<version:b>.json")
def diff_json(letter_id: str, a: str, b: str):
    """The diff as data."""
    return _diff(letter_id, a, b)


@bp.app_template_filter("show")
def show(value) -> str:
    """A diff value as text: lists joined, people and things by name."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(show(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or value.get("code") or value)
    return str(value)


bp.add_app_template_filter(field_label, "field_label")


@bp.app_context_processor
def _names():
    return {"block_names": BLOCK_NAMES, "change_names": CHANGE_NAMES}
