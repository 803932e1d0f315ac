"""Version pages: a letter's history, diffs between versions, blame, citations, letter comparison."""
from __future__ import annotations

from flask import Blueprint, render_template

from archive.diff import field_label

from .home import get_archive

bp = Blueprint("versions", __name__)

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


def _diff(letter_id: str, a: str, b: str) -> dict:
    return get_archive().diff(letter_id, a, b)


@bp.route("/letters/<letter_id>/diff/<version:a>..<version:b>")
def diff(letter_id: str, a: str, b: str):
    """What changed between two versions: metadata as a table, text word by word."""
    result = _diff(letter_id, a, b)
    record = get_archive().record(letter_id)
    changes = result.get("changes", [])
    return render_template(
        "diff.html", letter=record, diff=result,
        metadata=[c for c in changes if c.get("kind") == "metadata"],
        text=[c for c in changes if c.get("kind") != "metadata"])


@bp.route("/letters/<letter_id>/diff/<version:a>..<version:b>.json")
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
