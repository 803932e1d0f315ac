"""A large segment's LSH band terms as one sorted table, in a file beside the segment.

A new letter's family is looked up through the letters that share one of its 32 LSH bands
(archive/families.py), each band a term of the index's `family` field. In a segment of 50,000
letters that field holds ~920,000 terms, each with one or a few documents: probing Whoosh's
terms file for 32 of them and reading each one's postings took ~3 ms per big segment warm, and
cold, a page read or two each. So whoever writes a segment of MIN_DOCS letters or more (a segment
builder, a merger) also writes its band terms as 64-bit keys (`families.band_key`), each once per
document holding it, sorted, with the documents beside them; a lookup is a binary search for each
key in the mapped file (a few µs). The file is 12 bytes per band of each letter (19.2 MB per
50,000 letters).

It is written from the same pass over the segment's terms as its postings file
(archive/postings_file.py). A term's documents come from its term info when it has one or two
(Whoosh keeps the first and the last), else from its postings; its key is computed with the
others', 65,536 at a time, in numpy.

Format: b"ALA-BND1", the little-endian uint64 count n, n keys (uint64, ascending), then n document
numbers (uint32, the segment's own, deleted documents included: the reader leaves them out).
Written to a temporary name and renamed, so a reader finds a whole file or none. A segment
without one (small, or written before this file existed) is read from its terms.
"""
from __future__ import annotations

import os
import struct
from array import array

import numpy as np

from . import families, segment_files
from .atomic import replacing

FIELD = "family"
EXTENSION = "bnd"
MAGIC = b"ALA-BND1"
# Smaller segments keep their band terms as a set (ranking.LEXICON_KEPT_DOCS); the environment
# may lower it, for the segment builders a test starts.
MIN_DOCS = int(os.environ.get("LETTERS_BAND_FILE_MIN") or 1_000)
_HEADER = struct.Struct("<8sQ")


class Collector:
    """The band terms of one segment, given one at a time as its terms are read in order.

    `read_docs(text, info)`: the documents of a term of the field from its postings (for a term
    of more than two)."""

    CHUNK = 1 << 16   # terms turned into keys at a time (15 bytes each until then)

    def __init__(self, reader, read_docs):
        self.reader, self.read_docs = reader, read_docs
        self.keys, self.docs = array("Q"), array("I")
        self.pending, self.counts = bytearray(), array("I")   # terms not yet keys; entries of each
        # Only for a big segment of an index with the field; any term that is not a band key
        # (another format) means no file: the lookup would miss that term.
        self.usable = FIELD in reader.schema and reader.doc_count_all() >= MIN_DOCS

    def add(self, text: bytes, info) -> None:
        """One term of the field and its Whoosh term info."""
        if not self.usable:
            return
        if len(text) != families.BAND_BYTES:
            self.usable = False
            return
        count = info.doc_frequency()
        if count == 1:
            self.docs.append(info.min_id())
        elif count == 2:
            self.docs.append(info.min_id())
            self.docs.append(info.max_id())
        else:
            docs = self.read_docs(text, info)
            count = len(docs)
            self.docs.extend(docs)
        self.pending += text
        self.counts.append(count)
        if len(self.counts) >= self.CHUNK:
            self._keys()

    def _keys(self) -> None:
        """The pending terms as keys, each once per document holding it."""
        keys = families.band_keys(bytes(self.pending))
        if keys is None:
            self.usable = False
        else:
            self.keys.frombytes(np.repeat(keys, np.frombuffer(self.counts, dtype=np.uint32)).tobytes())
        self.pending, self.counts = bytearray(), array("I")

    def write(self, folder: str) -> int:
        """Write the file (if the segment gets one); the number of entries written."""
        if self.usable and self.counts:
            self._keys()
        if not self.usable or not self.keys:
            return 0
        keys = np.frombuffer(self.keys, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")   # in order already when read from the terms file
        with replacing(segment_files.path_for(folder, self.reader.segment(), EXTENSION)) as f:
            f.write(_HEADER.pack(MAGIC, len(keys)))
            f.write(keys[order].tobytes())
            f.write(np.frombuffer(self.docs, dtype=np.uint32)[order].tobytes())
        return len(keys)


def _load(path: str):
    """(keys, documents) arrays over a band file's map; None if it is not one or is damaged."""
    mm = segment_files.mapped(path)
    if mm is None:
        return None
    try:
        magic, count = _HEADER.unpack_from(mm, 0)
    except struct.error:
        return None
    if magic != MAGIC or len(mm) != _HEADER.size + 12 * count:
        return None
    keys = np.frombuffer(mm, dtype=np.uint64, count=count, offset=_HEADER.size)
    docs = np.frombuffer(mm, dtype=np.uint32, count=count, offset=_HEADER.size + 8 * count)
    return keys, docs


def lookup(seg, texts) -> np.ndarray | None:
    """The segment's own document numbers holding each of the band terms `texts` (a document once
    per term it holds, deleted documents included), or None if the segment has no band file."""
    found = segment_files.opened(seg, EXTENSION, _load)
    if found is None:
        return None
    keys, docs = found
    wanted = np.array(sorted({k for k in map(families.band_key, texts) if k is not None}), dtype=np.uint64)
    starts = np.searchsorted(keys, wanted, side="left")
    ends = np.searchsorted(keys, wanted, side="right")
    parts = [docs[a:b] for a, b in zip(starts.tolist(), ends.tolist()) if b > a]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
