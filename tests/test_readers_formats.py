"""HTML, Word, PDF and e-mail readers on realistic letters: exact text out, no clutter."""
from __future__ import annotations

import importlib.util
from email.message import EmailMessage
from pathlib import Path

import pytest

from archive.errors import IngestError
from archive.readers import read_file

DATA = Path(__file__).parent / "data" / "formats"


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_fixtures", DATA / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fx = _load_generator()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return fx.make_all(tmp_path_factory.mktemp("formats"))


def read(path: Path):
    return read_file(path.read_bytes(), path.name)


def kinds_texts(result):
    return [(b.kind, b.text) for b in result.blocks]


def all_text(result) -> str:
    return "\n".join(b.text for b in result.blocks)


# -- HTML --------------------------------------------------------------------------------

NGO_LETTER = [
    ("dateline", "14 November 2023"),
    ("address", "Mr. Tomas Ferreira\nMinister of Interior\nRepublic of Valdoria"),
    ("salute", "Dear Minister Ferreira,"),
    ("p", "We write to express our deep concern about the detention of four journalists of the weekly "
          "newspaper Morning Ledger, who were arrested in the capital on 2 November 2023 after "
          "publishing an investigation into public procurement."),
    ("p", "According to information gathered by our researchers, the journalists have been held for "
          "twelve days without being brought before a judge, and their lawyers have been refused "
          "access to them. Their families have not been told where they are held."),
    ("p", "Article 9 of the International Covenant on Civil and Political Rights, to which Valdoria is a "
          "party, guarantees that anyone arrested shall be brought promptly before a judge. Article 19 "
          "of the same Covenant protects the freedom to seek, receive and impart information."),
    ("p", "We therefore urge you to release the four journalists immediately and unconditionally, and "
          "to ensure that no one is prosecuted for peaceful reporting."),
    ("closing", "Sincerely,"),
    ("signed", "Helena Marsh\nExecutive Director, Civic Rights Monitor"),
]
SITE_CLUTTER = ["cookie", "Skip to main", "About us", "Donate", "Home", "Tweet", "Facebook", "Share",
                "Support our work", "donation", "Related articles", "protest law", "newsletter",
                "Privacy policy", "All rights reserved", "Tracking pixel", "never shown", "gtag",
                "Published", "press office", "Search the site", "Accept all", "petition", "Related"]


def test_html_page_keeps_only_the_letter():
    result = read(DATA / "ngo-letter-page.html")
    assert result.format == "html"
    assert kinds_texts(result) == NGO_LETTER
    text = all_text(result)
    for clutter in SITE_CLUTTER:
        assert clutter.lower() not in text.lower(), clutter


def test_html_page_metadata():
    meta = read(DATA / "ngo-letter-page.html").meta
    assert meta["title"] == "Open letter on detained journalists in Valdoria"     # og:title wins
    assert meta["date"] == "2023-11-14"
    assert meta["url"] == "https://civicrights.example.org/news/2023/11/open-letter-detained-journalists"
    assert meta["author"] == "Civic Rights Monitor"
    assert meta["language"] == "en"


def test_html_date_only_from_time_element_and_title_from_title_tag():
    page = ("<html><head><title>Joint letter on asylum seekers &ndash; Refugee Rights Network</title>"
            "</head><body><article><h1>Refugee Rights Network</h1>"
            "<p>Posted <time datetime='2021-06-30T08:00'>last June</time></p>"
            "<p>Dear Minister,</p><p>We, the undersigned organisations, ask you to stop the return of "
            "asylum seekers to a country where they face a real risk of torture.</p>"
            "<p>Yours faithfully,</p><p>Refugee Rights Network</p></article></body></html>")
    result = read_file(page.encode(), "joint.htm")
    assert result.meta["date"] == "2021-06-30"
    assert result.meta["title"] == "Joint letter on asylum seekers"
    assert "We, the undersigned organisations, ask you to stop the return of asylum seekers" in all_text(result)
    # A heading that is not the page's title is the letter's own (here its letterhead): it stays.
    assert result.blocks[0].text.split("\n")[0] == "Refugee Rights Network"


ARABIC_LETTER = [
    "٢٠ تشرين الثاني/نوفمبر ٢٠٢٣",
    "معالي وزير الداخلية",
    "السيد الوزير المحترم،",
    "نكتب إليكم للتعبير عن قلقنا البالغ إزاء احتجاز ثلاثة من المدافعين عن حقوق الإنسان في العاصمة منذ "
    "الثاني من تشرين الثاني/نوفمبر ٢٠٢٣، دون توجيه أي تهمة إليهم ودون السماح لهم بالاتصال بمحامين.",
    "تنص المادة ٩ من العهد الدولي الخاص بالحقوق المدنية والسياسية على أنه لا يجوز القبض على أحد أو "
    "اعتقاله تعسفاً، وعلى وجوب تقديم الموقوف سريعاً إلى أحد القضاة.",
    "لذلك نحثكم على الإفراج الفوري عنهم وضمان حقهم في الدفاع وفي التواصل مع ذويهم.",
    "وتفضلوا بقبول فائق الاحترام والتقدير،",
    "ليلى حداد",
    "المديرة التنفيذية، المرصد المدني للحقوق",
]


