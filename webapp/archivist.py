"""Archivist forms: upload letters (with an optional preview) and correct a letter.

Uploaded file names are only ever passed on as names (they pick the reader and are shown
back); files kept between a preview and its confirmation are stored under random names.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path, PurePosixPath

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)

from archive import users
from archive.errors import ArchiveError, ConflictError, IngestError
from archive.ingest import check_hints
from archive.letter import clean_text
from archive.readers import supported
from archive.readers.archive_zip import iter_files

from .auth import current_archivist, login_required
from .home import get_archive

bp = Blueprint("archivist", __name__)

HINTS = ("date", "sender_org", "addressee", "source_url", "title", "language")
FORMATS = ".txt, .html, .docx, .pdf, .eml, .xml (TEI), .zip"
STAGE_DIR = "uploads"
STAGE_TTL = 24 * 3600  # an unconfirmed preview's files are dropped after a day
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_VERSION_RE = re.compile(r"^(?P<base>.+)\.v(?P<n>\d+)$")  # letter.v2.txt: the next version of letter.txt


# ------------------------------------------------------------------ upload
def _hints() -> dict:
    return {k: request.form.get(k, "").strip() for k in HINTS if request.form.get(k, "").strip()}


def _expand(uploads) -> list[dict]:
    """One entry per letter in the uploads ({name, filename, data, hints} or {name, error})."""
    entries = []
    for filename, data in uploads:
        # Browsers may send a path; only the last part is a name, and it is only ever a name.
        name = PurePosixPath(filename.replace("\\", "/")).name or "unnamed file"
        if name.lower().endswith(".zip"):
            entries += _zip_entries(name, data)
        elif supported(name):
            entries.append({"name": name, "filename": name, "data": data, "hints": {}})
        else:
            entries.append({"name": name, "error": f"{name}: not a format the archive reads ({FORMATS})"})
    return entries


def _zip_entries(name: str, data: bytes) -> list[dict]:
    """The letters in a zip, read as `letters ingest` reads a folder: sidecar .json hints,
    and `X.v2.txt` as the next version of the letter made from `X.txt`."""
    try:
        members = dict(iter_files(data, name))
    except ArchiveError as exc:
        return [{"name": name, "error": exc.message}]
    out = []
    for inner, content in members.items():
        p = PurePosixPath(inner)
        if p.name.startswith(".") or not supported(p.name):
            continue
        m = _VERSION_RE.match(p.stem)
        entry = {"name": f"{name}!{inner}", "filename": p.name, "data": content, "hints": {},
                 "key": (str(p.parent), m.group("base") if m else p.stem), "n": int(m.group("n")) if m else 1}
        side = members.get(str(p.with_suffix(".json")))
        try:
            entry["hints"] = json.loads(side.decode("utf-8")) if side is not None else {}
            if not isinstance(entry["hints"], dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            entry["error"] = f"{entry['name']}: its sidecar .json is not valid: {exc}"
            entry["hints"] = {}
        # The logged-in archivist is the author; a sidecar may still say why (the commit message).
        entry["hints"].pop("author", None)
        entry["message"] = entry["hints"].pop("message", None)
        out.append(entry)
    out.sort(key=lambda e: (*e.get("key", (e["name"], "")), e.get("n", 1)))
    return out or [{"name": name, "error": f"{name}: the zip holds no letters ({FORMATS})"}]


def _ingest(entries: list[dict], hints: dict, author: str) -> list[dict]:
    """Archive the readable entries; one result row per entry, in upload order."""
    todo = [e for e in entries if "error" not in e]
    items, first = [], {}
    for k, e in enumerate(todo):
        opts = {"author": author, "message": e.get("message")}
        if e.get("n", 1) > 1 and e["key"] in first:
            opts["version_of_item"] = first[e["key"]]
        elif "key" in e:
            first.setdefault(e["key"], k)
        items.append((e["data"], e["filename"], {**e["hints"], **hints}, opts))
    archive = get_archive()
    if len(items) == 1:
        data, filename, item_hints, opts = items[0]
        try:
            done = [archive.ingest(data, filename, item_hints, author=author, message=opts["message"])]
        except ArchiveError as exc:
            done = [{"ok": False, "error": exc.message}]
    else:
        done = archive.ingest_many(items, author=author) if items else []
    results, it = [], iter(done)
    for e in entries:
        r = {"ok": False, "error": e["error"]} if "error" in e else next(it)
        results.append({"name": e["name"], "ok": r["ok"], "id": r.get("id"), "version": r.get("version"),
                        "duplicate": r.get("duplicate", False), "error": r.get("error", ""),
                        "later_version": e.get("n", 1) > 1})
    return results


def _provenance_rows(res: dict) -> list[tuple]:
    """(label, value, where it came from) for each field of a preview."""
    rec, prov = res["letter"], res.get("provenance", {})

    def people(items, keys):
        return "\n".join("; ".join(p.get(k) or "" for k in keys).rstrip("; ") for p in items)
    rows = [("Title", "title", rec["title"]), ("Date", "date", rec["date"]),
            ("Language", "language", rec["language"]),
            ("Sender", "sender.organisations", "; ".join(o["name"] for o in rec["sender"]["organisations"])),
            ("Signatories", "sender.signatories", people(rec["sender"]["signatories"], ("name", "role"))),
            ("Addressees", "addressees", people(rec["addressees"], ("name", "role", "country"))),
            ("Countries", "countries", ", ".join(c["code"] for c in rec["countries"])),
            ("Instruments", "instruments", "; ".join(
                i["id"] + (f" art. {', '.join(i['articles'])}" if i["articles"] else "") for i in rec["instruments"])),
            ("Officials", "officials", "; ".join(o["name"] or o["role"] for o in rec["officials"])),
            ("Organisations", "organisations", "; ".join(o["name"] for o in rec["organisations"])),
            ("Source URL", "source.url", rec["source"].get("url", ""))]
    return [(label, value or "", prov.get(field, "extracted")) for label, field, value in rows]


def _preview(entries: list[dict], hints: dict) -> list[dict]:
    archive, out = get_archive(), []
    for e in entries:
        if "error" in e:
            out.append({"name": e["name"], "ok": False, "error": e["error"]})
            continue
        try:
            res = archive.preview(e["data"], e["filename"], {**e["hints"], **hints})
        except ArchiveError as exc:
            res = {"ok": False, "error": exc.message}
        row = {"name": e["name"], "ok": res["ok"], "id": res.get("id"), "error": res.get("error", ""),
               "duplicate": res.get("duplicate", False), "warnings": res.get("warnings", []),
               "later_version": e.get("n", 1) > 1}
        if res["ok"] and not row["duplicate"]:
            row["fields"], row["text"] = _provenance_rows(res), res["letter"]["text"]
        out.append(row)
    return out


def _stage_root() -> Path:
    return Path(current_app.config["LETTERS_HOME"]) / STAGE_DIR


def _stage(uploads, user: str) -> str:
    """Keep uploads until the preview is confirmed; returns the token naming them."""
    root = _stage_root()
    root.mkdir(mode=0o700, exist_ok=True)
    for old in root.iterdir():  # drop previews nobody confirmed
        if old.is_dir() and time.time() - old.stat().st_mtime > STAGE_TTL:
            shutil.rmtree(old, ignore_errors=True)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir(mode=0o700)
    for i, (_, data) in enumerate(uploads):
        (folder / str(i)).write_bytes(data)
    manifest = {"user": user, "names": [name for name, _ in uploads]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return token


def _staged(token: str, user: str):
    """(folder, uploads) kept under `token` for this archivist; 400 if there are none."""
    folder = _stage_root() / token if isinstance(token, str) and _TOKEN_RE.match(token) else None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest["user"] != user:
            raise ValueError("another archivist's upload")
        return folder, [(name, (folder / str(i)).read_bytes()) for i, name in enumerate(manifest["names"])]
    except (TypeError, OSError, ValueError, KeyError):
        abort(400, "This preview has expired or was already archived. Upload the files again.")


def _upload_page(hints: dict, error: str = "", previews=None, token: str = "", status: int = 200):
    return render_template("upload.html", hints=hints, error=error, previews=previews, token=token,
                           formats=FORMATS, max_mb=current_app.config["MAX_CONTENT_LENGTH"] // 2**20), status


def _checked_hints():
    hints = _hints()
    try:
        check_hints(dict(hints), "your hints")
    except IngestError as exc:
        return hints, exc.message
    return hints, ""


@bp.route("/archivist/upload", methods=["GET", "POST"])
@login_required
def upload():
    """The upload form; a POST archives the files, or previews them first."""
    if request.method == "GET":
        return _upload_page({})
    hints, error = _checked_hints()
    uploads = [(f.filename or "", f.read()) for f in request.files.getlist("files") if f.filename]
    if error or not uploads:
        return _upload_page(hints, error or "Choose at least one file to upload.", status=422)
    user = current_archivist()
    if request.form.get("preview"):
        return _upload_page(hints, previews=_preview(_expand(uploads), hints), token=_stage(uploads, user["name"]))
    return render_template("upload_result.html", results=_ingest(_expand(uploads), hints, users.author(user)))


@bp.route("/archivist/upload/confirm", methods=["POST"])
@login_required
def confirm():
    """Archive what was previewed (with the hints as corrected on the preview page)."""
    user = current_archivist()
    token = request.form.get("token")
    folder, uploads = _staged(token, user["name"])
    hints, error = _checked_hints()
    if error or request.form.get("action") == "preview":
        return _upload_page(hints, error, _preview(_expand(uploads), hints), token, 422 if error else 200)
    try:  # claimed first, so a second click on "Archive" finds nothing to archive twice
        claimed = folder.with_name("." + folder.name)
        os.rename(folder, claimed)
    except OSError:
        abort(400, "This preview has already been archived.")
    results = _ingest(_expand(uploads), hints, users.author(user))
    shutil.rmtree(claimed, ignore_errors=True)
    return render_template("upload_result.html", results=results)


def too_large(exc):
    """A friendly page for an upload over MAX_CONTENT_LENGTH."""
    mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 2**20
    return render_template("error.html", status=413, title="Upload too large", query_error=False, q="",
                           message=f"The upload is larger than the limit of {mb} MB. Upload fewer files "
                                   "at a time, or split the zip file."), 413


# ------------------------------------------------------------------ edit
# (form field, label, how to write it)
EDIT_FIELDS = (("title", "Title", ""), ("date", "Date", "YYYY, YYYY-MM or YYYY-MM-DD"),
               ("language", "Language", "a code: en, fr, es, ru..."), ("source_url", "Source URL", "http(s)://..."),
               ("sender_org", "Sender organisations", "separated by ;"),
               ("addressees", "Addressees", "one a line: Name; Role; Country"),
               ("signatory", "Signatory", "Name; Role (replaces every signatory)"))


def _norm_text(text: str) -> str:
    """The text as the archive keeps it: trimmed paragraphs separated by one blank line."""
    paras = re.split(r"\n[ \t]*\n", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return "\n\n".join(p for p in (clean_text(p) for p in paras) if p)


def form_values(rec: dict) -> dict:
    """The edit form's fields for a letter record."""
    def person(p, keys):
        return "; ".join(p.get(k) or "" for k in keys).rstrip("; ")
    sigs = rec["sender"].get("signatories") or []
    return {"title": rec.get("title") or "", "date": rec.get("date") or "",
            "language": rec.get("language") or "", "source_url": (rec.get("source") or {}).get("url") or "",
            "sender_org": "; ".join(o["name"] for o in rec["sender"].get("organisations", [])),
            "addressees": "\n".join(person(a, ("name", "role", "country")) for a in rec.get("addressees", [])),
            "signatory": person(sigs[0], ("name", "role")) if sigs else "", "text": rec.get("text") or ""}


