"""Index segment merges: which segments merge (by size tier), and merges done beside the
writers, so that a single ingest never waits for one.

Every index commit adds one segment. Once a size tier (under 10 letters, under 100, ...) holds
MERGE_FAN_IN segments, they are merged into one, so a letter is merged about once per tier.
A write commits without merging and, when a tier is full, starts `python -m archive.merges
INDEX_DIR LOCK_FD`. That process reads the full tier and writes the merged segment while writers and
searchers go on, then takes the writer lock for the few milliseconds it needs to swap the
merged segment in, first re-applying any deletion (an update, a removal) a writer made to those
letters in the meantime. If the segments it read were replaced meanwhile (a rebuild, an inline
merge), the merge is dropped and its files are cleaned up with the other unused ones.

A writer still merges inline when merges have fallen far behind (MAX_SEGMENTS), so a burst of
writes cannot leave searches reading hundreds of segments.
"""
from __future__ import annotations

import atexit
import fcntl
import json
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

from whoosh import index as windex
from whoosh.reading import SegmentReader
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from . import postings_file, processes

MERGE_FAN_IN = 10
MAX_SEGMENTS = 4 * MERGE_FAN_IN
INLINE_TIER_MAX = 3  # segments of under 1,000 letters
RETIRED_GRACE = 120  # seconds a replaced segment's files stay for searchers still reading them
MERGING_STALE = 6 * 3600  # a merge marker older than this is from a merger that died
# Every field a document needs, stored: older indexes stored fewer, and merge the slow way.
REINDEXABLE = {"entities", "official", "addressee", "org", "sender", "family"}
MARKER = "MERGING"
SCRATCH = re.compile(r"(?:merge|build)-(\d+)\.tmp")  # a merger's, a segment builder's scratch directory


# A segment of fewer letters than this is written as one compound file (Whoosh's `.seg`), not a
# file per column and per postings table (~16). Each single ingest writes a segment and merges
# retire them, whose files stay RETIRED_GRACE seconds: after a burst of 200 ingests the index
# folder held ~3,700 files, which every commit lists several times (Whoosh to find its table of
# contents, `clean_files_later` matching each name), ~10 ms of each ingest. A bigger segment
# keeps its files apart: its postings file and its columns are read in place.
COMPOUND_BELOW = 100


def compound_if_small(writer) -> None:
    """Have a Whoosh SegmentWriter assemble its new segment into one file if it is small (call
    once every document is in it, just before the segment is finalised)."""
    writer.compound = writer.newsegment.should_assemble() and writer.docnum - writer.docbase < COMPOUND_BELOW


def tier(segment) -> int:
    """The size tier of a segment: the number of digits of its document count."""
    return len(str(max(1, segment.doc_count_all())))


def due(segments) -> list[list]:
    """The full tiers, smallest first: each a list of segments to merge into one."""
    tiers: dict = {}
    for seg in segments:
        tiers.setdefault(tier(seg), []).append(seg)
    return [tiers[t] for t in sorted(tiers) if len(tiers[t]) >= MERGE_FAN_IN]


def _add_segment(writer, segment) -> None:
    """Add a segment's live documents to `writer`, in document order."""
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        stored = list(reader.all_stored_fields()) if tier(segment) == 1 else None
        if stored and all(REINDEXABLE <= set(fields) for fields in stored):
            # A segment of a few letters is cheaper to index again from its stored fields
            # than to merge: Whoosh merges term by term (~0.1 ms a term).
            for fields in stored:
                writer.add_document(**fields)
        else:
            writer.add_reader(reader)
    finally:
        reader.close()


def tiered_merge(writer, segments, up_to_tier: int | None = None):
    """Whoosh merge policy that merges every full tier (up to `up_to_tier`) into the writer's
    new segment."""
    groups = [group for group in due(segments) if up_to_tier is None or tier(group[0]) <= up_to_tier]
    merged = {id(seg) for group in groups for seg in group}
    for group in groups:
        for seg in group:
            _add_segment(writer, seg)
    return [seg for seg in segments if id(seg) not in merged]


def deferred_merge(writer, segments):
    """Whoosh merge policy of an ordinary write: merging is left to the background merger,
    unless merges have fallen so far behind that the writer catches up inline. Inline, only
    tiers of small segments merge (a burst of writes makes those); the large segments of a
    batch are the merger's, however many there are, or a write would wait minutes."""
    if len(segments) + 1 > MAX_SEGMENTS:
        return tiered_merge(writer, segments, up_to_tier=INLINE_TIER_MAX)
    return list(segments)


# ------------------------------------------------------------------ cleaning up
def _merging(folder: Path) -> set:
    """Segment ids a live merger is writing (their files are not in any TOC yet)."""
    try:
        marks = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return set()
    now = time.time()
    return {seg for seg, started in marks.items() if now - started < MERGING_STALE}


