"""Writing letters: ingest (one or many) and edits, each letter version one commit.

The git reader and writer are separate modules (`repo.py`, `store.py`); this module
decides what to write: it prepares each letter (ingest pipeline), gives it an id,
refuses duplicates and stale edits, serialises and validates the TEI, then commits
under the archive lock and brings the index up to date.
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field

from git import GitCommandError

from . import diff as letterdiff, families, fixity, ids, personography, summaries
from .errors import ArchiveError, ConflictError
from .ingest import apply_hints, check_hints, prepare, reextract
from .letter import Letter, fingerprint
from .safexml import parse
from .store import parse_author
from .tei import to_tei
from .validate import validate_letter


# Batches up to this size report each letter's record and family; a bigger batch reports ids,
# versions and paths, so its results stay small however many letters it holds.
FAMILY_REPORT_MAX = 100


@contextmanager
def disk_errors():
    """Turn a failed write (full disk, read-only file system) into a clear archive error."""
    try:
        yield
    except OSError as exc:
        raise ArchiveError(f"could not write to the archive: {exc.strerror or exc}; "
                           "nothing was committed") from None
    except GitCommandError as exc:
        raise ArchiveError(f"git could not write to the archive: {(exc.stderr or '').strip()[:300]}; "
                           "nothing was committed") from None


@dataclass
class Batch:
    """What one write has claimed so far: ids, text fingerprints, and what a later version in
    the same write takes over from each letter not yet committed (`carried`: its archivist's
    corrections only, so a batch of any size does not keep its letters)."""
    ids: set = field(default_factory=set)
    fingerprints: dict = field(default_factory=dict)
    carried: dict = field(default_factory=dict)
    listed: dict | None = None  # year folder -> ids in it at the head, for big batches

    def exists(self, archive, letter_id: str) -> bool:
        """Whether a letter with this id is in the repository at the head."""
        path = ids.path_for(letter_id)
        if self.listed is None:  # one letter: look the path up
            return archive.reader.blob_sha(path) is not None
        folder = path.rsplit("/", 1)[0]
        if folder not in self.listed:  # many letters: list each year's folder once
            head = archive.reader.head()
            out = archive.repo.git.ls_tree("--name-only", head, folder + "/") if head else ""
            self.listed[folder] = set(filter(None, map(ids.id_from_path, out.splitlines())))
        return letter_id in self.listed[folder]


@dataclass
class Pending:
    """A letter version ready to commit. A large batch drops `letter` once the version is in
    its stream (`brief`): its result then gives the id, version and path without the record."""
    letter: Letter | None
    path: str
    changes: dict
    message: str
    filename: str
    warnings: list

    def __post_init__(self):
        self.id = self.letter.id

    def brief(self) -> None:
        self.letter = None


def serialise(letter: Letter) -> bytes:
    """The letter's TEI, refused unless valid against the project's schema.

    A letter prepared in a worker process (`pipeline`) may carry its TEI already serialised
    and validated there under the id it was expected to get; that is used if the id is the
    one it got, and dropped either way (a letter changed after this call is serialised anew)."""
    ready = letter.__dict__.pop("ready_tei", None)
    if ready is not None and ready[0] == letter.id:
        return ready[1]
    data = to_tei(letter)
    validate_letter(parse(data, letter.id), letter.id)
    return data


def serialise_ahead(letter: Letter, authority) -> None:
    """In a worker: serialise and validate the TEI under the id the letter will most likely get
    (its base id: no collision), for `serialise` to use. A letter that is not valid is left
    for the writer to refuse, with its usual message."""
    letter.id = base_id(letter, authority)
    try:
        letter.ready_tei = (letter.id, serialise(letter))
    except ArchiveError:
        pass
    finally:
        letter.id = ""


def base_id(letter: Letter, auth) -> str:
    """<date>-<sender>-<country>, before any suffix for a collision."""
    org = next(iter(letter.sender.get("organisations", [])), None)
    abbr = ""
    if org:
        known = auth.org(org.get("ref")) if org.get("ref") else auth.find_org(org["name"])
        abbr = (known or {}).get("abbr", "")
    sender = ids.org_slug(org["name"], abbr) if org else \
        ids.slug(next((s["name"].split()[-1] for s in letter.sender.get("signatories", [])
                       if s.get("name")), ""), 12)
    country = next((a["country"] for a in letter.addressees if a.get("country")), "") or \
        next((c["code"] for c in letter.countries), "")
    return ids.base_id(letter.date, sender, country)


def new_id(archive, letter: Letter, batch: Batch) -> str:
    """A fresh id: <date>-<sender>-<country>, suffixed on collision."""
    base = base_id(letter, archive.authority())
    candidate, n = base, 1
    while candidate in batch.ids or batch.exists(archive, candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _corrections(letter: Letter) -> dict:
    """{field: value} for each field the archivist set or corrected; they carry over to the
    letter's next version."""
    out = {}
    for name, how in letter.provenance.items():
        if how != "archivist":
            continue
        if name.startswith(("sender.", "source.")):
            part, key = name.split(".", 1)
            out[name] = getattr(letter, part).get(key)
        elif hasattr(letter, name):
            out[name] = getattr(letter, name)
    return out


