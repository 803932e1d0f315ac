"""PDF letters: the text layer read line by line, page furniture removed, paragraphs rebuilt.

pdfminer.six gives each text line with its position. Lines that repeat at the top or
bottom of most pages (running headers and footers) and page numbers go; wrapped lines
are joined (repairing words hyphenated at a line end), and blank vertical gaps or a
first-line indent start a new paragraph. The text then goes to `structure.segment`.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import date

from archive.errors import IngestError
from archive.readers.base import ReadResult
from archive.readers.structure import analyse

# pdfminer logs every oddity of a damaged file; the reader reports what matters as an
# IngestError or a warning, so the log would only repeat it on the archivist's terminal.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MAX_PAGES = 300
_ZONE = 3                       # lines at the top and bottom of a page that may be furniture
_PAGE_NUMBER = re.compile(
    r"(?:(?:page|p\.|pg\.?|seite|página|pagina|страница|стр\.|صفحة)\s*)?\d{1,4}"
    r"(?:\s*(?:of|/|de|sur|из|von|di|من)\s*\d{1,4})?"
    r"|[-–—]\s*\d{1,4}\s*[-–—]|\[\s*\d{1,4}\s*\]", re.I)
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’»)]*$")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    y0: float          # baseline side (PDF y grows upwards)
    y1: float
    page: int


def read_pdf(data: bytes, name: str) -> ReadResult:
    """Read a PDF letter's text layer into Blocks, with /Title, /Author and /CreationDate."""
    if not data:
        raise IngestError(f"{name}: the file is empty")
    if b"%PDF-" not in data[:1024]:
        raise IngestError(f"{name}: not a PDF file (no %PDF header)")
    pages, meta = _layout(data, name)
    if sum(len(re.sub(r"\s", "", ln.text)) for page in pages for ln in page) < 20:
        raise IngestError(f"{name}: the PDF has no text layer (a scanned image?); it needs OCR "
                          "before it can be ingested")
    pages, removed = _strip_furniture(pages)
    text = _paragraphs(pages)
    seg = analyse(text)
    if not seg.blocks:
        raise IngestError(f"{name}: no letter text found in the PDF")
    warnings = []
    if removed:
        shown = "; ".join(repr(t) for t in sorted(set(removed))[:5])
        warnings.append(f"removed {len(removed)} running header/footer or page-number line(s): {shown}")
    if seg.dropped:
        warnings.append(f"removed {len(seg.dropped)} line(s) that do not belong to the letter")
    return ReadResult(blocks=seg.blocks, meta=meta, format="pdf", warnings=warnings)


# -- reading ---------------------------------------------------------------------------

def _layout(data: bytes, name: str) -> tuple[list[list[Line]], dict]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect:
        raise IngestError(f"{name}: the PDF is encrypted with a password; save an unprotected "
                          "copy to ingest it") from None
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on broken files
        raise IngestError(f"{name}: not a readable PDF ({_why(exc)})") from None
    try:
        meta = _meta(document)
    except Exception:  # noqa: BLE001 - a broken /Info dictionary costs only the metadata
        meta = {}
    pages: list[list[Line]] = []
    try:
        manager = PDFResourceManager(caching=True)
        device = PDFPageAggregator(manager, laparams=LAParams())
        interpreter = PDFPageInterpreter(manager, device)
        for number, page in enumerate(PDFPage.create_pages(document)):
            if number >= MAX_PAGES:
                raise IngestError(f"{name}: the PDF has more than {MAX_PAGES} pages; that is not "
                                  "a letter")
            interpreter.process_page(page)
            pages.append(_lines(device.get_result(), number))
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001
        if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise IngestError(f"{name}: the PDF is encrypted and cannot be read ({_why(exc)})") from None
        raise IngestError(f"{name}: not a readable PDF ({_why(exc)})") from None
    if not pages:
        raise IngestError(f"{name}: the PDF has no pages")
    return pages, meta


