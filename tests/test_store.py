"""The git writer and reader on a real repository."""
from __future__ import annotations

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
        assert store._kept_entries == sum(len(t.entries) + 1 for t in store._trees.values())
        assert store._kept_entries <= kept or len(store._trees) == 1
