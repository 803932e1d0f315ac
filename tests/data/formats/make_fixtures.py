"""Build the binary test fixtures (PDF, Word, e-mail with attachment, zip bombs) into a folder.

Run as `python make_fixtures.py OUTDIR`; the tests call `make_all(tmp_dir)` so no binary
file needs to live in the repository. The letters are invented for the tests.
"""
from __future__ import annotations

import io
import sys
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

# The two-page English PDF letter: (kind, text) with kind "gap" for a blank line.
PDF_HEADER = "Civic Rights Monitor - Letter to the Minister of Justice of Valdoria"
PDF_LETTER = [
    "Civic Rights Monitor",
    "12 Harbour Street, Port Ellis",
    None,
    "3 March 2024",
    None,
    "Ms. Irena Volkova",
    "Minister of Justice",
    "Republic of Valdoria",
    None,
    "Dear Minister Volkova,",
    None,
    "We write to you about the situation of the human rights lawyer Daniel Ortez, who was detained "
    "on 14 February 2024 after he represented families of people who disappeared in the northern "
    "provinces. He has been held since then without charge and without access to his family.",
    None,
    "Our organisation has followed the case from the first day. The authorities have refused every "
    "request by his colleagues to visit him, and no court has examined the lawfulness of his "
    "detention. His continued detention denies him the protection of the law and the right to a "
    "lawyer of his own choosing, which the Constitution of Valdoria guarantees to every person "
    "deprived of liberty. We are also concerned by reports that his health has deteriorated.",
    None,
    "Article 9 of the International Covenant on Civil and Political Rights requires that anyone "
    "detained be brought promptly before a judge. Article 14 guarantees adequate time and "
    "facilities for the preparation of a defence and communication with counsel of one's own "
    "choosing. The Basic Principles on the Role of Lawyers add that lawyers shall not be identified "
    "with their clients or their clients' causes as a result of discharging their functions.",
    None,
    "Daniel Ortez has worked for more than ten years with associations of families of the "
    "disappeared. His arrest sends a message to every lawyer who takes on such cases, and it "
    "discourages relatives from seeking the truth about the fate of their loved ones through the "
    "courts. International standards require states to provide effective protection to lawyers "
    "threatened because of their professional activities.",
    None,
    "We respectfully urge you to order the release of Daniel Ortez, to allow him immediate access "
    "to a lawyer and to his family, and to ensure that lawyers in Valdoria can work without fear "
    "of reprisals.",
    None,
    "Yours sincerely,",
    None,
    "Helena Marsh",
    "Executive Director",
]


def pdf_letter() -> bytes:
    """Two A4 pages with a running header, 'Page N of 2' footers and a hyphenated line end."""
    from fpdf import FPDF

    class Letter(FPDF):
        def header(self):
            self.set_font("Helvetica", size=9)
            self.set_xy(20, 10)
            self.cell(0, 5, PDF_HEADER)

        def footer(self):
            self.set_font("Helvetica", size=9)
            self.set_xy(20, -15)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}")

    pdf = Letter(format="A4", unit="mm")
    pdf.set_title("Letter on the detention of Daniel Ortez")
    pdf.set_author("Civic Rights Monitor")
    pdf.set_creation_date(datetime(2024, 3, 3, 12, 0, tzinfo=timezone.utc))
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    width, line_h, bottom = 170, 7, 297 - 45
    y = 30
    hyphenated = 0
    for item in PDF_LETTER:
        if item is None:
            y += line_h
            continue
        lines, broke = _wrap(pdf, item, width)
        hyphenated += broke
        for line in lines:
            if y > bottom:
                pdf.add_page()
                pdf.set_font("Helvetica", size=12)
                y = 30
            pdf.set_xy(20, y)
            pdf.cell(width, line_h, line)
            y += line_h
    assert hyphenated >= 1 and pdf.page_no() == 2, "the fixture must break a word and fill 2 pages"
    return bytes(pdf.output())


