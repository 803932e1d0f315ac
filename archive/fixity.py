"""Fixity: SHA-256 checksums of every letter's TEI and original file, kept in git.

Each letter has `sources/<year>/<id>/sha256sums` (the `sha256sum` format: "<hex>  <path>"),
written in the same commit as the files it describes. `letters verify` recomputes them;
a file changed outside the archive's tools, or damaged, no longer matches.
"""
from __future__ import annotations

import hashlib

from . import ids


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sums_file(files: dict) -> bytes:
    """The checksum file for {path: bytes}."""
    return "".join(f"{sha256(data)}  {path}\n" for path, data in sorted(files.items())).encode()


def parse_sums(data: bytes) -> dict:
    """{path: hex} from a checksum file."""
    out = {}
    for line in data.decode("utf-8", "replace").splitlines():
        digest, _, path = line.partition("  ")
        if digest and path:
            out[path.strip()] = digest.strip()
    return out


def with_sums(letter_id: str, changes: dict, reader=None) -> dict:
    """`changes` plus the letter's updated checksum file (unchanged files read from git)."""
    files = {p: d for p, d in changes.items() if d is not None and not p.endswith("sha256sums")}
    if reader is not None:
        old = reader.read(ids.sums_path(letter_id))
        for path in (parse_sums(old) if old else {}):
            if path not in files:
                data = reader.read(path)
                if data is not None:
                    files[path] = data
    return dict(changes, **{ids.sums_path(letter_id): sums_file(files)})
