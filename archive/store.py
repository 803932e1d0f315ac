"""The git writer: every change to the archive is one commit on `main`.

Commits are built from objects written straight into the object database (blobs,
then only the trees on the changed paths, then the commit) and published by one
compare-and-swap `git update-ref`. Nothing is written to a git index or a work tree,
so the cost of a commit does not grow with the archive, and a crash at any point
leaves `main` at the previous commit plus some unreferenced objects (`git fsck` clean).
Writers are serialised by the archive lock (`ArchiveLock`).
"""
from __future__ import annotations

import bisect
import contextlib
import ctypes
import errno
import fcntl
import hashlib
import itertools
import os
import re
import signal
import tempfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
import subprocess
import sys
import time
from pathlib import Path

import git

from .errors import ArchiveError, ConflictError, LockTimeout

BRANCH = "refs/heads/main"
BATCH_REF = "refs/letters/batch"  # where a bulk ingest builds its commits before main moves
LOCK_TIMEOUT = float(os.environ.get("LETTERS_LOCK_TIMEOUT", "60"))


def fault_point(name: str) -> None:
    """Die here if LETTERS_FAULT names this point (the crash-safety tests use it)."""
    if os.environ.get("LETTERS_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class ArchiveLock:
    """One writer at a time per archive home (an flock, released by the OS if we die)."""

    def __init__(self, path: Path, timeout: float = LOCK_TIMEOUT):
        self.path, self.timeout, self.fd = Path(path), timeout, None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    self.fd = None
                    raise LockTimeout(
                        f"another writer has held the archive lock for {self.timeout:.0f} s; "
                        "try again when it has finished") from None
                time.sleep(0.05)

    def __exit__(self, *exc):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def parse_author(author: str | None, repo: git.Repo) -> git.Actor:
    """'Name <email>' -> Actor; None -> git config user, else a neutral default."""
    if author:
        name, _, rest = author.partition("<")
        email = rest.rstrip(">").strip()
        if not name.strip() or not email or "\n" in author:
            raise ArchiveError(f"author must look like 'Name <email>', got {author!r}")
        return git.Actor(name.strip(), email)
    reader = repo.config_reader()
    name = reader.get_value("user", "name", "") or os.environ.get("GIT_AUTHOR_NAME", "")
    email = reader.get_value("user", "email", "") or os.environ.get("GIT_AUTHOR_EMAIL", "")
    return git.Actor(str(name) or "Archivist", str(email) or "archivist@localhost")


def _name(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


# One entry of a raw git tree: octal mode, space, name, NUL, 20-byte binary sha.
_TREE_ENTRY = re.compile(rb"([0-7]+) ([^\0]*)\0.{20}", re.DOTALL)
_DIR_MODES = (b"40000", b"040000")


def parse_tree(data: bytes) -> dict:
    """A raw git tree object's entries: {name: (mode, binary sha)}."""
    return dict(_Tree.from_raw(data).items())


def _order_key(name: str, mode: int) -> bytes:
    # git orders tree entries by name, with directories compared as if ending in '/'
    return _name(name) + (b"/" if mode == 0o040000 else b"")


class _Tree:
    """A tree as git stores it: its raw body, with each entry's order key and where each entry
    starts. A year folder holds thousands of letters: changing one of them looks its name up by
    bisection and splices one line into the body, without decoding, sorting or encoding the
    others (parsing a 3,300-entry folder entry by entry took ~3 ms of every single ingest)."""
    __slots__ = ("data", "keys", "starts")

    def __init__(self, data: bytes = b"", keys: list | None = None, starts: list | None = None):
        self.data = data                  # the entries, in git's order
        self.keys = keys or []            # each entry's order key (name, plus '/' for a folder)
        self.starts = starts or [0]       # where each entry starts in data, and len(data) last

    @classmethod
    def from_raw(cls, data: bytes) -> "_Tree":
        """A tree read from git (its entries are already in git's order)."""
        found = _TREE_ENTRY.findall(data)
        keys = [name + b"/" if mode in _DIR_MODES else name for mode, name in found]
        starts = list(itertools.accumulate([len(mode) + len(name) + 22 for mode, name in found], initial=0))
        if starts[-1] != len(data):
            raise ArchiveError(f"a tree in the repository is damaged ({len(data)} bytes, "
                               f"{starts[-1]} of them readable as entries)")
        if keys != sorted(keys):  # not written by git: put in order before inserting anything
            lines = sorted(zip(keys, (data[a:b] for a, b in zip(starts, starts[1:]))))
            keys = [key for key, _ in lines]
            starts = list(itertools.accumulate([len(line) for _, line in lines], initial=0))
            data = b"".join(line for _, line in lines)
        return cls(data, keys, starts)

    def __len__(self) -> int:
        return len(self.keys)

    def _entry(self, i: int) -> tuple:
        line = self.data[self.starts[i]:self.starts[i + 1]]
        return int(line[:line.index(b" ")], 8), line[-20:]

    def get(self, name: str) -> tuple | None:
        """(mode, binary sha) of the entry `name`, or None."""
        raw = _name(name)
        for key in (raw, raw + b"/"):
            i = bisect.bisect_left(self.keys, key)
            if i < len(self.keys) and self.keys[i] == key:
                return self._entry(i)
        return None

    def items(self):
        for i, key in enumerate(self.keys):
            yield key.rstrip(b"/").decode("utf-8", "surrogateescape"), self._entry(i)

    def replaced(self, name: str, old: tuple | None, new: tuple | None) -> "_Tree":
        """A new tree with entry `name` changed from `old` to `new` (None: absent)."""
        data, keys, starts = self.data, self.keys, self.starts
        if old is not None:
            i = bisect.bisect_left(keys, _order_key(name, old[0]))
            a, b = starts[i], starts[i + 1]
            data, keys = data[:a] + data[b:], keys[:i] + keys[i + 1:]
            starts = starts[:i] + [s - (b - a) for s in starts[i + 1:]]
        if new is not None:
            key = _order_key(name, new[0])
            line = b"%o %s\0%s" % (new[0], _name(name), new[1])
            i = bisect.bisect_left(keys, key)
            a = starts[i]
            data, keys = data[:a] + line + data[a:], keys[:i] + [key] + keys[i:]
            starts = starts[:i] + [a] + [s + len(line) for s in starts[i:]]
        return _Tree(data, keys, starts)


def _first(pair):
    return pair[0]


def _nested(changes: dict) -> dict:
    """{path: change} as a tree of changes: {"letters": {"2005": {"x.xml": data}}}."""
    root: dict = {}
    for path, data in changes.items():
        *folders, name = path.split("/")
        node = root
        for folder in folders:
            node = node.setdefault(folder, {})
            if not isinstance(node, dict):
                raise ArchiveError(f"{path}: a file of this change is also a folder of it")
        if isinstance(node.get(name), dict):
            raise ArchiveError(f"{path}: a folder of this change is also a file of it")
        node[name] = data
    return root


class Store:
    """Writes commits to the archive repository (a bare git repository)."""

    # Parsed trees kept, counted in entries: every year folder of a 100,000-letter archive
    # (~3,300 letters, and as many source folders), so a letter dated in any year finds its
    # folders parsed; a few tens of MB.
    TREE_ENTRIES_KEPT = 300_000

    def __init__(self, repo: git.Repo):
        self.repo = repo
        self.objects = Path(repo.git_dir) / "objects"
        # Parsed trees by sha (trees never change): a year folder holds thousands of entries,
        # and a commit reads it once per file it changes there; the next commit starts from
        # the trees this one wrote.
        self._trees: OrderedDict = OrderedDict()
        self._kept_entries = 0
        self.last: Written | None = None  # the last commit this process wrote, as written

    def head(self) -> str | None:
        """The commit `main` points at, or None in an empty repository."""
        from .repo import read_ref
        return read_ref(Path(self.repo.git_dir), BRANCH)

    def _write(self, kind: bytes, data: bytes) -> bytes:
        """Write one loose object (temp file, then rename: never half-visible); return its sha."""
        raw = b"%s %d\0" % (kind, len(data)) + data
        sha = hashlib.sha1(raw).digest()
        hexsha = sha.hex()
        folder = self.objects / hexsha[:2]
        target = folder / hexsha[2:]
        if target.exists():
            return sha
        folder.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="tmp_obj_")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(zlib.compress(raw, 1))
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return sha

    def _tree(self, binsha: bytes | None) -> "_Tree":
        """A tree's entries (kept: trees never change); an empty one for None."""
        if binsha is None:
            return _Tree()
        tree = self._trees.get(binsha)
        if tree is None:
            tree = _Tree.from_raw(self.repo.odb.stream(binsha).read())
        self._keep_tree(binsha, tree)
        return tree

    def _keep_tree(self, binsha: bytes, tree: "_Tree") -> None:
        if binsha in self._trees:
            self._trees.move_to_end(binsha)
            return
        self._trees[binsha] = tree
        self._kept_entries += len(tree) + 1
        while self._kept_entries > self.TREE_ENTRIES_KEPT and len(self._trees) > 1:
            _, old = self._trees.popitem(last=False)
            self._kept_entries -= len(old) + 1

    def _write_tree(self, tree: "_Tree") -> bytes:
        sha = self._write(b"tree", tree.data)
        self._keep_tree(sha, tree)
        return sha

    def _apply(self, tree_sha: bytes | None, changes: dict, prefix: str, changed: list) -> bytes | None:
        """The tree `tree_sha` with `changes` made ({name: bytes, None to remove, or the changes
        of a folder}), each tree written once however many of its files change; each file that
        really changes is added to `changed` as (path, new blob sha or None)."""
        tree = before = self._tree(tree_sha)
        for name, change in changes.items():
            old = tree.get(name)
            if isinstance(change, dict):
                sub = self._apply(old[1] if old and old[0] == 0o040000 else None, change, prefix + name + "/",
                                  changed)
                new = None if sub is None else (0o040000, sub)
            else:
                new = None if change is None else (0o100644, self._write(b"blob", change))
                if old != new:
                    changed.append((prefix + name, new[1].hex() if new else None))
            if old != new:
                tree = tree.replaced(name, old, new)
        if tree is before:
            return tree_sha
        return self._write_tree(tree) if len(tree) else None

    def commit(self, changes: dict, message: str, author: git.Actor,
               expected_head: str | None = "") -> str:
        """Commit `changes` ({path: bytes or None}) on main as one commit; return its sha.

        `expected_head` guards against lost updates: the commit is refused with a
        ConflictError if main has moved since ("" means: whatever main is now).
        """
        parent = self.head()
        if expected_head != "" and expected_head != parent:
            raise ConflictError(f"the archive changed (main is now {parent}); retry on top of it",
                                parent or "")
        base = self.repo.commit(parent).tree.hexsha if parent else None
        blobs: list = []
        tree = self._apply(bytes.fromhex(base) if base else None, _nested(changes), "", blobs)
        blobs.sort(key=_first)
        if tree is None:
            tree = self._write_tree(_Tree())
        if tree.hex() == base:
            raise ArchiveError("nothing to commit: the change leaves the archive as it was")
        now = int(time.time())
        offset = time.strftime("%z")
        committer = git.Actor("Advocacy Letters Archive", "archive@localhost")
        msg = message.strip() + "\n"
        lines = [b"tree " + tree.hex().encode()]
        if parent:
            lines.append(b"parent " + parent.encode())
        lines.append(f"author {author.name} <{author.email}> {now} {offset}".encode())
        lines.append(f"committer {committer.name} <{committer.email}> {now} {offset}".encode())
        sha = self._write(b"commit", b"\n".join(lines) + b"\n\n" + msg.encode()).hex()
        old = parent or "0" * 40
        clear_stale_ref_lock(self.repo)
        try:
            # compare-and-swap: fails if someone moved main under us
            self.repo.git.update_ref("-m", "letters: " + message.splitlines()[0][:80], BRANCH, sha, old)
        except git.GitCommandError as exc:
            raise ConflictError(f"main moved while committing: {exc.stderr.strip()}", "") from None
        fault_point("after-commit")
        self.last = Written(sha, parent, f"{author.name} <{author.email}>",
                            datetime.fromtimestamp(now).astimezone().isoformat(), msg.strip(), blobs)
        return sha


@dataclass(frozen=True)
class Written:
    """A commit as this process wrote it: what `git log --raw` would say of it, known without
    asking git. `changes`: (path, new blob sha) of each file it changed, None if removed."""
    sha: str
    parent: str | None
    author: str
    date: str
    message: str
    changes: list


STALE_REF_LOCK_SECONDS = 10


def clear_stale_ref_lock(repo: git.Repo) -> None:
    """Remove `main`'s lock file left by a writer that died mid-update.

    Called with the archive lock held, so no writer of ours can own it; a plain git
    push holds it for well under a second, so one older than a few seconds is stale.
    """
    lock = Path(repo.git_dir) / (BRANCH + ".lock")
    try:
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return
    if age > STALE_REF_LOCK_SECONDS:
        lock.unlink(missing_ok=True)
        print(f"letters: removed a stale git lock ({lock.name}, {age:.0f} s old) left by a "
              "writer that died", file=sys.stderr)


def init_repository(path: Path) -> git.Repo:
    """Create the archive's bare repository with `main` as its default branch."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(path)],
                   check=True, capture_output=True)
    repo = git.Repo(path)
    with repo.config_writer() as cw:
        cw.set_value("core", "commitGraph", "true")
        cw.set_value("fetch", "writeCommitGraph", "true")
        cw.set_value("gc", "writeCommitGraph", "true")
        cw.set_value("receive", "fsckObjects", "true")
    return repo


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a child, between fork and exec: the kernel kills it when the process that started it
    dies. A `git fast-import` left running by a killed ingest would otherwise go on writing
    objects and the batch ref while the next writer works."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class FastImport:
    """Many commits on main through one `git fast-import` stream (bulk ingest).

    Objects and commits stream into one pack on a batch ref; at the end this process moves
    `main` to the batch's last commit by compare-and-swap, so a batch killed half-way (even
    if its fast-import child lives on) leaves `main` where it was.
    """

    def __init__(self, repo: git.Repo, parent: str | None, checkpoint_every: int = 1000):
        clear_stale_ref_lock(repo)
        self.repo, self.parent, self.count = repo, parent, 0
        self.checkpoint_every = checkpoint_every
        self.proc = subprocess.Popen(
            ["git", "--git-dir", str(repo.git_dir), "fast-import", "--quiet", "--done", "--force",
             "--date-format=raw"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, preexec_fn=_die_with_parent if _LIBC is not None else None)

    def _data(self, payload: bytes):
        self.proc.stdin.write(b"data %d\n" % len(payload) + payload + b"\n")

    def commit(self, changes: dict, message: str, author: git.Actor):
        """Queue one commit with `changes` ({path: bytes or None})."""
        now = int(time.time())
        offset = time.strftime("%z")
        w = self.proc.stdin.write
        w(b"commit " + BATCH_REF.encode() + b"\n")
        w(f"author {author.name} <{author.email}> {now} {offset}\n".encode())
        w(f"committer Advocacy Letters Archive <archive@localhost> {now} {offset}\n".encode())
        self._data((message.strip() + "\n").encode())
        if self.count == 0 and self.parent:
            w(b"from " + self.parent.encode() + b"\n")
        for path, data in sorted(changes.items()):
            if data is None:
                w(b"D " + path.encode() + b"\n")
            else:
                w(b"M 100644 inline " + path.encode() + b"\n")
                self._data(data)
        w(b"\n")
        self.count += 1
        fault_point(f"fast-import-{self.count}")
        if self.checkpoint_every and self.count % self.checkpoint_every == 0:
            w(b"checkpoint\n\n")

    def finish(self) -> list[str]:
        """Close the stream; return the new commits, oldest first."""
        self.proc.stdin.write(b"done\n")
        self.proc.stdin.close()
        err = self.proc.stderr.read().decode(errors="replace")
        if self.proc.wait() != 0:
            raise ArchiveError(f"git fast-import failed: {err.strip()[:500]}")
        if not self.count:
            return []
        head = self.repo.git.rev_parse("--verify", "-q", BATCH_REF + "^{commit}").strip()
        # main moves here, in this process, by compare-and-swap: a fast-import that outlives
        # a killed ingest can only move the batch ref, never main.
        clear_stale_ref_lock(self.repo)
        try:
            self.repo.git.update_ref("-m", f"letters: batch of {self.count} commits", BRANCH, head,
                                     self.parent or "0" * 40)
        except git.GitCommandError as exc:
            raise ConflictError(f"main moved during the batch: {exc.stderr.strip()}", "") from None
        fault_point("after-commit")
        self.repo.git.update_ref("-d", BATCH_REF)
        span = f"{self.parent}..{head}" if self.parent else head
        return self.repo.git.rev_list("--reverse", span).split()

    def abort(self):
        """Stop without moving main past the last checkpoint."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
