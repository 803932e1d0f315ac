"""Preparing many source files at once: reading and extraction in worker processes.

Turning a file into a Letter (decode, find the structure, extract the metadata) is most of
an ingest's time and depends on nothing but the file and the authority files, so a large
batch spreads it over the machine's cores. Results come back in input order, with a bounded
number of files in flight (a folder of 100,000 files is never all in memory); everything
that touches the repository stays in the calling process.

Workers are plain `python -m archive.pipeline` processes fed pickles over a pipe: no fork of
a process holding git pipes and the archive lock, no re-import of the caller's script. A
worker exits when its pipe closes, so none outlives a killed ingest for long.
"""
from __future__ import annotations

import concurrent.futures as cf
import itertools
import os
import pickle
import queue
import subprocess
import sys
from collections import deque

from . import processes
from .errors import ArchiveError
from .index import compute_text_fields_ahead
from .ingest import prepare
from .writer import serialise_ahead

PARALLEL_FROM = 24   # smaller batches are prepared here: starting a worker costs ~0.5 s
MAX_WORKERS = 4


def workers_wanted() -> int:
    """Worker processes for a large batch: LETTERS_WORKERS, else the cores (at most 4)."""
    try:
        return max(1, int(os.environ["LETTERS_WORKERS"]))
    except (KeyError, ValueError):
        return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def prepare_one(data: bytes, filename: str, hints, authority, ahead: bool = False):
    """(Letter, None), or (None, the error message) for a file that cannot be ingested.

    `ahead` (in a worker process): also serialise and validate the letter's TEI under the id it
    will most likely get, and compute its index fields that depend on the text alone, so the
    process that writes only checks and uses them."""
    try:
        letter = prepare(data, filename, dict(hints or {}), authority)
    except ArchiveError as exc:
        return None, exc.message
    if ahead:
        serialise_ahead(letter, authority)
        compute_text_fields_ahead(letter)
    return letter, None


class _Worker:
    def __init__(self, authority_pickle: bytes):
        self.proc = subprocess.Popen([sys.executable, "-m", "archive.pipeline"], env=processes.module_env(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.proc.stdin.write(authority_pickle)
        self.proc.stdin.flush()

    def ask(self, data, filename, hints):
        pickle.dump((data, filename, hints), self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.flush()
        return pickle.load(self.proc.stdout)

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait()


def prepared(items, authority, workers: int | None = None):
    """Yield (item, letter, error) for each (data, filename, hints, ...) item, in order."""
    source = iter(items)
    first = list(itertools.islice(source, PARALLEL_FROM))
    workers = workers or workers_wanted()
    if len(first) < PARALLEL_FROM or workers < 2:
        for item in itertools.chain(first, source):
            yield (item, *prepare_one(item[0], item[1], item[2], authority))
        return
    blob = pickle.dumps(authority, protocol=pickle.HIGHEST_PROTOCOL)
    idle: queue.Queue = queue.Queue()
    started = []
    for _ in range(workers):
        started.append(_Worker(blob))
        idle.put(started[-1])

    def run(item):  # on a thread that holds one worker for one file
        worker = idle.get()
        try:
            return worker.ask(item[0], item[1], item[2])
        except (EOFError, OSError, pickle.UnpicklingError):
            replacement = _Worker(blob)  # a worker that died takes only its file with it
            started.append(replacement)
            worker = replacement
            return None, f"{item[1]}: the reader stopped on this file; it was not ingested"
        finally:
            idle.put(worker)

    threads = cf.ThreadPoolExecutor(workers)
    window: deque = deque()
    try:
        for item in itertools.chain(first, source):
            window.append((item, threads.submit(run, item)))
            if len(window) >= workers * 3:
                done, future = window.popleft()
                yield (done, *future.result())
        while window:
            done, future = window.popleft()
            yield (done, *future.result())
    finally:
        for _, future in window:
            future.cancel()
        threads.shutdown(wait=True)
        for worker in started:
            worker.close()


def _serve() -> None:
    """A worker: the authority, then (data, filename, hints) requests, one answer each."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the answers
    authority = pickle.load(inp)
    while True:
        try:
            data, filename, hints = pickle.load(inp)
        except EOFError:
            return
        try:
            answer = prepare_one(data, filename, hints, authority, ahead=True)
        except Exception as exc:  # noqa: BLE001 - a reader bug costs one file, not the batch
            answer = (None, f"{filename}: could not be read ({type(exc).__name__}: {exc})")
        pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()


if __name__ == "__main__":
    _serve()
