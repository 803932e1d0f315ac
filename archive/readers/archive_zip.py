"""Zip files from outside, opened safely: no expansion bombs, no path tricks.

Word files are zip packages, and archivists upload batches of letters as .zip files.
A hostile zip can claim a small size and expand to gigabytes, hold a million entries,
or name members `../../etc/passwd`. `open_zip` checks what the central directory
declares before anything is decompressed; `read_member` enforces the limits again while
decompressing, since the declared sizes are the attacker's to write.
"""
from __future__ import annotations

import io
import stat
import zipfile
from pathlib import PurePosixPath

from archive.errors import IngestError

MAX_TOTAL_BYTES = 100 * 1024 * 1024     # everything in one zip, decompressed
MAX_MEMBER_BYTES = 50 * 1024 * 1024     # one member, decompressed
MAX_ENTRIES = 5000
# Text-like XML compresses 10-30x; a member expanding 200x and more is built to bomb.
MAX_RATIO = 200
_RATIO_FLOOR = 1024 * 1024              # tiny members may have any ratio: they cannot bomb
_CHUNK = 64 * 1024


def open_zip(data: bytes, name: str, what: str = "zip archive") -> zipfile.ZipFile:
    """Open zip bytes after checking entry count, declared sizes and ratios; IngestError otherwise."""
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise IngestError(f"{name}: not a {what} (the file is not a zip package)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
            NotImplementedError, KeyError, IndexError) as exc:
        raise IngestError(f"{name}: not a {what} (broken zip package: {exc})") from None
    check_entries(infos, name)
    return zf


def check_entries(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse zips whose central directory announces a bomb (count, total size, ratio)."""
    if len(infos) > MAX_ENTRIES:
        raise IngestError(f"{name}: the zip has {len(infos)} entries, over the limit of {MAX_ENTRIES}")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise IngestError(f"{name}: the zip member {info.filename!r} is encrypted")
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise IngestError(f"{name}: the zip member {info.filename!r} expands to "
                              f"{info.file_size / 1e6:.0f} MB, over the {MAX_MEMBER_BYTES // 2**20} MB "
                              "limit (a zip bomb?)")
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise IngestError(f"{name}: the zip member {info.filename!r} has a compression ratio of "
                              f"{info.file_size // max(info.compress_size, 1)}:1, over the limit of "
                              f"{MAX_RATIO}:1 (a zip bomb?)")
    if total > MAX_TOTAL_BYTES:
        raise IngestError(f"{name}: the zip expands to {total / 1e6:.0f} MB, over the "
                          f"{MAX_TOTAL_BYTES // 2**20} MB limit (a zip bomb?)")


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
                limit: int = MAX_MEMBER_BYTES) -> bytes:
    """Decompress one member, stopping at `limit` bytes whatever its header claims."""
    out = bytearray()
    try:
        with zf.open(info) as f:
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                out += chunk
                if len(out) > limit:
                    raise IngestError(f"{name}: the zip member {info.filename!r} expands past "
                                      f"{limit // 2**20} MB (a zip bomb?)")
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile lets zlib.error, CRC and EOF errors through
        raise IngestError(f"{name}: the zip member {info.filename!r} is damaged: {exc}") from None
    return bytes(out)


def safe_member_name(member: str) -> str | None:
    """The member's path if it is a plain relative file path, else None (absolute, '..', drive)."""
    member = member.replace("\\", "/")
    p = PurePosixPath(member)
    if not member or member.endswith("/") or p.is_absolute() or ".." in p.parts \
            or (p.parts and ":" in p.parts[0]):
        return None
    return str(p)


def iter_files(data: bytes, name: str, limit_total: int = MAX_TOTAL_BYTES):
    """Yield (path, bytes) for each regular file in a zip of letters, under the total limit.

    Directories, symbolic links and members with unsafe paths are skipped, never
    extracted: a batch ingest only ever sees bytes and a relative name.
    """
    zf = open_zip(data, name)
    budget = limit_total
    with zf:
        for info in zf.infolist():
            mode = info.external_attr >> 16
            if info.is_dir() or stat.S_ISLNK(mode):
                continue
            path = safe_member_name(info.filename)
            if path is None:
                continue
            content = read_member(zf, info, name)
            budget -= len(content)
            if budget < 0:
                raise IngestError(f"{name}: the zip expands past {limit_total // 2**20} MB "
                                  "(a zip bomb?)")
            yield path, content
