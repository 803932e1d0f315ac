"""Versions of a letter: resolving and reading them, aligned diffs, the TEI diff, blame, citations.

Functions take the `Archive` as first argument (the facade in archive/home.py stays small).
A version is the commit that last changed the letter's TEI file; any later commit, or a
short sha, names the same version. See docs/versions.md for the rules.
"""
from __future__ import annotations

import difflib
import re

from . import diff as letterdiff, ids
from .errors import NotFound
from .textdiff import compare_key, diff_blocks

ARCHIVE_NAME = "Advocacy Letters Archive"
CITE_FORMATS = ("text", "bibtex", "csl")


# ------------------------------------------------------------------ versions

def resolve(archive, letter_id: str, rev: str) -> str:
    """The full sha of the version `rev` names (short shas accepted); NotFound otherwise.

    Unknown revisions, commits before the letter existed and commits that are not on the
    archive's main line (a dangling or foreign commit) are all "no such version".
    """
    sha = archive.resolve_version(letter_id, rev)   # checks the main line too
    return last_change(archive, letter_id, sha)


def last_change(archive, letter_id: str, commit: str) -> str:
    """The commit at or before `commit` that last changed the letter."""
    return archive.reader.last_change(ids.path_for(letter_id), commit)


def version_info(archive, commit: str) -> dict:
    """Author, date (ISO 8601) and subject line of one commit."""
    out = archive.repo.git.log("-1", "--format=%H%x1f%an <%ae>%x1f%aI%x1f%s", commit)
    sha, author, date, subject = out.split("\x1f", 3)
    return {"version": sha, "author": author, "date": date, "message": subject}


# ------------------------------------------------------------------ diffs

def _blocks(letter) -> list:
    return [(k, b.kind, b.text) for k, b in enumerate(letter.blocks)]


def aligned(old, new) -> list[dict]:
    """Both letters' blocks side by side, in reading order: one row per block pair.

    Each row: {"kind": equal|replace|insert|delete|move|moved-away, "old", "new" (texts or
    None), "old_block", "new_block", "block_kind", "words" (a replace's word diff or None)}.
    A moved block appears twice: "move" at its new place and "moved-away" at its old place.
    """
    changes, pairs = diff_blocks(_blocks(old), _blocks(new))
    by_new: dict = {}
    for c in changes:
        if c["to_block"] is not None:
            by_new.setdefault(c["to_block"], []).append(c)
    moved = {c["from_block"] for c in changes if c["kind"] == "move"}
    in_place = {i: j for i, j in pairs if i not in moved}
    old_of_new = {j: i for i, j in pairs}

    def place(i):
        # An old-only row sits after the last earlier block that stayed in place.
        before = [in_place[k] for k in in_place if k < i]
        return max(before) + 1 if before else 0

    events = []
    for j, block in enumerate(new.blocks):
        cs = by_new.get(j, [])
        i = old_of_new.get(j)
        kinds = {c["kind"] for c in cs}
        kind = "move" if "move" in kinds else "insert" if "insert" in kinds else \
            "replace" if "replace" in kinds else "equal"
        words = next((c["words"] for c in cs if c["kind"] == "replace"), None)
        events.append(((j, 1, 0), _row(kind, old, new, i, j, words)))
    for c in changes:
        if c["kind"] in ("delete", "move"):
            i = c["from_block"]
            kind = "delete" if c["kind"] == "delete" else "moved-away"
            row = _row(kind, old, new, i, None if kind == "delete" else c["to_block"], None)
            if kind == "moved-away":
                row["new"] = None
            events.append(((place(i), 0, i), row))
    return [row for _, row in sorted(events, key=lambda e: e[0])]


def _row(kind, old, new, i, j, words) -> dict:
    src = new.blocks[j] if j is not None and kind != "moved-away" else old.blocks[i]
    return {"kind": kind,
            "old": old.blocks[i].text if i is not None and kind != "insert" else None,
            "new": new.blocks[j].text if j is not None and kind not in ("delete",) else None,
            "old_block": i if kind != "insert" else None, "new_block": j,
            "block_kind": src.kind, "words": words}


def tei_diff(archive, letter_id: str, a: str, b: str) -> str:
    """The unified diff of the letter's two TEI files (for experts: every byte that changed)."""
    va, vb = resolve(archive, letter_id, a), resolve(archive, letter_id, b)
    path = ids.path_for(letter_id)
    old = archive.tei(letter_id, at=va).decode("utf-8").splitlines(keepends=True)
    new = archive.tei(letter_id, at=vb).decode("utf-8").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, f"a/{path}@{va[:12]}", f"b/{path}@{vb[:12]}"))


def compare(archive, id_a: str, id_b: str) -> dict:
    """Two different letters: their changes, the share of words they have in common and the
    blocks they share word for word ("common": [{"kind", "text"}] in the second letter's order)."""
    old, va, _ = archive.get(id_a)
    new, vb, _ = archive.get(id_b)
    keys = {compare_key(b.text) for b in old.blocks if b.text}
    common = [{"kind": b.kind, "text": b.text} for b in new.blocks
              if b.text and compare_key(b.text) in keys]
    return {"from": id_a, "to": id_b, "from_version": va, "to_version": vb,
            "changes": letterdiff.diff_letters(old, new),
            "shared": round(letterdiff.shared_ratio(old, new), 3), "common": common}


