"""Letter ids and the repository paths derived from them.

An id is stable, human-readable and unique: `<date>-<sender>-<country>` such as
`2005-05-16-hrw-kg`, with `-2`, `-3`... on collision. It is given once, at first
ingest, and a later metadata correction never changes it (nor the file's path).
"""
from __future__ import annotations

import re
import unicodedata

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_STOP = {"of", "the", "for", "and", "on", "in", "de", "la", "le", "les", "des", "du", "en",
         "y", "el", "et", "pour", "por", "del", "los", "las"}


def slug(text: str, limit: int = 40) -> str:
    """Lowercase ASCII slug of a text ('Côte d'Ivoire' -> 'cote-d-ivoire')."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


def org_slug(name: str, abbr: str = "") -> str:
    """Short slug for a sender organisation: its abbreviation, else its initials."""
    if abbr:
        return slug(abbr, 12) or "org"
    words = [w for w in re.findall(r"[\w']+", name) if w.lower() not in _STOP]
    if len(words) == 1:
        return slug(words[0], 12) or "org"
    return slug("".join(w[0] for w in words), 12) or "org"


def base_id(date: str | None, sender: str, country: str) -> str:
    """The id a letter gets before collision suffixes."""
    parts = [date if date else "undated", sender or "unknown"]
    if country:
        parts.append(country.lower())
    return "-".join(p for p in parts if p)


def path_for(letter_id: str) -> str:
    """Repository path of a letter's TEI file (fixed for the life of the letter)."""
    check_id(letter_id)
    year = letter_id[:4] if letter_id[:4].isdigit() else "undated"
    return f"letters/{year}/{letter_id}.xml"


def id_from_path(path: str) -> str | None:
    """The letter id of a repository path, or None if the path is not a letter."""
    m = re.fullmatch(r"letters/[0-9a-z]+/([a-z0-9][a-z0-9-]*)\.xml", path)
    return m.group(1) if m else None


def check_id(letter_id: str) -> str:
    if not ID_RE.match(letter_id or ""):
        raise ValueError(f"not a letter id: {letter_id!r}")
    return letter_id


def source_dir(letter_id: str) -> str:
    """The folder of a letter's original file and checksums, by year like the TEI files.

    By year so that no folder grows with the whole archive: every commit rewrites the trees
    on its paths, and a flat folder of 100,000 entries would make each write slower.
    """
    check_id(letter_id)
    year = letter_id[:4] if letter_id[:4].isdigit() else "undated"
    return f"sources/{year}/{letter_id}"


def source_path(letter_id: str, ext: str) -> str:
    """Where the original source file of a letter is kept in the repository."""
    ext = re.sub(r"[^a-z0-9]", "", ext.lower())[:8] or "bin"
    return f"{source_dir(letter_id)}/original.{ext}"


def sums_path(letter_id: str) -> str:
    """Where the SHA-256 checksums of a letter's TEI and original file are recorded."""
    check_id(letter_id)
    return f"{source_dir(letter_id)}/sha256sums"