def _carry_over(corrections: dict, letter: Letter) -> bool:
    """The previous version's corrections, for each field this version's source leaves unset;
    whether any was."""
    carried = False
    for name, value in corrections.items():
        if name in letter.provenance:
            continue
        carried = True
        if name.startswith(("sender.", "source.")):
            part, key = name.split(".", 1)
            getattr(letter, part)[key] = value
        else:
            setattr(letter, name, value)
        letter.provenance[name] = "archivist"
    return carried


def _prepare(archive, data, filename, hints, as_version_of, message, batch: Batch, letter=None):
    """A Pending write for one source file, or a result dict for a duplicate.

    `letter` is the file already turned into a Letter (by `pipeline.prepared`), if it was."""
    if letter is None:
        letter = prepare(data, filename, dict(hints or {}), archive.authority())
    warnings = getattr(letter, "warnings", [])
    if as_version_of:
        if as_version_of in batch.carried:
            letter.id, corrections = as_version_of, batch.carried[as_version_of]
        else:
            old, _, _ = archive.get(as_version_of)
            letter.id, corrections = old.id, _corrections(old)
        if _carry_over(corrections, letter):
            letter.__dict__.pop("ready_tei", None)   # serialised before these fields changed
        message = message or f"New version of {letter.id} from {letter.source['file']}"
    else:
        fp = fingerprint(letter)
        dup = batch.fingerprints.get(fp) or archive.index.find_fingerprint(fp)
        if dup:
            return {"file": filename, "ok": True, "duplicate": True, "id": dup,
                    "version": archive.version_of(dup),
                    "message": f"already archived as {dup}; nothing committed"}
        letter.id = new_id(archive, letter, batch)
        batch.fingerprints[fp] = letter.id
        message = message or f"Add {letter.id}: {letter.title}"
    batch.ids.add(letter.id)
    batch.carried[letter.id] = _corrections(letter)
    path = ids.path_for(letter.id)
    ext = os.path.splitext(letter.source["file"])[1] or ".bin"
    changes = {path: serialise(letter), ids.source_path(letter.id, ext): data}
    if as_version_of:  # the previous version's original, if of another format, leaves the tree
        old_sums = archive.reader.read(ids.sums_path(letter.id))
        for old_path in fixity.parse_sums(old_sums) if old_sums else {}:
            if old_path.startswith(f"{ids.source_dir(letter.id)}/original.") and old_path not in changes:
                changes[old_path] = None
    changes = fixity.with_sums(letter.id, changes)
    message += f"\n\nSource: {letter.source['file']} ({letter.source['format']})"
    if letter.source.get("url"):
        message += f"\nURL: {letter.source['url']}"
    return Pending(letter, path, changes, message, filename, warnings)


def index_directly(archive, parent, head, letters) -> None:
    """Index letters just committed on top of `parent` without reading them back from git.

    Only when the index reflected `parent`; otherwise `after_write` catches up from git.
    """
    try:
        if not archive.index.exists() or archive.index.commit_id() != parent:
            return
        with archive.index.writer_lock() as lk:
            if lk.acquired and archive.index.commit_id() == parent:
                archive.index.apply(iter(letters), [], head)
    except OSError:
        pass  # the commit is safe; after_write reports and the index catches up later


def officials_shard(country: str, name: str) -> str:
    """The register file an official belongs in: a folder per country, a file per first letter
    of the folded surname. People are matched on that surname key, so a person and every
    spelling of their name share one file, and a write parses ~1/26 of the country's people."""
    code = country.lower() if country and country.isalpha() and len(country) == 2 else "xx"
    return _shard_in(f"authority/officials/{code}", name)


def _shard_in(folder: str, name: str) -> str:
    return f"{folder}/{personography.name_key(name)[0][:1] or '_'}.xml"


def collect_officials(archive, letters, registers: dict) -> None:
    """Add the named officials of these letters to `registers` ({path: personography.Register},
    read from the archive on first use). A batch keeps its registers parsed from one letter to
    the next and serialises each file once, at the end."""
    for letter in letters:
        by_shard: dict = {}
        for o in letter.officials:
            if o.get("name"):
                by_shard.setdefault(officials_shard(o.get("country", ""), o["name"]), []).append(o)
        for path, people in by_shard.items():
            if path not in registers:
                _split_legacy_register(archive, path.rsplit("/", 1)[0], registers)
                if path not in registers:   # the split may have read it already
                    registers[path] = _kept_register(archive, path)
            registers[path].add(people, letter.id, letter.date)


def _split_legacy_register(archive, folder: str, registers: dict) -> None:
    """Archives written before the registers were split by surname hold one file per country
    (`authority/officials/<cc>.xml`). The first write naming an official of that country moves
    its people into the new files and removes the old one, in the same commit."""
    legacy = folder + ".xml"
    if legacy in registers or archive.reader.blob_sha(legacy) is None:
        return
    registers[legacy] = None   # removed by this write
    for person in personography.Register(archive.reader.read(legacy)).people():
        path = _shard_in(folder, person.findtext(personography.PERSNAME) or "")
        if path not in registers:
            registers[path] = _kept_register(archive, path)
        registers[path].adopt(person)


