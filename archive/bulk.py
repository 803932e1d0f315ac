"""Writing many letters in one batch: one new pack, one index writer, one pass.

Files are prepared in worker processes (`pipeline.prepared`); each letter is then committed
into the batch's pack (`store.BatchStore`) and fed to the index writer as soon as it is
ready, so a batch of any size is never held whole in memory and the index is built while
files are still being read. Nothing becomes visible before the end: the pack is installed,
`main` moves once by compare-and-swap, and only then is the index committed.
"""
from __future__ import annotations

from collections import OrderedDict

from . import pipeline
from .errors import ArchiveError
from .segment_builder import BuilderFailed
from .store import BatchStore, parse_author
from .writer import (FAMILY_REPORT_MAX, Batch, Pending, _done, _prepare, _with_family, collect_officials,
                     disk_errors, registers_as_files)

# Letters wait this many places before reaching the index writer, so a later version of the
# same letter in the batch (files `x.txt`, `x.v2.txt` side by side) replaces it there first.
INDEX_LAG = 256


class IndexFeed:
    """Feeds the letters of a batch to one index writer while the batch is written.

    Active only when the index reflects the batch's parent. A letter that comes back after it
    was already fed (a version far behind its first one) cannot be replaced in an open writer:
    the feed then stops, and the index catches up from git after the batch, as it would
    after any write.
    """

    def __init__(self, archive, parent: str | None):
        self.batch, self.lock = None, None
        self.window: OrderedDict = OrderedDict()
        self.fed: set = set()
        index = archive.index
        if parent is None or not index.exists() or index.commit_id() != parent:
            return
        lock = index.writer_lock(blocking=False)
        lock.__enter__()
        if not lock.acquired or index.commit_id() != parent:
            lock.__exit__(None, None, None)
            return
        self.lock = lock
        try:
            self.batch = index.batch()
        except Exception:
            self._release()
            raise

    def add(self, letter, path: str) -> None:
        if self.batch is None:
            return
        if letter.id in self.fed:
            self.cancel()
            return
        self.window[letter.id] = (letter, path)
        self.window.move_to_end(letter.id)
        while self.batch is not None and len(self.window) > INDEX_LAG:
            self._feed(*self.window.popitem(last=False), aside=True)

    def _feed(self, letter_id, item, aside: bool = False) -> None:
        try:
            if aside:  # a large batch: its postings are written in a process beside this one
                self.batch.build_aside()
            self.batch.add(*item)
        except BuilderFailed:
            self.cancel()  # the batch goes on; the index catches up from git after it
            return
        self.fed.add(letter_id)

    def commit(self, sha: str) -> None:
        if self.batch is None:
            return
        try:
            while self.window and self.batch is not None:
                self._feed(*self.window.popitem(last=False))
            if self.batch is None:
                return
            self.batch.commit(sha)
            self.batch = None
        except (OSError, BuilderFailed):
            self.cancel()  # the commit is safe; the index catches up from git
        finally:
            self._release()

    def cancel(self) -> None:
        if self.batch is not None:
            try:
                self.batch.cancel()
            except OSError:
                pass
            self.batch = None
        self.window.clear()
        self._release()

    def _release(self) -> None:
        if self.lock is not None:
            self.lock.__exit__(None, None, None)
            self.lock = None


def ingest_many(archive, items, author=None, progress=None) -> list[dict]:
    """Many source files -> one commit per letter, all in one new pack.

    Each result gives the letter's id, version and path; a batch of up to FAMILY_REPORT_MAX
    letters also its record ("letter") and family.

    `items` yields (data, filename, hints) or (data, filename, hints, options) with options
    {"as_version_of": id, "version_of_item": index of an earlier item, "message", "author"}.
    A file that fails is reported and skipped; the others are committed. `progress(i, result)`
    is called after each file is prepared.
    """
    results, pending = [], []
    with archive.lock():
        archive.sync()
        actor = parse_author(author, archive.repo)
        parent = archive.reader.head()
        batch, registers = Batch(listed={}), {}
        store, feed = None, IndexFeed(archive, parent)
        try:
            for i, (item, letter, error) in enumerate(pipeline.prepared(items, archive.authority())):
                data, filename, hints = item[:3]
                opts = item[3] if len(item) > 3 else {}
                target = opts.get("as_version_of")
                if opts.get("version_of_item") is not None:
                    target = results[opts["version_of_item"]].get("id")
                try:
                    if error:
                        raise ArchiveError(error)
                    if opts.get("version_of_item") is not None and not target:
                        raise ArchiveError(f"{filename}: its first version could not be ingested")
                    p = _prepare(archive, data, filename, hints, target, opts.get("message"), batch, letter)
                except ArchiveError as exc:
                    p = {"file": filename, "ok": False, "error": exc.message}
                if isinstance(p, Pending):
                    p.author = parse_author(opts["author"], archive.repo) if opts.get("author") else actor
                    store = store or BatchStore(archive.repo, parent)
                    with disk_errors():
                        store.commit(p.changes, p.message, p.author)
                    p.changes = None  # in the pack now: do not hold every file of the batch
                    collect_officials(archive, [p.letter], registers)
                    feed.add(p.letter, p.path)
                    pending.append((len(results), p))
                    if len(pending) == FAMILY_REPORT_MAX + 1:  # a large batch: keep none of its letters
                        for _, q in pending:
                            q.brief()
                    elif len(pending) > FAMILY_REPORT_MAX:
                        p.brief()
                    p = {"file": filename, "ok": True, "id": p.id}
                results.append(p)
                if progress:
                    progress(i, p)
            shas = []
            if store is not None:
                with disk_errors():
                    if registers:  # one register update for the whole batch, not one per letter
                        shards = registers_as_files(registers)
                        store.commit(shards, f"Register the officials named in {len(pending)} "
                                              "new letter version(s)", actor)
                    shas = store.finish()
        except BaseException:
            if store is not None:
                store.abort()
            feed.cancel()
            raise
        for (slot, p), sha in zip(pending, shas):
            results[slot] = _done(p, sha)
        if shas:
            feed.commit(shas[-1])  # the register commit, if any, touches no letter
        else:
            feed.cancel()
        if pending:
            archive.after_write(len(pending))
            if len(pending) <= FAMILY_REPORT_MAX:  # a big batch: ask `letters family ID` later
                for slot, _ in pending:
                    _with_family(archive, results[slot])
    return results
