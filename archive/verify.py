"""`letters verify`: prove the archive is what was archived, and say exactly what is not.

Checks: git's own object integrity (`git fsck`), each letter's TEI against the schema and
its id against its path, each file against its recorded SHA-256, each original against the
checksum in its TEI, the authority files, stale lock files, and the index against the
repository's head. `repair` rebuilds only what is derived (the index).
"""
from __future__ import annotations

import subprocess
import time

from . import fixity, ids
from .errors import ArchiveError
from .safexml import parse
from .tei import from_tree
from .validate import validate_letter

STALE_LOCK_SECONDS = 60


def _problem(check: str, path: str, message: str) -> dict:
    return {"check": check, "path": path, "message": message}


def check_git(archive) -> list[dict]:
    proc = subprocess.run(["git", "--git-dir", str(archive.git_dir), "fsck", "--strict", "--no-dangling",
                           "--no-progress"], capture_output=True, text=True)
    if proc.returncode == 0:
        return []
    lines = [l for l in (proc.stdout + proc.stderr).splitlines() if l.strip()][:20]
    return [_problem("git", "", line) for line in lines] or [_problem("git", "", "git fsck failed")]


def check_locks(archive) -> list[dict]:
    now = time.time()
    return [_problem("locks", str(p.relative_to(archive.home)),
                     f"stale git lock file, {int(now - p.stat().st_mtime)} s old (a writer died?)")
            for p in archive.git_dir.rglob("*.lock") if now - p.stat().st_mtime > STALE_LOCK_SECONDS]


def check_letters(archive) -> tuple[list[dict], int]:
    problems, head = [], archive.reader.head()
    paths = archive.reader.letter_paths(head)
    for path in paths:
        data = archive.reader.read(path, head)
        try:
            tree = parse(data, path)
            validate_letter(tree, path)
            letter = from_tree(tree)
        except ArchiveError as exc:
            problems.append(_problem("tei", path, exc.message))
            continue
        if ids.path_for(letter.id) != path:
            problems.append(_problem("tei", path, f"its id {letter.id!r} does not match its path"))
            continue
        problems += _check_sums(archive, letter, path, data, head)
    return problems, len(paths)


def _check_sums(archive, letter, path, tei: bytes, head) -> list[dict]:
    out = []
    raw = archive.reader.read(ids.sums_path(letter.id), head)
    if raw is None:
        return [_problem("fixity", path, "no recorded checksums (sources/<year>/<id>/sha256sums missing)")]
    sums = fixity.parse_sums(raw)
    if sums.get(path) != fixity.sha256(tei):
        out.append(_problem("fixity", path, "the TEI does not match its recorded SHA-256 "
                                            "(changed outside the archive's tools, or damaged)"))
    originals = [p for p in sums if p != path]
    for orig in originals:
        data = archive.reader.read(orig, head)
        if data is None:
            out.append(_problem("fixity", orig, "the original file is missing"))
        elif fixity.sha256(data) != sums[orig]:
            out.append(_problem("fixity", orig, "the original file does not match its recorded SHA-256"))
        elif letter.source.get("sha256") and letter.source["sha256"] != sums[orig]:
            out.append(_problem("fixity", orig, "the original file's SHA-256 differs from the one in its TEI"))
    return out


def check_authority(archive) -> list[dict]:
    try:
        archive.authority()
        return []
    except ArchiveError as exc:
        return [_problem("authority", "authority/", exc.message)]


def check_index(archive, letters: int) -> list[dict]:
    head = archive.reader.head()
    out = []
    if not archive.index.exists():
        return [_problem("index", "index/", "there is no index (run: letters verify --repair)")]
    if archive.index.commit_id() != head:
        out.append(_problem("index", "index/COMMIT", f"the index reflects {archive.index.commit_id()}, "
                                                      f"not the head {head}"))
    indexed = archive.index.ids()
    expected = {ids.id_from_path(p) for p in archive.reader.letter_paths(head)}
    if indexed != expected:
        missing, extra = sorted(expected - indexed), sorted(indexed - expected)
        out.append(_problem("index", "index/", f"the index holds {len(indexed)} letters, the repository "
                                               f"{len(expected)} (missing: {missing[:5]}, extra: {extra[:5]})"))
    return out


def verify(archive, repair: bool = False) -> dict:
    """Run every check; with `repair`, rebuild the index first. Returns the report."""
    repaired, problems, count = [], [], 0

    def guarded(check, *args):
        # A damaged repository must give a report, not a crash half-way through it.
        try:
            return check(archive, *args)
        except Exception as exc:  # noqa: BLE001
            problems.append(_problem(check.__name__.removeprefix("check_"), "",
                                     f"could not be checked: {type(exc).__name__}: {exc}"))
            return None
    if repair:
        if guarded(lambda a: a.reindex()) is not None:
            repaired.append("index rebuilt")
    for check in (check_git, check_locks, check_authority):
        problems += guarded(check) or []
    found = guarded(check_letters)
    if found:
        problems += found[0]
        count = found[1]
    problems += guarded(check_index, count) or []
    try:
        head = archive.reader.head()
    except Exception:  # noqa: BLE001
        head = None
    return {"ok": not problems, "letters": count, "head": head,
            "problems": problems, "repaired": repaired}
