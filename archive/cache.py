"""The version cache: derived data about versions, kept in `cache/versions.sqlite` in the home.

Tables, all recomputable from the repository at any time:

- `summaries`: the one-line summary of the change between two blobs of a letter, keyed by
  (code key, old blob sha, new blob sha). The code key changes whenever the code that computes
  a summary changes, so a summary written by older code is never read back.
- `mainline` (+ `meta.tip`): every commit on the first-parent chain of `main` as it was at
  `tip`, with its depth (first-parent distance from the root commit); see archive/mainline.py.
- `lastchange` (+ `meta.lastchange_tip`): the commit that last changed a file, at the head;
  see archive/lastchange.py.
- `pathlog`, `commitinfo` (+ `meta.pathlog_tip`): every file's history, the commits that
  changed it; see archive/pathlog.py.

The cache never decides anything on its own and is never an error: each write is one SQLite
transaction (all or nothing); a missing, unwritable or locked file means "not cached" and a
damaged one is deleted and started again.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS summaries (code TEXT, old BLOB, new BLOB, summary TEXT,
                                      PRIMARY KEY (code, old, new)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mainline (sha BLOB PRIMARY KEY, depth INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lastchange (path TEXT PRIMARY KEY, version TEXT);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS pathlog (path TEXT, seq INTEGER, sha TEXT, blob TEXT,
                                    PRIMARY KEY (path, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commitinfo (sha TEXT PRIMARY KEY, author TEXT, date TEXT,
                                       message TEXT) WITHOUT ROWID;
"""
_MAX_VARS = 500   # SQL variables per statement (SQLite allows at least 999)


class VersionCache:
    """The SQLite file, opened on first use (and again after a fork: connections do not
    survive one). Every method returns "nothing cached" instead of raising."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn, self._pid, self._ino, self._failed = None, None, None, False

    # ------------------------------------------------------------ connection
    def _db(self):
        if self._conn is not None and self._pid == os.getpid() and self._inode() == self._ino:
            return self._conn   # (a file another process found damaged and replaced: reopen)
        if self._failed:
            return None
        self.close()
        for attempt in (1, 2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=1.0, isolation_level=None,
                                       check_same_thread=False)
                try:
                    conn.executescript(SCHEMA)
                    # Readers never wait for a writer; a commit needs no fsync (a crash of the
                    # machine can lose the last answers, not damage the file).
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
                except sqlite3.Error:
                    conn.close()
                    raise
                self._conn, self._pid, self._ino = conn, os.getpid(), self._inode()
                return conn
            except sqlite3.Error as exc:
                if _busy(exc):
                    return None   # another process is writing: try again next time
                if attempt == 1 and _damaged(exc):
                    self._discard()
                    continue
                break
            except OSError:
                break
        self._failed = True   # an unwritable home: run without the cache
        return None

    def _inode(self):
        try:
            return os.stat(self.path).st_ino
        except OSError:
            return None

    def _discard(self):
        """Delete a damaged file (the next use starts an empty one)."""
        self.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except OSError:
                pass

    def _run(self, work, default):
        """`work(conn)`; on a damaged file start again once, on any other failure `default`."""
        for attempt in (1, 2):
            conn = self._db()
            if conn is None:
                return default
            try:
                return work(conn)
            except sqlite3.Error as exc:
                if attempt == 1 and _damaged(exc):
                    self._discard()
                    continue
                return default   # locked by another process, disk full...: not cached this time
            except (ValueError, TypeError, AttributeError):
                return default   # a value that is not what this code writes: not cached
        return default

    def close(self):
        if self._conn is not None and self._pid == os.getpid():
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
        self._conn = None

    def write(self, work) -> bool:
        """`work(conn)` in one IMMEDIATE transaction (one writer at a time); False if not done."""
        def run(conn):
            conn.execute("BEGIN IMMEDIATE")
            try:
                work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return True
        return self._run(run, False)

    def read(self, work, default=None):
        return self._run(work, default)

    # ------------------------------------------------------------ summaries
    def summaries(self, code: str, pairs) -> dict:
        """{(old hex, new hex): summary} for the pairs that are cached."""
        pairs = list(dict.fromkeys(pairs))

        def work(conn):
            out = {}
            for k in range(0, len(pairs), _MAX_VARS // 2):
                chunk = pairs[k:k + _MAX_VARS // 2]
                cond = " OR ".join(["(old = ? AND new = ?)"] * len(chunk))
                args = [bytes.fromhex(x) for pair in chunk for x in pair]
                for old, new, summary in conn.execute(
                        f"SELECT old, new, summary FROM summaries WHERE code = ? AND ({cond})",
                        [code, *args]):
                    out[(old.hex(), new.hex())] = summary
            return out
        return self.read(work, {})

    def put_summaries(self, code: str, found: dict) -> bool:
        rows = [(code, bytes.fromhex(old), bytes.fromhex(new), s) for (old, new), s in found.items()]
        return bool(rows) and self.write(lambda conn: conn.executemany(
            "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?)", rows))


def _damaged(exc: sqlite3.Error) -> bool:
    """A file that is not (or no longer) a database, as opposed to a busy or read-only one."""
    if isinstance(exc, sqlite3.OperationalError):   # a file of some other schema
        return str(exc).startswith(("no such table", "no such column", "table "))
    return type(exc) is sqlite3.DatabaseError   # SQLITE_CORRUPT, SQLITE_NOTADB


def _busy(exc: sqlite3.Error) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