def test_arabic_html_letter():
    result = read(DATA / "arabic-letter.html")
    lines = [ln for b in result.blocks for ln in b.text.split("\n")]
    assert lines == ARABIC_LETTER
    for clutter in ("الرئيسية", "تبرع", "ملفات تعريف الارتباط", "شارك", "مقالات ذات صلة", "جميع الحقوق"):
        assert clutter not in all_text(result)
    assert result.meta["language"] == "ar"
    assert result.meta["date"] == "2023-11-20"
    assert result.meta["title"] == "رسالة مفتوحة إلى وزير الداخلية بشأن المدافعين المحتجزين"


# -- PDF ---------------------------------------------------------------------------------

def test_two_page_pdf_letter(generated):
    result = read(generated["letter.pdf"])
    assert result.format == "pdf"
    paragraphs = [t for t in fx.PDF_LETTER[11:] if t and len(t) > 100]
    assert kinds_texts(result) == (
        [("letterhead", "Civic Rights Monitor\n12 Harbour Street, Port Ellis"),
         ("dateline", "3 March 2024"),
         ("address", "Ms. Irena Volkova\nMinister of Justice\nRepublic of Valdoria"),
         ("salute", "Dear Minister Volkova,")]
        + [("p", p) for p in paragraphs]
        + [("closing", "Yours sincerely,"), ("signed", "Helena Marsh\nExecutive Director")])
    text = all_text(result)
    # The running header and the "Page N of 2" footers are gone; the broken word is whole again.
    assert fx.PDF_HEADER not in text and "Page 1" not in text and "of 2" not in text
    assert "shall not be identified with their clients" in text and "identi-" not in text
    assert any("running header/footer" in w for w in result.warnings)


def test_pdf_metadata(generated):
    meta = read(generated["letter.pdf"]).meta
    assert meta == {"title": "Letter on the detention of Daniel Ortez", "author": "Civic Rights Monitor",
                    "date": "2024-03-03"}


def test_pdf_page_numbers_and_hyphenated_compounds(tmp_path):
    # A hyphen at a line end stays when the letter also writes the compound inside a line.
    first = "The Special Rapporteur has twice called this long-"
    page1 = ["Dear Minister,", "",
             first + "standing practice of detaining asylum seekers at the border unlawful, and the "
             "courts have agreed with her.", "",
             "The long-standing practice must end: it separates families and it breaks the law of "
             "the land as well as the obligations of the state.", "", "- 1 -"]
    page2 = ["We ask you to end the practice without delay.", "", "Sincerely,", "", "Amal Nasser",
             "", "- 2 -"]
    path = tmp_path / "compound.pdf"
    path.write_bytes(fx.pdf_pages([page1, page2], first_line=first))
    result = read(path)
    text = all_text(result)
    assert "has twice called this long-standing practice of detaining asylum seekers" in text
    assert "- 1 -" not in text and "- 2 -" not in text
    assert [b.kind for b in result.blocks] == ["salute", "p", "p", "p", "closing", "signed"]


# -- Word --------------------------------------------------------------------------------

DOCX_LETTER = [
    ("letterhead", "Civic Rights Monitor\n12 Harbour Street, Port Ellis, Valdoria\nwww.civicrights.example.org"),
    ("dateline", "5 April 2024"),
    ("address", "Mr. Tomas Ferreira\nMinister of Interior\nRepublic of Valdoria"),
    ("salute", "Dear Minister Ferreira,"),
    ("p", fx.DOCX_BODY[8]), ("p", fx.DOCX_BODY[9]), ("p", fx.DOCX_BODY[10]),
    ("closing", "Sincerely,"),
    ("signed", "Helena Marsh\nExecutive Director"),
]


def test_docx_letter_with_header_letterhead(generated):
    result = read(generated["letter.docx"])
    assert result.format == "docx"
    assert kinds_texts(result) == DOCX_LETTER
    assert result.meta == {"title": "Letter on the ban of the assembly of displaced families",
                           "author": "Helena Marsh", "date": "2024-04-05"}


