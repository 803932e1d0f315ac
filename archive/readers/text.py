"""Plain-text letters: find the encoding from evidence, decode, clean, then segment.

Order of evidence: a byte-order mark; strict UTF-8; then charset-normalizer for legacy
single-byte code pages, with two corrections where its guess is weakest on short
letters: Western text gets windows-1252 when bytes 0x80-0x9F occur (curly quotes and
dashes) and ISO-8859-1 otherwise, and Cyrillic text gets the code page under which the
letters read mostly lower case (KOI8-R read as windows-1251 comes out in capitals).
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from archive.errors import IngestError
from archive.readers.base import ReadResult
from archive.readers.structure import analyse

MAX_TEXT_BYTES = 20 * 1024 * 1024

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAGIC = (
    (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a zip archive (or a Word/OpenDocument file)"),
    (b"\x1f\x8b", "a gzip archive"), (b"\xd0\xcf\x11\xe0", "an old Word/Office document"),
    (b"{\\rtf", "an RTF document"), (b"7z\xbc\xaf", "a 7-zip archive"), (b"Rar!", "a RAR archive"),
)
# Python codec name -> the label written to meta (WHATWG / IANA spelling).
_LABELS = {"cp1252": "windows-1252", "latin_1": "iso-8859-1", "cp1251": "windows-1251",
           "koi8_r": "koi8-r", "koi8_u": "koi8-u", "cp866": "ibm866", "iso8859_5": "iso-8859-5",
           "mac_cyrillic": "x-mac-cyrillic", "cp1250": "windows-1250", "iso8859_2": "iso-8859-2"}
_WESTERN = {"cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1257", "iso8859_10",
            "iso8859_13", "iso8859_4", "iso8859_3", "iso8859_9", "cp1254", "mac_roman", "mac_latin2",
            "cp850", "cp852", "cp775", "cp437", "cp858", "iso8859_16", "iso8859_14"}
_CYRILLIC = ("cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp866", "cp855", "cp1125")
# Binary tell-tales: C0 controls other than tab, LF, FF, CR (and ESC/SUB, seen in old text).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26, 27)) + b"\x7f"
# Invisible characters that only get in the way (zero-width space, word joiner, stray BOMs,
# soft hyphens); ZWJ/ZWNJ and direction marks stay, since some scripts need them.
# Unicode's control characters (category Cc: U+0000-001F, U+007F-009F) other than tab, line
# and page breaks.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_DROP = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x84\x86-\x9f\u200b\u2060\ufeff\u00ad\ufffe\uffff]")


def decode(data: bytes, name: str) -> str:
    """Decode a plain-text file's bytes to clean text; IngestError names the file if it is not text."""
    return _decode(data, name)[0]


def read_text(data: bytes, name: str) -> ReadResult:
    """Read a plain-text letter: decode it and cut it into structure blocks."""
    text, encoding, warnings = _decode(data, name)
    seg = analyse(text)
    if not seg.blocks:
        raise IngestError(f"{name}: no letter text found (only page clutter)")
    if seg.dropped:
        shown = "; ".join(repr(t[:60]) for t in seg.dropped[:5])
        more = f" and {len(seg.dropped) - 5} more" if len(seg.dropped) > 5 else ""
        warnings.append(f"removed {len(seg.dropped)} line(s) of page clutter: {shown}{more}")
    return ReadResult(blocks=seg.blocks, meta={"encoding": encoding}, format="text", warnings=warnings)


def _decode(data: bytes, name: str) -> tuple[str, str, list[str]]:
    if len(data) > MAX_TEXT_BYTES:
        raise IngestError(f"{name}: file is {len(data)} bytes, over the {MAX_TEXT_BYTES}-byte limit "
                          "for text files")
    warnings: list[str] = []
    encoding = _bom(data)
    if encoding:
        text = _strict(data, encoding, name)
        text = text[1:] if text.startswith("\ufeff") else text
    else:
        _refuse_binary(data, name)
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
                # A file cut off inside its last character: the rest is sound UTF-8.
                text, encoding = data[:exc.start].decode("utf-8"), "utf-8"
                warnings.append("the file ends inside a UTF-8 character; the broken end was dropped")
            else:
                text, encoding = _legacy(data, name, warnings)
    controls = len(_CONTROLS.findall(text))
    if controls > max(4, 0.02 * len(text)):
        # Catches binary data behind a BOM, or decoded as a legacy code page.
        raise IngestError(f"{name}: not a text file (too many control characters)")
    text = _clean(text)
    if not text.strip():
        raise IngestError(f"{name}: the file is empty (no text)")
    return text, encoding, warnings


