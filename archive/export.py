"""Data exports: CMIF, CSV, JSON Lines and a zip of the TEI files, streamed letter by letter.

Every export reads the letters' TEI at the archive's head through `public_ids`, the one
place that decides which letters leave the archive (see docs/exports.md).
"""
from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

from lxml import etree

from . import ids
from .tei import PUBLISHER, TEI_NS

T = "{%s}" % TEI_NS
FORMATS = ("cmif", "csv", "jsonl", "tei-zip")
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_TEXT = "The correspondence metadata are licensed under Creative Commons Attribution 4.0 (CC BY 4.0)."
# The canonical concept URI form, which correspSearch recognises as a Wikidata authority id.
WIKIDATA_URI = "http://www.wikidata.org/entity/"
CSV_COLUMNS = ("id", "title", "date", "language", "senders", "signatories", "addressees", "countries",
               "instruments", "officials", "organisations", "source_url", "version", "url", "version_url")
# Spreadsheets run cells that start with these as formulas; every letter field is untrusted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SEARCH_PAGE = 1000  # ids fetched per search call when an export is restricted to a query


def _call(archive, fn, *args):
    """fn(archive, ...) with the archive to itself: the web's SerialArchive serialises calls."""
    run = getattr(archive, "run", None)
    return run(fn, *args) if run else fn(archive, *args)


class Urls:
    """The public addresses of the archive's pages, from its base URL (no Flask needed)."""

    def __init__(self, base_url: str):
        self.base = (base_url or "http://127.0.0.1:8000").rstrip("/")

    def letter(self, letter_id: str) -> str:
        return f"{self.base}/letters/{quote(letter_id, safe='')}"

    def version(self, letter_id: str, version: str) -> str:
        return f"{self.letter(letter_id)}/at/{version}"

    def tei(self, letter_id: str) -> str:
        return f"{self.letter(letter_id)}.xml"

    def browse(self, kind: str, value: str) -> str:
        return f"{self.base}/browse/{kind}/{quote(value, safe='')}"

    def export(self, name: str, query: str = "") -> str:
        return f"{self.base}/export/{name}" + (f"?{urlencode({'q': query})}" if query else "")


def public_ids(archive, query: str = "") -> list[str]:
    """Ids of the letters an export may show: every letter (by path, which is date order),
    or a search's matches in date order."""
    if query:
        out, offset = [], 0
        while True:
            res = archive.search(query, limit=SEARCH_PAGE, offset=offset, sort="date")
            out += [h["id"] for h in res["hits"]]
            offset += len(res["hits"])
            if not res["hits"] or offset >= res["total"]:
                break
    else:
        out = _call(archive, lambda a: [ids.id_from_path(p) for p in sorted(a.reader.letter_paths())])
    # Restricted letters (embargoed or internal) would be dropped here; none exist yet.
    return out


def iter_letters(archive, query: str = "", stats: dict | None = None):
    """(Letter, version, path) for each exported letter, read one at a time."""
    for letter_id in public_ids(archive, query):
        letter, version, path = archive.get(letter_id)
        if stats is not None:
            stats["letters"] = stats.get("letters", 0) + 1
        yield letter, version, path


# ---------------------------------------------------------------- CMIF

def _drain(buf: io.BytesIO) -> bytes:
    data = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return data


def _leaf(xf, tag: str, text: str | None = None, indent: str = "\n          ", **attrs):
    xf.write(indent)
    with xf.element(T + tag, {k: v for k, v in attrs.items() if v}):
        if text:
            xf.write(text)


def org_ref(org: dict, auth, urls: Urls) -> str:
    """Authority URIs of a sender organisation: Wikidata where known, then its archive page."""
    entry = auth.org(org.get("ref", "")) if org.get("ref") else None
    refs = [WIKIDATA_URI + entry["wikidata"]] if entry and entry.get("wikidata") else []
    if org.get("name"):
        refs.append(urls.browse("organisations", org["name"]))
    return " ".join(refs)


def _correspdesc(xf, letter, urls: Urls, auth, source_id: str):
    """One letter's correspDesc, written element by element (CMIF mapping: docs/exports.md)."""
    xf.write("\n      ")
    with xf.element(T + "correspDesc", {"ref": urls.letter(letter.id), "source": "#" + source_id}):
        xf.write("\n        ")
        with xf.element(T + "correspAction", {"type": "sent"}):
            parts = 0
            for org in letter.sender.get("organisations", []):
                if org.get("name"):
                    _leaf(xf, "orgName", org["name"], ref=org_ref(org, auth, urls))
                    parts += 1
            for person in letter.sender.get("signatories", []):
                if person.get("name"):
                    _leaf(xf, "persName", person["name"])
                    parts += 1
            if letter.sender.get("place"):
                _leaf(xf, "placeName", letter.sender["place"])
                parts += 1
            if letter.date:
                _leaf(xf, "date", when=letter.date)
                parts += 1
            if not parts:  # correspAction may not be empty
                _leaf(xf, "note", "Sender not recorded.")
            xf.write("\n        ")
        xf.write("\n        ")
        with xf.element(T + "correspAction", {"type": "received"}):
            # Named by name, else by office ("Minister of Justice"), as the addressee pages are.
            names = [a.get("name") or a.get("role") for a in letter.addressees]
            for name in filter(None, names):
                _leaf(xf, "persName", name, ref=urls.browse("addressees", name))
            codes = {a.get("country") for a in letter.addressees if a.get("country")}
            country = next((c.get("name") for c in letter.countries if c.get("code") in codes), "")
            if len(codes) == 1 and country:  # where the letter went: the addressees' one country
                _leaf(xf, "placeName", country)
            if not any(names) and not (len(codes) == 1 and country):
                _leaf(xf, "note", "Addressee not recorded.")
            xf.write("\n        ")
        xf.write("\n      ")


