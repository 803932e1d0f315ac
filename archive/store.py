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
import errno
import fcntl
import hashlib
import itertools
import os
import re
import signal
import tempfile
import zlib
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import datetime
import subprocess
import sys
import time
from pathlib import Path

import git

from .errors import ArchiveError, ConflictError, LockTimeout
from .pack_writer import PackWriter

BRANCH = "refs/heads/main"
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
    """A tree as git stores it: its raw body, with each entry's order key and size in bytes. A
    year folder holds thousands of letters: changing one of them looks its name up by
    bisection and splices one line into the body, without decoding, sorting or encoding the
    others (parsing a 3,300-entry folder entry by entry took ~3 ms of every single ingest).
    Sizes rather than offsets: an offset is summed in C, where shifting every later offset by
    the new line's length was a Python loop, ~0.5 ms per change at 3,300 entries."""
    __slots__ = ("data", "keys", "sizes", "span")

    def __init__(self, data: bytes = b"", keys: list | None = None, sizes: list | None = None,
                 span: tuple | None = None):
        self.data = data                  # the entries, in git's order
        self.keys = keys or []            # each entry's order key (name, plus '/' for a folder)
        self.sizes = sizes or []          # each entry's length in data
        # For a tree made by `replaced` from one that was read or written: (that tree's size,
        # how many leading and trailing bytes the two still share), so a pack can store this
        # one as a delta without searching for it.
        self.span = span

    @classmethod
    def from_raw(cls, data: bytes) -> "_Tree":
        """A tree read from git (its entries are already in git's order)."""
        found = _TREE_ENTRY.findall(data)
        keys = [name + b"/" if mode in _DIR_MODES else name for mode, name in found]
        sizes = [len(mode) + len(name) + 22 for mode, name in found]
        if sum(sizes) != len(data):
            raise ArchiveError(f"a tree in the repository is damaged ({len(data)} bytes, "
                               f"{sum(sizes)} of them readable as entries)")
        if keys != sorted(keys):  # not written by git: put in order before inserting anything
            starts = list(itertools.accumulate(sizes, initial=0))
            lines = sorted(zip(keys, (data[a:b] for a, b in zip(starts, starts[1:]))))
            keys = [key for key, _ in lines]
            sizes = [len(line) for _, line in lines]
            data = b"".join(line for _, line in lines)
        return cls(data, keys, sizes)

    def __len__(self) -> int:
        return len(self.keys)

    def _entry(self, i: int) -> tuple:
        start = sum(self.sizes[:i])
        line = self.data[start:start + self.sizes[i]]
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
        start = 0
        for key, size in zip(self.keys, self.sizes):
            line = self.data[start:start + size]
            start += size
            yield key.rstrip(b"/").decode("utf-8", "surrogateescape"), (int(line[:line.index(b" ")], 8), line[-20:])

    def replaced(self, name: str, old: tuple | None, new: tuple | None) -> "_Tree":
        """A new tree with entry `name` changed from `old` to `new` (None: absent)."""
        data, keys, sizes = self.data, self.keys, self.sizes
        size, head, tail = self.span or (len(data),) * 3
        if old is not None:
            i = bisect.bisect_left(keys, _order_key(name, old[0]))
            a = sum(sizes[:i])
            b = a + sizes[i]
            head, tail = min(head, a), min(tail, len(data) - b)
            data, keys, sizes = data[:a] + data[b:], keys[:i] + keys[i + 1:], sizes[:i] + sizes[i + 1:]
        if new is not None:
            key = _order_key(name, new[0])
            line = b"%o %s\0%s" % (new[0], _name(name), new[1])
            i = bisect.bisect_left(keys, key)
            a = sum(sizes[:i])
            head, tail = min(head, a), min(tail, len(data) - a)
            data, keys, sizes = data[:a] + line + data[a:], keys[:i] + [key] + keys[i:], sizes[:i] + [len(line)] + sizes[i:]
        return _Tree(data, keys, sizes, (size, head, tail))


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

    # A tree at least this big is stored uncompressed (zlib's "stored" blocks, which git reads
    # like any other): a year folder of a 100,000-letter archive is ~160 KB, a third of it
    # object ids that do not compress, and compressing it took ~1.7 ms of every single ingest,
    # twice (the letters' folder and the sources' folder), against ~0.2 ms to store it. The
    # loose copy is ~1.7x bigger until git's maintenance packs it (`pack_loose_objects`).
    RAW_TREE_FROM = 32 * 1024

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
                f.write(zlib.compress(raw, 0 if kind == b"tree" and len(data) >= self.RAW_TREE_FROM else 1))
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

    def _write_tree(self, tree: "_Tree", base: bytes | None = None, path: str = "") -> bytes:
        """Write a tree made from the tree `base` (None: from nothing) at `path`."""
        sha = self._write(b"tree", tree.data)
        tree.span = None  # from now on it is a tree as read: the base of the next change
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
        return self._write_tree(tree, tree_sha, prefix) if len(tree) else None

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
        sha = self._write(b"commit", commit_body(tree, parent, author, message, now)).hex()
        msg = message.strip() + "\n"
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


