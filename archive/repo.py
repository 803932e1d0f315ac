"""The git reader: files at a version, the history of one path, the letters at a commit.

Reads go through GitPython's persistent `cat-file` processes (no process per read), asking
for `<commit>:<path>` or a blob sha so that git, not Python, walks the trees; history uses one
`git log --raw -- path` (commits and blob ids together), which the commit-graph's changed-path
filters speed up. Whether a commit is on the main line comes from the version cache
(archive/mainline.py) before `git merge-base`.
"""
from __future__ import annotations

import re
from pathlib import Path

import git

from . import lastchange, mainline, pathlog
from .cache import VersionCache
from .errors import NotFound
from .ids import id_from_path
from .store import BRANCH

_SHA_RE = re.compile(r"^[0-9a-f]{4,40}$")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
# Paths the kept-open cat-file can be asked for as `<commit>:<path>` (one line, no
# whitespace, no "." or ".." components); any other path is looked up through the trees.
_PLAIN_PATH = re.compile(r"(?!\.\.?(?:/|$))[\w.+,=@~-]+(?:/(?!\.\.?(?:/|$))[\w.+,=@~-]+)*", re.ASCII)
_NO_DIFF = object()


def _raw_blob(raw: str, path: str):
    """The new blob sha in `git log --raw` lines for `path` (None: deleted; _NO_DIFF: no line)."""
    for line in raw.split("\n"):
        meta, tab, name = line.partition("\t")
        if line.startswith(":") and tab and name == path:
            fields = meta.split()
            return None if fields[4].startswith("D") or not fields[3].strip("0") else fields[3]
    return _NO_DIFF


def read_ref(git_dir: Path, ref: str) -> str | None:
    """A branch's commit from the loose ref file, else from packed-refs; None if absent."""
    try:
        value = (git_dir / ref).read_text().strip()
        if _FULL_SHA.match(value):
            return value
    except (FileNotFoundError, IsADirectoryError):
        pass
    try:
        for line in (git_dir / "packed-refs").read_text().splitlines():
            sha, _, name = line.partition(" ")
            if name == ref and _FULL_SHA.match(sha):
                return sha
    except FileNotFoundError:
        pass
    return None


