"""Index segments built in processes of their own (a large bulk ingest, a rebuild): the index
is the one the writing process would have built itself, and a builder that dies loses nothing."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from archive import bulk, merges, segment_builder
from archive.home import Archive
from archive.verify import verify
from benchmarks.generator import read_corpus, write_corpus
from conftest import AUTHOR

QUERIES = ["torture", '"freedom of expression"', "detention country:UZ", "date:[2005 TO 2015]", "asylum OR journalists"]


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    """40 generated letters with their later versions, as a folder ingest reads them."""
    corpus = tmp_path_factory.mktemp("corpus")
    write_corpus(corpus, 40, seed=7)
    out = read_corpus(corpus)
    assert any(len(item) > 3 for item in out)  # later versions in the same batch
    return out


@pytest.fixture
def started(monkeypatch):
    """Counts the builder processes started (they run unchanged)."""
    count = [0]
    real = segment_builder.SegmentBuilder.__init__

    def counting(self, *args, **kwargs):
        count[0] += 1
        real(self, *args, **kwargs)
    monkeypatch.setattr(segment_builder.SegmentBuilder, "__init__", counting)
    return count


def _state(a: Archive) -> dict:
    """What the index holds and answers: every stored document, and the hits of some queries."""
    s = a.index.searcher()
    # read before searching: a search opens the latest generation (a background merge may
    # have landed) and closes this searcher
    docs = sorted(sorted(fields.items()) for fields in s.all_stored_fields())
    count = s.doc_count()
    # hits of equal score in any order: two builders' segments hold the letters in another order
    answers = {q: sorted(((-round(h["score"], 6), h["id"]) for h in a.search(q, limit=50)["hits"]))
               for q in QUERIES}
    return {"docs": docs, "answers": answers, "count": count}


def _ingest(home, items, lag: int, monkeypatch) -> Archive:
    monkeypatch.setattr(bulk, "INDEX_LAG", lag)
    a = Archive.init(home, AUTHOR)
    results = a.ingest_many(items, AUTHOR)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]]
    return a


def test_a_large_batch_builds_the_index_aside_as_the_writer_would(items, tmp_path, monkeypatch, started):
    in_process = _ingest(tmp_path / "a", items, lag=10_000, monkeypatch=monkeypatch)
    assert started[0] == 0
    aside = _ingest(tmp_path / "b", items, lag=8, monkeypatch=monkeypatch)
    assert started[0] == 1
    try:
        want, got = _state(in_process), _state(aside)
        assert got["count"] == 40 and got["answers"]["torture"]
        assert got == want
        assert verify(aside)["ok"]
        assert not [p for p in (tmp_path / "b" / "index").iterdir() if p.name.endswith(".tmp")]
    finally:
        in_process.close()
        aside.close()


@pytest.fixture
def dies(monkeypatch):
    """The builder process is killed (SIGKILL) when it is handed its 5th document."""
    real, killed = segment_builder.SegmentBuilder.add, []

    def add(self, fields):
        if self.count == 4:
            scratch = Path(self.proc.args[-1]) / f"build-{self.proc.pid}.tmp"
            for _ in range(200):   # killed once it is writing (its scratch directory made)
                if scratch.exists():
                    break
                time.sleep(0.05)
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            killed.append(self.proc.pid)
        real(self, fields)
    monkeypatch.setattr(segment_builder.SegmentBuilder, "add", add)
    return killed


def test_a_builder_killed_in_a_batch_loses_nothing(items, tmp_path, monkeypatch, dies):
    want = _ingest(tmp_path / "a", items, lag=10_000, monkeypatch=monkeypatch)
    a = _ingest(tmp_path / "b", items, lag=8, monkeypatch=monkeypatch)  # every file committed
    assert dies
    try:
        # the index caught up from git after the batch (in this process, its builder dying too)
        assert _state(a) == _state(want)
        assert verify(a)["ok"]
        assert not list((tmp_path / "b" / "index").glob("build-*.tmp"))  # its scratch was cleaned up
    finally:
        a.close()
        want.close()


@pytest.mark.parametrize("builder_dies", [False, True])
def test_a_rebuild_through_builders_equals_one_in_process(items, tmp_path, monkeypatch, started, request,
                                                          builder_dies):
    killed = request.getfixturevalue("dies") if builder_dies else None
    a = _ingest(tmp_path / "a", items, lag=10_000, monkeypatch=monkeypatch)  # indexed in this process
    try:
        want = _state(a)
        monkeypatch.setattr(segment_builder, "BUILD_ASIDE_FROM", 10)
        monkeypatch.setattr(segment_builder, "ROLL_CHARS", 20_000)  # a rebuild does not roll:
        assert a.reindex() == 40
        assert started[0] == min(os.cpu_count() or 1, 2)  # its segments are few, for searches
        if builder_dies:
            assert killed  # and the rebuild was done again in this process
        assert _state(a) == want
    finally:
        a.close()


def test_a_builder_that_cannot_start_loses_nothing(items, tmp_path, monkeypatch):
    want = _ingest(tmp_path / "a", items, lag=10_000, monkeypatch=monkeypatch)
    monkeypatch.setattr(segment_builder, "COMMAND", (str(tmp_path / "no-such-python"),))
    failed, real = [], segment_builder.SegmentBuilder.__init__

    def starting(self, *args):
        try:
            real(self, *args)
        except segment_builder.BuilderFailed as exc:
            failed.append(str(exc))
            raise
    monkeypatch.setattr(segment_builder.SegmentBuilder, "__init__", starting)
    a = _ingest(tmp_path / "b", items, lag=8, monkeypatch=monkeypatch)   # every file committed
    assert failed and "could not start" in failed[0]
    try:
        assert _state(a) == _state(want)   # indexed in this process after the batch
        monkeypatch.setattr(segment_builder, "BUILD_ASIDE_FROM", 10)
        assert a.reindex() == 40 and _state(a) == _state(want)   # a rebuild too
    finally:
        a.close()
        want.close()


@pytest.fixture
def builders(monkeypatch):
    """Every builder started, in order (they run unchanged)."""
    made = []
    real = segment_builder.SegmentBuilder.__init__

    def keeping(self, *args, **kwargs):
        real(self, *args, **kwargs)
        made.append(self)
    monkeypatch.setattr(segment_builder.SegmentBuilder, "__init__", keeping)
    return made


def _segment_sizes(home: Path) -> list:
    from whoosh import index as windex
    ix = windex.open_dir(str(home / "index"))
    try:
        return [seg.doc_count_all() for seg in ix._segments()]
    finally:
        ix.close()


def test_a_batch_rolls_to_a_new_builder_and_indexes_as_the_writer_would(items, tmp_path, monkeypatch, builders):
    """A builder whose letters reach ROLL_CHARS writes its segment while the next builder takes
    the following letters: several segments, the same index."""
    in_process = _ingest(tmp_path / "a", items, lag=10_000, monkeypatch=monkeypatch)
    monkeypatch.setattr(segment_builder, "ROLL_CHARS", 20_000)
    rolled = _ingest(tmp_path / "b", items, lag=8, monkeypatch=monkeypatch)
    try:
        assert len(builders) >= 3
        sizes = _segment_sizes(tmp_path / "b")
        assert len(sizes) >= 3 and sum(sizes) >= 40, sizes
        assert _state(rolled) == _state(in_process)
        assert verify(rolled)["ok"]
        assert all(b.proc.returncode == 0 for b in builders)  # every builder wrote and exited
        # a merger the batch started may still be writing in its scratch folder: wait for it
        merges.merge_all(tmp_path / "b" / "index", wait=True)
        assert not [p for p in (tmp_path / "b" / "index").iterdir() if p.name.endswith(".tmp")]
    finally:
        in_process.close()
        rolled.close()


def test_a_rolled_builder_that_dies_while_writing_loses_nothing(items, tmp_path, monkeypatch, builders):
    want = _ingest(tmp_path / "a", items, lag=10_000, monkeypatch=monkeypatch)
    monkeypatch.setattr(segment_builder, "ROLL_CHARS", 20_000)
    real, killed = segment_builder.SegmentBuilder.close_input, []

    def close_input(self):
        real(self)
        if not killed:  # the first builder to roll is killed while it writes its segment
            os.kill(self.proc.pid, signal.SIGKILL)
            killed.append(self.proc.pid)
    monkeypatch.setattr(segment_builder.SegmentBuilder, "close_input", close_input)
    a = _ingest(tmp_path / "b", items, lag=8, monkeypatch=monkeypatch)
    try:
        assert killed and len(builders) >= 3
        assert _state(a) == _state(want)  # the index caught up from git after the batch
        assert verify(a)["ok"]
        assert not list((tmp_path / "b" / "index").glob("build-*.tmp"))
    finally:
        a.close()
        want.close()


def test_a_cancelled_batch_stops_the_builders_still_writing(items, tmp_path, monkeypatch, builders):
    """A batch given up after a roll does not wait for a rolled builder's segment: the builder
    is stopped, and the index is as it was."""
    import threading
    a = _ingest(tmp_path / "a", items, lag=10_000, monkeypatch=monkeypatch)
    try:
        before = _state(a)
        letters = [a.get(h["id"])[0::2] for h in a.index.searcher().all_stored_fields()]
        monkeypatch.setattr(segment_builder, "ROLL_CHARS", 20_000)
        real = segment_builder.SegmentBuilder.close_input

        def close_input(self):  # a rolled builder never gets to write its segment
            os.kill(self.proc.pid, signal.SIGSTOP)
            real(self)
        monkeypatch.setattr(segment_builder.SegmentBuilder, "close_input", close_input)

        failed = []

        def run():  # as a bulk ingest feeds its batch
            batch = a.index.batch()
            try:
                batch.build_aside()
                for letter, path in letters:
                    batch.add(letter, path)
                raise RuntimeError("the batch fails after its builders rolled")
            except RuntimeError as exc:
                batch.cancel()
                failed.append(exc)
        t = threading.Thread(target=run, daemon=True)
        t.start()
        t.join(timeout=30)
        stuck = [b for b in builders if b.proc.poll() is None]
        for b in stuck:
            b.proc.kill()
        assert not t.is_alive(), "the cancelled batch waited for a builder that was still writing"
        assert failed and len(builders) >= 3 and not stuck
        assert _state(a) == before
    finally:
        a.close()
