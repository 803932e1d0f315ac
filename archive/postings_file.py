"""A segment's long posting lists, decoded once, in a file beside the segment.

Whoosh keeps a term's postings in blocks of up to 128, each one zlib-compressed pickle of the
document ids, the weights and every position together. A term query needs only ids and weights
but must unpickle it all: a first search for a common word in a 100,000-letter archive spent
~100 ms there (the ranking keeps decoded lists in memory, but only per process, and only once
read). So whoever writes a large segment (a segment builder, a merger) also writes, for each
term with at least MIN_POSTINGS postings, its ids and weights as flat arrays in
`<index name>_<segment id>.dpl`; a search maps the file and reads them as they are.

Whoosh's clean-up treats the file as one of the segment's: it goes when the segment does. A
segment without one (small, or written before this file existed) is read from its blocks.

A phrase needs the positions too: for a field that has them, each posting's stored value (the
bytes Whoosh keeps, its positions) follows, so a first search for a phrase of common words
reads the values of the letters holding every word instead of unpickling every block.

Format: b"ALA-DPL2", then the little-endian uint64 offset of the table; then for each term its
ids (uint32), its weights (float32) and, for a field with positions, where each posting's value
ends (uint32, from the start of the values) and the values themselves; then the table, a pickle
of {(field name, term bytes): (offset of the ids, count, bytes of values or -1)}. Written to a
temporary name and renamed, so a reader finds a whole file or none.
"""
from __future__ import annotations

import os
import pickle
import struct
from array import array
from itertools import accumulate, repeat

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions

from . import band_file, segment_files
from .atomic import replacing

MAGIC = b"ALA-DPL2"
EXTENSION = "dpl"
# A list shorter than this decodes in well under a millisecond from Whoosh's blocks (the
# environment may lower it, for the segment builders a test starts).
MIN_POSTINGS = int(os.environ.get("LETTERS_POSTINGS_FILE_MIN") or 1_000)
_HEADER = struct.Struct("<8sQ")


def path_for(folder: str, segment) -> str:
    return segment_files.path_for(folder, segment, EXTENSION)


def write_for(storage, schema, segment) -> int:
    """Write the files of a segment just written in `storage` (a folder): this one, and its band
    file (archive/band_file.py), from one pass over its terms; the number of terms in this one
    (0: no file, no term is that long). The files are optional: one that cannot be written (a
    full disk) leaves the segment read from its blocks."""
    from whoosh.reading import SegmentReader
    reader = SegmentReader(storage, schema, segment)
    try:
        bands = band_file.Collector(reader, lambda text, info: _term_ids(reader, band_file.FIELD, text, info))
        long_terms = []
        for key, info in reader._terms.items():
            if key[0] == band_file.FIELD:
                bands.add(key[1], info)
            if info.doc_frequency() >= MIN_POSTINGS and key[0] in reader.schema:
                long_terms.append(key)
        try:
            bands.write(storage.folder)
        except OSError:
            pass   # the bands are then read from the terms
        return write(reader, storage.folder, long_terms)
    except OSError:
        return 0
    finally:
        reader.close()


def _term_ids(reader, fieldname: str, text: bytes, info) -> array:
    """The document ids of a term's postings, read from the term info the caller has (looking
    the term up again was most of the time of reading a band term's few postings)."""
    terms = reader._terms
    m = terms._codec.postings_reader(terms._postfile, info, reader.schema[fieldname].format,
                                     term=(fieldname, text))
    ids = array("I")
    for block_ids, _, _ in blocks(m, False):
        ids.extend(block_ids)
    return ids


def write(reader, folder: str, long_terms=None) -> int:
    """Write the file of a segment (`reader`, a Whoosh SegmentReader over its files in `folder`)
    with every term of MIN_POSTINGS or more (the (field, term) keys `long_terms`, if the caller
    found them); the number of terms written (0: no file)."""
    target = path_for(folder, reader.segment())
    if long_terms is None:
        long_terms = [key for key, info in reader._terms.items()
                      if info.doc_frequency() >= MIN_POSTINGS and key[0] in reader.schema]
    if not long_terms:
        return 0
    table = {}
    with replacing(target) as f:
        f.write(_HEADER.pack(MAGIC, 0))
        for fieldname, text in long_terms:
            with_values = isinstance(reader.schema[fieldname].format, Positions)
            ids, weights, values = array("q"), array("f"), []
            for block_ids, block_weights, block_values in blocks(reader.postings(fieldname, text), with_values):
                ids.extend(block_ids)
                weights.extend(block_weights)
                if with_values:
                    values += block_values
            ends = np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)))
            at = f.tell()
            f.write(np.asarray(ids, dtype=np.uint32).tobytes())
            f.write(np.asarray(weights, dtype=np.float32).tobytes())
            if with_values:
                f.write(ends.astype(np.uint32).tobytes())
                f.write(b"".join(values))
            table[(fieldname, text)] = (at, len(ids), int(ends[-1]) if with_values and len(ends) else -1)
        at = f.tell()
        pickle.dump(table, f, protocol=pickle.HIGHEST_PROTOCOL)
        f.seek(0)
        f.write(_HEADER.pack(MAGIC, at))
    return len(table)