def register_officials(archive, letters) -> dict:
    """Updated register files {path: bytes} with the named officials of these letters."""
    registers: dict = {}
    collect_officials(archive, letters, registers)
    return registers_as_files(registers)


# A country's register of a large archive is ~500 KB of XML: parsing it took ~7 ms of every
# single ingest naming an official. The registers a process wrote are kept parsed, under the
# git blob id of the bytes they were written as, so the next write finds its register if (and
# only if) that blob is still the file at the head.
REGISTERS_KEPT = 64
_registers: OrderedDict = OrderedDict()
_registers_lock = threading.Lock()


def _after_fork_in_child() -> None:
    global _registers_lock
    _registers_lock = threading.Lock()  # a fork taken while another thread held it


os.register_at_fork(after_in_child=_after_fork_in_child)


def _kept_register(archive, path: str) -> personography.Register:
    blob = archive.reader.blob_sha(path)
    if blob is not None:
        with _registers_lock:
            register = _registers.pop(blob, None)  # taken: it changes from here on
        if register is not None:
            return register
    return personography.Register(archive.reader.read(path))


def registers_as_files(registers: dict) -> dict:
    """{path: bytes, or None to remove} of changed registers; each is kept under its new blob id."""
    files = {}
    for path, register in sorted(registers.items()):
        if register is None:
            files[path] = None
            continue
        files[path] = data = register.to_bytes()
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        with _registers_lock:
            _registers[blob] = register
            while len(_registers) > REGISTERS_KEPT:
                _registers.popitem(last=False)
    return files


def _done(p: Pending, sha: str) -> dict:
    out = {"file": p.filename, "ok": True, "id": p.id, "version": sha, "path": p.path, "warnings": p.warnings}
    if p.letter is not None:
        out["letter"] = p.letter.to_record(sha, p.path)
    return out


def ingest(archive, data, filename, hints=None, author=None, as_version_of=None, message=None) -> dict:
    """One source file -> one commit (or nothing, for a duplicate)."""
    with archive.lock():
        archive.sync()
        p = _prepare(archive, data, filename, hints, as_version_of, message, Batch())
        if isinstance(p, dict):
            return p
        p.changes.update(register_officials(archive, [p.letter]))
        parent = archive.reader.head()
        with disk_errors():
            sha = archive.store.commit(p.changes, p.message, parse_author(author, archive.repo),
                                       expected_head=parent)
        index_directly(archive, parent, sha, [(p.letter, p.path)])
        archive.after_write(1)
    return _with_family(archive, _done(p, sha))


def _with_family(archive, result: dict) -> dict:
    """Families are found at ingest: the letters this one shares most of its text with."""
    try:
        result["family"] = families.family_of(archive, result["id"], titles=False)
    except (ArchiveError, OSError):
        result["family"] = []
    return result


def preview(archive, data, filename, hints=None) -> dict:
    """The record ingest would write, with where each value came from; nothing is written."""
    archive.sync(blocking=False)
    p = _prepare(archive, data, filename, hints, None, None, Batch())
    if isinstance(p, dict):
        return p
    rec = p.letter.to_record("", p.path)
    return {"file": filename, "ok": True, "id": p.letter.id, "dry_run": True, "letter": rec,
            "provenance": p.letter.provenance, "warnings": p.warnings}


def edit(archive, letter_id, sets=None, text=None, message=None, author=None, base=None) -> dict:
    """Correct a letter as a new version; refused if `base` is not its current version."""
    from .readers.structure import segment
    sets = dict(sets or {})
    with archive.lock():
        letter, current, path = archive.get(letter_id)
        if base and archive.resolve_version(letter_id, base) != current:
            raise ConflictError(
                f"{letter_id} has changed since version {base[:12]}: its current version is "
                f"{current}; re-apply your edit on top of it", current)
        new = letter.copy()
        if text is not None:
            new = reextract(new, segment(text), archive.authority())
        if sets:
            check_hints(sets, "edit")
            apply_hints(new, sets, archive.authority(), "edit")
        if new == letter:
            raise ArchiveError("nothing to change: the edit leaves the letter as it was")
        summary = letterdiff.summarize(letterdiff.diff_letters(letter, new))
        msg = (message or f"Correct {letter_id}").strip() + f"\n\nChanged: {summary}"
        data = serialise(new)
        summaries.remember(archive.reader, archive.reader.blob_sha(path), data, summary)
        changes = fixity.with_sums(letter_id, {path: data}, archive.reader)
        changes.update(register_officials(archive, [new]))
        parent = archive.reader.head()
        with disk_errors():
            sha = archive.store.commit(changes, msg, parse_author(author, archive.repo),
                                       expected_head=parent)
        index_directly(archive, parent, sha, [(new, path)])
        archive.after_write(1)
    return {"ok": True, "id": letter_id, "version": sha, "summary": summary,
            "letter": new.to_record(sha, path), "warnings": getattr(new, "warnings", [])}
