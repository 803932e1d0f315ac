"""Segment merges beside the writers: a write never waits for one, nothing is lost or
duplicated when a writer changes letters while they merge, and the real background process
started by writes does its work."""
import time

import pytest
from whoosh import index as windex
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import Term

from archive import merges
from archive.index import Index
from conftest import AUTHOR


def _sizes(ix):
    return sorted(seg.doc_count_all() for seg in ix._segments())


@pytest.fixture
def small(tmp_path):
    """A plain Whoosh index of MERGE_FAN_IN one-document segments, as single writes leave."""
    path = tmp_path / "index"
    path.mkdir()
    ix = windex.create_in(str(path), Schema(id=ID(stored=True, unique=True), body=TEXT(stored=True)))
    for i in range(merges.MERGE_FAN_IN):
        w = ix.writer()
        w.add_document(id=f"d{i}", body=f"letter number {i} about detention")
        w.commit(mergetype=merges.deferred_merge)
    assert _sizes(ix) == [1] * merges.MERGE_FAN_IN  # the write path merged nothing
    yield ix, Index(path)
    ix.close()


def _docs(ix):
    with ix.searcher() as s:
        return sorted((f["id"], f["body"]) for f in s.all_stored_fields())


def test_a_merge_keeps_the_changes_a_writer_made_while_it_ran(small, monkeypatch):
    ix, index = small
    # Replaced segments' files go at the next commit: only the merge marker protects ours.
    monkeypatch.setattr(merges, "RETIRED_GRACE", -1)
    merge = merges.Merge(index)
    assert merge.prepare()
    w = ix.writer()  # a writer updates one merged letter and removes another meanwhile
    w.update_document(id="d3", body="corrected letter three")
    w.delete_by_term("id", "d5")
    w.commit(mergetype=merges.deferred_merge)
    assert merge.swap()
    merge.close()
    assert _sizes(ix) == [1, merges.MERGE_FAN_IN]
    expected = sorted([(f"d{i}", f"letter number {i} about detention")
                       for i in range(merges.MERGE_FAN_IN) if i not in (3, 5)]
                      + [("d3", "corrected letter three")])
    assert _docs(ix) == expected
    with ix.searcher() as s:
        assert s.doc_count() == merges.MERGE_FAN_IN - 1
        assert not (index.path / merges.MARKER).read_text().strip("{}")


def test_a_merge_whose_segments_were_replaced_meanwhile_is_dropped(small):
    ix, index = small
    before = _docs(ix)
    merge = merges.Merge(index)
    assert merge.prepare()
    ix.optimize()  # another writer merged everything first
    assert not merge.swap()
    merge.close()
    assert _sizes(ix) == [merges.MERGE_FAN_IN] and _docs(ix) == before


def test_nothing_merges_before_a_tier_is_full(small):
    ix, index = small
    ix.optimize()
    for i in range(merges.MERGE_FAN_IN - 1):
        w = ix.writer()
        w.add_document(id=f"n{i}", body="y")
        w.commit(mergetype=merges.deferred_merge)
    assert merges.merge_all(index.path) == 0
    assert _sizes(ix) == [1] * (merges.MERGE_FAN_IN - 1) + [merges.MERGE_FAN_IN]


def test_a_writer_merges_inline_only_when_merges_fell_far_behind(small):
    ix, _ = small
    for i in range(merges.MAX_SEGMENTS - merges.MERGE_FAN_IN):
        w = ix.writer()
        w.add_document(id=f"more{i}", body="z")
        w.commit(mergetype=merges.deferred_merge)
    assert len(ix._segments()) == merges.MAX_SEGMENTS  # no merger ran: nothing merged yet
    w = ix.writer()
    w.add_document(id="last", body="z")
    w.commit(mergetype=merges.deferred_merge)
    assert _sizes(ix) == [merges.MAX_SEGMENTS + 1]
    assert ix.doc_count() == merges.MAX_SEGMENTS + 1


