"""Readers: one module per source format, each turning a file's bytes into Blocks.

`read_file` picks the reader by the file name's extension and enforces the upload
size limit; every reader raises `IngestError` (naming the file) on bad input.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from ..errors import IngestError
from .base import ReadResult

MAX_SOURCE_BYTES = 20 * 1024 * 1024


def _text(data, name):
    from .text import read_text
    return read_text(data, name)


def _tei(data, name):
    from .tei import read_tei
    return read_tei(data, name)


def _html(data, name):
    from .html import read_html
    return read_html(data, name)


def _docx(data, name):
    from .docx import read_docx
    return read_docx(data, name)


def _pdf(data, name):
    from .pdf import read_pdf
    return read_pdf(data, name)


def _eml(data, name):
    from .eml import read_eml
    return read_eml(data, name)


READERS = {".txt": _text, ".text": _text, ".xml": _tei, ".tei": _tei,
           ".html": _html, ".htm": _html, ".docx": _docx, ".pdf": _pdf, ".eml": _eml}


def supported(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in READERS


def read_file(data: bytes, name: str) -> ReadResult:
    """Read one source file; the reader is chosen by extension."""
    if len(data) > MAX_SOURCE_BYTES:
        raise IngestError(f"{name}: file is {len(data) / 1e6:.1f} MB, over the "
                          f"{MAX_SOURCE_BYTES // (1024 * 1024)} MB limit")
    ext = PurePosixPath(name).suffix.lower()
    reader = READERS.get(ext)
    if reader is None:
        raise IngestError(f"{name}: unsupported file type {ext or '(none)'}; "
                          f"supported: {', '.join(sorted(READERS))}")
    return reader(data, name)
