"""Is a commit on the archive's main line? Answered from the version cache, not a history walk.

`git merge-base --is-ancestor C main` walks every commit between `main` and C: about 20 ms
for an old commit at 14,000 commits, growing with the history. Instead the version cache
keeps the first-parent chain of `main` (each commit with its depth, the first-parent distance
from the root) as of the commit `tip`. When `main` has moved, its first parents are read back
through the kept-open `git cat-file` until a commit of the chain: usually a few new commits.
The table always holds exactly one chain, so C is on the chain of a commit H that the table
holds iff C is in the table with depth <= depth(H). If `main` was rewound or rewritten, the
branch that left it is cut off at the fork; if the walk is long (or the table is empty) the
chain is rebuilt from one `git rev-list --first-parent`.

Only a positive answer comes from here: a commit reachable from `main` only through a merge's
second parent is not on the chain, and the caller asks git (`is_ancestor`).
"""
from __future__ import annotations

import git

WALK_LIMIT = 256   # commits read one by one before rebuilding the chain in one process


def on_chain(reader, cache, commit: str, head: str) -> bool:
    """True if `commit` is on the first-parent chain of `head` (False: not known to be)."""
    if commit == head:
        return True
    depths = _depths(cache, (commit, head))
    if head not in depths:
        try:
            if not cache.write(lambda conn: _advance(conn, reader, head)):
                return False
        except (ValueError, OSError, git.GitCommandError):
            return False   # a commit that cannot be read: git itself will answer
        depths = _depths(cache, (commit, head))
    return commit in depths and head in depths and depths[commit] <= depths[head]


def advance(reader, cache, head: str) -> bool:
    """Bring the table to `head` (after a large write: `python -m archive.mainline HOME`)."""
    if head is None or _depths(cache, (head, head)):
        return True
    try:
        return bool(cache.write(lambda conn: _advance(conn, reader, head)))
    except (ValueError, OSError, git.GitCommandError):
        return False


def _depths(cache, shas) -> dict:
    def work(conn):
        rows = conn.execute("SELECT sha, depth FROM mainline WHERE sha IN (?, ?)",
                            [bytes.fromhex(s) for s in shas])
        return {sha.hex(): depth for sha, depth in rows}
    return cache.read(work, {})


def _depth(conn, sha: str):
    row = conn.execute("SELECT depth FROM mainline WHERE sha = ?", [bytes.fromhex(sha)]).fetchone()
    return row[0] if row else None


def _advance(conn, reader, head: str) -> None:
    """Make the table the first-parent chain of `head` (inside the caller's transaction)."""
    if _depth(conn, head) is not None:
        return   # another process did it meanwhile
    if conn.execute("SELECT 1 FROM mainline LIMIT 1").fetchone() is None:
        _rebuild(conn, reader, head)
        return
    new, sha, base = [], head, None
    while len(new) < WALK_LIMIT:
        new.append(sha)
        parent = reader.first_parent(sha)
        if parent is None:   # the root: an unrelated history
            conn.execute("DELETE FROM mainline")
            base = -1
            break
        base = _depth(conn, parent)
        if base is not None:
            # `parent` is on the chain; whatever lies above it left main (a rewind).
            conn.execute("DELETE FROM mainline WHERE depth > ?", [base])
            break
        sha = parent
    else:
        _rebuild(conn, reader, head)
        return
    conn.executemany("INSERT OR REPLACE INTO mainline VALUES (?, ?)",
                     [(bytes.fromhex(s), base + k) for k, s in enumerate(reversed(new), 1)])
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('tip', ?)", [head])


def _rebuild(conn, reader, head: str) -> None:
    try:
        chain = reader.repo.git.rev_list("--first-parent", head).split()
    except git.GitCommandError:
        return
    conn.execute("DELETE FROM mainline")
    n = len(chain)
    conn.executemany("INSERT INTO mainline VALUES (?, ?)",   # in key order: a faster insert
                     sorted((bytes.fromhex(s), n - 1 - k) for k, s in enumerate(chain)))
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('tip', ?)", [head])


if __name__ == "__main__":   # python -m archive.mainline HOME
    import sys

    from .home import Archive
    archive = Archive.open(sys.argv[1])
    try:
        advance(archive.reader, archive.reader.cache, archive.reader.head())
    finally:
        archive.close()
