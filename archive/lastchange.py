"""The commit that last changed a file at the head of `main`, kept in the version cache.

Showing a letter names its version: the last commit at or before the head that changed its
file. Unless the head itself changed it, only a history walk (`git log -1 -- path`) finds it,
and the walk's cost grows with the history (about 100 ms at 138,000 commits). The version
cache keeps the answers found so far (`lastchange`), valid at the commit `meta.lastchange_tip`.
When `main` has moved forward from that commit, one `git log --name-only` over the new commits
only (each merge against each of its parents) says which files they touched, and only those
answers are dropped. If `main` went back or was rewritten, every answer is dropped. A process
whose head is behind the cache's neither reads nor writes it.
"""
from __future__ import annotations

import git

from . import mainline

TIP = "lastchange_tip"


def lookup(reader, cache, path: str, head: str) -> str | None:
    """The cached last change of `path` at `head`, or None (not cached, or cannot be used)."""
    if not _at(reader, cache, head):
        return None

    def work(conn):
        if _tip(conn) != head:
            return None
        row = conn.execute("SELECT version FROM lastchange WHERE path = ?", [path]).fetchone()
        return row[0] if row else None
    return cache.read(work)


def remember(cache, path: str, head: str, version: str) -> None:
    """Keep an answer found at `head` (if the cache is still at `head`)."""
    def work(conn):
        if _tip(conn) == head:
            conn.execute("INSERT OR REPLACE INTO lastchange VALUES (?, ?)", [path, version])
    cache.write(work)


def _tip(conn):
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [TIP]).fetchone()
    return row[0] if row else None


def _at(reader, cache, head: str) -> bool:
    """Bring the cache to `head` if it is behind; False if it cannot be used at `head`."""
    tip = cache.read(_tip, False)
    if tip is False:
        return False   # no cache
    if tip == head:
        return True
    touched = None   # None: drop every answer
    if tip is not None and mainline.on_chain(reader, cache, tip, head):
        try:
            out = reader.repo.git.log("--format=", "--name-only", "-m", "--no-renames", "-z",
                                      f"{tip}..{head}")
        except git.GitCommandError:
            return False
        touched = {p.strip("\n") for p in out.split("\x00")} - {""}
    elif tip is not None and mainline.on_chain(reader, cache, head, tip):
        return False   # this process reads an older head than the cache is at

    def work(conn):
        if _tip(conn) != tip:
            return   # another process moved it meanwhile: start again next time
        if touched is None:
            conn.execute("DELETE FROM lastchange")
        else:
            conn.executemany("DELETE FROM lastchange WHERE path = ?", [(p,) for p in touched])
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [TIP, head])
    return cache.write(work) and cache.read(_tip) == head
