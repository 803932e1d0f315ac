"""The version cache (archive/cache.py): history summaries and the main line, on real archives.

Every test compares with a fresh computation (the reader without a cache), so a cache that
returns stale or foreign data fails here.
"""
import shutil
import sqlite3
from pathlib import Path

import pytest

from archive import summaries
from archive.errors import NotFound
from archive.home import Archive

DATA = Path(__file__).resolve().parent / "data" / "versions"
AUTHOR = "Ana Archivist <ana@example.org>"
HINTS = {"sender_org": "Central Asia Press Freedom Monitor"}


def _archive(home):
    a = Archive.init(home, AUTHOR)
    first = a.ingest((DATA / "letter.txt").read_bytes(), "letter.txt", HINTS, author=AUTHOR)
    text = a.record(first["id"])["text"]
    a.edit(first["id"], text=text.replace("goverment", "government"), message="typo", author=AUTHOR)
    a.edit(first["id"], sets={"date": "2019-03-15"}, message="date", author=AUTHOR)
    return a, first["id"]


@pytest.fixture
def letter(tmp_path):
    a, lid = _archive(tmp_path / "home")
    yield a, lid
    a.close()


def _fresh(a, lid):
    """The history computed without any cache."""
    cache, a.reader.cache = a.reader.cache, None
    try:
        return a.history(lid)
    finally:
        a.reader.cache = cache


def _rows(a):
    with sqlite3.connect(a.home / "cache" / "versions.sqlite") as conn:
        return conn.execute("SELECT code, old, new, summary FROM summaries").fetchall()


def test_cached_summaries_equal_a_fresh_computation(letter):
    a, lid = letter
    first = a.history(lid)
    assert [e["summary"] for e in first] == ["metadata: date", "text: 1 word changed", "letter added"]
    assert set(first[0]) == {"version", "author", "date", "message", "summary"}
    assert len(_rows(a)) == 2 and {r[0] for r in _rows(a)} == {summaries.code_key()}
    assert a.history(lid) == first == _fresh(a, lid)


def test_summaries_are_read_from_the_cache_under_the_code_key_only(letter):
    a, lid = letter
    expected = a.history(lid)
    path = a.home / "cache" / "versions.sqlite"
    with sqlite3.connect(path) as conn:   # a row of this code is read back as it is...
        conn.execute("UPDATE summaries SET summary = 'from the cache'")
    assert [e["summary"] for e in a.history(lid)][:2] == ["from the cache"] * 2
    with sqlite3.connect(path) as conn:   # ...a row written by other code is not
        conn.execute("UPDATE summaries SET code = 'older code'")
    assert a.history(lid) == expected
    assert {r[0] for r in _rows(a)} == {"older code", summaries.code_key()}


@pytest.mark.parametrize("damage", [b"not a database at all " * 200, "truncated", "foreign"])
def test_a_damaged_cache_file_is_ignored_and_rebuilt(letter, damage):
    a, lid = letter
    expected = a.history(lid)
    a.resolve_version(lid, expected[-1]["version"])   # fills the main line too
    path = a.home / "cache" / "versions.sqlite"
    a.close()
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:3000])
    elif damage == "foreign":   # a database, but not of this schema
        for p in path.parent.iterdir():
            p.unlink()
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE summaries (x)")
            conn.execute("CREATE TABLE mainline (y)")
    else:
        path.write_bytes(damage)
    b = Archive.open(a.home)
    try:
        assert b.history(lid) == expected
        assert b.get(lid, at=expected[-1]["version"])[1] == expected[-1]["version"]
        assert len(_rows(b)) == 2
    finally:
        b.close()


def test_an_unwritable_cache_is_no_error(tmp_path):
    a, lid = _archive(tmp_path / "home")
    try:
        a.close()
        shutil.rmtree(a.home / "cache")  # the edits already wrote their summaries there
        (a.home / "cache").write_text("a file where the cache folder should be")
        a = Archive.open(a.home)
        expected = _fresh(a, lid)
        assert a.history(lid) == expected
        oldest = expected[-1]["version"]
        assert a.get(lid, at=oldest[:7])[1] == oldest
    finally:
        a.close()


def test_a_new_version_after_the_cache_was_written_shows_up(letter):
    a, lid = letter
    before = a.history(lid)
    text = a.record(lid)["text"]
    new = a.edit(lid, text=text.replace("journalists", "reporters"), message="reword", author=AUTHOR)
    after = a.history(lid)
    assert [e["version"] for e in after] == [new["version"]] + [e["version"] for e in before]
    assert after == _fresh(a, lid)
    assert after[0]["summary"] == "text: 2 words changed"
    assert a.get(lid, at=new["version"])[1] == new["version"]


