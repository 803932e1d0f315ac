"""Files the archive writes beside a Whoosh segment, read through a memory map kept per process.

A segment never changes once written, so neither does a file derived from it: each is named
`<segment id>.<extension>` (Whoosh's clean-up takes it as one of the segment's files and deletes
it with the segment) and is mapped and parsed once per process. A file that is missing, damaged or
of another format is None to its reader, which then reads the segment itself.
"""
from __future__ import annotations

import mmap
import os
import threading
from collections import OrderedDict

OPEN_KEPT = 256
_open: OrderedDict = OrderedDict()   # file path -> whatever its loader made of it, or None
_lock = threading.Lock()


def path_for(folder: str, segment, extension: str) -> str:
    """The file of a Whoosh segment (its id is "<index name>_<random>", as its other files')."""
    return os.path.join(folder, f"{segment.segment_id()}.{extension}")


def mapped(path: str) -> mmap.mmap | None:
    """A read-only map of a whole file; None if it is missing, unreadable or empty."""
    try:
        with open(path, "rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):   # none, not readable by this user; ValueError: an empty file
        return None


def opened(seg, extension: str, load):
    """`load(path)` of a segment reader's file with this extension, made once per process (None:
    there is no such file, or `load` refused it)."""
    storage = getattr(seg, "_storage", None)
    # a compound segment is read through an overlay of its file on the index's folder
    folder = getattr(storage, "folder", None) or getattr(getattr(storage, "b", None), "folder", None)
    if not folder:
        return None
    path = path_for(folder, seg.segment(), extension)
    with _lock:
        found = _open.get(path, _open)
        if found is not _open:
            _open.move_to_end(path)
    if found is _open:   # not looked for yet in this process
        found = load(path)
        with _lock:
            _open[path] = found
            while len(_open) > OPEN_KEPT:
                _open.popitem(last=False)
    return found


def forget() -> None:
    """Drop the files kept open (benchmarks time a first search with it)."""
    with _lock:
        _open.clear()
