"""The git writer and reader on a real repository."""
from __future__ import annotations

import hashlib
import subprocess

import git
import pytest

from archive.errors import ConflictError, LockTimeout
from archive.repo import RepoReader
from archive.store import ArchiveLock, Store, init_repository, parse_author


@pytest.fixture
def repo(tmp_path):
    return init_repository(tmp_path / "repo.git")


def test_commits_are_ordinary_git_history(repo, tmp_path):
    store, reader = Store(repo), RepoReader(repo)
    actor = parse_author("Ana Archivist <ana@example.org>", repo)
    c1 = store.commit({"letters/2005/a.xml": b"<a/>", "sources/a/original.txt": b"one"}, "Add a", actor,
                      expected_head=None)
    c2 = store.commit({"letters/2005/a.xml": b"<a>2</a>"}, "Fix a", actor, expected_head=c1)
    c3 = store.commit({"letters/2006/b.xml": b"<b/>"}, "Add b", actor)
    assert reader.head() == c3
    assert reader.read("letters/2005/a.xml", c1) == b"<a/>"
    assert reader.read("letters/2005/a.xml") == b"<a>2</a>"
    assert reader.read("sources/a/original.txt") == b"one"
    assert [h["version"] for h in reader.history("letters/2005/a.xml")] == [c2, c1]
    assert reader.history("letters/2005/a.xml")[0]["author"] == "Ana Archivist <ana@example.org>"
    assert reader.history("letters/2005/a.xml")[0]["message"] == "Fix a"
    assert reader.letter_paths() == ["letters/2005/a.xml", "letters/2006/b.xml"]
    # fsck clean, and a plain clone has everything
    subprocess.run(["git", "--git-dir", str(repo.git_dir), "fsck", "--strict"], check=True,
                   capture_output=True)
    clone = git.Repo.clone_from(repo.git_dir, tmp_path / "clone")
    assert (tmp_path / "clone" / "letters" / "2006" / "b.xml").read_bytes() == b"<b/>"
    assert clone.head.commit.hexsha == c3


def test_deleting_the_last_file_of_a_folder_removes_the_folder(repo):
    store, reader = Store(repo), RepoReader(repo)
    actor = parse_author("A <a@example.org>", repo)
    store.commit({"letters/2005/a.xml": b"a", "keep.txt": b"k"}, "add", actor)
    store.commit({"letters/2005/a.xml": None}, "remove", actor)
    tree = repo.commit(reader.head()).tree
    assert [e.name for e in tree] == ["keep.txt"]


def test_stale_base_is_a_conflict(repo):
    store = Store(repo)
    actor = parse_author("A <a@example.org>", repo)
    c1 = store.commit({"x.xml": b"1"}, "one", actor)
    store.commit({"x.xml": b"2"}, "two", actor, expected_head=c1)
    with pytest.raises(ConflictError):
        store.commit({"x.xml": b"3"}, "three", actor, expected_head=c1)
    assert RepoReader(repo).read("x.xml") == b"2"


def test_author_must_be_name_and_email(repo):
    with pytest.raises(Exception, match="Name <email>"):
        parse_author("just a name", repo)


def test_lock_times_out_with_a_clear_message(tmp_path):
    with ArchiveLock(tmp_path / "lock"):
        with pytest.raises(LockTimeout, match="another writer"):
            with ArchiveLock(tmp_path / "lock", timeout=0.2):
                pass
    with ArchiveLock(tmp_path / "lock", timeout=0.2):
        pass  # released


def test_parse_tree_reads_every_tree_as_git_does(tmp_path):
    """The store parses trees itself (GitPython's parser was most of a commit at 100,000
    letters); every tree of a real archive must come out as GitPython reads it."""
    from archive.home import Archive
    from archive.store import parse_tree
    from conftest import AUTHOR
    from test_guarantees import letter_text
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        for i in range(3):
            a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)
        root = a.repo.commit(a.reader.head()).tree
        trees = [root] + [t for t in root.traverse() if t.type == "tree"]
        assert len(trees) > 5
        for tree in trees:
            assert parse_tree(a.repo.odb.stream(tree.binsha).read()) == \
                {name: (mode, sha) for sha, mode, name in tree._cache}
    finally:
        a.close()


