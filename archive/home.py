"""`Archive`: one archive home (git repository + index), the facade the CLI and web use.

Home layout: `repo.git/` (bare git repository, the source of truth), `index/`
(Whoosh, derived), `lock` (the writers' lock). See docs/format.md.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import git

from . import diff as letterdiff, ids
from .authority import Authority, BUNDLED_FILES
from .errors import ArchiveError, ConflictError, IngestError, NotFound
from .index import Index
from .ingest import fingerprint, prepare, reextract, apply_hints, check_hints
from .letter import Letter
from .repo import RepoReader
from .safexml import parse
from .search import search_letters
from .store import ArchiveLock, Store, init_repository, parse_author
from .tei import from_tei, from_tree, to_tei
from .validate import validate_letter


def default_home() -> Path:
    return Path(os.environ.get("LETTERS_HOME") or "data")


class Archive:
    def __init__(self, home: Path):
        self.home = Path(home)
        self.git_dir = self.home / "repo.git"
        self.repo = git.Repo(self.git_dir)
        self.store = Store(self.repo)
        self.reader = RepoReader(self.repo)
        self.index = Index(self.home / "index")
        self._authority_key = None
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
        key = tuple(self.reader.blob_sha(p) for p in paths)
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
        """Full sha of a version of this letter (short shas accepted); NotFound otherwise."""
        path = self._path(letter_id)
        sha = self.reader.resolve(rev)
        if self.reader.blob_sha(path, sha) is None:
            raise NotFound(f"letter {letter_id!r} does not exist at version {rev}")
        return sha

    def get(self, letter_id: str, at: str | None = None):
        """(Letter, version, path) at the head, or as it was at commit `at`."""
        path = self._path(letter_id)
        commit = self.resolve_version(letter_id, at) if at else self.reader.head()
        data = self.reader.read(path, commit) if commit else None
        if data is None:
            raise NotFound(f"no letter {letter_id!r}")
        version = self._last_change(path, commit)
        return from_tei(data, path), version, path

    def _last_change(self, path: str, commit: str) -> str:
        return self.repo.git.log("-1", "--format=%H", commit, "--", path).strip() or commit

    def record(self, letter_id: str, at: str | None = None) -> dict:
        letter, version, path = self.get(letter_id, at)
        rec = letter.to_record(version, path)
        rec["latest"] = self._last_change(path, self.reader.head())
        return rec

    def tei(self, letter_id: str, at: str | None = None) -> bytes:
        path = self._path(letter_id)
        commit = self.resolve_version(letter_id, at) if at else self.reader.head()
        data = self.reader.read(path, commit) if commit else None
        if data is None:
            raise NotFound(f"no letter {letter_id!r}")
        return data

    def list(self) -> list[dict]:
        """All letters (records without text), by date then id."""
        head = self.reader.head()
        out = []
        for path in self.reader.letter_paths(head):
            letter = from_tei(self.reader.read(path, head), path)
            out.append(letter.to_record(self._last_change(path, head), path, with_text=False))
        return sorted(out, key=lambda r: (r["date"] or "9999", r["id"]))

    def history(self, letter_id: str) -> list[dict]:
        """Versions of one letter, newest first, each with a summary of what changed."""
        path = self._path(letter_id)
        entries = self.reader.history(path)
        if not entries:
            raise NotFound(f"no letter {letter_id!r}")
        letters = []
        for e in entries:
            data = self.reader.read(path, e["version"])
            letters.append(from_tei(data, path) if data is not None else None)
        for i, e in enumerate(entries):
            new, old = letters[i], letters[i + 1] if i + 1 < len(letters) else None
            if new is None:
                e["summary"] = "letter removed"
            elif old is None:
                e["summary"] = "letter added"
            else:
                e["summary"] = letterdiff.summarize(letterdiff.diff_letters(old, new))
        return entries

    def diff(self, letter_id: str, a: str, b: str) -> dict:
        """Changes between two versions of one letter."""
        old, va, _ = self.get(letter_id, a)
        new, vb, _ = self.get(letter_id, b)
        return {"id": letter_id, "from": self.resolve_version(letter_id, a),
                "to": self.resolve_version(letter_id, b),
                "changes": letterdiff.diff_letters(old, new)}

    def compare(self, id_a: str, id_b: str) -> dict:
        """Changes between two different letters (e.g. one template sent to two governments)."""
        old, va, _ = self.get(id_a)
        new, vb, _ = self.get(id_b)
        return {"from": id_a, "to": id_b, "changes": letterdiff.diff_letters(old, new),
                "shared": round(letterdiff.shared_ratio(old, new), 3)}

    # ------------------------------------------------------------ search
    def search(self, q: str, limit: int = 20, offset: int = 0, sort: str = "relevance") -> dict:
        """Search the letters; facet counts cover every match, hits one page (archive/search.py)."""
        return search_letters(self, q, limit=limit, offset=offset, sort=sort)

    # ------------------------------------------------------------ writing
    def sync(self, blocking: bool = True) -> int:
        """Bring the index up to the repository's head; returns letters (re)indexed."""
        head = self.reader.head()
        if self.index.exists() and self.index.commit_id() == head:
            return 0
        with self.index.writer_lock(blocking) as lk:
            if not lk.acquired:
                return 0  # another process is updating it; readers use the last generation
            indexed = self.index.commit_id() if self.index.exists() else None
            if indexed == head:
                return 0
            if indexed and self.reader.is_ancestor(indexed, head):
                changed = self.reader.changed_paths(indexed, head)
            else:
                self.index.create()
                changed = [("A", p) for p in self.reader.letter_paths(head)]
            upserts, deletes = [], []
            for status, path in changed:
                letter_id = ids.id_from_path(path)
                if not letter_id:
                    continue
                data = self.reader.read(path, head) if status != "D" else None
                if data is None:
                    deletes.append(letter_id)
                    continue
                try:
                    upserts.append((from_tei(data, path), path))
                except ArchiveError:
                    deletes.append(letter_id)  # a broken file pushed by hand is not searchable
            self.index.apply(upserts, deletes, head)
            return len(upserts)

    def reindex(self) -> int:
        """Rebuild the index from the repository."""
        self.index.create()
        return self.sync()

    def _serialise(self, letter: Letter) -> bytes:
        data = to_tei(letter)
        tree = parse(data, letter.id)
        validate_letter(tree, letter.id)
        return data

    def _new_id(self, letter: Letter) -> str:
        auth = self.authority()
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
        base = ids.base_id(letter.date, sender, country)
        candidate, n = base, 1
        while self.reader.blob_sha(ids.path_for(candidate)) is not None:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def find_duplicate(self, letter: Letter) -> str | None:
        fp = fingerprint(letter)
        for path in self.reader.letter_paths():
            other = from_tei(self.reader.read(path), path)
            if fingerprint(other) == fp:
                return other.id
        return None

    def ingest(self, data: bytes, filename: str, hints: dict | None = None, author: str | None = None,
               as_version_of: str | None = None, message: str | None = None) -> dict:
        """Archive one source file as a new letter (or a new version of one): one commit."""
        hints = dict(hints or {})
        with self.lock():
            letter = prepare(data, filename, hints, self.authority())
            warnings = getattr(letter, "warnings", [])
            if as_version_of:
                old, _, path = self.get(as_version_of)
                letter.id = old.id
                for field, how in old.provenance.items():  # archivist corrections carry over
                    if how == "archivist" and field not in letter.provenance:
                        _copy_field(old, letter, field)
                        letter.provenance[field] = "archivist"
                message = message or f"New version of {letter.id} from {letter.source['file']}"
            else:
                dup = self.find_duplicate(letter)
                if dup:
                    return {"file": filename, "ok": True, "duplicate": True, "id": dup,
                            "version": self._last_change(ids.path_for(dup), self.reader.head()),
                            "message": f"already archived as {dup}; nothing committed"}
                letter.id = self._new_id(letter)
                path = ids.path_for(letter.id)
                message = message or f"Add {letter.id}: {letter.title}"
            ext = os.path.splitext(letter.source["file"])[1] or ".bin"
            changes = {path: self._serialise(letter), ids.source_path(letter.id, ext): data}
            message += f"\n\nSource: {letter.source['file']} ({letter.source['format']})"
            if letter.source.get("url"):
                message += f"\nURL: {letter.source['url']}"
            sha = self.store.commit(changes, message, parse_author(author, self.repo))
            self.sync()
        return {"file": filename, "ok": True, "id": letter.id, "version": sha,
                "letter": letter.to_record(sha, path), "warnings": warnings}

    def edit(self, letter_id: str, sets: dict | None = None, text: str | None = None,
             message: str | None = None, author: str | None = None, base: str | None = None) -> dict:
        """Correct a letter as a new version; refused if `base` is not its current version."""
        from .readers.structure import segment
        sets = dict(sets or {})
        with self.lock():
            letter, current, path = self.get(letter_id)
            if base:
                if self.resolve_version(letter_id, base) != current:
                    raise ConflictError(
                        f"{letter_id} has changed since version {base[:12]}: its current version is "
                        f"{current}; re-apply your edit on top of it", current)
            new = letter.copy()
            if text is not None:
                new = reextract(new, segment(text), self.authority())
            if sets:
                check_hints(sets, "edit")
                apply_hints(new, sets, self.authority(), "edit")
            if new == letter:
                raise ArchiveError("nothing to change: the edit leaves the letter as it was")
            changes = letterdiff.diff_letters(letter, new)
            summary = letterdiff.summarize(changes)
            msg = (message or f"Correct {letter_id}").strip() + f"\n\nChanged: {summary}"
            sha = self.store.commit({path: self._serialise(new)}, msg, parse_author(author, self.repo))
            self.sync()
        return {"ok": True, "id": letter_id, "version": sha, "summary": summary,
                "letter": new.to_record(sha, path)}

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


def _copy_field(src: Letter, dst: Letter, field: str):
    if field.startswith("sender."):
        dst.sender[field.split(".", 1)[1]] = src.sender.get(field.split(".", 1)[1])
    elif field.startswith("source."):
        dst.source[field.split(".", 1)[1]] = src.source.get(field.split(".", 1)[1])
    elif hasattr(dst, field):
        setattr(dst, field, getattr(src, field))