def changes(old: dict, new: dict):
    """(sets, text) holding only what the archivist changed; ArchiveError for a cleared field."""
    sets = {}
    for field, label, _ in EDIT_FIELDS:
        if new[field] == old[field]:
            continue
        if not new[field]:
            raise ArchiveError(f"{label} cannot be emptied from the form; give a corrected value instead")
        if field == "sender_org":
            sets[field] = [n.strip() for n in new[field].split(";") if n.strip()]
        elif field == "addressees":
            sets[field] = [line.strip() for line in new[field].splitlines() if line.strip()]
        else:
            sets[field] = new[field]
    # Browsers send CRLF line ends: not a change, and not what the archive keeps.
    text = new["text"].replace("\r\n", "\n").replace("\r", "\n")
    return sets, (text if _norm_text(text) != _norm_text(old["text"]) else None)


@bp.route("/letters/<letter_id>/edit", methods=["GET", "POST"])
@login_required
def edit(letter_id: str):
    """Correct a letter: a new version made from the version the form showed."""
    archive = get_archive()
    if request.method == "GET":
        rec = archive.record(letter_id)
        return render_template("edit.html", letter=rec, base=rec["version"], values=form_values(rec),
                               fields=EDIT_FIELDS, message="", error="")
    base = request.form.get("base", "")
    if not re.fullmatch(r"[0-9a-f]{40}", base):
        abort(400, "The form does not say which version it was made from. Reload it and try again.")
    rec = archive.record(letter_id, at=base)
    values = {f: request.form.get(f, "").strip() for f, _, _ in EDIT_FIELDS}
    values["addressees"] = "\n".join(line.strip() for line in values["addressees"].splitlines() if line.strip())
    values["text"] = request.form.get("text", "")
    message = request.form.get("message", "").strip()
    try:
        sets, text = changes(form_values(rec), values)
        if not sets and text is None:
            raise ArchiveError("Nothing to change: the form is as the letter already is.")
        res = archive.edit(letter_id, sets, text, message or None,
                           users.author(current_archivist()), base=base)
    except ConflictError as exc:
        return render_template("edit.html", letter=rec, base=base, values=values, fields=EDIT_FIELDS,
                               message=message, error="", conflict=exc.current or archive.version_of(letter_id)), 409
    except ArchiveError as exc:
        return render_template("edit.html", letter=rec, base=base, values=values, fields=EDIT_FIELDS,
                               message=message, error=exc.message), 422
    flash({"id": letter_id, "version": res["version"], "from": base, "summary": res["summary"]}, "saved")
    return redirect(url_for("letters.letter", letter_id=letter_id))


def init_app(app) -> None:
    """The upload limit and the blueprint."""
    # Flask's defaults are "no limit" and 500 kB of form fields (too little for a long letter's text).
    if not app.config.get("MAX_CONTENT_LENGTH"):
        app.config["MAX_CONTENT_LENGTH"] = 50 * 2**20
    if app.config.get("MAX_FORM_MEMORY_SIZE") in (None, 500_000):
        app.config["MAX_FORM_MEMORY_SIZE"] = 5 * 2**20
    app.register_error_handler(413, too_large)
    app.register_blueprint(bp)
