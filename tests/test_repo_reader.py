"""The git reader on real repositories: many files at once, blob ids in the history, the last
change of a path and the main line, each checked against plain git."""
from __future__ import annotations

import sqlite3

import pytest

from archive import mainline
from archive.cache import VersionCache
from archive.repo import RepoReader
from archive.store import Store, init_repository, parse_author


@pytest.fixture
def repo(tmp_path):
    return init_repository(tmp_path / "repo.git")


def _git(repo, *args) -> str:
    return repo.git.execute(["git", f"--git-dir={repo.git_dir}", *args]).strip()


def _log1(repo, path, commit):
    return _git(repo, "log", "-1", "--format=%H", commit, "--", path) or commit


@pytest.fixture
def merged(repo):
    """a.xml and b.xml changed on main and on a merged side line; b.xml removed and re-added.

    main: c1 (a=1) - c2 (a=2, b=1) - c3 (b removed) - c4 (b=2) - merge M (a=3) - c6 (x)
    side: c2 - s1 (a=side, b=side) ----------------------------/ (M's second parent)
    """
    store, actor = Store(repo), parse_author("A <a@example.org>", repo)
    c = {"c1": store.commit({"letters/2005/a.xml": b"1"}, "c1", actor)}
    c["c2"] = store.commit({"letters/2005/a.xml": b"2", "letters/2006/b.xml": b"1"}, "c2", actor)
    c["s1"] = store.commit({"letters/2005/a.xml": b"side", "letters/2006/b.xml": b"side"}, "s1", actor)
    _git(repo, "update-ref", "refs/heads/main", c["c2"])
    c["c3"] = store.commit({"letters/2006/b.xml": None}, "c3", actor)
    c["c4"] = store.commit({"letters/2006/b.xml": b"2", "other file.txt": b"o"}, "c4", actor)
    tmp = store.commit({"letters/2005/a.xml": b"3"}, "tree of the merge", actor)
    tree = _git(repo, "rev-parse", tmp + "^{tree}")
    c["m"] = _git(repo, "commit-tree", tree, "-p", c["c4"], "-p", c["s1"], "-m", "merge")
    _git(repo, "update-ref", "refs/heads/main", c["m"])
    c["c6"] = store.commit({"letters/2007/x.xml": b"x"}, "c6", actor)
    c["dangling"] = tmp
    return c


def test_iter_files_reads_many_paths_at_one_commit(repo, merged):
    reader = RepoReader(repo)
    paths = ["letters/2006/b.xml", "letters/2005/a.xml", "letters/2007/x.xml", "letters/2005/none.xml",
             "letters/2005", "other file.txt", "letters/2005/a.xml"]
    for commit in (merged["c2"], merged["c3"], merged["c6"], None):
        got = list(reader.iter_files(commit, paths))
        assert got == [(p, reader.read(p, commit) if p != "letters/2005" else None) for p in paths]
    assert dict(reader.iter_files(merged["c4"], paths))["letters/2006/b.xml"] == b"2"
    many = {f"letters/{1900 + k}/l{k}.xml": str(k).encode() for k in range(300)}   # > 256 folders
    Store(repo).commit(many, "many", parse_author("A <a@example.org>", repo))
    assert dict(reader.iter_files(None, list(many))) == many
    first = next(reader.iter_files(None, list(many)))   # stopping early leaves the reader usable
    assert first == ("letters/1900/l0.xml", b"0") and reader.read("letters/1901/l1.xml") == b"1"
    assert list(reader.iter_files(None, [])) == []


def test_read_paths_the_cat_file_cannot_be_asked_for(repo, merged):
    reader = RepoReader(repo)
    assert reader.read("other file.txt") == b"o"
    assert reader.read("letters/2005/../2005/a.xml") is None
    assert reader.read("letters/2005/a.xml\nletters/2006/b.xml") is None
    assert reader.blob_sha("other file.txt") == _git(repo, "rev-parse", "main:other file.txt")


def test_history_carries_each_versions_blob(repo, merged):
    reader = RepoReader(repo)
    for path in ("letters/2005/a.xml", "letters/2006/b.xml"):
        got = [(e["version"], e["blob"]) for e in reader.history(path)]
        log = _git(repo, "log", "--format=%H", "main", "--", path).split()
        assert [v for v, _ in got] == log
        for version, blob in got:
            exists = _git(repo, "ls-tree", version, "--", path)
            assert blob == (exists.split()[2] if exists else None), (path, version)
    assert [e["blob"] for e in reader.history("letters/2006/b.xml")][1] is None   # c3 removed it


def test_last_change_is_what_git_log_says(repo, merged):
    commits = _git(repo, "rev-list", "main").split() + [merged["s1"], merged["dangling"]]
    paths = ("letters/2005/a.xml", "letters/2006/b.xml", "letters/2007/x.xml", "letters/none.xml")
    shared = RepoReader(repo)
    for commit in commits:
        for path in paths:
            expected = _log1(repo, path, commit)
            assert RepoReader(repo).last_change(path, commit) == expected, (path, commit)
            assert shared.last_change(path, commit) == expected
    assert shared.last_change("letters/2005/a.xml", merged["c6"]) == merged["m"]
    assert shared.last_change("letters/2006/b.xml", merged["m"]) == merged["c4"]