def test_french_docx_with_table_letterhead(generated):
    result = read(generated["lettre-fr.docx"])
    assert kinds_texts(result) == [
        ("letterhead", "Ligue valdorienne des droits humains\n8, rue des Tilleuls\nPort Ellis"),
        ("dateline", "Port Ellis, le 12 février 2024"),
        ("address", "Monsieur le Ministre de la Justice\nMinistère de la Justice\nPort Ellis"),
        ("salute", "Objet : détention arbitraire de Mme Amina Diallo\nMonsieur le Ministre,"),
        ("p", fx.FRENCH_BODY[8]), ("p", fx.FRENCH_BODY[9]), ("p", fx.FRENCH_BODY[10]),
        ("closing", "Veuillez agréer, Monsieur le Ministre, l'expression de notre haute considération."),
        ("signed", "Claire Dubois\nPrésidente"),
    ]
    # Claire Dubois is a real author; python-docx's template date is not a real date.
    assert result.meta == {"author": "Claire Dubois"}


# -- e-mail ------------------------------------------------------------------------------

def test_eml_cover_note_reads_the_attached_letter(generated):
    result = read(generated["cover-note.eml"])
    assert result.format == "email"
    assert kinds_texts(result) == DOCX_LETTER
    assert "Please find attached" not in all_text(result)
    meta = result.meta
    assert meta["from"] == "Helena Marsh <helena.marsh@civicrights.example.org>"
    assert meta["to"] == "Office of the Minister <minister.office@interior.example.gov>"
    assert meta["cc"] == "Press Office <press@civicrights.example.org>"
    assert meta["subject"] == "Open letter: ban of the assembly of displaced families"
    assert meta["date"] == "2024-04-05"
    assert meta["attachment"] == "letter-assembly-ban.docx"
    assert meta["title"] == "Letter on the ban of the assembly of displaced families"


def test_eml_quoted_printable_body_and_rfc2047_headers():
    result = read(DATA / "qp-letter.eml")
    assert kinds_texts(result) == [
        ("salute", "Dear Minister Álvarez,"),
        ("p", "We write on behalf of the Coalition for Press Freedom about the detention of the journalist "
              "Zoë Ramírez, who was arrested on 9 January 2024 while covering a protest in front of the "
              "Ministry of Finance."),
        ("p", "Ms. Ramírez was charged with “disseminating false information” after she published a "
              "report on the €4 million contract awarded without tender — a report that was in the "
              "public interest. Article 19 of the International Covenant on Civil and Political Rights "
              "protects her right to impart information."),
        ("p", "We call on you to drop the charges against Ms. Ramírez and to release her without delay."),
        ("closing", "Respectfully,"),
        ("signed", "Jonás Peña\nCoordinator, Coalition for Press Freedom"),
    ]
    text = all_text(result)
    for gone in ("wrote:", "final version", "Calle Mayor", "confidential"):
        assert gone not in text
    assert result.meta["subject"] == "Lettre ouverte — détention de Zoë Ramírez"
    assert result.meta["from"] == "Jonás Peña <jonas.pena@pressfreedom.example.org>"
    assert result.meta["date"] == "2024-01-17"


def test_eml_html_only_body_drops_the_quoted_reply():
    msg = EmailMessage()
    msg["From"] = "Amal Nasser <amal@refugeerights.example.org>"
    msg["To"] = "minister@interior.example.gov"
    msg["Subject"] = "Re: Returns of asylum seekers"
    msg["Date"] = "Mon, 04 Mar 2024 16:00:00 +0000"
    msg.set_content(
        "<html><body><p>Dear Minister,</p><p>We ask you to suspend all returns of asylum seekers to "
        "the northern provinces until an independent review of the conditions there is complete.</p>"
        "<p>Sincerely,</p><p>Amal Nasser</p>"
        "<div class='gmail_quote'>On Fri, 1 Mar 2024, the Ministry wrote:"
        "<blockquote>Your previous message was received.</blockquote></div></body></html>",
        subtype="html")
    result = read_file(msg.as_bytes(), "reply.eml")
    assert [b.text for b in result.blocks] == [
        "Dear Minister,",
        "We ask you to suspend all returns of asylum seekers to the northern provinces until an "
        "independent review of the conditions there is complete.",
        "Sincerely,", "Amal Nasser"]
    assert result.meta["title"] == "Returns of asylum seekers"


def test_eml_with_broken_attachment_names_both_files():
    msg = EmailMessage()
    msg["From"] = "office@civicrights.example.org"
    msg["Subject"] = "Our letter"
    msg.set_content("Please find attached our letter.\n")
    msg.add_attachment(b"this is not a word file", maintype="application", subtype="octet-stream",
                       filename="letter.docx")
    with pytest.raises(IngestError) as err:
        read_file(msg.as_bytes(), "cover.eml")
    assert "cover.eml" in err.value.message and "letter.docx" in err.value.message
    assert "not a Word document" in err.value.message
