"""Data exports (/export/...) and the OAI-PMH endpoint (/oai): read-only, public, streamed."""
from __future__ import annotations

import tempfile

from flask import Blueprint, Response, current_app, request, send_file, stream_with_context, url_for

from archive import export as exports, oai

from .home import get_archive

bp = Blueprint("exports", __name__)

DEFAULT_ADMIN_EMAIL = "archivist@example.org"


def _site_url() -> str:
    """The archive's public address: BASE_URL if configured (behind a proxy), else this request's."""
    return current_app.config.get("BASE_URL") or request.url_root


def _query():
    """The optional search (?q=) an export is restricted to; a bad one is a 400 before streaming."""
    q = request.args.get("q", "").strip()
    archive = get_archive()
    if q:
        archive.search(q, limit=1)
    return archive, q


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@bp.route("/export/cmif.xml")
def cmif():
    """Every letter's correspDesc (or a search's, with ?q=) in the CMIF format for correspSearch."""
    archive, q = _query()
    chunks = exports.cmif_chunks(archive, _site_url(), q,
                                 editor=current_app.config.get("EXPORT_EDITOR") or exports.PUBLISHER,
                                 licence=current_app.config.get("EXPORT_LICENCE") or exports.LICENCE_URL)
    return Response(stream_with_context(chunks), mimetype="application/xml")


@bp.route("/export/letters.csv")
def letters_csv():
    """One row per letter with every metadata field (the search's CSV has the short form)."""
    archive, q = _query()
    return Response(stream_with_context(exports.csv_chunks(archive, _site_url(), q)),
                    mimetype="text/csv", headers=_attachment("letters.csv"))


@bp.route("/export/letters.jsonl")
def letters_jsonl():
    """One letter record (with its text) per line."""
    archive, q = _query()
    return Response(stream_with_context(exports.jsonl_chunks(archive, q)),
                    mimetype="application/x-ndjson", headers=_attachment("letters.jsonl"))


@bp.route("/export/tei.zip")
def tei_zip():
    """The letters' TEI files and the authority files, as a zip (built in a temporary file)."""
    archive, q = _query()
    tmp = tempfile.TemporaryFile()  # on disk, not in memory; closed when the response is sent
    try:
        exports.write_tei_zip(archive, tmp, q)
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    return send_file(tmp, mimetype="application/zip", as_attachment=True,
                     download_name="letters-tei.zip", max_age=0)


@bp.route("/export.json")
def index_json():
    """The exports and the OAI-PMH endpoint, as data."""
    return {"exports": [
        {"name": "CMIF", "url": url_for("exports.cmif", _external=True), "query": "q"},
        {"name": "CSV", "url": url_for("exports.letters_csv", _external=True), "query": "q"},
        {"name": "JSON Lines", "url": url_for("exports.letters_jsonl", _external=True), "query": "q"},
        {"name": "TEI zip", "url": url_for("exports.tei_zip", _external=True), "query": "q"},
        {"name": "OAI-PMH", "url": url_for("exports.oai_pmh", _external=True) + "?verb=Identify"}]}


# POST is part of OAI-PMH; the site-wide CSRF check refuses it until /oai is exempted.
@bp.route("/oai", methods=["GET", "POST"])
def oai_pmh():
    """OAI-PMH 2.0 (Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords, GetRecord)."""
    archive = get_archive()
    repository_id = current_app.config.get("OAI_REPOSITORY_ID") or request.host.split(":")[0]
    repo = oai.Repository(archive, _site_url(), url_for("exports.oai_pmh", _external=True), repository_id,
                          current_app.config.get("OAI_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL,
                          page_size=current_app.config.get("OAI_PAGE_SIZE") or oai.PAGE_SIZE)
    params = list(request.args.items(multi=True))
    if request.method == "POST":
        params += list(request.form.items(multi=True))
    return Response(repo.respond(params), mimetype="text/xml")