def test_on_main_from_the_cache_matches_git(repo, merged, tmp_path):
    reader = RepoReader(repo, VersionCache(tmp_path / "cache" / "versions.sqlite"))
    head = reader.head()
    commits = _git(repo, "rev-list", "--all").split() + [merged["dangling"]]
    for commit in commits:
        assert reader.on_main(commit, head) == reader.is_ancestor(commit, head), commit
    assert reader.on_main(merged["s1"], head) and not reader.on_main(merged["dangling"], head)
    with sqlite3.connect(tmp_path / "cache" / "versions.sqlite") as conn:
        chain = conn.execute("SELECT sha, depth FROM mainline ORDER BY depth").fetchall()
    first_parents = _git(repo, "rev-list", "--first-parent", "--reverse", head).split()
    assert [(sha.hex(), depth) for sha, depth in chain] == [(s, k) for k, s in enumerate(first_parents)]


@pytest.mark.parametrize("walk_limit", [256, 1])
def test_on_main_follows_main_forward_and_back(repo, tmp_path, monkeypatch, walk_limit):
    monkeypatch.setattr(mainline, "WALK_LIMIT", walk_limit)   # 1: every move rebuilds the chain
    store, actor = Store(repo), parse_author("A <a@example.org>", repo)
    c = [store.commit({"x.xml": str(k).encode()}, f"c{k}", actor) for k in range(5)]
    reader = RepoReader(repo, VersionCache(tmp_path / "versions.sqlite"))
    assert all(reader.on_main(x, c[4]) for x in c)
    assert not reader.on_main(c[4], c[2])   # a stale head: a later commit is not on its line
    _git(repo, "update-ref", "refs/heads/main", c[2])   # rewind, then a new line
    c5 = store.commit({"x.xml": b"5"}, "c5", actor)
    c6 = store.commit({"x.xml": b"6"}, "c6", actor)
    for x in c + [c5, c6]:
        assert reader.on_main(x, c6) == reader.is_ancestor(x, c6), x
    assert not reader.on_main(c[3], c6) and reader.on_main(c5, c6)
    assert reader.on_main(c[3], c[4]) and not reader.on_main(c5, c[4])   # the old line, asked again
    assert reader.on_main(c5, c6)


def test_last_change_at_the_head_from_the_cache_matches_git(repo, tmp_path):
    store, actor = Store(repo), parse_author("A <a@example.org>", repo)
    db = tmp_path / "versions.sqlite"
    paths = ["a.xml", "b.xml", "c.xml", "none.xml"]

    def check():   # each time a new reader, as in another process, on the same cache file
        head = _git(repo, "rev-parse", "main")
        for p in paths:
            assert RepoReader(repo, VersionCache(db)).last_change(p, head) == _log1(repo, p, head), p
        with sqlite3.connect(db) as conn:
            return head, dict(conn.execute("SELECT path, version FROM lastchange")), \
                conn.execute("SELECT value FROM meta WHERE key = 'lastchange_tip'").fetchone()[0]

    c1 = store.commit({"a.xml": b"1", "b.xml": b"1", "c.xml": b"1"}, "c1", actor)
    store.commit({"a.xml": b"2"}, "a2", actor)
    store.commit({"x.xml": b"x"}, "x", actor)
    head, rows, tip = check()
    assert tip == head and rows["b.xml"] == c1 and "a.xml" in rows
    with sqlite3.connect(db) as conn:   # an answer in the cache is used as it is...
        conn.execute("UPDATE lastchange SET version = 'cached' WHERE path = 'c.xml'")
    assert RepoReader(repo, VersionCache(db)).last_change("c.xml", head) == "cached"
    store.commit({"c.xml": b"2"}, "c2", actor)   # ...until main moves past a change to the file
    store.commit({"b.xml": b"2"}, "b2", actor)
    store.commit({"b.xml": b"1"}, "b back", actor)   # the same tree as before for b.xml
    store.commit({"y.xml": b"y"}, "y", actor)
    head, rows, tip = check()
    assert tip == head and rows["c.xml"] != "cached"
    _git(repo, "update-ref", "refs/heads/main", c1)   # main rewound: nothing cached holds
    store.commit({"z.xml": b"z"}, "z", actor)
    check()
    side = store.commit({"c.xml": b"side"}, "side", actor)   # a merged side line changes c.xml
    _git(repo, "update-ref", "refs/heads/main", f"{side}~1")
    store.commit({"w.xml": b"w"}, "w", actor)
    check()
    tree = _git(repo, "rev-parse", f"{side}^{{tree}}")
    merge = _git(repo, "commit-tree", tree, "-p", "main", "-p", side, "-m", "merge")
    _git(repo, "update-ref", "refs/heads/main", merge)
    store.commit({"v.xml": b"v"}, "v", actor)
    head, rows, tip = check()
    assert rows["c.xml"] == side