def test_versions_on_the_main_line_after_a_rewind(letter):
    """main moved back by hand: the versions that left it are 404, the new ones are found."""
    a, lid = letter
    versions = [e["version"] for e in a.history(lid)]   # newest first
    for v in versions:
        assert a.resolve_version(lid, v) == v
    a.repo.git.update_ref("refs/heads/main", versions[1])   # drop the newest version
    with pytest.raises(NotFound):
        a.resolve_version(lid, versions[0])
    text = a.record(lid)["text"]
    new = a.edit(lid, text=text.replace("journalists", "reporters"), message="reword",
                 author=AUTHOR)["version"]
    assert a.resolve_version(lid, new) == new
    assert a.resolve_version(lid, versions[1]) == versions[1]
    with pytest.raises(NotFound):
        a.resolve_version(lid, versions[0])
    assert [e["version"] for e in a.history(lid)] == [new] + versions[1:]


def test_edits_leave_their_summaries_in_the_cache_and_they_match_a_fresh_diff(letter):
    a, lid = letter
    rows = _rows(a)  # written by the two edits, before any history was asked for
    assert len(rows) == 2 and {r[0] for r in rows} == {summaries.code_key()}
    assert sorted(r[3] for r in rows) == ["metadata: date", "text: 1 word changed"]
    assert a.history(lid) == _fresh(a, lid)


def _git_history(a, path):
    cache, a.reader.cache = a.reader.cache, None
    try:
        return a.reader.history(path)
    finally:
        a.reader.cache = cache


def test_kept_file_histories_are_exactly_git_log_s(letter):
    a, lid = letter
    other = a.ingest((DATA / "letter.txt").read_bytes().replace(b"goverment", b"authorities"),
                     "other.txt", HINTS, author=AUTHOR)["id"]
    a.edit(other, sets={"date": "2020-01-02"}, message="date", author=AUTHOR)
    head = a.reader.head()
    paths = a.repo.git.ls_tree("-r", "--name-only", head).splitlines()
    assert len(paths) > 6
    for path in paths:
        assert a.reader.history(path) == _git_history(a, path)
    assert sqlite3.connect(a.home / "cache" / "versions.sqlite").execute(
        "SELECT value FROM meta WHERE key = 'pathlog_tip'").fetchone()[0] == head
    # main moved back (a version undone by hand), then a new edit: the table starts again
    a.repo.git.update_ref("refs/heads/main", a.history(lid)[-1]["version"])
    a.edit(lid, sets={"date": "2018-05-06"}, message="again", author=AUTHOR)
    for path in paths:
        assert a.reader.history(path) == _git_history(a, path)


def test_commits_written_here_enter_the_kept_histories_as_git_logs_them(letter, monkeypatch):
    """After a write of its own, the archive adds the commit's rows from what it wrote, without
    asking git; they must be exactly the rows git's log gives."""
    from archive import pathlog
    a, lid = letter
    assert a.history(lid)  # the table is built, at the head
    asked = []
    monkeypatch.setattr(pathlog, "keep_current", lambda *args: asked.append(args))
    other = a.ingest((DATA / "letter.txt").read_bytes().replace(b"goverment", b"officials"),
                     "other.txt", HINTS, author=AUTHOR)["id"]
    a.edit(other, sets={"date": "2020-01-02"}, message="A date\n\nwith a longer message ", author=AUTHOR)
    a.edit(lid, text="A short text replacing the whole letter.", author="Someone Else <else@example.org>")
    assert not asked  # every commit was added from what was written
    head = a.reader.head()
    paths = a.repo.git.log("--name-only", "--format=", "--all").split()
    assert len(set(paths)) > 6
    for path in set(paths):
        assert a.reader.history(path) == _git_history(a, path), path
    assert _tip(a) == head


def _tip(a):
    return sqlite3.connect(a.home / "cache" / "versions.sqlite").execute(
        "SELECT value FROM meta WHERE key = 'pathlog_tip'").fetchone()[0]


def test_a_long_history_is_kept_by_a_background_build(letter, monkeypatch):
    import time
    from archive import pathlog
    a, lid = letter
    path = a.record(lid)["path"]
    monkeypatch.setattr(pathlog, "INLINE_MAX", 2)   # this archive's 4 commits count as long
    expected = _git_history(a, path)
    assert a.reader.history(path) == expected   # answered by git while the table is built

    def tip():
        with sqlite3.connect(a.home / "cache" / "versions.sqlite") as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'pathlog_tip'").fetchone()
        return row and row[0]
    assert tip() != a.reader.head()   # not built inline (a new process takes ~0.3 s to start)
    deadline = time.monotonic() + 60
    while tip() != a.reader.head() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tip() == a.reader.head()   # built by `python -m archive.pathlog HOME`
    assert a.reader.history(path) == expected
    a.edit(lid, sets={"date": "2017-07-07"}, message="later", author=AUTHOR)
    assert tip() == a.reader.head()   # the write moved the table forward itself
    assert a.reader.history(path) == _git_history(a, path)


def test_a_folder_s_history_is_still_git_s(letter):
    a, lid = letter
    a.history(lid)   # builds the table
    assert a.reader.history("letters") == _git_history(a, "letters") and len(a.reader.history("letters")) == 3
    assert a.reader.history("letters/1999/nothing.xml") == []