def _mark(folder: Path, segment_id: str | None) -> None:
    marks = {segment_id: time.time()} if segment_id else {}
    tmp = folder / (MARKER + ".tmp")
    tmp.write_text(json.dumps(marks))
    os.replace(tmp, folder / MARKER)


_whoosh_clean_files = windex.clean_files


def clean_files_later(storage, indexname, gen, segments):
    """Whoosh's `clean_files`, except that the files of a segment a commit replaced are deleted
    only RETIRED_GRACE seconds later, and a segment being merged is left alone. A searcher
    opened on the previous generation opens some of a segment's files when it first needs
    them (stored fields, field lengths), so deleting them at once made a reader in another
    process fail in the middle of a search. Whoosh calls this while the writer holds the index
    lock, so the ledger is written by one process at a time."""
    if not getattr(storage, "folder", ""):   # an index in memory: no other process reads it
        return _whoosh_clean_files(storage, indexname, gen, segments)
    folder = Path(storage.folder)
    current = {seg.segment_id() for seg in segments} | _merging(folder)
    tocs, segs = windex.TOC._pattern(indexname), windex.TOC._segment_pattern(indexname)
    ledger_path = folder / "RETIRED"
    try:
        ledger = json.loads(ledger_path.read_text())
    except (OSError, ValueError):
        ledger = {}
    now, unused, doomed = time.time(), set(), []
    for filename in list(storage):
        toc, seg = tocs.match(filename), segs.match(filename)
        if toc and int(toc.group(1)) != gen:
            _delete(storage, filename)   # at once: searchers take the one TOC left as the latest
        elif seg and seg.group(1) not in current:
            unused.add(seg.group(1))
            if now - ledger.setdefault(seg.group(1), now) > RETIRED_GRACE:
                doomed.append(filename)
        elif (scratch := SCRATCH.fullmatch(filename)) and not _alive(int(scratch.group(1))):
            shutil.rmtree(folder / filename, ignore_errors=True)   # a dead merger's or builder's
    ledger = {name: t for name, t in ledger.items() if name in unused and now - t <= RETIRED_GRACE}
    try:
        tmp = ledger_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(ledger))
        os.replace(tmp, ledger_path)
    except OSError:
        pass  # without the ledger, the files are simply kept until a later commit
    if doomed:
        _delete_soon(storage, doomed)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass   # another user's process: alive
    return True


def _delete(storage, filename):
    try:
        storage.delete_file(filename)
    except OSError:
        pass


# Retired segments' files (no TOC names them, their grace period is over) are deleted on a
# thread after the commit returns: grace periods end together after a burst of writes, and
# deleting their hundreds of files held up the one write that came next (80 ms for 861 files at
# 100,000 letters). Files left by a process that ends first are found by a later commit's listing.
_doomed: list = []
_doomed_lock = threading.Lock()
_deleter: threading.Thread | None = None


def _delete_soon(storage, filenames) -> None:
    global _deleter
    with _doomed_lock:
        _doomed.extend((storage, name) for name in filenames)
        if _deleter is None:
            _deleter = threading.Thread(target=_delete_doomed, name="index-file-deleter", daemon=True)
            _deleter.start()


def _delete_doomed() -> None:
    global _deleter
    while True:
        with _doomed_lock:
            if not _doomed:
                _deleter = None
                return
            storage, name = _doomed.pop()
        _delete(storage, name)


def delete_retired_now() -> None:
    """Delete at once the files waiting for the deleting thread (at exit; in tests)."""
    with _doomed_lock:
        todo = list(_doomed)
        _doomed.clear()
    for storage, name in todo:
        _delete(storage, name)


def _after_fork_in_child() -> None:
    """A forked process (a web server's worker) has none of its parent's threads: it starts
    its own deleter, with a lock no parent thread holds."""
    global _deleter, _doomed_lock
    _deleter, _doomed_lock = None, threading.Lock()


atexit.register(delete_retired_now)
os.register_at_fork(after_in_child=_after_fork_in_child)


# ------------------------------------------------------------------ merging beside writers
class OwnScratch(FileStorage):
    """The index's storage, except that scratch files go to a directory of this merger's own:
    writers share one (for postings and stored columns) and delete it when they finish."""

    def __init__(self, folder: str, scratch: str):
        super().__init__(folder)
        self.scratch = scratch

    def temp_storage(self, name=None):
        return super().temp_storage(self.scratch)


