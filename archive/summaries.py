"""The one-line summaries of a letter's history ("text: 1 paragraph added; metadata: date").

A summary depends only on the two TEI files it compares and on the code that parses and
compares them, so it is kept in the version cache (archive/cache.py) under (code key, old
blob sha, new blob sha): a history page reads its summaries back instead of parsing and
diffing every version again. The code key is a hash of the modules involved, so a change to
any of them makes new summaries rather than reading stale ones.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from . import diff as letterdiff, letter, safexml, tei, textdiff
from .tei import from_tei

_MODULES = (letterdiff, textdiff, tei, letter, safexml)
_code_key = None


def code_key() -> str:
    """A hash of the source of every module a summary depends on (computed once)."""
    global _code_key
    if _code_key is None:
        h = hashlib.sha256()
        for module in _MODULES:
            try:
                h.update(Path(module.__file__).read_bytes())
            except (OSError, TypeError):
                h.update(module.__name__.encode())
        _code_key = h.hexdigest()[:16]
    return _code_key


def summary(old, new) -> str:
    """The summary of the change from Letter `old` to Letter `new`."""
    return letterdiff.summarize(letterdiff.diff_letters(old, new))


def blob_id(data: bytes) -> str:
    """The git blob id of these bytes (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def remember(reader, old_blob: str | None, new_data: bytes, text: str) -> None:
    """Keep a summary computed at write time (an edit knows its own), so the letter's history
    never has to parse and compare those two versions again."""
    if reader.cache is not None and old_blob:
        reader.cache.put_summaries(code_key(), {(old_blob, blob_id(new_data)): text})


def annotate(reader, path: str, entries: list) -> list:
    """Give each history entry (newest first, from `RepoReader.history`) its "summary", and drop
    the entries' "blob" ids: "letter added", "letter removed", or what changed since the
    version before it."""
    blobs = [e.pop("blob") for e in entries]
    pairs = {}
    for i, e in enumerate(entries):
        new, old = blobs[i], blobs[i + 1] if i + 1 < len(blobs) else None
        if new is None:
            e["summary"] = "letter removed"
        elif old is None:
            e["summary"] = "letter added"
        else:
            pairs[i] = (old, new)
    if not pairs:
        return entries
    key = code_key()
    cache = reader.cache
    known = cache.summaries(key, pairs.values()) if cache is not None else {}
    missing, letters = {}, {}

    def parsed(sha):
        if sha not in letters:
            letters[sha] = from_tei(reader.read_blob(sha), path)
        return letters[sha]

    for i, pair in pairs.items():
        if pair not in known:
            known[pair] = missing[pair] = summary(parsed(pair[0]), parsed(pair[1]))
        entries[i]["summary"] = known[pair]
    if missing and cache is not None:
        cache.put_summaries(key, missing)
    return entries