def _wrap(pdf, text: str, width: float) -> tuple[list[str], int]:
    lines, cur, broke = [], "", 0
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if pdf.get_string_width(trial) <= width:
            cur = trial
            continue
        # A compound breaks after its own hyphen when that part fits.
        if "-" in word[1:-1] and pdf.get_string_width(f"{cur} {word[:word.index('-') + 1]}") <= width:
            cut = word.index("-") + 1
            lines.append(f"{cur} {word[:cut]}".strip())
            cur = word[cut:]
            continue
        # Break a long lower-case word as a typesetter would: the longest head that fits.
        if word.isalpha() and word.islower() and len(word) >= 8:
            for cut in range(len(word) - 3, 4, -1):
                if pdf.get_string_width(f"{cur} {word[:cut]}-") <= width:
                    lines.append(f"{cur} {word[:cut]}-")
                    cur, broke = word[cut:], broke + 1
                    break
            else:
                lines.append(cur)
                cur = word
            continue
        lines.append(cur)
        cur = word
    lines.append(cur)
    return lines, broke


def pdf_pages(pages: list[list[str]], first_line: str) -> bytes:
    """A PDF of wrapped paragraphs ("" is a blank line), wrapped so `first_line` ends a line."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_font("Helvetica", size=12)
    width = pdf.get_string_width(first_line) + 0.3
    for paragraphs in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        y = 25
        for text in paragraphs:
            for line in _wrap(pdf, text, width)[0] if text else [""]:
                pdf.set_xy(20, y)
                pdf.cell(width, 7, line)
                y += 7
    return bytes(pdf.output())


def pdf_scanned() -> bytes:
    """A PDF whose only content is a picture of a page (no text layer)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    img = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(img)
    for row in range(40, 520, 18):
        draw.text((30, row), "Dear Minister, we write to you about ...", fill=0)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_page()
    pdf.image(io.BytesIO(buf.getvalue()), x=10, y=10, w=190)
    return bytes(pdf.output())