def _load(path: str):
    """(mmap, table) of a postings file; None if it is not one or is damaged (the segment is
    then read from its blocks)."""
    mm = segment_files.mapped(path)
    if mm is None:
        return None
    try:
        magic, at = _HEADER.unpack_from(mm, 0)
        if magic != MAGIC or not _HEADER.size <= at < len(mm):
            return None
        table = pickle.loads(mm[at:])
        if not all(offset + 8 * count + (4 * count + size if size >= 0 else 0) <= at
                   for offset, count, size in table.values()):
            return None
        return mm, table
    except (struct.error, pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError):
        return None


def lookup(seg, fieldname: str, text: bytes, with_values: bool = False):
    """(ids as int64, weights as float32, None) of a term's postings in a segment, deleted
    documents included, from the segment's file; None if it has no file or the term is not in
    it. `with_values`: `Values` in place of None, and None if the file holds no values for it."""
    found = segment_files.opened(seg, EXTENSION, _load)
    where = found[1].get((fieldname, text)) if found is not None else None
    if where is None or (with_values and where[2] < 0):
        return None
    mm, (offset, count, _) = found[0], where
    ids = np.frombuffer(mm, dtype=np.uint32, count=count, offset=offset).astype(np.int64)
    weights = np.frombuffer(mm, dtype=np.float32, count=count, offset=offset + 4 * count)
    if not with_values:
        return ids, weights, None
    ends = np.frombuffer(mm, dtype=np.uint32, count=count, offset=offset + 8 * count).astype(np.int64)
    return ids, weights, Values(mm, offset + 12 * count, ends)


class Values:
    """The stored values of a term's postings in a postings file, picked by posting index."""

    def __init__(self, mm, start: int, ends: np.ndarray):
        self.mm, self.start, self.ends = mm, start, ends

    def pick(self, where) -> list:
        """The values (bytes) of the postings at these indexes."""
        mm, ends = self.mm, self.ends
        starts = np.concatenate(([0], ends[:-1]))
        return [mm[self.start + a:self.start + b] for a, b in zip(starts[where].tolist(), ends[where].tolist())]


def blocks(m, with_values: bool):
    """(ids, weights, values or None) of a Whoosh matcher's postings, a block at a time,
    decoded straight from Whoosh's block data where it can."""
    return _w3_blocks(m, with_values) if isinstance(m, W3LeafMatcher) else _generic_blocks(m, with_values)


def decode(m) -> tuple:
    """A matcher's whole posting list: (ids, weights) as arrays of int64 and float32 (Whoosh's
    weights are 32-bit floats)."""
    ids, weights = array("q"), array("f")
    for block_ids, block_weights, _ in blocks(m, False):
        ids.extend(block_ids)
        weights.extend(block_weights)
    return ids, weights


def _w3_blocks(m: W3LeafMatcher, with_values: bool):
    while m.is_active():
        if m._data is None:
            m._read_data()
        ids, weights = m._data[0], m._data[1]
        count = m._blocklength
        if not m._byteids:
            ids = list(accumulate(ids))   # the block stores gaps (whoosh's delta_decode)
        if weights is None:
            weights = repeat(1.0, count)
        elif isinstance(weights, float):   # one weight for the block, read back as Whoosh does
            weights = repeat(array("f", [weights])[0], count)
        values = None
        if with_values:
            m._read_values()
            values = list(m._values)
        yield ids, list(weights), values
        m._next_block()


def _generic_blocks(m, with_values: bool):
    ids, weights, values = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if with_values:
            values.append(m.value())
        m.next()
    yield ids, weights, (values if with_values else None)
