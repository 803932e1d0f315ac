"""The git reader: files at a version, the history of one path, the letters at a commit.

Reads go through GitPython's persistent `cat-file` processes (no process per read);
history uses `git log -- path`, which the commit-graph's changed-path filters speed up.
"""
from __future__ import annotations

import re
from pathlib import Path

import git

from .errors import NotFound
from .ids import id_from_path
from .store import BRANCH

_SHA_RE = re.compile(r"^[0-9a-f]{4,40}$")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


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
    def __init__(self, repo: git.Repo):
        self.repo = repo

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
            try:
                return self.repo.git.rev_parse("--verify", "-q", rev + "^{commit}").strip()
            except git.GitCommandError:
                pass
        raise NotFound(f"no version {rev!r} in this archive")

    def read(self, path: str, rev: str | None = None) -> bytes | None:
        """The bytes of `path` at commit `rev` (default: main), or None if absent there."""
        commit = self.resolve(rev) if rev else self.head()
        if commit is None:
            return None
        try:
            blob = self.repo.commit(commit).tree / path
        except KeyError:
            return None
        return blob.data_stream.read()

    def blob_sha(self, path: str, rev: str | None = None) -> str | None:
        commit = self.resolve(rev) if rev else self.head()
        if commit is None:
            return None
        try:
            return (self.repo.commit(commit).tree / path).hexsha
        except KeyError:
            return None

    def history(self, path: str) -> list[dict]:
        """Commits that changed `path`, newest first."""
        if self.head() is None:
            return []
        out = self.repo.git.log(BRANCH, "--format=%H%x1f%an <%ae>%x1f%aI%x1f%B%x1e", "--", path)
        entries = []
        for rec in out.split("\x1e"):
            rec = rec.strip("\n")
            if not rec:
                continue
            sha, author, date, message = rec.split("\x1f", 3)
            entries.append({"version": sha, "author": author, "date": date,
                            "message": message.strip()})
        return entries

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
        self.repo.close()
