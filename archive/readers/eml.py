"""E-mail (.eml) letters: the body, or the attached letter when the body is only a cover note.

Headers (From, To, Cc, Date, Subject) are decoded by the standard library's `email`
package (RFC 2047 words, quoted-printable and base64 bodies) and go into `meta`.
Quoted replies and the sender's e-mail signature are cut from the body before
segmentation: they are the mail's, not the letter's.
"""
from __future__ import annotations

import email
import re
from email import policy
from pathlib import PurePosixPath

from archive.errors import IngestError
from archive.readers.base import ReadResult
from archive.readers.structure import analyse

# Attachments that can carry the letter, best first.
_LETTER_EXTS = (".docx", ".pdf", ".txt", ".html", ".htm", ".md")
_HEADER_LINE = re.compile(rb"[!-9;-~]{1,76}:")
_COVER = re.compile(
    r"please find (?:attached|enclosed)|attached (?:is|please find|you will find|our|the)"
    r"|(?:i|we) (?:have )?attach(?:ed)?|see (?:the )?attache?(?:d|ment)|in (?:the )?attachment"
    r"|enclosed (?:is|please find)|ci-joint|en pièce jointe|veuillez trouver|adjunt[oa]"
    r"|encontrará(?:n)? (?:adjunt|anex)|во вложении|прилагаем|anbei|im anhang|مرفق", re.I)
_REPLY_HEADER = re.compile(
    r"^(?:on\b.{0,250}\bwrote|le\b.{0,250}\ba écrit|el\b.{0,250}\bescribió|am\b.{0,250}\bschrieb"
    r"|.{0,200}\bнаписал[а]?)\s*:\s*$|^-{2,}\s*original message\s*-{2,}$"
    r"|^-{2,}\s*message d'origine\s*-{2,}$", re.I | re.S)
_DISCLAIMER = re.compile(
    r"^(?:disclaimer|confidentiality notice|this (?:e-?mail|message)(?: and any (?:files|attachments)"
    r"[^.]{0,40})? (?:is|are|may be|contains?) (?:strictly )?(?:confidential|intended|privileged))", re.I)
_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|tr|aw|wg|rv|enc)\s*:\s*)+", re.I)


def read_eml(data: bytes, name: str) -> ReadResult:
    """Read an e-mail: headers into meta, the letter from the body or the attached letter."""
    try:
        return _read_eml(data, name)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - the email package has many ways to fail on junk
        raise IngestError(f"{name}: not a readable e-mail message ({type(exc).__name__}: {exc})") from None


def _read_eml(data: bytes, name: str) -> ReadResult:
    msg = _parse(data, name)
    meta = _headers(msg)
    warnings: list[str] = []
    body = _body_text(msg, name, warnings)
    attachments = _letter_attachments(msg, name)
    if attachments and _is_cover_note(body):
        result = _read_attachment(attachments, name, warnings)
        merged = dict(result.meta)
        merged.update(meta)                              # the mail's headers win
        if result.meta.get("title"):
            merged["title"] = result.meta["title"]       # the letter's own title beats the subject
        merged["attachment"] = result.meta["attachment"]
        return ReadResult(blocks=result.blocks, meta=merged, format="email",
                          warnings=warnings + result.warnings)
    if not body.strip():
        raise IngestError(f"{name}: the e-mail has no text body and no attached letter")
    seg = analyse(body)
    if not seg.blocks:
        raise IngestError(f"{name}: no letter text found in the e-mail")
    if seg.dropped:
        warnings.append(f"removed {len(seg.dropped)} line(s) that do not belong to the letter")
    return ReadResult(blocks=seg.blocks, meta=meta, format="email", warnings=warnings)