def _why(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _lines(layout, page: int) -> list[Line]:
    from pdfminer.layout import LTTextLine

    found: list[Line] = []

    def visit(obj):
        if isinstance(obj, LTTextLine):
            text = " ".join(obj.get_text().split())
            if text:
                found.append(Line(text, obj.x0, obj.x1, obj.y0, obj.y1, page))
            return
        if hasattr(obj, "__iter__"):
            for child in obj:
                visit(child)

    visit(layout)
    # Top to bottom, and left to right on one baseline (2 pt tolerance).
    found.sort(key=lambda ln: (-round(ln.y0 / 2), ln.x0))
    return found


def _meta(document) -> dict:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    info: dict = {}
    for d in document.info or []:
        info.update(resolve1(d) if not isinstance(d, dict) else d)

    def text(key):
        v = resolve1(info.get(key))
        if isinstance(v, bytes):
            v = decode_text(v)
        return " ".join(v.split()) if isinstance(v, str) else ""

    meta = {}
    for key, out in (("Title", "title"), ("Author", "author"), ("Subject", "subject")):
        if text(key):
            meta[out] = text(key)
    m = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", text("CreationDate"))
    if m:
        try:
            meta["date"] = date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            pass
    return meta


# -- page furniture --------------------------------------------------------------------

def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _strip_furniture(pages: list[list[Line]]) -> tuple[list[list[Line]], list[str]]:
    """Drop page numbers and lines repeated in the top or bottom zone of most pages."""
    top: dict[str, int] = {}
    bottom: dict[str, int] = {}
    for lines in pages:
        for zone, counts in ((lines[:_ZONE], top), (lines[-_ZONE:], bottom)):
            for key in {_norm(ln.text) for ln in zone}:
                counts[key] = counts.get(key, 0) + 1
    need = max(2, (len(pages) + 1) // 2)
    removed: list[str] = []
    out = []
    for lines in pages:
        head, foot = set(map(id, lines[:_ZONE])), set(map(id, lines[-_ZONE:]))
        kept = []
        for ln in lines:
            if id(ln) in head or id(ln) in foot:
                key = _norm(ln.text)
                repeated = (id(ln) in head and top.get(key, 0) >= need) or \
                           (id(ln) in foot and bottom.get(key, 0) >= need)
                if repeated or _PAGE_NUMBER.fullmatch(ln.text):
                    removed.append(ln.text)
                    continue
            kept.append(ln)
        out.append(kept)
    return out, removed


# -- paragraphs ------------------------------------------------------------------------

def _paragraphs(pages: list[list[Line]]) -> str:
    """Rebuild the text: lines joined when wrapped, chunks split at gaps and indents."""
    lines = [ln for page in pages for ln in page]
    if not lines:
        return ""
    leading = _leading(pages)
    left = min(ln.x0 for ln in lines)
    right = _right_edge(lines)
    words = _vocabulary(lines)
    chunks: list[list[str]] = [[lines[0].text]]
    prev = lines[0]
    for ln in lines[1:]:
        full = _wrapped(prev, ln, right)
        indent = ln.x0 > left + 0.8 * max(ln.y1 - ln.y0, 6.0)
        same_row = ln.page == prev.page and abs(prev.y0 - ln.y0) < 2
        if ln.page != prev.page:
            # A paragraph runs on over the page break if the page ended mid-sentence.
            gap = not (full and not indent and not _SENTENCE_END.search(prev.text))
        else:
            gap = (prev.y0 - ln.y0) > 1.45 * leading or (full and indent and ln.x0 < right * 0.5)
        if gap and not same_row:
            chunks.append([ln.text])
        elif full and not indent and not same_row:
            chunks[-1][-1] = _join(chunks[-1][-1], ln.text, words)
        else:
            chunks[-1].append(ln.text)
        prev = ln
    return "\n\n".join("\n".join(c) for c in chunks)


def _wrapped(prev: Line, nxt: Line, right: float) -> bool:
    """True if `prev` ended only because the next line's first word would not have fitted."""
    first = nxt.text.split()[0] if nxt.text.split() else ""
    char = (prev.x1 - prev.x0) / max(len(prev.text), 1)
    return prev.x1 + (len(first) + 1) * char >= right - 2


def _leading(pages: list[list[Line]]) -> float:
    """The ordinary distance between baselines (lower quartile, so paragraph gaps don't count)."""
    steps = [a.y0 - b.y0 for page in pages for a, b in zip(page, page[1:]) if a.y0 - b.y0 > 2]
    if not steps:
        return 14.0
    steps.sort()
    return steps[len(steps) // 4]


def _right_edge(lines: list[Line]) -> float:
    xs = sorted(ln.x1 for ln in lines)
    return xs[int(0.9 * (len(xs) - 1))]


def _vocabulary(lines: list[Line]) -> set[str]:
    return {w.lower() for ln in lines for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", ln.text)}


def _join(prev: str, nxt: str, words: set[str]) -> str:
    """Join a wrapped line; 'protec-' + 'tion' -> 'protection' unless the text spells it hyphenated."""
    if prev.endswith(("-", "\u00ad", "\u2010")) and len(prev) >= 2 and prev[-2].islower() \
            and nxt[:1].islower():
        head = re.search(r"([^\W\d_]+)[-\u00ad\u2010]$", prev)
        tail = re.match(r"[^\W\d_]+", nxt)
        if head and tail and prev[-1] != "\u00ad":
            hyphenated = f"{head[1]}-{tail[0]}".lower()
            # A compound the letter also writes, hyphen and all, inside a line keeps its hyphen.
            if hyphenated in words and f"{head[1]}{tail[0]}".lower() not in words:
                return prev + nxt
        return prev[:-1] + nxt
    if prev.endswith(("-", "\u2010")) and len(prev) >= 2 and prev[-2].isalpha():
        return prev + nxt          # "human-" + "Rights": a hyphen the author typed
    return prev + " " + nxt
