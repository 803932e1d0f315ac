"""Hostile and broken input through `read_file`: a clear IngestError naming the file, nothing else."""
from __future__ import annotations

import importlib.util
import io
import struct
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from archive.errors import IngestError
from archive.letter import Block
from archive.readers import MAX_SOURCE_BYTES, read_file
from archive.readers import archive_zip
from archive.readers.base import ReadResult

DATA = Path(__file__).parent / "data" / "formats"
_spec = importlib.util.spec_from_file_location("make_fixtures", DATA / "make_fixtures.py")
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)


def refused(data: bytes, name: str, *words: str) -> str:
    """Assert read_file refuses the file with a message naming it and the problem."""
    with pytest.raises(IngestError) as err:
        read_file(data, name)
    message = err.value.message
    assert message.startswith(name + ":"), message
    for w in words:
        assert w.lower() in message.lower(), (w, message)
    return message


@pytest.mark.parametrize("ext", [".txt", ".html", ".htm", ".docx", ".pdf", ".eml", ".xml"])
def test_empty_file(ext):
    refused(b"", "letter" + ext, "empty")


def test_binary_garbage_named_txt():
    refused(bytes(range(256)) * 40, "garbage.txt", "not a text file")


def test_text_file_renamed_docx():
    refused(b"Dear Minister,\n\nWe write to you about the detained journalists.\n", "letter.docx",
            "not a Word document")


def test_zip_that_is_not_a_word_file():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("photo.jpg", b"\xff\xd8\xff not really")
    refused(buf.getvalue(), "photos.docx", "not a Word document")


def test_zip_bomb_docx():
    bomb = fx.zip_bomb()
    assert len(bomb) < 300_000          # small on disk, over 100 MB expanded
    refused(bomb, "bomb.docx", "zip bomb")


def test_compression_ratio_bomb_under_the_size_limit():
    bomb = fx.zip_bomb(size=20 * 1024 * 1024)
    refused(bomb, "ratio.docx", "compression ratio", "zip bomb")


def test_zip_with_too_many_entries():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(archive_zip.MAX_ENTRIES + 1):
            zf.writestr(f"part{i}.xml", b"")
    refused(buf.getvalue(), "many.docx", "entries")


def test_member_read_is_bounded_whatever_the_header_says():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"a" * 100_000)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        with pytest.raises(IngestError, match="expands past"):
            archive_zip.read_member(zf, zf.getinfo("big.txt"), "batch.zip", limit=50_000)


def test_member_that_lies_about_its_size_is_refused():
    # The headers say 1000 bytes; the deflate stream holds 10 MB. Reading stops at the claim.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b"x" * 10_000_000)
    data = bytearray(buf.getvalue())
    local = data.find(b"PK\x03\x04", 1)              # the second member's local header
    central = data.rfind(b"PK\x01\x02")
    data[local + 22:local + 26] = struct.pack("<I", 1000)
    data[central + 24:central + 28] = struct.pack("<I", 1000)
    refused(bytes(data), "liar.docx", "damaged")


def test_bulk_unzip_skips_unsafe_paths():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("letters/one.txt", b"Dear Minister,")
        zf.writestr("../../escape.txt", b"outside")
        zf.writestr("/etc/absolute.txt", b"absolute")
        zf.writestr("C:/windows.txt", b"drive")
        zf.writestr("letters/", b"")
    files = list(archive_zip.iter_files(buf.getvalue(), "batch.zip"))
    assert files == [("letters/one.txt", b"Dear Minister,")]


def test_malformed_xml():
    refused(b"<TEI><text><body><p>Dear Minister,</body></TEI>", "broken.xml", "malformed XML")


def _xxe(secret: Path) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE TEI [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>\n'
            f'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>&leak;</p></body></text></TEI>'
            ).encode()


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-7f3a9c")
    return path


def test_xxe_in_xml_reads_no_local_file(secret):
    message = refused(_xxe(secret), "xxe.xml", "DOCTYPE")
    assert "TOP-SECRET" not in message


def test_xxe_in_docx_reads_no_local_file(secret):
    docx = fx.docx_with_part("word/document.xml", _xxe(secret))
    message = refused(docx, "xxe.docx", "DTD")
    assert "TOP-SECRET" not in message


def test_xxe_in_html_reads_no_local_file(secret):
    page = (f'<!DOCTYPE html [<!ENTITY leak SYSTEM "{secret.as_uri()}">]><html><body><article>'
            "<p>Dear Minister,</p><p>We write to ask for the release of the detained journalists "
            "held in the capital since the second of November.</p><p>&leak;</p><p>Sincerely,</p>"
            "<p>Helena Marsh</p></article></body></html>").encode()
    result = read_file(page, "xxe.html")
    assert "TOP-SECRET" not in repr(result)
    assert "release of the detained journalists" in "\n".join(b.text for b in result.blocks)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>&lol9;</p></body></text></TEI>"""


def test_entity_expansion_bomb_xml():
    refused(BILLION_LAUGHS, "laughs.xml", "entit")


def test_entity_expansion_bomb_docx():
    refused(fx.docx_with_part("word/document.xml", BILLION_LAUGHS), "laughs.docx", "DTD")


def test_pdf_without_text_layer():
    refused(fx.pdf_scanned(), "scan.pdf", "no text layer", "OCR")


def test_password_protected_pdf():
    refused(fx.pdf_encrypted(), "locked.pdf", "encrypted", "password")


def test_broken_pdf():
    refused(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "broken.pdf", "PDF")


def test_not_a_pdf():
    refused(b"Dear Minister, this is a text file", "letter.pdf", "not a PDF")


def test_not_an_email():
    refused(b"Dear Minister,\n\nWe write to you about the detained journalists.\n", "letter.eml",
            "not an e-mail")


def test_file_over_the_size_limit():
    refused(b"%PDF-1.4\n" + b"0" * MAX_SOURCE_BYTES, "huge.pdf", "limit")


def test_html_with_scripts_keeps_the_letter_and_no_script():
    page = b"""<html><head><script>alert(1)</script>