def _file_desc(urls: Urls, title: str, editor: str, licence: str, now: str, source_id: str,
               query: str):
    """CMIF's fileDesc: title and editor, the file's own URL, date and licence, the source bibl."""
    def el(parent, tag, text=None, **attrs):
        e = etree.SubElement(parent, T + tag, {k: v for k, v in attrs.items() if v})
        e.text = text
        return e
    fd = etree.Element(T + "fileDesc", nsmap={None: TEI_NS})
    ts = el(fd, "titleStmt")
    el(ts, "title", title)
    el(ts, "editor", editor or PUBLISHER)
    ps = el(fd, "publicationStmt")
    el(el(ps, "publisher"), "ref", PUBLISHER, target=urls.base + "/")
    el(ps, "idno", urls.export("cmif.xml", query), type="url")
    el(ps, "date", when=now)
    el(el(ps, "availability"), "licence", LICENCE_TEXT if licence == LICENCE_URL else licence,
       target=licence)
    bibl = el(el(fd, "sourceDesc"), "bibl", PUBLISHER + ", ", type="online")
    bibl.set("{http://www.w3.org/XML/1998/namespace}id", source_id)
    el(bibl, "ref", urls.base + "/", target=urls.base + "/")
    etree.indent(fd, "  ", level=2)
    return fd


def cmif_chunks(archive, base_url: str, query: str = "", editor: str = PUBLISHER,
                licence: str = LICENCE_URL, stats: dict | None = None):
    """The CMIF document (TEI with one correspDesc per letter), as UTF-8 byte chunks."""
    urls = Urls(base_url)
    auth = archive.authority()
    # Stable across regenerations, as CMIF asks; xml:id must start with a letter.
    source_id = "archive-" + str(uuid.uuid5(uuid.NAMESPACE_URL, urls.base + "/"))
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    title = "Advocacy Letters Archive: correspondence metadata" + (f" (search: {query})" if query else "")
    buf = io.BytesIO()
    with etree.xmlfile(buf, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(T + "TEI", nsmap={None: TEI_NS}):
            xf.write("\n  ")
            with xf.element(T + "teiHeader"):
                xf.write("\n    ")
                # Written whole: lxml's incremental writer cannot write an xml:id attribute itself.
                xf.write(_file_desc(urls, title, editor, licence, now, source_id, query))
                xf.write("\n    ")
                with xf.element(T + "profileDesc"):
                    for letter, _version, _path in iter_letters(archive, query, stats):
                        _correspdesc(xf, letter, urls, auth, source_id)
                        yield _drain(buf)
                    xf.write("\n    ")
                xf.write("\n  ")
            xf.write("\n  ")
            with xf.element(T + "text"):
                with xf.element(T + "body"):
                    _leaf(xf, "p", indent="")
            xf.write("\n")
    buf.write(b"\n")
    yield _drain(buf)


# ---------------------------------------------------------------- CSV and JSON Lines

def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: formula-like values get a leading apostrophe."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _person(p: dict) -> str:
    parts = [p.get("name", ""), p.get("role", "")]
    text = ", ".join(x for x in parts if x)
    return f"{text} ({p['country']})" if p.get("country") else text


def csv_row(letter, version: str, urls: Urls) -> list[str]:
    """One letter as a CSV row (CSV_COLUMNS); lists are joined with '; '."""
    join = "; ".join
    instruments = [(i.get("short") or i.get("name") or i.get("id", "")) +
                   (f" (art. {', '.join(i['articles'])})" if i.get("articles") else "")
                   for i in letter.instruments]
    cells = [letter.id, letter.title, letter.date or "", letter.language,
             join(o.get("name", "") for o in letter.sender.get("organisations", [])),
             join(_person(s) for s in letter.sender.get("signatories", [])),
             join(_person(a) for a in letter.addressees),
             join(c.get("code", "") for c in letter.countries), join(instruments),
             join(_person(o) for o in letter.officials),
             join(o.get("name", "") for o in letter.organisations),
             letter.source.get("url", ""), version, urls.letter(letter.id), urls.version(letter.id, version)]
    return [safe_cell(c) for c in cells]


def csv_chunks(archive, base_url: str, query: str = "", stats: dict | None = None):
    """The CSV export, a header and then one row per letter, as text chunks."""
    urls = Urls(base_url)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for letter, version, _path in iter_letters(archive, query, stats):
        writer.writerow(csv_row(letter, version, urls))
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


def jsonl_chunks(archive, query: str = "", stats: dict | None = None):
    """One letter record (DESIGN.md, with text) per line, as text chunks."""
    for letter_id in public_ids(archive, query):
        record = archive.record(letter_id)
        if stats is not None:
            stats["letters"] = stats.get("letters", 0) + 1
        yield json.dumps(record, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- TEI zip

def _authority_paths(a) -> list[str]:
    head = a.reader.head()
    out = a.repo.git.ls_tree("-r", "--name-only", head, "--", "authority/") if head else ""
    return [p for p in out.splitlines() if p.endswith(".xml")]


def write_tei_zip(archive, fileobj, query: str = "", stats: dict | None = None) -> None:
    """Write a zip of the letters' TEI files and the authority files to a binary file object,
    one file at a time, with the archive's repository paths."""
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for letter_id in public_ids(archive, query):
            zf.writestr(ids.path_for(letter_id), archive.tei(letter_id))
            if stats is not None:
                stats["letters"] = stats.get("letters", 0) + 1
        for path in _call(archive, _authority_paths):
            data = _call(archive, lambda a, p=path: a.reader.read(p))
            if data is not None:
                zf.writestr(path, data)