def test_single_ingests_start_a_merger_that_merges_a_full_tier(tmp_path):
    """The real detached `python -m archive.merges` process, started by the writes."""
    from archive.home import Archive
    from test_guarantees import letter_text
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        for i in range(merges.MERGE_FAN_IN + 2):
            assert a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)["ok"]
        deadline = time.time() + 60
        while merges.due(a.index._open()._segments()) and time.time() < deadline:
            time.sleep(0.2)
        sizes = _sizes(a.index._open())
        assert max(sizes) >= merges.MERGE_FAN_IN and sum(sizes) == merges.MERGE_FAN_IN + 2
        # The searcher moves to the merged generation and finds every letter once.
        hits = a.search("", limit=100)
        assert hits["total"] == merges.MERGE_FAN_IN + 2
        assert len({h["id"] for h in hits["hits"]}) == merges.MERGE_FAN_IN + 2
    finally:
        a.close()


def test_a_merge_of_letters_keeps_its_scratch_files_apart_from_the_writers(tmp_path, monkeypatch):
    """Writers share the index's scratch directory and delete it when they finish; a merger
    that wrote its stored columns there failed whenever a single ingest finished meanwhile."""
    import shutil
    from archive.home import Archive
    from test_guarantees import letter_text
    started = []
    monkeypatch.setattr(merges, "start", lambda path, fd: started.append(path))  # this test runs the merge itself
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        for i in range(merges.MERGE_FAN_IN):
            assert a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)["ok"]
        assert started
        before = a.search("", limit=100)
        shutil.rmtree(a.index.path / "MAIN.tmp", ignore_errors=True)
        merge = merges.Merge(a.index)
        assert merge.prepare()
        assert not (a.index.path / "MAIN.tmp").exists()
        assert a.ingest(letter_text(50).encode(), "l50.txt", {}, AUTHOR)["ok"]  # a writer meanwhile
        assert merge.swap()
        merge.close()
        assert not list(a.index.path.glob("merge-*"))
        assert _sizes(a.index._open()) == [1, merges.MERGE_FAN_IN]
        after = a.search("", limit=100)
        assert after["total"] == before["total"] + 1
        assert {h["id"] for h in before["hits"]} < {h["id"] for h in after["hits"]}
    finally:
        a.close()


def test_writes_start_no_second_merger_while_one_runs(tmp_path, monkeypatch):
    """Each merger costs a Python start-up: writes during a merge must not start more."""
    from archive.home import Archive
    from archive.index import _FileLock
    from test_guarantees import letter_text
    started = []
    monkeypatch.setattr(merges, "start", lambda path, fd: started.append(path))
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        with _FileLock(merges._merge_lock(a.index), blocking=True):  # a merger is running
            for i in range(merges.MERGE_FAN_IN + 2):
                assert a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)["ok"]
            assert started == []
        assert a.ingest(letter_text(30).encode(), "l30.txt", {}, AUTHOR)["ok"]
        assert started == [a.index.path]
        assert merges.merge_all(a.index.path) == 1  # what that merger does
        assert _sizes(a.index._open()) == [merges.MERGE_FAN_IN + 3]
    finally:
        a.close()


def test_retired_segments_files_are_deleted_after_the_commit(small, monkeypatch):
    """Files no TOC names, past their grace period, go on a thread after the commit; the
    current segments' files and the one table of contents stay."""
    ix, index = small
    monkeypatch.setattr(merges, "RETIRED_GRACE", -1)
    ix.optimize()   # the one-document segments are retired
    w = ix.writer()
    w.add_document(id="late", body="one more letter")
    w.commit(mergetype=merges.deferred_merge)   # its clean-up finds them past their grace period
    for _ in range(500):
        if merges._deleter is None:
            break
        time.sleep(0.01)
    live = {seg.segment_id() for seg in ix._segments()}
    names = [p.name for p in index.path.iterdir()]
    assert len([n for n in names if n.endswith(".toc")]) == 1
    pattern = windex.TOC._segment_pattern("MAIN")
    owners = {m.group(1) for m in map(pattern.match, names) if m}
    assert owners == live and len(live) == 2
    assert len(_docs(ix)) == merges.MERGE_FAN_IN + 1