def _parse(data: bytes, name: str):
    if not data.strip():
        raise IngestError(f"{name}: the file is empty")
    data = data.lstrip(b"\r\n")
    if data.startswith(b"From "):
        data = data.split(b"\n", 1)[-1]            # an mbox "From " envelope line
    head = data.lstrip(b"\r\n")[:65536].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    if b"\x00" in head or not _HEADER_LINE.match(head):
        raise IngestError(f"{name}: not an e-mail message (it does not start with mail headers)")
    try:
        msg = email.message_from_bytes(data, policy=policy.default)
        known = [k for k in ("From", "To", "Subject", "Date") if msg.get(k) is not None]
    except Exception as exc:  # noqa: BLE001 - the email package fails in many ways on junk
        raise IngestError(f"{name}: not a readable e-mail message ({exc})") from None
    if not known:
        raise IngestError(f"{name}: not an e-mail message (no From, To, Subject or Date header)")
    return msg


def _header(msg, key: str) -> str:
    try:
        value = msg.get(key)
        return " ".join(str(value).split()) if value is not None else ""
    except Exception:  # noqa: BLE001 - a malformed header costs only that header
        return ""


def _headers(msg) -> dict:
    meta: dict = {}
    for key in ("From", "To", "Cc", "Subject"):
        if _header(msg, key):
            meta[key.lower()] = _header(msg, key)
    if meta.get("subject"):
        meta["title"] = _PREFIX.sub("", meta["subject"]).strip() or meta["subject"]
    try:
        when = msg["Date"].datetime if msg["Date"] is not None else None
    except Exception:  # noqa: BLE001 - an unparseable Date header
        when = None
    if when is not None:
        meta["date"] = when.date().isoformat()
    return meta


def _body_text(msg, name: str, warnings: list[str]) -> str:
    """The body's text (plain preferred, else HTML), with quotes and e-mail signature cut."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001
        part = None
    if part is None:
        return ""
    text = _content(part)
    if part.get_content_subtype() == "html":
        from archive.readers.html import html_text
        try:
            text = html_text(text, name, main=False)
        except IngestError:
            return ""
    return strip_mail_text(text)


def _content(part) -> str:
    try:
        content = part.get_content()
    except Exception:  # noqa: BLE001 - unknown charset or broken transfer encoding
        raw = part.get_payload(decode=True) or b""
        content = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    return content if isinstance(content, str) else ""


def strip_mail_text(text: str) -> str:
    """Cut quoted replies ('On ... wrote:', '>' lines) and the signature after '-- '."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if line.rstrip() == "--" or line == "-- ":
            break                                    # the e-mail signature delimiter
        two = (stripped + " " + lines[i + 1].strip()) if i + 1 < len(lines) else stripped
        if _REPLY_HEADER.match(stripped) or (stripped.lower().startswith("on ")
                                             and _REPLY_HEADER.match(two)):
            break                                    # everything below is the quoted mail
        if _DISCLAIMER.match(stripped):
            break
        if line.lstrip().startswith(">"):
            continue
        out.append(line)
    return "\n".join(out).strip()


def _letter_attachments(msg, name: str) -> list[tuple[str, bytes]]:
    found = []
    try:
        for part in msg.iter_attachments():
            filename = part.get_filename() or ""
            ext = PurePosixPath(filename.lower()).suffix
            if ext in _LETTER_EXTS:
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes) and payload:
                    found.append((PurePosixPath(filename.replace("\\", "/")).name, payload))
    except Exception as exc:  # noqa: BLE001
        raise IngestError(f"{name}: cannot read the e-mail's attachments ({exc})") from None
    found.sort(key=lambda a: _LETTER_EXTS.index(PurePosixPath(a[0].lower()).suffix))
    return found


def _is_cover_note(body: str) -> bool:
    """A short body, or one that points at the attachment, is a cover note, not the letter."""
    words = len(body.split())
    return words < 60 or (words < 400 and bool(_COVER.search(body)))


def _read_attachment(attachments, name: str, warnings: list[str]) -> ReadResult:
    from archive.readers import read_file

    filename, payload = attachments[0]
    if len(attachments) > 1:
        warnings.append(f"the e-mail has {len(attachments)} attachments; the letter was read from "
                        f"{filename!r} (others: {', '.join(a[0] for a in attachments[1:])})")
    try:
        result = read_file(payload, filename)
    except IngestError as exc:
        raise IngestError(f"{name}: the attached letter {exc.message}") from None
    result.meta["attachment"] = filename
    return result
