"""Writing one git pack (and its index) for a batch of commits.

A bulk ingest makes one commit per letter, and each commit rewrites its letter's year
folders (`letters/<year>/`, `sources/<year>/`): at 100,000 letters ~3,300 entries, ~165 KB a
tree. `git fast-import` rebuilt and re-sorted each such tree from its entries twice per
commit (the new version, and the old one to delta against), and searched the new version
for its delta: its CPU per commit grew from ~0.5 ms to ~5 ms over a 100,000-letter batch.

Here the caller already knows how a tree differs from the tree it was made from: one line
spliced in (`store._Tree.replaced`). So a new version is written as a delta of a few tens of
bytes (copy the unchanged head, insert the new bytes, copy the unchanged tail) without
searching, and its cost does not grow with the folder.

Layout follows git's pack format v2 and index format v2 (gitformat-pack(5)). The pack is
written to a temporary file in `objects/pack`; `finish` fixes its object count, appends its
checksum, writes the index, and renames both into place, the index last (git reads a pack
only through its index), so git never sees half a pack. Nothing refers to the objects until
the caller moves a ref. `abort`, or the next writer after a crash, removes the temporary
files.
"""
from __future__ import annotations

import array
import contextlib
import hashlib
import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np

TEMP_PREFIX = "tmp_pack_letters_"
TYPES = {b"commit": 1, b"tree": 2, b"blob": 3, b"tag": 4}
OFS_DELTA = 6
MAX_DEPTH = 50      # git's default delta chain limit: a read applies at most this many deltas
DELTA_FROM = 64     # smaller objects are not worth a delta, nor keeping as a base
COPY_MAX = 0x10000  # bytes per copy instruction
LEVEL = 6           # git's default zlib level (0.08 ms a letter; level 1 saves 0.03 ms and costs 7% more disk)
TREE_LEVEL = 1      # a tree is mostly binary shas: level 6 takes 3.5 ms for a 180 KB folder, 1 takes 1.9, same size