def test_an_index_in_memory_writes_no_ledger_into_the_working_directory(tmp_path, monkeypatch):
    """The archive's clean-up replaces Whoosh's for every index in the process; one with no
    folder gets Whoosh's own."""
    from whoosh.filedb.filestore import RamStorage
    monkeypatch.chdir(tmp_path)
    ix = RamStorage().create_index(Schema(id=ID(stored=True)))
    for i in range(3):
        w = ix.writer()
        w.add_document(id=str(i))
        w.commit()
    assert ix.doc_count() == 3 and list(tmp_path.iterdir()) == []


def test_a_forked_worker_deletes_retired_files_with_a_thread_of_its_own(tmp_path):
    """A web server forks its workers: a deleter thread of the parent does not exist in the
    child, which starts its own."""
    import os
    from whoosh.filedb.filestore import FileStorage
    doomed = tmp_path / "MAIN_retired.seg"
    doomed.write_bytes(b"x")
    merges._delete_soon(FileStorage(str(tmp_path)), [])   # the parent's deleter, as if running
    merges._deleter = merges._deleter or object()
    pid = os.fork()
    if pid == 0:   # the child: one file to delete, on a thread it must start itself
        try:
            merges._delete_soon(FileStorage(str(tmp_path)), [doomed.name])
            for _ in range(500):
                if not doomed.exists():
                    break
                time.sleep(0.01)
        finally:
            os._exit(0 if not doomed.exists() else 1)
    merges._deleter = None
    for _ in range(1000):   # a child stuck on a lock its parent held at the fork never ends
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.01)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError("the forked worker hung")
    assert os.WEXITSTATUS(status) == 0 and not doomed.exists()


def _segment_files(folder, seg):
    return sorted(p.name.split(".", 1)[1] for p in folder.iterdir() if p.name.startswith(f"{seg.segment_id()}."))


def test_a_single_ingests_segment_is_one_file(tmp_path):
    """Single ingests each write a segment: a compound one, so a burst of them (and the merged
    segments they retire) does not fill the folder that every commit lists."""
    from archive.home import Archive
    from test_guarantees import letter_text
    a = Archive.init(tmp_path / "home", AUTHOR)
    try:
        for i in range(3):
            assert a.ingest(letter_text(i).encode(), f"l{i}.txt", {}, AUTHOR)["ok"]
        segments = a.index._open()._segments()
        assert segments and all(seg.is_compound() for seg in segments)
        assert all(_segment_files(a.home / "index", seg) == ["seg"] for seg in segments)
        assert a.search("", limit=10)["total"] == 3
        assert a.search("detention")["total"] >= 1
    finally:
        a.close()


@pytest.mark.parametrize("below, compound", [(merges.COMPOUND_BELOW, True), (5, False)])
def test_a_merged_segment_is_one_file_only_while_small(small, monkeypatch, below, compound):
    ix, index = small
    monkeypatch.setattr(merges, "COMPOUND_BELOW", below)
    before = _docs(ix)
    merge = merges.Merge(index)
    assert merge.prepare() and merge.swap()
    merge.close()
    ix = windex.open_dir(str(index.path))
    [merged] = ix._segments()
    assert merged.doc_count_all() == merges.MERGE_FAN_IN and merged.is_compound() == compound
    files = _segment_files(index.path, merged)
    assert (files == ["seg"]) == compound and len(files) >= (1 if compound else 3)
    assert _docs(ix) == before
    with ix.searcher() as s:
        assert len(s.search(Term("body", "detention"))) == merges.MERGE_FAN_IN
    ix.close()
