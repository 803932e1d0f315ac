"""Build the Word, PDF and e-mail-with-attachment letters of the labelled set from their text sources.

A source is `sources/<name>.<ext>.txt`. Each line is one line of the letter; a blank line is a
visual gap. Lines starting `@header ` / `@footer ` are the page header / footer (the Word
header, or the PDF's running lines). An `.eml.txt` source is an e-mail: its header lines and
cover note come first, then `@attach <file>` and the attached letter's own source.

The evaluation calls `build(path)` in memory, so no binary file needs to be kept in git;
`python make_binaries.py OUTDIR` writes them out for a look.
"""
from __future__ import annotations

import io
import sys
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

FIXED_DATE = datetime(2024, 1, 15, 12, 0, tzinfo=timezone.utc)   # not any letter's date


def _parse(text: str) -> tuple[list[str], list[str], list[str | None]]:
    """(header lines, footer lines, body lines with None for a gap)."""
    header, footer, body = [], [], []
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("@header "):
            header.append(line[8:].strip())
        elif line.startswith("@footer "):
            footer.append(line[8:].strip())
        else:
            body.append(line.strip() or None)
    return header, footer, body


def docx_bytes(text: str) -> bytes:
    """A Word letter: one paragraph per line, an empty paragraph per gap, header in the header."""
    import docx

    header, _, body = _parse(text)
    document = docx.Document()
    document.core_properties.author = "Archive test set"
    document.core_properties.created = FIXED_DATE
    if header:
        head = document.sections[0].header
        head.is_linked_to_previous = False
        head.paragraphs[0].text = header[0]
        for line in header[1:]:
            head.add_paragraph(line)
    for line in body:
        document.add_paragraph(line or "")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(text: str) -> bytes:
    """An A4 PDF in Helvetica (Latin-1 letters only), running header/footer on every page."""
    from fpdf import FPDF

    header, footer, body = _parse(text)

    class Letter(FPDF):
        def header(self):
            self.set_font("Helvetica", size=8)
            for i, line in enumerate(header):
                self.set_xy(20, 8 + 4 * i)
                self.cell(0, 4, line)

        def footer(self):
            self.set_font("Helvetica", size=8)
            for i, line in enumerate(footer + [f"Page {self.page_no()}"]):
                self.set_xy(20, -18 + 4 * i)
                self.cell(0, 4, line)

    pdf = Letter(format="A4", unit="mm")
    pdf.core_fonts_encoding = "windows-1252"   # dashes and curly quotes, not only Latin-1
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_margins(20, 25, 20)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in body:
        if line is None:
            pdf.ln(5)
        else:
            pdf.multi_cell(170, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def eml_bytes(text: str) -> bytes:
    """An e-mail with a short cover note and the letter attached (Word or PDF)."""
    mail, _, attached = text.partition("\n@attach ")
    head, _, note = mail.partition("\n\n")
    msg = EmailMessage()
    for line in head.split("\n"):
        key, _, value = line.partition(":")
        msg[key.strip()] = value.strip()
    msg.set_content(note.strip() + "\n")
    filename, _, source = attached.partition("\n")
    filename = filename.strip()
    if filename.endswith(".pdf"):
        msg.add_attachment(pdf_bytes(source), maintype="application", subtype="pdf", filename=filename)
    else:
        msg.add_attachment(docx_bytes(source), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                           filename=filename)
    return msg.as_bytes()


BUILDERS = {".docx": docx_bytes, ".pdf": pdf_bytes, ".eml": eml_bytes}


def build(source: Path) -> tuple[str, bytes]:
    """(file name, bytes) of the letter a `<name>.<ext>.txt` source describes."""
    name = source.name[:-len(".txt")]
    ext = Path(name).suffix
    return name, BUILDERS[ext](source.read_text(encoding="utf-8"))


def main(outdir: str) -> None:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for source in sorted((Path(__file__).parent / "sources").glob("*.txt")):
        name, data = build(source)
        (out / name).write_bytes(data)
        print(name)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "built")
