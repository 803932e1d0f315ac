"""`Archive`: one archive home (git repository + index), the facade the CLI and web use.

Home layout: `repo.git/` (bare git repository, the source of truth), `index/`
(Whoosh, derived), `lock` (the writers' lock). See docs/format.md.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import git

from . import (bulk, diff as letterdiff, families, ids, mainline, pathlog, processes, segment_builder,
               summaries, versions, writer)
from .authority import Authority, BUNDLED_FILES
from .cache import VersionCache
from .errors import ArchiveError, NotFound
from .index import Index
from .repo import RepoReader
from .safexml import parse
from .search import search_letters
from .store import ArchiveLock, Store, init_repository, parse_author
from .tei import from_tei, from_tree
from .validate import validate_letter


GRAPH_EVERY = 100  # commits between commit-graph refreshes


def default_home() -> Path:
    return Path(os.environ.get("LETTERS_HOME") or "data")


class Archive:
    def __init__(self, home: Path):
        self.home = Path(home)
        self.git_dir = self.home / "repo.git"
        self.repo = git.Repo(self.git_dir)
        self.store = Store(self.repo)
        self.reader = RepoReader(self.repo, VersionCache(self.home / "cache" / "versions.sqlite"))
        self.index = Index(self.home / "index")
        self._authority_key = None
        self._authority_head = None
        self._authority = None

    # ------------------------------------------------------------ lifecycle
    @classmethod
    def init(cls, home, author: str | None = None) -> "Archive":
        """Create an archive home with its repository, authority files and an empty index."""
        home = Path(home)
        if (home / "repo.git").exists():
            raise ArchiveError(f"there is already an archive in {home}")
        init_repository(home / "repo.git")
        a = cls(home)
        with a.lock():
            files = {repo_path: Path(pkg_path).read_bytes() for repo_path, pkg_path in BUNDLED_FILES.items()}
            a.store.commit(files, "Create the archive with its authority files",
                           parse_author(author, a.repo), expected_head=None)
            a.index.create()
            a.sync()
        return a

    @classmethod
    def open(cls, home=None) -> "Archive":
        """Open an existing archive home (default: $LETTERS_HOME or ./data)."""
        home = Path(home) if home else default_home()
        if not (home / "repo.git" / "HEAD").exists():
            raise ArchiveError(f"no archive in {home}; create one with `letters init`")
        return cls(home)

    def lock(self) -> ArchiveLock:
        return ArchiveLock(self.home / "lock")

    def close(self):
        self.index.close()
        self.reader.close()

    # ------------------------------------------------------------ authority
    def authority(self) -> Authority:
        """The authority files at the current version of the archive (cached per blob)."""
        paths = sorted(BUNDLED_FILES)
        head = self.reader.head()
        if self._authority is not None and self._authority_head == head:
            return self._authority
        self._authority_head = head
        key = tuple(self.reader.blob_sha(p, head) for p in paths)
        if key != self._authority_key:
            data = [self.reader.read(p) for p in paths]
            if any(d is None for d in data):
                self._authority = Authority.bundled()
            else:
                files = dict(zip(paths, data))
                self._authority = Authority.from_xml(files["authority/instruments.xml"],
                                                     files["authority/organisations.xml"])
            self._authority_key = key
        return self._authority

    # ------------------------------------------------------------ reading
    def _path(self, letter_id: str) -> str:
        try:
            return ids.path_for(letter_id)
        except ValueError:
            raise NotFound(f"no letter {letter_id!r}") from None

    def resolve_version(self, letter_id: str, rev: str) -> str:
        """Full sha of a version of this letter; NotFound otherwise.

        `rev` is a commit sha (short ones accepted), or `latest`, `latest~1`, `latest~2`...
        for the letter's current version and the ones before it.
        """
        path = self._path(letter_id)
        m = re.fullmatch(r"latest(?:~(\d+))?", rev or "")
        if m:
            versions = self.reader.history(path)
            back = int(m.group(1) or 0)
            if back >= len(versions):
                raise NotFound(f"letter {letter_id!r} has {len(versions)} version(s); there is no {rev}")
            return versions[back]["version"]
        sha = self.reader.resolve(rev)
        if not self.reader.on_main(sha, self.reader.head()):
            raise NotFound(f"letter {letter_id!r} has no version {rev} in this archive "
                           "(the commit is not on its main line)")
        if self.reader.blob_sha(path, sha) is None:
            raise NotFound(f"letter {letter_id!r} does not exist at version {rev}")
        return sha

    def _read(self, letter_id: str, at: str | None):
        """(TEI bytes, commit, path) at the head, or at the commit version `at` names."""
        path = self._path(letter_id)
        commit = self.resolve_version(letter_id, at) if at else self.reader.head()
        data = self.reader.read(path, commit) if commit else None
        if data is None:
            raise NotFound(f"no letter {letter_id!r}")
        return data, commit, path

    def get(self, letter_id: str, at: str | None = None):
        """(Letter, version, path) at the head, or as it was at commit `at`."""
        data, commit, path = self._read(letter_id, at)
        return from_tei(data, path), self._last_change(path, commit), path

    def version_of(self, letter_id: str) -> str:
        """The commit that last changed a letter."""
        return self._last_change(self._path(letter_id), self.reader.head())

    def _last_change(self, path: str, commit: str) -> str:
        return self.reader.last_change(path, commit)

    def record(self, letter_id: str, at: str | None = None) -> dict:
        letter, version, path = self.get(letter_id, at)
        rec = letter.to_record(version, path)
        rec["latest"] = self._last_change(path, self.reader.head()) if at else version
        return rec

    def tei(self, letter_id: str, at: str | None = None) -> bytes:
        return self._read(letter_id, at)[0]

    def list(self) -> list[dict]:
        """All letters (records without text), by date then id."""
        head = self.reader.head()
        versions = self.reader.last_changes(head, "letters/")
        out = []
        for path in self.reader.letter_paths(head):
            letter = from_tei(self.reader.read(path, head), path)
            out.append(letter.to_record(versions.get(path, head), path, with_text=False))
        return sorted(out, key=lambda r: (r["date"] or "9999", r["id"]))

    def history(self, letter_id: str) -> list[dict]:
        """Versions of one letter, newest first, each with a summary of what changed
        (cached by blob pair in the archive's version cache: archive/summaries.py)."""
        path = self._path(letter_id)
        entries = self.reader.history(path)
        if not entries:
            raise NotFound(f"no letter {letter_id!r}")
        return summaries.annotate(self.reader, path, entries)

    def diff(self, letter_id: str, a: str, b: str) -> dict:
        """Changes between two versions of one letter."""
        path = self._path(letter_id)
        va, vb = self.resolve_version(letter_id, a), self.resolve_version(letter_id, b)
        old, new = (from_tei(self.reader.read(path, v), path) for v in (va, vb))
        return {"id": letter_id, "from": va, "to": vb, "changes": letterdiff.diff_letters(old, new)}

    def compare(self, id_a: str, id_b: str) -> dict:
        """Changes between two different letters (e.g. one template sent to two governments)."""
        return versions.compare(self, id_a, id_b)

    def blame(self, letter_id: str) -> list[dict]:
        """Which version introduced each paragraph of the current letter."""
        return versions.blame(self, letter_id)

    def tei_diff(self, letter_id: str, a: str, b: str) -> str:
        """Unified diff of the TEI files of two versions (for experts)."""
        return versions.tei_diff(self, letter_id, a, b)

    def cite_record(self, letter_id: str, at: str | None = None) -> dict:
        """What a citation of this version needs (title, senders, date, version...)."""
        return versions.cite_record(self, letter_id, at)

    def family(self, letter_id: str) -> list[dict]:
        """Letters of the same family (near-identical text): [{"id", "title", "shared"}]."""
        return families.family_of(self, letter_id)

    # ------------------------------------------------------------ search
    def search(self, q: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
               facet_limit: int | None = None) -> dict:
        """Search the letters; facet counts cover every match, hits one page (archive/search.py)."""
        return search_letters(self, q, limit=limit, offset=offset, sort=sort, facet_limit=facet_limit)

    # ------------------------------------------------------------ writing
    def sync(self, blocking: bool = True, rebuild: bool = False) -> int:
        """Bring the index up to the repository's head; returns letters (re)indexed."""
        head = self.reader.head()
        if not rebuild and self.index.exists() and self.index.commit_id() == head:
            return 0
        with self.index.writer_lock(blocking) as lk:
            if not lk.acquired:
                return 0  # another process is updating it; readers use the last generation
            indexed = self.index.commit_id() if self.index.exists() else None
            if indexed == head and not rebuild:
                return 0
            if indexed and not rebuild and self.reader.is_ancestor(indexed, head):
                changed = self.reader.changed_paths(indexed, head)
            else:
                self.index.create()
                changed = [("A", p) for p in self.reader.letter_paths(head)]
            wanted = [path for status, path in changed if status != "D" and ids.id_from_path(path)]
            many = len(wanted) >= segment_builder.BUILD_ASIDE_FROM
            try:
                return self._index_changes(head, changed, wanted, many)
            except segment_builder.BuilderFailed:
                if not many:
                    raise
                return self._index_changes(head, changed, wanted, False)  # all in this process, then

    def _index_changes(self, head: str, changed: list, wanted: list, many: bool) -> int:
        deletes = [ids.id_from_path(p) for status, p in changed if status == "D" and ids.id_from_path(p)]
        counter = [0]

        def upserts():  # streamed: a full rebuild never holds every letter in memory
            for path, data in self.reader.iter_files(head, wanted):
                letter_id = ids.id_from_path(path)
                if data is None:
                    continue
                try:
                    letter = from_tei(data, path)
                except ArchiveError:
                    deletes.append(letter_id)  # a broken file pushed by hand is not searchable
                    continue
                counter[0] += 1
                yield letter, path
        self.index.apply(upserts(), deletes, head, unique=True, many=many)
        return counter[0]

    def after_write(self, commits: int) -> None:
        """Bring the index up to date and keep git's commit-graph current after a write.

        The commit is already safe: if the index cannot be updated now (a full disk),
        it catches up from git the next time the archive is opened.
        """
        try:
            self.sync()
        except (OSError, ArchiveError) as exc:
            print(f"letters: committed, but the index could not be updated ({exc}); "
                  "it will catch up on the next search or `letters verify --repair`", file=sys.stderr)
            return
        head = self.reader.head()
        written = self.store.last
        if not (commits == 1 and written is not None and written.sha == head
                and pathlog.record(self.reader.cache, written)):
            pathlog.keep_current(self.reader, self.reader.cache, head)
        if commits > mainline.WALK_LIMIT:
            # the main line's table would be read back one commit at a time, or rebuilt (~1 s
            # at 100,000 commits), by the next read of an old version: done beside, now
            processes.start_detached("archive.mainline", str(self.home))
        counter = self.home / "graph-pending"
        try:
            pending = int(counter.read_text() or 0) + commits
        except (FileNotFoundError, ValueError):
            pending = commits
        if pending >= GRAPH_EVERY:
            self.write_commit_graph(wait=False)
            self.pack_loose_objects()
            pending = 0
        counter.write_text(str(pending))

    def write_commit_graph(self, wait: bool = True) -> None:
        """Refresh git's commit-graph with changed-path Bloom filters (fast `git log -- path`).

        Without `wait`, git runs detached: after a write, nobody waits for it (git's own lock
        keeps two refreshes from colliding; one that fails is only an optimisation missed)."""
        args = ["commit-graph", "write", "--reachable", "--changed-paths", "--split"]
        if not wait:
            self._git_detached(*args)
            return
        try:
            self.repo.git.commit_graph(*args[1:])
        except git.GitCommandError:
            pass  # only an optimisation: history stays correct without it

    def pack_loose_objects(self) -> None:
        """Pack the loose objects single writes leave, in the background (git runs detached).

        Every single ingest writes its year folders' trees as loose objects (~100 KB each in a
        100,000-letter archive), which git's own porcelain would pack now and then but its
        plumbing never does: a 2,000-letter archive held 91 MB of them, 10 MB once packed. Git's
        maintenance packs them once there are enough (`maintenance.loose-objects.auto`), and
        folds the small packs this leaves into bigger ones under a multi-pack index."""
        self._git_detached("maintenance", "run", "--auto", "--quiet", "--task=loose-objects",
                           "--task=incremental-repack")

    def _git_detached(self, *args: str) -> None:
        """Run git on the repository in a session of its own, silent: nobody waits for it."""
        subprocess.Popen(["git", "--git-dir", self.repo.git_dir, *args], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def reindex(self) -> int:
        """Rebuild the index from the repository."""
        return self.sync(rebuild=True)

    def ingest(self, data: bytes, filename: str, hints: dict | None = None, author: str | None = None,
               as_version_of: str | None = None, message: str | None = None) -> dict:
        """Archive one source file as a new letter (or a new version of one): one commit."""
        return writer.ingest(self, data, filename, hints, author, as_version_of, message)

    def ingest_many(self, items, author: str | None = None, progress=None) -> list[dict]:
        """Archive many files: one commit per letter in one new pack, and one index update."""
        return bulk.ingest_many(self, items, author, progress)

    def preview(self, data: bytes, filename: str, hints: dict | None = None) -> dict:
        """What ingesting a file would archive, field by field, without writing anything."""
        return writer.preview(self, data, filename, hints)

    def edit(self, letter_id: str, sets: dict | None = None, text: str | None = None,
             message: str | None = None, author: str | None = None, base: str | None = None) -> dict:
        """Correct a letter as a new version; refused if `base` is not its current version."""
        return writer.edit(self, letter_id, sets, text, message, author, base)

    def validate(self) -> list[str]:
        """Problems with the letters at head (TEI validity, ids matching paths)."""
        problems = []
        head = self.reader.head()
        for path in self.reader.letter_paths(head):
            try:
                tree = parse(self.reader.read(path, head), path)
                validate_letter(tree, path)
                letter = from_tree(tree)
                if ids.path_for(letter.id) != path:
                    problems.append(f"{path}: id {letter.id!r} does not match its path")
            except (ArchiveError, ValueError) as exc:
                problems.append(str(exc))
        return problems


