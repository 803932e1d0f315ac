"""The ingest pipeline: source bytes -> reader -> structure -> extraction -> Letter.

What the archivist supplies (hints: flags or a sidecar JSON file) wins over what was
extracted, and each field records where its value came from (`Letter.provenance`).
Nothing here writes: `archive.home.Archive` commits and indexes the result.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from . import countries
from .errors import IngestError
from .extract import extract
from .letter import Block, Letter, normalise_structure
from .readers import read_file

HINT_FIELDS = ("date", "sender_org", "addressee", "addressees", "source_url", "title", "language",
               "signatory")
_DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def check_hints(hints: dict, name: str = "hints") -> dict:
    """Refuse unknown or malformed archivist-supplied fields with a clear message."""
    unknown = set(hints) - set(HINT_FIELDS)
    if unknown:
        raise IngestError(f"{name}: unknown field(s) {', '.join(sorted(unknown))}; "
                          f"known: {', '.join(HINT_FIELDS)}")
    if hints.get("date") and not _DATE_RE.match(str(hints["date"])):
        raise IngestError(f"{name}: date must be YYYY, YYYY-MM or YYYY-MM-DD, got {hints['date']!r}")
    url = hints.get("source_url")
    if url and not re.match(r"^https?://\S+$", url):
        raise IngestError(f"{name}: source_url must be an http(s) URL, got {url!r}")
    return hints


def parse_person(value, name: str = "hints") -> dict:
    """'Name; Role; CC' (or a dict) -> {"name", "role", "country"}."""
    if isinstance(value, dict):
        parts = [value.get("name", ""), value.get("role", ""), value.get("country", "")]
    else:
        parts = [p.strip() for p in str(value).split(";")] + ["", ""]
    person = {"name": parts[0].strip(), "role": parts[1].strip(), "country": ""}
    if parts[2].strip():
        found = countries.lookup(parts[2].strip())
        if not found:
            raise IngestError(f"{name}: unknown country {parts[2]!r} for {person['name'] or person['role']}")
        person["country"] = found["code"]
    if not person["name"] and not person["role"]:
        raise IngestError(f"{name}: a person needs a name or a role")
    return person


def default_title(letter: Letter) -> str:
    """'Letter from <sender> to <addressee>, <date>' from whatever is known."""
    sender = next((o["name"] for o in letter.sender.get("organisations", [])), "") or \
        next((s["name"] for s in letter.sender.get("signatories", [])), "") or "an unknown sender"
    to = ""
    if letter.addressees:
        a = letter.addressees[0]
        who = ", ".join(x for x in (a.get("name"), a.get("role")) if x)
        cname = countries.name(a["country"]) if a.get("country") else ""
        to = f" to {who}" + (f" ({cname})" if cname and cname not in who else "")
    when = f", {letter.date}" if letter.date else ""
    return f"Letter from {sender}{to}{when}"


def apply_extraction(letter: Letter, ex, keep: set) -> None:
    """Copy extracted values into the letter, except fields in `keep` (archivist-set)."""
    values = {
        "date": ex.date, "language": ex.language or letter.language,
        "sender.organisations": ex.sender_organisations, "sender.signatories": ex.signatories,
        "addressees": ex.addressees, "countries": ex.countries, "officials": ex.officials,
        "instruments": ex.instruments, "organisations": ex.organisations,
    }
    for field, value in values.items():
        if field in keep:
            continue
        if field.startswith("sender."):
            letter.sender[field.split(".", 1)[1]] = value
        else:
            setattr(letter, field, value)
        letter.provenance[field] = "extracted"
    letter.mentions = sorted(ex.mentions, key=lambda m: (m.block, m.start))


def apply_hints(letter: Letter, hints: dict, authority, name: str = "hints") -> None:
    """Put archivist-supplied values into the letter; they win over extraction."""
    def mark(field):
        letter.provenance[field] = "archivist"

    if hints.get("date"):
        letter.date = str(hints["date"])
        mark("date")
    if hints.get("title"):
        letter.title = str(hints["title"]).strip()
        mark("title")
    if hints.get("language"):
        letter.language = str(hints["language"]).strip().lower()
        mark("language")
    if hints.get("source_url"):
        letter.source["url"] = hints["source_url"]
        mark("source.url")
    if hints.get("sender_org"):
        names = hints["sender_org"] if isinstance(hints["sender_org"], list) else [hints["sender_org"]]
        orgs = []
        for n in names:
            known = authority.find_org(n)
            orgs.append({"name": n.strip(), "ref": known["id"] if known else ""})
        letter.sender["organisations"] = orgs
        mark("sender.organisations")
    if hints.get("signatory"):
        sig = parse_person(hints["signatory"], name)
        letter.sender["signatories"] = [{"name": sig["name"], "role": sig["role"]}]
        mark("sender.signatories")
    people = hints.get("addressees") or ([hints["addressee"]] if hints.get("addressee") else [])
    if people:
        letter.addressees = [parse_person(p, name) for p in people]
        mark("addressees")
        include_addressees(letter)


def include_addressees(letter: Letter) -> None:
    """Addressees are officials too, and their countries are countries of the letter.

    An official with an addressee's name is that addressee: the addressee's role wins, so
    a corrected title replaces the old one instead of adding a second person.
    """
    def key(p):
        return (p.get("name") or "").casefold() or ("role", (p.get("role") or "").casefold())
    addressed = {key(a): a for a in letter.addressees if a.get("name") or a.get("role")}
    others = [o for o in letter.officials if key(o) not in addressed]
    letter.officials = [dict(a) for a in addressed.values()] + others
    for a in letter.addressees:
        code = a.get("country")
        if code and code not in {c["code"] for c in letter.countries}:
            letter.countries.append({"code": code, "name": countries.name(code)})


def prepare(data: bytes, filename: str, hints: dict, authority) -> Letter:
    """Turn one source file plus archivist hints into a Letter (no id yet)."""
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload"
    check_hints(hints, name)
    result = read_file(data, name)
    own = result.meta.get("letter")
    problem = None
    if own is not None:  # the archive's own TEI: keep exactly what it says
        letter = own.copy()
        letter.id = ""
    else:
        blocks = normalise_structure(result.blocks)
        if not any(b.kind == "p" for b in blocks):
            raise IngestError(f"{name}: no letter text found (no paragraph after removing page clutter)")
        letter = Letter(blocks=blocks)
        ex, problem = safe_extract(blocks, authority, hints.get("language"))
        apply_extraction(letter, ex, set())
        if result.meta.get("title") and not letter.title:
            letter.title = result.meta["title"]
            letter.provenance["title"] = "source"
        # A web page's publication date or a file's creation date is not the letter's date;
        # an e-mail's Date header is when the letter was sent.
        if result.meta.get("date") and not letter.date and result.format == "email":
            letter.date = result.meta["date"]
            letter.provenance["date"] = "source"
        include_addressees(letter)
    apply_hints(letter, hints, authority, name)
    letter.source.update({"file": name, "format": result.format,
                          "sha256": hashlib.sha256(data).hexdigest()})
    if not letter.title:
        letter.title = default_title(letter)
        letter.provenance.setdefault("title", "extracted")
    letter.warnings = list(result.warnings) + ([problem] if problem else [])  # reported, not stored
    return letter


def safe_extract(blocks, authority, language):
    """Extraction, or an empty one and a warning if the extractor fails on this letter.

    The letter's text is what must be archived; metadata the extractor could not find the
    archivist can add (`letters edit --set`), so a bug in extraction never loses a letter.
    """
    try:
        return extract(blocks, authority, language=language), None
    except Exception as exc:  # noqa: BLE001 - any extractor bug, see the docstring
        empty = extract([Block("p", "")], authority, language=language) if blocks else None
        return empty, (f"metadata extraction failed ({type(exc).__name__}: {exc}); "
                       "the letter was archived with what the archivist supplied")


def reextract(letter: Letter, blocks, authority) -> Letter:
    """The letter with new text: extracted fields refreshed, archivist fields kept."""
    new = letter.copy()
    new.blocks = normalise_structure(blocks)
    if not any(b.kind == "p" for b in new.blocks):
        raise IngestError("the new text has no paragraph")
    keep = {f for f, how in letter.provenance.items() if how == "archivist"}
    ex, problem = safe_extract(new.blocks, authority, new.language)
    apply_extraction(new, ex, keep)
    new.warnings = [problem] if problem else []
    include_addressees(new)
    return new