<meta http-equiv="refresh" content="0;url=javascript:alert(2)"></head>
<body onload="alert(3)"><article>
<p>Dear Minister,</p>
<p onclick="alert(4)">We write to ask you to release the students detained after the protest at the
university on 3 May, and to investigate the reports of ill-treatment in custody.</p>
<img src="x" onerror="alert(5)">
<p>More details are on <a href="javascript:alert(6)">our page</a> and
<a href="JaVaScRiPt&#58;alert(7)">here</a>.</p>
<script type="text/javascript">document.write("<p>alert(8) injected javascript:void(0)</p>")</script>
<iframe src="javascript:alert(9)">iframe fallback alert(10)</iframe>
<noscript>Please enable javascript: alert(11)</noscript>
<p>Sincerely,</p><p>Helena Marsh</p>
</article><svg><script>alert(12)</script></svg></body></html>"""
    result = read_file(page, "xss.html")
    texts = [b.text for b in result.blocks]
    assert texts == [
        "Dear Minister,",
        "We write to ask you to release the students detained after the protest at the university "
        "on 3 May, and to investigate the reports of ill-treatment in custody.",
        "More details are on our page and here.",
        "Sincerely,", "Helena Marsh"]
    everything = repr(result).lower()
    assert "alert(" not in everything and "javascript:" not in everything


def test_html_email_with_scripts_keeps_the_letter_and_no_script():
    msg = EmailMessage()
    msg["From"] = "office@civicrights.example.org"
    msg["Subject"] = "Letter on the detained students"
    msg.set_content(
        "<html><body onload='alert(1)'><p>Dear Minister,</p><script>alert(2)</script>"
        "<p>We ask you to release the students detained after the protest at the university on "
        "3 May, and to investigate the reports of ill-treatment in custody.</p>"
        "<noscript>javascript: alert(3)</noscript><img src=x onerror='alert(4)'>"
        "<p><a href='javascript:alert(5)'>Sincerely,</a></p><p>Helena Marsh</p>"
        "<style>p { background: url(javascript:alert(6)) }</style></body></html>", subtype="html")
    result = read_file(msg.as_bytes(), "students.eml")
    assert [b.text for b in result.blocks][:2] == [
        "Dear Minister,",
        "We ask you to release the students detained after the protest at the university on 3 May, "
        "and to investigate the reports of ill-treatment in custody."]
    everything = repr(result).lower()
    assert "alert(" not in everything and "javascript:" not in everything


# -- fuzzing -----------------------------------------------------------------------------

EXTENSIONS = [".txt", ".html", ".docx", ".pdf", ".eml", ".xml"]


def _valid_files() -> dict[str, bytes]:
    """A valid file of each format, to mutate (built before any strategy runs)."""
    letter = fx.docx_letter()
    return {
        ".txt": b"Dear Minister,\n\nWe write about the detained journalists.\n\nSincerely,\nJane Roe\n",
        ".html": (DATA / "ngo-letter-page.html").read_bytes(),
        ".docx": letter,
        ".pdf": fx.pdf_pages([["Dear Minister,", "", "We write about the detained journalists "
                               "held in the capital.", "", "Sincerely,", "Jane Roe"]],
                             first_line="We write about the detained journalists"),
        ".eml": fx.eml_with_attachment(letter),
        ".xml": b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>Dear Minister,</p>'
                b"</body></text></TEI>",
    }


VALID = _valid_files()


def only_ingest_errors(data: bytes, name: str) -> None:
    try:
        result = read_file(data, name)
    except IngestError as exc:
        assert exc.message.startswith(name + ":")
        event("refused")
        return
    event("read")              # --hypothesis-show-statistics shows how often each happens
    assert isinstance(result, ReadResult)
    assert all(isinstance(b, Block) for b in result.blocks)


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("ext", EXTENSIONS)
@FUZZ
@given(data=st.binary(max_size=3000))
def test_fuzz_random_bytes(ext, data):
    only_ingest_errors(data, "fuzz" + ext)


@st.composite
def mutated(draw, ext):
    data = bytearray(VALID[ext])
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if how == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif how == "cut":
            del data[pos:]
        elif how == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        else:
            del data[pos:pos + draw(st.integers(1, 256))]
        if not data:
            break
    return bytes(data)


@pytest.mark.parametrize("ext", EXTENSIONS)
@FUZZ
@given(st.data())
def test_fuzz_mutated_valid_files(ext, data):
    only_ingest_errors(data.draw(mutated(ext)), "mutant" + ext)


@FUZZ
@given(st.data())
def test_fuzz_mutated_word_xml_inside_a_sound_zip(data):
    # A flipped byte in a zip mostly breaks the CRC; this reaches python-docx's XML handling.
    src = zipfile.ZipFile(io.BytesIO(VALID[".docx"]))
    part = bytearray(src.read("word/document.xml"))
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(part) - 1))
        part[pos:pos + data.draw(st.integers(0, 20))] = data.draw(st.binary(max_size=20))
    only_ingest_errors(fx.docx_with_part("word/document.xml", bytes(part), VALID[".docx"]), "mutant.docx")