class Merge:
    """One full tier merged while writers go on: `prepare` writes it, `swap` commits it."""

    def __init__(self, index):
        self.index = index                      # an archive.index.Index
        self.folder = Path(index.path)
        self.ix = windex.FileIndex(OwnScratch(str(self.folder), f"merge-{os.getpid()}.tmp"))
        self.segment = None

    def prepare(self) -> bool:
        """Write the merged segment of the smallest full tier; False if no tier is full."""
        toc = self.ix._read_toc()
        groups = due(toc.segments)
        if not groups:
            return False
        group = groups[0]
        self.seen = {seg.segment_id(): set(seg.deleted_docs()) for seg in group}
        self.live = [(seg_id, [d for d in range(seg.doc_count_all()) if d not in self.seen[seg_id]])
                     for seg_id, seg in ((seg.segment_id(), seg) for seg in group)]
        writer = SegmentWriter(self.ix, _lk=False, compound=False)
        _mark(self.folder, writer.newsegment.segment_id())
        try:
            for seg in group:
                _add_segment(writer, seg)
            compound_if_small(writer)
            self.segment = writer._finalize_segment()
            postings_file.write_for(self.ix.storage, writer.schema, self.segment)
        except BaseException:
            writer._close_segment()
            _mark(self.folder, None)
            raise
        finally:
            writer._tempstorage.destroy()
        return True

    def swap(self) -> bool:
        """Replace the merged segments by the new one; False (and dropped) if any is gone."""
        try:
            with self.index.writer_lock():
                lock = self.ix.lock("WRITELOCK")
                lock.acquire(blocking=True)
                try:
                    return self._swap()
                finally:
                    lock.release()
        finally:
            _mark(self.folder, None)

    def _swap(self) -> bool:
        toc = self.ix._read_toc()
        current = {seg.segment_id(): seg for seg in toc.segments}
        if any(seg_id not in current for seg_id in self.seen):
            return False
        base = 0
        for seg_id, live in self.live:
            # Letters a writer updated or removed while we merged: gone from the merge too.
            gone = set(current[seg_id].deleted_docs()) - self.seen[seg_id]
            for offset, docnum in enumerate(live):
                if docnum in gone:
                    self.segment.delete_document(base + offset)
            base += len(live)
        segments = [seg for seg in toc.segments if seg.segment_id() not in self.seen] + [self.segment]
        generation = toc.generation + 1
        windex.TOC(toc.schema, segments, generation).write(self.ix.storage, self.ix.indexname)
        clean_files_later(self.ix.storage, self.ix.indexname, generation, segments)
        return True

    def close(self):
        self.ix.close()


def merge_all(index_dir, wait: bool = False, held: int | None = None, attempts: int = 50) -> int:
    """Do every due merge; how many landed. One merger at a time: another returns at once,
    unless `wait`, when it waits for the running one and then merges what is still due.
    `held`: a descriptor of the merge lock, already locked by whoever started this merger."""
    from .index import Index, _FileLock
    index = Index(Path(index_dir))
    try:
        landed = 0
        for _ in range(attempts):
            if held is not None:
                try:
                    landed += _merge_due(index, attempts)
                finally:
                    os.close(held)  # lets go of the lock the starter handed over
                    held = None
            else:
                with _FileLock(_merge_lock(index), blocking=wait) as lk:
                    if not lk.acquired:
                        return landed
                    landed += _merge_due(index, attempts)
            # A write may have filled a tier after our last look and found the lock still held
            # (so started nobody): look once more now that it is free.
            if not _due_now(index.path):
                return landed
        return landed
    finally:
        index.close()


def _due_now(index_dir) -> bool:
    # Whoosh's own opening: Index._open() would start an empty index where there is none.
    ix = windex.open_dir(str(index_dir))
    try:
        return bool(due(ix._segments()))
    finally:
        ix.close()


def _merge_due(index, attempts: int) -> int:
    landed = 0
    for _ in range(attempts):
        merge = Merge(index)
        try:
            if not merge.prepare():
                return landed
            landed += merge.swap()  # a merge dropped (its segments replaced) is tried again
        finally:
            merge.close()
    return landed


def request(index) -> None:
    """After a commit: start a merger if a tier is full and none is running. The lock is
    taken here and handed to the merger, so writes during its start-up start no other."""
    if not due(index._open()._segments()):
        return
    fd = os.open(_merge_lock(index), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return  # a running merger looks for due merges again before it exits
    try:
        start(index.path, fd)
    finally:
        os.close(fd)  # the merger holds the lock through its own copy


def _merge_lock(index) -> Path:
    return index.path.parent / "index-merge.lock"


def start(index_dir, lock_fd: int) -> None:
    """Start `python -m archive.merges INDEX_DIR LOCK_FD`, detached: nobody waits for it."""
    processes.start_detached("archive.merges", str(index_dir), str(lock_fd), pass_fds=(lock_fd,))


if __name__ == "__main__":
    try:
        merge_all(sys.argv[1], held=int(sys.argv[2]) if len(sys.argv) > 2 else None)
    except (OSError, windex.EmptyIndexError):
        sys.exit(1)  # the index was removed or rebuilt under us: the next write starts another