@pytest.mark.parametrize("kept", [Store.TREE_ENTRIES_KEPT, 40])
def test_trees_changed_one_entry_at_a_time_are_the_trees_git_writes(repo, tmp_path, kept):
    """Each commit re-sorts nothing (entries are inserted in git's order): every tree it writes
    must be exactly what git's own index writes for the same files, names sorting around a
    folder ('a' < 'a-b' < 'a.txt' < 'a/' < 'a0') included; also when the parsed trees kept
    are too few for the folder, so that it is read back from git at every commit."""
    import random
    store, actor = Store(repo), parse_author("Ana Archivist <ana@example.org>", repo)
    store.TREE_ENTRIES_KEPT = kept
    names = ["a-b", "a.txt", "a0", "b", "é.xml", "Z", "a b", "aa"] + [f"{i:04d}.xml" for i in range(60)]
    rng = random.Random(5)
    files: dict = {}
    for step in range(40):
        changes = {}
        for _ in range(rng.randint(1, 3)):
            path = "d/" + rng.choice(names + ["a/x.xml", "a/y/z.xml"])
            if path in files and rng.random() < 0.3:
                changes[path] = None
            else:
                changes[path] = f"{step} {path}".encode()
        try:
            sha = store.commit(changes, f"step {step}", actor)
        except Exception as exc:  # a change that changes nothing is refused, as it should be
            assert "nothing to commit" in str(exc)
            continue
        for p, data in changes.items():
            if data is None:
                files.pop(p, None)
            else:
                files[p] = data
        work = tmp_path / f"w{step}"
        work.mkdir()
        env = {"GIT_DIR": str(repo.git_dir), "GIT_WORK_TREE": str(work),
               "GIT_INDEX_FILE": str(tmp_path / f"index{step}")}
        for p, data in files.items():
            target = work / p
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        subprocess.run(["git", "add", "-A", "."], cwd=work, env=env, check=True, capture_output=True)
        expected = subprocess.run(["git", "write-tree"], cwd=work, env=env, check=True,
                                  capture_output=True, text=True).stdout.strip()
        assert repo.commit(sha).tree.hexsha == expected, step
        assert store._kept_entries == sum(len(t) + 1 for t in store._trees.values())
        assert store._kept_entries <= kept or len(store._trees) == 1


def test_a_tree_out_of_order_is_put_in_gits_order_and_a_damaged_one_is_refused(repo):
    """A tree not written by git (entries out of order) is read in git's order, so a change to
    it writes what `git mktree` would; bytes that are not tree entries are a clear error."""
    from archive.errors import ArchiveError
    from archive.store import _Tree, parse_tree
    git_dir = ["git", "--git-dir", repo.git_dir]
    blob = bytes.fromhex(subprocess.run(git_dir + ["hash-object", "-w", "--stdin"], input=b"x",
                                        capture_output=True, check=True).stdout.decode().strip())
    folder = bytes.fromhex(subprocess.run(git_dir + ["hash-object", "-t", "tree", "-w", "--stdin"], input=b"",
                                          capture_output=True, check=True).stdout.decode().strip())
    entries = [(b"100644", b"b.xml"), (b"40000", b"a"), (b"100644", b"a.txt"), (b"100644", b"a-b")]
    sha = {b"100644": blob, b"40000": folder}
    raw = b"".join(b"%s %s\0%s" % (mode, name, sha[mode]) for mode, name in entries)
    tree = _Tree.from_raw(raw)
    assert parse_tree(raw) == {name.decode(): (int(mode, 8), sha[mode]) for mode, name in entries}
    listing = "".join(f"{'040000 tree' if m == b'40000' else '100644 blob'} {sha[m].hex()}\t{n.decode()}\n"
                      for m, n in entries)
    expected = subprocess.run(git_dir + ["mktree"], input=listing.encode(), capture_output=True, check=True).stdout
    assert hashlib.sha1(b"tree %d\0" % len(tree.data) + tree.data).hexdigest() == expected.decode().strip()
    assert tree.get("a") == (0o40000, folder) and tree.get("a.txt") == (0o100644, blob) and tree.get("c") is None
    with pytest.raises(ArchiveError, match="damaged"):
        _Tree.from_raw(raw[:-3])


def test_a_change_with_a_path_both_file_and_folder_is_refused_and_writes_nothing(repo):
    from archive.errors import ArchiveError
    store, actor = Store(repo), parse_author("Ana Archivist <ana@example.org>", repo)
    first = store.commit({"d/a.xml": b"1"}, "first", actor)
    for changes in [{"d/a": b"x", "d/a/b.xml": b"y"}, {"d/a/b.xml": b"y", "d/a": None}]:
        with pytest.raises(ArchiveError, match="both|also"):
            store.commit(changes, "both", actor)
        assert store.head() == first


