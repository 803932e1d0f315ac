"""Version pages: a letter's history, diffs between versions, blame, citations, letter comparison."""
from __future__ import annotations

import re
from contextlib import nullcontext

from flask import Blueprint, Response, abort, json, render_template, request, url_for

from archive import families, versions
from archive.diff import field_label

from .home import get_archive

bp = Blueprint("versions", __name__)
VIEWS = ("inline", "side")

BLOCK_NAMES = {"letterhead": "letterhead", "dateline": "date line", "address": "address",
               "salute": "salutation", "p": "paragraph", "closing": "closing",
               "signed": "signature", "postscript": "postscript"}
CHANGE_NAMES = {"insert": "Added", "delete": "Removed", "replace": "Changed", "move": "Moved"}


@bp.route("/letters/<letter_id>/history")
def history(letter_id: str):
    """Every version of a letter, newest first."""
    archive = get_archive()
    versions = archive.history(letter_id)
    record = archive.record(letter_id)
    return render_template("history.html", letter=record, versions=versions)


@bp.route("/letters/<letter_id>/history.json")
def history_json(letter_id: str):
    """The letter's versions, newest first."""
    return get_archive().history(letter_id)


def _run(fn, *args):
    """Call an archive/versions.py function with the archive, one call at a time like the
    facade's own methods (the shared git reader and searcher are not thread-safe)."""
    archive = get_archive()
    with getattr(archive, "_call_lock", None) or nullcontext():
        return fn(getattr(archive, "_archive", archive), *args)


def _view() -> str:
    view = request.args.get("view", "inline")
    if view not in VIEWS:
        abort(400, f"view must be one of: {', '.join(VIEWS)}")
    return view


def _diff(letter_id: str, a: str, b: str) -> dict:
    return get_archive().diff(letter_id, a, b)


def _rows(letter_id: str, a: str, b: str) -> list:
    def rows(archive):
        old, _, _ = archive.get(letter_id, a)
        new, _, _ = archive.get(letter_id, b)
        return versions.aligned(old, new)
    return _run(rows)


@bp.route("/letters/<letter_id>/diff/<version:a>..<version:b>")
def diff(letter_id: str, a: str, b: str):
    """What changed between two versions: metadata as a table, text inline or side by side."""
    view = _view()
    result = _diff(letter_id, a, b)
    record = get_archive().record(letter_id)
    changes = result.get("changes", [])
    return render_template(
        "diff.html", letter=record, diff=result, view=view,
        rows=_rows(letter_id, result["from"], result["to"]) if view == "side" else None,
        metadata=[c for c in changes if c.get("kind") == "metadata"],
        text=[c for c in changes if c.get("kind") != "metadata"])


@bp.route("/letters/<letter_id>/diff/<version:a>..<version:b>.json")
def diff_json(letter_id: str, a: str, b: str):
    """The diff as data."""
    return _diff(letter_id, a, b)


@bp.route("/letters/<letter_id>/diff/<version:a>..<version:b>.patch")
def diff_patch(letter_id: str, a: str, b: str):
    """The unified diff of the two TEI files, as a download."""
    patch = _run(versions.tei_diff, letter_id, a, b)
    name = f"{_safe(letter_id)}-{a[:12]}..{b[:12]}.diff"
    return Response(patch, mimetype="text/x-diff",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _safe(letter_id: str) -> str:
    return re.sub(r"[^a-z0-9-]", "", letter_id)


# ------------------------------------------------------------------ letters compared

@bp.route("/compare/<id_a>..<id_b>")
def compare(id_a: str, id_b: str):
    """Two letters (say one template sent to two governments): shared text and differences."""
    view = _view()
    result = _run(versions.compare, id_a, id_b)
    archive = get_archive()
    left, right = archive.record(id_a), archive.record(id_b)

    def rows(arch):
        return versions.aligned(arch.get(id_a)[0], arch.get(id_b)[0])
    changes = result["changes"]
    return render_template(
        "compare.html", left=left, right=right, result=result, view=view,
        rows=_run(rows) if view == "side" else None,
        metadata=[c for c in changes if c.get("kind") == "metadata"],
        text=[c for c in changes if c.get("kind") != "metadata"])


@bp.route("/compare/<id_a>..<id_b>.json")
def compare_json(id_a: str, id_b: str):
    """The comparison as data."""
    return _run(versions.compare, id_a, id_b)


@bp.route("/letters/<letter_id>/family.json")
def family_json(letter_id: str):
    """Near-duplicate letters (same template): [{"id", "title", "shared"}]."""
    return _run(families.family_of, letter_id)


# ------------------------------------------------------------------ blame

@bp.route("/letters/<letter_id>/blame")
def blame(letter_id: str):
    """Each paragraph of the current letter with the version that wrote it."""
    rows = _run(versions.blame, letter_id)
    record = get_archive().record(letter_id)
    return render_template("blame.html", letter=record, rows=rows)


@bp.route("/letters/<letter_id>/blame.json")
def blame_json(letter_id: str):
    """Blame as data."""
    return _run(versions.blame, letter_id)


# ------------------------------------------------------------------ citations

CITE_TYPES = {"txt": ("text", "text/plain"), "bib": ("bibtex", "application/x-bibtex"),
              "json": ("csl", "application/vnd.citationstyles.csl+json")}


def _cite_data(letter_id: str, version: str | None):
    record = _run(versions.cite_record, letter_id, version)
    url = url_for("letters.letter_at", letter_id=letter_id, version=record["version"],
                  _external=True)
    return record, url


def _cite_file(letter_id: str, version: str | None, ext: str):
    record, url = _cite_data(letter_id, version)
    fmt, mimetype = CITE_TYPES[ext]
    body = versions.citation(record, url, fmt)
    if fmt == "csl":
        # CSL-JSON is an array of items: citation managers import it as it is.
        body = json.dumps([body], ensure_ascii=False, indent=2)
    name = f"{_safe(letter_id)}-{record['version'][:12]}.{ext}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


def _cite_page(letter_id: str, version: str | None):
    record, url = _cite_data(letter_id, version)
    return render_template(
        "cite.html", letter=record, url=url, is_current=record["version"] == record["latest"],
        text=versions.citation(record, url, "text"), bibtex=versions.citation(record, url, "bibtex"),
        csl=versions.citation(record, url, "csl"))


@bp.route("/letters/<letter_id>/cite")
def cite(letter_id: str):
    """How to cite the current version: plain text, BibTeX, CSL-JSON."""
    return _cite_page(letter_id, None)


@bp.route("/letters/<letter_id>/at/<version:version>/cite")
def cite_at(letter_id: str, version: str):
    """How to cite one version."""
    return _cite_page(letter_id, version)


@bp.route("/letters/<letter_id>/cite.<any(txt, bib, json):ext>")
def cite_file(letter_id: str, ext: str):
    """The current version's citation in one format."""
    return _cite_file(letter_id, None, ext)


@bp.route("/letters/<letter_id>/at/<version:version>/cite.<any(txt, bib, json):ext>")
def cite_at_file(letter_id: str, version: str, ext: str):
    """One version's citation in one format."""
    return _cite_file(letter_id, version, ext)


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