class RepoReader:
    """`cache`: the archive's VersionCache (archive/cache.py), or None to ask git every time."""

    def __init__(self, repo: git.Repo, cache: VersionCache | None = None):
        self.repo = repo
        self.cache = cache
        self._last: dict = {}   # (path, commit) -> the commit that last changed path

    def head(self) -> str | None:
        """The commit `main` points at (read from the ref files: no process per call)."""
        return read_ref(Path(self.repo.git_dir), BRANCH)

    def resolve(self, rev: str) -> str:
        """A full commit sha for a (possibly short) sha; NotFound otherwise."""
        if rev in ("HEAD", "main", BRANCH):
            head = self.head()
            if head:
                return head
        elif _FULL_SHA.match(rev or ""):
            try:  # a full sha needs no process: ask the kept-open cat-file
                if self.repo.odb.info(bytes.fromhex(rev)).type == b"commit":
                    return rev
            except (ValueError, OSError, git.BadName, git.BadObject):
                pass
        elif _SHA_RE.match(rev or ""):
            # The kept-open cat-file parses names like rev-parse does (an ambiguous
            # short sha is an error, ^{commit} prefers commits), without a process.
            header = self._header(rev + "^{commit}")
            if header:
                return header[0]
        raise NotFound(f"no version {rev!r} in this archive")

    def _header(self, name: str):
        """(sha, type, size) of an object name such as `<sha>:<path>`; None if there is none."""
        try:
            sha, kind, size = self.repo.git.get_object_header(name)
        except ValueError:
            return None
        return sha.decode(), kind.decode(), size

    def read(self, path: str, rev: str | None = None) -> bytes | None:
        """The bytes of `path` at commit `rev` (default: main), or None if absent there."""
        commit = self.resolve(rev) if rev else self.head()
        if commit is None:
            return None
        if _PLAIN_PATH.fullmatch(path):   # one request to the kept-open cat-file
            try:
                return self.repo.git.get_object_data(f"{commit}:{path}")[3]
            except ValueError:
                return None
        try:
            blob = self.repo.commit(commit).tree / path
        except KeyError:
            return None
        return blob.data_stream.read()

    def read_blob(self, sha: str) -> bytes:
        """The bytes of one blob, by its sha."""
        return self.repo.git.get_object_data(sha)[3]

    def blob_sha(self, path: str, rev: str | None = None) -> str | None:
        commit = self.resolve(rev) if rev else self.head()
        if commit is None:
            return None
        return self._blob_at(commit, path)

    def _blob_at(self, commit: str, path: str) -> str | None:
        if _PLAIN_PATH.fullmatch(path):
            header = self._header(f"{commit}:{path}")
            return header[0] if header else None
        try:
            return (self.repo.commit(commit).tree / path).hexsha
        except KeyError:
            return None

    def parents(self, commit: str) -> list[str]:
        """The parents of a commit (read from the kept-open cat-file)."""
        data = self.repo.git.get_object_data(commit)[3]
        head, _, _ = data.partition(b"\n\n")
        return [line[7:].decode() for line in head.split(b"\n") if line.startswith(b"parent ")]

    def first_parent(self, commit: str) -> str | None:
        parents = self.parents(commit)
        return parents[0] if parents else None

    def history(self, path: str) -> list[dict]:
        """Commits that changed `path`, newest first: {"version", "author", "date", "message",
        "blob"}; "blob" is the file's blob sha at that version (None where it was removed).

        One `git log --raw`: the blob ids come with the commits, no tree is read.
        """
        head = self.head()
        if head is None:
            return []
        kept = pathlog.history(self, self.cache, path, head)
        if kept is not None:
            if kept:
                self._remember(path, head, kept[0]["version"])
            return kept
        out = self.repo.git.log(head, "--no-renames", "--raw", "--no-abbrev",
                                "--format=%x1e%H%x1f%an <%ae>%x1f%aI%x1f%B%x1f", "--", path)
        entries = []
        for rec in out.split("\x1e")[1:]:
            sha, author, date, rest = rec.split("\x1f", 3)
            message, _, raw = rest.rpartition("\x1f")
            blob = _raw_blob(raw, path)
            if blob is _NO_DIFF:   # a merge: git log shows no diff for it
                blob = self._blob_at(sha, path)
            entries.append({"version": sha, "author": author, "date": date,
                            "message": message.strip(), "blob": blob})
        if entries:
            self._remember(path, head, entries[0]["version"])
        return entries

    def last_change(self, path: str, commit: str) -> str:
        """The commit at or before `commit` that last changed `path`.

        When `commit` itself changed it (a link from a history page, a letter just edited),
        comparing its blob with its parent's tells without a history walk; otherwise (and for
        merges) `git log -1` walks back. Answers are kept for this process, and at the head
        in the version cache (archive/lastchange.py).
        """
        known = self._last.get((path, commit))
        if known:
            return known
        parents = self.parents(commit)
        if len(parents) <= 1:
            now = self._blob_at(commit, path)
            if now is not None and now != (self._blob_at(parents[0], path) if parents else None):
                return commit
        shared = self.cache is not None and commit == self.head()   # the common case: a letter page
        found = lastchange.lookup(self, self.cache, path, commit) if shared else None
        if found is None:
            found = self.repo.git.log("-1", "--format=%H", commit, "--", path).strip()
            if shared and found:   # (never changed: the answer is the head itself, not kept)
                lastchange.remember(self.cache, path, commit, found)
            found = found or commit
        self._remember(path, commit, found)
        return found

    def _remember(self, path: str, commit: str, version: str) -> None:
        if len(self._last) >= 4096:
            self._last.clear()
        self._last[(path, commit)] = version

    def on_main(self, commit: str, head: str | None) -> bool:
        """Is `commit` on the archive's main line at `head` (head itself or an ancestor)?"""
        if head is None:
            return False
        if commit == head or (self.cache is not None
                              and mainline.on_chain(self, self.cache, commit, head)):
            return True
        return self.is_ancestor(commit, head)

    def last_changes(self, commit: str, folder: str) -> dict:
        """{path: the commit that last changed it} for every file under `folder`, in one walk."""
        if commit is None:
            return {}
        out, current = {}, None
        log = self.repo.git.log(commit, "--format=%x1e%H", "--name-only", "--no-renames", "--", folder)
        for line in log.split("\n"):  # not splitlines(): it breaks lines at \x1e too
            if line.startswith("\x1e"):
                current = line[1:]
            elif line and current:
                out.setdefault(line, current)
        return out

    def letter_paths(self, rev: str | None = None) -> list[str]:
        """Paths of all letters at a commit."""
        commit = self.resolve(rev) if rev else self.head()
        if commit is None:
            return []
        out = self.repo.git.ls_tree("-r", "--name-only", commit, "--", "letters/")
        return [p for p in out.splitlines() if id_from_path(p)]

    def iter_files(self, rev: str | None, paths):
        """(path, bytes) for each of `paths` at commit `rev` (default: main), in the order given;
        bytes is None where the path is absent (or not a file) there.

        One `git ls-tree -r` over the paths' folders finds every blob id; the blobs then come
        one by one from the kept-open cat-file, so only one file is in memory at a time.
        """
        paths = list(paths)
        commit = self.resolve(rev) if rev else self.head()
        blobs = self._blob_ids(commit, paths) if commit and paths else {}
        for path in paths:
            sha = blobs.get(path)
            yield path, (self.read_blob(sha) if sha else None)

    def _blob_ids(self, commit: str, paths: list) -> dict:
        """{path: blob sha} under the folders holding `paths` (the whole tree if they are many)."""
        folders = sorted({p.rpartition("/")[0] for p in paths})
        plain = all(f and _PLAIN_PATH.fullmatch(f) for f in folders) and len(folders) <= 256
        out = self.repo.git.ls_tree("-r", "-z", commit, "--", *([f + "/" for f in folders] if plain else []))
        blobs = {}
        for entry in out.split("\x00"):
            meta, _, path = entry.partition("\t")
            fields = meta.split()
            if len(fields) == 3 and fields[1] == "blob":
                blobs[path] = fields[2]
        return blobs

    def changed_paths(self, old: str, new: str) -> list[tuple[str, str]]:
        """(status, path) for files that differ between two commits (renames split in two)."""
        out = self.repo.git.diff("--name-status", "--no-renames", "-z", old, new)
        parts = out.split("\x00")
        return [(parts[i][0], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]

    def is_ancestor(self, old: str, new: str) -> bool:
        try:
            self.repo.git.merge_base("--is-ancestor", old, new)
            return True
        except git.GitCommandError:
            return False

    def close(self):
        if self.cache is not None:
            self.cache.close()
        self.repo.close()