def clear_stale(pack_dir: Path) -> None:
    """Remove temporary packs a killed writer left (call it holding the archive lock)."""
    for path in Path(pack_dir).glob(TEMP_PREFIX + "*"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _entry_header(kind: int, size: int) -> bytes:
    out = bytearray([(kind << 4) | (size & 0x0F)])
    size >>= 4
    while size:
        out[-1] |= 0x80
        out.append(size & 0x7F)
        size >>= 7
    return bytes(out)


def _ofs(distance: int) -> bytes:
    """A delta's distance back to its base, in git's offset encoding."""
    out = [distance & 0x7F]
    distance >>= 7
    while distance:
        distance -= 1
        out.append(0x80 | (distance & 0x7F))
        distance >>= 7
    return bytes(reversed(out))


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _copy(out: bytearray, offset: int, size: int) -> None:
    while size:
        step = min(size, COPY_MAX)
        cmd, args = 0x80, bytearray()
        for i in range(4):
            byte = (offset >> (8 * i)) & 0xFF
            if byte:
                cmd |= 1 << i
                args.append(byte)
        for i in range(3):   # a size of 0x10000 is written as no size bytes
            byte = (step >> (8 * i)) & 0xFF
            if byte and step != COPY_MAX:
                cmd |= 0x10 << i
                args.append(byte)
        out.append(cmd)
        out += args
        offset += step
        size -= step


def splice_delta(base_size: int, data: bytes, prefix: int, suffix: int) -> bytes:
    """A git delta that makes `data` from a base of `base_size` bytes, given that the two
    share their first `prefix` and last `suffix` bytes."""
    suffix = max(0, min(suffix, base_size - prefix, len(data) - prefix))
    out = bytearray(_varint(base_size) + _varint(len(data)))
    if prefix:
        _copy(out, 0, prefix)
    middle = memoryview(data)[prefix:len(data) - suffix]
    for i in range(0, len(middle), 127):
        chunk = middle[i:i + 127]
        out.append(len(chunk))
        out += chunk
    if suffix:
        _copy(out, base_size - suffix, suffix)
    return bytes(out)


class PackWriter:
    """Objects appended to one new pack; `finish` installs it, `abort` throws it away."""

    def __init__(self, objects_dir: Path):
        self.dir = Path(objects_dir) / "pack"
        self.dir.mkdir(parents=True, exist_ok=True)
        clear_stale(self.dir)
        fd, self.temp = tempfile.mkstemp(dir=self.dir, prefix=TEMP_PREFIX, suffix=".pack")
        self.file = os.fdopen(fd, "wb", buffering=1 << 20)
        self.file.write(b"PACK" + struct.pack(">II", 2, 0))  # the count is fixed by finish()
        self.offset = 12
        self.seen: set = set()           # shas of the objects in the pack
        self.shas = bytearray()          # 20 bytes an object, in pack order
        self.offsets = array.array("Q")
        self.crcs = array.array("I")
        self.bases: dict = {}            # sha of a tree a delta may start from -> (offset, depth)
        self.deltas = 0
        self.name = None                 # once installed

    def __len__(self) -> int:
        return len(self.crcs)

    def add(self, kind: bytes, data: bytes, base: tuple | None = None) -> bytes:
        """Append one object; return its binary sha. `base` = (base sha, base size, prefix,
        suffix): the object shares its first `prefix` and last `suffix` bytes with the object
        `base sha` of `base size` bytes, so it can be written as a delta of that one if that
        one is in this pack."""
        sha = hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data).digest()
        if sha in self.seen:
            return sha
        depth, source = 0, None
        if base is not None and len(data) >= DELTA_FROM:
            source = self.bases.pop(base[0], None)
            if source is not None and source[1] >= MAX_DEPTH:
                source = None
        if source is not None:
            delta = splice_delta(base[1], data, base[2], base[3])
            entry = _entry_header(OFS_DELTA, len(delta)) + _ofs(self.offset - source[0]) + zlib.compress(delta, LEVEL)
            depth = source[1] + 1
            self.deltas += 1
        else:
            entry = _entry_header(TYPES[kind], len(data)) + zlib.compress(data, TREE_LEVEL if kind == b"tree" else LEVEL)
        if kind == b"tree" and len(data) >= DELTA_FROM:
            self.bases[sha] = (self.offset, depth)
        self.file.write(entry)
        self.seen.add(sha)
        self.shas += sha
        self.offsets.append(self.offset)
        self.crcs.append(zlib.crc32(entry))
        self.offset += len(entry)
        return sha

    def finish(self) -> str:
        """Complete the pack, write its index, install both; return the pack's name."""
        self.file.flush()
        self.file.close()
        with open(self.temp, "r+b") as f:
            f.seek(8)
            f.write(struct.pack(">I", len(self)))
            f.flush()
            f.seek(0)
            digest = hashlib.sha1()
            while chunk := f.read(1 << 22):
                digest.update(chunk)
            checksum = digest.digest()
            f.write(checksum)
            f.flush()
            os.fsync(f.fileno())
        name = self.name = "pack-" + checksum.hex()
        self.seen, self.bases = set(), {}   # nothing more is added: their memory goes before the index's
        index = self._index(checksum)
        fd, temp_index = tempfile.mkstemp(dir=self.dir, prefix=TEMP_PREFIX, suffix=".idx")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(index)
                f.flush()
                os.fsync(f.fileno())
            for path in (self.temp, temp_index):
                os.chmod(path, 0o444)
            os.replace(self.temp, self.dir / (name + ".pack"))
            os.replace(temp_index, self.dir / (name + ".idx"))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_index)
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return name

    def _index(self, checksum: bytes) -> bytes:
        """The pack's index (v2), built in numpy: at 1.4 million objects, lists of their ids
        and of the sort order were ~200 MB at the batch's peak of memory."""
        n = len(self)
        shas = np.frombuffer(bytes(self.shas), dtype=np.uint8).reshape(n, 20)
        order = np.lexsort(shas.T[::-1]) if n else np.zeros(0, dtype=np.intp)   # git's order: bytewise
        fanout = np.cumsum(np.bincount(shas[:, 0], minlength=256)).astype(">u4")
        offsets = np.frombuffer(self.offsets, dtype=np.uint64)[order]
        large = offsets[offsets >= 0x80000000]
        small = offsets.astype(np.uint32)
        small[offsets >= 0x80000000] = 0x80000000 | np.arange(len(large), dtype=np.uint32)
        body = b"".join([
            b"\377tOc", struct.pack(">I", 2), fanout.tobytes(), shas[order].tobytes(),
            np.frombuffer(self.crcs, dtype=np.uint32)[order].astype(">u4").tobytes(),
            small.astype(">u4").tobytes(), large.astype(">u8").tobytes(), checksum])
        return body + hashlib.sha1(body).digest()

    def abort(self) -> None:
        """Throw the unfinished pack away."""
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp)