def _bom(data: bytes) -> str | None:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    return None


def _strict(data: bytes, enc: str, name: str) -> str:
    try:
        return data.decode("utf-8-sig" if enc == "utf-8" else enc)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{name}: starts with a {enc} byte-order mark but is not valid {enc} "
                          f"(bad bytes at offset {exc.start})") from None


def _refuse_binary(data: bytes, name: str) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise IngestError(f"{name}: this is {what}, not a plain-text file")
    sample = data[:65536]
    if b"\x00" in sample:
        raise IngestError(f"{name}: not a text file (contains NUL bytes; binary data or "
                          "UTF-16/32 without a byte-order mark)")
    if len(sample) - len(sample.translate(None, _CONTROL_BYTES)) > max(4, 0.02 * len(sample)):   # one pass
        raise IngestError(f"{name}: not a text file (too many control characters)")


def _legacy(data: bytes, name: str, warnings: list[str]) -> tuple[str, str]:
    results = from_bytes(data)
    best = results.best()
    if best is None:
        raise IngestError(f"{name}: cannot tell the text encoding (not UTF-8, and no legacy "
                          "code page decodes it as text)")
    enc = best.encoding
    # On short letters charset-normalizer often ties windows-1252 with a Central European
    # page (same score); the archive's Latin-script letters are mostly Western, so a tie
    # goes to Western and only a clearly better Central European reading wins.
    tied = {m.encoding for m in results if m.chaos <= best.chaos + 0.02}
    if enc in _WESTERN and (tied & {"cp1252", "latin_1", "iso8859_15"} or _same_as_western(data, enc)):
        # Only the 0x80-0x9F range tells windows-1252 from ISO-8859-1: there it has
        # curly quotes and dashes, where Latin-1 has invisible controls.
        enc = "cp1252" if re.search(rb"[\x80-\x9f]", data) else "latin_1"
    elif enc in _CYRILLIC:
        enc = _best_cyrillic(data, enc)
    label = _LABELS.get(enc, enc.replace("_", "-"))
    if enc not in _CYRILLIC and enc not in ("cp1252", "latin_1"):
        warnings.append(f"encoding guessed as {label} from statistics; check the text")
    return data.decode(enc), label


def _same_as_western(data: bytes, enc: str) -> bool:
    """True if the guessed Latin code page reads the bytes exactly as windows-1252 does."""
    try:
        return data.decode(enc) == data.decode("cp1252")
    except UnicodeDecodeError:
        return enc in ("latin_1", "iso8859_15")


def _best_cyrillic(data: bytes, guess: str) -> str:
    """The Cyrillic code page under which the words read as words (case and letters)."""
    scores = {}
    for enc in ("cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp866"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        high = [c for c in text if ord(c) > 127]
        words = re.findall("[\u0400-\u04ff]{2,}", text)
        if not words:
            continue
        # A wrong table swaps case (KOI8-R read as 1251 gives "мЮЛ" for "Нам"), mixes
        # case inside words, or turns letters into symbols. Prose words are lower case or
        # capitalised; all-capitals words happen (headings) but count for less.
        form = sum(1.0 if w[1:].islower() else 0.5 if w.isupper() else 0.0 for w in words)
        letters = sum("\u0400" <= c <= "\u04ff" for c in high) / len(high)
        scores[enc] = form / len(words) * letters + (0.01 if enc == guess else 0)
    return max(scores, key=scores.get) if scores else guess


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # NEL, line and paragraph separators, form and vertical feeds all end a line.
    text = re.sub("[\x85\u2028\x0b\x0c]", "\n", text).replace("\u2029", "\n\n")
    text = _DROP.sub("", text)
    return unicodedata.normalize("NFC", text)