# ------------------------------------------------------------------ blame

def blame(archive, letter_id: str) -> list[dict]:
    """For each block of the current letter, the version that gave it its present text.

    [{"block", "kind", "text", "version", "author", "date", "message", "since"}]: "version"
    (with its author, date, subject) last changed the block's words (moves, whitespace reflow
    and kind changes keep it); "since" is the version in which the block first appeared.
    """
    try:
        path = ids.path_for(letter_id)
    except ValueError:
        raise NotFound(f"no letter {letter_id!r}") from None
    entries = archive.reader.history(path)[::-1]   # oldest first
    if not entries:
        raise NotFound(f"no letter {letter_id!r}")
    from .tei import from_tei
    prev, origin = None, []
    for e in entries:
        if e["blob"] is None:   # the letter was removed at this commit: what comes back is new
            prev, origin = None, []
            continue
        cur = from_tei(archive.reader.read_blob(e["blob"]), path)
        info = {"version": e["version"], "author": e["author"], "date": e["date"],
                "message": e["message"].split("\n", 1)[0]}
        mine = [(info, info) for _ in cur.blocks]
        if prev is not None:
            _, pairs = diff_blocks(_blocks(prev), _blocks(cur))
            for i, j in pairs:
                last, since = origin[i]
                same = compare_key(prev.blocks[i].text) == compare_key(cur.blocks[j].text)
                mine[j] = (last if same else info, since)
        prev, origin = cur, mine
    if prev is None:
        raise NotFound(f"no letter {letter_id!r}")
    return [{"block": k, "kind": b.kind, "text": b.text, **last,
             "since": {x: since[x] for x in ("version", "author", "date")}}
            for k, (b, (last, since)) in enumerate(zip(prev.blocks, origin))]


# ------------------------------------------------------------------ citations

def cite_record(archive, letter_id: str, at: str | None = None) -> dict:
    """The letter record at a version, plus "version_date" (when that version was committed)."""
    version = resolve(archive, letter_id, at) if at else None
    rec = archive.record(letter_id, at=version)
    rec["version_date"] = version_info(archive, rec["version"])["date"]
    return rec


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def _human_date(date: str | None) -> str:
    parts = (date or "").split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return parts[0] or "n.d."


def _authors(rec) -> list[str]:
    orgs = [o["name"] for o in rec.get("sender", {}).get("organisations", []) if o.get("name")]
    return orgs or [s["name"] for s in rec.get("sender", {}).get("signatories", [])
                    if s.get("name")]


def _recipients(rec) -> list[str]:
    return [", ".join(x for x in (a.get("name"), a.get("role")) if x)
            for a in rec.get("addressees", []) if a.get("name") or a.get("role")]


def citation(record: dict, url: str, fmt: str = "text"):
    """A citation of the letter at the record's version: "text", "bibtex" (str) or "csl" (dict).

    `url` is the version's permanent address; the version (commit) is named in every format.
    """
    version, short = record.get("version") or "", (record.get("version") or "")[:12]
    authors, recipients = _authors(record), _recipients(record)
    title = record.get("title") or record.get("id")
    vdate = (record.get("version_date") or "")[:10]
    if fmt == "text":
        to = f"Letter to {'; '.join(recipients)}, " if recipients else "Letter, "
        who = f"{', '.join(authors)}. " if authors else ""
        when = f" of {vdate}" if vdate else ""
        return (f"{who}\u201c{title}.\u201d {to}{_human_date(record.get('date'))}. "
                f"{ARCHIVE_NAME}, {record.get('id')}, version {short}{when}. {url}")
    if fmt == "bibtex":
        fields = [("author", " and ".join("{" + _bib(a) + "}" for a in authors) or None),
                  ("title", "{" + _bib(title) + "}"),
                  ("date", record.get("date")), ("year", (record.get("date") or "")[:4] or None),
                  ("howpublished", _bib(f"Letter to {'; '.join(recipients)}") if recipients else None),
                  ("organization", ARCHIVE_NAME), ("number", _bib(record.get("id") or "")),
                  ("version", version), ("url", url),
                  ("note", _bib(f"{ARCHIVE_NAME}, version {short}" + (f" of {vdate}" if vdate else "")))]
        key = re.sub(r"[^A-Za-z0-9]", "", record.get("id") or "letter") + "_" + version[:7]
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
        return f"@misc{{{key},\n{body}\n}}\n"
    if fmt == "csl":
        item = {"id": f"{record.get('id')}@{short}", "type": "personal_communication",
                "genre": "Open letter", "title": title,
                "author": [{"literal": a} for a in authors],
                "recipient": [{"literal": r} for r in recipients],
                "archive": ARCHIVE_NAME, "archive_location": record.get("id"),
                "version": version, "URL": url}
        if record.get("date"):
            item["issued"] = {"date-parts": [[int(p) for p in record["date"].split("-")]]}
        if vdate:
            item["available-date"] = {"date-parts": [[int(p) for p in vdate.split("-")]]}
        return item
    raise ValueError(f"unknown citation format {fmt!r}; known: {', '.join(CITE_FORMATS)}")


def _bib(text: str) -> str:
    # Escape BibTeX's special characters so a title can never break the entry's braces.
    table = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
             "$": r"\$", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}
    return "".join(table.get(ch, ch) for ch in str(text))