COMMITTER = git.Actor("Advocacy Letters Archive", "archive@localhost")


def commit_body(tree: bytes, parent: str | None, author: git.Actor, message: str, now: int) -> bytes:
    """A commit object's content: the archive is its committer, `author` the person."""
    offset = time.strftime("%z", time.localtime(now))
    lines = [b"tree " + tree.hex().encode()]
    if parent:
        lines.append(b"parent " + parent.encode())
    lines.append(f"author {author.name} <{author.email}> {now} {offset}".encode())
    lines.append(f"committer {COMMITTER.name} <{COMMITTER.email}> {now} {offset}".encode())
    return b"\n".join(lines) + b"\n\n" + (message.strip() + "\n").encode()


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


class BatchStore(Store):
    """Many commits on main written into one new pack (bulk ingest).

    Each commit is built as `Store.commit` builds one, but its objects go into one pack
    (`pack_writer`), each changed tree as a delta of its previous version. Until `finish`,
    nothing is visible: the pack is a temporary file and no ref names its commits. `finish`
    installs the pack, then moves `main` from the batch's parent to its last commit by
    compare-and-swap; a batch killed at any point leaves `main` where it was.
    """

    PARSED_FROM = 16  # entries

    def __init__(self, repo: git.Repo, parent: str | None):
        super().__init__(repo)
        self.pack = PackWriter(self.objects)
        self.parent = self.tip = parent
        self.tip_tree = bytes.fromhex(repo.commit(parent).tree.hexsha) if parent else None
        self.commits: list = []
        # The batch's current tree at each path: they are in the unfinished pack, which git
        # cannot read yet, and a later commit may start from any of them. By sha, counted by
        # the paths that hold them; a big one parsed (a year folder: re-parsing one would cost
        # ~3 ms), a small one as its raw body. A tree the batch has replaced is dropped at
        # once: nothing reads it again.
        self._current: dict = {}
        self._pending: dict = {}
        self._holders: Counter = Counter()

    def _write(self, kind: bytes, data: bytes, base: tuple | None = None) -> bytes:
        return self.pack.add(kind, data, base)

    def _tree(self, binsha: bytes | None) -> "_Tree":
        held = self._pending.get(binsha)
        if held is None:
            return super()._tree(binsha)
        return held if isinstance(held, _Tree) else _Tree.from_raw(held)

    def _write_tree(self, tree: "_Tree", base: bytes | None = None, path: str = "") -> bytes:
        span = tree.span if base is not None else None
        sha = self._write(b"tree", tree.data, (base, *span) if span else None)
        tree.span = None
        before = self._current.get(path)
        if before != sha:
            self._current[path] = sha
            self._pending[sha] = tree if len(tree) > self.PARSED_FROM else tree.data
            self._holders[sha] += 1
            if before is not None:
                self._holders[before] -= 1
                if not self._holders[before]:
                    del self._holders[before], self._pending[before]
        return sha

    def commit(self, changes: dict, message: str, author: git.Actor) -> str:
        """Add one commit with `changes` ({path: bytes or None}) to the batch; return its sha."""
        tree = self._apply(self.tip_tree, _nested(changes), "", [])
        if tree is None:
            tree = self._write_tree(_Tree())
        self.tip = self._write(b"commit", commit_body(tree, self.tip, author, message, int(time.time()))).hex()
        self.tip_tree = tree
        self.commits.append(self.tip)
        fault_point(f"batch-commit-{len(self.commits)}")
        return self.tip

    def finish(self) -> list[str]:
        """Install the pack and move main to the last commit; return the commits, oldest first."""
        if not self.commits:
            self.pack.abort()
            return []
        self.pack.finish()
        fault_point("batch-pack-installed")
        clear_stale_ref_lock(self.repo)
        try:
            self.repo.git.update_ref("-m", f"letters: batch of {len(self.commits)} commits", BRANCH, self.tip,
                                     self.parent or "0" * 40)
        except git.GitCommandError as exc:
            raise ConflictError(f"main moved during the batch: {exc.stderr.strip()}", "") from None
        fault_point("after-commit")
        return list(self.commits)

    def abort(self) -> None:
        """Stop; main stays where it was and the unfinished pack is removed."""
        self.pack.abort()