def pdf_encrypted() -> bytes:
    """A PDF letter that opens only with a user password."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 10, "Dear Minister, this letter is protected by a password.")
    return bytes(pdf.output())


DOCX_HEADER = ["Civic Rights Monitor", "12 Harbour Street, Port Ellis, Valdoria", "www.civicrights.example.org"]
DOCX_BODY = [
    "5 April 2024", "",
    "Mr. Tomas Ferreira", "Minister of Interior", "Republic of Valdoria", "",
    "Dear Minister Ferreira,", "",
    "We are writing to ask you to lift the ban on the peaceful assembly planned by the Association "
    "of Displaced Families for 20 April 2024 in the capital.",
    "The ban was announced without any reason being given. Article 21 of the International Covenant "
    "on Civil and Political Rights protects the right of peaceful assembly, and any restriction "
    "must be necessary and proportionate.",
    "We urge you to reverse the decision and to ensure that the police facilitate the assembly.",
    "",
    "Sincerely,", "",
    "Helena Marsh", "Executive Director",
]


def docx_letter() -> bytes:
    """An English Word letter: letterhead in the page header, address lines as paragraphs."""
    import docx

    document = docx.Document()
    header = document.sections[0].header
    header.is_linked_to_previous = False
    header.paragraphs[0].text = DOCX_HEADER[0]
    for line in DOCX_HEADER[1:]:
        header.add_paragraph(line)
    for line in DOCX_BODY:
        document.add_paragraph(line)
    cp = document.core_properties
    cp.title = "Letter on the ban of the assembly of displaced families"
    cp.author = "Helena Marsh"
    cp.created = datetime(2024, 4, 5, 9, 0, tzinfo=timezone.utc)
    return _save(document)


FRENCH_TABLE = (["Ligue valdorienne des droits humains", "8, rue des Tilleuls", "Port Ellis"],
                ["Port Ellis, le 12 février 2024"])
FRENCH_BODY = [
    "Monsieur le Ministre de la Justice", "Ministère de la Justice", "Port Ellis", "",
    "Objet : détention arbitraire de Mme Amina Diallo", "",
    "Monsieur le Ministre,", "",
    "Nous avons l'honneur d'attirer votre attention sur la situation de Mme Amina Diallo, "
    "journaliste, arrêtée le 2 février 2024 à son domicile sans qu'aucun mandat ne lui soit présenté.",
    "Mme Diallo est détenue depuis dix jours sans avoir été présentée à un juge. L'article 9 du "
    "Pacte international relatif aux droits civils et politiques interdit toute détention arbitraire.",
    "Nous vous prions de bien vouloir ordonner sa libération immédiate.",
    "",
    "Veuillez agréer, Monsieur le Ministre, l'expression de notre haute considération.", "",
    "Claire Dubois", "Présidente",
]


def docx_french() -> bytes:
    """A French Word letter whose letterhead is a two-cell table at the top of the body."""
    import docx

    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    for cell, lines in zip(table.rows[0].cells, FRENCH_TABLE):
        cell.paragraphs[0].text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
    document.add_paragraph("")
    for line in FRENCH_BODY:
        document.add_paragraph(line)
    document.core_properties.author = "Claire Dubois"
    return _save(document)


def _save(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def eml_with_attachment(docx_bytes: bytes) -> bytes:
    """A cover note whose attached .docx is the letter, with a quoted reply and a signature."""
    msg = EmailMessage()
    msg["From"] = "Helena Marsh <helena.marsh@civicrights.example.org>"
    msg["To"] = "Office of the Minister <minister.office@interior.example.gov>"
    msg["Cc"] = "Press Office <press@civicrights.example.org>"
    msg["Date"] = format_datetime(datetime(2024, 4, 5, 10, 12, tzinfo=timezone.utc))
    msg["Subject"] = "Open letter: ban of the assembly of displaced families"
    msg.set_content(
        "Dear Sir or Madam,\n\n"
        "Please find attached our letter to the Minister about the ban of the assembly planned "
        "for 20 April.\n\n"
        "Kind regards,\nHelena Marsh\n"
        "-- \nCivic Rights Monitor | 12 Harbour Street, Port Ellis\n"
        "This e-mail is confidential and intended only for its addressee.\n")
    msg.add_attachment(docx_bytes, maintype="application",
                       subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                       filename="letter-assembly-ban.docx")
    return msg.as_bytes()


def zip_bomb(member: str = "word/document.xml", size: int = 101 * 1024 * 1024) -> bytes:
    """A zip (shaped like a Word file) whose one big member expands past the 100 MB limit."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open(member, "w", force_zip64=True) as f:
            block = b"\0" * (1024 * 1024)
            for _ in range(size // len(block)):
                f.write(block)
    return buf.getvalue()


def docx_with_part(part: str, content: bytes, base: bytes | None = None) -> bytes:
    """A real Word file with one XML part replaced (for XXE and entity-bomb fixtures)."""
    src = zipfile.ZipFile(io.BytesIO(base or docx_letter()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, content if info.filename == part else src.read(info))
    return buf.getvalue()


def make_all(outdir: Path) -> dict[str, Path]:
    """Write every generated fixture into `outdir`; returns name -> path."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    letter = docx_letter()
    files = {
        "letter.pdf": pdf_letter(),
        "scanned.pdf": pdf_scanned(),
        "encrypted.pdf": pdf_encrypted(),
        "letter.docx": letter,
        "lettre-fr.docx": docx_french(),
        "cover-note.eml": eml_with_attachment(letter),
    }
    paths = {}
    for fname, data in files.items():
        (outdir / fname).write_bytes(data)
        paths[fname] = outdir / fname
    return paths


if __name__ == "__main__":
    for p in make_all(Path(sys.argv[1] if len(sys.argv) > 1 else ".")).values():
        print(p)