def test_files_changed_in_one_folder_write_each_tree_once(repo):
    """Two files of one letter's source folder: the year folder above them is written once."""
    store, actor = Store(repo), parse_author("Ana Archivist <ana@example.org>", repo)
    store.commit({f"sources/2005/x{i}/original.txt": b"%d" % i for i in range(50)}, "first", actor)
    written = []
    real = store._write
    store._write = lambda kind, data: written.append(kind) or real(kind, data)
    store.commit({"sources/2005/y/original.txt": b"a", "sources/2005/y/sha256sums": b"b"}, "second", actor)
    # two blobs; trees y, 2005, sources and the root; the commit
    assert sorted(written) == [b"blob", b"blob", b"commit", b"tree", b"tree", b"tree", b"tree"]
    assert [p for p, _ in store.last.changes] == ["sources/2005/y/original.txt", "sources/2005/y/sha256sums"]


def test_a_big_tree_is_stored_uncompressed_and_git_reads_it(repo):
    """A year folder of a large archive is written without compressing it (compressing was
    ~1.7 ms of each single ingest); git must read it, and everything else stays compressed."""
    import zlib
    store, actor = Store(repo), parse_author("Ana Archivist <ana@example.org>", repo)
    names = [f"2005-01-{i:05d}-org-xx.xml" for i in range(1200)]   # ~60 KB of entries
    store.commit({f"letters/2005/{n}": n.encode() for n in names}, "many", actor)
    store.commit({"letters/2005/2005-01-00007-org-xx.xml": b"changed"}, "one", actor)
    git_dir = repo.git_dir

    def loose(sha):
        return open(f"{git_dir}/objects/{sha[:2]}/{sha[2:]}", "rb").read()

    folder = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "main:letters/2005"],
                            capture_output=True, text=True, check=True).stdout.strip()
    small = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "main:letters"],
                           capture_output=True, text=True, check=True).stdout.strip()
    body = zlib.decompress(loose(folder))
    assert len(body) > Store.RAW_TREE_FROM and len(loose(folder)) >= len(body)   # stored as it is
    assert len(zlib.decompress(loose(small))) < Store.RAW_TREE_FROM
    listed = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "--name-only", folder],
                            capture_output=True, text=True, check=True).stdout.split()
    assert listed == sorted(names)
    assert RepoReader(repo).read("letters/2005/2005-01-00007-org-xx.xml") == b"changed"
    subprocess.run(["git", "--git-dir", git_dir, "fsck", "--strict"], check=True, capture_output=True)
    blob = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "main:letters/2005/" + names[0]],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert zlib.decompress(loose(blob)) == b"blob %d\0" % len(names[0]) + names[0].encode()


def _count_objects(git_dir) -> dict:
    out = subprocess.run(["git", "--git-dir", str(git_dir), "count-objects", "-v"], capture_output=True,
                         text=True, check=True).stdout
    return {k: int(v) for k, v in (line.split(": ") for line in out.splitlines()) if v.strip().isdigit()}


def test_loose_objects_of_single_writes_are_packed_in_the_background(tmp_path, monkeypatch):
    """Single writes leave loose objects; every GRAPH_EVERY commits git's maintenance packs
    them (detached), and the archive reads the same afterwards."""
    import time
    from archive import home
    from archive.home import Archive
    from conftest import AUTHOR
    from test_guarantees import letter_text
    monkeypatch.setattr(home, "GRAPH_EVERY", 3)
    a = Archive.init(tmp_path / "a", AUTHOR)
    try:
        a.repo.git.config("maintenance.loose-objects.auto", "1")
        ids = [a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)["id"] for i in range(4)]
        git_dir = a.repo.git_dir
        assert _count_objects(git_dir)["count"] > 20
        deadline = time.time() + 60
        while time.time() < deadline:
            counts = _count_objects(git_dir)
            if counts["packs"] and counts["prune-packable"]:
                break
            time.sleep(0.2)
        assert counts["packs"] >= 1 and counts["in-pack"] > 20 and counts["prune-packable"] > 20, counts
        time.sleep(0.5)   # let the detached git finish with the pack it wrote
        subprocess.run(["git", "--git-dir", git_dir, "fsck", "--no-progress"], check=True, capture_output=True)
        assert [a.record(i)["id"] for i in ids] == ids
        assert a.validate() == []
    finally:
        a.close()
