"""Index segments built in processes of their own, for a large batch of letters.

Analysing a letter's words and writing its postings is most of what a bulk ingest does in the
process that writes: the one process that also commits to git, so its time is the batch's
time. A large batch therefore hands its index documents to `python -m archive.segment_builder
INDEX_DIR`, which writes them into a new segment while the writing process goes on with git.
Once a builder holds ROLL_CHARS of text it is told to write its segment, and a new builder
takes the next letters, so segments are written while the batch goes on rather than all at its
end. The writing process then commits the builders' segments with its own deletions (the
versions the batch replaces), in one index generation. Nothing is visible before that commit.

The builder writes no table of contents and takes no lock: the writing process holds the
index writer lock for the whole batch, so no other commit (and no merge swap) can clean the
builder's files away while they are not yet listed. A builder that fails or is stopped leaves
files that no table of contents lists; the next commit cleans them up.

Protocol: pickles on stdin, ("add", fields) per document and ("finish",) at the end; on
stdout one pickle, ("done", segment) or ("error", message). End of input without "finish"
cancels.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys

from . import processes

# A batch hands its documents to a builder from this many letters on: starting one costs
# ~0.4 s of imports, which a smaller batch would not win back.
BUILD_ASIDE_FROM = 256
COMMAND = (sys.executable, "-m", "archive.segment_builder")
# A builder's segment is complete once its documents hold this many characters of text: the
# next documents go to a new builder while this one writes. Whoosh keeps a segment's postings
# in memory up to its pool limit (POOL_MB) and beyond it sorts them out to files and merges
# those back at the end, single-threaded: the last ~quarter of a large batch's time went to
# that. About 2,500 letters of the usual length stay inside the pool.
ROLL_CHARS = 10_000_000
# The first segments of a batch are smaller (a quarter, then half of ROLL_CHARS), so that in a
# batch of a few thousand letters the last segment, which the batch waits for, is small too.
FIRST_ROLLS = 2
POOL_MB = 256
WORDS = ("text", "title", "entities")  # the fields most of the postings come from


def roll_at(rolled: int) -> int:
    """Characters of text after which a batch's builder, the `rolled`-th to hand over, does."""
    return ROLL_CHARS >> max(0, FIRST_ROLLS - rolled)


class BuilderFailed(Exception):
    """The builder process stopped or reported an error; its segment is not used."""


class SegmentBuilder:
    """The writing process's end of one builder."""

    def __init__(self, index_dir):
        try:
            self.proc = subprocess.Popen([*COMMAND, str(index_dir)], env=processes.module_env(),
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError as exc:
            raise BuilderFailed(f"the index segment builder could not start: {exc}") from exc
        self.count = self.words = 0

    def add(self, fields: dict) -> None:
        self.words += sum(len(fields.get(name) or "") for name in WORDS)
        try:
            pickle.dump(("add", fields), self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except (BrokenPipeError, OSError) as exc:
            raise BuilderFailed(f"the index segment builder stopped: {exc}") from exc
        self.count += 1

    def close_input(self) -> None:
        """Tell the builder its segment is complete: it writes the segment while the caller
        goes on (with another builder, say); `result()` waits for the segment."""
        if self.proc.stdin.closed:
            return
        try:
            pickle.dump(("finish",), self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.close()
        except (BrokenPipeError, OSError) as exc:
            self.cancel()
            raise BuilderFailed(f"the index segment builder stopped: {exc}") from exc

    def result(self):
        """The built segment (a Whoosh segment object), once the builder has written it."""
        try:
            answer = pickle.load(self.proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            self.cancel()
            raise BuilderFailed(f"the index segment builder stopped: {exc}") from exc
        self.proc.stdout.close()
        self.proc.wait()
        if answer[0] != "done":
            raise BuilderFailed(f"the index segment builder failed: {answer[1]}")
        return answer[1]

    def cancel(self) -> None:
        if self.proc.stdin.closed and self.proc.poll() is None:
            self.proc.kill()  # told to finish: it would write a segment nobody will use
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        self.proc.wait()


def _serve(index_dir: str) -> int:
    from whoosh import index as windex
    from whoosh.writing import SegmentWriter

    from . import postings_file
    from .merges import OwnScratch
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the answer
    ix = windex.FileIndex(OwnScratch(index_dir, f"build-{os.getpid()}.tmp"))
    writer = SegmentWriter(ix, _lk=False, compound=False, limitmb=POOL_MB)
    try:
        while True:
            try:
                message = pickle.load(inp)
            except EOFError:  # the writing process gave up: nothing is used
                writer._close_segment()
                return 1
            if message[0] == "add":
                writer.add_document(**message[1])
            elif message[0] == "finish":
                segment = writer._finalize_segment()
                postings_file.write_for(ix.storage, writer.schema, segment)
                answer = ("done", segment)
                break
    except Exception as exc:  # noqa: BLE001 - reported to the writing process, which falls back
        answer = ("error", f"{type(exc).__name__}: {exc}")
    finally:
        writer._tempstorage.destroy()
    pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    return 0 if answer[0] == "done" else 1


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1]))
