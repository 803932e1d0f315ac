"""Word .docx letters: body paragraphs and tables in order, the page header as letterhead.

The zip package is checked (real zip, no expansion bomb, no DTD in any XML part) before
python-docx opens it. Paragraphs are written out as text the way they sit on the page
(short lines of an address or signature together, prose paragraphs apart) and cut into
Blocks by `structure.segment`; the header becomes the letterhead block.
"""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

from archive.errors import IngestError
from archive.letter import Block
from archive.readers.archive_zip import open_zip, read_member
from archive.readers.base import ReadResult
from archive.readers.structure import analyse

_DOCTYPE = re.compile(rb"<!\s*(?:doctype|entity)", re.I)
# python-docx's built-in template says this; it names no real author or date.
_TEMPLATE_AUTHOR = "python-docx"
_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15, tzinfo=timezone.utc)


def read_docx(data: bytes, name: str) -> ReadResult:
    """Read a Word letter: Blocks, plus title, author and creation date from its properties."""
    if not data:
        raise IngestError(f"{name}: the file is empty")
    _check_package(data, name)
    try:
        import docx
        document = docx.Document(io.BytesIO(data))
        header = _header_lines(document)
        body = _body_text(document)
        meta = _core_meta(document)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx and lxml raise many kinds
        raise IngestError(f"{name}: not a readable Word document ({type(exc).__name__}: {exc})") from None
    seg = analyse(body)
    blocks = list(seg.blocks)
    if header:
        head = "\n".join(header)
        if blocks and blocks[0].kind == "letterhead":
            head = head + "\n" + blocks.pop(0).text
        blocks.insert(0, Block("letterhead", head))
    if not any(b.kind != "letterhead" for b in blocks):
        raise IngestError(f"{name}: no letter text found in the Word document")
    warnings = []
    if seg.dropped:
        warnings.append(f"removed {len(seg.dropped)} line(s) that do not belong to the letter")
    return ReadResult(blocks=blocks, meta=meta, format="docx", warnings=warnings)


def _check_package(data: bytes, name: str) -> None:
    """A real, bomb-free Word package whose XML parts carry no DTD (XXE, entity bombs)."""
    zf = open_zip(data, name, what="Word document")
    with zf:
        names = set(zf.namelist())
        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
            raise IngestError(f"{name}: not a Word document (a zip package without Word content)")
        for info in zf.infolist():
            if not info.filename.endswith((".xml", ".rels")):
                continue
            part = read_member(zf, info, name)
            # Office never writes a DOCTYPE; one in a part can only be an attack (or corruption).
            head = part.replace(b"\x00", b"")
            if _DOCTYPE.search(head):
                raise IngestError(f"{name}: the Word part {info.filename!r} declares a DTD or "
                                  "entities, which Word documents never do; refused")


def _header_lines(document) -> list[str]:
    """Letterhead candidates: the first page's header text (tables read row by row)."""
    if not document.sections:
        return []
    section = document.sections[0]
    header = section.first_page_header if section.different_first_page_header_footer else section.header
    if header.is_linked_to_previous:
        return []           # the first section's header is then absent: nothing to read
    lines: list[str] = []
    for chunk in _chunks(header.iter_inner_content()):
        for line in chunk.split("\n"):
            if line.strip() and line.strip() not in lines:
                lines.append(line.strip())
    return lines


def _body_text(document) -> str:
    return "\n\n".join(_chunks(document.iter_inner_content()))


def _chunks(items) -> list[str]:
    """Paragraphs and tables -> text chunks: short lines together, prose and gaps apart."""
    from docx.table import Table

    chunks: list[str] = []
    cur: list[str] = []

    def close():
        if cur:
            chunks.append("\n".join(cur))
            cur.clear()

    for item in items:
        if isinstance(item, Table):
            close()
            chunks += _table_chunks(item)
            continue
        text = _paragraph_text(item)
        style = (item.style.name if item.style is not None else "") or ""
        if not text.strip():
            close()                        # an empty paragraph is the visual gap
        elif _is_prose(text) or style.startswith(("Heading", "Title")):
            close()
            chunks.append(text)
        else:
            cur.append(text)
    close()
    return [c for c in chunks if c.strip()]


def _table_chunks(table) -> list[str]:
    """A table flattened row by row; each cell is one chunk (merged cells once)."""
    out: list[str] = []
    seen = set()
    for row in table.rows:
        for cell in row.cells:
            # Holding the element keeps lxml's proxy alive, so identity is stable.
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            out += _chunks(cell.iter_inner_content())
    return out


def _paragraph_text(paragraph) -> str:
    text = paragraph.text.replace("\r", "\n")
    if len(text) <= 120:
        # "Organisation<tab><tab>12 March 2024": tab-aligned columns are separate lines.
        text = re.sub(r"[ ]*\t+[ ]*", "\n", text)
    return "\n".join(ln.strip() for ln in text.replace("\t", " ").split("\n") if ln.strip())


def _is_prose(text: str) -> bool:
    words = text.split()
    return len(text) >= 100 or (len(words) >= 8 and bool(re.search(r"[.!?:;][\"'”’»)]*$", text)))


def _core_meta(document) -> dict:
    cp = document.core_properties
    meta: dict = {}
    if (cp.title or "").strip():
        meta["title"] = cp.title.strip()
    if (cp.author or "").strip() and cp.author.strip() != _TEMPLATE_AUTHOR:
        meta["author"] = cp.author.strip()
    if (cp.subject or "").strip():
        meta["subject"] = cp.subject.strip()
    created = cp.created
    if created is not None and created != _TEMPLATE_CREATED.replace(tzinfo=created.tzinfo):
        meta["date"] = created.date().isoformat()
    return meta
